package ios

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/rules"
	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

const corpusIPA = "ios/mobsf-test-ios.ipa"

// completeAll checks that every hit names a catalogue rule.
func completeAll(t *testing.T, artifact string, hits []finding.Hit) {
	t.Helper()
	cat, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hits {
		if _, err := cat.Complete(artifact, h); err != nil {
			t.Errorf("hit %s: %v", h.Rule, err)
		}
	}
}

func TestCorpusIPA(t *testing.T) {
	t.Parallel()
	p := testcorpus.Path(t, corpusIPA)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	res := analyze(t, openIPA(t, data))

	want := &finding.AppInfo{Platform: "ios", ID: "com.kthcorp.helloworld", MinOS: "5.0"}
	got := &finding.AppInfo{Platform: res.App.Platform, ID: res.App.ID, MinOS: res.App.MinOS}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AppInfo (-want +got):\n%s", diff)
	}
	for _, tc := range []struct {
		rule  string
		fires bool
	}{
		{"ios-binary-no-stack-canary", true},
		{"ios-binary-not-pie", false},
		{"ios-min-os-outdated", true},
		{"ios-binary-not-encrypted", true},
	} {
		if got := len(hitsOf(res.Hits, tc.rule)) > 0; got != tc.fires {
			t.Errorf("%s fires = %v, want %v (rules %v)", tc.rule, got, tc.fires, ruleNames(res.Hits))
		}
	}
	for _, h := range hitsOf(res.Hits, "ios-binary-not-encrypted") {
		if h.Evidence != "cryptid=0" || h.Locations[0].Path != "Payload/helloworld.app/helloworld" {
			t.Errorf("not-encrypted: got %q at %s, want cryptid=0 at the main executable", h.Evidence, h.Locations[0].Path)
		}
	}
	for _, h := range hitsOf(res.Hits, "ai-model-inventory") {
		t.Errorf("model reported in an app without models: %s", h.Locations[0].Path)
	}
	for _, w := range res.Warnings {
		t.Logf("warning: %s: %s", w.Path, w.Message)
	}
	completeAll(t, p, res.Hits)
}

func TestCorpusLoneDylib(t *testing.T) {
	t.Parallel()
	p := testcorpus.Path(t, "ios/mobsf-test-macho.dylib")
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Analyze(context.Background(), Input{Pkg: archive.Single("mobsf-test-macho.dylib", f, st.Size(), archive.Limits{})}, Options{Secrets: secrets})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	if res.App != nil {
		t.Errorf("AppInfo %+v for a lone dylib, want none", res.App)
	}
	for _, h := range res.Hits {
		if strings.HasPrefix(h.Rule, "ios-privacy") || h.Rule == "ios-binary-not-encrypted" || h.Rule == "ios-pinning-absent" {
			t.Errorf("%s raised for a lone dylib: it is no app", h.Rule)
		}
	}
	completeAll(t, p, res.Hits)
}

func BenchmarkAnalyzeCorpusIPA(b *testing.B) {
	data, err := os.ReadFile(testcorpus.Path(b, corpusIPA))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		z, err := archive.OpenZip(bytes.NewReader(data), int64(len(data)), archive.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Analyze(context.Background(), Input{Pkg: z}, Options{Secrets: secrets}); err != nil {
			b.Fatal(err)
		}
	}
}
