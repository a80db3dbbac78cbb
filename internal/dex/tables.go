package dex

import (
	"bytes"
	"fmt"
	"strings"
)

// readStrings decodes the string table. All strings share one backing
// string, so the table costs one allocation for the text.
func (p *parser) readStrings() error {
	h := &p.h
	if uint64(h.stringIDsSize) > uint64(p.lim.MaxStrings) {
		return limitErr("string_ids: %d strings (limit %d)", h.stringIDsSize, p.lim.MaxStrings)
	}
	ids, err := section(p.b, uint64(h.stringIDs), h.stringIDsSize, 4)
	if err != nil {
		return fmt.Errorf("string_ids: %w", formatErr("%v", err))
	}
	n := int(h.stringIDsSize)
	// First pass: find each string's bytes and the total, so that the text
	// is allocated once at its exact size. In a valid file strings do not
	// share bytes, so the total cannot exceed the input; hostile files
	// that point many ids at one long string are refused here.
	spans := make([]int, 2*n)
	total := 0
	for i := range n {
		off := int(u32(ids, 4*i))
		_, start, err := uleb(p.b, off) // utf16_size, not needed
		if err != nil {
			return formatErr("string_data %d at 0x%x: %v", i, off, err)
		}
		end := bytes.IndexByte(p.b[start:], 0)
		if end < 0 {
			return formatErr("string_data %d at 0x%x: no terminating NUL", i, off)
		}
		total += end
		if total > len(p.b) {
			return formatErr("string_data: strings overlap")
		}
		spans[2*i], spans[2*i+1] = start, start+end
	}
	buf := make([]byte, 0, total)
	ends := spans // reused: ends[i] is the end of string i in buf
	for i := range n {
		buf = appendMUTF8(buf, p.b[spans[2*i]:spans[2*i+1]])
		ends[i] = len(buf)
	}
	all := string(buf)
	p.f.Strings = make([]string, n)
	start := 0
	for i := range n {
		p.f.Strings[i] = all[start:ends[i]]
		start = ends[i]
	}
	return nil
}

// str returns string i, if it exists.
func (p *parser) str(i uint32) (string, bool) {
	if uint64(i) >= uint64(len(p.f.Strings)) {
		return "", false
	}
	return p.f.Strings[i], true
}

// typ returns type descriptor i, if it exists.
func (p *parser) typ(i uint32) (string, bool) {
	if uint64(i) >= uint64(len(p.f.Types)) {
		return "", false
	}
	return p.f.Types[i], true
}

func (p *parser) readTypes() error {
	h := &p.h
	ids, err := section(p.b, uint64(h.typeIDs), h.typeIDsSize, 4)
	if err != nil {
		return fmt.Errorf("type_ids: %w", formatErr("%v", err))
	}
	p.f.Types = make([]string, h.typeIDsSize)
	for i := range p.f.Types {
		s, ok := p.str(u32(ids, 4*i))
		if !ok {
			return formatErr("type_ids[%d]: string index %d out of range", i, u32(ids, 4*i))
		}
		p.f.Types[i] = s
	}
	return nil
}

// readProtos builds the descriptor string of every prototype, e.g.
// "(Ljava/lang/String;I)V", into one shared backing string.
func (p *parser) readProtos() error {
	h := &p.h
	ids, err := section(p.b, uint64(h.protoIDs), h.protoIDsSize, 12)
	if err != nil {
		return fmt.Errorf("proto_ids: %w", formatErr("%v", err))
	}
	n := int(h.protoIDsSize)
	// First pass: validate and measure. Prototypes may share parameter
	// lists, so the total is bounded explicitly.
	budget := 4*len(p.b) + 1<<16
	total := 0
	for i := range n {
		e := ids[12*i:]
		if _, ok := p.str(u32(e, 0)); !ok {
			return formatErr("proto_ids[%d]: shorty: string index %d out of range", i, u32(e, 0))
		}
		ret, ok := p.typ(u32(e, 4))
		if !ok {
			return formatErr("proto_ids[%d]: return type: type index %d out of range", i, u32(e, 4))
		}
		total += len(ret) + 2
		if off := u32(e, 8); off != 0 {
			list, err := typeList(p.b, off)
			if err != nil {
				return formatErr("proto_ids[%d]: parameters at 0x%x: %v", i, off, err)
			}
			for j := 0; j < len(list); j += 2 {
				t, ok := p.typ(uint32(u16(list, j)))
				if !ok {
					return formatErr("proto_ids[%d]: parameter: type index %d out of range", i, u16(list, j))
				}
				total += len(t)
			}
		}
		if total > budget {
			return limitErr("proto_ids: descriptors exceed %d bytes", budget)
		}
	}
	var buf strings.Builder
	buf.Grow(total)
	ends := make([]int, n)
	for i := range n {
		e := ids[12*i:]
		buf.WriteByte('(')
		if off := u32(e, 8); off != 0 {
			list, _ := typeList(p.b, off)
			for j := 0; j < len(list); j += 2 {
				buf.WriteString(p.f.Types[u16(list, j)])
			}
		}
		buf.WriteByte(')')
		buf.WriteString(p.f.Types[u32(e, 4)])
		ends[i] = buf.Len()
	}
	all := buf.String()
	p.protos = make([]string, n)
	start := 0
	for i := range n {
		p.protos[i] = all[start:ends[i]]
		start = ends[i]
	}
	return nil
}

