package axmltest

import (
	"encoding/binary"
	"unicode/utf16"
)

// Resource is a string resource of a test table.
type Resource struct {
	Type  string // "string", "xml", "bool"…
	Key   string
	Str   string // for string values (TypeString)
	Value uint32 // for other values
	VType uint8  // value type; 0 means TypeString
}

// ID returns the resource id EncodeTable gives resources[i] when types
// are numbered in first-seen order and entries in order within a type.
func ID(resources []Resource, i int) uint32 {
	types, entries := layout(resources)
	t := types[resources[i].Type]
	for j, idx := range entries[resources[i].Type] {
		if idx == i {
			return 0x7f000000 | uint32(t)<<16 | uint32(j)
		}
	}
	return 0
}

func layout(resources []Resource) (map[string]int, map[string][]int) {
	types := map[string]int{}
	entries := map[string][]int{}
	for i, r := range resources {
		if _, ok := types[r.Type]; !ok {
			types[r.Type] = len(types) + 1
		}
		entries[r.Type] = append(entries[r.Type], i)
	}
	return types, entries
}

// EncodeTable writes a resources.arsc with one package (id 0x7f) holding
// the resources in the default configuration.
func EncodeTable(pkg string, resources []Resource) []byte {
	types, entries := layout(resources)
	typeNames := make([]string, len(types))
	for n, i := range types {
		typeNames[i-1] = n
	}
	var values, keys []string
	for _, r := range resources {
		if r.VType == 0 || r.VType == TypeString {
			values = append(values, r.Str)
		}
		keys = append(keys, r.Key)
	}
	global := utf8Pool(values)
	typePool := utf8Pool(typeNames)
	keyPool := utf8Pool(keys)

	var chunks []byte
	valueIdx, keyIdx := 0, 0
	keyOf := map[int]int{}
	valOf := map[int]int{}
	for i, r := range resources {
		keyOf[i] = keyIdx
		keyIdx++
		if r.VType == 0 || r.VType == TypeString {
			valOf[i] = valueIdx
			valueIdx++
		}
	}
	for ti, name := range typeNames {
		idxs := entries[name]
		const hdr = 20 + 64 // type header + a 64-byte all-zero config
		entriesStart := hdr + 4*len(idxs)
		var body []byte
		var offsets []uint32
		for _, i := range idxs {
			offsets = append(offsets, uint32(len(body)))
			r := resources[i]
			body = binary.LittleEndian.AppendUint16(body, 8)
			body = binary.LittleEndian.AppendUint16(body, 0)
			body = binary.LittleEndian.AppendUint32(body, uint32(keyOf[i]))
			vt, data := r.VType, r.Value
			if vt == 0 || vt == TypeString {
				vt, data = TypeString, uint32(valOf[i])
			}
			body = binary.LittleEndian.AppendUint16(body, 8)
			body = append(body, 0, vt)
			body = binary.LittleEndian.AppendUint32(body, data)
		}
		c := chunkHeader(0x0201, hdr, entriesStart+len(body))
		c = append(c, byte(ti+1), 0, 0, 0)
		c = binary.LittleEndian.AppendUint32(c, uint32(len(idxs)))
		c = binary.LittleEndian.AppendUint32(c, uint32(entriesStart))
		cfg := make([]byte, 64)
		binary.LittleEndian.PutUint32(cfg, 64)
		c = append(c, cfg...)
		for _, o := range offsets {
			c = binary.LittleEndian.AppendUint32(c, o)
		}
		chunks = append(chunks, append(c, body...)...)
	}
	const pkgHeader = 288
	p := chunkHeader(0x0200, pkgHeader, pkgHeader+len(typePool)+len(keyPool)+len(chunks))
	p = binary.LittleEndian.AppendUint32(p, 0x7f)
	name := make([]byte, 256)
	for i, u := range utf16.Encode([]rune(pkg)) {
		if i < 127 {
			binary.LittleEndian.PutUint16(name[2*i:], u)
		}
	}
	p = append(p, name...)
	p = binary.LittleEndian.AppendUint32(p, pkgHeader)
	p = binary.LittleEndian.AppendUint32(p, uint32(len(typeNames)))
	p = binary.LittleEndian.AppendUint32(p, uint32(pkgHeader+len(typePool)))
	p = binary.LittleEndian.AppendUint32(p, uint32(len(keys)))
	p = binary.LittleEndian.AppendUint32(p, 0) // typeIdOffset
	p = append(p, typePool...)
	p = append(p, keyPool...)
	p = append(p, chunks...)

	t := chunkHeader(0x0002, 12, 12+len(global)+len(p))
	t = binary.LittleEndian.AppendUint32(t, 1)
	t = append(t, global...)
	return append(t, p...)
}

// utf8Pool encodes a UTF-8 string pool.
func utf8Pool(strs []string) []byte {
	var data []byte
	offsets := make([]uint32, len(strs))
	for i, s := range strs {
		offsets[i] = uint32(len(data))
		n16 := len(utf16.Encode([]rune(s)))
		data = appendLen8(data, n16)
		data = appendLen8(data, len(s))
		data = append(data, s...)
		data = append(data, 0)
	}
	for len(data)%4 != 0 {
		data = append(data, 0)
	}
	start := 28 + 4*len(strs)
	b := chunkHeader(0x0001, 28, start+len(data))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(strs)))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 1<<8) // UTF-8
	b = binary.LittleEndian.AppendUint32(b, uint32(start))
	b = binary.LittleEndian.AppendUint32(b, 0)
	for _, o := range offsets {
		b = binary.LittleEndian.AppendUint32(b, o)
	}
	return append(b, data...)
}

func appendLen8(b []byte, n int) []byte {
	if n < 0x80 {
		return append(b, byte(n))
	}
	return append(b, byte(0x80|n>>8), byte(n))
}
