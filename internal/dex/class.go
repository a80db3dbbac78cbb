package dex

import (
	"errors"
	"fmt"
)

// maxValueDepth bounds the nesting of encoded arrays and annotations.
const maxValueDepth = 32

// classReader holds the state shared by the classes of one file.
type classReader struct {
	p *parser
	// defined marks the method ids already defined by a class: a valid
	// file defines each at most once, which also bounds the methods kept.
	defined []bool
	// walked counts the bytes of class data, interface lists and static
	// values read; structures are not shared in valid files except the
	// lists and arrays that the caches below serve once.
	walked, walkBudget int
	interfaces         map[uint32][]string
	statics            map[uint32][]string

	methods     []Method
	strs        []string
	methodArena arena[Method]
	strArena    arena[string]
}

func (p *parser) readClasses() error {
	h := &p.h
	if uint64(h.classDefsSize) > uint64(p.lim.MaxClasses) {
		return limitErr("class_defs: %d classes (limit %d)", h.classDefsSize, p.lim.MaxClasses)
	}
	defs, err := section(p.b, uint64(h.classDefs), h.classDefsSize, 32)
	if err != nil {
		return fmt.Errorf("class_defs: %w", formatErr("%v", err))
	}
	p.code.init(p)
	cr := &classReader{
		p:          p,
		defined:    make([]bool, len(p.f.Methods)),
		walkBudget: 2*len(p.b) + 1<<16,
		interfaces: make(map[uint32][]string),
		statics:    make(map[uint32][]string),
	}
	p.f.Classes = make([]Class, h.classDefsSize)
	for i := range p.f.Classes {
		if err := cr.read(&p.f.Classes[i], i, defs[32*i:]); err != nil {
			return err
		}
	}
	return nil
}

// read fills c from class_def_item e. Errors in the class's own data
// become warnings; the error returned ends the parse.
func (cr *classReader) read(c *Class, i int, e []byte) error {
	p := cr.p
	name, ok := p.typ(u32(e, 0))
	if !ok {
		return formatErr("class_defs[%d]: class index %d out of range", i, u32(e, 0))
	}
	c.Name = name
	c.Access = u32(e, 4)
	if s := u32(e, 8); s != noIndex {
		if c.Super, ok = p.typ(s); !ok {
			return formatErr("class_defs[%d] %s: superclass index %d out of range", i, name, s)
		}
	}
	if s := u32(e, 16); s != noIndex {
		if c.SourceFile, ok = p.str(s); !ok {
			p.warn("class %s: source file index %d out of range", name, s)
		}
	}
	if off := u32(e, 12); off != 0 {
		ifaces, err := cr.readInterfaces(off)
		if err != nil {
			if !errors.Is(err, errClass) {
				return err
			}
			p.warn("class %s: interfaces: %v", name, err)
		}
		c.Interfaces = ifaces
	}
	if off := u32(e, 24); off != 0 {
		if err := cr.readClassData(c, off); err != nil {
			if !errors.Is(err, errClass) {
				return err
			}
			p.warn("class %s: %v", name, err)
		}
	}
	if off := u32(e, 28); off != 0 {
		strs, err := cr.readStaticValues(off)
		if err != nil {
			if !errors.Is(err, errClass) {
				return err
			}
			p.warn("class %s: static values: %v", name, err)
		}
		c.StaticStrings = strs
	}
	return nil
}

// errClass marks problems confined to one class.
var errClass = errors.New("class")

func classErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errClass, fmt.Sprintf(format, args...))
}

// walk counts n bytes read against the budget.
func (cr *classReader) walk(n int) error {
	cr.walked += n
	if cr.walked > cr.walkBudget {
		return formatErr("class data: more than %d bytes read; structures overlap", cr.walkBudget)
	}
	return nil
}

