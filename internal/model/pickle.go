package model

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// Pickles are recognized by running the opcode stream of the head through
// a model of the unpickler's stack and memo: every opcode must exist, every
// argument be well formed and inside the file, every opcode find on the
// stack what it consumes, and every memo read find a key stored before. Protocols 2 and later start with PROTO (0x80); the
// text protocols 0 and 1 have no header, so they must show more structure
// (see identifyPickle). The opcode table is shared with the deep pickle
// scanner to come.

// pickleArg says how an opcode's argument is encoded.
type pickleArg uint8

const (
	argNone      pickleArg = iota
	argU8                  // 1 byte
	argU16                 // 2 bytes
	argI32                 // 4 bytes
	argF64                 // 8 bytes
	argLen8                // 1-byte length, then data
	argLen32               // 4-byte length, then data
	argLen64               // 8-byte length, then data
	argUTF8Len8            // like argLen8, data is UTF-8
	argUTF8Len32           // like argLen32, data is UTF-8
	argUTF8Len64           // like argLen64, data is UTF-8
	argDecimal             // decimal integer line
	argLong                // decimal integer line, optional trailing L
	argFloat               // float literal line
	argQuoted              // quoted string line (repr)
	argLine                // any line (raw-unicode-escape, persistent id)
	argGlobal              // two lines: module and name
	argFrame               // 8-byte frame length (no data of its own)
	argProto               // 1-byte protocol number
)

// pickleStack says what an opcode does to the unpickler's stack.
type pickleStack uint8

const (
	stackNone       pickleStack = iota
	stackPush                   // pushes one item
	stackNeedKeep               // needs n items, leaves them (PUT, MEMOIZE, BINPERSID)
	stackReduce                 // needs n items, leaves one in their place
	stackDup                    // needs one, pushes a copy
	stackPop                    // POP: an item, or else the topmost mark
	stackMark                   // MARK
	stackPopMark                // POP_MARK: back to the topmost mark
	stackBuildMark              // LIST, TUPLE, DICT, FROZENSET, INST, OBJ: items since the mark become one
	stackExtendMark             // APPENDS, SETITEMS, ADDITEMS: items since the mark go into the item below it
	stackStop                   // STOP
)

// pickleOp describes one opcode.
type pickleOp struct {
	name  string
	arg   pickleArg
	stack pickleStack
	n     int // items needed for stackNeedKeep and stackReduce
}

