// Package axmltest writes binary XML documents (AXML) for tests: manifests
// and network security configurations with exactly the attributes a test
// needs, encoded the way aapt2 encodes them.
package axmltest

import (
	"bytes"
	"encoding/binary"
)

// AndroidNS is the android: namespace URI.
const AndroidNS = "http://schemas.android.com/apk/res/android"

// Value types of Res_value.
const (
	TypeReference  = 0x01
	TypeString     = 0x03
	TypeIntDec     = 0x10
	TypeIntHex     = 0x11
	TypeIntBoolean = 0x12
)

// Attr is an attribute to encode. Android attributes carry their framework
// resource id so that the resource map is written as aapt2 does.
type Attr struct {
	NS    string
	Name  string
	ResID uint32
	Type  uint8
	Data  uint32
	Str   string
}

// Node is an element to encode.
type Node struct {
	Name     string
	Attrs    []Attr
	Children []*Node
	Text     string
}

// Str is a string attribute in no namespace.
func Str(name, v string) Attr { return Attr{Name: name, Type: TypeString, Str: v} }

// Bool is a boolean attribute in no namespace.
func Bool(name string, v bool) Attr {
	a := Attr{Name: name, Type: TypeIntBoolean}
	if v {
		a.Data = 0xffffffff
	}
	return a
}

// AStr is an android: string attribute.
func AStr(name string, id uint32, v string) Attr {
	return Attr{NS: AndroidNS, Name: name, ResID: id, Type: TypeString, Str: v}
}

// ABool is an android: boolean attribute.
func ABool(name string, id uint32, v bool) Attr {
	a := Attr{NS: AndroidNS, Name: name, ResID: id, Type: TypeIntBoolean}
	if v {
		a.Data = 0xffffffff
	}
	return a
}

// AInt is an android: integer attribute.
func AInt(name string, id uint32, v int) Attr {
	return Attr{NS: AndroidNS, Name: name, ResID: id, Type: TypeIntDec, Data: uint32(v)}
}

// ARef is an android: reference attribute.
func ARef(name string, id uint32, ref uint32) Attr {
	return Attr{NS: AndroidNS, Name: name, ResID: id, Type: TypeReference, Data: ref}
}

type encoder struct {
	strs   []string
	index  map[string]uint32
	resIDs []uint32
}

// intern adds a string; attribute names with resource ids come first, as
// the resource map requires.
func (e *encoder) intern(s string) uint32 {
	if i, ok := e.index[s]; ok {
		return i
	}
	e.index[s] = uint32(len(e.strs))
	e.strs = append(e.strs, s)
	return e.index[s]
}

