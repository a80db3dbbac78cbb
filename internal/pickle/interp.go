package pickle

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The interpreter keeps a model of the unpickler's stack and memo. Values
// are modeled only as far as resolving names needs: short strings, small
// integers, containers of a few items, imported globals and calls of them.
// Everything else is an opaque "unknown" value.

// vkind is the kind of a modeled value.
type vkind uint8

const (
	vUnknown vkind = iota
	vStr
	vInt
	vNone
	vBool
	vBytes
	vTuple
	vList
	vDict
	vSet
	vGlobal // an imported object: mod, name
	vCall   // the result of calling something: mod, name of the callee ("" if computed), items = args
)

// value is a modeled Python object.
type value struct {
	kind  vkind
	long  bool   // str: only the first maxKeep bytes are kept
	str   string // vStr text; vGlobal and vCall module
	name  string // vGlobal and vCall name
	num   int64
	items []value // vTuple, vList, vSet items; vDict keys and values alternating; vCall args
}

const (
	// maxKeep is the longest string kept: names are far shorter, and
	// longer strings are read past, not held.
	maxKeep = 1024
	// maxItems is the number of items kept per container.
	maxItems = 64
	// maxRetained caps the items held across all containers of a stream.
	maxRetained = 1 << 20
	// unknownName stands for a module or name that could not be resolved.
	unknownName = "unknown"
	// extensionModule names globals imported through the extension
	// registry (EXT1, EXT2, EXT4).
	extensionModule = "copyreg._extension_registry"
)

// Opcodes of the pickle protocols 0 to 5 (pickletools' names).
const (
	opMark            = '('
	opStop            = '.'
	opPop             = '0'
	opPopMark         = '1'
	opDup             = '2'
	opFloat           = 'F'
	opInt             = 'I'
	opBinint          = 'J'
	opBinint1         = 'K'
	opLong            = 'L'
	opBinint2         = 'M'
	opNone            = 'N'
	opPersid          = 'P'
	opBinpersid       = 'Q'
	opReduce          = 'R'
	opString          = 'S'
	opBinstring       = 'T'
	opShortBinstring  = 'U'
	opUnicode         = 'V'
	opBinunicode      = 'X'
	opAppend          = 'a'
	opBuild           = 'b'
	opGlobal          = 'c'
	opDict            = 'd'
	opEmptyDict       = '}'
	opAppends         = 'e'
	opGet             = 'g'
	opBinget          = 'h'
	opInst            = 'i'
	opLongBinget      = 'j'
	opList            = 'l'
	opEmptyList       = ']'
	opObj             = 'o'
	opPut             = 'p'
	opBinput          = 'q'
	opLongBinput      = 'r'
	opSetitem         = 's'
	opTuple           = 't'
	opEmptyTuple      = ')'
	opSetitems        = 'u'
	opBinfloat        = 'G'
	opProto           = 0x80
	opNewobj          = 0x81
	opExt1            = 0x82
	opExt2            = 0x83
	opExt4            = 0x84
	opTuple1          = 0x85
	opTuple2          = 0x86
	opTuple3          = 0x87
	opNewtrue         = 0x88
	opNewfalse        = 0x89
	opLong1           = 0x8a
	opLong4           = 0x8b
	opBinbytes        = 'B'
	opShortBinbytes   = 'C'
	opShortBinunicode = 0x8c
	opBinunicode8     = 0x8d
	opBinbytes8       = 0x8e
	opEmptySet        = 0x8f
	opAdditems        = 0x90
	opFrozenset       = 0x91
	opNewobjEx        = 0x92
	opStackGlobal     = 0x93
	opMemoize         = 0x94
	opFrame           = 0x95
	opBytearray8      = 0x96
	opNextBuffer      = 0x97
	opReadonlyBuffer  = 0x98
)

// opNames names the opcodes that appear in reports and errors.
var opNames = map[byte]string{
	opGlobal: "GLOBAL", opStackGlobal: "STACK_GLOBAL", opInst: "INST", opObj: "OBJ",
	opNewobj: "NEWOBJ", opNewobjEx: "NEWOBJ_EX", opReduce: "REDUCE", opBuild: "BUILD",
	opExt1: "EXT1", opExt2: "EXT2", opExt4: "EXT4",
}

// argSize is the size of the fixed argument of integer opcodes.
var argSize = [256]int{opBinint: 4, opBinint1: 1, opBinint2: 2, opExt1: 1, opExt2: 2, opExt4: 4}

