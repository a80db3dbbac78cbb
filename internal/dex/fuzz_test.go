package dex

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// checkInvariants fails t when f holds an index out of range or more than
// the documented caps.
func checkInvariants(t *testing.T, f *File) {
	t.Helper()
	ns, nf, nm := uint32(len(f.Strings)), uint32(len(f.Fields)), uint32(len(f.Methods))
	if len(f.Warnings) > maxWarnings+1 {
		t.Errorf("%d warnings, want at most %d", len(f.Warnings), maxWarnings+1)
	}
	for _, c := range f.Classes {
		for _, m := range c.Methods {
			for _, i := range m.Strings {
				if i >= ns {
					t.Fatalf("%s->%s: string index %d of %d", c.Name, m.Name, i, ns)
				}
			}
			for _, list := range [][]uint32{m.FieldReads, m.FieldWrites} {
				for _, i := range list {
					if i >= nf {
						t.Fatalf("%s->%s: field index %d of %d", c.Name, m.Name, i, nf)
					}
				}
			}
			for _, call := range m.Calls {
				if call.Method >= nm {
					t.Fatalf("%s->%s: method index %d of %d", c.Name, m.Name, call.Method, nm)
				}
				for _, a := range call.Args {
					if a.Kind == ConstString && a.Str >= ns {
						t.Fatalf("%s->%s: argument string index %d of %d", c.Name, m.Name, a.Str, ns)
					}
				}
			}
			if len(m.ArrayData) > MaxArrays {
				t.Fatalf("%s->%s: %d arrays", c.Name, m.Name, len(m.ArrayData))
			}
			for _, a := range m.ArrayData {
				if len(a) == 0 || len(a) > MaxArrayData {
					t.Fatalf("%s->%s: array of %d bytes", c.Name, m.Name, len(a))
				}
			}
			if m.CodeUnits < 0 {
				t.Fatalf("%s->%s: %d code units", c.Name, m.Name, m.CodeUnits)
			}
		}
	}
}

// fuzzSeeds are small files that reach every part of the parser.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	_, d := validFile()
	seeds = append(seeds, d)

	b := newBuilder()
	c := b.class(testClass)
	c.source = b.str("Test.java")
	c.interfaces = []uint32{b.typ("Ljavax/net/ssl/HostnameVerifier;")}
	c.staticValues = []byte{3, 0x17, byte(b.str("sk-live")), 0x1c, 0x01, 0x04, 0x01, 0x1d, 0x00, 0x01, 0x00, 0x1e}
	get := b.method("Ljavax/crypto/Cipher;", "getInstance", "Ljavax/crypto/Cipher;", "Ljava/lang/String;")
	js := b.method("Landroid/webkit/WebSettings;", "setJavaScriptEnabled", "V", "Z")
	fld := b.field(testClass, "KEY", "Ljava/lang/String;")
	b.addMethod(c, "verify", "(Ljava/lang/String;Ljavax/net/ssl/SSLSession;)Z", 3, const4(0, 1), returnReg(0))
	b.addMethod(c, "crypto", "()V", 6,
		constString(0, b.str("AES/ECB/PKCS5Padding")), invoke(opInvokeStatic, get, 0), moveResultObject(1),
		const4(2, 1), invoke(opInvokeVirtual, js, 3, 2), invokeRange(opInvokeStaticRange, get, 0, 1),
		constWide(4, -1), sget(0, fld), sput(0, fld), constStringJumbo(5, b.str("jumbo")),
		fillArrayData(0, 7), packedSwitch(2, 16), returnVoid(),
		arrayPayload(1, []byte("0123456789abcdef")), packedPayload(2))
	seeds = append(seeds, b.bytes())

	b = newBuilder()
	b.version = "041"
	b.rawStr([]byte{0xc0, 0x80, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, 0xff})
	b.addMethod(b.class(testClass), "m", "()V", 1, raw(0x003e))
	seeds = append(seeds, b.bytes())
	return seeds
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	// The smallest real file of the corpus, when it is present.
	if dir := findCorpus(); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "uncrackable-level1.apk")); err == nil {
			for _, d := range readDex(f, filepath.Join(dir, "uncrackable-level1.apk")) {
				f.Add(d)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data, Limits{})
		if err != nil {
			if file != nil {
				t.Fatalf("Parse returned a File with error %v", err)
			}
			if !errors.Is(err, ErrNotDex) && !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrFormat) && !errors.Is(err, ErrLimit) {
				t.Fatalf("error %v wraps none of the sentinels", err)
			}
			return
		}
		checkInvariants(t, file)
	})
}

func TestFuzzSeedsParse(t *testing.T) {
	for i, s := range fuzzSeeds() {
		f, err := Parse(s, Limits{})
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		checkInvariants(t, f)
	}
}

// codeFile wraps insns as the code of one method in an otherwise valid
// file, so that the fuzzer spends its mutations on the instructions.
func codeFile(regs uint8, insns []byte) []byte {
	b := newBuilder()
	c := b.class(testClass)
	b.str("s0")
	b.str("s1")
	b.field(testClass, "f0", "I")
	b.field(testClass, "f1", "J")
	b.method(testClass, "m0", "V", "Ljava/lang/String;")
	b.method(testClass, "m1", "V", "J", "I")
	units := make([]uint16, len(insns)/2)
	for i := range units {
		units[i] = uint16(insns[2*i]) | uint16(insns[2*i+1])<<8
	}
	b.addMethod(c, "subject", "()V", uint16(regs), units)
	return b.bytes()
}

func FuzzCode(f *testing.F) {
	le := func(units ...[]uint16) []byte {
		var out []byte
		for _, u := range slices.Concat(units...) {
			out = append(out, byte(u), byte(u>>8))
		}
		return out
	}
	f.Add(uint8(4), le(constString(0, 0), invoke(opInvokeStatic, 0, 0), returnVoid()))
	f.Add(uint8(6), le(const4(1, 1), constWide(2, 7), invokeRange(opInvokeStaticRange, 1, 1, 3), returnVoid()))
	f.Add(uint8(3), le(fillArrayData(0, 4), returnVoid(), arrayPayload(1, []byte("0123456789"))))
	f.Add(uint8(3), le(packedSwitch(0, 4), gotoRel(11), packedPayload(3), sget(0, 0), sput(0, 1), iget(1, 2, 0), returnVoid()))
	f.Add(uint8(2), le(sparseSwitch(0, 3), sparsePayload(2), moveObject(1, 0), returnVoid()))
	f.Add(uint8(1), le(const4(0, 1), returnReg(0)))
	f.Add(uint8(2), le(constWideHigh16(0, 0x4000), returnWide(0)))
	f.Fuzz(func(t *testing.T, regs uint8, insns []byte) {
		file, err := Parse(codeFile(regs, insns), Limits{})
		if err != nil {
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("Parse: %v", err)
			}
			return
		}
		checkInvariants(t, file)
	})
}
