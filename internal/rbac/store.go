package rbac

import (
	"context"
	"slices"
	"sync"

	"github.com/bulwark-security/bulwark/internal/store"
)

// Store keeps the roles created through the admin API (the configured and
// built-in roles are never stored). A role is stored whole; the store does
// not interpret it, Service validates it before storing it.
type Store interface {
	// Roles returns every stored role, sorted by name.
	Roles(ctx context.Context) ([]Role, error)
	// PutRole creates a role or replaces the role of the same name.
	PutRole(ctx context.Context, r Role) error
	// DeleteRole deletes a role; store.ErrNotFound if there is none.
	DeleteRole(ctx context.Context, name string) error
}

// MemoryStore is a Store in memory, for tests and single-process
// gateways whose roles live in the configuration.
type MemoryStore struct {
	mu    sync.Mutex
	roles map[string]Role
}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore { return &MemoryStore{roles: map[string]Role{}} }

// Roles implements Store.
func (m *MemoryStore) Roles(ctx context.Context) ([]Role, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Role, 0, len(m.roles))
	for _, r := range m.roles {
		out = append(out, cloneRole(r))
	}
	slices.SortFunc(out, func(a, b Role) int { return compareStrings(a.Name, b.Name) })
	return out, nil
}

// PutRole implements Store.
func (m *MemoryStore) PutRole(ctx context.Context, r Role) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.roles[r.Name] = cloneRole(r)
	return nil
}

// DeleteRole implements Store.
func (m *MemoryStore) DeleteRole(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.roles[name]; !ok {
		return store.ErrNotFound
	}
	delete(m.roles, name)
	return nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cloneRole copies a role deeply, so that no caller shares its slices.
func cloneRole(r Role) Role {
	r.Includes = slices.Clone(r.Includes)
	if r.TokensPerDay != nil {
		v := *r.TokensPerDay
		r.TokensPerDay = &v
	}
	if r.Grants != nil {
		gs := make([]Grant, len(r.Grants))
		for i, g := range r.Grants {
			g.Routes, g.Models, g.Admin = slices.Clone(g.Routes), slices.Clone(g.Models), slices.Clone(g.Admin)
			gs[i] = g
		}
		r.Grants = gs
	}
	return r
}
