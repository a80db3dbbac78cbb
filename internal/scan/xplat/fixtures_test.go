package xplat

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"unicode/utf16"
)

// mapReader serves entries from a map, honouring max like a real reader.
func mapReader(files map[string][]byte) ReadFunc {
	return func(name string, max int64) ([]byte, error) {
		b, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("%s: no such entry", name)
		}
		if int64(len(b)) > max {
			b = b[:max]
		}
		return b, nil
	}
}

// elfWith returns bytes that look like a native library: an ELF magic and
// the given strings separated by non-printable bytes.
func elfWith(strs ...string) []byte {
	b := []byte("\x7fELF\x02\x01\x01\x00")
	for _, s := range strs {
		b = append(b, 0, 1, 2)
		b = append(b, s...)
	}
	return append(b, 0, 0)
}

// snapshotWith returns a fake Dart snapshot holding n distinct package
// URIs and filler strings so that len(strings) reaches fill.
func snapshotWith(uris, fill int) []byte {
	var strs []string
	strs = append(strs, "0123456789abcdef0123456789abcdefproduct no-code_comments arm64")
	for i := range uris {
		strs = append(strs, fmt.Sprintf("package:my_app/src/module_%d.dart", i))
	}
	for i := range fill {
		strs = append(strs, fmt.Sprintf("filler_identifier_%05d", i))
	}
	return elfWith(strs...)
}

// dotnetAssembly returns a minimal PE-like file with a metadata root whose
// #US heap holds strs.
func dotnetAssembly(strs ...string) []byte {
	var heap []byte
	heap = append(heap, 0)
	for _, s := range strs {
		units := utf16.Encode([]rune(s))
		n := len(units)*2 + 1
		switch {
		case n < 0x80:
			heap = append(heap, byte(n))
		case n < 0x4000:
			heap = append(heap, byte(0x80|n>>8), byte(n))
		default:
			heap = append(heap, byte(0xC0|n>>24), byte(n>>16), byte(n>>8), byte(n))
		}
		for _, u := range units {
			heap = binary.LittleEndian.AppendUint16(heap, u)
		}
		heap = append(heap, 0)
	}
	for len(heap)%4 != 0 {
		heap = append(heap, 0)
	}
	var root bytes.Buffer
	root.WriteString("BSJB")
	binary.Write(&root, binary.LittleEndian, uint16(1))
	binary.Write(&root, binary.LittleEndian, uint16(1))
	binary.Write(&root, binary.LittleEndian, uint32(0))
	version := []byte("v4.0.30319\x00\x00")
	binary.Write(&root, binary.LittleEndian, uint32(len(version)))
	root.Write(version)
	binary.Write(&root, binary.LittleEndian, uint16(0))
	binary.Write(&root, binary.LittleEndian, uint16(2)) // streams
	// Stream headers: #~ (empty) and #US.
	hdrLen := (4 + 4 + 4) + (4 + 4 + 4)
	usOff := uint32(root.Len() + hdrLen)
	binary.Write(&root, binary.LittleEndian, usOff)
	binary.Write(&root, binary.LittleEndian, uint32(0))
	root.WriteString("#~\x00\x00")
	binary.Write(&root, binary.LittleEndian, usOff)
	binary.Write(&root, binary.LittleEndian, uint32(len(heap)))
	root.WriteString("#US\x00")
	root.Write(heap)
	pe := append([]byte("MZ\x90\x00 This program cannot be run in DOS mode."), make([]byte, 64)...)
	return append(pe, root.Bytes()...)
}

// xalzLiterals wraps data as an XALZ assembly whose LZ4 block is one
// literal-only sequence.
func xalzLiterals(data []byte) []byte {
	out := []byte("XALZ")
	out = binary.LittleEndian.AppendUint32(out, 7)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(data)))
	n := len(data)
	if n < 15 {
		out = append(out, byte(n<<4))
	} else {
		out = append(out, 0xF0)
		for n -= 15; n >= 255; n -= 255 {
			out = append(out, 255)
		}
		out = append(out, byte(n))
	}
	return append(out, data...)
}

// hermesHeader returns a Hermes bytecode file with no strings.
func hermesHeader(version uint32) []byte {
	b := make([]byte, 128+20)
	binary.LittleEndian.PutUint64(b, 0x1F1903C103BC1FC6)
	binary.LittleEndian.PutUint32(b[8:], version)
	binary.LittleEndian.PutUint32(b[32:], uint32(len(b)))
	return b
}
