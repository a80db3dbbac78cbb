package elfcheck_test

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// corpusDir returns the shared corpus of real third-party files, found by
// walking up from the test's working directory, or skips the test.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir, ok := findCorpus()
	if !ok {
		t.Skip("shared/corpus not found above the working directory: corpus tests skipped")
	}
	return dir
}

func findCorpus() (string, bool) { return testcorpus.Find() }

// apkLibraries returns the entries of an APK whose names match pattern.
func apkLibraries(t testing.TB, apk, pattern string) map[string][]byte {
	t.Helper()
	z, err := zip.OpenReader(apk)
	if err != nil {
		t.Fatalf("open %s: %v", apk, err)
	}
	defer z.Close()
	out := map[string][]byte{}
	for _, f := range z.File {
		if ok, _ := filepath.Match(pattern, f.Name); !ok {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("open %s: %v", f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		rc.Close()
		if err != nil {
			t.Fatalf("read %s: %v", f.Name, err)
		}
		out[f.Name] = b
	}
	return out
}

// seed returns the bytes of a committed fuzz seed of FuzzInspect.
func seed(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzInspect", name))
	if err != nil {
		t.Fatal(err)
	}
	header, value, ok := strings.Cut(string(raw), "\n")
	if !ok || header != "go test fuzz v1" {
		t.Fatalf("seed %s: not in the fuzzing corpus format", name)
	}
	value = strings.TrimSpace(value)
	value, ok = strings.CutPrefix(value, "[]byte(")
	if !ok {
		t.Fatalf("seed %s: not a []byte value", name)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(value, ")"))
	if err != nil {
		t.Fatalf("seed %s: %v", name, err)
	}
	return []byte(s)
}

// compile builds testdata/<src> with gcc and returns the output, or skips
// the test when gcc is absent or cannot build for the requested flags.
func compile(t *testing.T, src string, flags ...string) []byte {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not on PATH: compiled-library tests skipped")
	}
	out := filepath.Join(t.TempDir(), "out")
	args := append(append([]string{}, flags...), "-o", out, filepath.Join("testdata", src))
	cmd := exec.Command(gcc, args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("gcc %s cannot build here (%v): %s", strings.Join(args, " "), err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// elfLayout locates headers in a trusted ELF file so that tests can corrupt
// them precisely.
type elfLayout struct {
	f         *elf.File
	bo        binary.ByteOrder
	is64      bool
	phoff     uint64
	phentsize uint64
	shoff     uint64
	shentsize uint64
}

func layout(t testing.TB, data []byte) elfLayout {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("reference parse: %v", err)
	}
	l := elfLayout{f: f, bo: f.ByteOrder, is64: f.Class == elf.ELFCLASS64}
	if l.is64 {
		l.phoff = f.ByteOrder.Uint64(data[32:])
		l.shoff = f.ByteOrder.Uint64(data[40:])
		l.phentsize, l.shentsize = 56, 64
	} else {
		l.phoff = uint64(f.ByteOrder.Uint32(data[28:]))
		l.shoff = uint64(f.ByteOrder.Uint32(data[32:]))
		l.phentsize, l.shentsize = 32, 40
	}
	return l
}

// progIndex returns the index of the first program header of type typ.
func (l elfLayout) progIndex(t testing.TB, typ elf.ProgType) int {
	t.Helper()
	for i, p := range l.f.Progs {
		if p.Type == typ {
			return i
		}
	}
	t.Fatalf("no program header %v", typ)
	return -1
}

// sectionIndex returns the index of the first section of type typ.
func (l elfLayout) sectionIndex(t testing.TB, typ elf.SectionType) int {
	t.Helper()
	for i, s := range l.f.Sections {
		if s.Type == typ {
			return i
		}
	}
	t.Fatalf("no section %v", typ)
	return -1
}

// header field offsets in the ELF header, per class.
func (l elfLayout) ehdrField(name string) int {
	off32 := map[string]int{"shoff": 32, "phnum": 44, "shentsize": 46, "shnum": 48, "shstrndx": 50, "phoff": 28}
	off64 := map[string]int{"shoff": 40, "phnum": 56, "shentsize": 58, "shnum": 60, "shstrndx": 62, "phoff": 32}
	if l.is64 {
		return off64[name]
	}
	return off32[name]
}

func (l elfLayout) putAddr(b []byte, off int, v uint64) {
	if l.is64 {
		l.bo.PutUint64(b[off:], v)
	} else {
		l.bo.PutUint32(b[off:], uint32(v))
	}
}

// progOff is the offset of program header i; its type is at +0.
func (l elfLayout) progOff(i int) int { return int(l.phoff + uint64(i)*l.phentsize) }

// progFlagsOff is the offset of the p_flags field of program header i.
func (l elfLayout) progFlagsOff(i int) int {
	if l.is64 {
		return l.progOff(i) + 4
	}
	return l.progOff(i) + 24
}

// sectOff is the offset of section header i.
func (l elfLayout) sectOff(i int) int { return int(l.shoff + uint64(i)*l.shentsize) }

// sectFieldOff returns the offset of a field of section header i.
func (l elfLayout) sectFieldOff(i int, name string) int {
	off32 := map[string]int{"type": 4, "flags": 8, "offset": 16, "size": 20, "link": 24}
	off64 := map[string]int{"type": 4, "flags": 8, "offset": 24, "size": 32, "link": 40}
	if l.is64 {
		return l.sectOff(i) + off64[name]
	}
	return l.sectOff(i) + off32[name]
}

// dynEntryOff returns the offset of the first dynamic entry with tag.
func (l elfLayout) dynEntryOff(t testing.TB, data []byte, tag elf.DynTag) int {
	t.Helper()
	p := l.f.Progs[l.progIndex(t, elf.PT_DYNAMIC)]
	ent := 8
	if l.is64 {
		ent = 16
	}
	for off := int(p.Off); off+ent <= int(p.Off+p.Filesz); off += ent {
		var got elf.DynTag
		if l.is64 {
			got = elf.DynTag(l.bo.Uint64(data[off:]))
		} else {
			got = elf.DynTag(l.bo.Uint32(data[off:]))
		}
		if got == tag {
			return off
		}
	}
	t.Fatalf("no dynamic entry %v", tag)
	return -1
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
