package dex

import (
	"errors"
	"fmt"
)

// Payload pseudo-instructions, which live inside insns after the code.
const (
	packedSwitchPayload = 0x0100
	sparseSwitchPayload = 0x0200
	fillArrayPayload    = 0x0300
)

// codeReader decodes code_items. It is reused for every method of a file:
// the scratch slices and the register table keep their memory, and the
// per-method state is reset by bumping gen rather than by clearing.
type codeReader struct {
	p *parser

	units  int64 // code units decoded so far
	out    int   // fact entries kept so far
	budget int   // most fact entries a file may produce

	gen  uint32    // the current method; slots with another gen are unknown
	regs []regSlot // constant per register

	// seen dedupe the per-method index lists: an entry equals gen when the
	// index is already listed for the current method.
	strSeen, readSeen, writeSeen []uint32

	strs, reads, writes []uint32
	calls               []Call
	args                []Const
	arrays              [][]byte

	idxArena   arena[uint32]
	callArena  arena[Call]
	constArena arena[Const]
	byteArena  arena[byte]
	arrayArena arena[[]byte]
	intArena   arena[int64]
}

// regSlot is what the tracker knows of one register.
type regSlot struct {
	gen  uint32
	kind ConstKind
	wide bool // holds the low half of a long or double constant
	val  int64
}

func (c *codeReader) init(p *parser) {
	c.p = p
	c.gen = 0
	// A valid file yields well under one fact per input byte (one const-
	// string takes 4 bytes, one invoke 6); hostile files that share one
	// code item between many methods are stopped here.
	c.budget = len(p.b) + 1<<16
	c.strSeen = make([]uint32, len(p.f.Strings))
	c.readSeen = make([]uint32, len(p.f.Fields))
	c.writeSeen = make([]uint32, len(p.f.Fields))
}

// errCode marks problems in one method's code; the method keeps the facts
// decoded before the problem and the parse goes on.
var errCode = errors.New("code")

func codeErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errCode, fmt.Sprintf(format, args...))
}

// read decodes the code_item at off into m. Problems confined to the
// method are returned wrapping errCode; any other error ends the parse.
func (c *codeReader) read(m *Method, off uint32) error {
	b := c.p.b
	hdr, err := section(b, uint64(off), 1, 16)
	if err != nil {
		return codeErr("code_item at 0x%x: %v", off, err)
	}
	regs := int(u16(hdr, 0))
	n := u32(hdr, 12)
	insns, err := section(b, uint64(off)+16, n, 2)
	if err != nil {
		return codeErr("code_item at 0x%x: insns_size %d: %v", off, n, err)
	}
	c.units += int64(n)
	if c.units > c.p.lim.MaxCodeUnits {
		return limitErr("code: more than %d code units", c.p.lim.MaxCodeUnits)
	}
	m.CodeUnits = int(n)

	c.gen++
	if len(c.regs) < regs+1 {
		// One spare slot so that the high half of a wide write to the
		// last register needs no check.
		c.regs = make([]regSlot, regs+1)
	}
	c.strs, c.reads, c.writes = c.strs[:0], c.reads[:0], c.writes[:0]
	c.calls, c.arrays = c.calls[:0], c.arrays[:0]

	derr := c.decode(insns, regs)

	m.Strings = c.idxArena.copy(c.strs)
	m.FieldReads = c.idxArena.copy(c.reads)
	m.FieldWrites = c.idxArena.copy(c.writes)
	m.Calls = c.callArena.copy(c.calls)
	if len(c.arrays) > 0 {
		for i, a := range c.arrays {
			c.arrays[i] = c.byteArena.copy(a)
		}
		m.ArrayData = c.arrayArena.copy(c.arrays)
	}
	if v, ok := constReturn(insns); ok {
		m.ReturnsConstInt = &c.intArena.copy([]int64{v})[0]
	}
	return derr
}

