package rbac_test

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/rbac"
)

// aliasBomb nests aliases nine deep: expanded, it would be 9⁹ strings.
var aliasBomb = "roles:\n  - name: a\n    description: &a [x,x,x,x,x,x,x,x,x]\n" + func() string {
	var b strings.Builder
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString("  - name: &" + n + " [" + strings.TrimSuffix(strings.Repeat("*"+prev+",", 9), ",") + "]\n")
		prev = n
	}
	return b.String()
}()

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		want    rbac.Config
		wantErr string // substring; "" for success
	}{
		{"an empty document is an empty configuration", "  \n", rbac.Config{}, ""},
		{"every field decodes", `
roles:
  - name: ops
    description: d
    includes: [user]
    grants:
      - routes: [admin]
        models: ["gpt-4o*"]
        admin: [keys.rotate]
        require_mfa: true
        max_auth_age: 5m
    tokens_per_day: 1000
`, rbac.Config{Roles: []rbac.Role{{Name: "ops", Description: "d", Includes: []string{"user"},
			Grants:       []rbac.Grant{{Routes: []string{"admin"}, Models: []string{"gpt-4o*"}, Admin: []string{"keys.rotate"}, RequireMFA: true, MaxAuthAge: 5 * time.Minute}},
			TokensPerDay: ptr(int64(1000))}}}, ""},
		{"an unknown key is an error", "roles:\n  - name: a\n    permissions: [chat]\n", rbac.Config{}, "field permissions not found"},
		{"an unknown top-level key is an error", "role:\n  - name: a\n", rbac.Config{}, "field role not found"},
		{"a wrong type is an error", "roles:\n  - name: a\n    tokens_per_day: lots\n", rbac.Config{}, "cannot unmarshal"},
		{"a bad duration is an error", "roles:\n  - name: a\n    grants:\n      - routes: [chat]\n        max_auth_age: soon\n", rbac.Config{}, "decode rbac config"},
		{"nested aliases are refused without expanding them", aliasBomb, rbac.Config{}, "cannot unmarshal"},
		{"a document larger than the bound is refused", "roles: []\n" + strings.Repeat("#", rbac.MaxConfigBytes), rbac.Config{}, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := rbac.ParseConfig(strings.NewReader(tt.yaml))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseConfig (-want +got):\n%s", diff)
			}
		})
	}
}

func chatGrant() []rbac.Grant { return []rbac.Grant{{Routes: []string{rbac.RouteChat}}} }

