package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/androidres/axmltest"
	"github.com/bulwark-security/bulwark/internal/androidres/prototest"
	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/rules"
	"github.com/bulwark-security/bulwark/internal/scan/android"
	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

// manifestRules are the rules of the manifest and network security
// configuration checks: a bundle must give what its APK gives.
var manifestRules = []string{
	"android-app-link-unverified", "android-backup-allowed", "android-cleartext-traffic-allowed",
	"android-dangerous-permissions", "android-debuggable", "android-deep-link", "android-exported-component",
	"android-min-sdk-outdated", "android-nsc-cleartext-base", "android-nsc-cleartext-domain",
	"android-nsc-debug-overrides-active", "android-nsc-override-pins", "android-nsc-pins-expired",
	"android-nsc-user-certificates", "android-provider-grant-uri", "android-target-sdk-outdated",
	"android-task-hijacking", "android-test-only", "android-weak-custom-permission",
}

func bundleTestScanner(t *testing.T) *Scanner {
	t.Helper()
	cat, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Catalog: cat, Secrets: detect.Default()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func analyzeOptions(inspect android.SignatureInspector) android.Options {
	return android.Options{Secrets: detect.Default(), Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), InspectSignatures: inspect}
}

// analyzeAPKFile runs the Android analyzer over an APK as the scanner does.
func analyzeAPKFile(t *testing.T, path string) *android.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	z, err := archive.OpenZip(f, st.Size(), archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := android.Analyze(context.Background(), android.Input{Pkg: z, File: f, Size: st.Size()}, analyzeOptions(inspectSignatures))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// analyzeBundleFile runs the Android analyzer over a bundle through
// openBundle, and maps locations back with bundleLocations.
func analyzeBundleFile(t *testing.T, s *Scanner, path string) *android.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	in, view, err := s.openBundle(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	if !in.Bundle {
		t.Error("openBundle: Input.Bundle = false, want true")
	}
	res, err := android.Analyze(context.Background(), in, analyzeOptions(inspectBundleSignatures))
	if err != nil {
		t.Fatal(err)
	}
	bundleLocations(view, res)
	return res
}

// writeBundle converts an APK to a bundle file in a temporary directory.
func writeBundle(t *testing.T, apk []byte) string {
	t.Helper()
	aab, err := prototest.BundleFromAPK(apk)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "app.aab")
	if err := os.WriteFile(p, aab, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// apkPathInBundle is where an APK path of the base module lives in a bundle.
func apkPathInBundle(p string) string {
	switch {
	case p == "AndroidManifest.xml":
		return "base/manifest/AndroidManifest.xml"
	case strings.HasPrefix(p, "res/"), strings.HasPrefix(p, "assets/"), strings.HasPrefix(p, "lib/"):
		return "base/" + p
	}
	return p
}

// hitsOfRules returns the hits of the given rules, sorted, with their
// locations mapped by loc.
func hitsOfRules(res *android.Result, rules []string, loc func(string) string) []finding.Hit {
	var out []finding.Hit
	for _, h := range res.Hits {
		if !slices.Contains(rules, h.Rule) {
			continue
		}
		h.Locations = slices.Clone(h.Locations)
		for i := range h.Locations {
			h.Locations[i].Path = loc(h.Locations[i].Path)
		}
		out = append(out, h)
	}
	slices.SortStableFunc(out, func(a, b finding.Hit) int { return strings.Compare(a.Rule+"\x00"+a.Key, b.Rule+"\x00"+b.Key) })
	return out
}

func ruleSet(res *android.Result) []string {
	var out []string
	for _, h := range res.Hits {
		if !slices.Contains(out, h.Rule) {
			out = append(out, h.Rule)
		}
	}
	slices.Sort(out)
	return out
}

// TestCorpusBundlesMatchTheirAPKs builds a bundle from each corpus APK
// (manifest, XML resources and table converted to proto, DEX, native
// libraries, assets and the JAR signature moved as bundletool lays them
// out) and checks that the bundle gives the APK's manifest findings, at
// bundle paths.
func TestCorpusBundlesMatchTheirAPKs(t *testing.T) {
	t.Parallel()
	apks, _ := filepath.Glob(filepath.Join(testcorpus.Dir(t), "android", "*.apk"))
	if len(apks) == 0 {
		t.Skip("no corpus APKs")
	}
	s := bundleTestScanner(t)
	for _, apk := range apks {
		t.Run(filepath.Base(apk), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(apk)
			if err != nil {
				t.Fatal(err)
			}
			want := analyzeAPKFile(t, apk)
			got := analyzeBundleFile(t, s, writeBundle(t, data))
			if diff := cmp.Diff(want.App, got.App); diff != "" {
				t.Errorf("app info (-apk +bundle):\n%s", diff)
			}
			wantHits := hitsOfRules(want, manifestRules, apkPathInBundle)
			if len(wantHits) == 0 {
				t.Fatalf("the APK gives no manifest findings: nothing to compare (rules %v)", ruleSet(want))
			}
			gotHits := hitsOfRules(got, manifestRules, func(p string) string { return p })
			t.Logf("%d manifest findings compared; APK rules %v; bundle rules %v", len(wantHits), ruleSet(want), ruleSet(got))
			if diff := cmp.Diff(wantHits, gotHits); diff != "" {
				t.Errorf("manifest findings (-apk at bundle paths +bundle):\n%s", diff)
			}
			for _, h := range got.Hits {
				if h.Rule == "android-janus" || h.Rule == "android-v1-only-signature" || h.Rule == "android-unsigned" {
					t.Errorf("bundle reported %s: a bundle is JAR-signed by design", h.Rule)
				}
				for _, l := range h.Locations {
					if l.Path == "AndroidManifest.xml" || l.Path == "classes.dex" {
						t.Errorf("%s: location %q is an APK path, want the bundle path", h.Rule, l.Path)
					}
				}
			}
			if slices.Contains(ruleSet(want), "android-debug-certificate") && !slices.Contains(ruleSet(got), "android-debug-certificate") {
				t.Errorf("APK signed with the debug certificate, bundle not reported: rules %v", ruleSet(got))
			}
			for _, w := range got.Warnings {
				if strings.Contains(w.Message, "not decoded") {
					t.Errorf("warning %s: %s", w.Path, w.Message)
				}
			}
		})
	}
}

// TestBundleFindingsPointAtBundlePaths scans a small bundle built from a
// synthetic APK: debuggable, cleartext in the network security
// configuration found through resources.pb, at bundle paths and lines.
func TestBundleFindingsPointAtBundlePaths(t *testing.T) {
	t.Parallel()
	res := []axmltest.Resource{{Type: "xml", Key: "network_security_config", Str: "res/xml/network_security_config.xml"}}
	manifest := &axmltest.Node{Name: "manifest", Attrs: []axmltest.Attr{axmltest.Str("package", "com.example.app")}, Children: []*axmltest.Node{
		{Name: "uses-sdk", Attrs: []axmltest.Attr{axmltest.AInt("minSdkVersion", 0x0101020c, 24), axmltest.AInt("targetSdkVersion", 0x01010270, 34)}},
		{Name: "application", Attrs: []axmltest.Attr{
			axmltest.ABool("debuggable", 0x0101000f, true),
			axmltest.ARef("networkSecurityConfig", 0x01010527, axmltest.ID(res, 0)),
		}},
	}}
	nsc := &axmltest.Node{Name: "network-security-config", Children: []*axmltest.Node{
		{Name: "base-config", Attrs: []axmltest.Attr{axmltest.Bool("cleartextTrafficPermitted", true)}},
	}}
	files := map[string][]byte{
		"AndroidManifest.xml":                 axmltest.Encode(manifest),
		"resources.arsc":                      axmltest.EncodeTable("com.example.app", res),
		"res/xml/network_security_config.xml": axmltest.Encode(nsc),
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"AndroidManifest.xml", "resources.arsc", "res/xml/network_security_config.xml"} {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(files[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	got := analyzeBundleFile(t, bundleTestScanner(t), writeBundle(t, buf.Bytes()))
	want := map[string]string{
		"android-debuggable":         "base/manifest/AndroidManifest.xml",
		"android-nsc-cleartext-base": "base/res/xml/network_security_config.xml",
	}
	for rule, path := range want {
		var paths []string
		for _, h := range got.Hits {
			if h.Rule == rule {
				for _, l := range h.Locations {
					paths = append(paths, l.Path)
				}
			}
		}
		if !slices.Contains(paths, path) {
			t.Errorf("%s at %v, want %s (rules %v, warnings %v)", rule, paths, path, ruleSet(got), got.Warnings)
		}
	}
	for _, h := range got.Hits {
		if h.Rule == "android-unsigned" {
			t.Errorf("unsigned bundle reported as android-unsigned")
		}
	}
}

func TestBundleLocationsKeepsLabels(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"base/manifest/AndroidManifest.xml", "base/dex/classes.dex", "META-INF/UPLOAD.SF"} {
		if _, err := zw.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	z, err := archive.OpenZip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	view := archive.Bundle(z)
	shared := []finding.Location{{Path: "classes.dex", Symbol: "Lcom/a/B;"}}
	res := &android.Result{
		Hits: []finding.Hit{
			{Rule: "a", Locations: shared},
			{Rule: "b", Locations: shared},
			{Rule: "c", Locations: []finding.Location{{Path: "META-INF/"}, {Path: "APK Signing Block"}, {Path: "AndroidManifest.xml", Line: 7}}},
		},
		Warnings: []android.Warning{{Path: "classes.dex", Message: "m"}, {Path: "META-INF/UPLOAD.SF", Message: "n"}},
	}
	bundleLocations(view, res)
	var got []string
	for _, h := range res.Hits {
		for _, l := range h.Locations {
			got = append(got, l.Path)
		}
	}
	for _, w := range res.Warnings {
		got = append(got, w.Path)
	}
	want := []string{"base/dex/classes.dex", "base/dex/classes.dex", "META-INF/", "APK Signing Block",
		"base/manifest/AndroidManifest.xml", "base/dex/classes.dex", "META-INF/UPLOAD.SF"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if shared[0].Path != "classes.dex" {
		t.Errorf("a location slice shared with the analyzer was modified: %q", shared[0].Path)
	}
}
