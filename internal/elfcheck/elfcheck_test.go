package elfcheck_test

import (
	"bytes"
	"debug/elf"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/elfcheck"
)

// hardening is the part of Info that the table tests compare.
type hardening struct {
	Class                int
	Machine              string
	Type                 string
	Interpreter          string
	NX                   bool
	PIE                  bool
	StackCanary          bool
	RELRO                string
	Fortify              bool
	FortifiableUnchecked []string
	Stripped             bool
	Needed               []string
	JNIExports           []string
	RodataStrings        []string
}

func hardeningOf(in *elfcheck.Info) hardening {
	return hardening{
		Class: in.Class, Machine: in.Machine, Type: in.Type, Interpreter: in.Interpreter,
		NX: in.NX, PIE: in.PIE, StackCanary: in.StackCanary, RELRO: in.RELRO,
		Fortify: in.Fortify, FortifiableUnchecked: in.FortifiableUnchecked,
		Stripped: in.Stripped, Needed: in.Needed, JNIExports: in.JNIExports,
		RodataStrings: in.RodataStrings,
	}
}

// TestInspectDivaLibraries checks every ABI of DIVA's JNI library against
// what readelf reports for it: all are stripped shared objects with full
// RELRO and an executable stack; only the x86 build imports the canary
// check; the ARM builds import memcpy besides strcpy and name an
// interpreter.
func TestInspectDivaLibraries(t *testing.T) {
	libs := apkLibraries(t, filepath.Join(corpusDir(t), "android", "diva-beta.apk"), "lib/*/libdivajni.so")
	jni := []string{"JNI_OnLoad", "Java_jakhar_aseem_diva_DivaJni_access", "Java_jakhar_aseem_diva_DivaJni_initiateLaunchSequence"}
	needed := []string{"libstdc++.so", "libm.so", "libc.so", "libdl.so"}
	rodata := []string{"olsdfgad;lh", ".dotdot"}
	base := func(class int, machine string) hardening {
		return hardening{
			Class: class, Machine: machine, Type: "shared object", PIE: true, RELRO: elfcheck.RELROFull,
			FortifiableUnchecked: []string{"strcpy"}, Stripped: true, Needed: needed, JNIExports: jni, RodataStrings: rodata,
		}
	}
	arm := func() hardening {
		h := base(32, "arm")
		h.Interpreter = "/system/bin/linker"
		h.FortifiableUnchecked = []string{"memcpy", "strcpy"}
		return h
	}
	x86 := base(32, "x86")
	x86.StackCanary = true
	tests := []struct {
		abi  string
		want hardening
	}{
		{"arm64-v8a", base(64, "arm64")},
		{"armeabi", arm()},
		{"armeabi-v7a", arm()},
		{"mips", base(32, "mips")},
		{"mips64", base(64, "mips64")},
		{"x86", x86},
		{"x86_64", base(64, "x86_64")},
	}
	if len(libs) != len(tests) {
		t.Fatalf("diva-beta.apk has %d libdivajni.so, want %d", len(libs), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.abi, func(t *testing.T) {
			t.Parallel()
			data := libs["lib/"+tt.abi+"/libdivajni.so"]
			in, err := elfcheck.Inspect(data, elfcheck.Limits{})
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if diff := cmp.Diff(tt.want, hardeningOf(in)); diff != "" {
				t.Errorf("hardening mismatch (-want +got):\n%s", diff)
			}
			if !slices.Contains(in.Imports, "strcpy") || !slices.Contains(in.Imports, "__cxa_atexit") {
				t.Errorf("Imports = %v, want strcpy and __cxa_atexit among them", in.Imports)
			}
			if len(in.Warnings) != 0 {
				t.Errorf("Warnings = %q, want none", in.Warnings)
			}
			if !slices.Contains(in.AllStrings, "Java_jakhar_aseem_diva_DivaJni_access") {
				t.Errorf("AllStrings lacks the JNI symbol name")
			}
			assertImportsMatchDebugELF(t, data, in)
		})
	}
}

