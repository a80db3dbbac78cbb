package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

func writeZip(t *testing.T, path string, files map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for n, d := range files {
		fw, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(d)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHostileInputs checks that broken and hostile packages end in a clear
// error or in partial results with warnings, never in a panic or a hang.
func TestHostileInputs(t *testing.T) {
	dir := t.TempDir()
	s := newTestScanner(t)
	garbage := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 1000)
	cases := []struct {
		name        string
		files       map[string][]byte
		raw         []byte
		wantErr     error  // for inputs that cannot be scanned at all
		wantWarning string // substring of a warning, for partial results
	}{
		{name: "corrupt manifest", files: map[string][]byte{"AndroidManifest.xml": append([]byte{3, 0, 8, 0}, garbage...), "classes.dex": []byte("dex\n035\x00")},
			wantWarning: "manifest not decoded"},
		{name: "corrupt DEX", files: map[string][]byte{"AndroidManifest.xml": append([]byte{3, 0, 8, 0}, garbage...), "classes.dex": append([]byte("dex\n035\x00"), garbage...)},
			wantWarning: "DEX file not decoded"},
		{name: "zip bomb entry", files: map[string][]byte{"AndroidManifest.xml": append([]byte{3, 0, 8, 0}, garbage...), "assets/bomb.txt": make([]byte, 64<<20)},
			wantWarning: "zip bomb"},
		{name: "corrupt native library", files: map[string][]byte{"AndroidManifest.xml": append([]byte{3, 0, 8, 0}, garbage...), "lib/arm64-v8a/libx.so": append([]byte("\x7fELF\x02\x01\x01"), garbage...)},
			wantWarning: "native library not decoded"},
		{name: "random bytes", raw: garbage, wantErr: ErrUnsupported},
		{name: "empty file", raw: []byte{}, wantErr: ErrUnsupported},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".apk")
			if tc.files != nil {
				writeZip(t, p, tc.files)
			} else if err := os.WriteFile(p, tc.raw, 0o644); err != nil {
				t.Fatal(err)
			}
			rep, err := s.Scan(context.Background(), []string{p})
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("a package with one broken part must still be scanned: %v", err)
			}
			var msgs []string
			for _, w := range rep.Warnings {
				msgs = append(msgs, w.Path+": "+w.Message)
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tc.wantWarning) {
				t.Errorf("warnings %q do not mention %q", msgs, tc.wantWarning)
			}
		})
	}
}

// TestTruncatedCorpusAPK cuts a real APK at several points: the scan must
// end with an error or with warnings, never with a panic.
func TestTruncatedCorpusAPK(t *testing.T) {
	src := filepath.Join(testcorpus.Dir(t), "android", "diva-beta.apk")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Skip("diva-beta.apk not in corpus")
	}
	s := newTestScanner(t)
	dir := t.TempDir()
	for _, frac := range []float64{0.1, 0.5, 0.9, 0.999} {
		p := filepath.Join(dir, "cut.apk")
		if err := os.WriteFile(p, data[:int(float64(len(data))*frac)], 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := s.Scan(context.Background(), []string{p})
		if err == nil && len(rep.Warnings) == 0 && frac < 0.999 {
			t.Errorf("cut at %.0f%%: neither an error nor a warning", frac*100)
		}
	}
}
