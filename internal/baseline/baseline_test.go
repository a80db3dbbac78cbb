package baseline

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/finding"
)

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	fs := []finding.Finding{
		{RuleID: "BW1001", Title: "Debuggable", Kind: finding.KindWeakness, Fingerprint: "aaa", Locations: []finding.Location{{Artifact: "app.apk", Path: "AndroidManifest.xml"}}},
		{RuleID: "BW6012", Title: "Model", Kind: finding.KindInventory, Fingerprint: "bbb"},
		{RuleID: "BW1001", Title: "Debuggable", Kind: finding.KindWeakness, Fingerprint: "aaa"},
	}
	var buf bytes.Buffer
	if err := Write(&buf, fs, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "app.apk") {
		t.Error("baseline records the artifact path; it must not depend on where the APK lies")
	}
	b, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !b.Contains(fs[0]) {
		t.Error("weakness written to the baseline is not contained")
	}
	if b.Contains(fs[1]) {
		t.Error("inventory finding was written to the baseline; only weaknesses are")
	}
	if b.Len() != 1 {
		t.Errorf("Len = %d, want 1 (duplicates collapse)", b.Len())
	}
}

func TestReadRejects(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"not JSON":              "hello",
		"wrong version":         `{"version": 9, "findings": []}`,
		"unknown field (typo)":  `{"version": 1, "findigns": []}`,
		"entry without digest":  `{"version": 1, "findings": [{"ruleId": "BW1001"}]}`,
		"SARIF file by mistake": `{"version": "2.1.0", "runs": []}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Read(strings.NewReader(in)); err == nil {
				t.Error("got nil error")
			}
		})
	}
}
