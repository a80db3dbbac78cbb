package macho

import (
	"bytes"
	"debug/macho"
	"encoding/binary"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// fuzzLimits are small so that the caps are reached and checked.
var fuzzLimits = Limits{MaxSize: 8 << 20, MaxStrings: 50, MaxStringLen: 64, MaxSymbols: 20, MaxEntitlementsSize: 4096}

// FuzzInspect feeds Inspect mutated Mach-O files. Besides never panicking,
// it must fail only with its sentinel errors (ErrNotMachO exactly when
// IsMachO says no), respect every cap, and agree with debug/macho on the
// CPU, file type, flags and imports of thin files that both read cleanly.
// Seeds: the builder's fixtures (thin of both widths and byte orders, fat
// and fat64, signatures good and bad) and, when the corpus is present,
// MobSF's fat dylib and the executable of its test IPA.
func FuzzInspect(f *testing.F) {
	for _, b := range fuzzSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Inspect(data, fuzzLimits)
		if err != nil {
			if file != nil {
				t.Fatalf("Inspect returned both a file and error %v", err)
			}
			if !errors.Is(err, ErrNotMachO) && !errors.Is(err, ErrFormat) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			if errors.Is(err, ErrNotMachO) == IsMachO(data) {
				t.Fatalf("error %v with IsMachO = %v", err, IsMachO(data))
			}
			return
		}
		checkFile(t, data, file)
		if !file.Fat && len(file.Arches[0].Warnings) == 0 {
			checkAgainstDebugMachO(t, data, &file.Arches[0])
		}
	})
}

func checkFile(t *testing.T, data []byte, f *File) {
	t.Helper()
	if !IsMachO(data) {
		t.Fatalf("Inspect read a file that IsMachO refuses")
	}
	if f.Fat != (binary.BigEndian.Uint32(data)&^1 == fatMagic) {
		t.Errorf("Fat = %v for magic % x", f.Fat, data[:4])
	}
	if len(f.Arches) == 0 || (!f.Fat && len(f.Arches) != 1) || len(f.Arches) > maxFatArches {
		t.Fatalf("%d arches, fat %v", len(f.Arches), f.Fat)
	}
	readable := false
	for i := range f.Arches {
		a := &f.Arches[i]
		if a.Err != "" {
			if a.Bits != 0 || a.Imports != nil || a.Signed {
				t.Errorf("arch %d with Err %q has properties: %+v", i, a.Err, a)
			}
			continue
		}
		readable = true
		checkArch(t, a)
	}
	if !readable {
		t.Errorf("Inspect succeeded with no readable slice")
	}
}

func checkArch(t *testing.T, a *Arch) {
	t.Helper()
	if a.Bits != 32 && a.Bits != 64 {
		t.Errorf("Bits = %d", a.Bits)
	}
	if a.PIE != (a.Flags&mhPIE != 0) {
		t.Errorf("PIE = %v with flags %#x", a.PIE, a.Flags)
	}
	if len(a.Imports) > fuzzLimits.MaxSymbols {
		t.Errorf("%d imports, cap %d", len(a.Imports), fuzzLimits.MaxSymbols)
	}
	if !slices.IsSorted(a.Imports) || len(slices.Compact(slices.Clone(a.Imports))) != len(a.Imports) {
		t.Errorf("imports not sorted and unique: %q", a.Imports)
	}
	for _, s := range a.Imports {
		if s == "" || len(s) > maxSymbolName || strings.IndexByte(s, 0) >= 0 {
			t.Errorf("import %q", s)
		}
	}
	capped := slices.Contains(a.Warnings, "imports capped at 20")
	if !capped && a.StackCanary != slices.ContainsFunc(a.Imports, func(s string) bool { return canarySymbols[s] }) {
		t.Errorf("StackCanary = %v with imports %q", a.StackCanary, a.Imports)
	}
	if len(a.Strings) > fuzzLimits.MaxStrings {
		t.Errorf("%d strings, cap %d", len(a.Strings), fuzzLimits.MaxStrings)
	}
	seen := map[string]bool{}
	for _, s := range a.Strings {
		if len(s) > fuzzLimits.MaxStringLen || !utf8.ValidString(s) || !printable(s) || seen[s] {
			t.Errorf("string %q (%d bytes, seen %v)", s, len(s), seen[s])
		}
		seen[s] = true
	}
	for _, list := range [][]string{a.Libraries, a.RPaths} {
		if len(list) > maxLibraries {
			t.Errorf("%d paths", len(list))
		}
		for _, p := range list {
			if p == "" || len(p) > maxPathLen {
				t.Errorf("path of %d bytes", len(p))
			}
		}
	}
	if len(a.CodeSignatureID) > maxIdentifierLen || len(a.TeamID) > maxIdentifierLen {
		t.Errorf("identifier of %d bytes, team id of %d", len(a.CodeSignatureID), len(a.TeamID))
	}
	if !a.Signed && (a.CodeSignatureID != "" || a.TeamID != "" || a.Entitlements != nil) {
		t.Errorf("unsigned slice with signature data")
	}
	if len(a.Warnings) > 32 {
		t.Errorf("%d warnings", len(a.Warnings))
	}
}

