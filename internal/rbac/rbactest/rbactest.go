// Package rbactest is the contract test suite of rbac.Store: every
// implementation (in memory, SQLite, PostgreSQL) runs the same tests, so
// that rbac.Service's expectations hold whichever is configured.
package rbactest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/rbac"
	"github.com/bulwark-security/bulwark/internal/store"
)

func ptr[T any](v T) *T { return &v }

// support is a role that uses every field of a role.
func support() rbac.Role {
	return rbac.Role{
		Name:        "support",
		Description: "reads users and revokes sessions, with MFA",
		Includes:    []string{rbac.RoleUser},
		Grants: []rbac.Grant{
			{Routes: []string{rbac.RouteAdmin}, Admin: []string{rbac.ActionUsersRead, rbac.ActionSessionsRevoke},
				RequireMFA: true, MaxAuthAge: 15 * time.Minute},
			{Models: []string{"gpt-4o*", "text-embedding-3-small"}},
		},
		TokensPerDay: ptr(int64(200_000)),
	}
}

// Store runs the rbac.Store contract. newStore returns an empty store.
func Store(t *testing.T, newStore func(t *testing.T) rbac.Store) {
	ctx := context.Background()

	t.Run("an empty store has no roles", func(t *testing.T) {
		s := newStore(t)
		got, err := s.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Errorf("Roles = %+v, want none", got)
		}
	})

	t.Run("a stored role reads back whole", func(t *testing.T) {
		s := newStore(t)
		want := support()
		if err := s.PutRole(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]rbac.Role{want}, got); diff != "" {
			t.Errorf("Roles (-want +got):\n%s", diff)
		}
	})

	t.Run("a role without optional fields reads back without them", func(t *testing.T) {
		s := newStore(t)
		want := rbac.Role{Name: "bare", Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}}
		if err := s.PutRole(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].TokensPerDay != nil || got[0].Description != "" || len(got[0].Includes) != 0 {
			t.Errorf("Roles = %+v, want %+v", got, want)
		}
	})

	t.Run("an explicit zero token cap stays distinct from no cap", func(t *testing.T) {
		s := newStore(t)
		if err := s.PutRole(ctx, rbac.Role{Name: "unlimited", TokensPerDay: ptr(int64(0)), Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].TokensPerDay == nil || *got[0].TokensPerDay != 0 {
			t.Errorf("TokensPerDay = %v, want a pointer to 0", got)
		}
	})

	t.Run("put replaces the role of the same name", func(t *testing.T) {
		s := newStore(t)
		if err := s.PutRole(ctx, support()); err != nil {
			t.Fatal(err)
		}
		next := support()
		next.Description = "replaced"
		next.Grants = next.Grants[1:]
		next.TokensPerDay = nil
		if err := s.PutRole(ctx, next); err != nil {
			t.Fatal(err)
		}
		got, err := s.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]rbac.Role{next}, got); diff != "" {
			t.Errorf("Roles after replace (-want +got):\n%s", diff)
		}
	})

	t.Run("roles are listed sorted by name", func(t *testing.T) {
		s := newStore(t)
		for _, n := range []string{"zeta", "alpha", "mid"} {
			if err := s.PutRole(ctx, rbac.Role{Name: n, Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range got {
			names = append(names, r.Name)
		}
		if diff := cmp.Diff([]string{"alpha", "mid", "zeta"}, names); diff != "" {
			t.Errorf("names (-want +got):\n%s", diff)
		}
	})

	t.Run("delete removes a role and a missing role is not found", func(t *testing.T) {
		s := newStore(t)
		if err := s.PutRole(ctx, support()); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteRole(ctx, "support"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Roles(ctx); err != nil || len(got) != 0 {
			t.Errorf("Roles after delete = %+v, %v; want none", got, err)
		}
		if err := s.DeleteRole(ctx, "support"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete of a missing role: err = %v, want store.ErrNotFound", err)
		}
	})

	t.Run("a caller changing its copy changes nothing stored", func(t *testing.T) {
		s := newStore(t)
		r := support()
		if err := s.PutRole(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Grants[0].Admin[0] = rbac.ActionKeysRotate
		r.Includes[0] = rbac.RoleAdmin
		*r.TokensPerDay = 1
		got, err := s.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got[0].Grants[1].Models[0] = "*"
		again, err := s.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]rbac.Role{support()}, again); diff != "" {
			t.Errorf("stored role changed through a caller's copy (-want +got):\n%s", diff)
		}
	})

	t.Run("concurrent puts of distinct roles are all kept", func(t *testing.T) {
		s := newStore(t)
		const n = 16
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				errs <- s.PutRole(ctx, rbac.Role{Name: fmt.Sprintf("r%02d", i), Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Roles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != n {
			t.Errorf("%d roles after %d concurrent puts", len(got), n)
		}
	})

	t.Run("a cancelled context is an error", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.Roles(cctx); err == nil {
			t.Error("Roles with a cancelled context: no error")
		}
		if err := s.PutRole(cctx, support()); err == nil {
			t.Error("PutRole with a cancelled context: no error")
		}
	})
}
