package model

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// A NumPy .npy file: "\x93NUMPY", major and minor version, header length
// (uint16 in version 1, uint32 after), and a header that is the text of a
// Python dict literal with the keys 'descr', 'fortran_order' and 'shape'.
var numpyMagic = []byte("\x93NUMPY")

// identifyNumPy checks the magic, the version (1.0, 2.0 or 3.0), that the
// header lies inside the file and, as far as the head holds it, is a dict
// literal naming the dtype.
func identifyNumPy(head []byte, size int64) (Info, bool) {
	if len(head) < 12 || !bytes.HasPrefix(head, numpyMagic) {
		return Info{}, false
	}
	major, minor := head[6], head[7]
	if major < 1 || major > 3 || minor != 0 {
		return Info{}, false
	}
	start, n := 10, int64(binary.LittleEndian.Uint16(head[8:]))
	if major > 1 {
		if len(head) < 12 {
			return Info{}, false
		}
		start, n = 12, int64(binary.LittleEndian.Uint32(head[8:]))
	}
	if n < 2 || int64(start)+n > size || len(head) <= start || head[start] != '{' {
		return Info{}, false
	}
	hdr := head[start:min(int64(len(head)), int64(start)+n)]
	if !isPrintableText(hdr) || !bytes.Contains(hdr, []byte("descr")) && int64(len(hdr)) == n {
		return Info{}, false
	}
	d := details(DetailVersion, strconv.Itoa(int(major))+".0")
	if v, ok := pyDictValue(hdr, "descr"); ok {
		d[DetailDtype] = v
	}
	if v, ok := pyDictValue(hdr, "shape"); ok {
		d[DetailShape] = v
	}
	return Info{Format: FormatNumPy, Details: d}, true
}

// pyDictValue returns the value of key in the text of a Python dict
// literal: a quoted string without its quotes, or a parenthesized tuple as
// written. It gives up on anything else (structured dtypes are lists).
func pyDictValue(hdr []byte, key string) (string, bool) {
	i := bytes.Index(hdr, []byte("'"+key+"'"))
	if i < 0 {
		return "", false
	}
	rest := bytes.TrimLeft(hdr[i+len(key)+2:], " ")
	rest, ok := bytes.CutPrefix(rest, []byte(":"))
	if !ok {
		return "", false
	}
	rest = bytes.TrimLeft(rest, " ")
	if len(rest) == 0 {
		return "", false
	}
	var end int
	switch rest[0] {
	case '\'', '"':
		end = bytes.IndexByte(rest[1:], rest[0])
		if end < 0 || end > 64 {
			return "", false
		}
		return string(rest[1 : 1+end]), true
	case '(':
		end = bytes.IndexByte(rest, ')')
		if end < 0 || end > 128 {
			return "", false
		}
		return string(rest[:end+1]), true
	}
	return "", false
}