// markKinds is the container each mark-closing opcode builds.
var markKinds = [256]vkind{opDict: vDict, opList: vList, opTuple: vTuple, opFrozenset: vSet}

// validOps marks the bytes that are opcodes.
var validOps = func() (t [256]bool) {
	for _, c := range []byte("(.012FIJKLMNPQRSTUVXabcd}eghijl]opqrst)uGBC") {
		t[c] = true
	}
	for c := opProto; c <= opReadonlyBuffer; c++ {
		t[c] = true
	}
	return t
}()

// opProtocol returns the protocol that introduced opcode op.
func opProtocol(op byte) int {
	switch {
	case op >= opBytearray8:
		return 5
	case op >= opShortBinunicode:
		return 4
	case op == opBinbytes || op == opShortBinbytes:
		return 3
	case op >= opProto:
		return 2
	case strings.IndexByte("JKMGTUXhjqr})]euoQ1b", op) >= 0:
		return 1
	}
	return 0
}

// ScanReader reads one opcode stream to its end: every pickle in it, one
// after another. It returns what it learned even when it stops early; the
// error then says why (wrapping ErrTruncated, ErrMalformed, ErrLimit,
// ErrNotPickle or the reader's error) and Stream.Err holds its text.
func ScanReader(r io.Reader, lim Limits) (Stream, error) {
	s := newScanner(r, lim.withDefaults(), 0)
	err := s.run()
	if err != nil {
		s.st.Err = err.Error()
	}
	return s.st, err
}

// scanner interprets one stream.
type scanner struct {
	r          *bufio.Reader
	off        int64
	lim        Limits
	maxPickles int // stop cleanly after this many pickles; 0: read to EOF
	st         Stream
	seen       map[globalKey]int
	stack      []value
	marks      []int
	memo       *memo
	nested     []frame // outer pickles suspended by joblib's object arrays
	retained   int
	ops        int64  // opcodes of this stream
	work       *int64 // opcodes of this stream and of the pickles nested in it, against MaxOps
	deadline   time.Time
	joblib     bool // a joblib NumpyArrayWrapper was seen
	depth      int  // pickles passed to pickle.loads around this one
	scratch    [8]byte
	buf        [maxKeep]byte
}

// frame is the state of a pickle suspended while a nested one is read.
type frame struct {
	stack []value
	marks []int
	memo  *memo
}

type globalKey struct{ module, name, opcode string }

func newScanner(r io.Reader, lim Limits, maxPickles int) *scanner {
	return newScannerSize(r, 64<<10, lim, maxPickles)
}

func newScannerSize(r io.Reader, buf int, lim Limits, maxPickles int) *scanner {
	return &scanner{
		r:          bufio.NewReaderSize(r, buf),
		lim:        lim,
		maxPickles: maxPickles,
		seen:       map[globalKey]int{},
		memo:       &memo{},
		work:       new(int64),
		deadline:   time.Now().Add(lim.MaxDuration),
	}
}

func (s *scanner) errorf(base error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{base}, args...)...)
}

// run reads pickles until the end of the stream.
func (s *scanner) run() error {
	inPickle := false
	for {
		opOff := s.off
		op, err := s.r.ReadByte()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return fmt.Errorf("read at offset %d: %w", s.off, err)
			}
			if inPickle || len(s.nested) > 0 {
				return s.errorf(ErrTruncated, "stream ends inside pickle %d at offset %d", s.st.Pickles+1, s.off)
			}
			if s.st.Pickles == 0 {
				return s.errorf(ErrNotPickle, "empty stream")
			}
			return nil
		}
		s.off++
		s.ops++
		*s.work++
		if *s.work > s.lim.MaxOps {
			return s.errorf(ErrLimit, "more than %d opcodes", s.lim.MaxOps)
		}
		if *s.work&0xffff == 0 && time.Now().After(s.deadline) {
			return s.errorf(ErrLimit, "scan took longer than %v", s.lim.MaxDuration)
		}
		if !inPickle {
			if s.st.Pickles >= s.lim.MaxPickles {
				return s.errorf(ErrLimit, "more than %d pickles", s.lim.MaxPickles)
			}
			inPickle = true
			s.stack, s.marks = s.stack[:0], s.marks[:0]
			s.memo.reset()
		}
		stop, err := s.step(op, opOff)
		if validOps[op] {
			s.st.Protocol = max(s.st.Protocol, opProtocol(op))
		}
		if err != nil {
			if s.st.Pickles == 0 && s.ops == 1 && (errors.Is(err, ErrMalformed) || errors.Is(err, ErrTruncated)) {
				return fmt.Errorf("%w: %w", ErrNotPickle, err)
			}
			return err
		}
		if stop {
			if n := len(s.nested); n > 0 {
				f := s.nested[n-1]
				s.nested = s.nested[:n-1]
				s.stack, s.marks, s.memo = f.stack, f.marks, f.memo
				continue
			}
			inPickle = false
			s.st.Pickles++
			if s.maxPickles > 0 && s.st.Pickles >= s.maxPickles {
				return nil
			}
		}
	}
}

