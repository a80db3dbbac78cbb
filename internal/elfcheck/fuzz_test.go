package elfcheck

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// fuzzLimits are small so that the caps are reached and checked.
var fuzzLimits = Limits{MaxSize: 8 << 20, MaxStrings: 50, MaxStringLen: 64, MaxSymbols: 20}

// FuzzInspect feeds Inspect mutated ELF files. Besides never panicking, it
// must never owe its survival to the recover around debug/elf, must respect
// every cap, and must agree with debug/elf on the imports of files both can
// read cleanly. Seeds: testdata/fuzz/FuzzInspect (two minimal shared
// objects, see testdata/seed.c), DIVA's JNI libraries when the corpus is
// present, and a few truncated headers.
func FuzzInspect(f *testing.F) {
	for _, b := range divaSeeds(f) {
		f.Add(b)
	}
	f.Add([]byte("\x7fELF"))
	f.Add([]byte("\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("\x7fELF\x02\x02\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x08"))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Inspect(data, fuzzLimits)
		if errors.Is(err, errELFPanic) {
			t.Fatalf("debug/elf panicked past the header checks: %v", err)
		}
		if err != nil {
			if in != nil {
				t.Fatalf("Inspect returned both info and error %v", err)
			}
			return
		}
		checkInvariants(t, in)
		checkAgainstDebugELF(t, data, in)
	})
}

func checkInvariants(t *testing.T, in *Info) {
	t.Helper()
	if in.Class != 32 && in.Class != 64 {
		t.Errorf("Class = %d", in.Class)
	}
	if !slices.Contains([]string{RELROFull, RELROPartial, RELRONone}, in.RELRO) {
		t.Errorf("RELRO = %q", in.RELRO)
	}
	for name, list := range map[string][]string{"Imports": in.Imports, "Exports": in.Exports, "JNIExports": in.JNIExports} {
		if len(list) > fuzzLimits.MaxSymbols {
			t.Errorf("%d %s, cap %d", len(list), name, fuzzLimits.MaxSymbols)
		}
		if !slices.IsSorted(list) || len(slices.Compact(slices.Clone(list))) != len(list) {
			t.Errorf("%s not sorted and unique: %q", name, list)
		}
	}
	for name, list := range map[string][]string{"RodataStrings": in.RodataStrings, "AllStrings": in.AllStrings} {
		if len(list) > fuzzLimits.MaxStrings {
			t.Errorf("%d %s, cap %d", len(list), name, fuzzLimits.MaxStrings)
		}
		for _, s := range list {
			if len(s) > fuzzLimits.MaxStringLen || len(s) < 4 {
				t.Errorf("%s entry of %d bytes: %q", name, len(s), s)
			}
			for _, c := range []byte(s) {
				if (c < 0x20 || c >= 0x7f) && c != '\t' && c != '\n' && c != '\r' {
					t.Errorf("%s entry with byte %#x: %q", name, c, s)
				}
			}
		}
	}
	if in.StackCanary != slices.ContainsFunc(in.Imports, func(s string) bool { return canarySymbols[s] }) && len(in.Imports) < fuzzLimits.MaxSymbols {
		t.Errorf("StackCanary = %v with imports %q", in.StackCanary, in.Imports)
	}
}

// checkAgainstDebugELF compares the imports with those debug/elf reads, for
// files whose dynamic symbols both read without trouble.
func checkAgainstDebugELF(t *testing.T, data []byte, in *Info) {
	t.Helper()
	if len(in.Warnings) > 0 {
		return
	}
	want, ok := referenceImports(data)
	if !ok || len(want) > fuzzLimits.MaxSymbols {
		return
	}
	if !slices.Equal(want, in.Imports) {
		t.Errorf("Imports = %q, debug/elf reads %q", in.Imports, want)
	}
}

// referenceImports returns the sorted undefined dynamic symbols that
// debug/elf reads from the SHT_DYNSYM section, or false when it cannot.
func referenceImports(data []byte) (names []string, ok bool) {
	defer func() {
		if recover() != nil {
			names, ok = nil, false
		}
	}()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil || f.SectionByType(elf.SHT_DYNSYM) == nil {
		return nil, false
	}
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_COMPRESSED != 0 {
			return nil, false
		}
	}
	syms, err := f.DynamicSymbols()
	if err != nil {
		return nil, false
	}
	for _, s := range syms {
		if s.Section == elf.SHN_UNDEF && s.Name != "" && len(s.Name) <= maxSymbolName {
			names = append(names, s.Name)
		}
	}
	slices.Sort(names)
	return slices.Compact(names), true
}

// divaSeeds returns DIVA's JNI libraries from the shared corpus, if found.
func divaSeeds(tb testing.TB) [][]byte {
	dir, err := os.Getwd()
	if err != nil {
		return nil
	}
	for ; ; dir = filepath.Dir(dir) {
		apk := filepath.Join(dir, "shared", "corpus", "android", "diva-beta.apk")
		if z, err := zip.OpenReader(apk); err == nil {
			defer z.Close()
			var out [][]byte
			for _, f := range z.File {
				if ok, _ := filepath.Match("lib/*/libdivajni.so", f.Name); !ok {
					continue
				}
				rc, err := f.Open()
				if err != nil {
					tb.Fatal(err)
				}
				b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
				rc.Close()
				if err != nil {
					tb.Fatal(err)
				}
				out = append(out, b)
			}
			return out
		}
		if filepath.Dir(dir) == dir {
			return nil
		}
	}
}
