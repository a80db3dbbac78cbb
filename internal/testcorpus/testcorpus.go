// Package testcorpus locates the shared sample corpus (real third-party
// apps and models in ../shared/corpus, next to the repository) for tests,
// and skips them with one clear message when it is absent. It is imported
// only by tests.
package testcorpus

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// SkipMessage is what tests say when the corpus is absent.
const SkipMessage = "../shared/corpus not found above the working directory: corpus tests skipped"

// Find walks up from the working directory to a directory that holds
// shared/corpus and returns the corpus path.
func Find() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		c := filepath.Join(dir, "shared", "corpus")
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Dir returns the corpus directory, or skips the test.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, ok := Find()
	if !ok {
		tb.Skip(SkipMessage)
	}
	return dir
}

// Path returns the path of a corpus file (e.g. "android/diva-beta.apk"),
// or skips the test when the corpus or the file is absent.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(Dir(tb), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("corpus file %s absent: test skipped", rel)
	}
	return p
}

// ZipEntry reads one entry of a corpus APK or other ZIP file.
func ZipEntry(tb testing.TB, path, name string) []byte {
	tb.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open(name)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