// assertImportsMatchDebugELF compares Imports and Exports with what the
// standard library reads from the same (trusted) file.
func assertImportsMatchDebugELF(t *testing.T, data []byte, in *elfcheck.Info) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reference parse: %v", err)
	}
	syms, err := f.DynamicSymbols()
	if err != nil {
		t.Fatalf("reference symbols: %v", err)
	}
	var imports, exports []string
	for _, s := range syms {
		switch {
		case s.Name == "":
		case s.Section == elf.SHN_UNDEF:
			imports = append(imports, s.Name)
		case elf.ST_TYPE(s.Info) == elf.STT_FUNC && elf.ST_BIND(s.Info) != elf.STB_LOCAL &&
			elf.ST_VISIBILITY(s.Other) != elf.STV_HIDDEN && elf.ST_VISIBILITY(s.Other) != elf.STV_INTERNAL:
			exports = append(exports, s.Name)
		}
	}
	slices.Sort(imports)
	slices.Sort(exports)
	if diff := cmp.Diff(slices.Compact(imports), in.Imports); diff != "" {
		t.Errorf("Imports differ from debug/elf (-debug/elf +Inspect):\n%s", diff)
	}
	if diff := cmp.Diff(slices.Compact(exports), in.Exports); diff != "" {
		t.Errorf("Exports differ from debug/elf (-debug/elf +Inspect):\n%s", diff)
	}
}

// TestInspectCompiledLibraries builds testdata/native.c hardened and
// unhardened and checks that each property follows the flags.
func TestInspectCompiledLibraries(t *testing.T) {
	hardened := []string{"-shared", "-fPIC", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2", "-O2",
		"-Wl,-z,relro,-z,now", "-Wl,-z,noexecstack"}
	weak := []string{"-shared", "-fPIC", "-fno-stack-protector", "-U_FORTIFY_SOURCE", "-O2",
		"-Wl,-z,norelro", "-Wl,-z,execstack"}
	tests := []struct {
		name          string
		flags         []string
		nx, canary    bool
		fortify       bool
		relro         string
		stripped      bool
		fortifiedHas  string // an import that must be among Fortified
		uncheckedHas  string // an import that must be among FortifiableUnchecked
		uncheckedLack string // an import that must not be
	}{
		{name: "hardened build has NX, canary, full RELRO and fortified copies",
			flags: hardened, nx: true, canary: true, fortify: true, relro: elfcheck.RELROFull,
			fortifiedHas: "__strcpy_chk", uncheckedLack: "strcpy"},
		{name: "unhardened build has an executable stack, no canary, no RELRO, plain copies",
			flags: weak, relro: elfcheck.RELRONone, uncheckedHas: "strcpy"},
		{name: "partial RELRO without immediate binding",
			flags: []string{"-shared", "-fPIC", "-O2", "-Wl,-z,relro,-z,lazy", "-Wl,-z,noexecstack"},
			nx:    true, canary: false, relro: elfcheck.RELROPartial},
		{name: "stripped hardened build reports no symbol table",
			flags: append(slices.Clone(hardened), "-s"), nx: true, canary: true, fortify: true,
			relro: elfcheck.RELROFull, stripped: true, fortifiedHas: "__strcpy_chk"},
		{name: "32-bit hardened build",
			flags: append(slices.Clone(hardened), "-m32"), nx: true, canary: true, fortify: true,
			relro: elfcheck.RELROFull, fortifiedHas: "__strcpy_chk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := compile(t, "native.c", tt.flags...)
			in, err := elfcheck.Inspect(data, elfcheck.Limits{})
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			got := []any{in.NX, in.StackCanary, in.Fortify, in.RELRO, in.Stripped, in.PIE, in.Type}
			want := []any{tt.nx, tt.canary, tt.fortify, tt.relro, tt.stripped, true, "shared object"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("[NX canary fortify RELRO stripped PIE type] mismatch (-want +got):\n%s", diff)
			}
			if tt.fortifiedHas != "" && !slices.Contains(in.Fortified, tt.fortifiedHas) {
				t.Errorf("Fortified = %v, want %s among them", in.Fortified, tt.fortifiedHas)
			}
			if tt.uncheckedHas != "" && !slices.Contains(in.FortifiableUnchecked, tt.uncheckedHas) {
				t.Errorf("FortifiableUnchecked = %v, want %s among them", in.FortifiableUnchecked, tt.uncheckedHas)
			}
			if tt.uncheckedLack != "" && slices.Contains(in.FortifiableUnchecked, tt.uncheckedLack) {
				t.Errorf("FortifiableUnchecked = %v, want no %s", in.FortifiableUnchecked, tt.uncheckedLack)
			}
			wantJNI := []string{"JNI_OnLoad", "Java_com_example_bulwark_Native_greet"}
			if diff := cmp.Diff(wantJNI, in.JNIExports); diff != "" {
				t.Errorf("JNIExports mismatch (-want +got):\n%s", diff)
			}
			for _, s := range []string{"sk-bulwark-test-0000000000000000", "https://api.example.com/v1/chat", "%s:%s"} {
				if !slices.Contains(in.RodataStrings, s) {
					t.Errorf("RodataStrings = %q, want %q among them", in.RodataStrings, s)
				}
			}
			assertImportsMatchDebugELF(t, data, in)
		})
	}
}