// step interprets one opcode. It reports whether the opcode ended a pickle.
func (s *scanner) step(op byte, off int64) (bool, error) {
	switch op {
	case opMark:
		if len(s.marks)+len(s.stack) >= s.lim.MaxStack {
			return false, s.errorf(ErrLimit, "stack deeper than %d at offset %d", s.lim.MaxStack, off)
		}
		s.marks = append(s.marks, len(s.stack))
	case opStop:
		if _, err := s.pop(op, off); err != nil {
			return false, err
		}
		return true, nil
	case opPop:
		if len(s.stack) > s.topMark() {
			s.stack = s.stack[:len(s.stack)-1]
		} else if _, err := s.popMark(op, off); err != nil {
			return false, err
		}
	case opPopMark:
		if _, err := s.popMark(op, off); err != nil {
			return false, err
		}
	case opDup:
		v, err := s.top(op, off)
		if err != nil {
			return false, err
		}
		return false, s.push(v, off)
	case opFloat, opInt, opLong:
		line, _, err := s.line(op, off, 64)
		if err != nil {
			return false, err
		}
		v := value{kind: vUnknown}
		text := strings.TrimSuffix(string(line), "L")
		switch {
		case op == opInt && text == "00":
			v = value{kind: vBool}
		case op == opInt && text == "01":
			v = value{kind: vBool, num: 1}
		case op != opFloat:
			if n, err := strconv.ParseInt(text, 10, 64); err == nil {
				v = value{kind: vInt, num: n}
			} else if !isDecimal(text) {
				return false, s.errorf(ErrMalformed, "argument of opcode 0x%02x at offset %d is not an integer", op, off)
			}
		}
		return false, s.push(v, off)
	case opBinint, opBinint1, opBinint2:
		n := argSize[op]
		b, err := s.fixed(op, off, n)
		if err != nil {
			return false, err
		}
		var x int64
		switch n {
		case 1:
			x = int64(b[0])
		case 2:
			x = int64(binary.LittleEndian.Uint16(b))
		default:
			x = int64(int32(binary.LittleEndian.Uint32(b)))
		}
		return false, s.push(value{kind: vInt, num: x}, off)
	case opLong1, opLong4:
		n, err := s.length(op, off)
		if err != nil {
			return false, err
		}
		b, _, err := s.data(op, off, n)
		if err != nil {
			return false, err
		}
		v := value{kind: vUnknown}
		if n <= 8 {
			var x int64
			for i := len(b) - 1; i >= 0; i-- {
				x = x<<8 | int64(b[i])
			}
			if n > 0 && n < 8 && b[n-1]&0x80 != 0 {
				x -= 1 << (8 * n)
			}
			v = value{kind: vInt, num: x}
		}
		return false, s.push(v, off)
	case opNone:
		return false, s.push(value{kind: vNone}, off)
	case opNewtrue:
		return false, s.push(value{kind: vBool, num: 1}, off)
	case opNewfalse:
		return false, s.push(value{kind: vBool}, off)
	case opBinfloat:
		if _, err := s.fixed(op, off, 8); err != nil {
			return false, err
		}
		return false, s.push(value{}, off)
	case opPersid:
		if _, _, err := s.line(op, off, maxKeep); err != nil {
			return false, err
		}
		return false, s.push(value{}, off)
	case opBinpersid:
		if _, err := s.pop(op, off); err != nil {
			return false, err
		}
		return false, s.push(value{}, off)
	case opString:
		line, long, err := s.line(op, off, maxKeep)
		if err != nil {
			return false, err
		}
		str, ok := unquote(line, long)
		if !ok {
			return false, s.errorf(ErrMalformed, "STRING argument at offset %d is not quoted", off)
		}
		return false, s.push(value{kind: vStr, str: str, long: long}, off)
	case opUnicode:
		line, long, err := s.line(op, off, maxKeep)
		if err != nil {
			return false, err
		}
		return false, s.push(value{kind: vStr, str: rawUnicodeEscape(line), long: long}, off)
	case opBinstring, opShortBinstring, opBinunicode, opShortBinunicode, opBinunicode8:
		n, err := s.length(op, off)
		if err != nil {
			return false, err
		}
		b, long, err := s.data(op, off, n)
		if err != nil {
			return false, err
		}
		if (op == opBinunicode || op == opShortBinunicode || op == opBinunicode8) && !long && !utf8.Valid(b) {
			return false, s.errorf(ErrMalformed, "string at offset %d is not UTF-8", off)
		}
		return false, s.push(value{kind: vStr, str: string(b), long: long}, off)
	case opBinbytes, opShortBinbytes, opBinbytes8, opBytearray8:
		n, err := s.length(op, off)
		if err != nil {
			return false, err
		}
		if n > maxKeep {
			if err := s.skip(op, off, n); err != nil {
				return false, err
			}
			return false, s.push(value{kind: vBytes, long: true}, off)
		}
		// Short byte strings are kept: one may be a pickle passed to
		// pickle.loads.
		b, _, err := s.data(op, off, n)
		if err != nil {
			return false, err
		}
		return false, s.push(value{kind: vBytes, str: string(b)}, off)
	case opNextBuffer:
		return false, s.push(value{}, off)
	case opReadonlyBuffer:
		_, err := s.top(op, off)
		return false, err
	case opEmptyDict:
		return false, s.push(value{kind: vDict}, off)
	case opEmptyList:
		return false, s.push(value{kind: vList}, off)
	case opEmptyTuple:
		return false, s.push(value{kind: vTuple}, off)
	case opEmptySet:
		return false, s.push(value{kind: vSet}, off)
	case opDict, opList, opTuple, opFrozenset:
		items, err := s.popMark(op, off)
		if err != nil {
			return false, err
		}
		if op == opDict && len(items)%2 != 0 {
			return false, s.errorf(ErrMalformed, "DICT at offset %d has an odd number of items", off)
		}
		kind := markKinds[op]
		return false, s.push(value{kind: kind, items: s.keep(items)}, off)
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		if len(s.stack)-s.topMark() < n {
			return false, s.underflow(op, off)
		}
		items := s.keep(s.stack[len(s.stack)-n:])
		s.stack = s.stack[:len(s.stack)-n]
		return false, s.push(value{kind: vTuple, items: items}, off)
	case opAppend, opSetitem:
		n := 1
		if op == opSetitem {
			n = 2
		}
		if len(s.stack)-s.topMark() < n+1 {
			return false, s.underflow(op, off)
		}
		items := s.stack[len(s.stack)-n:]
		s.stack = s.stack[:len(s.stack)-n]
		s.extend(items)
	case opAppends, opSetitems, opAdditems:
		items, err := s.popMark(op, off)
		if err != nil {
			return false, err
		}
		if len(s.stack)-s.topMark() < 1 {
			return false, s.underflow(op, off)
		}
		if op == opSetitems && len(items)%2 != 0 {
			return false, s.errorf(ErrMalformed, "SETITEMS at offset %d has an odd number of items", off)
		}
		s.extend(items)
	case opGet, opBinget, opLongBinget, opPut, opBinput, opLongBinput, opMemoize:
		return false, s.memoOp(op, off)
	case opGlobal, opInst:
		mod, err := s.nameLine(op, off)
		if err != nil {
			return false, err
		}
		name, err := s.nameLine(op, off)
		if err != nil {
			return false, err
		}
		g := s.report(mod, name, op, off, "")
		if op == opGlobal {
			return false, s.push(g, off)
		}
		args, err := s.popMark(op, off)
		if err != nil {
			return false, err
		}
		return false, s.push(call(g, s.keep(args)), off)
	case opStackGlobal:
		if len(s.stack)-s.topMark() < 2 {
			return false, s.underflow(op, off)
		}
		m, n := s.stack[len(s.stack)-2], s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-2]
		mod, name := nameOf(m), nameOf(n)
		note := ""
		switch {
		case mod == unknownName && name == unknownName:
			note = "could not resolve module and name"
		case mod == unknownName || m.kind != vStr || m.long:
			note = "could not resolve module"
		case name == unknownName || n.kind != vStr || n.long:
			note = "could not resolve name"
		}
		return false, s.push(s.report(mod, name, op, off, note), off)
	case opExt1, opExt2, opExt4:
		n := argSize[op]
		b, err := s.fixed(op, off, n)
		if err != nil {
			return false, err
		}
		var code uint32
		for i := n - 1; i >= 0; i-- {
			code = code<<8 | uint32(b[i])
		}
		g := s.report(extensionModule, strconv.FormatUint(uint64(code), 10), op, off, "extension code not registered by default")
		return false, s.push(g, off)
	case opReduce, opNewobj:
		if len(s.stack)-s.topMark() < 2 {
			return false, s.underflow(op, off)
		}
		f, args := s.stack[len(s.stack)-2], s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-2]
		return false, s.push(s.call(f, args.items, op, off), off)
	case opNewobjEx:
		if len(s.stack)-s.topMark() < 3 {
			return false, s.underflow(op, off)
		}
		f, args := s.stack[len(s.stack)-3], s.stack[len(s.stack)-2]
		s.stack = s.stack[:len(s.stack)-3]
		return false, s.push(s.call(f, args.items, op, off), off)
	case opObj:
		items, err := s.popMark(op, off)
		if err != nil {
			return false, err
		}
		if len(items) < 1 {
			return false, s.underflow(op, off)
		}
		return false, s.push(s.call(items[0], s.keep(items[1:]), op, off), off)
	case opBuild:
		if len(s.stack)-s.topMark() < 2 {
			return false, s.underflow(op, off)
		}
		obj, state := s.stack[len(s.stack)-2], s.stack[len(s.stack)-1]
		s.stack = s.stack[:len(s.stack)-1]
		return false, s.build(obj, state, off)
	case opProto:
		b, err := s.fixed(op, off, 1)
		if err != nil {
			return false, err
		}
		if b[0] > 5 {
			return false, s.errorf(ErrMalformed, "unsupported protocol %d at offset %d", b[0], off)
		}
		s.st.Protocol = max(s.st.Protocol, int(b[0]))
	case opFrame:
		// Frames only group opcodes for buffering; their content is read
		// as the opcodes it holds.
		if _, err := s.fixed(op, off, 8); err != nil {
			return false, err
		}
	default:
		return false, s.errorf(ErrMalformed, "malformed opcode 0x%02x at offset %d", op, off)
	}
	return false, nil
}