// pickleOps is indexed by opcode byte; unnamed entries are not opcodes.
var pickleOps = [256]pickleOp{
	'(':  {"MARK", argNone, stackMark, 0},
	'.':  {"STOP", argNone, stackStop, 0},
	'0':  {"POP", argNone, stackPop, 0},
	'1':  {"POP_MARK", argNone, stackPopMark, 0},
	'2':  {"DUP", argNone, stackDup, 1},
	'F':  {"FLOAT", argFloat, stackPush, 0},
	'I':  {"INT", argDecimal, stackPush, 0},
	'J':  {"BININT", argI32, stackPush, 0},
	'K':  {"BININT1", argU8, stackPush, 0},
	'L':  {"LONG", argLong, stackPush, 0},
	'M':  {"BININT2", argU16, stackPush, 0},
	'N':  {"NONE", argNone, stackPush, 0},
	'P':  {"PERSID", argLine, stackPush, 0},
	'Q':  {"BINPERSID", argNone, stackReduce, 1},
	'R':  {"REDUCE", argNone, stackReduce, 2},
	'S':  {"STRING", argQuoted, stackPush, 0},
	'T':  {"BINSTRING", argLen32, stackPush, 0},
	'U':  {"SHORT_BINSTRING", argLen8, stackPush, 0},
	'V':  {"UNICODE", argLine, stackPush, 0},
	'X':  {"BINUNICODE", argUTF8Len32, stackPush, 0},
	'a':  {"APPEND", argNone, stackReduce, 2},
	'b':  {"BUILD", argNone, stackReduce, 2},
	'c':  {"GLOBAL", argGlobal, stackPush, 0},
	'd':  {"DICT", argNone, stackBuildMark, 0},
	'}':  {"EMPTY_DICT", argNone, stackPush, 0},
	'e':  {"APPENDS", argNone, stackExtendMark, 0},
	'g':  {"GET", argDecimal, stackPush, 0},
	'h':  {"BINGET", argU8, stackPush, 0},
	'i':  {"INST", argGlobal, stackBuildMark, 0},
	'j':  {"LONG_BINGET", argI32, stackPush, 0},
	'l':  {"LIST", argNone, stackBuildMark, 0},
	']':  {"EMPTY_LIST", argNone, stackPush, 0},
	'o':  {"OBJ", argNone, stackBuildMark, 1},
	'p':  {"PUT", argDecimal, stackNeedKeep, 1},
	'q':  {"BINPUT", argU8, stackNeedKeep, 1},
	'r':  {"LONG_BINPUT", argI32, stackNeedKeep, 1},
	's':  {"SETITEM", argNone, stackReduce, 3},
	't':  {"TUPLE", argNone, stackBuildMark, 0},
	')':  {"EMPTY_TUPLE", argNone, stackPush, 0},
	'u':  {"SETITEMS", argNone, stackExtendMark, 0},
	'G':  {"BINFLOAT", argF64, stackPush, 0},
	0x80: {"PROTO", argProto, stackNone, 0},
	0x81: {"NEWOBJ", argNone, stackReduce, 2},
	0x82: {"EXT1", argU8, stackPush, 0},
	0x83: {"EXT2", argU16, stackPush, 0},
	0x84: {"EXT4", argI32, stackPush, 0},
	0x85: {"TUPLE1", argNone, stackReduce, 1},
	0x86: {"TUPLE2", argNone, stackReduce, 2},
	0x87: {"TUPLE3", argNone, stackReduce, 3},
	0x88: {"NEWTRUE", argNone, stackPush, 0},
	0x89: {"NEWFALSE", argNone, stackPush, 0},
	0x8a: {"LONG1", argLen8, stackPush, 0},
	0x8b: {"LONG4", argLen32, stackPush, 0},
	'B':  {"BINBYTES", argLen32, stackPush, 0},
	'C':  {"SHORT_BINBYTES", argLen8, stackPush, 0},
	0x8c: {"SHORT_BINUNICODE", argUTF8Len8, stackPush, 0},
	0x8d: {"BINUNICODE8", argUTF8Len64, stackPush, 0},
	0x8e: {"BINBYTES8", argLen64, stackPush, 0},
	0x8f: {"EMPTY_SET", argNone, stackPush, 0},
	0x90: {"ADDITEMS", argNone, stackExtendMark, 0},
	0x91: {"FROZENSET", argNone, stackBuildMark, 0},
	0x92: {"NEWOBJ_EX", argNone, stackReduce, 3},
	0x93: {"STACK_GLOBAL", argNone, stackReduce, 2},
	0x94: {"MEMOIZE", argNone, stackNeedKeep, 1},
	0x95: {"FRAME", argFrame, stackNone, 0},
	0x96: {"BYTEARRAY8", argLen64, stackPush, 0},
	0x97: {"NEXT_BUFFER", argNone, stackPush, 0},
	0x98: {"READONLY_BUFFER", argNone, stackNeedKeep, 1},
}

// pickleProtocols maps each opcode byte to the protocol that introduced it.
var pickleProtocols = func() (t [256]int8) {
	for i := range t {
		t[i] = int8(pickleOpProtocol(byte(i)))
	}
	return t
}()