// TestInspectExecutables checks the type and PIE of programs.
func TestInspectExecutables(t *testing.T) {
	tests := []struct {
		name     string
		flags    []string
		wantType string
		wantPIE  bool
	}{
		{"position-independent executable", []string{"-fPIE", "-pie", "-O2"}, "pie executable", true},
		{"fixed-address executable", []string{"-fno-PIE", "-no-pie", "-O2"}, "executable", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := elfcheck.Inspect(compile(t, "main.c", tt.flags...), elfcheck.Limits{})
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if in.Type != tt.wantType || in.PIE != tt.wantPIE {
				t.Errorf("Type, PIE = %q, %v; want %q, %v", in.Type, in.PIE, tt.wantType, tt.wantPIE)
			}
			if in.Interpreter == "" {
				t.Errorf("Interpreter is empty, want the dynamic loader of the system")
			}
			if !slices.Contains(in.Needed, "libc.so.6") {
				t.Errorf("Needed = %v, want libc.so.6 among them", in.Needed)
			}
		})
	}
}

// TestInspectSeeds checks the committed fuzz seeds, as built, and with
// their section headers removed: imports, exports and read-only strings
// are then found through the dynamic segment and its hash table (GNU hash
// for the 64-bit seed, SysV hash for the 32-bit one).
func TestInspectSeeds(t *testing.T) {
	dropSections := func(b []byte) []byte {
		l := layout(t, b)
		b = clone(b)
		l.putAddr(b, l.ehdrField("shoff"), 0)
		l.bo.PutUint16(b[l.ehdrField("shnum"):], 0)
		l.bo.PutUint16(b[l.ehdrField("shstrndx"):], 0)
		return b
	}
	want64 := hardening{Class: 64, Machine: "x86_64", Type: "shared object", NX: true, PIE: true, StackCanary: true,
		RELRO: elfcheck.RELROFull, FortifiableUnchecked: []string{"strcpy"}, Stripped: true,
		JNIExports: []string{"JNI_OnLoad", "Java_com_example_Tiny_run"}, RodataStrings: []string{"sk-test-0123456789abcdef"}}
	want32 := want64
	want32.Class, want32.Machine, want32.StackCanary, want32.RELRO = 32, "x86", false, elfcheck.RELRONone
	wantImports64 := []string{"__stack_chk_fail", "puts", "strcpy"}
	wantImports32 := []string{"puts", "strcpy"}
	tests := []struct {
		name        string
		data        []byte
		want        hardening
		wantImports []string
		wantWarning string
	}{
		{"64-bit seed", seed(t, "tiny64"), want64, wantImports64, ""},
		{"32-bit seed", seed(t, "tiny32"), want32, wantImports32, ""},
		{"64-bit seed without section headers uses GNU hash", dropSections(seed(t, "tiny64")), want64, wantImports64, "no section headers"},
		{"32-bit seed without section headers uses SysV hash", dropSections(seed(t, "tiny32")), want32, wantImports32, "no section headers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in, err := elfcheck.Inspect(tt.data, elfcheck.Limits{})
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			got := hardeningOf(in)
			if tt.wantWarning != "" {
				// Without sections, read-only strings come from the
				// read-only segments, which in these seeds are merged with
				// code: the key is still found among the file strings.
				got.RodataStrings = tt.want.RodataStrings
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("hardening mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantImports, in.Imports); diff != "" {
				t.Errorf("Imports mismatch (-want +got):\n%s", diff)
			}
			if !slices.Contains(in.AllStrings, "sk-test-0123456789abcdef") {
				t.Errorf("AllStrings = %q, want the key among them", in.AllStrings)
			}
			if tt.wantWarning != "" && !hasWarning(in, tt.wantWarning) {
				t.Errorf("Warnings = %q, want one containing %q", in.Warnings, tt.wantWarning)
			}
		})
	}
}

