package rbac

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of role changes.
var (
	// ErrReadOnlyRole refuses to change a built-in or configured role.
	ErrReadOnlyRole = errors.New("built-in and configured roles cannot be changed")
	// ErrRoleInUse refuses to delete a role another role includes.
	ErrRoleInUse = errors.New("role is included by another role")
)

// Origin says where a role is defined.
type Origin string

// Origins of roles.
const (
	OriginBuiltin Origin = "builtin"
	OriginConfig  Origin = "config"
	OriginStored  Origin = "stored"
)

// RoleInfo is a role definition and where it comes from.
type RoleInfo struct {
	Role   Role   `json:"role"`
	Origin Origin `json:"origin"`
}

// Service holds the policy of a gateway: the built-in roles, the
// configured roles, and the roles stored through the admin API. Changes
// are validated against the whole set before they are stored, then the
// policy is recompiled and swapped atomically; Authorize reads the
// current policy without locking.
type Service struct {
	cfg []Role
	st  Store
	opt Options

	mu     sync.Mutex // serializes changes
	cur    atomic.Pointer[Policy]
	stored atomic.Pointer[[]Role]
}

// New validates the configuration and the stored roles together and
// compiles them. A stored role that no longer fits the configuration (a
// name now configured, an include now gone) fails New: the gateway does
// not start on a policy it cannot fully apply.
func New(ctx context.Context, cfg Config, st Store, opt Options) (*Service, error) {
	s := &Service{cfg: cfg.Roles, st: st, opt: opt}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload reads the stored roles again and recompiles the policy, for
// gateways sharing a database. On error the current policy stays.
func (s *Service) Reload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	stored, err := s.st.Roles(ctx)
	if err != nil {
		return fmt.Errorf("load roles: %w", err)
	}
	if len(stored) > MaxRoles {
		return fmt.Errorf("load roles: %d stored roles: at most %d", len(stored), MaxRoles)
	}
	p, err := s.compile(stored, -1)
	if err != nil {
		return err
	}
	s.swap(p, stored)
	return nil
}

func (s *Service) swap(p *Policy, stored []Role) {
	s.cur.Store(p)
	s.stored.Store(&stored)
}

// compile compiles the configured roles with stored; stored[mark], when
// mark ≥ 0, is the role being changed, whose errors name fields from the
// role itself ("grants[0].models[1]").
func (s *Service) compile(stored []Role, mark int) (*Policy, error) {
	extra := make([]def, 0, len(stored))
	for i, r := range stored {
		field := "stored_roles[" + strconv.Quote(r.Name) + "]"
		if i == mark {
			field = ""
		}
		extra = append(extra, def{Role: r, field: field})
	}
	p, err := compile(s.cfg, extra)
	if err != nil {
		return nil, err
	}
	p.now = s.opt.Now
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// Policy returns the current policy.
func (s *Service) Policy() *Policy { return s.cur.Load() }

// Authorize decides with the current policy (see Policy.Authorize).
func (s *Service) Authorize(subject Subject, action Action) Decision {
	return s.cur.Load().Authorize(subject, action)
}

// Explain explains with the current policy (see Policy.Explain).
func (s *Service) Explain(subject Subject) Explanation { return s.cur.Load().Explain(subject) }

// Roles returns every role definition, built-in first, then configured,
// then stored (sorted by name).
func (s *Service) Roles() []RoleInfo {
	var out []RoleInfo
	for _, r := range builtins() {
		out = append(out, RoleInfo{Role: r, Origin: OriginBuiltin})
	}
	for _, r := range s.cfg {
		out = append(out, RoleInfo{Role: cloneRole(r), Origin: OriginConfig})
	}
	for _, r := range *s.stored.Load() {
		out = append(out, RoleInfo{Role: cloneRole(r), Origin: OriginStored})
	}
	return out
}

func (s *Service) readOnly(name string) bool {
	return IsBuiltin(name) || slices.ContainsFunc(s.cfg, func(r Role) bool { return r.Name == name })
}

// PutRole creates or replaces a stored role, after validating it with
// every other role: the error wraps ErrInvalidConfig with FieldErrors
// named from the role ("grants[0].admin[1]"), or is ErrReadOnlyRole.
func (s *Service) PutRole(ctx context.Context, r Role) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readOnly(r.Name) {
		return fmt.Errorf("role %q: %w", r.Name, ErrReadOnlyRole)
	}
	r = cloneRole(r)
	stored := slices.Clone(*s.stored.Load())
	i := slices.IndexFunc(stored, func(x Role) bool { return x.Name == r.Name })
	if i < 0 {
		stored = append(stored, r)
		slices.SortFunc(stored, func(a, b Role) int { return compareStrings(a.Name, b.Name) })
		i = slices.IndexFunc(stored, func(x Role) bool { return x.Name == r.Name })
	} else {
		stored[i] = r
	}
	p, err := s.compile(stored, i)
	if err != nil {
		return err
	}
	if err := s.st.PutRole(ctx, r); err != nil {
		return fmt.Errorf("store role: %w", err)
	}
	s.swap(p, stored)
	return nil
}

// DeleteRole deletes a stored role. A role another role includes is not
// deleted (ErrRoleInUse); users who still hold a deleted role are denied
// everything until given another.
func (s *Service) DeleteRole(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.readOnly(name) {
		return fmt.Errorf("role %q: %w", name, ErrReadOnlyRole)
	}
	stored := slices.Clone(*s.stored.Load())
	for _, r := range append(slices.Clone(s.cfg), stored...) {
		if slices.Contains(r.Includes, name) {
			return fmt.Errorf("role %q: included by %q: %w", name, r.Name, ErrRoleInUse)
		}
	}
	if err := s.st.DeleteRole(ctx, name); err != nil {
		return fmt.Errorf("delete role: %w", err)
	}
	stored = slices.DeleteFunc(stored, func(r Role) bool { return r.Name == name })
	p, err := s.compile(stored, -1)
	if err != nil {
		return err
	}
	s.swap(p, stored)
	return nil
}
