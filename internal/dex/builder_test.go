package dex

import (
	"crypto/sha1"
	"encoding/binary"
	"hash/adler32"
	"slices"
	"unicode/utf16"
)

// dexBuilder writes small DEX files for tests and fuzz seeds, so that they
// do not depend on the corpus. Items are interned in order of first use;
// the tables are not sorted as a real compiler sorts them, which this
// package does not require.
type dexBuilder struct {
	version string
	strs    []rawString
	strIdx  map[string]uint32
	types   []uint32 // string index per type
	typeIdx map[string]uint32
	protos  []builtProto
	protoIx map[string]uint32
	fields  []builtRef
	methods []builtRef
	classes []*builtClass

	// Where bytes put things, for tests that corrupt them.
	at struct {
		stringIDs, typeIDs, protoIDs, methodIDs, classDefs int
		code                                               map[uint32]int // method index -> code_item
	}
}

type rawString struct {
	mutf8  []byte
	utf16n int
}

type builtProto struct {
	shorty, ret uint32
	params      []uint32
}

// builtRef is a field_id_item (typ is the field type) or a method_id_item
// (typ is the proto).
type builtRef struct {
	class, typ uint16
	name       uint32
}

type builtClass struct {
	class, access, super, source uint32
	interfaces                   []uint32
	direct, virtual              []builtMethod
	staticValues                 []byte // a whole encoded_array_item, or nil
	classData                    []byte // replaces the class_data_item written from the methods
}

type builtMethod struct {
	method, access uint32
	code           *builtCode // nil for abstract and native methods
	codeOff        uint32     // when set, written instead of the code's offset
}

type builtCode struct {
	regs  uint16
	insns []uint16
}

func newBuilder() *dexBuilder {
	return &dexBuilder{
		version: "035",
		strIdx:  map[string]uint32{},
		typeIdx: map[string]uint32{},
		protoIx: map[string]uint32{},
	}
}

// encodeMUTF8 writes s as Modified UTF-8.
func encodeMUTF8(s string) ([]byte, int) {
	var out []byte
	units := utf16.Encode([]rune(s))
	for _, u := range units {
		switch {
		case u == 0:
			out = append(out, 0xc0, 0x80)
		case u < 0x80:
			out = append(out, byte(u))
		case u < 0x800:
			out = append(out, 0xc0|byte(u>>6), 0x80|byte(u&0x3f))
		default:
			out = append(out, 0xe0|byte(u>>12), 0x80|byte(u>>6&0x3f), 0x80|byte(u&0x3f))
		}
	}
	return out, len(units)
}

// str interns s and returns its index.
func (b *dexBuilder) str(s string) uint32 {
	if i, ok := b.strIdx[s]; ok {
		return i
	}
	enc, n := encodeMUTF8(s)
	b.strs = append(b.strs, rawString{enc, n})
	i := uint32(len(b.strs) - 1)
	b.strIdx[s] = i
	return i
}

// rawStr adds a string given as raw (possibly invalid) MUTF-8 bytes.
func (b *dexBuilder) rawStr(raw []byte) uint32 {
	b.strs = append(b.strs, rawString{raw, len(raw)})
	return uint32(len(b.strs) - 1)
}

func (b *dexBuilder) typ(desc string) uint32 {
	if i, ok := b.typeIdx[desc]; ok {
		return i
	}
	b.types = append(b.types, b.str(desc))
	i := uint32(len(b.types) - 1)
	b.typeIdx[desc] = i
	return i
}

func (b *dexBuilder) proto(ret string, params ...string) uint32 {
	key := ret + "(" + concat(params) + ")"
	if i, ok := b.protoIx[key]; ok {
		return i
	}
	shorty := shortyOf(ret)
	p := builtProto{ret: b.typ(ret)}
	for _, t := range params {
		shorty += shortyOf(t)
		p.params = append(p.params, b.typ(t))
	}
	p.shorty = b.str(shorty)
	b.protos = append(b.protos, p)
	i := uint32(len(b.protos) - 1)
	b.protoIx[key] = i
	return i
}

func concat(ss []string) string {
	var s string
	for _, x := range ss {
		s += x
	}
	return s
}

func shortyOf(desc string) string {
	if desc[0] == 'L' || desc[0] == '[' {
		return "L"
	}
	return desc[:1]
}

// method adds a method reference and returns its index.
func (b *dexBuilder) method(class, name, ret string, params ...string) uint32 {
	b.methods = append(b.methods, builtRef{class: uint16(b.typ(class)), typ: uint16(b.proto(ret, params...)), name: b.str(name)})
	return uint32(len(b.methods) - 1)
}