func hasWarning(in *elfcheck.Info, sub string) bool {
	return slices.ContainsFunc(in.Warnings, func(w string) bool { return strings.Contains(w, sub) })
}

// TestInspectCorruptHeadersFail corrupts the headers that bound everything
// else; each must end in an error, never in a panic or a large allocation.
func TestInspectCorruptHeadersFail(t *testing.T) {
	base := seed(t, "tiny64")
	l := layout(t, base)
	shstrndx := int(l.bo.Uint16(base[l.ehdrField("shstrndx"):]))
	tests := []struct {
		name    string
		corrupt func(b []byte) []byte
		want    error
	}{
		{"no ELF magic", func(b []byte) []byte {
			b[0] = 'M'
			return b
		}, elfcheck.ErrNotELF},
		{"unknown class", func(b []byte) []byte {
			b[elf.EI_CLASS] = 3
			return b
		}, elfcheck.ErrFormat},
		{"unknown data encoding", func(b []byte) []byte {
			b[elf.EI_DATA] = 0
			return b
		}, elfcheck.ErrFormat},
		{"unknown version", func(b []byte) []byte {
			b[elf.EI_VERSION] = 2
			return b
		}, elfcheck.ErrFormat},
		{"program headers past the end", func(b []byte) []byte {
			l.putAddr(b, l.ehdrField("phoff"), uint64(len(b)))
			return b
		}, elfcheck.ErrFormat},
		{"program header count past the end", func(b []byte) []byte {
			l.bo.PutUint16(b[l.ehdrField("phnum"):], 0xfffe)
			return b
		}, elfcheck.ErrFormat},
		{"section headers past the end", func(b []byte) []byte {
			l.putAddr(b, l.ehdrField("shoff"), uint64(len(b))-8)
			return b
		}, elfcheck.ErrFormat},
		{"section header offset overflows", func(b []byte) []byte {
			l.putAddr(b, l.ehdrField("shoff"), ^uint64(0)-16)
			return b
		}, elfcheck.ErrFormat},
		{"section entry size too small", func(b []byte) []byte {
			l.bo.PutUint16(b[l.ehdrField("shentsize"):], 8)
			return b
		}, elfcheck.ErrFormat},
		{"section name table index out of range", func(b []byte) []byte {
			l.bo.PutUint16(b[l.ehdrField("shstrndx"):], 200)
			return b
		}, elfcheck.ErrFormat},
		{"extended section count claims billions", func(b []byte) []byte {
			l.bo.PutUint16(b[l.ehdrField("shnum"):], 0)
			l.putAddr(b, l.sectFieldOff(0, "size"), 1<<40)
			return b
		}, elfcheck.ErrFormat},
		{"extended name table index beyond the section count", func(b []byte) []byte {
			// debug/elf (Go 1.26) indexes its section list with this value
			// unchecked and panics: the file must hold the 0xff00 headers
			// claimed for it to get that far.
			b = append(b, make([]byte, 0xff00*l.shentsize)...)
			l.bo.PutUint16(b[l.ehdrField("shnum"):], 0)
			l.putAddr(b, l.sectFieldOff(0, "size"), 0xff00)
			l.bo.PutUint16(b[l.ehdrField("shstrndx"):], 0xffff)
			l.bo.PutUint32(b[l.sectFieldOff(0, "link"):], 0xfffff)
			return b
		}, elfcheck.ErrFormat},
		{"compressed section name table", func(b []byte) []byte {
			l.putAddr(b, l.sectFieldOff(shstrndx, "flags"), uint64(elf.SHF_COMPRESSED))
			return b
		}, elfcheck.ErrFormat},
		{"section name table past the end", func(b []byte) []byte {
			l.putAddr(b, l.sectFieldOff(shstrndx, "size"), uint64(len(b)))
			return b
		}, elfcheck.ErrFormat},
		{"section name table of the wrong type", func(b []byte) []byte {
			l.bo.PutUint32(b[l.sectFieldOff(shstrndx, "type"):], uint32(elf.SHT_PROGBITS))
			return b
		}, elfcheck.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := tt.corrupt(clone(base))
			in, err := elfcheck.Inspect(b, elfcheck.Limits{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("Inspect error = %v (info %v), want %v", err, in != nil, tt.want)
			}
		})
	}
}