// call models calling f with args: a callee that is not an imported
// global is reported, since what it is could not be known.
func (s *scanner) call(f value, args []value, op byte, off int64) value {
	if f.kind != vGlobal {
		note := "calls a computed value"
		mod, name := unknownName, unknownName
		if f.kind == vCall && f.str != "" {
			// The result of calling an import: name it after the import.
			mod, name = f.str, f.name+"()"
		}
		g := s.report(mod, name, op, off, note)
		return call(g, args)
	}
	switch normalize(f.str, f.name) {
	case "pickle.loads", "pickle._loads":
		if len(args) > 0 && args[0].kind == vBytes && !args[0].long {
			s.nestedLoads(args[0].str, op, off)
		}
	case "codecs.encode":
		// How protocol 2 carries bytes: encode(text, "latin1").
		if b, ok := encodeLatin1(args); ok {
			return value{kind: vBytes, str: b}
		}
	}
	return call(f, args)
}

// maxNestedLoads bounds pickles inside pickles.
const maxNestedLoads = 4

// nestedLoads scans a pickle that the stream passes to pickle.loads and
// reports its globals at the offset of the call.
func (s *scanner) nestedLoads(data string, op byte, off int64) {
	if s.depth >= maxNestedLoads {
		s.report(unknownName, unknownName, op, off, "pickles nested too deep: not read")
		return
	}
	sub := newScannerSize(strings.NewReader(data), len(data), s.lim, 0)
	sub.depth = s.depth + 1
	sub.work, sub.deadline = s.work, s.deadline // one budget for the stream and what it nests
	if err := sub.run(); errors.Is(err, ErrLimit) {
		s.report(unknownName, unknownName, op, off, "pickle passed to pickle.loads: "+err.Error())
	}
	for _, g := range sub.st.Globals {
		s.report(g.Module, g.Name, op, off, "inside a pickle passed to pickle.loads", g.Safety)
	}
}