func (p *parser) readFields() error {
	h := &p.h
	ids, err := section(p.b, uint64(h.fieldIDs), h.fieldIDsSize, 8)
	if err != nil {
		return fmt.Errorf("field_ids: %w", formatErr("%v", err))
	}
	p.f.Fields = make([]FieldRef, h.fieldIDsSize)
	for i := range p.f.Fields {
		e := ids[8*i:]
		class, ok1 := p.typ(uint32(u16(e, 0)))
		typ, ok2 := p.typ(uint32(u16(e, 2)))
		name, ok3 := p.str(u32(e, 4))
		if !ok1 || !ok2 || !ok3 {
			return formatErr("field_ids[%d]: index out of range", i)
		}
		p.f.Fields[i] = FieldRef{Class: class, Name: name, Type: typ}
	}
	return nil
}

func (p *parser) readMethods() error {
	h := &p.h
	ids, err := section(p.b, uint64(h.methodIDs), h.methodIDsSize, 8)
	if err != nil {
		return fmt.Errorf("method_ids: %w", formatErr("%v", err))
	}
	p.f.Methods = make([]MethodRef, h.methodIDsSize)
	for i := range p.f.Methods {
		e := ids[8*i:]
		class, ok1 := p.typ(uint32(u16(e, 0)))
		proto := int(u16(e, 2))
		name, ok2 := p.str(u32(e, 4))
		if !ok1 || !ok2 || proto >= len(p.protos) {
			return formatErr("method_ids[%d]: index out of range", i)
		}
		p.f.Methods[i] = MethodRef{Class: class, Name: name, Proto: p.protos[proto]}
	}
	return nil
}

// checkMap compares the map_list with the header. The map is not needed to
// read the file, so its problems are warnings.
func (p *parser) checkMap() {
	h := &p.h
	if h.mapOff == 0 {
		p.warn("map_list: absent")
		return
	}
	hdr, err := section(p.b, uint64(h.mapOff), 1, 4)
	if err != nil {
		p.warn("map_list at 0x%x: %v", h.mapOff, err)
		return
	}
	items, err := section(p.b, uint64(h.mapOff)+4, u32(hdr, 0), 12)
	if err != nil {
		p.warn("map_list at 0x%x: %v", h.mapOff, err)
		return
	}
	want := map[uint16][2]uint32{
		0x0001: {h.stringIDsSize, h.stringIDs},
		0x0002: {h.typeIDsSize, h.typeIDs},
		0x0003: {h.protoIDsSize, h.protoIDs},
		0x0004: {h.fieldIDsSize, h.fieldIDs},
		0x0005: {h.methodIDsSize, h.methodIDs},
		0x0006: {h.classDefsSize, h.classDefs},
	}
	for i := 0; i < len(items); i += 12 {
		typ, size, off := u16(items, i), u32(items, i+4), u32(items, i+8)
		if w, ok := want[typ]; ok && (w[0] != size || size != 0 && w[1] != off) {
			p.warn("map_list: item type 0x%04x (%d at 0x%x) disagrees with the header (%d at 0x%x)", typ, size, off, w[0], w[1])
		}
	}
}