// TestInspectTruncatedFails cuts both seeds at every length: the section
// header table sits at the end of the file, so every prefix is an error.
func TestInspectTruncatedFails(t *testing.T) {
	for _, name := range []string{"tiny64", "tiny32"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data := seed(t, name)
			for n := 0; n < len(data); n++ {
				if in, err := elfcheck.Inspect(data[:n], elfcheck.Limits{}); err == nil {
					t.Fatalf("Inspect of the first %d of %d bytes = %+v, want an error", n, len(data), in)
				}
			}
		})
	}
}

// TestInspectDegradesOnBadTables damages tables behind valid headers: the
// result is still returned, with the affected property false and a
// warning, or the property read as the damaged file says.
func TestInspectDegradesOnBadTables(t *testing.T) {
	base := seed(t, "tiny64")
	l := layout(t, base)
	tests := []struct {
		name        string
		corrupt     func(b []byte)
		check       func(in *elfcheck.Info) bool
		wantWarning string
	}{
		{"executable GNU_STACK clears NX", func(b []byte) {
			l.bo.PutUint32(b[l.progFlagsOff(l.progIndex(t, elf.PT_GNU_STACK)):], uint32(elf.PF_R|elf.PF_W|elf.PF_X))
		}, func(in *elfcheck.Info) bool { return !in.NX }, ""},
		{"missing GNU_STACK clears NX and warns", func(b []byte) {
			l.bo.PutUint32(b[l.progOff(l.progIndex(t, elf.PT_GNU_STACK)):], uint32(elf.PT_NULL))
		}, func(in *elfcheck.Info) bool { return !in.NX }, "no PT_GNU_STACK"},
		{"missing GNU_RELRO means no RELRO", func(b []byte) {
			l.bo.PutUint32(b[l.progOff(l.progIndex(t, elf.PT_GNU_RELRO)):], uint32(elf.PT_NULL))
		}, func(in *elfcheck.Info) bool { return in.RELRO == elfcheck.RELRONone }, ""},
		{"lazy binding means partial RELRO", func(b []byte) {
			l.putAddr(b, l.dynEntryOff(t, b, elf.DT_FLAGS)+8, 0)
			l.putAddr(b, l.dynEntryOff(t, b, elf.DT_FLAGS_1)+8, 0)
		}, func(in *elfcheck.Info) bool { return in.RELRO == elfcheck.RELROPartial }, ""},
		{"dynamic symbol section past the end falls back to DT_SYMTAB", func(b []byte) {
			l.putAddr(b, l.sectFieldOff(l.sectionIndex(t, elf.SHT_DYNSYM), "offset"), uint64(len(b)))
		}, func(in *elfcheck.Info) bool { return len(in.Imports) == 3 && in.StackCanary }, "dynamic symbols"},
		{"dynamic symbols nowhere to be found leave imports empty", func(b []byte) {
			l.putAddr(b, l.sectFieldOff(l.sectionIndex(t, elf.SHT_DYNSYM), "offset"), uint64(len(b)))
			l.putAddr(b, l.dynEntryOff(t, b, elf.DT_SYMTAB)+8, 1<<40)
		}, func(in *elfcheck.Info) bool { return len(in.Imports) == 0 && !in.StackCanary }, "dynamic symbols"},
		{"dynamic segment past the end of the file", func(b []byte) {
			l.putAddr(b, l.progOff(l.progIndex(t, elf.PT_DYNAMIC))+8, uint64(len(b))) // p_offset (64-bit)
		}, func(in *elfcheck.Info) bool { return in.RELRO == elfcheck.RELROFull }, "dynamic segment"},
		{"compressed read-only data is not read", func(b []byte) {
			i := slices.IndexFunc(l.f.Sections, func(s *elf.Section) bool { return s.Name == ".rodata" })
			l.putAddr(b, l.sectFieldOff(i, "flags"), uint64(elf.SHF_ALLOC|elf.SHF_COMPRESSED))
		}, func(in *elfcheck.Info) bool { return len(in.RodataStrings) == 0 }, "compressed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := clone(base)
			tt.corrupt(b)
			in, err := elfcheck.Inspect(b, elfcheck.Limits{})
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if !tt.check(in) {
				t.Errorf("Inspect = %+v, want the property changed", hardeningOf(in))
			}
			if tt.wantWarning != "" && !hasWarning(in, tt.wantWarning) {
				t.Errorf("Warnings = %q, want one containing %q", in.Warnings, tt.wantWarning)
			}
		})
	}
}