// Encode writes root as a binary XML document.
func Encode(root *Node) []byte {
	e := &encoder{index: map[string]uint32{}}
	// Pass 1: attribute names with resource ids, in first-seen order.
	var walk func(*Node, func(*Node))
	walk = func(n *Node, fn func(*Node)) {
		fn(n)
		for _, c := range n.Children {
			walk(c, fn)
		}
	}
	walk(root, func(n *Node) {
		for _, a := range n.Attrs {
			if a.ResID != 0 {
				if _, ok := e.index[a.Name]; !ok {
					e.intern(a.Name)
					e.resIDs = append(e.resIDs, a.ResID)
				}
			}
		}
	})
	e.intern("android")
	e.intern(AndroidNS)
	walk(root, func(n *Node) {
		e.intern(n.Name)
		for _, a := range n.Attrs {
			e.intern(a.Name)
			if a.Type == TypeString {
				e.intern(a.Str)
			}
		}
		if n.Text != "" {
			e.intern(n.Text)
		}
	})

	var body bytes.Buffer
	body.Write(e.stringPool())
	// Resource map.
	rm := chunkHeader(0x0180, 8, 8+4*len(e.resIDs))
	for _, id := range e.resIDs {
		rm = binary.LittleEndian.AppendUint32(rm, id)
	}
	body.Write(rm)
	ns := func(typ uint16) []byte {
		b := chunkHeader(typ, 16, 24)
		b = binary.LittleEndian.AppendUint32(b, 1)          // line
		b = binary.LittleEndian.AppendUint32(b, 0xffffffff) // comment
		b = binary.LittleEndian.AppendUint32(b, e.index["android"])
		return binary.LittleEndian.AppendUint32(b, e.index[AndroidNS])
	}
	body.Write(ns(0x0100))
	line := uint32(1)
	var emit func(*Node)
	emit = func(n *Node) {
		line++
		size := 16 + 20 + 20*len(n.Attrs)
		b := chunkHeader(0x0102, 16, size)
		b = binary.LittleEndian.AppendUint32(b, line)
		b = binary.LittleEndian.AppendUint32(b, 0xffffffff)
		b = binary.LittleEndian.AppendUint32(b, 0xffffffff) // ns
		b = binary.LittleEndian.AppendUint32(b, e.index[n.Name])
		b = binary.LittleEndian.AppendUint16(b, 20) // attributeStart
		b = binary.LittleEndian.AppendUint16(b, 20) // attributeSize
		b = binary.LittleEndian.AppendUint16(b, uint16(len(n.Attrs)))
		b = append(b, 0, 0, 0, 0, 0, 0) // id, class, style indexes
		for _, a := range n.Attrs {
			nsRef := uint32(0xffffffff)
			if a.NS != "" {
				nsRef = e.intern(a.NS)
			}
			raw := uint32(0xffffffff)
			data := a.Data
			if a.Type == TypeString {
				raw = e.index[a.Str]
				data = raw
			}
			b = binary.LittleEndian.AppendUint32(b, nsRef)
			b = binary.LittleEndian.AppendUint32(b, e.index[a.Name])
			b = binary.LittleEndian.AppendUint32(b, raw)
			b = binary.LittleEndian.AppendUint16(b, 8)
			b = append(b, 0, a.Type)
			b = binary.LittleEndian.AppendUint32(b, data)
		}
		body.Write(b)
		if n.Text != "" {
			t := chunkHeader(0x0104, 16, 28)
			t = binary.LittleEndian.AppendUint32(t, line)
			t = binary.LittleEndian.AppendUint32(t, 0xffffffff)
			t = binary.LittleEndian.AppendUint32(t, e.index[n.Text])
			t = binary.LittleEndian.AppendUint16(t, 8)
			t = append(t, 0, 0)
			t = binary.LittleEndian.AppendUint32(t, 0)
			body.Write(t)
		}
		for _, c := range n.Children {
			emit(c)
		}
		end := chunkHeader(0x0103, 16, 24)
		end = binary.LittleEndian.AppendUint32(end, line)
		end = binary.LittleEndian.AppendUint32(end, 0xffffffff)
		end = binary.LittleEndian.AppendUint32(end, 0xffffffff)
		end = binary.LittleEndian.AppendUint32(end, e.index[n.Name])
		body.Write(end)
	}
	emit(root)
	body.Write(ns(0x0101))

	out := chunkHeader(0x0003, 8, 8+body.Len())
	return append(out, body.Bytes()...)
}

// stringPool encodes the strings as a UTF-16 pool (as aapt2 does for
// binary XML).
func (e *encoder) stringPool() []byte {
	var data []byte
	offsets := make([]uint32, len(e.strs))
	for i, s := range e.strs {
		offsets[i] = uint32(len(data))
		units := []rune(s)
		data = binary.LittleEndian.AppendUint16(data, uint16(len(units)))
		for _, r := range units {
			data = binary.LittleEndian.AppendUint16(data, uint16(r))
		}
		data = append(data, 0, 0)
	}
	for len(data)%4 != 0 {
		data = append(data, 0)
	}
	hdr := 28
	start := hdr + 4*len(e.strs)
	b := chunkHeader(0x0001, uint16(hdr), start+len(data))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(e.strs)))
	b = binary.LittleEndian.AppendUint32(b, 0) // styles
	b = binary.LittleEndian.AppendUint32(b, 0) // flags: UTF-16
	b = binary.LittleEndian.AppendUint32(b, uint32(start))
	b = binary.LittleEndian.AppendUint32(b, 0)
	for _, o := range offsets {
		b = binary.LittleEndian.AppendUint32(b, o)
	}
	return append(b, data...)
}

func chunkHeader(typ, headerSize uint16, size int) []byte {
	b := binary.LittleEndian.AppendUint16(nil, typ)
	b = binary.LittleEndian.AppendUint16(b, headerSize)
	return binary.LittleEndian.AppendUint32(b, uint32(size))
}