// checkAgainstDebugMachO compares a thin file with what debug/macho reads
// from it, when debug/macho reads it without error.
func checkAgainstDebugMachO(t *testing.T, data []byte, a *Arch) {
	t.Helper()
	ref, ok := reference(data)
	if !ok {
		return
	}
	if got := cpuName(uint32(ref.cpu), ref.subCPU); got != a.CPU {
		t.Errorf("CPU = %q, debug/macho reads %q", a.CPU, got)
	}
	if got := typeName(uint32(ref.typ)); got != a.Type {
		t.Errorf("Type = %q, debug/macho reads %q", a.Type, got)
	}
	if ref.flags != a.Flags {
		t.Errorf("Flags = %#x, debug/macho reads %#x", a.Flags, ref.flags)
	}
	if ref.importsOK && len(ref.imports) <= fuzzLimits.MaxSymbols && !slices.Equal(ref.imports, goStyle(a.Imports)) {
		t.Errorf("Imports = %q, debug/macho reads %q", a.Imports, ref.imports)
	}
}

// goStyle renames imports as debug/macho does, which drops the leading
// underscore of names that contain a dot (Go's own symbols), and sorts
// them again.
func goStyle(imports []string) []string {
	set := map[string]bool{}
	for _, s := range imports {
		if strings.Contains(s, ".") && s[0] == '_' {
			s = s[1:]
		}
		if s != "" {
			set[s] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

type referenceFile struct {
	cpu       macho.Cpu
	subCPU    uint32
	typ       macho.Type
	flags     uint32
	imports   []string
	importsOK bool // one symbol table whose string table ends with NUL
}

// reference reads data with debug/macho, recovering from its panics.
func reference(data []byte) (ref referenceFile, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	f, err := macho.NewFile(bytes.NewReader(data))
	if err != nil {
		return ref, false
	}
	ref = referenceFile{cpu: f.Cpu, subCPU: f.SubCpu, typ: f.Type, flags: f.Flags}
	if f.Symtab == nil {
		return ref, true
	}
	symtabs := 0
	for _, l := range f.Loads {
		if raw := l.Raw(); len(raw) >= 4 && f.ByteOrder.Uint32(raw) == lcSymtab {
			symtabs++
		}
	}
	raw := f.Symtab.Raw()
	stroff, strsize := uint64(f.ByteOrder.Uint32(raw[16:])), uint64(f.ByteOrder.Uint32(raw[20:]))
	ref.importsOK = symtabs == 1 && strsize > 0 && data[stroff+strsize-1] == 0
	set := map[string]bool{}
	for _, s := range f.Symtab.Syms {
		typ := s.Type & nType
		if s.Type&nStab != 0 || s.Type&nExt == 0 || !(typ == nUndf && s.Value == 0 || typ == nPbud) {
			continue
		}
		if s.Name != "" && len(s.Name) <= maxSymbolName {
			set[s.Name] = true
		}
	}
	ref.imports = slices.Sorted(maps.Keys(set))
	return ref, true
}

// fuzzSeeds returns the builder's fixtures and the corpus Mach-O files.
func fuzzSeeds(tb testing.TB) [][]byte {
	full := fullFixture()
	thin32 := fullFixture()
	thin32.is32 = true
	big := fullFixture()
	big.bigEndian, big.cputype = true, cpuPPC|cpuArch64
	minimal := fixture{minCmd: lcVersionMinIPhone, minVer: ver(9, 0, 0), cryptID: u32(0)}
	badSig := fixture{sig: superBlob(slot{csSlotCodeDirectory, codeDirectory(0x20100, "x", "")}, slot{csSlotEntitlements, blobOf(csMagicEntitlements, []byte("<plist><array><dict/></array></plist>"))})}
	seeds := [][]byte{
		full.build(), thin32.build(), big.build(), minimal.build(), badSig.build(),
		fatOf(false, thin32.build(), full.build()), fatOf(true, minimal.build()),
		{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1}, {0xcf, 0xfa, 0xed, 0xfe},
	}
	if dir, ok := testcorpus.Find(); ok {
		if b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(corpusDylib))); err == nil {
			seeds = append(seeds, b)
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(corpusIPA))); err == nil {
			seeds = append(seeds, testcorpus.ZipEntry(tb, filepath.Join(dir, filepath.FromSlash(corpusIPA)), ipaBinary))
		}
	}
	return seeds
}
