package cli

import (
	stdzip "archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

func run(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	if dir != "" {
		old, _ := os.Getwd()
		if err := os.Chdir(dir); err != nil {
			t.Fatal(err)
		}
		defer os.Chdir(old)
	}
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestUsageErrorsExit2(t *testing.T) {
	tmp := t.TempDir()
	notApp := filepath.Join(tmp, "notes.txt")
	os.WriteFile(notApp, []byte("just text"), 0o644)
	badCfg := filepath.Join(tmp, "bad.yaml")
	os.WriteFile(badCfg, []byte("version: 1\nscan:\n  dissable: []\n"), 0o644)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"scan without a path", []string{"scan"}, "at least one PATH"},
		{"unknown format", []string{"scan", "--format", "xml", notApp}, "unknown report format"},
		{"missing file", []string{"scan", filepath.Join(tmp, "nope.apk")}, "no such file"},
		{"unrecognized file", []string{"scan", notApp}, "unrecognized file type"},
		{"unknown flag", []string{"scan", "--fial-on", "high", notApp}, "unknown flag"},
		{"bad fail-on", []string{"scan", "--fail-on", "severe", notApp}, "unknown severity"},
		{"typo in the configuration", []string{"scan", "--config", badCfg, notApp}, "dissable"},
		{"missing baseline", []string{"scan", "--baseline", filepath.Join(tmp, "none.json"), notApp}, "--baseline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tt.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr: %s", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q does not mention %q", stderr, tt.wantErr)
			}
		})
	}
}

func TestUnsupportedInputsExit2(t *testing.T) {
	zip := filepath.Join(t.TempDir(), "docs.zip")
	f, err := os.Create(zip)
	if err != nil {
		t.Fatal(err)
	}
	zw := stdzip.NewWriter(f)
	w, _ := zw.Create("readme.txt")
	w.Write([]byte("not an app"))
	zw.Close()
	f.Close()
	code, _, stderr := run(t, "", "scan", zip)
	if code != ExitUsage || !strings.Contains(stderr, "not an app package") {
		t.Errorf("ZIP: exit %d, stderr %q; want 2 and 'not an app package'", code, stderr)
	}
}

func TestScanIOSApp(t *testing.T) {
	ipa := testcorpus.Path(t, "ios/mobsf-test-ios.ipa")
	code, stdout, stderr := run(t, "", "scan", "--format", "json", ipa)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0 (no high finding); stderr %s", code, stderr)
	}
	for _, want := range []string{`"platform": "ios"`, `"com.kthcorp.helloworld"`, "ios-min-os-outdated", "ios-binary-no-stack-canary"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("report does not mention %s", want)
		}
	}
}

