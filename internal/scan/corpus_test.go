package scan

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/rules"
	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

type manifestFile struct {
	Files []struct {
		File     string `json:"file"`
		Expected []struct {
			ID     string          `json:"id"`
			Expect json.RawMessage `json:"expect"`
		} `json:"expected_static_findings"`
	} `json:"files"`
}

type conceptMap struct {
	Concepts   map[string][]string `json:"concepts"`
	Categories map[string]string   `json:"categories"`
}

func newTestScanner(t testing.TB) *Scanner {
	t.Helper()
	cat, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Catalog: cat, Secrets: detect.Default(), Now: func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCorpusExpectedFindings scans every app of ../shared/corpus and
// checks the expectations of its MANIFEST.json: expect=true present,
// expect=false absent, a number is the exact count of findings.
func TestCorpusExpectedFindings(t *testing.T) {
	dir := testcorpus.Dir(t)
	var man manifestFile
	readJSON(t, filepath.Join(dir, "MANIFEST.json"), &man)
	var cm conceptMap
	readJSON(t, filepath.Join("testdata", "corpus-rules.json"), &cm)
	s := newTestScanner(t)
	for _, f := range man.Files {
		if !strings.HasPrefix(f.File, "android/") && !strings.HasPrefix(f.File, "ios/") {
			continue
		}
		t.Run(f.File, func(t *testing.T) {
			rep, err := s.Scan(context.Background(), []string{filepath.Join(dir, f.File)})
			if err != nil {
				t.Fatal(err)
			}
			counts := map[string]int{}
			categories := map[string]int{}
			for _, x := range rep.Findings {
				counts[x.RuleName]++
				categories[x.Category]++
				assertMasked(t, x)
			}
			for _, e := range f.Expected {
				got := 0
				if cat, ok := cm.Categories[e.ID]; ok {
					got = categories[cat]
				} else {
					names, ok := cm.Concepts[e.ID]
					if !ok {
						t.Errorf("%s: no rule mapped in testdata/corpus-rules.json", e.ID)
						continue
					}
					for _, n := range names {
						got += counts[n]
					}
				}
				var want any
				if err := json.Unmarshal(e.Expect, &want); err != nil {
					t.Fatalf("%s: expect: %v", e.ID, err)
				}
				switch w := want.(type) {
				case bool:
					if w && got == 0 {
						t.Errorf("%s: expected a finding, got none", e.ID)
					}
					if !w && got != 0 {
						t.Errorf("%s: expected no finding, got %d", e.ID, got)
					}
				case float64:
					if got != int(w) {
						t.Errorf("%s: got %d findings, want %d", e.ID, got, int(w))
					}
				case string:
					// iOS entries describe a property: "MISSING (finding)"
					// and "info" expect the weakness reported (at info for
					// the latter), "present" expects it absent.
					switch {
					case w == "present" && got != 0:
						t.Errorf("%s: the property is present, yet %d findings say it is missing", e.ID, got)
					case (strings.HasPrefix(w, "MISSING") || w == "info") && got == 0:
						t.Errorf("%s: expected a finding, got none", e.ID)
					case w == "info" && !allInfo(rep.Findings, cm.Concepts[e.ID]):
						t.Errorf("%s: expected info severity", e.ID)
					case w != "present" && w != "info" && !strings.HasPrefix(w, "MISSING"):
						t.Errorf("%s: unexpected expectation %s", e.ID, e.Expect)
					}
				default:
					t.Errorf("%s: unexpected expectation %s", e.ID, e.Expect)
				}
			}
		})
	}
}

// allInfo reports whether every finding of the named rules is at info
// severity.
func allInfo(fs []finding.Finding, names []string) bool {
	for _, f := range fs {
		for _, n := range names {
			if f.RuleName == n && f.Severity != finding.SeverityInfo {
				return false
			}
		}
	}
	return true
}

// assertMasked fails when a finding's evidence shows a secret in full.
func assertMasked(t *testing.T, f finding.Finding) {
	t.Helper()
	if f.Category != "secrets" && f.Category != "ai" {
		return
	}
	if f.Evidence != "" && !strings.Contains(f.Evidence, "…") && !strings.HasPrefix(f.Evidence, "sha256:") && f.Kind == finding.KindWeakness && strings.HasPrefix(f.RuleName, "secret-") {
		t.Errorf("%s: evidence %q is not masked", f.RuleID, f.Evidence)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestScanIsDeterministic scans the same app twice: DEX files are reduced
// concurrently, so the report must not depend on scheduling.
func TestScanIsDeterministic(t *testing.T) {
	apk := filepath.Join(testcorpus.Dir(t), "android", "androgoat.apk")
	s := newTestScanner(t)
	first, err := s.Scan(context.Background(), []string{apk})
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.Scan(context.Background(), []string{apk})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first.Findings, second.Findings); diff != "" {
		t.Errorf("two scans differ (-first +second):\n%s", diff)
	}
}
