package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/testcorpus"
)

func TestModelScanVerdictsAndExitCodes(t *testing.T) {
	malicious := testcorpus.Path(t, "models/picklescan/data/malicious3.pkl")
	benign := testcorpus.Path(t, "models/picklescan/data/benign0_v3.pkl")
	t.Run("a pickle that runs code is dangerous and fails the build", func(t *testing.T) {
		code, out, _ := run(t, "", "model", "scan", "--format", "json", malicious)
		if code != ExitFindings {
			t.Errorf("exit %d, want %d", code, ExitFindings)
		}
		var rep struct {
			Targets []struct {
				Model struct{ Format, Verdict string }
			}
			Findings []struct {
				RuleName string
				Severity string
			}
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if len(rep.Targets) != 1 || rep.Targets[0].Model.Verdict != "dangerous" || rep.Targets[0].Model.Format != "pickle" {
			t.Errorf("targets = %+v", rep.Targets)
		}
		found := false
		for _, f := range rep.Findings {
			found = found || (f.RuleName == "model-code-execution" && f.Severity == "critical")
		}
		if !found {
			t.Errorf("no critical model-code-execution finding in %+v", rep.Findings)
		}
	})
	t.Run("a benign pickle passes", func(t *testing.T) {
		code, out, errOut := run(t, "", "model", "scan", benign)
		if code != ExitOK || !strings.Contains(out, "SAFE") {
			t.Errorf("exit %d, out %q, err %q", code, out, errOut)
		}
	})
	t.Run("a file that is no model is suspicious, not safe", func(t *testing.T) {
		notes := filepath.Join(t.TempDir(), "notes.txt")
		os.WriteFile(notes, []byte("just text"), 0o644)
		code, out, _ := run(t, "", "model", "scan", "--format", "json", notes)
		if code != ExitOK || !strings.Contains(out, `"verdict": "suspicious"`) || !strings.Contains(out, "model-not-examined") {
			t.Errorf("exit %d, out %s", code, out)
		}
	})
	t.Run("a missing file is a usage error", func(t *testing.T) {
		if code, _, _ := run(t, "", "model", "scan", filepath.Join(t.TempDir(), "nope.pt")); code != ExitUsage {
			t.Errorf("exit %d, want %d", code, ExitUsage)
		}
	})
	t.Run("a directory of models reports each file", func(t *testing.T) {
		dir := t.TempDir()
		for _, p := range []string{malicious, benign} {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, filepath.Base(p)), b, 0o644)
		}
		os.WriteFile(filepath.Join(dir, "README.md"), []byte("# models"), 0o644)
		code, out, _ := run(t, "", "model", "scan", "--format", "json", "--fail-on", "never", dir)
		var rep struct {
			Targets []struct {
				Path  string
				Model *struct{ Verdict string }
			}
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		verdicts := map[string]string{}
		for _, tg := range rep.Targets {
			if tg.Model != nil {
				verdicts[filepath.Base(tg.Path)] = tg.Model.Verdict
			}
		}
		want := map[string]string{"malicious3.pkl": "dangerous", "benign0_v3.pkl": "safe"}
		if code != ExitOK || len(rep.Targets) != 2 || verdicts["malicious3.pkl"] != want["malicious3.pkl"] || verdicts["benign0_v3.pkl"] != want["benign0_v3.pkl"] {
			t.Errorf("exit %d, verdicts %v, want %v (README.md skipped)", code, verdicts, want)
		}
	})
}
