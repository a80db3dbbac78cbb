package xplat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// .NET metadata, as read here (ECMA-335 6th edition, §II.24.2). The
// metadata root starts with the signature "BSJB" (0x424A5342), then u16
// major and minor version, u32 reserved, u32 length of the version string,
// the version string (padded to 4 bytes), u16 flags and u16 stream count.
// Each stream header is u32 offset (from the root), u32 size and a
// NUL-terminated name padded to 4 bytes. The "#US" stream holds the user
// strings: the string literals of the code. Each is a blob, its length
// compressed (1 byte below 0x80, 2 bytes 10xxxxxx…, 4 bytes 110xxxxx…)
// followed by UTF-16LE characters and one final flag byte.
//
// Rather than walk the PE headers to the CLI header, the reader looks for
// the "BSJB" signature and accepts a root only when its stream headers fit
// the file. Assembly stores (assemblies.blob, libassemblies.*.blob.so)
// hold many assemblies, so every root found is read, up to maxMetadataRoots.
//
// Xamarin.Android compresses assemblies as "XALZ": the magic, u32
// descriptor index, u32 uncompressed size, then one LZ4 block.
const (
	maxMetadataRoots  = 512
	maxMetadataStream = 32
	maxVersionLen     = 255
)

var (
	bsjb = []byte("BSJB")
	xalz = []byte("XALZ")
)

var errNoMetadata = errors.New("no .NET metadata root")

// usHeap returns the #US heap of the metadata root at data[root:].
func usHeap(data []byte, root int) ([]byte, bool) {
	d := data[root:]
	if len(d) < 16 {
		return nil, false
	}
	vlen := int(binary.LittleEndian.Uint32(d[12:]))
	if vlen > maxVersionLen {
		return nil, false
	}
	p := 16 + (vlen+3)&^3
	if p+4 > len(d) {
		return nil, false
	}
	streams := int(binary.LittleEndian.Uint16(d[p+2:]))
	if streams == 0 || streams > maxMetadataStream {
		return nil, false
	}
	p += 4
	for range streams {
		if p+8 > len(d) {
			return nil, false
		}
		off := uint64(binary.LittleEndian.Uint32(d[p:]))
		size := uint64(binary.LittleEndian.Uint32(d[p+4:]))
		p += 8
		end := bytes.IndexByte(d[p:min(p+32, len(d))], 0)
		if end < 0 {
			return nil, false
		}
		name := string(d[p : p+end])
		p += (end + 1 + 3) &^ 3
		if name != "#US" {
			continue
		}
		if off > uint64(len(d)) || size > uint64(len(d))-off {
			return nil, false
		}
		return d[off : off+size], true
	}
	return nil, false
}

// userStrings adds the strings of a #US heap to set. It reports false when
// a blob header is malformed (the strings before it are kept).
func userStrings(heap []byte, set *strSet) bool {
	for i := 1; i < len(heap) && !(set.full() && set.truncated); {
		b0 := heap[i]
		var n, hdr int
		switch {
		case b0&0x80 == 0:
			n, hdr = int(b0), 1
		case b0&0xC0 == 0x80:
			if i+2 > len(heap) {
				return false
			}
			n, hdr = int(b0&0x3F)<<8|int(heap[i+1]), 2
		case b0&0xE0 == 0xC0:
			if i+4 > len(heap) {
				return false
			}
			n, hdr = int(b0&0x1F)<<24|int(heap[i+1])<<16|int(heap[i+2])<<8|int(heap[i+3]), 4
		default:
			return false
		}
		i += hdr
		if n > len(heap)-i {
			return false
		}
		blob := heap[i : i+n]
		i += n
		if n > 1 {
			set.addBytes(decodeUTF16LE(blob[:(n-1)&^1], set.maxLen))
		}
	}
	return true
}

// assemblyStrings adds the user strings of every metadata root in data to
// set, decompressing XALZ first. Without any root it falls back to
// printable UTF-16LE runs and returns errNoMetadata.
func assemblyStrings(data []byte, minRun int, maxOut int64, set *strSet) error {
	if bytes.HasPrefix(data, xalz) {
		plain, err := decompressXALZ(data, maxOut)
		if err != nil {
			utf16Runs(data, minRun, set)
			return fmt.Errorf("xalz: %w", err)
		}
		data = plain
	}
	found, bad := 0, 0
	for off, roots := 0, 0; roots < maxMetadataRoots; roots++ {
		i := bytes.Index(data[off:], bsjb)
		if i < 0 {
			break
		}
		root := off + i
		off = root + len(bsjb)
		heap, ok := usHeap(data, root)
		if !ok {
			continue
		}
		found++
		if !userStrings(heap, set) {
			bad++
		}
		if set.full() && set.truncated {
			break
		}
	}
	if found == 0 {
		utf16Runs(data, minRun, set)
		return errNoMetadata
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d user-string heaps malformed", bad, found)
	}
	return nil
}

// decompressXALZ decompresses a Xamarin "XALZ" assembly whose declared
// size is at most maxOut bytes.
func decompressXALZ(data []byte, maxOut int64) ([]byte, error) {
	if len(data) < 12 {
		return nil, errors.New("header cut short")
	}
	size := int64(binary.LittleEndian.Uint32(data[8:]))
	if size > maxOut {
		return nil, fmt.Errorf("uncompressed size %d over the limit %d", size, maxOut)
	}
	// LZ4 expands at most about 255 times (a match length byte of 255 adds
	// 255 bytes), so a larger declared size is a lie; checking it first
	// keeps a small file from reserving a large buffer.
	if src := int64(len(data) - 12); size > src*255+16 {
		return nil, fmt.Errorf("uncompressed size %d impossible for %d compressed bytes", size, src)
	}
	return lz4Block(data[12:], int(size))
}

// lz4Block decodes one LZ4 block (the LZ4 block format: sequences of a
// token, literals, a 2-byte offset and a match) into exactly size bytes.
func lz4Block(src []byte, size int) ([]byte, error) {
	dst := make([]byte, 0, size)
	i := 0
	extLen := func(n int) (int, bool) {
		for {
			if i >= len(src) {
				return 0, false
			}
			b := src[i]
			i++
			n += int(b)
			if n > size {
				return 0, false
			}
			if b != 255 {
				return n, true
			}
		}
	}
	for i < len(src) {
		tok := src[i]
		i++
		lit := int(tok >> 4)
		if lit == 15 {
			var ok bool
			if lit, ok = extLen(lit); !ok {
				return nil, errors.New("lz4: literal length")
			}
		}
		if lit > len(src)-i || lit > size-len(dst) {
			return nil, errors.New("lz4: literals past the end")
		}
		dst = append(dst, src[i:i+lit]...)
		i += lit
		if i >= len(src) {
			break // the last sequence has literals only
		}
		if i+2 > len(src) {
			return nil, errors.New("lz4: offset cut short")
		}
		off := int(binary.LittleEndian.Uint16(src[i:]))
		i += 2
		if off == 0 || off > len(dst) {
			return nil, errors.New("lz4: bad match offset")
		}
		ml := int(tok & 15)
		if ml == 15 {
			var ok bool
			if ml, ok = extLen(ml); !ok {
				return nil, errors.New("lz4: match length")
			}
		}
		ml += 4
		if ml > size-len(dst) {
			return nil, errors.New("lz4: match past the declared size")
		}
		start := len(dst) - off
		for k := range ml { // byte by byte: matches may overlap
			dst = append(dst, dst[start+k])
		}
	}
	if len(dst) != size {
		return nil, fmt.Errorf("lz4: %d bytes, declared %d", len(dst), size)
	}
	return dst, nil
}
