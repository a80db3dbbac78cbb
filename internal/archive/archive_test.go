package archive

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func buildZip(t testing.TB, files map[string][]byte, method uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range sortedKeys(files) {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sortedKeys(m map[string][]byte) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

func TestReadEntries(t *testing.T) {
	t.Parallel()
	data := buildZip(t, map[string][]byte{"AndroidManifest.xml": []byte("manifest"), "assets/a.txt": []byte("hello")}, zip.Deflate)
	z, err := OpenZip(bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := z.ReadFile("assets/a.txt")
	if err != nil || string(got) != "hello" {
		t.Fatalf("ReadFile = %q, %v", got, err)
	}
	if _, err := z.ReadFile("missing"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing entry: err = %v, want ErrNotFound", err)
	}
	if e, ok := z.Entry("AndroidManifest.xml"); !ok || e.UncompressedSize != 8 {
		t.Errorf("Entry = %+v, %v", e, ok)
	}
}

func TestLimits(t *testing.T) {
	t.Parallel()
	zeros := bytes.Repeat([]byte{0}, 4<<20)
	bomb := buildZip(t, map[string][]byte{"bomb": zeros}, zip.Deflate)
	many := map[string][]byte{}
	for i := range 50 {
		many[strings.Repeat("x", i+1)] = nil
	}
	manyZip := buildZip(t, many, zip.Store)
	big := buildZip(t, map[string][]byte{"a": bytes.Repeat([]byte("abc"), 1000), "b": bytes.Repeat([]byte("def"), 1000)}, zip.Store)
	tests := []struct {
		name string
		data []byte
		lim  Limits
		read string
		want error
	}{
		{"a 4 MiB entry of zeros compressed 1000:1 is a zip bomb", bomb, Limits{}, "bomb", ErrZipBomb},
		{"more entries than allowed", manyZip, Limits{MaxEntries: 10}, "", ErrTooManyEntries},
		{"entry above the per-entry limit", big, Limits{MaxEntrySize: 100}, "a", ErrEntryTooLarge},
		{"package above the total budget", big, Limits{MaxTotalSize: 4000}, "b", ErrBudgetExceeded},
		{"not a zip", []byte("hello, world, this is not a zip file at all"), Limits{}, "", ErrNotZip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			z, err := OpenZip(bytes.NewReader(tt.data), int64(len(tt.data)), tt.lim)
			if tt.read == "" {
				if !errors.Is(err, tt.want) {
					t.Fatalf("OpenZip err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.name == "package above the total budget" {
				if _, err := z.ReadFile("a"); err != nil {
					t.Fatalf("first entry within budget: %v", err)
				}
			}
			if _, err := z.ReadFile(tt.read); !errors.Is(err, tt.want) {
				t.Errorf("ReadFile err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestDeclaredSizeLie patches the central directory to declare a smaller
// size than the entry inflates to; the reader must not return more.
func TestDeclaredSizeLie(t *testing.T) {
	t.Parallel()
	content := bytes.Repeat([]byte("A"), 1000)
	data := buildZip(t, map[string][]byte{"f": content}, zip.Deflate)
	// Central directory header: signature PK\x01\x02, uncompressed size at +24.
	i := bytes.Index(data, []byte("PK\x01\x02"))
	binary.LittleEndian.PutUint32(data[i+24:], 10)
	z, err := OpenZip(bytes.NewReader(data), int64(len(data)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := z.ReadFile("f")
	if err == nil {
		t.Fatalf("read %d bytes without error from an entry that lies about its size", len(got))
	}
	if len(got) > 10 {
		t.Errorf("read %d bytes, more than the declared 10", len(got))
	}
}

func TestDirAndSingle(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "lib", "arm64-v8a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "lib", "arm64-v8a", "libx.so"), []byte("\x7fELF"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	d, err := OpenDir(dir, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Names(); len(got) != 1 || got[0] != "lib/arm64-v8a/libx.so" {
		t.Errorf("Names = %v, want only the regular file (links are not followed)", got)
	}
	if _, err := d.Open("../etc/passwd"); err == nil {
		t.Error("path outside the directory opened")
	}
	s := Single("x.dex", strings.NewReader("dex\n035"), 7, Limits{})
	b, err := s.ReadFile("x.dex")
	if err != nil || string(b) != "dex\n035" {
		t.Errorf("Single ReadFile = %q, %v", b, err)
	}
}

func FuzzOpenZip(f *testing.F) {
	f.Add(buildZip(f, map[string][]byte{"AndroidManifest.xml": []byte("abc"), "classes.dex": []byte("dex\n035\x00")}, zip.Deflate))
	f.Add(buildZip(f, map[string][]byte{"a": nil}, zip.Store))
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		z, err := OpenZip(bytes.NewReader(data), int64(len(data)), Limits{MaxTotalSize: 1 << 20, MaxEntrySize: 1 << 20})
		if err != nil {
			return
		}
		for _, n := range z.Names() {
			rc, err := z.Open(n)
			if err != nil {
				continue
			}
			_, _ = io.Copy(io.Discard, rc)
			rc.Close()
		}
	})
}