// field adds a field reference and returns its index.
func (b *dexBuilder) field(class, name, typ string) uint32 {
	b.fields = append(b.fields, builtRef{class: uint16(b.typ(class)), typ: uint16(b.typ(typ)), name: b.str(name)})
	return uint32(len(b.fields) - 1)
}

// class adds a class definition extending java.lang.Object.
func (b *dexBuilder) class(name string) *builtClass {
	c := &builtClass{class: b.typ(name), access: 1, super: b.typ("Ljava/lang/Object;"), source: noIndex}
	b.classes = append(b.classes, c)
	return c
}

// addMethod defines a new method with the given code on c and returns
// the method's index.
func (b *dexBuilder) addMethod(c *builtClass, name, proto string, regs uint16, insns ...[]uint16) uint32 {
	ret, params := splitProto(proto)
	idx := b.method(b.typeName(c.class), name, ret, params...)
	c.direct = append(c.direct, builtMethod{method: idx, access: 9, code: &builtCode{regs: regs, insns: slices.Concat(insns...)}})
	return idx
}

func (b *dexBuilder) typeName(t uint32) string {
	for k, v := range b.typeIdx {
		if v == t {
			return k
		}
	}
	panic("unknown type")
}

// splitProto splits "(Ljava/lang/String;I)V" into its return type and
// parameter descriptors.
func splitProto(p string) (string, []string) {
	var params []string
	i := 1
	for p[i] != ')' {
		j := i
		for p[j] == '[' {
			j++
		}
		if p[j] == 'L' {
			for p[j] != ';' {
				j++
			}
		}
		params = append(params, p[i:j+1])
		i = j + 1
	}
	return p[i+1:], params
}