func TestValidateNamesTheField(t *testing.T) {
	chain := func(n int) []rbac.Role {
		var out []rbac.Role
		for i := range n {
			r := rbac.Role{Name: fmt.Sprintf("r%d", i), Grants: chatGrant()}
			if i > 0 {
				r.Includes = []string{fmt.Sprintf("r%d", i-1)}
			}
			out = append(out, r)
		}
		return out
	}
	many := make([]rbac.Role, rbac.MaxRoles+1)
	for i := range many {
		many[i] = rbac.Role{Name: fmt.Sprintf("r%d", i), Grants: chatGrant()}
	}
	// wide: 16 roles of 256 models each, included by 100 roles: 413,696
	// permissions in all.
	var wide []rbac.Role
	var bases []string
	for i := range 16 {
		var models []string
		for m := range rbac.MaxGrantItems {
			models = append(models, fmt.Sprintf("m%d-%d", i, m))
		}
		wide = append(wide, rbac.Role{Name: fmt.Sprintf("base%d", i), Grants: []rbac.Grant{{Models: models}}})
		bases = append(bases, fmt.Sprintf("base%d", i))
	}
	for i := range 100 {
		wide = append(wide, rbac.Role{Name: fmt.Sprintf("top%d", i), Includes: bases})
	}
	tests := []struct {
		name  string
		roles []rbac.Role
		want  []string // fields, in order
		text  string   // a substring of the first problem
	}{
		{"an empty name", []rbac.Role{{Grants: chatGrant()}}, []string{"roles[0].name"}, "want 1 to 64"},
		{"an upper-case name", []rbac.Role{{Name: "Ops", Grants: chatGrant()}}, []string{"roles[0].name"}, `"Ops"`},
		{"a name with a space", []rbac.Role{{Name: "a b", Grants: chatGrant()}}, []string{"roles[0].name"}, "lower-case"},
		{"redefining a built-in role", []rbac.Role{{Name: "admin", Grants: chatGrant()}}, []string{"roles[0].name"}, "built-in"},
		{"a duplicate name", []rbac.Role{{Name: "a", Grants: chatGrant()}, {Name: "a", Grants: chatGrant()}}, []string{"roles[1].name"}, "already defined at roles[0]"},
		{"an unknown include", []rbac.Role{{Name: "a", Includes: []string{"ghost"}}}, []string{"roles[0].includes[0]"}, `unknown role "ghost"`},
		{"a role including itself", []rbac.Role{{Name: "a", Includes: []string{"a"}}}, []string{"roles[0].includes[0]"}, "includes itself"},
		{"a role included twice", []rbac.Role{{Name: "a", Includes: []string{"user", "user"}}}, []string{"roles[0].includes[1]"}, "included twice"},
		{"a cycle of two", []rbac.Role{{Name: "a", Includes: []string{"b"}}, {Name: "b", Includes: []string{"a"}}},
			[]string{"roles[1].includes[0]"}, "cycle of includes: a → b → a"},
		{"a cycle of three through a built-in-including role", []rbac.Role{
			{Name: "a", Includes: []string{"user", "b"}}, {Name: "b", Includes: []string{"c"}}, {Name: "c", Includes: []string{"a"}}},
			[]string{"roles[2].includes[0]"}, "a → b → c → a"},
		{"includes too deep", chain(rbac.MaxIncludeDepth + 2), []string{fmt.Sprintf("roles[%d].includes", rbac.MaxIncludeDepth+1)}, "levels deep"},
		{"too many includes", []rbac.Role{{Name: "a", Includes: make([]string, rbac.MaxIncludes+1)}}, []string{"roles[0].includes"}, "at most"},
		{"too many roles", many, []string{"roles"}, "at most"},
		{"more permissions in all than the bound", wide, []string{"roles"}, "in all"},
		{"an unknown route", []rbac.Role{{Name: "a", Grants: []rbac.Grant{{Routes: []string{"chat", "images"}}}}},
			[]string{"roles[0].grants[0].routes[1]"}, `unknown route "images"`},
		{"a route listed twice", []rbac.Role{{Name: "a", Grants: []rbac.Grant{{Routes: []string{"chat", "chat"}}}}},
			[]string{"roles[0].grants[0].routes[1]"}, "listed twice"},
		{"an unknown admin action", []rbac.Role{{Name: "a", Grants: []rbac.Grant{{Routes: []string{"admin"}, Admin: []string{"apps.delete"}}}}},
			[]string{"roles[0].grants[0].admin[0]"}, `unknown admin action "apps.delete"`},
		{"an unknown admin area", []rbac.Role{{Name: "a", Grants: []rbac.Grant{{Routes: []string{"admin"}, Admin: []string{"billing.*"}}}}},
			[]string{"roles[0].grants[0].admin[0]"}, "unknown admin action"},
		{"a model with a star inside", []rbac.Role{{Name: "a", Grants: []rbac.Grant{{Models: []string{"gpt-*-mini"}}}}},
			[]string{"roles[0].grants[0].models[0]"}, "may only end"},
		{"an empty model", []rbac.Role{{Name: "a", Grants: []rbac.Grant{{Models: []string{"ok", ""}}}}},
			[]string{"roles[0].grants[0].models[1]"}, "empty model name"},
		{"a model with a space", []rbac.Role{{Name: "a", Grants: []rbac.Grant{{Models: []string{"gpt 4"}}}}},
			[]string{"roles[0].grants[0].models[0]"}, "spaces"},
		{"a grant of nothing", []rbac.Role{{Name: "a", Grants: []rbac.Grant{{RequireMFA: true}}}}, []string{"roles[0].grants[0]"}, "grants nothing"},
		{"a negative max_auth_age", []rbac.Role{{Name: "a", Grants: []rbac.Grant{{Routes: []string{"chat"}, MaxAuthAge: -time.Minute}}}},
			[]string{"roles[0].grants[0].max_auth_age"}, "want 0"},
		{"a sub-second max_auth_age", []rbac.Role{{Name: "a", Grants: []rbac.Grant{{Routes: []string{"chat"}, MaxAuthAge: time.Millisecond}}}},
			[]string{"roles[0].grants[0].max_auth_age"}, "at least 1s"},
		{"a negative token cap", []rbac.Role{{Name: "a", Grants: chatGrant(), TokensPerDay: ptr(int64(-1))}}, []string{"roles[0].tokens_per_day"}, "want 0"},
		{"admin actions without the admin route", []rbac.Role{{Name: "a", Grants: []rbac.Grant{{Admin: []string{"apps.read"}}}}},
			[]string{"roles[0].grants"}, `not the "admin" route`},
		{"a description too long", []rbac.Role{{Name: "a", Description: strings.Repeat("x", rbac.MaxDescLen+1), Grants: chatGrant()}},
			[]string{"roles[0].description"}, "longer than"},
		{"every problem is reported, in order", []rbac.Role{
			{Name: "a", Grants: []rbac.Grant{{Routes: []string{"chatt"}}, {Models: []string{"*x"}}}},
			{Name: "b", Includes: []string{"nobody"}, TokensPerDay: ptr(int64(-5))}},
			[]string{"roles[0].grants[0].routes[0]", "roles[0].grants[1].models[0]", "roles[1].includes[0]", "roles[1].tokens_per_day"}, "unknown route"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an error naming its field", func(t *testing.T) {
			err := rbac.Config{Roles: tt.roles}.Validate()
			if !errors.Is(err, rbac.ErrInvalidConfig) {
				t.Fatalf("Validate = %v, want ErrInvalidConfig", err)
			}
			var fields []string
			fes := rbac.FieldErrors(err)
			for _, fe := range fes {
				fields = append(fields, fe.Field)
			}
			if diff := cmp.Diff(tt.want, fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s\nerror: %v", diff, err)
			}
			if len(fes) > 0 && !strings.Contains(fes[0].Problem, tt.text) {
				t.Errorf("first problem %q, want it to contain %q", fes[0].Problem, tt.text)
			}
			if !strings.Contains(err.Error(), tt.want[0]+": ") {
				t.Errorf("error %q does not name %s", err, tt.want[0])
			}
		})
	}
}

