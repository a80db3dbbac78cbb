package scan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

func TestUnsupportedKindsAreRefusedWithAReason(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "docs.zip")
	writeZip(t, other, map[string][]byte{"readme.txt": []byte("hello")})
	s := newTestScanner(t)
	for path, want := range map[string]string{other: "not an app package"} {
		_, err := s.Scan(context.Background(), []string{path})
		var ie *InputError
		if !errors.Is(err, ErrUnsupported) || !errors.As(err, &ie) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want ErrUnsupported mentioning %q", filepath.Base(path), err, want)
		}
	}
}

func TestDirectoryScansRecognizedFilesOnly(t *testing.T) {
	corpus := testcorpus.Dir(t)
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(corpus, "android", "uncrackable-level1.apk"))
	if err != nil {
		t.Skip("uncrackable-level1.apk not in corpus")
	}
	os.WriteFile(filepath.Join(dir, "release.bin"), data, 0o644) // an APK under another name
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not an artifact"), 0o644)
	rep, err := newTestScanner(t).Scan(context.Background(), []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Targets) != 1 || rep.Targets[0].Type != string(KindAPK) {
		t.Fatalf("targets = %+v, want the one APK", rep.Targets)
	}
	if rep.Targets[0].App == nil || rep.Targets[0].App.ID != "owasp.mstg.uncrackable1" {
		t.Errorf("app = %+v", rep.Targets[0].App)
	}
}
