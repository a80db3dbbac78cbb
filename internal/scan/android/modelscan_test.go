package android

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/archive"
	"github.com/bulwark-security/bulwark/internal/detect"
	"github.com/bulwark-security/bulwark/internal/finding"
	"github.com/bulwark-security/bulwark/internal/modelscan"
	"github.com/bulwark-security/bulwark/internal/rules"
)

// TestEveryModelCheckHasACatalogueRule reads the rule constants of
// internal/modelscan (const ruleXxx = "check-id") and checks that each
// maps to a catalogue rule explicitly, not by the verdict fallback.
func TestEveryModelCheckHasACatalogueRule(t *testing.T) {
	t.Parallel()
	cat, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../modelscan/*.go")
	fset := token.NewFileSet()
	checks := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, id := range spec.Names {
				if !strings.HasPrefix(id.Name, "rule") || i >= len(spec.Values) {
					continue
				}
				check, ok := stringLit(spec.Values[i])
				if !ok {
					continue
				}
				checks++
				if _, ok := modelRules[check]; !ok {
					t.Errorf("%s: check %q has no catalogue rule in modelRules", f, check)
				}
			}
			return true
		})
	}
	if checks < 40 {
		t.Errorf("found %d model checks; the parse is broken", checks)
	}
	for check, rule := range modelRules {
		if _, ok := cat.ByName(rule); !ok {
			t.Errorf("check %s maps to %s, which is not in the catalogue", check, rule)
		}
	}
}

func TestModelRuleFallsBackByVerdict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		r    modelscan.Reason
		want string
	}{
		{modelscan.Reason{Rule: "keras-lambda-layer", Verdict: modelscan.Dangerous}, ruleModelCode},
		{modelscan.Reason{Rule: "future-check", Verdict: modelscan.Dangerous}, ruleModelCode},
		{modelscan.Reason{Rule: "future-check", Verdict: modelscan.Suspicious}, ruleModelCustom},
		{modelscan.Reason{Rule: "future-check", Verdict: modelscan.Safe}, ruleModelNotExamined},
	} {
		if got := ModelRule(tc.r); got != tc.want {
			t.Errorf("ModelRule(%+v) = %s, want %s", tc.r, got, tc.want)
		}
	}
}

// TestModelsInsideAnAppAreExamined checks that models shipped in an APK go
// through the same model scanner as bulwark model scan: a pickle that
// imports os.system inside a PyTorch archive is code execution, a benign
// pickle raises nothing of the kind.
func TestModelsInsideAnAppAreExamined(t *testing.T) {
	t.Parallel()
	benign := []byte("\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94\x8c\x01a\x94K\x01s.")
	evil := []byte("\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.")
	app := testApp{minSDK: 26, targetSDK: 34, files: map[string][]byte{
		"assets/models/ok.pkl":  benign,
		"assets/models/net.pt":  zipOf(t, map[string][]byte{"archive/data.pkl": evil, "archive/version": []byte("3\n")}),
		"assets/models/bad.pkl": evil,
	}}
	data := app.apk(t)
	z, err := archive.OpenZip(bytes.NewReader(data), int64(len(data)), archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Analyze(context.Background(), Input{Pkg: z, File: bytes.NewReader(data), Size: int64(len(data))},
		Options{Secrets: detect.Default(), Now: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
			Models: modelscan.New(modelscan.Options{}, modelscan.PickleFormats())})
	if err != nil {
		t.Fatal(err)
	}
	code := map[string]string{}
	for _, h := range hitsOf(res, ruleModelCode) {
		code[h.Locations[0].Path] = h.Locations[0].Symbol
		if h.Severity == nil || *h.Severity != finding.SeverityCritical || !strings.Contains(h.Message, "os.system") {
			t.Errorf("hit %+v: want a critical finding naming os.system", h)
		}
	}
	want := map[string]string{"assets/models/bad.pkl": "", "assets/models/net.pt": "archive/data.pkl"}
	if diff := cmp.Diff(want, code); diff != "" {
		t.Errorf("code-execution findings by model (-want +got):\n%s", diff)
	}
	for _, h := range hitsOf(res, "ai-model-inventory") {
		if v := h.Props["verdict"]; (h.Locations[0].Path == "assets/models/ok.pkl") != (v == "safe") {
			t.Errorf("%s: verdict %q", h.Locations[0].Path, v)
		}
	}
}
