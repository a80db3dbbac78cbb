package pickle

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Builders of opcode streams, for readable tests.

func sbu(s string) []byte { return append([]byte{opShortBinunicode, byte(len(s))}, s...) }

func u64(op byte, n uint64) []byte {
	b := []byte{op, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint64(b[1:], n)
	return b
}

func cat(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			b = append(b, p...)
		case []byte:
			b = append(b, p...)
		case byte:
			b = append(b, p)
		case int:
			b = append(b, byte(p))
		case rune:
			b = append(b, byte(p))
		}
	}
	return b
}

// g renders globals as "module.name safety opcode@offset" for diffs.
func g(s Stream) []string {
	var out []string
	for _, x := range s.Globals {
		out = append(out, x.Module+"."+x.Name+" "+x.Safety.String()+" "+x.Opcode+"@"+itoa(x.Offset))
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func fmtInt(n int64) string { return strconv.FormatInt(n, 10) }

var (
	proto0System = []byte("cos\nsystem\n(S'ls'\ntR.")
	proto2Memo   = cat(opProto, 2, "cbuiltins\neval\n", opBinput, 0, opPop, opBinget, 0, sbu("1+1"), opTuple1, opReduce, opStop)
	proto4Memo   = cat(opProto, 4, u64(opFrame, 40), sbu("os"), opMemoize, sbu("system"), opMemoize, opPop, opPop,
		opBinget, 0, opBinget, 1, opStackGlobal, sbu("id"), opTuple1, opReduce, opStop)
	benignTorch = cat(opProto, 2, "ccollections\nOrderedDict\n", opEmptyTuple, opReduce, opMark,
		sbu("w"), "ctorch._utils\n_rebuild_tensor_v2\n", opMark, opPersid, "0\n", opBinint1, 0, opTuple, opReduce,
		opSetitems, opStop)
	concatenated = cat(proto0System[:len(proto0System)-1], opStop, opProto, 4, sbu("subprocess"), sbu("run"), opStackGlobal, opStop)
)

func TestScanReader(t *testing.T) {
	tests := []struct {
		name     string
		in       []byte
		globals  []string
		pickles  int
		protocol int
		err      error
	}{
		{"protocol 0 text opcodes import os.system", proto0System, []string{"os.system dangerous GLOBAL@0"}, 1, 0, nil},
		{"protocol 2 call through the memo resolves builtins.eval", proto2Memo, []string{"builtins.eval dangerous GLOBAL@2"}, 1, 4, nil},
		{"protocol 4 STACK_GLOBAL from memoized strings resolves os.system", proto4Memo, []string{"os.system dangerous STACK_GLOBAL@31"}, 1, 4, nil},
		{"a state dict of tensors is safe", benignTorch, []string{"collections.OrderedDict safe GLOBAL@2", "torch._utils._rebuild_tensor_v2 safe GLOBAL@33"}, 1, 4, nil},
		{"concatenated pickles are all read", concatenated, []string{"os.system dangerous GLOBAL@0", "subprocess.run dangerous STACK_GLOBAL@40"}, 2, 4, nil},
		{"a truncated stream keeps what came before", cat(opProto, 4, sbu("os"), sbu("system"), opStackGlobal, opShortBinunicode, 9, "ec"),
			[]string{"os.system dangerous STACK_GLOBAL@14"}, 0, 4, ErrTruncated},
		{"a huge declared BINBYTES8 without data is truncated, not allocated", cat(opProto, 4, u64(opBinbytes8, 1<<62)), nil, 0, 4, ErrTruncated},
		{"a huge declared BINUNICODE8 without data is truncated", cat(opProto, 4, u64(opBinunicode8, 1<<40)), nil, 0, 4, ErrTruncated},
		{"INST imports and calls", []byte("(S'ls'\nios\nsystem\n."), []string{"os.system dangerous INST@7"}, 1, 0, nil},
		{"an unregistered extension code is suspicious", cat(opProto, 2, opExt1, 7, opEmptyTuple, opReduce, opStop),
			[]string{extensionModule + ".7 suspicious EXT1@2"}, 1, 2, nil},
		{"a STACK_GLOBAL module made by a call is unresolved and suspicious",
			cat(opProto, 4, "cbuiltins\nstr\n", opEmptyTuple, opReduce, sbu("x"), opStackGlobal, opStop),
			[]string{"builtins.str safe GLOBAL@2", "unknown.x suspicious STACK_GLOBAL@21"}, 1, 4, nil},
		{"BUILD on an imported module rewrites it: dangerous",
			cat(opProto, 4, sbu("torch"), sbu("_utils"), opStackGlobal, opEmptyDict, sbu("a"), sbu("b"), opSetitem, opBuild, opStop),
			[]string{"torch._utils suspicious STACK_GLOBAL@17", "torch._utils dangerous BUILD@26"}, 1, 4, nil},
		{"calling a computed value is reported",
			cat(opProto, 4, sbu("operator"), sbu("attrgetter"), opStackGlobal, sbu("system"), opTuple1, opReduce, opEmptyTuple, opReduce, opStop),
			[]string{"operator.attrgetter dangerous STACK_GLOBAL@24", "operator.attrgetter() suspicious REDUCE@36"}, 1, 4, nil},
		{"a pickle passed to pickle.loads is read too",
			cat(opProto, 4, sbu("pickle"), sbu("loads"), opStackGlobal, opShortBinbytes, 12, "cos\nsystem\n.", opTuple1, opReduce, opStop),
			[]string{"pickle.loads dangerous STACK_GLOBAL@17", "os.system dangerous REDUCE@33"}, 1, 4, nil},
		{"a pickle made by codecs.encode and passed to pickle.loads is read too",
			[]byte("cpickle\nloads\n(c_codecs\nencode\n(Vcposix\\u000asystem\\u000a.\nVlatin1\ntRtR."),
			[]string{"pickle.loads dangerous GLOBAL@0", "_codecs.encode safe GLOBAL@15", "posix.system dangerous REDUCE@70"}, 1, 0, nil},
		{"a stack underflow is malformed", cat(opProto, 2, opReduce), nil, 0, 2, ErrMalformed},
		{"bytes that are no pickle say so", []byte("\xff\xd8\xff\xe0"), nil, 0, 0, ErrNotPickle},
		{"a non-UTF-8 GLOBAL name is refused, as Python does", []byte("cmod\n\xf8\n"), nil, 0, 0, ErrNotPickle},
		{"a STRING argument decodes its escapes", []byte("S'o\\x73'\nS'system'\n\x93."), []string{"os.system dangerous STACK_GLOBAL@19"}, 1, 4, nil},
		{"Python 2 module names are classified as their Python 3 names", []byte("c__builtin__\ngetattr\n."), []string{"__builtin__.getattr dangerous GLOBAL@0"}, 1, 0, nil},
		{"duplicates are reported once", cat(opProto, 2, "cos\nsystem\n", opPop, "cos\nsystem\n", opStop), []string{"os.system dangerous GLOBAL@2"}, 1, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ScanReader(bytes.NewReader(tt.in), Limits{})
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil && st.Err != err.Error() {
				t.Errorf("Stream.Err = %q, want the error text %q", st.Err, err.Error())
			}
			if d := cmp.Diff(tt.globals, g(st)); d != "" {
				t.Errorf("globals (-want +got):\n%s", d)
			}
			if st.Pickles != tt.pickles || st.Protocol != tt.protocol {
				t.Errorf("pickles, protocol = %d, %d; want %d, %d", st.Pickles, st.Protocol, tt.pickles, tt.protocol)
			}
		})
	}
}

func TestScanReaderLimits(t *testing.T) {
	deep := bytes.Repeat([]byte{opMark}, 100)
	many := append(bytes.Repeat([]byte{opNone, opPop}, 1000), opNone, opStop)
	memo := cat(opProto, 4, opNone, bytes.Repeat([]byte{opMemoize}, 100), opStop)
	tests := []struct {
		name string
		in   []byte
		lim  Limits
	}{
		{"stack depth is bounded", deep, Limits{MaxStack: 10}},
		{"opcodes are bounded", many, Limits{MaxOps: 100}},
		{"memo entries are bounded", memo, Limits{MaxMemo: 10}},
		{"pickles per stream are bounded", bytes.Repeat([]byte("N."), 10), Limits{MaxPickles: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := ScanReader(bytes.NewReader(tt.in), tt.lim)
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v, want ErrLimit", err)
			}
			if !st.Limited() || st.Worst() != Suspicious {
				t.Errorf("Limited() = %v, Worst() = %v; want true, suspicious", st.Limited(), st.Worst())
			}
		})
	}
}