func (cr *classReader) readInterfaces(off uint32) ([]string, error) {
	if l, ok := cr.interfaces[off]; ok {
		return l, nil
	}
	p := cr.p
	list, err := typeList(p.b, off)
	if err != nil {
		return nil, classErr("type_list at 0x%x: %v", off, err)
	}
	if err := cr.walk(len(list)); err != nil {
		return nil, err
	}
	cr.strs = cr.strs[:0]
	for j := 0; j < len(list); j += 2 {
		t, ok := p.typ(uint32(u16(list, j)))
		if !ok {
			return nil, classErr("type index %d out of range", u16(list, j))
		}
		cr.strs = append(cr.strs, t)
	}
	l := cr.strArena.copy(cr.strs)
	cr.interfaces[off] = l
	return l, nil
}

// readClassData reads the class_data_item at off: the field lists, which
// are skipped, and the direct and virtual methods with their code. The
// methods read before a problem are kept.
func (cr *classReader) readClassData(c *Class, off uint32) (err error) {
	b := cr.p.b
	pos := int(off)
	if pos < 0 || pos >= len(b) {
		return classErr("class_data at 0x%x: %v", off, errTruncated)
	}
	defer func() {
		if werr := cr.walk(pos - int(off)); werr != nil {
			err = werr
		}
	}()
	var counts [4]uint32 // static fields, instance fields, direct and virtual methods
	for k := range counts {
		if counts[k], pos, err = uleb(b, pos); err != nil {
			return classErr("class_data at 0x%x: %v", off, err)
		}
	}
	// Each encoded field takes at least 2 bytes, each method at least 3.
	fields := uint64(counts[0]) + uint64(counts[1])
	methods := uint64(counts[2]) + uint64(counts[3])
	if 2*fields+3*methods > uint64(len(b)-pos) {
		return classErr("class_data at 0x%x: counts exceed the file", off)
	}
	for range 2 * fields {
		if _, pos, err = uleb(b, pos); err != nil {
			return classErr("class_data at 0x%x: fields: %v", off, err)
		}
	}
	cr.methods = cr.methods[:0]
	defer func() { c.Methods = cr.methodArena.copy(cr.methods) }()
	for list := range 2 {
		var idx uint64
		for j := range counts[2+list] {
			var diff, access, codeOff uint32
			if diff, pos, err = uleb(b, pos); err == nil {
				if access, pos, err = uleb(b, pos); err == nil {
					codeOff, pos, err = uleb(b, pos)
				}
			}
			if err != nil {
				return classErr("class_data at 0x%x: methods: %v", off, err)
			}
			if j > 0 && diff == 0 {
				return classErr("class_data at 0x%x: method index repeated", off)
			}
			idx += uint64(diff)
			if err := cr.readMethod(c, idx, access, codeOff); err != nil {
				return err
			}
		}
	}
	return nil
}

// readMethod appends method idx, defined by c, to cr.methods.
func (cr *classReader) readMethod(c *Class, idx uint64, access, codeOff uint32) error {
	p := cr.p
	if idx >= uint64(len(p.f.Methods)) {
		return classErr("method index %d out of range", idx)
	}
	if cr.defined[idx] {
		return classErr("method index %d defined more than once", idx)
	}
	cr.defined[idx] = true
	ref := &p.f.Methods[idx]
	m := Method{Name: ref.Name, Proto: ref.Proto, Access: access}
	if codeOff != 0 {
		if err := p.code.read(&m, codeOff); err != nil {
			if !errors.Is(err, errCode) {
				return err
			}
			p.warn("class %s: method %s%s: %v", c.Name, m.Name, m.Proto, err)
		}
	}
	cr.methods = append(cr.methods, m)
	return nil
}

