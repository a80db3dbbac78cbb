package model

import (
	"bytes"
	"strconv"
)

// hdf5Signature starts an HDF5 superblock, at offset 0 or, after a user
// block, at 512, 1024, 2048 and further powers of two.
var hdf5Signature = []byte("\x89HDF\r\n\x1a\n")

// kerasMarkers are attribute names that Keras writes into the HDF5 files of
// its models; finding one in the head marks the file as a Keras model.
var kerasMarkers = [][]byte{[]byte("keras_version"), []byte("model_config"), []byte("model_weights")}

// identifyHDF5 finds the superblock signature at one of the offsets the
// head holds and checks the superblock version (0 to 3).
func identifyHDF5(head []byte, size int64) (Info, bool) {
	for off := 0; off+9 <= len(head); off = max(512, off*2) {
		if !bytes.Equal(head[off:off+8], hdf5Signature) {
			continue
		}
		v := head[off+8]
		if v > 3 {
			return Info{}, false
		}
		d := details(DetailVersion, strconv.Itoa(int(v)))
		if off > 0 {
			d[DetailUserBlock] = strconv.Itoa(off)
		}
		for _, m := range kerasMarkers {
			if bytes.Contains(head, m) {
				d[DetailKeras] = "true"
				break
			}
		}
		return Info{Format: FormatHDF5, Details: d}, true
	}
	return Info{}, false
}
