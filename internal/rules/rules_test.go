package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/finding"
)

func TestBuiltinCatalogIsValid(t *testing.T) {
	t.Parallel()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.All()); n < 50 {
		t.Errorf("builtin catalogue has %d rules, want the full set (≥ 50)", n)
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	valid := `- id: BW9999
  name: test-rule
  title: A rule
  platform: android
  category: code
  kind: weakness
  severity: low
  confidence: high
  description: d
  remediation: r
  masvs: [MASVS-CODE-4]
  cwe: [1]
  mobile_top10: [M1]
`
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"unknown key is an error, so typos are caught", valid + "  severty: high\n", "severty"},
		{"bad id", strings.Replace(valid, "BW9999", "X1", 1), "want BW followed by four digits"},
		{"bad MASVS control", strings.Replace(valid, "MASVS-CODE-4", "MASVS-CODE-9", 1), "not a MASVS v2 control"},
		{"bad Mobile Top 10 risk", strings.Replace(valid, "[M1]", "[M11]", 1), "want M1 to M10"},
		{"unknown severity", strings.Replace(valid, "severity: low", "severity: huge", 1), "unknown severity"},
		{"protection with a severity", strings.Replace(valid, "kind: weakness", "kind: protection", 1), "must be info"},
		{"duplicate id", valid + strings.Replace(valid, "test-rule", "other-rule", 1), "duplicate id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse([]byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse: got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
	if _, err := Parse([]byte(valid)); err != nil {
		t.Errorf("valid rule rejected: %v", err)
	}
}

func TestComplete(t *testing.T) {
	t.Parallel()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	locs := make([]finding.Location, 15)
	for i := range locs {
		locs[i] = finding.Location{Path: "AndroidManifest.xml", Symbol: "c" + string(rune('a'+i))}
	}
	f, err := c.Complete("app.apk", finding.Hit{Rule: "android-debuggable", Key: "app", Locations: locs})
	if err != nil {
		t.Fatal(err)
	}
	if f.RuleID != "BW1001" || f.Severity != finding.SeverityHigh {
		t.Errorf("got %s/%s, want BW1001/high", f.RuleID, f.Severity)
	}
	if len(f.Locations) != finding.MaxLocations {
		t.Errorf("got %d locations, want at most %d", len(f.Locations), finding.MaxLocations)
	}
	if f.Locations[0].Artifact != "app.apk" {
		t.Errorf("artifact not filled in: %+v", f.Locations[0])
	}
	other, _ := c.Complete("/elsewhere/app-v2.apk", finding.Hit{Rule: "android-debuggable", Key: "app"})
	if other.Fingerprint != f.Fingerprint {
		t.Error("fingerprint depends on the artifact path; baselines would break between builds")
	}
	if _, err := c.Complete("a", finding.Hit{Rule: "no-such-rule"}); err == nil {
		t.Error("unknown rule: got nil error")
	}
	if r, ok := c.Resolve("bw1001"); !ok || r.Name != "android-debuggable" {
		t.Error("Resolve by lower-case id failed")
	}
	if r, ok := c.Resolve("android-debuggable"); !ok || r.ID != "BW1001" {
		t.Error("Resolve by name failed")
	}
}

// TestDocsAreCurrent fails when docs/rules.md no longer matches the
// catalogue; regenerate it with `make docs`.
func TestDocsAreCurrent(t *testing.T) {
	t.Parallel()
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteMarkdown(&b, c); err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(filepath.Join("..", "..", "docs", "rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != b.String() {
		t.Error("docs/rules.md is stale: run `make docs`")
	}
}