// decode walks the instructions of one method in order.
func (c *codeReader) decode(insns []byte, nregs int) error {
	f := c.p.f
	n := len(insns) / 2
	unit := func(pc int) uint16 { return u16(insns, 2*pc) }
	for pc := 0; pc < n; {
		u := unit(pc)
		op := uint8(u)
		info := opcodes[op]
		if op == 0 && (u == packedSwitchPayload || u == sparseSwitchPayload || u == fillArrayPayload) {
			size, ok := payloadSize(insns, pc)
			if !ok {
				return codeErr("payload at 0x%x runs past the end of the code", pc)
			}
			pc += size
			continue
		}
		size := int(info.size)
		if size == 0 {
			return codeErr("unused opcode 0x%02x at 0x%x", op, pc)
		}
		if n-pc < size {
			return codeErr("instruction at 0x%x runs past the end of the code", pc)
		}
		a4, a8 := int(u>>8)&0xf, int(u>>8)
		switch info.act {
		case actNone:
		case actMove:
			c.move(a4, int(u>>12), nregs, info.wide)
		case actMove16From:
			c.move(a8, int(unit(pc+1)), nregs, info.wide)
		case actMove16:
			c.move(int(unit(pc+1)), int(unit(pc+2)), nregs, info.wide)
		case actWriteA:
			c.clobber(a4, nregs, info.wide)
		case actWriteAA:
			c.clobber(a8, nregs, info.wide)
		case actConst4:
			c.set(a4, nregs, ConstInt, int64(int16(u)>>12), false)
		case actConst16:
			c.set(a8, nregs, ConstInt, int64(int16(unit(pc+1))), false)
		case actConst32:
			c.set(a8, nregs, ConstInt, int64(int32(u32(insns, 2*pc+2))), false)
		case actConstHigh16:
			c.set(a8, nregs, ConstInt, int64(int32(uint32(unit(pc+1))<<16)), false)
		case actConstWide16:
			c.set(a8, nregs, ConstInt, int64(int16(unit(pc+1))), true)
		case actConstWide32:
			c.set(a8, nregs, ConstInt, int64(int32(u32(insns, 2*pc+2))), true)
		case actConstWide64:
			v := uint64(u32(insns, 2*pc+2)) | uint64(u32(insns, 2*pc+6))<<32
			c.set(a8, nregs, ConstInt, int64(v), true)
		case actConstWideHigh16:
			c.set(a8, nregs, ConstInt, int64(uint64(unit(pc+1))<<48), true)
		case actConstString, actConstStringJumbo:
			idx := uint32(unit(pc + 1))
			if info.act == actConstStringJumbo {
				idx = u32(insns, 2*pc+2)
			}
			if uint64(idx) >= uint64(len(f.Strings)) {
				return codeErr("const-string at 0x%x: string index %d out of range", pc, idx)
			}
			c.set(a8, nregs, ConstString, int64(idx), false)
			if err := c.addIndex(&c.strs, c.strSeen, idx); err != nil {
				return err
			}
		case actSget, actIget, actPut:
			idx := uint32(unit(pc + 1))
			if int(idx) >= len(f.Fields) {
				return codeErr("field access at 0x%x: field index %d out of range", pc, idx)
			}
			var err error
			switch info.act {
			case actSget:
				c.clobber(a8, nregs, info.wide)
				err = c.addIndex(&c.reads, c.readSeen, idx)
			case actIget:
				c.clobber(a4, nregs, info.wide)
				err = c.addIndex(&c.reads, c.readSeen, idx)
			default:
				err = c.addIndex(&c.writes, c.writeSeen, idx)
			}
			if err != nil {
				return err
			}
		case actInvoke, actInvokeRange:
			method := uint32(unit(pc + 1))
			if int(method) >= len(f.Methods) {
				return codeErr("invoke at 0x%x: method index %d out of range", pc, method)
			}
			var err error
			if info.act == actInvoke {
				count := int(u >> 12)
				if count > 5 {
					return codeErr("invoke at 0x%x: %d arguments", pc, count)
				}
				regs := unit(pc + 2)
				list := [5]int{int(regs) & 0xf, int(regs>>4) & 0xf, int(regs>>8) & 0xf, int(regs >> 12), a4}
				err = c.call(method, list[:count], 0, nregs)
			} else {
				err = c.call(method, nil, int(unit(pc+2)), a8)
			}
			if err != nil {
				return err
			}
		case actFillArrayData:
			if err := c.arrayData(insns, pc, int32(u32(insns, 2*pc+2))); err != nil {
				return err
			}
		}
		pc += size
	}
	return nil
}

// get returns the constant register r holds, if known.
func (c *codeReader) get(r int) Const {
	if r >= len(c.regs) {
		return Const{}
	}
	s := &c.regs[r]
	if s.gen != c.gen {
		return Const{}
	}
	switch s.kind {
	case ConstString:
		return Const{Kind: ConstString, Str: uint32(s.val)}
	case ConstInt:
		return Const{Kind: ConstInt, Int: s.val}
	}
	return Const{}
}

// set records that r holds a constant; a wide constant also takes r+1.
func (c *codeReader) set(r, nregs int, kind ConstKind, val int64, wide bool) {
	if r >= nregs {
		return
	}
	c.clobber(r, nregs, wide)
	c.regs[r] = regSlot{gen: c.gen, kind: kind, wide: wide, val: val}
}

// clobber forgets what r (and r+1 for a wide write) held, and the wide
// constant whose high half was r.
func (c *codeReader) clobber(r, nregs int, wide bool) {
	if r >= nregs {
		return
	}
	if r > 0 && c.regs[r-1].gen == c.gen && c.regs[r-1].wide {
		c.regs[r-1].gen = 0
	}
	c.regs[r].gen = 0
	if wide {
		c.regs[r+1].gen = 0 // regs has one spare slot
	}
}

// move copies what src holds to dst, for the move family.
func (c *codeReader) move(dst, src, nregs int, wide bool) {
	if dst >= nregs {
		return
	}
	if src < nregs && c.regs[src].gen == c.gen && c.regs[src].wide == wide {
		s := c.regs[src]
		c.set(dst, nregs, s.kind, s.val, wide)
		return
	}
	c.clobber(dst, nregs, wide)
}

