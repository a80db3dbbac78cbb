package rbac_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/bulwark-security/bulwark/internal/rbac"
)

// FuzzConfig decodes, validates and compiles arbitrary YAML, then asks
// the resulting policy about every role: it must never panic, an invalid
// configuration must come with the fields of its problems, and every
// action Authorize allows or offers a step-up for must be one Explain
// lists.
func FuzzConfig(f *testing.F) {
	roles, err := os.ReadFile("testdata/roles.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(roles)
	for _, s := range []string{
		"",
		"roles: []",
		"roles:\n  - name: a\n    includes: [b]\n  - name: b\n    includes: [a]\n",
		"roles:\n  - name: a\n    grants:\n      - models: ['gpt-4o*', '*', claude]\n        routes: [chat]\n",
		"roles:\n  - name: a\n    includes: [admin]\n    grants:\n      - admin: ['apps.*']\n        require_mfa: true\n        max_auth_age: 90s\n",
		"roles:\n  - name: a\n    tokens_per_day: -3\n",
		"roles:\n  - name: A B\n    grants: [{routes: [admin], admin: ['*']}]\n",
		"roles:\n  - &x {name: a, grants: [{routes: [chat]}]}\n  - *x\n",
		"roles:\n  - name: a\n    unknown: 1\n",
		"roles: {name: a}\n",
		"- 1\n- 2\n",
	} {
		f.Add([]byte(s))
	}
	f.Add([]byte(aliasBomb))
	models := []string{"gpt-4o", "gpt-4o-mini", "claude-3-haiku", "o1", "x", "*"}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := rbac.ParseConfig(bytes.NewReader(data))
		if err != nil {
			return
		}
		p, err := rbac.Compile(c, rbac.Options{Now: clock})
		if err != nil {
			if !errors.Is(err, rbac.ErrInvalidConfig) || len(rbac.FieldErrors(err)) == 0 {
				t.Fatalf("Compile error without fields: %v", err)
			}
			if err := c.Validate(); err == nil {
				t.Fatal("Compile failed where Validate succeeds")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Validate fails where Compile succeeds: %v", err)
		}
		var actions []rbac.Action
		for _, r := range rbac.Routes() {
			actions = append(actions, rbac.Route(r))
		}
		for _, a := range rbac.AdminActions() {
			actions = append(actions, rbac.Admin(a))
		}
		for _, m := range models {
			actions = append(actions, rbac.Model(m))
		}
		for _, role := range p.Roles() {
			for _, s := range []rbac.Subject{{Role: role}, {Role: role, MFA: true, AuthTime: now}} {
				ex := p.Explain(s)
				if err := ex.WriteText(io.Discard); err != nil {
					t.Fatal(err)
				}
				if err := ex.WriteJSON(io.Discard); err != nil {
					t.Fatal(err)
				}
				listed := map[rbac.Action]bool{}
				for _, pm := range ex.Permissions {
					listed[rbac.Action{Kind: pm.Kind, Name: pm.Name}] = true
				}
				for _, a := range actions {
					d := p.Authorize(s, a)
					if (d.Allowed || d.StepUp != nil) && a.Kind != rbac.KindModel && !listed[a] {
						t.Fatalf("role %s: %v reachable (%+v) but not explained", role, a, d)
					}
					if d.Allowed && d.StepUp != nil {
						t.Fatalf("role %s: %v allowed with a step-up", role, a)
					}
				}
			}
		}
	})
}
