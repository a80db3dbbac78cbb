package rbac_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/rbac"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestExplain(t *testing.T) {
	p := loadPolicy(t)
	src := func(rule string, via ...string) rbac.Source { return rbac.Source{Via: via, Rule: rule} }
	withStep := func(s rbac.Source, r rbac.Requirement) rbac.Source { s.StepUp = &r; return s }
	withPattern := func(s rbac.Source, pat string) rbac.Source { s.Pattern = pat; return s }
	mfa := rbac.Requirement{MFA: true}

	t.Run("an unknown role explains that nothing is allowed", func(t *testing.T) {
		got := p.Explain(rbac.Subject{User: "usr_9", Role: "ghost"})
		want := rbac.Explanation{User: "usr_9", Role: "ghost", Roles: []string{}, Permissions: []rbac.Permission{}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Explain (-want +got):\n%s", diff)
		}
	})
	t.Run("a role's permissions come with the chain of roles that gives each", func(t *testing.T) {
		got := p.Explain(rbac.Subject{User: "usr_1", Role: "premium"})
		want := rbac.Explanation{User: "usr_1", Role: "premium", KnownRole: true, Roles: []string{"premium", "mini"},
			TokensPerDay: &rbac.BudgetSource{Limit: 50000, Via: []string{"premium", "mini"}},
			Permissions: []rbac.Permission{
				{Kind: rbac.KindRoute, Name: "chat", Sources: []rbac.Source{src("mini.grants[0]", "premium", "mini")}},
				{Kind: rbac.KindRoute, Name: "embeddings", Sources: []rbac.Source{src("premium.grants[0]", "premium")}},
				{Kind: rbac.KindModel, Name: "claude-3-haiku", Sources: []rbac.Source{src("mini.grants[0]", "premium", "mini")}},
				{Kind: rbac.KindModel, Name: "gpt-4o*", Sources: []rbac.Source{src("mini.grants[0]", "premium", "mini")}},
				{Kind: rbac.KindModel, Name: "o1", Sources: []rbac.Source{withStep(src("premium.grants[1]", "premium"), rbac.Requirement{MaxAuthAge: time.Hour})}},
				{Kind: rbac.KindModel, Name: "text-embedding-3-small", Sources: []rbac.Source{src("premium.grants[0]", "premium")}},
			}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Explain (-want +got):\n%s", diff)
		}
	})
	t.Run("a permission given by two roles lists both, nearest first", func(t *testing.T) {
		got := p.Explain(rbac.Subject{Role: "ops"})
		var admin *rbac.Permission
		for i, pm := range got.Permissions {
			if pm.Kind == rbac.KindRoute && pm.Name == rbac.RouteAdmin {
				admin = &got.Permissions[i]
			}
		}
		if admin == nil {
			t.Fatalf("ops has no admin route: %+v", got.Permissions)
		}
		want := []rbac.Source{
			withStep(src("auditor.grants[0]", "ops", "auditor"), rbac.Requirement{MFA: true, MaxAuthAge: 15 * time.Minute}),
			withStep(src("support.grants[0]", "ops", "support"), mfa),
		}
		if diff := cmp.Diff(want, admin.Sources); diff != "" {
			t.Errorf("sources of the admin route (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"ops", "support", "auditor", "user"}, got.Roles); diff != "" {
			t.Errorf("roles (-want +got):\n%s", diff)
		}
	})
	t.Run("the admin role lists every admin action, from its * pattern", func(t *testing.T) {
		got := p.Explain(rbac.Subject{Role: rbac.RoleAdmin})
		var actions []string
		for _, pm := range got.Permissions {
			if pm.Kind == rbac.KindAdmin {
				actions = append(actions, pm.Name)
				if diff := cmp.Diff([]rbac.Source{withPattern(src("admin.grants[0]", "admin"), "*")}, pm.Sources); diff != "" {
					t.Errorf("sources of %s (-want +got):\n%s", pm.Name, diff)
				}
			}
		}
		if diff := cmp.Diff(rbac.AdminActions(), actions); diff != "" {
			t.Errorf("admin actions (-want +got):\n%s", diff)
		}
	})
	t.Run("every allowed or step-up action is in the explanation and nothing else", func(t *testing.T) {
		for _, role := range p.Roles() {
			s := rbac.Subject{Role: role}
			ex := p.Explain(s)
			listed := map[rbac.Action]bool{}
			for _, pm := range ex.Permissions {
				listed[rbac.Action{Kind: pm.Kind, Name: pm.Name}] = true
			}
			var actions []rbac.Action
			for _, r := range rbac.Routes() {
				actions = append(actions, rbac.Route(r))
			}
			for _, a := range rbac.AdminActions() {
				actions = append(actions, rbac.Admin(a))
			}
			for _, a := range actions {
				d := p.Authorize(s, a)
				if reachable := d.Allowed || d.StepUp != nil; reachable != listed[a] {
					t.Errorf("role %s, %v: Authorize = %+v but listed = %t", role, a, d, listed[a])
				}
			}
		}
	})
}

func TestExplainRenderings(t *testing.T) {
	p := loadPolicy(t)
	for _, role := range []string{"ops", "premium", rbac.RoleUser, "ghost"} {
		ex := p.Explain(rbac.Subject{User: "usr_42", Role: role})
		t.Run(role+" as text matches the golden file", func(t *testing.T) {
			var b bytes.Buffer
			if err := ex.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "explain-"+role+".txt"), b.Bytes())
		})
		t.Run(role+" as JSON matches the golden file and decodes", func(t *testing.T) {
			var b bytes.Buffer
			if err := ex.WriteJSON(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "explain-"+role+".json"), b.Bytes())
			var back map[string]any
			if err := json.Unmarshal(b.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			if back["role"] != role {
				t.Errorf("role = %v, want %s", back["role"], role)
			}
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}