// pickleOpProtocol returns the protocol that introduced opcode op.
func pickleOpProtocol(op byte) int {
	switch {
	case op >= 0x96:
		return 5
	case op >= 0x8c:
		return 4
	case op == 'B' || op == 'C':
		return 3
	case op >= 0x80:
		return 2
	case bytes.IndexByte([]byte("JKMGTUXhjqr})]euoQ1"), op) >= 0:
		return 1
	}
	return 0
}

// maxPickleMarks bounds the mark stack of the walk: real pickles nest far
// less deeply.
const maxPickleMarks = 1 << 12

// pickleWalk is the outcome of walking an opcode stream.
type pickleWalk struct {
	ops      int  // opcodes accepted
	stopped  bool // STOP reached with an item to return
	stopEnd  int  // offset after STOP
	cut      bool // the head ended, consistently, before the file did
	invalid  bool // an opcode, argument or stack effect was impossible
	globals  int  // GLOBAL, INST and STACK_GLOBAL opcodes accepted
	named    int  // GLOBAL and INST opcodes accepted: their names are text
	balanced bool // STOP left exactly one item and no mark
	protocol int  // PROTO argument, or -1
	maxProto int  // highest protocol among the opcodes seen
}

// walkPickle runs the opcode stream of head (the start of a file of size
// bytes) until STOP, the end of the head, or an impossible opcode.
func walkPickle(head []byte, size int64) pickleWalk {
	w := pickleWalk{protocol: -1}
	depth := 0 // items since the topmost mark
	var marks []int
	memo := map[uint64]bool{} // keys stored by PUT and MEMOIZE; at most one per opcode of the head
	off := 0
	for off < len(head) {
		op := &pickleOps[head[off]]
		if op.name == "" {
			w.invalid = true
			return w
		}
		w.maxProto = max(w.maxProto, int(pickleProtocols[head[off]]))
		next, st := pickleArgEnd(head, off+1, op.arg, size)
		switch st {
		case argCut:
			w.cut = true
			return w
		case argBad:
			w.invalid = true
			return w
		}
		if op.arg == argProto {
			if w.ops > 0 && w.protocol >= 0 || head[off+1] > 5 {
				// PROTO appears once, first; protocols go up to 5.
				w.invalid = true
				return w
			}
			w.protocol = int(head[off+1])
		}
		if !pickleMemo(head[off], head[off+1:next], memo) {
			w.invalid = true
			return w
		}
		switch op.stack {
		case stackPush:
			depth++
		case stackNeedKeep:
			if depth < op.n {
				w.invalid = true
				return w
			}
		case stackReduce:
			if depth < op.n {
				w.invalid = true
				return w
			}
			depth -= op.n - 1
		case stackDup:
			if depth < 1 {
				w.invalid = true
				return w
			}
			depth++
		case stackPop:
			switch {
			case depth > 0:
				depth--
			case len(marks) > 0:
				depth, marks = marks[len(marks)-1], marks[:len(marks)-1]
			default:
				w.invalid = true
				return w
			}
		case stackMark:
			if len(marks) >= maxPickleMarks {
				w.invalid = true
				return w
			}
			marks = append(marks, depth)
			depth = 0
		case stackPopMark, stackBuildMark, stackExtendMark:
			if len(marks) == 0 || depth < op.n {
				w.invalid = true
				return w
			}
			depth, marks = marks[len(marks)-1], marks[:len(marks)-1]
			switch op.stack {
			case stackBuildMark:
				depth++
			case stackExtendMark:
				if depth < 1 {
					w.invalid = true
					return w
				}
			}
		case stackStop:
			if depth < 1 {
				w.invalid = true
				return w
			}
			w.ops++
			w.stopped, w.stopEnd = true, next
			w.balanced = depth == 1 && len(marks) == 0
			return w
		}
		if op.arg == argGlobal {
			w.named++
		}
		if op.arg == argGlobal || head[off] == 0x93 {
			w.globals++
		}
		w.ops++
		off = next
	}
	w.cut = int64(len(head)) < size
	w.invalid = !w.cut
	return w
}