// encodeLatin1 models codecs.encode(text, encoding) for the encodings
// pickle uses: latin-1 (protocol 2's bytes) and the default UTF-8.
func encodeLatin1(args []value) (string, bool) {
	if len(args) == 0 || args[0].kind != vStr || args[0].long {
		return "", false
	}
	enc := "utf-8"
	if len(args) > 1 {
		if args[1].kind != vStr {
			return "", false
		}
		enc = strings.ToLower(strings.ReplaceAll(args[1].str, "_", "-"))
	}
	switch enc {
	case "utf-8", "utf8":
		return args[0].str, true
	case "latin1", "latin-1", "iso-8859-1", "l1":
		b := make([]byte, 0, len(args[0].str))
		for _, r := range args[0].str {
			if r > 0xff {
				return "", false
			}
			b = append(b, byte(r))
		}
		return string(b), true
	}
	return "", false
}

func call(f value, args []value) value {
	v := value{kind: vCall, items: args}
	if f.kind == vGlobal {
		v.str, v.name = f.str, f.name
	}
	return v
}

// build models BUILD: obj is updated with state. When obj is an imported
// object itself (a module or a class, not an instance), BUILD rewrites its
// attributes, which other imports then see: that is reported as dangerous.
func (s *scanner) build(obj, state value, off int64) error {
	if obj.kind == vGlobal {
		s.report(obj.str, obj.name, opBuild, off, "sets attributes of an imported object", Dangerous)
		return nil
	}
	if isWrapperCall(obj) {
		s.joblib = true
		return s.joblibArray(state, off)
	}
	return nil
}

