package appcontent

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

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

func stringLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}