// pickleMemo applies the memo opcodes to memo: PUT, BINPUT, LONG_BINPUT
// and MEMOIZE store a key, GET, BINGET and LONG_BINGET must find theirs, as
// the unpickler requires. arg is the opcode's argument.
func pickleMemo(op byte, arg []byte, memo map[uint64]bool) bool {
	var key uint64
	switch op {
	case 'p', 'g': // decimal line
		v, err := strconv.ParseUint(string(bytes.TrimSuffix(arg, []byte("\n"))), 10, 64)
		if err != nil {
			return false
		}
		key = v
	case 'q', 'h':
		key = uint64(arg[0])
	case 'r', 'j':
		key = uint64(binary.LittleEndian.Uint32(arg))
	case 0x94:
		key = uint64(len(memo))
	default:
		return true
	}
	switch op {
	case 'g', 'h', 'j':
		return memo[key]
	}
	memo[key] = true
	return true
}

// Outcomes of reading an argument.
const (
	argOK = iota
	argCut
	argBad
)

// pickleArgEnd returns the offset after the argument of kind a starting at
// off, argCut when the head ends inside an argument that the file may
// complete, or argBad.
func pickleArgEnd(head []byte, off int, a pickleArg, size int64) (int, int) {
	rest := size - int64(off) // bytes of the file from off
	fixed := func(n int) (int, int) {
		if int64(n) > rest {
			return 0, argBad
		}
		if off+n > len(head) {
			return 0, argCut
		}
		return off + n, argOK
	}
	data := func(hdr int, n uint64, utf bool) (int, int) {
		if n > uint64(rest) || int64(hdr)+int64(n) > rest {
			return 0, argBad
		}
		end := off + hdr + int(n)
		if end > len(head) {
			return 0, argCut
		}
		if utf && !utf8.Valid(head[off+hdr:end]) {
			return 0, argBad
		}
		return end, argOK
	}
	switch a {
	case argNone:
		return off, argOK
	case argU8, argProto:
		return fixed(1)
	case argU16:
		return fixed(2)
	case argI32:
		return fixed(4)
	case argF64, argFrame:
		end, st := fixed(8)
		if st == argOK && a == argFrame && binary.LittleEndian.Uint64(head[off:]) > uint64(rest) {
			return 0, argBad
		}
		return end, st
	case argLen8, argUTF8Len8:
		if _, st := fixed(1); st != argOK {
			return 0, st
		}
		return data(1, uint64(head[off]), a == argUTF8Len8)
	case argLen32, argUTF8Len32:
		if _, st := fixed(4); st != argOK {
			return 0, st
		}
		n := binary.LittleEndian.Uint32(head[off:])
		if int32(n) < 0 {
			return 0, argBad
		}
		return data(4, uint64(n), a == argUTF8Len32)
	case argLen64, argUTF8Len64:
		if _, st := fixed(8); st != argOK {
			return 0, st
		}
		return data(8, binary.LittleEndian.Uint64(head[off:]), a == argUTF8Len64)
	case argGlobal:
		end, st := pickleLine(head, off, rest, isDottedName)
		if st != argOK {
			return 0, st
		}
		return pickleLine(head, end, size-int64(end), isDottedName)
	case argDecimal:
		return pickleLine(head, off, rest, isDecimalLine)
	case argLong:
		return pickleLine(head, off, rest, func(b []byte) bool {
			return isDecimalLine(bytes.TrimSuffix(b, []byte("L")))
		})
	case argFloat:
		return pickleLine(head, off, rest, isFloatLine)
	case argQuoted:
		return pickleLine(head, off, rest, isQuotedLine)
	case argLine:
		return pickleLine(head, off, rest, func([]byte) bool { return true })
	}
	return 0, argBad
}