func TestValidConfigurations(t *testing.T) {
	valid := []struct {
		name  string
		roles []rbac.Role
	}{
		{"no roles", nil},
		{"a role including both built-in roles", []rbac.Role{{Name: "a", Includes: []string{"user", "admin"}}}},
		{"a diamond of includes", []rbac.Role{
			{Name: "base", Grants: chatGrant()},
			{Name: "l", Includes: []string{"base"}}, {Name: "r", Includes: []string{"base"}},
			{Name: "top", Includes: []string{"l", "r"}}}},
		{"a role defined after the role including it", []rbac.Role{{Name: "a", Includes: []string{"b"}}, {Name: "b", Grants: chatGrant()}}},
		{"admin actions with the admin route from an included role", []rbac.Role{{Name: "a", Includes: []string{"admin"}, Grants: []rbac.Grant{{Admin: []string{"apps.*"}}}}}},
		{"includes exactly as deep as allowed", func() []rbac.Role {
			var out []rbac.Role
			for i := range rbac.MaxIncludeDepth + 1 {
				r := rbac.Role{Name: fmt.Sprintf("r%d", i), Grants: chatGrant()}
				if i > 0 {
					r.Includes = []string{fmt.Sprintf("r%d", i-1)}
				}
				out = append(out, r)
			}
			return out
		}()},
	}
	for _, tt := range valid {
		t.Run(tt.name+" is valid", func(t *testing.T) {
			if err := (rbac.Config{Roles: tt.roles}).Validate(); err != nil {
				t.Errorf("Validate = %v, want nil", err)
			}
		})
	}
}

// TestDocumentedConfiguration validates every YAML example of
// docs/identity-rbac.md, so that the documentation cannot go stale.
func TestDocumentedConfiguration(t *testing.T) {
	doc, err := os.ReadFile("../../docs/identity-rbac.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) == 0 {
		t.Fatal("docs/identity-rbac.md has no yaml example")
	}
	for i, b := range blocks {
		t.Run(fmt.Sprintf("example %d is a valid configuration", i+1), func(t *testing.T) {
			// Examples show the rbac section of bulwark.yaml: take its body.
			text, ok := strings.CutPrefix(string(b[1]), "rbac:\n")
			if !ok {
				t.Fatal("the example does not start with the rbac: key")
			}
			var body strings.Builder
			for line := range strings.Lines(text) {
				body.WriteString(strings.TrimPrefix(line, "  "))
			}
			c, err := rbac.ParseConfig(strings.NewReader(body.String()))
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Roles) == 0 {
				t.Fatal("the example declares no role")
			}
			if err := c.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}