func TestNestedLoadsShareOneBudget(t *testing.T) {
	// A 1 KiB-class inner pickle called through the memo many times, each
	// call nesting the same: without a shared budget the work would grow
	// exponentially with the depth.
	inner := cat(bytes.Repeat([]byte{opNone, opPop}, 40), opNone, opStop)
	in := cat(opProto, 4, sbu("pickle"), sbu("loads"), opStackGlobal, opMemoize,
		opShortBinbytes, len(inner), inner, opMemoize, opPop)
	for range 5000 {
		in = append(in, cat(opBinget, 0, opBinget, 1, opTuple1, opReduce, opPop)...)
	}
	in = append(in, opNone, opStop)
	st, err := ScanReader(bytes.NewReader(in), Limits{MaxOps: 100_000})
	if !errors.Is(err, ErrLimit) || st.Worst() < Suspicious {
		t.Errorf("err %v, worst %v; want ErrLimit and at least suspicious", err, st.Worst())
	}
}

func TestScanReaderListsAtMostMaxGlobals(t *testing.T) {
	in := []byte{opProto, 2}
	for i := range 10 {
		in = append(in, "cmod"+itoa(int64(i))+"\nf\n"+string(rune(opPop))...)
	}
	in = append(in, "cos\nsystem\n."...)
	st, err := ScanReader(bytes.NewReader(in), Limits{MaxGlobals: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Globals) != 4 {
		t.Fatalf("%d globals listed, want 3 and one for the rest", len(st.Globals))
	}
	if last := st.Globals[3]; last.Module != unknownName || last.Safety != Dangerous {
		t.Errorf("entry for the rest = %+v, want unknown with the worst safety (dangerous)", last)
	}
}

func TestScanReaderSkipsLargePayloadsWithoutHoldingThem(t *testing.T) {
	const n = 256 << 20
	r := io.MultiReader(bytes.NewReader(cat(opProto, 4, u64(opBinbytes8, n))), io.LimitReader(zeros{}, n),
		bytes.NewReader(cat(opPop, "cposix\nsystem\n", opStop)))
	start := time.Now()
	st, err := ScanReader(r, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"posix.system dangerous GLOBAL@" + fmtInt(12+n)}, g(st)); d != "" {
		t.Errorf("globals after a 256 MiB payload (-want +got):\n%s", d)
	}
	t.Logf("256 MiB skipped in %v", time.Since(start))
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// joblibStream is a joblib-style pickle: a NumpyArrayWrapper whose BUILD
// is followed by the array's raw bytes (with alignment padding), then more
// opcodes.
func joblibStream(after []byte) []byte {
	raw := append([]byte("cos\nsystem\n"), make([]byte, 13)...) // 24 bytes: 3 float64, looking like opcodes
	return cat(opProto, 4,
		"cjoblib.numpy_pickle\nNumpyArrayWrapper\n", opEmptyTuple, opNewobj,
		opEmptyDict, opMark,
		sbu("shape"), opBinint1, 3, opTuple1,
		sbu("dtype"), "cnumpy\ndtype\n", sbu("f8"), opNewfalse, opNewtrue, opTuple3, opReduce,
		sbu("numpy_array_alignment_bytes"), opBinint1, 16,
		opSetitems, opBuild,
		2, 0xff, 0xff, raw,
		after)
}

func TestScanReaderSkipsJoblibArrays(t *testing.T) {
	in := joblibStream(cat(opPop, "cposix\nsystem\n", opStop))
	st, err := ScanReader(bytes.NewReader(in), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"joblib.numpy_pickle.NumpyArrayWrapper safe GLOBAL@2",
		"numpy.dtype safe GLOBAL@62",
		"posix.system dangerous GLOBAL@" + fmtInt(int64(len(in)-15)),
	}
	if d := cmp.Diff(want, g(st)); d != "" {
		t.Errorf("globals (-want +got):\n%s", d)
	}
}

func TestSafetyString(t *testing.T) {
	got := []string{Safe.String(), Suspicious.String(), Dangerous.String()}
	if d := cmp.Diff([]string{"safe", "suspicious", "dangerous"}, got); d != "" {
		t.Error(d)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		module, name string
		want         Safety
	}{
		{"collections", "OrderedDict", Safe},
		{"torch._utils", "_rebuild_tensor_v2", Safe},
		{"torch", "_utils._rebuild_tensor_v2", Safe},
		{"torch", "FloatStorage", Safe},
		{"numpy._core.multiarray", "_reconstruct", Safe},
		{"_codecs", "encode", Safe},
		{"builtins", "frozenset", Safe},
		{"uuid", "UUID", Safe},
		{"os", "system", Dangerous},
		{"os.path", "join", Dangerous},
		{"nt", "system", Dangerous},
		{"__builtin__", "eval", Dangerous},
		{"builtins", "getattr", Dangerous},
		{"_operator", "attrgetter", Dangerous},
		{"operator", "itemgetter", Suspicious},
		{"functools", "partial", Suspicious},
		{"torch", "load", Dangerous},
		{"torch.storage", "_load_from_bytes", Dangerous},
		{"torch", "_dynamo.guards.GuardBuilder.get", Dangerous},
		{"numpy", "load", Dangerous},
		{"numpy.testing._private.utils", "runstring", Dangerous},
		{"uuid", "_get_command_stdout", Dangerous},
		{"_io", "FileIO", Dangerous},
		{"SocketServer", "TCPServer", Dangerous},
		{"httplib", "HTTPSConnection", Dangerous},
		{"logging.handlers", "SocketHandler", Dangerous},
		{"collections", "OrderedDict.fromkeys", Suspicious},
		{"codecs", "open", Suspicious},
		{"sklearn.linear_model", "LogisticRegression", Suspicious},
		{"unknown", "os", Suspicious},
		{"", "", Suspicious},
	}
	for _, tt := range tests {
		t.Run(tt.module+"."+tt.name+" is "+tt.want.String(), func(t *testing.T) {
			if got := Classify(tt.module, tt.name); got != tt.want {
				t.Errorf("Classify(%q, %q) = %v, want %v", tt.module, tt.name, got, tt.want)
			}
		})
	}
}
