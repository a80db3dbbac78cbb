package androidres

import (
	"encoding/binary"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

const (
	poolFlagUTF8 = 1 << 8
	// maxStringLen bounds one decoded string; real resources stay far below.
	maxStringLen = 1 << 20
)

// StringPool is a decoded ResStringPool. Strings are decoded lazily and
// cached, because tables hold many strings that a scan never looks at.
type StringPool struct {
	data    []byte // the chunk
	offsets []uint32
	start   int
	utf8    bool
	cache   []string
	decoded []bool
}

// parseStringPool reads a string pool chunk.
func parseStringPool(c chunk) (*StringPool, error) {
	if c.typ != chunkStringPool {
		return nil, formatErr("string pool: chunk type 0x%04x", c.typ)
	}
	if c.headerSize < 28 {
		return nil, formatErr("string pool: header size %d below 28", c.headerSize)
	}
	count, _ := u32(c.data, 8)
	styles, _ := u32(c.data, 12)
	flags, _ := u32(c.data, 16)
	strStart, _ := u32(c.data, 20)
	// Each string needs a 4-byte offset after the header: the count cannot
	// exceed what the chunk holds.
	room := uint64(c.size - c.headerSize)
	if uint64(count)*4+uint64(styles)*4 > room {
		return nil, formatErr("string pool: %d strings and %d styles do not fit in %d bytes", count, styles, room)
	}
	if count > 0 && (uint64(strStart) >= uint64(c.size) || int(strStart) < c.headerSize) {
		return nil, formatErr("string pool: strings start %d outside chunk of %d bytes", strStart, c.size)
	}
	p := &StringPool{
		data:    c.data,
		offsets: make([]uint32, count),
		start:   int(strStart),
		utf8:    flags&poolFlagUTF8 != 0,
		cache:   make([]string, count),
		decoded: make([]bool, count),
	}
	for i := range p.offsets {
		p.offsets[i] = binary.LittleEndian.Uint32(c.data[c.headerSize+4*i:])
	}
	return p, nil
}

// Len is the number of strings in the pool.
func (p *StringPool) Len() int {
	if p == nil {
		return 0
	}
	return len(p.offsets)
}

// Get returns string i, and false when i is out of range or the string is
// malformed.
func (p *StringPool) Get(i uint32) (string, bool) {
	if p == nil || uint64(i) >= uint64(len(p.offsets)) {
		return "", false
	}
	if p.decoded[i] {
		return p.cache[i], true
	}
	s, ok := p.decode(int64(p.start) + int64(p.offsets[i]))
	if !ok {
		return "", false
	}
	p.cache[i], p.decoded[i] = s, true
	return s, true
}

// All returns every well-formed string of the pool.
func (p *StringPool) All() []string {
	out := make([]string, 0, p.Len())
	for i := range p.Len() {
		if s, ok := p.Get(uint32(i)); ok {
			out = append(out, s)
		}
	}
	return out
}

func (p *StringPool) decode(off64 int64) (string, bool) {
	if off64 < 0 || off64 >= int64(len(p.data)) {
		return "", false
	}
	off := int(off64)
	if p.utf8 {
		// UTF-16 length, then UTF-8 byte length; each 1 or 2 bytes.
		_, n1, ok := utf8Len(p.data, off)
		if !ok {
			return "", false
		}
		blen, n2, ok := utf8Len(p.data, off+n1)
		if !ok {
			return "", false
		}
		start := off + n1 + n2
		if blen > maxStringLen || start+blen > len(p.data) {
			return "", false
		}
		b := p.data[start : start+blen]
		if utf8.Valid(b) {
			return string(b), true
		}
		return strings.ToValidUTF8(string(b), "\uFFFD"), true
	}
	n, hdr, ok := utf16Len(p.data, off)
	if !ok {
		return "", false
	}
	start := off + hdr
	if n > maxStringLen || start+2*n > len(p.data) {
		return "", false
	}
	units := make([]uint16, n)
	for i := range units {
		units[i] = binary.LittleEndian.Uint16(p.data[start+2*i:])
	}
	return string(utf16.Decode(units)), true
}

// utf8Len reads a length of one or two bytes (high bit of the first set
// means two bytes).
func utf8Len(b []byte, off int) (n, size int, ok bool) {
	if off < 0 || off >= len(b) {
		return 0, 0, false
	}
	first := int(b[off])
	if first&0x80 == 0 {
		return first, 1, true
	}
	if off+1 >= len(b) {
		return 0, 0, false
	}
	return (first&0x7f)<<8 | int(b[off+1]), 2, true
}

// utf16Len reads a length of one or two 16-bit units.
func utf16Len(b []byte, off int) (n, size int, ok bool) {
	first, ok := u16(b, off)
	if !ok {
		return 0, 0, false
	}
	if first&0x8000 == 0 {
		return int(first), 2, true
	}
	second, ok := u16(b, off+2)
	if !ok {
		return 0, 0, false
	}
	return int(first&0x7fff)<<16 | int(second), 4, true
}
