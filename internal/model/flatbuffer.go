package model

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// FlatBuffer files start with the offset of the root table (uint32, little
// endian) and, for schemas that declare one, a 4-byte file identifier.
// TensorFlow Lite uses "TFL3", ExecuTorch "ET" and two digits, ONNX Runtime
// "ORTM".

// fbTable is a FlatBuffer table. vtSize counts the bytes of its vtable that
// the head holds (zero when the vtable lies past the head).
type fbTable struct {
	buf    []byte
	pos    int // offset of the table
	vtable int // offset of its vtable
	vtSize int // bytes of the vtable
	size   int // bytes of the table
}

// fbRoot checks the root table of a FlatBuffer: its offset must be aligned
// and inside the file, and when the head holds it, its vtable must be
// consistent. It returns the table when the head holds its vtable.
func fbRoot(head []byte, size int64) (fbTable, bool, bool) {
	root := int64(binary.LittleEndian.Uint32(head))
	if root < 8 || root%4 != 0 || root+4 > size {
		return fbTable{}, false, false
	}
	if root+4 > int64(len(head)) {
		return fbTable{}, false, true // decided on the identifier and offset
	}
	t, ok := fbTableAt(head, int(root), size)
	return t, ok, ok
}

// fbTableAt reads the table at pos and checks its vtable.
func fbTableAt(buf []byte, pos int, size int64) (fbTable, bool) {
	if pos < 0 || pos+4 > len(buf) {
		return fbTable{}, false
	}
	vt := int64(pos) - int64(int32(binary.LittleEndian.Uint32(buf[pos:])))
	if vt < 0 || vt%2 != 0 || vt+4 > size {
		return fbTable{}, false
	}
	if vt+4 > int64(len(buf)) {
		// The vtable lies past the head: no field can be judged.
		return fbTable{buf: buf, pos: pos}, true
	}
	t := fbTable{
		buf:    buf,
		pos:    pos,
		vtable: int(vt),
		vtSize: int(binary.LittleEndian.Uint16(buf[vt:])),
		size:   int(binary.LittleEndian.Uint16(buf[vt+2:])),
	}
	if t.vtSize < 4 || t.vtSize%2 != 0 || t.size < 4 || vt+int64(t.vtSize) > size || int64(pos)+int64(t.size) > size {
		return fbTable{}, false
	}
	if t.vtable+t.vtSize > len(buf) {
		t.vtSize = (len(buf) - t.vtable) &^ 1 // judge the fields the head holds
	}
	for i := 4; i+2 <= t.vtSize; i += 2 {
		if int(binary.LittleEndian.Uint16(buf[t.vtable+i:])) >= t.size {
			return fbTable{}, false
		}
	}
	return t, true
}

// field returns the offset of field i within the buffer, or false when the
// field is absent (or its vtable entry beyond the head).
func (t fbTable) field(i int) (int, bool) {
	o := 4 + 2*i
	if o+2 > t.vtSize {
		return 0, false
	}
	off := int(binary.LittleEndian.Uint16(t.buf[t.vtable+o:]))
	if off == 0 {
		return 0, false
	}
	return t.pos + off, true
}

// uint32Field returns a scalar uint32 field when the head holds it.
func (t fbTable) uint32Field(i int) (uint32, bool) {
	p, ok := t.field(i)
	if !ok || p+4 > len(t.buf) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(t.buf[p:]), true
}

// stringField returns a short printable string field when the head holds it.
func (t fbTable) stringField(i int) (string, bool) {
	p, ok := t.field(i)
	if !ok || p+4 > len(t.buf) {
		return "", false
	}
	s := int64(p) + int64(binary.LittleEndian.Uint32(t.buf[p:]))
	if s+4 > int64(len(t.buf)) {
		return "", false
	}
	n := int64(binary.LittleEndian.Uint32(t.buf[s:]))
	if n > 256 || s+4+n > int64(len(t.buf)) {
		return "", false
	}
	b := t.buf[s+4 : s+4+n]
	if !isPrintableText(b) {
		return "", false
	}
	return string(b), true
}