// report records a global and returns it as a value.
func (s *scanner) report(mod, name string, op byte, off int64, note string, floor ...Safety) value {
	opName := opNames[op]
	k := globalKey{mod, name, opName}
	safety := Classify(mod, name)
	if note != "" {
		safety = max(safety, Suspicious)
	}
	for _, f := range floor {
		safety = max(safety, f)
	}
	if i, ok := s.seen[k]; ok {
		s.st.Globals[i].Safety = max(s.st.Globals[i].Safety, safety)
	} else if len(s.st.Globals) < s.lim.MaxGlobals {
		s.seen[k] = len(s.st.Globals)
		s.st.Globals = append(s.st.Globals, Global{Module: mod, Name: name, Safety: safety, Opcode: opName, Offset: off, Note: note})
	} else {
		// Past MaxGlobals, one last entry stands for the rest and carries
		// their worst safety.
		if len(s.st.Globals) == s.lim.MaxGlobals {
			s.st.Globals = append(s.st.Globals, Global{Module: unknownName, Name: unknownName, Safety: Suspicious,
				Opcode: opName, Offset: off, Note: fmt.Sprintf("more than %d distinct globals: the rest are not listed", s.lim.MaxGlobals)})
		}
		last := &s.st.Globals[len(s.st.Globals)-1]
		last.Safety = max(last.Safety, safety)
	}
	return value{kind: vGlobal, str: mod, name: name}
}

// nameOf renders a STACK_GLOBAL argument: a string as itself, a small
// integer as its decimal form (Python would refuse it), anything else as
// unknownName.
func nameOf(v value) string {
	switch v.kind {
	case vStr:
		if v.str == "" {
			return unknownName
		}
		return v.str
	case vInt:
		return strconv.FormatInt(v.num, 10)
	}
	return unknownName
}

func (s *scanner) memoOp(op byte, off int64) error {
	var key uint64
	switch op {
	case opGet, opPut:
		line, _, err := s.line(op, off, 32)
		if err != nil {
			return err
		}
		k, err := strconv.ParseUint(string(line), 10, 64)
		if err != nil {
			return s.errorf(ErrMalformed, "memo key at offset %d is not a number", off)
		}
		key = k
	case opBinget, opBinput:
		b, err := s.fixed(op, off, 1)
		if err != nil {
			return err
		}
		key = uint64(b[0])
	case opLongBinget, opLongBinput:
		b, err := s.fixed(op, off, 4)
		if err != nil {
			return err
		}
		key = uint64(binary.LittleEndian.Uint32(b))
	case opMemoize:
		key = uint64(s.memo.n)
	}
	switch op {
	case opGet, opBinget, opLongBinget:
		// A missing key stops Python's unpickler; an unknown value keeps
		// the scan going, so that what follows is still seen.
		v, ok := s.memo.get(key)
		if !ok {
			v = value{}
		}
		return s.push(v, off)
	}
	v, err := s.top(op, off)
	if err != nil {
		return err
	}
	if _, ok := s.memo.get(key); !ok && s.memo.n >= s.lim.MaxMemo {
		return s.errorf(ErrLimit, "more than %d memo entries at offset %d", s.lim.MaxMemo, off)
	}
	s.memo.put(key, v)
	return nil
}

// memo is the unpickler's memo: keys are dense in practice (MEMOIZE
// numbers them in order), so small keys live in a slice, others in a map.
type memo struct {
	dense  []value
	set    []bool
	sparse map[uint64]value
	n      int // entries
}

