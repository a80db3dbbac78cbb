package model

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strconv"
)

// A safetensors file is an 8-byte little-endian header length, a JSON
// object of that length (tensor name to dtype, shape and data offsets,
// plus an optional "__metadata__" object of strings), and the tensor data.

// maxSafetensorsHeader bounds the header length that is plausible; the
// reference implementation refuses headers above 100 MB.
const maxSafetensorsHeader = 100 << 20

// identifySafetensors checks the header length against the file, then the
// header: when the head holds all of it, valid JSON with as many dtypes as
// data offsets (or only metadata, or nothing); otherwise its start, which
// must be JSON text naming a dtype or the metadata.
func identifySafetensors(head []byte, size int64) (Info, bool) {
	if len(head) < 10 {
		return Info{}, false
	}
	n := binary.LittleEndian.Uint64(head)
	if n < 2 || n > maxSafetensorsHeader || int64(n) > size-8 || head[8] != '{' {
		return Info{}, false
	}
	if 8+n > uint64(len(head)) {
		prefix := head[8:]
		if !isTextPrefix(pbField{data: prefix, cut: true}) ||
			!bytes.Contains(prefix, []byte(`"dtype"`)) && !bytes.Contains(prefix, []byte(`"__metadata__"`)) {
			return Info{}, false
		}
		return Info{Format: FormatSafetensors, Details: map[string]string{}}, true
	}
	hdr := head[8 : 8+n]
	if !json.Valid(hdr) {
		return Info{}, false
	}
	// Every tensor entry names its dtype and data offsets; the metadata,
	// if any, is an object of strings. Counting the keys is enough to tell
	// a tensor index from other JSON, and costs a fraction of decoding it.
	tensors := bytes.Count(hdr, []byte(`"data_offsets"`))
	meta := bytes.Index(hdr, []byte(`"__metadata__"`))
	if bytes.Count(hdr, []byte(`"dtype"`)) != tensors || tensors == 0 && meta < 0 && !isEmptyJSONObject(hdr) {
		return Info{}, false
	}
	d := details(DetailTensorCount, strconv.Itoa(tensors))
	if meta >= 0 {
		if f, ok := metadataFormat(hdr[meta:]); ok {
			d[DetailMetadataFormat] = f
		}
	}
	return Info{Format: FormatSafetensors, Details: d}, true
}

// isEmptyJSONObject reports "{}" with optional spaces.
func isEmptyJSONObject(b []byte) bool {
	return string(bytes.Join(bytes.Fields(b), nil)) == "{}"
}

// metadataFormat returns the "format" string of the metadata object that
// b starts with, when it is a short value found before the object ends.
func metadataFormat(b []byte) (string, bool) {
	end := bytes.IndexByte(b, '}')
	if end < 0 {
		return "", false
	}
	b = b[:end]
	i := bytes.Index(b, []byte(`"format"`))
	if i < 0 {
		return "", false
	}
	rest := bytes.TrimLeft(b[i+len(`"format"`):], " \t\r\n")
	rest, ok := bytes.CutPrefix(rest, []byte(":"))
	if !ok {
		return "", false
	}
	rest, ok = bytes.CutPrefix(bytes.TrimLeft(rest, " \t\r\n"), []byte(`"`))
	if !ok {
		return "", false
	}
	j := bytes.IndexByte(rest, '"')
	if j < 1 || j > 32 || bytes.IndexByte(rest[:j], '\\') >= 0 {
		return "", false
	}
	return string(rest[:j]), true
}