func TestFailOnAndBaseline(t *testing.T) {
	apk := testcorpus.Path(t, "android/insecurebankv2.apk")
	tmp := t.TempDir()
	if code, _, stderr := run(t, "", "scan", "-q", "--fail-on", "high", apk); code != ExitFindings {
		t.Errorf("--fail-on high: exit %d, want 1 (the app is debuggable); %s", code, stderr)
	}
	if code, _, stderr := run(t, "", "scan", "-q", "--fail-on", "critical", apk); code != ExitOK {
		t.Errorf("--fail-on critical: exit %d, want 0 (no critical finding); %s", code, stderr)
	}
	if code, _, _ := run(t, "", "scan", "-q", apk); code != ExitOK {
		t.Errorf("no --fail-on: exit %d, want 0", code)
	}
	base := filepath.Join(tmp, "baseline.json")
	if code, _, stderr := run(t, "", "scan", "-q", "--write-baseline", base, apk); code != ExitOK {
		t.Fatalf("--write-baseline: exit %d: %s", code, stderr)
	}
	code, out, stderr := run(t, "", "scan", "-q", "--baseline", base, "--fail-on", "low", "--format", "json", apk)
	if code != ExitOK {
		t.Errorf("with the baseline: exit %d, want 0; %s", code, stderr)
	}
	var rep struct {
		Findings []struct {
			Kind string `json:"kind"`
		} `json:"findings"`
		Suppressed struct {
			Baseline int `json:"baseline"`
		} `json:"suppressed"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Kind == "weakness" {
			t.Errorf("a weakness is reported despite the baseline")
			break
		}
	}
	if rep.Suppressed.Baseline == 0 {
		t.Error("suppressed.baseline = 0, want the baselined count")
	}
}

func TestConfigDisablesRulesWithReason(t *testing.T) {
	apk := testcorpus.Path(t, "android/insecurebankv2.apk")
	tmp := t.TempDir()
	os.WriteFile(filepath.Join(tmp, ".bulwark.yaml"), []byte(`version: 1
scan:
  disable:
    - rule: android-debuggable
      reason: test build
    - rule: BW4006
      reason: test
`), 0o644)
	code, out, stderr := run(t, tmp, "scan", "-q", "--format", "json", apk)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(out, `"BW1001"`) || strings.Contains(out, `"BW4006"`) {
		t.Error("disabled rules still reported")
	}
	os.WriteFile(filepath.Join(tmp, ".bulwark.yaml"), []byte("version: 1\nscan:\n  disable:\n    - rule: BW1001\n"), 0o644)
	if code, _, stderr := run(t, tmp, "scan", "-q", apk); code != ExitUsage || !strings.Contains(stderr, "reason") {
		t.Errorf("disable without a reason: exit %d, stderr %q; want 2 asking for a reason", code, stderr)
	}
}

// TestSecretsNeverPrinted scans every corpus app into every format and
// checks that none of the plaintext secrets the apps are known to hold
// appears in any output.
func TestSecretsNeverPrinted(t *testing.T) {
	apps := []string{"android/insecurebankv2.apk", "android/diva-beta.apk", "android/androgoat.apk", "android/uncrackable-level1.apk"}
	secrets := []string{"p@ssword", "123secretapikey123", "secrettveeterapikey", "olsdfgad;lh", "This is the super secret key 123",
		"8d127684cbc37c17616d806cf50473cc", "CrazyPassword", "vendorsecretkey"}
	for _, app := range apps {
		apk := testcorpus.Path(t, app)
		for _, format := range []string{"table", "json", "sarif", "html"} {
			code, out, stderr := run(t, "", "scan", "-q", "--format", format, apk)
			if code != ExitOK {
				t.Fatalf("%s %s: exit %d: %s", app, format, code, stderr)
			}
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("%s (%s): output contains the secret %q", app, format, s)
				}
			}
		}
	}
}

func TestOutputFileAndFormats(t *testing.T) {
	apk := testcorpus.Path(t, "android/androgoat.apk")
	tmp := t.TempDir()
	sarif := filepath.Join(tmp, "r.sarif")
	if code, _, stderr := run(t, "", "scan", "-q", "--format", "sarif", "-o", sarif, apk); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(sarif)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID    string            `json:"ruleId"`
				Locations []json.RawMessage `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("SARIF is not JSON: %v", err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 || len(doc.Runs[0].Results) == 0 {
		t.Fatalf("unexpected SARIF shape: version %q, %d runs", doc.Version, len(doc.Runs))
	}
	for _, r := range doc.Runs[0].Results {
		if len(r.Locations) > 10 {
			t.Errorf("%s: %d locations, GitHub accepts at most 10", r.RuleID, len(r.Locations))
		}
	}
}

func TestRulesCommand(t *testing.T) {
	code, out, _ := run(t, "", "rules")
	if code != ExitOK || !strings.Contains(out, "BW6001") || !strings.Contains(out, "ai-provider-key") {
		t.Errorf("rules: exit %d, output lacks BW6001/ai-provider-key", code)
	}
	code, out, _ = run(t, "", "version")
	if code != ExitOK || !strings.Contains(out, Version) {
		t.Errorf("version: exit %d, %q", code, out)
	}
}