func (m *memo) reset() {
	m.dense, m.set, m.n = m.dense[:0], m.set[:0], 0
	clear(m.sparse)
}

func (m *memo) get(k uint64) (value, bool) {
	if k < uint64(len(m.dense)) {
		return m.dense[k], m.set[k]
	}
	v, ok := m.sparse[k]
	return v, ok
}

func (m *memo) put(k uint64, v value) {
	if k < uint64(len(m.dense)) {
		if !m.set[k] {
			m.n++
		}
		m.dense[k], m.set[k] = v, true
		return
	}
	if k == uint64(len(m.dense)) {
		if _, ok := m.sparse[k]; ok {
			delete(m.sparse, k)
			m.n--
		}
		m.dense, m.set = append(m.dense, v), append(m.set, true)
		m.n++
		return
	}
	if m.sparse == nil {
		m.sparse = map[uint64]value{}
	}
	if _, ok := m.sparse[k]; !ok {
		m.n++
	}
	m.sparse[k] = v
}

// keep copies up to maxItems items for a new container, within the
// stream's budget of retained items.
func (s *scanner) keep(items []value) []value {
	n := min(len(items), maxItems)
	if n == 0 || s.retained+n > maxRetained {
		return nil
	}
	s.retained += n
	return append([]value(nil), items[:n]...)
}

// extend adds items to the container on top of the stack.
func (s *scanner) extend(items []value) {
	t := &s.stack[len(s.stack)-1]
	switch t.kind {
	case vList, vDict, vSet:
	default:
		return
	}
	n := min(len(items), maxItems-len(t.items))
	if t.kind == vDict {
		n &^= 1
	}
	if n <= 0 || s.retained+n > maxRetained {
		return
	}
	s.retained += n
	t.items = append(t.items[:len(t.items):len(t.items)], items[:n]...)
}

func (s *scanner) topMark() int {
	if len(s.marks) == 0 {
		return 0
	}
	return s.marks[len(s.marks)-1]
}

func (s *scanner) push(v value, off int64) error {
	if len(s.stack)+len(s.marks) >= s.lim.MaxStack {
		return s.errorf(ErrLimit, "stack deeper than %d at offset %d", s.lim.MaxStack, off)
	}
	s.stack = append(s.stack, v)
	return nil
}

func (s *scanner) underflow(op byte, off int64) error {
	return s.errorf(ErrMalformed, "stack underflow at opcode 0x%02x at offset %d", op, off)
}

func (s *scanner) pop(op byte, off int64) (value, error) {
	if len(s.stack) <= s.topMark() {
		return value{}, s.underflow(op, off)
	}
	v := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	return v, nil
}

func (s *scanner) top(op byte, off int64) (value, error) {
	if len(s.stack) <= s.topMark() {
		return value{}, s.underflow(op, off)
	}
	return s.stack[len(s.stack)-1], nil
}

// popMark removes the topmost mark and returns the items above it. The
// slice aliases the stack: callers copy what they keep.
func (s *scanner) popMark(op byte, off int64) ([]value, error) {
	if len(s.marks) == 0 {
		return nil, s.errorf(ErrMalformed, "no mark for opcode 0x%02x at offset %d", op, off)
	}
	m := s.marks[len(s.marks)-1]
	s.marks = s.marks[:len(s.marks)-1]
	items := s.stack[m:]
	s.stack = s.stack[:m]
	return items, nil
}

// fixed reads an argument of n ≤ 8 bytes.
func (s *scanner) fixed(op byte, off int64, n int) ([]byte, error) {
	b := s.scratch[:n]
	if _, err := io.ReadFull(s.r, b); err != nil {
		return nil, s.cut(op, off, err)
	}
	s.off += int64(n)
	return b, nil
}

func (s *scanner) cut(op byte, off int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return s.errorf(ErrTruncated, "stream ends inside opcode 0x%02x at offset %d", op, off)
	}
	return fmt.Errorf("read at offset %d: %w", s.off, err)
}