// pickleLine reads a newline-terminated argument and checks it with ok.
func pickleLine(head []byte, off int, rest int64, ok func([]byte) bool) (int, int) {
	i := bytes.IndexByte(head[min(off, len(head)):], '\n')
	if i < 0 {
		if int64(len(head)-off) < rest {
			return 0, argCut
		}
		return 0, argBad
	}
	if !ok(head[off : off+i]) {
		return 0, argBad
	}
	return off + i + 1, argOK
}

// isDottedName reports a Python module or qualified name.
func isDottedName(b []byte) bool {
	if len(b) == 0 || len(b) > 256 || isDigit(b[0]) {
		return false
	}
	for _, c := range b {
		if !isIdentByte(c) && c != '.' {
			return false
		}
	}
	return true
}

func isDecimalLine(b []byte) bool {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 4096 {
		return false
	}
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

func isFloatLine(b []byte) bool {
	if len(b) == 0 || len(b) > 64 {
		return false
	}
	_, err := strconv.ParseFloat(string(b), 64)
	return err == nil
}

func isQuotedLine(b []byte) bool {
	return len(b) >= 2 && (b[0] == '\'' || b[0] == '"') && b[len(b)-1] == b[0]
}

// pytorchLegacyMagic is the start of torch.save's legacy format: PROTO 2
// and LONG1 of the magic number 0x1950a86a20f9469cfc6c.
var pytorchLegacyMagic = []byte{0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19}

// pickleStarters are the opcodes a protocol 0 or 1 pickle can start with:
// a mark, a global, or a value.
var pickleStarters = []byte("(c]})NIJKLMFGSTUVXP")

// identifyPickle reports the protocol of PROTO, or else the highest
// protocol among the opcodes seen (a pickle can use opcodes of any
// protocol without declaring it). It accepts:
//   - protocols 2 to 5 (PROTO first): a stream that stops validly after at
//     least 3 opcodes, or fills the head consistently with at least 4;
//   - protocols 0 and 1 (no header): a stream that starts with a mark, a
//     global or a value and stops validly, after at least 4 opcodes that
//     import a global or at least 6 that leave exactly the one result, or
//     fills the head consistently with at least 32;
//   - either, broken off by an impossible opcode or the end of the file,
//     if it imported a global first (by name, for protocols 0 and 1): a
//     damaged or truncated pickle that a scanner must still see
//     ("complete": "false").
//
// A pickle crafted to fail these tests can still be loaded by Python:
// callers should also scan files whose extension is a pickle's
// (IsModelExtension) whatever Identify says.
func identifyPickle(head []byte, size int64) (Info, bool) {
	if bytes.HasPrefix(head, pytorchLegacyMagic) {
		return Info{Format: FormatPyTorchLegacy, Details: details(DetailProtocol, "2")}, true
	}
	proto := head[0] == 0x80
	if !proto && bytes.IndexByte(pickleStarters, head[0]) < 0 {
		return Info{}, false
	}
	w := walkPickle(head, size)
	minCut := 32
	stopped := w.stopped && (w.ops >= 4 && w.named > 0 || w.ops >= 6 && w.balanced)
	broken := !w.stopped && w.named > 0 && w.ops >= 2
	if proto {
		minCut = 4
		stopped = w.stopped && w.ops >= 3
		broken = !w.stopped && w.globals > 0 && w.ops >= 4
	}
	d := map[string]string{}
	switch {
	case stopped:
		if int64(w.stopEnd) < size && int64(len(head)) == size {
			d[DetailTrailingBytes] = strconv.FormatInt(size-int64(w.stopEnd), 10)
		}
	case w.cut && w.ops >= minCut:
	case broken:
		d[DetailComplete] = "false"
	default:
		return Info{}, false
	}
	if w.protocol >= 0 {
		d[DetailProtocol] = strconv.Itoa(w.protocol)
	} else {
		d[DetailProtocol] = strconv.Itoa(w.maxProto)
	}
	return Info{Format: FormatPickle, Details: d}, true
}
