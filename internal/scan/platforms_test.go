package scan

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/androidres/prototest"
	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// TestScanAppBundle scans an App Bundle made from a corpus APK through
// the scanner's front door: it is recognized by content, analyzed by the
// Android checks, and its findings point at bundle paths.
func TestScanAppBundle(t *testing.T) {
	corpus := testcorpus.Dir(t)
	apk, err := os.ReadFile(filepath.Join(corpus, "android", "insecurebankv2.apk"))
	if err != nil {
		t.Skip("insecurebankv2.apk not in the corpus")
	}
	aab, err := prototest.BundleFromAPK(apk)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "release.zip") // the name lies: content decides
	if err := os.WriteFile(p, aab, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := newTestScanner(t).Scan(context.Background(), []string{p})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Targets) != 1 || rep.Targets[0].Type != string(KindAAB) {
		t.Fatalf("targets = %+v, want one aab", rep.Targets)
	}
	if app := rep.Targets[0].App; app == nil || app.ID != "com.android.insecurebankv2" {
		t.Errorf("app = %+v, want com.android.insecurebankv2", app)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		if len(f.Locations) > 0 {
			got[f.RuleName] = f.Locations[0].Path
		}
	}
	for _, rule := range []string{"android-debuggable", "android-backup-allowed", "android-exported-component"} {
		if got[rule] != "base/manifest/AndroidManifest.xml" {
			t.Errorf("%s: location %q, want base/manifest/AndroidManifest.xml", rule, got[rule])
		}
	}
	for _, rule := range []string{"android-janus", "android-v1-only-signature"} {
		if _, ok := got[rule]; ok {
			t.Errorf("%s reported for a bundle, whose delivery APKs Play signs", rule)
		}
	}
	for rule, path := range got {
		if strings.HasPrefix(path, "classes") || path == "AndroidManifest.xml" {
			t.Errorf("%s: location %q is an APK name, not a bundle path", rule, path)
		}
	}
}
