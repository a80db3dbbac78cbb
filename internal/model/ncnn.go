package model

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// ncnn describes a network in a .param file that starts with the magic
// number 7767517: as a text line, followed by a line with the layer and
// blob counts, or in the binary form (.param.bin) as an int32, followed by
// the two counts.
const ncnnMagic = 7767517

// Plausibility bound of ncnn layer and blob counts.
const maxNCNNCount = 1 << 20

func identifyNCNN(head []byte, size int64) (Info, bool) {
	if len(head) >= 12 && binary.LittleEndian.Uint32(head) == ncnnMagic {
		layers := binary.LittleEndian.Uint32(head[4:])
		blobs := binary.LittleEndian.Uint32(head[8:])
		if layers < 1 || layers > maxNCNNCount || blobs < 1 || blobs > maxNCNNCount {
			return Info{}, false
		}
		return Info{Format: FormatNCNN, Details: details(DetailEncoding, "binary",
			DetailLayers, strconv.FormatUint(uint64(layers), 10))}, true
	}
	first, rest, ok := bytes.Cut(head, []byte("\n"))
	if !ok || string(bytes.TrimRight(first, "\r")) != strconv.Itoa(ncnnMagic) {
		return Info{}, false
	}
	second, _, ok := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return Info{}, false
	}
	fields := bytes.Fields(second)
	if len(fields) != 2 {
		return Info{}, false
	}
	for _, f := range fields {
		n, err := strconv.Atoi(string(f))
		if err != nil || n < 1 || n > maxNCNNCount {
			return Info{}, false
		}
	}
	return Info{Format: FormatNCNN, Details: details(DetailEncoding, "text", DetailLayers, string(fields[0]))}, true
}
