package dex

import (
	"encoding/binary"
	"errors"
)

// errTruncated is the cause of every read past the end of the input.
var errTruncated = errors.New("truncated")

// section returns the n items of size bytes at off of b, checking that they
// lie within b. The arithmetic is done in 64 bits so that hostile counts
// cannot overflow.
func section(b []byte, off uint64, n uint32, size int) ([]byte, error) {
	end := off + uint64(n)*uint64(size)
	if off > uint64(len(b)) || end > uint64(len(b)) {
		return nil, errTruncated
	}
	return b[off:end], nil
}

// u16 and u32 read little-endian values at off, which the caller has
// bounds-checked.
func u16(b []byte, off int) uint16 { return binary.LittleEndian.Uint16(b[off:]) }
func u32(b []byte, off int) uint32 { return binary.LittleEndian.Uint32(b[off:]) }

// uleb reads an unsigned LEB128 value of at most five bytes at off and
// returns it with the offset after it. Bits above the 32nd are dropped, as
// DEX readers do.
func uleb(b []byte, off int) (uint32, int, error) {
	var v uint32
	for i := 0; i < 5; i++ {
		if off >= len(b) || off < 0 {
			return 0, off, errTruncated
		}
		c := b[off]
		off++
		v |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, off, nil
		}
	}
	return 0, off, errors.New("uleb128 longer than 5 bytes")
}

// typeList reads a type_list (a uint count then that many ushort type
// indices) at off.
func typeList(b []byte, off uint32) ([]byte, error) {
	hdr, err := section(b, uint64(off), 1, 4)
	if err != nil {
		return nil, err
	}
	return section(b, uint64(off)+4, u32(hdr, 0), 2)
}
