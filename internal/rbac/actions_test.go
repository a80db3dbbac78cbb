package rbac_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"testing"

	"github.com/bulwark-security/bulwark/internal/rbac"
)

// gatewayAdminPatterns returns the patterns the gateway registers with its
// admin(pattern, handler) helper, read from its source.
func gatewayAdminPatterns(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "../gateway/admin.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "admin" {
			return true
		}
		if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil {
				out = append(out, s)
			}
		}
		return true
	})
	if len(out) == 0 {
		t.Fatal("found no admin(...) registration in ../gateway/admin.go")
	}
	return out
}

func TestEveryGatewayAdminEndpointHasAnAction(t *testing.T) {
	for _, pattern := range gatewayAdminPatterns(t) {
		t.Run(pattern+" maps to a known admin action", func(t *testing.T) {
			a, ok := rbac.AdminActionFor(pattern)
			if !ok {
				t.Fatalf("no admin action for %q", pattern)
			}
			if !slices.Contains(rbac.AdminActions(), a) {
				t.Errorf("%q maps to %q, which is not an admin action", pattern, a)
			}
		})
	}
}

func TestEveryAdminActionHasAnEndpoint(t *testing.T) {
	used := map[string]bool{}
	for _, e := range rbac.AdminEndpoints() {
		used[e.Action] = true
	}
	for _, a := range rbac.AdminActions() {
		if !used[a] {
			t.Errorf("admin action %s is performed by no endpoint", a)
		}
	}
}

func TestAdminActionForUnknownPattern(t *testing.T) {
	for _, p := range []string{"", "GET /admin/v1/secrets", "get /admin/v1/apps", "GET /admin/v1/apps/"} {
		if a, ok := rbac.AdminActionFor(p); ok {
			t.Errorf("AdminActionFor(%q) = %q, true; want no action", p, a)
		}
	}
}