// addIndex appends idx to list unless the method already listed it.
func (c *codeReader) addIndex(list *[]uint32, seen []uint32, idx uint32) error {
	if seen[idx] == c.gen {
		return nil
	}
	seen[idx] = c.gen
	if err := c.spend(1); err != nil {
		return err
	}
	*list = append(*list, idx)
	return nil
}

// spend counts n fact entries against the file's budget.
func (c *codeReader) spend(n int) error {
	c.out += n
	if c.out > c.budget {
		return limitErr("code: more than %d facts (do methods share code?)", c.budget)
	}
	return nil
}

// call records an invoke. The argument registers are list, or for the
// /range forms count registers from first (list is nil then).
func (c *codeReader) call(method uint32, list []int, first, count int) error {
	if list != nil {
		count = len(list)
	}
	c.args = c.args[:0]
	known := false
	for i := range count {
		r := first + i
		if list != nil {
			r = list[i]
		}
		k := c.get(r)
		known = known || k.Kind != ConstNone
		c.args = append(c.args, k)
	}
	call := Call{Method: method}
	cost := 1
	if known {
		cost += len(c.args)
	}
	if err := c.spend(cost); err != nil {
		return err
	}
	if known {
		call.Args = c.constArena.copy(c.args)
	}
	c.calls = append(c.calls, call)
	return nil
}

// arrayData records the payload of the fill-array-data at pc, which is
// rel code units away.
func (c *codeReader) arrayData(insns []byte, pc int, rel int32) error {
	n := int64(len(insns) / 2)
	t := int64(pc) + int64(rel)
	if t < 0 || t+4 > n || u16(insns, int(2*t)) != fillArrayPayload {
		return codeErr("fill-array-data at 0x%x: no payload at 0x%x", pc, t)
	}
	width, count := u16(insns, int(2*t+2)), u32(insns, int(2*t+4))
	total := uint64(width) * uint64(count)
	start := 2*t + 8
	if uint64(start)+total > uint64(len(insns)) {
		return codeErr("fill-array-data at 0x%x: payload runs past the end of the code", pc)
	}
	if total == 0 || len(c.arrays) >= MaxArrays {
		return nil
	}
	keep := min(total, MaxArrayData)
	if err := c.spend(1 + int(keep)/16); err != nil {
		return err
	}
	c.arrays = append(c.arrays, insns[start:uint64(start)+keep])
	return nil
}

// payloadSize returns the size in code units of the payload at pc, and
// false when it does not fit in the code.
func payloadSize(insns []byte, pc int) (int, bool) {
	rem := uint64(len(insns)/2 - pc)
	if rem < 2 {
		return 0, false
	}
	at := 2 * pc
	var size uint64
	switch u16(insns, at) {
	case packedSwitchPayload: // ident, size, first_key (2), targets (2 each)
		size = 4 + 2*uint64(u16(insns, at+2))
	case sparseSwitchPayload: // ident, size, keys (2 each), targets (2 each)
		size = 2 + 4*uint64(u16(insns, at+2))
	case fillArrayPayload: // ident, element_width, size (2), data padded to units
		if rem < 4 {
			return 0, false
		}
		size = 4 + (uint64(u16(insns, at+2))*uint64(u32(insns, at+4))+1)/2
	}
	if size > rem {
		return 0, false
	}
	return int(size), true
}

// constReturn reports whether the code is exactly one constant load and a
// return of that register, and the constant.
func constReturn(insns []byte) (int64, bool) {
	n := len(insns) / 2
	if n < 2 {
		return 0, false
	}
	u := u16(insns, 0)
	reg := int(u >> 8)
	var (
		size int
		val  int64
		wide bool
	)
	switch op := uint8(u); op {
	case 0x12: // const/4
		size, reg, val = 1, reg&0xf, int64(int16(u)>>12)
	case 0x13, 0x16: // const/16, const-wide/16
		size, val, wide = 2, int64(int16(u16(insns, 2))), op == 0x16
	case 0x14, 0x17: // const, const-wide/32
		if n < 3 {
			return 0, false
		}
		size, val, wide = 3, int64(int32(u32(insns, 2))), op == 0x17
	case 0x15: // const/high16
		size, val = 2, int64(int32(uint32(u16(insns, 2))<<16))
	case 0x18: // const-wide
		if n < 5 {
			return 0, false
		}
		size, val, wide = 5, int64(uint64(u32(insns, 2))|uint64(u32(insns, 6))<<32), true
	case 0x19: // const-wide/high16
		size, val, wide = 2, int64(uint64(u16(insns, 2))<<48), true
	default:
		return 0, false
	}
	if n != size+1 {
		return 0, false
	}
	r := u16(insns, 2*size)
	if int(r>>8) != reg {
		return 0, false
	}
	switch uint8(r) {
	case 0x0f: // return
		return val, !wide
	case 0x10: // return-wide
		return val, wide
	case 0x11: // return-object: only null is a constant object
		return val, !wide && val == 0
	}
	return 0, false
}