// readStaticValues returns the strings of the encoded_array_item at off,
// the initial values of the class's static fields.
func (cr *classReader) readStaticValues(off uint32) (strs []string, err error) {
	if l, ok := cr.statics[off]; ok {
		return l, nil
	}
	b := cr.p.b
	pos := int(off)
	defer func() {
		if werr := cr.walk(pos - int(off)); werr != nil {
			strs, err = nil, werr
			return
		}
		cr.statics[off] = strs
	}()
	size, pos, err := uleb(b, pos)
	if err != nil {
		return nil, classErr("encoded_array at 0x%x: %v", off, err)
	}
	if uint64(size) > uint64(len(b)-pos) {
		return nil, classErr("encoded_array at 0x%x: %d values exceed the file", off, size)
	}
	cr.strs = cr.strs[:0]
	for range size {
		if pos >= len(b) {
			return nil, classErr("encoded_array at 0x%x: %v", off, errTruncated)
		}
		if b[pos]&0x1f != valueString {
			if pos, err = skipValue(b, pos, 0); err != nil {
				return nil, classErr("encoded_array at 0x%x: %v", off, err)
			}
			continue
		}
		n := int(b[pos]>>5) + 1
		if n > 4 || n > len(b)-pos-1 {
			return nil, classErr("encoded_array at 0x%x: bad string value", off)
		}
		var idx uint32
		for k := n; k > 0; k-- {
			idx = idx<<8 | uint32(b[pos+k])
		}
		s, ok := cr.p.str(idx)
		if !ok {
			return nil, classErr("encoded_array at 0x%x: string index %d out of range", off, idx)
		}
		cr.strs = append(cr.strs, s)
		pos += 1 + n
	}
	return cr.strArena.copy(cr.strs), nil
}

// encoded_value types.
const (
	valueByte         = 0x00
	valueString       = 0x17
	valueArray        = 0x1c
	valueAnnotation   = 0x1d
	valueNull         = 0x1e
	valueBoolean      = 0x1f
	valueShort        = 0x02
	valueChar         = 0x03
	valueInt          = 0x04
	valueLong         = 0x06
	valueFloat        = 0x10
	valueDouble       = 0x11
	valueMethodType   = 0x15
	valueMethodHandle = 0x16
	valueType         = 0x18
	valueField        = 0x19
	valueMethod       = 0x1a
	valueEnum         = 0x1b
)

// skipValue returns the offset after the encoded_value at pos.
func skipValue(b []byte, pos, depth int) (int, error) {
	if depth > maxValueDepth {
		return pos, errors.New("values nested too deep")
	}
	if pos < 0 || pos >= len(b) {
		return pos, errTruncated
	}
	typ, arg := b[pos]&0x1f, int(b[pos]>>5)
	pos++
	switch typ {
	case valueByte, valueShort, valueChar, valueInt, valueLong, valueFloat, valueDouble,
		valueMethodType, valueMethodHandle, valueString, valueType, valueField, valueMethod, valueEnum:
		if arg+1 > len(b)-pos {
			return pos, errTruncated
		}
		return pos + arg + 1, nil
	case valueNull, valueBoolean:
		return pos, nil
	case valueArray:
		size, pos, err := uleb(b, pos)
		if err != nil {
			return pos, err
		}
		if uint64(size) > uint64(len(b)-pos) {
			return pos, errTruncated
		}
		for range size {
			if pos, err = skipValue(b, pos, depth+1); err != nil {
				return pos, err
			}
		}
		return pos, nil
	case valueAnnotation:
		var size uint32
		var err error
		if _, pos, err = uleb(b, pos); err != nil { // type_idx
			return pos, err
		}
		if size, pos, err = uleb(b, pos); err != nil {
			return pos, err
		}
		if uint64(size)*2 > uint64(len(b)-pos) {
			return pos, errTruncated
		}
		for range size {
			if _, pos, err = uleb(b, pos); err != nil { // name_idx
				return pos, err
			}
			if pos, err = skipValue(b, pos, depth+1); err != nil {
				return pos, err
			}
		}
		return pos, nil
	}
	return pos, fmt.Errorf("value type 0x%02x", typ)
}