// TFLite Model table fields (schema.fbs).
const (
	tfliteVersion     = 0
	tfliteSubgraphs   = 2
	tfliteDescription = 3
)

func identifyFlatBuffer(head []byte, size int64) (Info, bool) {
	if len(head) < 8 {
		return Info{}, false
	}
	id := head[4:8]
	switch {
	case bytes.Equal(id, []byte("TFL3")):
		return identifyTFLite(head, size)
	case id[0] == 'E' && id[1] == 'T' && isDigit(id[2]) && isDigit(id[3]):
		return identifyExecuTorch(head, size)
	case bytes.Equal(id, []byte("ORTM")):
		if _, _, ok := fbRoot(head, size); ok {
			return Info{Format: FormatONNXRuntime, Details: details(DetailSchema, "ORTM")}, true
		}
	}
	return Info{}, false
}

func identifyTFLite(head []byte, size int64) (Info, bool) {
	t, inHead, ok := fbRoot(head, size)
	if !ok {
		return Info{}, false
	}
	info := Info{Format: FormatTFLite, Details: details(DetailSchema, "TFL3")}
	if !inHead {
		return info, true
	}
	// A model has subgraphs; the field lies within the vtable when the
	// head holds the vtable's start.
	if 4+2*tfliteSubgraphs+2 <= t.vtSize {
		if _, ok := t.field(tfliteSubgraphs); !ok {
			return Info{}, false
		}
	}
	if v, ok := t.uint32Field(tfliteVersion); ok {
		info.Details[DetailVersion] = strconv.FormatUint(uint64(v), 10)
	}
	if d, ok := t.stringField(tfliteDescription); ok && d != "" {
		info.Details[DetailDescription] = d
	}
	return info, true
}

// identifyExecuTorch checks an ExecuTorch program: the FlatBuffer root and,
// when present, the extended header at offset 8 ("eh" and two digits,
// header length, program size, segment base offset).
func identifyExecuTorch(head []byte, size int64) (Info, bool) {
	if _, _, ok := fbRoot(head, size); !ok {
		return Info{}, false
	}
	info := Info{Format: FormatExecuTorch, Details: details(DetailSchema, string(head[4:8]))}
	if len(head) >= 32 && head[8] == 'e' && head[9] == 'h' && isDigit(head[10]) && isDigit(head[11]) {
		hlen := binary.LittleEndian.Uint32(head[12:])
		progSize := binary.LittleEndian.Uint64(head[16:])
		segBase := binary.LittleEndian.Uint64(head[24:])
		if hlen < 24 || progSize > uint64(size) || segBase > uint64(size) {
			return Info{}, false
		}
		info.Details[DetailProgramSize] = strconv.FormatUint(progSize, 10)
	}
	return info, true
}

// identifyLiteRTLM checks a LiteRT-LM container: "LITERTLM", a version
// (major, minor, patch as uint32) and the end offset of the header, which
// must lie inside the file.
func identifyLiteRTLM(head []byte, size int64) (Info, bool) {
	if len(head) < 32 || !bytes.HasPrefix(head, []byte("LITERTLM")) {
		return Info{}, false
	}
	major := binary.LittleEndian.Uint32(head[8:])
	minor := binary.LittleEndian.Uint32(head[12:])
	patch := binary.LittleEndian.Uint32(head[16:])
	end := binary.LittleEndian.Uint64(head[24:])
	if major > 1000 || minor > 1000 || patch > 1000 || end < 32 || end > uint64(size) {
		return Info{}, false
	}
	v := strconv.FormatUint(uint64(major), 10) + "." + strconv.FormatUint(uint64(minor), 10) + "." + strconv.FormatUint(uint64(patch), 10)
	return Info{Format: FormatLiteRTLM, Details: details(DetailVersion, v)}, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isPrintableText reports valid UTF-8 without control characters other
// than tab and line breaks.
func isPrintableText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}