// bytes writes the file.
func (b *dexBuilder) bytes() []byte {
	le := binary.LittleEndian
	out := make([]byte, headerSize)
	align := func() {
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	put32 := func(v uint32) { out = le.AppendUint32(out, v) }
	put16 := func(v uint16) { out = le.AppendUint16(out, v) }
	uleb := func(v uint32) {
		for v >= 0x80 {
			out = append(out, byte(v)|0x80)
			v >>= 7
		}
		out = append(out, byte(v))
	}

	// The id tables, with offsets patched once the data is written.
	stringIDs := len(out)
	out = append(out, make([]byte, 4*len(b.strs))...)
	typeIDs := len(out)
	for _, s := range b.types {
		put32(s)
	}
	protoIDs := len(out)
	out = append(out, make([]byte, 12*len(b.protos))...)
	fieldIDs := len(out)
	for _, f := range b.fields {
		put16(f.class)
		put16(f.typ)
		put32(f.name)
	}
	methodIDs := len(out)
	for _, m := range b.methods {
		put16(m.class)
		put16(m.typ)
		put32(m.name)
	}
	classDefs := len(out)
	out = append(out, make([]byte, 32*len(b.classes))...)
	dataOff := len(out)
	b.at.stringIDs, b.at.typeIDs, b.at.protoIDs = stringIDs, typeIDs, protoIDs
	b.at.methodIDs, b.at.classDefs = methodIDs, classDefs

	for i, s := range b.strs {
		le.PutUint32(out[stringIDs+4*i:], uint32(len(out)))
		uleb(uint32(s.utf16n))
		out = append(out, s.mutf8...)
		out = append(out, 0)
	}
	typeList := func(l []uint32) uint32 {
		if len(l) == 0 {
			return 0
		}
		align()
		off := uint32(len(out))
		put32(uint32(len(l)))
		for _, t := range l {
			put16(uint16(t))
		}
		return off
	}
	for i, p := range b.protos {
		params := typeList(p.params) // before e: it may grow out
		e := out[protoIDs+12*i:]
		le.PutUint32(e, p.shorty)
		le.PutUint32(e[4:], p.ret)
		le.PutUint32(e[8:], params)
	}
	for i, c := range b.classes {
		e := classDefs + 32*i
		ifaces := typeList(c.interfaces)
		le.PutUint32(out[e:], c.class)
		le.PutUint32(out[e+4:], c.access)
		le.PutUint32(out[e+8:], c.super)
		le.PutUint32(out[e+12:], ifaces)
		le.PutUint32(out[e+16:], c.source)
	}
	// Code items, then class data referring to them.
	codeOff := map[*builtCode]uint32{}
	b.at.code = map[uint32]int{}
	for _, c := range b.classes {
		for _, m := range slices.Concat(c.direct, c.virtual) {
			if m.code == nil {
				continue
			}
			if _, ok := codeOff[m.code]; ok {
				continue // shared with an earlier method
			}
			align()
			codeOff[m.code] = uint32(len(out))
			b.at.code[m.method] = len(out)
			put16(m.code.regs)
			put16(0) // ins_size
			put16(0) // outs_size
			put16(0) // tries_size
			put32(0) // debug_info_off
			put32(uint32(len(m.code.insns)))
			for _, u := range m.code.insns {
				put16(u)
			}
		}
	}
	classData := map[*byte]uint32{} // shared class data is written once
	for i, c := range b.classes {
		e := classDefs + 32*i
		if c.classData != nil {
			off, ok := classData[&c.classData[0]]
			if !ok {
				off = uint32(len(out))
				classData[&c.classData[0]] = off
				out = append(out, c.classData...)
			}
			le.PutUint32(out[e+24:], off)
		} else if len(c.direct)+len(c.virtual) > 0 {
			le.PutUint32(out[e+24:], uint32(len(out)))
			uleb(0)
			uleb(0)
			uleb(uint32(len(c.direct)))
			uleb(uint32(len(c.virtual)))
			for _, list := range [][]builtMethod{c.direct, c.virtual} {
				list = slices.Clone(list)
				slices.SortFunc(list, func(x, y builtMethod) int { return int(x.method) - int(y.method) })
				prev := uint32(0)
				for _, m := range list {
					uleb(m.method - prev)
					prev = m.method
					uleb(m.access)
					if m.codeOff != 0 {
						uleb(m.codeOff)
					} else {
						uleb(codeOff[m.code])
					}
				}
			}
		}
		if c.staticValues != nil {
			le.PutUint32(out[e+28:], uint32(len(out)))
			out = append(out, c.staticValues...)
		}
	}

	align()
	mapOff := len(out)
	type item struct {
		typ       uint16
		size, off uint32
	}
	items := []item{{0x0000, 1, 0}}
	add := func(typ uint16, n, off int) {
		if n > 0 {
			items = append(items, item{typ, uint32(n), uint32(off)})
		}
	}
	add(0x0001, len(b.strs), stringIDs)
	add(0x0002, len(b.types), typeIDs)
	add(0x0003, len(b.protos), protoIDs)
	add(0x0004, len(b.fields), fieldIDs)
	add(0x0005, len(b.methods), methodIDs)
	add(0x0006, len(b.classes), classDefs)
	items = append(items, item{0x1000, 1, uint32(mapOff)})
	put32(uint32(len(items)))
	for _, it := range items {
		put16(it.typ)
		put16(0)
		put32(it.size)
		put32(it.off)
	}

	h := out[:headerSize]
	copy(h, "dex\n"+b.version+"\x00")
	le.PutUint32(h[0x20:], uint32(len(out)))
	le.PutUint32(h[0x24:], headerSize)
	le.PutUint32(h[0x28:], endianConstant)
	le.PutUint32(h[0x34:], uint32(mapOff))
	sizes := []struct{ n, off int }{
		{len(b.strs), stringIDs}, {len(b.types), typeIDs}, {len(b.protos), protoIDs},
		{len(b.fields), fieldIDs}, {len(b.methods), methodIDs}, {len(b.classes), classDefs},
	}
	for i, s := range sizes {
		le.PutUint32(h[0x38+8*i:], uint32(s.n))
		if s.n > 0 {
			le.PutUint32(h[0x3c+8*i:], uint32(s.off))
		}
	}
	le.PutUint32(h[0x68:], uint32(len(out)-dataOff))
	le.PutUint32(h[0x6c:], uint32(dataOff))
	fixChecksum(out)
	return out
}

// fixChecksum recomputes the SHA-1 signature and the Adler-32 checksum of
// a DEX file after a test changed it.
func fixChecksum(b []byte) {
	sig := sha1.Sum(b[32:])
	copy(b[12:32], sig[:])
	binary.LittleEndian.PutUint32(b[8:], adler32.Checksum(b[12:]))
}

// Instruction encoders for the tests' method bodies.

func constString(a uint8, idx uint32) []uint16 { return []uint16{uint16(a)<<8 | 0x1a, uint16(idx)} }
func constStringJumbo(a uint8, idx uint32) []uint16 {
	return []uint16{uint16(a)<<8 | 0x1b, uint16(idx), uint16(idx >> 16)}
}
func const4(a uint8, v int8) []uint16 { return []uint16{uint16(v&0xf)<<12 | uint16(a)<<8 | 0x12} }
func const16(a uint8, v int16) []uint16 {
	return []uint16{uint16(a)<<8 | 0x13, uint16(v)}
}
func const32(a uint8, v int32) []uint16 {
	return []uint16{uint16(a)<<8 | 0x14, uint16(v), uint16(uint32(v) >> 16)}
}
func constHigh16(a uint8, v uint16) []uint16 { return []uint16{uint16(a)<<8 | 0x15, v} }
func constWide(a uint8, v int64) []uint16 {
	u := uint64(v)
	return []uint16{uint16(a)<<8 | 0x18, uint16(u), uint16(u >> 16), uint16(u >> 32), uint16(u >> 48)}
}
func constWideHigh16(a uint8, v uint16) []uint16 { return []uint16{uint16(a)<<8 | 0x19, v} }

// Invoke opcodes.
const (
	opInvokeVirtual      = 0x6e
	opInvokeDirect       = 0x70
	opInvokeStatic       = 0x71
	opInvokeVirtualRange = 0x74
	opInvokeStaticRange  = 0x77
)

// invoke encodes a 35c invoke with up to five argument registers.
func invoke(op uint8, method uint32, regs ...uint8) []uint16 {
	var r [5]uint8
	copy(r[:], regs)
	return []uint16{
		uint16(len(regs))<<12 | uint16(r[4])<<8 | uint16(op),
		uint16(method),
		uint16(r[3])<<12 | uint16(r[2])<<8 | uint16(r[1])<<4 | uint16(r[0]),
	}
}

// invokeRange encodes a 3rc invoke of count registers from first.
func invokeRange(op uint8, method uint32, first uint16, count uint8) []uint16 {
	return []uint16{uint16(count)<<8 | uint16(op), uint16(method), first}
}

func moveResultObject(a uint8) []uint16 { return []uint16{uint16(a)<<8 | 0x0c} }
func moveObject(a, b uint8) []uint16    { return []uint16{uint16(b)<<12 | uint16(a)<<8 | 0x07} }
func newInstance(a uint8, typ uint32) []uint16 {
	return []uint16{uint16(a)<<8 | 0x22, uint16(typ)}
}
func addInt(a, b, c uint8) []uint16 { return []uint16{uint16(a)<<8 | 0x90, uint16(c)<<8 | uint16(b)} }
func addLong(a, b, c uint8) []uint16 {
	return []uint16{uint16(a)<<8 | 0x9b, uint16(c)<<8 | uint16(b)}
}
func sget(a uint8, field uint32) []uint16 { return []uint16{uint16(a)<<8 | 0x60, uint16(field)} }
func sput(a uint8, field uint32) []uint16 { return []uint16{uint16(a)<<8 | 0x67, uint16(field)} }
func iget(a, b uint8, field uint32) []uint16 {
	return []uint16{uint16(b)<<12 | uint16(a)<<8 | 0x52, uint16(field)}
}
func iput(a, b uint8, field uint32) []uint16 {
	return []uint16{uint16(b)<<12 | uint16(a)<<8 | 0x59, uint16(field)}
}
func returnVoid() []uint16          { return []uint16{0x000e} }
func returnReg(a uint8) []uint16    { return []uint16{uint16(a)<<8 | 0x0f} }
func returnWide(a uint8) []uint16   { return []uint16{uint16(a)<<8 | 0x10} }
func returnObject(a uint8) []uint16 { return []uint16{uint16(a)<<8 | 0x11} }
func nop() []uint16                 { return []uint16{0x0000} }
func gotoRel(rel int8) []uint16     { return []uint16{uint16(uint8(rel))<<8 | 0x28} }
func raw(units ...uint16) []uint16  { return units }
func fillArrayData(a uint8, rel int32) []uint16 {
	return []uint16{uint16(a)<<8 | 0x26, uint16(rel), uint16(uint32(rel) >> 16)}
}
func packedSwitch(a uint8, rel int32) []uint16 {
	return []uint16{uint16(a)<<8 | 0x2b, uint16(rel), uint16(uint32(rel) >> 16)}
}
func sparseSwitch(a uint8, rel int32) []uint16 {
	return []uint16{uint16(a)<<8 | 0x2c, uint16(rel), uint16(uint32(rel) >> 16)}
}

// arrayPayload encodes a fill-array-data-payload of count elements of
// width bytes, data holding their little-endian bytes.
func arrayPayload(width uint16, data []byte) []uint16 {
	count := uint32(len(data)) / uint32(width)
	u := []uint16{fillArrayPayload, width, uint16(count), uint16(count >> 16)}
	for i := 0; i < len(data); i += 2 {
		v := uint16(data[i])
		if i+1 < len(data) {
			v |= uint16(data[i+1]) << 8
		}
		u = append(u, v)
	}
	return u
}

// packedPayload encodes a packed-switch-payload with the given targets.
// Its units are chosen to look like unused opcodes if they were decoded.
func packedPayload(targets int) []uint16 {
	u := []uint16{packedSwitchPayload, uint16(targets), 0x3e3e, 0x3e3e}
	for range targets {
		u = append(u, 0x003e, 0x3e3e)
	}
	return u
}

// sparsePayload encodes a sparse-switch-payload with n entries.
func sparsePayload(n int) []uint16 {
	u := []uint16{sparseSwitchPayload, uint16(n)}
	for range 2 * n {
		u = append(u, 0x0073, 0x7373)
	}
	return u
}
