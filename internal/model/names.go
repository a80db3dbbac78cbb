package model

import (
	"bytes"
	"encoding/binary"
	"path"
	"strconv"
	"strings"
)

// Container formats (ZIP archives, directories) are recognized by the
// names of their members.

// maxNames bounds how many names a classification looks at.
const maxNames = 100_000

// appPackageMarkers are members of app packages and Java archives: an
// archive with one of them is an app that may contain models, not a model.
var appPackageMarkers = map[string]bool{
	"AndroidManifest.xml": true, "classes.dex": true, "META-INF/MANIFEST.MF": true,
	"BundleConfig.pb": true, "base/manifest/AndroidManifest.xml": true,
}

// mediapipeLLMMembers are the member names of MediaPipe LLM task bundles.
var mediapipeLLMMembers = map[string]bool{
	"TF_LITE_PREFILL_DECODE": true, "TF_LITE_EMBEDDER": true, "TOKENIZER_MODEL": true,
}

// cleanNames normalizes member names: forward slashes, no leading "./" or
// "/", directories without their trailing slash dropped.
func cleanNames(names []string) []string {
	out := make([]string, 0, min(len(names), maxNames))
	for _, n := range names[:min(len(names), maxNames)] {
		n = strings.ReplaceAll(n, "\\", "/")
		for strings.HasPrefix(n, "./") || strings.HasPrefix(n, "/") {
			n = strings.TrimPrefix(strings.TrimPrefix(n, "./"), "/")
		}
		if n != "" {
			out = append(out, n)
		}
	}
	return out
}

// IdentifyZip recognizes a model stored as a ZIP archive from the names of
// its entries: PyTorch checkpoints, TorchScript and PyTorch Mobile
// archives, Keras 3 archives, NumPy .npz archives, MediaPipe task bundles,
// zipped SavedModels and Core ML packages, and archives of pickles. An
// app package (APK, AAB, JAR) is not a model, whatever it contains.
func IdentifyZip(names []string) (Info, bool) {
	names = cleanNames(names)
	if len(names) == 0 {
		return Info{}, false
	}
	set := make(map[string]bool, len(names))
	for _, n := range names {
		if appPackageMarkers[n] || strings.HasPrefix(n, "Payload/") {
			return Info{}, false
		}
		set[n] = true
	}
	if info, ok := identifyTorchNames(names, set); ok {
		return info, true
	}
	if set["config.json"] {
		for _, w := range []string{"model.weights.h5", "model.weights.npz"} {
			if set[w] {
				return Info{Format: FormatKeras, Details: details(DetailWeights, w)}, true
			}
		}
		if set["metadata.json"] {
			return Info{Format: FormatKeras, Details: map[string]string{}}, true
		}
	}
	npy, tflite, pickles, llm := 0, 0, 0, false
	for _, n := range names {
		lower := strings.ToLower(n)
		switch {
		case strings.HasSuffix(lower, ".npy"):
			npy++
		case strings.HasSuffix(lower, ".tflite") || strings.HasSuffix(lower, ".task"):
			tflite++
		case strings.HasSuffix(lower, ".pkl") || strings.HasSuffix(lower, ".pickle"):
			pickles++
		}
		if mediapipeLLMMembers[n] {
			llm = true
		}
	}
	switch {
	case npy == len(names):
		return Info{Format: FormatNPZ, Details: details(DetailArrays, strconv.Itoa(npy))}, true
	case llm:
		return Info{Format: FormatMediaPipeTask, Details: details(DetailKind, "llm")}, true
	case tflite > 0:
		return Info{Format: FormatMediaPipeTask, Details: details(DetailModels, strconv.Itoa(tflite))}, true
	}
	if info, ok := identifyDirNames(names, set); ok {
		return info, true
	}
	if pickles > 0 {
		return Info{Format: FormatZipPickle, Details: details(DetailPickles, strconv.Itoa(pickles))}, true
	}
	return Info{}, false
}

// identifyTorchNames recognizes PyTorch archives: a top directory (of any
// name) holds data.pkl, and for TorchScript constants.pkl or code/, and
// for PyTorch Mobile bytecode.pkl.
func identifyTorchNames(names []string, set map[string]bool) (Info, bool) {
	prefix := ""
	for _, n := range names {
		if dir, ok := strings.CutSuffix(n, "/data.pkl"); ok && dir != "" && !strings.Contains(dir, "/") {
			prefix = dir
			break
		}
	}
	if prefix == "" {
		return Info{}, false
	}
	p := prefix + "/"
	hasCode := false
	for _, n := range names {
		if strings.HasPrefix(n, p+"code/") {
			hasCode = true
		}
	}
	d := details(DetailPrefix, prefix)
	switch {
	case set[p+"bytecode.pkl"]:
		return Info{Format: FormatPyTorchMobile, Details: d}, true
	case set[p+"constants.pkl"] || hasCode:
		return Info{Format: FormatTorchScript, Details: d}, true
	}
	return Info{Format: FormatPyTorchZip, Details: d}, true
}

