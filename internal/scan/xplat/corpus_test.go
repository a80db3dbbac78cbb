package xplat

import (
	"archive/zip"
	"io"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// TestCorpusNativeApps runs Detect over the real apps of the shared
// corpus: all are native Android or iOS apps, so no framework is found.
func TestCorpusNativeApps(t *testing.T) {
	t.Parallel()
	for _, rel := range []string{
		"android/diva-beta.apk", "android/insecurebankv2.apk", "android/androgoat.apk",
		"android/uncrackable-level1.apk", "ios/mobsf-test-ios.ipa",
	} {
		t.Run(rel, func(t *testing.T) {
			t.Parallel()
			zr, err := zip.OpenReader(testcorpus.Path(t, rel))
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			var names []string
			files := map[string]*zip.File{}
			for _, f := range zr.File {
				names = append(names, f.Name)
				files[f.Name] = f
			}
			read := func(name string, max int64) ([]byte, error) {
				rc, err := files[name].Open()
				if err != nil {
					return nil, err
				}
				defer rc.Close()
				return io.ReadAll(io.LimitReader(rc, max))
			}
			facts, warns := Detect(names, read, Limits{})
			if len(facts.Frameworks) != 0 || len(facts.Payloads) != 0 {
				t.Errorf("frameworks %v, %d payloads; want none", frameworkNames(facts), len(facts.Payloads))
			}
			if len(warns) != 0 {
				t.Errorf("warnings: %v", warns)
			}
		})
	}
}

// TestCorpusPrintable checks the printable extractor on a real native
// library: the JNI entry points of DIVA's libdivajni.so are found.
func TestCorpusPrintable(t *testing.T) {
	t.Parallel()
	lib := testcorpus.ZipEntry(t, testcorpus.Path(t, "android/diva-beta.apk"), "lib/arm64-v8a/libdivajni.so")
	set := newStrSet(10000, 4096)
	printableRuns(lib, 8, set)
	found := false
	for _, s := range set.out {
		if s == "Java_jakhar_aseem_diva_DivaJni_access" {
			found = true
		}
	}
	if !found {
		t.Errorf("JNI symbol not among %d strings", len(set.out))
	}
}