// length reads the length prefix of a counted argument.
func (s *scanner) length(op byte, off int64) (uint64, error) {
	switch op {
	case opShortBinstring, opShortBinunicode, opShortBinbytes, opLong1:
		b, err := s.fixed(op, off, 1)
		if err != nil {
			return 0, err
		}
		return uint64(b[0]), nil
	case opBinstring, opLong4:
		b, err := s.fixed(op, off, 4)
		if err != nil {
			return 0, err
		}
		n := int32(binary.LittleEndian.Uint32(b))
		if n < 0 {
			return 0, s.errorf(ErrMalformed, "negative length at offset %d", off)
		}
		return uint64(n), nil
	case opBinunicode, opBinbytes:
		b, err := s.fixed(op, off, 4)
		if err != nil {
			return 0, err
		}
		return uint64(binary.LittleEndian.Uint32(b)), nil
	}
	b, err := s.fixed(op, off, 8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// data reads a counted argument of n bytes: the first maxKeep are
// returned, the rest discarded (long reports that). The bytes are valid
// until the next call.
func (s *scanner) data(op byte, off int64, n uint64) ([]byte, bool, error) {
	k := min(n, maxKeep)
	b := s.buf[:k]
	if _, err := io.ReadFull(s.r, b); err != nil {
		return nil, false, s.cut(op, off, err)
	}
	s.off += int64(k)
	if err := s.skip(op, off, n-k); err != nil {
		return nil, false, err
	}
	return b, n > k, nil
}

// skip discards n bytes of payload without holding them.
func (s *scanner) skip(op byte, off int64, n uint64) error {
	if n > math.MaxInt64-uint64(s.off) {
		return s.errorf(ErrTruncated, "length %d at offset %d is past any stream", n, off)
	}
	for n > 0 {
		chunk := int(min(n, 1<<30))
		d, err := s.r.Discard(chunk)
		s.off += int64(d)
		n -= uint64(d)
		if err != nil {
			return s.cut(op, off, err)
		}
	}
	return nil
}

// line reads a newline-terminated argument; the first max bytes are
// returned without the newline, the rest is read past (long reports that).
func (s *scanner) line(op byte, off int64, max int) ([]byte, bool, error) {
	var out []byte
	long := false
	for {
		chunk, err := s.r.ReadSlice('\n')
		s.off += int64(len(chunk))
		if err == nil {
			chunk = chunk[:len(chunk)-1]
		}
		if room := max - len(out); len(chunk) > room {
			long = true
			chunk = chunk[:room]
		}
		out = append(out, chunk...)
		switch {
		case err == nil:
			return out, long, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, false, s.cut(op, off, err)
		}
	}
}

// nameLine reads a module or name line of GLOBAL or INST: Python decodes
// it as UTF-8 and refuses it otherwise.
func (s *scanner) nameLine(op byte, off int64) (string, error) {
	b, long, err := s.line(op, off, maxKeep)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) || len(b) == 0 {
		return "", s.errorf(ErrMalformed, "name of %s at offset %d is not UTF-8 text", opNames[op], off)
	}
	if long {
		return string(b) + "…", nil
	}
	return string(b), nil
}

func isDecimal(t string) bool {
	t = strings.TrimLeft(t, "+-")
	if t == "" {
		return false
	}
	for _, c := range []byte(t) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// unquote decodes the argument of STRING, a Python repr of a byte string.
func unquote(b []byte, long bool) (string, bool) {
	if len(b) < 2 || (b[0] != '\'' && b[0] != '"') {
		return "", false
	}
	if !long {
		if b[len(b)-1] != b[0] {
			return "", false
		}
		b = b[1 : len(b)-1]
	} else {
		b = b[1:]
	}
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c != '\\' || i+1 >= len(b) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch b[i] {
		case 'n':
			sb.WriteByte('\n')
		case 't':
			sb.WriteByte('\t')
		case 'r':
			sb.WriteByte('\r')
		case '0':
			sb.WriteByte(0)
		case 'x':
			if i+2 < len(b) {
				if x, err := strconv.ParseUint(string(b[i+1:i+3]), 16, 8); err == nil {
					sb.WriteByte(byte(x))
					i += 2
					continue
				}
			}
			sb.WriteString(`\x`)
		default:
			sb.WriteByte(b[i])
		}
	}
	return sb.String(), true
}

// rawUnicodeEscape decodes the argument of UNICODE: \uXXXX and \UXXXXXXXX
// escapes, every other byte as Latin-1.
func rawUnicodeEscape(b []byte) string {
	var sb strings.Builder
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) && (b[i+1] == 'u' || b[i+1] == 'U') {
			n := 4
			if b[i+1] == 'U' {
				n = 8
			}
			if i+2+n <= len(b) {
				if x, err := strconv.ParseUint(string(b[i+2:i+2+n]), 16, 32); err == nil && x <= utf8.MaxRune {
					sb.WriteRune(rune(x))
					i += 1 + n
					continue
				}
			}
		}
		sb.WriteRune(rune(b[i]))
	}
	return sb.String()
}