// IdentifyDir recognizes a model stored as a directory from the names of
// its files, relative to the directory: a TensorFlow SavedModel
// (saved_model.pb), a compiled Core ML model (.mlmodelc: coremldata.bin)
// or a Core ML package (.mlpackage: Manifest.json and the model under
// Data/com.apple.CoreML/).
func IdentifyDir(names []string) (Info, bool) {
	names = cleanNames(names)
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return identifyDirNames(names, set)
}

func identifyDirNames(names []string, set map[string]bool) (Info, bool) {
	switch {
	case set["saved_model.pb"] || set["saved_model.pbtxt"]:
		d := map[string]string{}
		if set["variables/variables.index"] {
			d[DetailVariables] = "true"
		}
		return Info{Format: FormatTFSavedModel, Details: d}, true
	case set["coremldata.bin"]:
		d := details(DetailKind, "compiled")
		switch {
		case set["model.mil"]:
			d[DetailModelType] = "mlProgram"
		case set["model.espresso.net"]:
			d[DetailModelType] = "neuralNetwork"
		}
		return Info{Format: FormatCoreML, Details: d}, true
	case set["Manifest.json"]:
		for _, n := range names {
			if strings.HasPrefix(n, "Data/com.apple.CoreML/") && path.Ext(n) == ".mlmodel" {
				return Info{Format: FormatCoreML, Details: details(DetailKind, "package")}, true
			}
		}
	}
	return Info{}, false
}

// maxHeadEntries bounds the local headers read from a head.
const maxHeadEntries = 1024

// identifyZipHead reads the names of the local file headers that the head
// holds and classifies them with IdentifyZip; failing that, it looks for
// pickles among the stored (uncompressed) entries that the head holds.
// Entries whose size is only given in a data descriptor are passed by
// searching for the next header.
func identifyZipHead(head []byte, size int64) (Info, bool) {
	sig := []byte("PK\x03\x04")
	if !bytes.HasPrefix(head, sig) {
		return Info{}, false
	}
	var names []string
	var stored [][]byte // data of stored entries that the head holds
	off := 0
	for len(names) < maxHeadEntries && off+30 <= len(head) && bytes.Equal(head[off:off+4], sig) {
		flags := binary.LittleEndian.Uint16(head[off+6:])
		method := binary.LittleEndian.Uint16(head[off+8:])
		csize := int64(binary.LittleEndian.Uint32(head[off+18:]))
		nameLen := int(binary.LittleEndian.Uint16(head[off+26:]))
		extraLen := int(binary.LittleEndian.Uint16(head[off+28:]))
		if off+30+nameLen > len(head) {
			break
		}
		names = append(names, string(head[off+30:off+30+nameLen]))
		data := int64(off + 30 + nameLen + extraLen)
		switch {
		case csize == 0xffffffff: // ZIP64: the size is in the extra field
			off = len(head)
		case flags&0x08 != 0 && csize == 0:
			// The sizes follow the data in a descriptor: a stored entry
			// ends at the next signature.
			if data >= int64(len(head)) {
				off = len(head)
				break
			}
			rest := head[data:]
			if end := nextZipSignature(rest); method == 0 && end > 0 {
				stored = append(stored, rest[:end])
			}
			if next := bytes.Index(rest, sig); next >= 0 {
				off = int(data) + next
			} else {
				off = len(head)
			}
		default:
			if data+csize > size {
				return Info{}, false
			}
			if method == 0 && csize > 0 && data+csize <= int64(len(head)) {
				stored = append(stored, head[data:data+csize])
			}
			off = int(min(data+csize, int64(len(head))))
		}
	}
	if len(names) == 0 {
		return Info{}, false
	}
	if info, ok := IdentifyZip(names); ok {
		return info, true
	}
	// Names can lie (a pickle stored as data.txt, or a local header name
	// that differs from the central directory's): look at the content of
	// the stored entries, whose bytes are there as they are.
	for _, n := range names {
		if appPackageMarkers[n] {
			return Info{}, false
		}
	}
	pickles := 0
	for _, b := range stored {
		if info, ok := identifyPickle(b, int64(len(b))); ok && info.Format == FormatPickle {
			pickles++
		}
	}
	if pickles > 0 {
		return Info{Format: FormatZipPickle, Details: details(DetailPickles, strconv.Itoa(pickles))}, true
	}
	return Info{}, false
}

// nextZipSignature returns the offset of the first data descriptor, local
// header or central directory signature in b, or -1.
func nextZipSignature(b []byte) int {
	end := -1
	for _, sig := range []string{"PK\x07\x08", "PK\x03\x04", "PK\x01\x02"} {
		if i := bytes.Index(b, []byte(sig)); i >= 0 && (end < 0 || i < end) {
			end = i
		}
	}
	return end
}
