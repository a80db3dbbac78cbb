package rbac_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/rbac"
	"github.com/bulwark-security/bulwark/internal/store"
)

var errBroken = errors.New("store broken")

// brokenStore fails every write after the roles it starts with.
type brokenStore struct{ *rbac.MemoryStore }

func (brokenStore) PutRole(context.Context, rbac.Role) error { return errBroken }
func (brokenStore) DeleteRole(context.Context, string) error { return errBroken }
func storedNames(t *testing.T, st rbac.Store) (names []string) {
	t.Helper()
	roles, err := st.Roles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		names = append(names, r.Name)
	}
	return names
}

func TestService(t *testing.T) {
	ctx := context.Background()
	cfg := rbac.Config{Roles: []rbac.Role{{Name: "analyst", Includes: []string{rbac.RoleUser}}}}
	chatOnly := rbac.Role{Name: "chat-only", Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}, Models: []string{"gpt-4o*"}}}}
	newService := func(t *testing.T, stored ...rbac.Role) (*rbac.Service, *rbac.MemoryStore) {
		t.Helper()
		st := rbac.NewMemoryStore()
		for _, r := range stored {
			if err := st.PutRole(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		s, err := rbac.New(ctx, cfg, st, rbac.Options{Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		return s, st
	}

	t.Run("a stored role applies from start", func(t *testing.T) {
		s, _ := newService(t, chatOnly)
		if d := s.Authorize(rbac.Subject{Role: "chat-only"}, rbac.Model("gpt-4o-mini")); !d.Allowed {
			t.Errorf("Authorize = %+v, want allowed", d)
		}
	})
	t.Run("a put role applies at once and is stored", func(t *testing.T) {
		s, st := newService(t)
		if d := s.Authorize(rbac.Subject{Role: "chat-only"}, rbac.Route(rbac.RouteChat)); d.Allowed {
			t.Fatalf("before PutRole: %+v, want denied", d)
		}
		if err := s.PutRole(ctx, chatOnly); err != nil {
			t.Fatal(err)
		}
		if d := s.Authorize(rbac.Subject{Role: "chat-only"}, rbac.Route(rbac.RouteChat)); !d.Allowed {
			t.Errorf("after PutRole: %+v, want allowed", d)
		}
		if diff := cmp.Diff([]string{"chat-only"}, storedNames(t, st)); diff != "" {
			t.Errorf("stored (-want +got):\n%s", diff)
		}
	})
	t.Run("an invalid role is refused with fields named from the role", func(t *testing.T) {
		s, st := newService(t)
		bad := rbac.Role{Name: "bad", Includes: []string{"ghost"}, Grants: []rbac.Grant{{Models: []string{"a*b"}}}}
		err := s.PutRole(ctx, bad)
		if !errors.Is(err, rbac.ErrInvalidConfig) {
			t.Fatalf("PutRole = %v, want ErrInvalidConfig", err)
		}
		var fields []string
		for _, fe := range rbac.FieldErrors(err) {
			fields = append(fields, fe.Field)
		}
		if diff := cmp.Diff([]string{"includes[0]", "grants[0].models[0]"}, fields); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		if n := storedNames(t, st); len(n) != 0 {
			t.Errorf("an invalid role was stored: %v", n)
		}
	})
	t.Run("a role closing a cycle is refused and nothing changes", func(t *testing.T) {
		a := rbac.Role{Name: "a", Includes: []string{"b"}}
		b := rbac.Role{Name: "b", Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}}
		s, st := newService(t, a, b)
		b.Includes = []string{"a"}
		if err := s.PutRole(ctx, b); !errors.Is(err, rbac.ErrInvalidConfig) {
			t.Fatalf("PutRole = %v, want ErrInvalidConfig", err)
		}
		roles, _ := st.Roles(ctx)
		if len(roles[1].Includes) != 0 {
			t.Errorf("stored b = %+v, want unchanged", roles[1])
		}
		if d := s.Authorize(rbac.Subject{Role: "a"}, rbac.Route(rbac.RouteChat)); !d.Allowed {
			t.Errorf("the policy changed: %+v", d)
		}
	})
	for _, name := range []string{rbac.RoleAdmin, rbac.RoleUser, "analyst"} {
		t.Run("the "+name+" role cannot be put or deleted", func(t *testing.T) {
			s, _ := newService(t)
			if err := s.PutRole(ctx, rbac.Role{Name: name, Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}}); !errors.Is(err, rbac.ErrReadOnlyRole) {
				t.Errorf("PutRole = %v, want ErrReadOnlyRole", err)
			}
			if err := s.DeleteRole(ctx, name); !errors.Is(err, rbac.ErrReadOnlyRole) {
				t.Errorf("DeleteRole = %v, want ErrReadOnlyRole", err)
			}
		})
	}
	t.Run("a deleted role denies its users everything", func(t *testing.T) {
		s, st := newService(t, chatOnly)
		if err := s.DeleteRole(ctx, "chat-only"); err != nil {
			t.Fatal(err)
		}
		if d := s.Authorize(rbac.Subject{Role: "chat-only"}, rbac.Route(rbac.RouteChat)); d.Allowed || d.Rule != rbac.RuleUnknownRole {
			t.Errorf("Authorize = %+v, want denied as an unknown role", d)
		}
		if n := storedNames(t, st); len(n) != 0 {
			t.Errorf("still stored: %v", n)
		}
	})
	t.Run("a role another includes cannot be deleted", func(t *testing.T) {
		s, _ := newService(t, chatOnly, rbac.Role{Name: "more", Includes: []string{"chat-only"}})
		if err := s.DeleteRole(ctx, "chat-only"); !errors.Is(err, rbac.ErrRoleInUse) {
			t.Errorf("DeleteRole = %v, want ErrRoleInUse", err)
		}
	})
	t.Run("deleting a missing role is not found", func(t *testing.T) {
		s, _ := newService(t)
		if err := s.DeleteRole(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DeleteRole = %v, want store.ErrNotFound", err)
		}
	})
	t.Run("a store failure changes no policy", func(t *testing.T) {
		mem := rbac.NewMemoryStore()
		if err := mem.PutRole(ctx, chatOnly); err != nil {
			t.Fatal(err)
		}
		s, err := rbac.New(ctx, cfg, brokenStore{mem}, rbac.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PutRole(ctx, rbac.Role{Name: "new", Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}}); !errors.Is(err, errBroken) {
			t.Errorf("PutRole = %v, want the store's error", err)
		}
		if s.Policy().HasRole("new") {
			t.Error("the policy has a role the store did not keep")
		}
		if err := s.DeleteRole(ctx, "chat-only"); !errors.Is(err, errBroken) {
			t.Errorf("DeleteRole = %v, want the store's error", err)
		}
		if !s.Policy().HasRole("chat-only") {
			t.Error("the policy lost a role the store kept")
		}
	})
	t.Run("a stored role that clashes with the configuration fails start", func(t *testing.T) {
		st := rbac.NewMemoryStore()
		if err := st.PutRole(ctx, rbac.Role{Name: "analyst", Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}}); err != nil {
			t.Fatal(err)
		}
		_, err := rbac.New(ctx, cfg, st, rbac.Options{})
		fes := rbac.FieldErrors(err)
		if len(fes) != 1 || fes[0].Field != `stored_roles["analyst"].name` {
			t.Errorf("New = %v, want one error at stored_roles[\"analyst\"].name", err)
		}
	})
	t.Run("reload picks up roles another gateway stored", func(t *testing.T) {
		s, st := newService(t)
		if err := st.PutRole(ctx, chatOnly); err != nil {
			t.Fatal(err)
		}
		if s.Policy().HasRole("chat-only") {
			t.Fatal("the policy changed before Reload")
		}
		if err := s.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		if !s.Policy().HasRole("chat-only") {
			t.Error("Reload did not pick up the stored role")
		}
	})
	t.Run("a failed reload keeps the current policy", func(t *testing.T) {
		s, st := newService(t, chatOnly)
		if err := st.PutRole(ctx, rbac.Role{Name: "loop", Includes: []string{"loop"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.Reload(ctx); !errors.Is(err, rbac.ErrInvalidConfig) {
			t.Errorf("Reload = %v, want ErrInvalidConfig", err)
		}
		if !s.Policy().HasRole("chat-only") || s.Policy().HasRole("loop") {
			t.Error("a failed reload changed the policy")
		}
	})
	t.Run("roles lists built-in, configured and stored roles with their origin", func(t *testing.T) {
		s, _ := newService(t, chatOnly)
		var got []string
		for _, ri := range s.Roles() {
			got = append(got, string(ri.Origin)+":"+ri.Role.Name)
		}
		want := []string{"builtin:user", "builtin:admin", "config:analyst", "stored:chat-only"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Roles (-want +got):\n%s", diff)
		}
	})
	t.Run("explain uses the current policy", func(t *testing.T) {
		s, _ := newService(t, chatOnly)
		ex := s.Explain(rbac.Subject{Role: "chat-only"})
		if !ex.KnownRole || len(ex.Permissions) != 2 {
			t.Errorf("Explain = %+v, want the chat route and the gpt-4o* models", ex)
		}
	})
	t.Run("decisions run while roles change", func(t *testing.T) {
		s, _ := newService(t)
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := range 50 {
				r := rbac.Role{Name: fmt.Sprintf("r%d", i%5), Grants: []rbac.Grant{{Routes: []string{rbac.RouteChat}}}}
				if err := s.PutRole(ctx, r); err != nil {
					t.Error(err)
					return
				}
			}
		})
		for range 2 {
			wg.Go(func() {
				for range 500 {
					if d := s.Authorize(rbac.Subject{Role: rbac.RoleUser}, rbac.Route(rbac.RouteChat)); !d.Allowed {
						t.Errorf("user chat denied while roles change: %+v", d)
						return
					}
					_ = s.Authorize(rbac.Subject{Role: "r1"}, rbac.Route(rbac.RouteChat))
				}
			})
		}
		wg.Wait()
		if !s.Policy().HasRole("r4") {
			t.Error("the last role put is missing")
		}
	})
}
