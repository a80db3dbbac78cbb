package scan

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bulwark-security/bulwark/internal/rules"
)

// TestEveryRuleHasACheck parses the analyzers' sources and checks that
// every catalogue rule is raised somewhere, and that every rule name a
// check raises exists in the catalogue.
func TestEveryRuleHasACheck(t *testing.T) {
	t.Parallel()
	cat, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, dir := range analyzerDirs {
		m, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		files = append(files, m...)
	}
	fset := token.NewFileSet()
	raised := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			// Rule: "name" in composite literals, and the first argument
			// of group.add.
			switch x := n.(type) {
			case *ast.KeyValueExpr:
				if id, ok := x.Key.(*ast.Ident); ok && id.Name == "Rule" {
					if s, ok := stringLit(x.Value); ok {
						raised[s] = true
					}
				}
			case *ast.CallExpr:
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "add" || sel.Sel.Name == "Add") && len(x.Args) > 0 {
					if s, ok := stringLit(x.Args[0]); ok {
						raised[s] = true
					}
				}
			case *ast.FuncDecl:
				// ruleForSecret returns rule names.
				if x.Name.Name == "ruleForSecret" || x.Name.Name == "RuleForSecret" {
					ast.Inspect(x, func(n ast.Node) bool {
						if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) > 0 {
							if s, ok := stringLit(r.Results[0]); ok && s != "" {
								raised[s] = true
							}
						}
						return true
					})
				}
			case *ast.ValueSpec:
				// const ruleModelCode = "name": the rules of model checks.
				for i, id := range x.Names {
					if strings.HasPrefix(id.Name, "rule") && i < len(x.Values) {
						if s, ok := stringLit(x.Values[i]); ok {
							raised[s] = true
						}
					}
				}
			case *ast.AssignStmt:
				// rule := "name"; rule = "name"
				for i, l := range x.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == "rule" && i < len(x.Rhs) {
						if s, ok := stringLit(x.Rhs[i]); ok {
							raised[s] = true
						}
					}
				}
			}
			return true
		})
	}
	for name := range raised {
		if _, ok := cat.ByName(name); !ok {
			t.Errorf("a check raises %q, which is not in the catalogue", name)
		}
	}
	for _, r := range cat.All() {
		if !raised[r.Name] {
			t.Errorf("rule %s (%s) is in the catalogue but no check raises it", r.ID, r.Name)
		}
	}
}

// analyzerDirs hold the checks that raise catalogue rules.
var analyzerDirs = []string{".", "android", "appcontent", "ios", "source"}

func stringLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}