// TestInspectLimits checks that every cap holds and is reported.
func TestInspectLimits(t *testing.T) {
	data := seed(t, "tiny64")
	tests := []struct {
		name        string
		lim         elfcheck.Limits
		check       func(in *elfcheck.Info) bool
		wantWarning string
		wantErr     error
	}{
		{"file larger than MaxSize is refused", elfcheck.Limits{MaxSize: 100}, nil, "", elfcheck.ErrTooLarge},
		{"strings capped by MaxStrings", elfcheck.Limits{MaxStrings: 2},
			func(in *elfcheck.Info) bool { return len(in.AllStrings) == 2 }, "file strings capped at 2", nil},
		{"long strings truncated to MaxStringLen", elfcheck.Limits{MaxStringLen: 6},
			func(in *elfcheck.Info) bool { return slices.Equal(in.RodataStrings, []string{"sk-tes"}) }, "truncated", nil},
		{"symbols capped by MaxSymbols", elfcheck.Limits{MaxSymbols: 1},
			func(in *elfcheck.Info) bool {
				return slices.Equal(in.Imports, []string{"__stack_chk_fail"}) && len(in.Exports) == 1
			}, "imports capped at 1 of 3", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := elfcheck.Inspect(data, tt.lim)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Inspect error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			if !tt.check(in) {
				t.Errorf("Inspect = %+v, strings %q: cap not applied", hardeningOf(in), in.AllStrings)
			}
			if !hasWarning(in, tt.wantWarning) {
				t.Errorf("Warnings = %q, want one containing %q", in.Warnings, tt.wantWarning)
			}
		})
	}
}

// TestInspectNonELF checks inputs that are not ELF, or too short to be.
func TestInspectNonELF(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty input is not ELF", nil, elfcheck.ErrNotELF},
		{"partial magic is not ELF", []byte("\x7fEL"), elfcheck.ErrNotELF},
		{"zip archive is not ELF", []byte("PK\x03\x04rest of an archive"), elfcheck.ErrNotELF},
		{"magic alone is a truncated ELF", []byte("\x7fELF"), elfcheck.ErrFormat},
		{"identification alone is a truncated ELF", []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), elfcheck.ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := elfcheck.Inspect(tt.data, elfcheck.Limits{}); !errors.Is(err, tt.want) {
				t.Errorf("Inspect error = %v, want %v", err, tt.want)
			}
		})
	}
}

// BenchmarkInspect measures Inspect on the committed seed and on DIVA's
// largest JNI library.
func BenchmarkInspect(b *testing.B) {
	cases := map[string][]byte{"seed tiny64": seed(b, "tiny64")}
	if dir, ok := findCorpus(); ok {
		libs := apkLibraries(b, filepath.Join(dir, "android", "diva-beta.apk"), "lib/armeabi-v7a/*.so")
		cases["diva armeabi-v7a"] = libs["lib/armeabi-v7a/libdivajni.so"]
	}
	for name, data := range cases {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := elfcheck.Inspect(data, elfcheck.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
