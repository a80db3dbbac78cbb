package xplat

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// corpusSeeds adds real native binaries of ../shared/corpus, when present.
func corpusSeeds(f *testing.F) {
	dir, ok := testcorpus.Find()
	if !ok {
		return
	}
	if b, err := os.ReadFile(filepath.Join(dir, "ios", "mobsf-test-macho.dylib")); err == nil {
		f.Add(b[:min(len(b), 64<<10)])
	}
}

func checkSet(t *testing.T, set *strSet) {
	t.Helper()
	if len(set.out) > set.max {
		t.Fatalf("%d strings, limit %d", len(set.out), set.max)
	}
	for _, s := range set.out {
		if s == "" || len(s) > set.maxLen {
			t.Fatalf("string of %d bytes kept (limit %d)", len(s), set.maxLen)
		}
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 kept: %q", s)
		}
	}
}

func FuzzUserStrings(f *testing.F) {
	asm := dotnetAssembly("https://api.openai.com/v1", "Bearer ", "✓ unicode", string(make([]byte, 300)))
	f.Add(asm)
	f.Add(xalzLiterals(asm))
	f.Add(append(append([]byte{}, asm...), asm...)) // an assembly store holds several roots
	// An LZ4 block with an overlapping match: "ab" then copy 6 from offset 2.
	f.Add([]byte("XALZ\x00\x00\x00\x00\x08\x00\x00\x00\x22ab\x02\x00"))
	f.Add([]byte("BSJB\x01\x00\x01\x00\x00\x00\x00\x00\xff\xff\xff\xff"))
	corpusSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		set := newStrSet(200, 128)
		_ = assemblyStrings(data, 4, 1<<20, set)
		checkSet(t, set)
		if plain, err := decompressXALZ(data, 1<<16); err == nil && len(plain) > 1<<16 {
			t.Fatalf("decompressed %d bytes past the limit", len(plain))
		}
	})
}

func FuzzPrintable(f *testing.F) {
	f.Add(elfWith("https://generativelanguage.googleapis.com", "short", "package:my_app/main.dart"))
	f.Add(snapshotWith(5, 5))
	f.Add([]byte("h\x00e\x00l\x00l\x00o\x00 \x00w\x00o\x00r\x00l\x00d\x00"))
	f.Add([]byte("line one\r\n\n  line two \xff\n"))
	corpusSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, run := range []func([]byte, int, *strSet){printableRuns, utf16Runs, textLines} {
			set := newStrSet(100, 64)
			run(data, 4, set)
			checkSet(t, set)
		}
	})
}
