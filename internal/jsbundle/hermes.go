package jsbundle

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Hermes bytecode layout, as read here (include/hermes/BCGen/HBC/
// BytecodeFileFormat.h in facebook/hermes). All integers are little-endian.
//
// The file header is 128 bytes in every version: u64 magic, u32 version,
// a 20-byte SHA-1 of the source, then u32 fields. The fields this reader
// needs sit at the same offsets in every released version (59 to 99):
// fileLength at 32, functionCount at 40, stringKindCount at 44,
// identifierCount at 48, stringCount at 52, overflowStringCount at 56 and
// stringStorageSize at 60. Later fields (bigint, regexp, literal buffers,
// segment, CommonJS modules) moved between versions and are not read.
//
// After the header, each segment aligned to 4 bytes:
//
//	function headers    functionCount × 16 bytes (versions ≤ 97) or × 12 (98 and later)
//	string kinds        stringKindCount × u32 (run lengths; kind in the top bit(s))
//	identifier hashes   identifierCount × u32
//	small string table  stringCount × u32: bit 0 isUTF16, bits 1–23 offset, bits 24–31 length
//	overflow table      overflowStringCount × {u32 offset, u32 length}
//	string storage      stringStorageSize bytes
//
// A small entry whose length is 255 is overflowed: its offset is an index
// into the overflow table, which holds the real offset and length.
// Lengths count characters: bytes for one-byte strings (Latin-1, in
// practice ASCII), UTF-16 code units (two bytes each) for UTF-16 strings.
//
// The function header size is the one layout detail that differs between
// the versions read. Rather than trust a version table, the reader tries
// both sizes (the one the version suggests first) and accepts the one
// whose string-kind run lengths add up to stringCount: a check that fails
// for random bytes. Versions 59–99 are read (every version React Native
// has shipped, and the Static Hermes versions 98 and 99). Later versions
// are tried with the same layout and read only when that check passes;
// earlier ones are reported as ErrMalformed with their version number.
const (
	hermesHeaderSize      = 128
	hermesMinVersion      = 59
	hermesSmallHeaderOld  = 16
	hermesSmallHeaderNew  = 12
	hermesNewHeaderSince  = 98
	hermesOverflowedLen   = 255
	hermesStringKindMask1 = 1<<31 - 1 // one kind bit (versions with String/Identifier)
	hermesStringKindMask2 = 1<<30 - 1 // two kind bits (early versions with Predefined)
)

type hermesHeader struct {
	version        uint32
	functionCount  uint64
	kindCount      uint64
	identCount     uint64
	stringCount    uint64
	overflowCount  uint64
	storageSize    uint64
	declaredLength uint64
}

func readHermesHeader(data []byte) (hermesHeader, error) {
	if len(data) < hermesHeaderSize {
		return hermesHeader{}, fmt.Errorf("jsbundle: hermes header: %d bytes, need %d: %w", len(data), hermesHeaderSize, ErrMalformed)
	}
	u := func(off int) uint64 { return uint64(binary.LittleEndian.Uint32(data[off:])) }
	return hermesHeader{
		version:        binary.LittleEndian.Uint32(data[8:]),
		declaredLength: u(32),
		functionCount:  u(40),
		kindCount:      u(44),
		identCount:     u(48),
		stringCount:    u(52),
		overflowCount:  u(56),
		storageSize:    u(60),
	}, nil
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }

// locateKinds returns the offset of the string-kind table, trying both
// function header sizes.
func locateKinds(data []byte, h hermesHeader) (uint64, bool) {
	sizes := [2]uint64{hermesSmallHeaderOld, hermesSmallHeaderNew}
	if h.version >= hermesNewHeaderSince {
		sizes = [2]uint64{hermesSmallHeaderNew, hermesSmallHeaderOld}
	}
	n := uint64(len(data))
	for _, size := range sizes {
		off := hermesHeaderSize + align4(h.functionCount*size)
		end := off + h.kindCount*4
		if end > n || end < off {
			continue
		}
		if kindsAgree(data[off:end], h.stringCount) {
			return off, true
		}
	}
	return 0, false
}

// kindsAgree reports whether the run lengths of the string-kind table add
// up to the number of strings, under one of the kind encodings seen: the
// kind in the top bit (Hermes), in the top two bits (early versions), or
// in the low bit with the count above it (as some tools write it).
func kindsAgree(kinds []byte, want uint64) bool {
	decoders := [3]func(uint32) uint32{
		func(w uint32) uint32 { return w & hermesStringKindMask1 },
		func(w uint32) uint32 { return w & hermesStringKindMask2 },
		func(w uint32) uint32 { return w >> 1 },
	}
	for _, count := range decoders {
		var sum uint64
		ok := true
		for i := 0; i+4 <= len(kinds); i += 4 {
			c := uint64(count(binary.LittleEndian.Uint32(kinds[i:])))
			if c == 0 {
				ok = false
				break
			}
			sum += c
			if sum > want {
				ok = false
				break
			}
		}
		if ok && sum == want {
			return true
		}
	}
	return false
}

func hermesStrings(data []byte, lim Limits) (*Result, error) {
	h, err := readHermesHeader(data)
	if err != nil {
		return nil, err
	}
	res := &Result{Kind: Hermes, Version: int(h.version)}
	if h.version < hermesMinVersion {
		return res, fmt.Errorf("jsbundle: hermes bytecode version %d not supported (read %d and later): %w", h.version, hermesMinVersion, ErrMalformed)
	}
	// Each string needs a 4-byte table entry, so a count larger than the
	// file cannot be true; this also keeps the arithmetic below far from
	// overflow.
	n := uint64(len(data))
	if h.stringCount > n/4 || h.kindCount > n/4 || h.identCount > n/4 || h.overflowCount > n/8 || h.functionCount > n/12 || h.storageSize > n {
		return res, fmt.Errorf("jsbundle: hermes header counts exceed the file size: %w", ErrMalformed)
	}
	kindsOff, ok := locateKinds(data, h)
	if !ok {
		return res, fmt.Errorf("jsbundle: hermes string kinds do not match %d strings: %w", h.stringCount, ErrMalformed)
	}
	tableOff := align4(kindsOff+h.kindCount*4) + align4(h.identCount*4)
	overflowOff := tableOff + align4(h.stringCount*4)
	storageOff := overflowOff + align4(h.overflowCount*8)
	storageEnd := storageOff + h.storageSize
	if storageEnd > n {
		return res, fmt.Errorf("jsbundle: hermes string storage ends at %d, past the end of the file (%d bytes): %w", storageEnd, n, ErrMalformed)
	}
	storage := data[storageOff:storageEnd]
	c := newCollector(lim)
	bad := 0
	for i := uint64(0); i < h.stringCount && !c.full; i++ {
		w := binary.LittleEndian.Uint32(data[tableOff+i*4:])
		isUTF16 := w&1 != 0
		off := uint64(w>>1) & (1<<23 - 1)
		length := uint64(w >> 24)
		if length == hermesOverflowedLen {
			if off >= h.overflowCount {
				bad++
				continue
			}
			e := overflowOff + off*8
			off = uint64(binary.LittleEndian.Uint32(data[e:]))
			length = uint64(binary.LittleEndian.Uint32(data[e+4:]))
		}
		size := length
		if isUTF16 {
			size *= 2
		}
		if off > uint64(len(storage)) || size > uint64(len(storage))-off {
			bad++
			continue
		}
		// Decode no more than the kept length needs: a UTF-8 rune is at
		// most 3 bytes per UTF-16 unit or 2 per Latin-1 byte.
		raw := storage[off : off+size]
		c.add(decodeHermes(raw, isUTF16, lim.MaxStringLen+4))
	}
	res.Strings = c.out
	res.Truncated = c.truncated
	if bad > 0 {
		return res, fmt.Errorf("jsbundle: hermes string table: %d entries outside string storage: %w", bad, ErrMalformed)
	}
	return res, nil
}

// decodeHermes converts a stored string to UTF-8, stopping once the
// output reaches max bytes.
func decodeHermes(raw []byte, isUTF16 bool, max int) string {
	out := make([]byte, 0, min(len(raw), max))
	if !isUTF16 {
		for _, b := range raw {
			if len(out) >= max {
				break
			}
			out = utf8.AppendRune(out, rune(b)) // Latin-1
		}
		return string(out)
	}
	for i := 0; i+1 < len(raw) && len(out) < max; i += 2 {
		r := rune(binary.LittleEndian.Uint16(raw[i:]))
		if utf16.IsSurrogate(r) && r < 0xDC00 && i+3 < len(raw) {
			r2 := rune(binary.LittleEndian.Uint16(raw[i+2:]))
			if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
				out = utf8.AppendRune(out, d)
				i += 2
				continue
			}
		}
		out = utf8.AppendRune(out, r) // lone surrogates become U+FFFD
	}
	return string(out)
}
