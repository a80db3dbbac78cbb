package serve

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/mfa"
	"github.com/bulwark-security/bulwark/internal/passkey"
	"github.com/bulwark-security/bulwark/internal/rbac"
)

// secondFactor adapts internal/mfa to what identity asks of a second
// factor at login.
type secondFactor struct{ m *mfa.Service }

var _ identity.SecondFactor = secondFactor{}

func (s secondFactor) Enrolled(ctx context.Context, userID string) (bool, error) {
	st, err := s.m.Status(ctx, userID)
	if err != nil {
		return false, err
	}
	return st.Enrolled(), nil
}

func (s secondFactor) Verify(ctx context.Context, userID, code string) ([]string, error) {
	p, err := s.m.Verify(ctx, userID, code)
	if err != nil {
		return nil, codeError(err)
	}
	return p.AMR(identity.AMRPassword), nil
}

func (s secondFactor) Recover(ctx context.Context, userID, code string) ([]string, error) {
	p, err := s.m.Recover(ctx, userID, code)
	if err != nil {
		return nil, codeError(err)
	}
	return p.AMR(identity.AMRPassword), nil
}

// codeError keeps wrong codes apart from failures of storage, which
// identity reports as unavailable rather than as a wrong code.
func codeError(err error) error {
	if errors.Is(err, mfa.ErrInvalidCode) || errors.Is(err, mfa.ErrNotEnrolled) {
		return err
	}
	return errors.Join(identity.ErrUnavailable, err)
}

// mfaStore is where second factors are kept: the database, so that an
// enrollment outlives a restart (a lost enrollment would let a password
// alone in).
func mfaStore(db mfa.Store) mfa.Store { return db }

// roles adapts the role model to what identity asks of roles.
type roles struct {
	s   *rbac.Service
	now func() time.Time
}

var _ identity.Roles = roles{}

func (r roles) HasRole(role string) bool { return r.s.Policy().HasRole(role) }

// AdminScope: the role reaches the admin API when it would with every
// step-up passed (the step-up itself is asked for there).
func (r roles) AdminScope(role string) bool {
	return r.s.Authorize(rbac.Subject{Role: role, MFA: true, AuthTime: r.now()}, rbac.Route(rbac.RouteAdmin)).Allowed
}

// passkeyStore is where passkeys and their ceremonies are kept: the
// database, shared by every gateway on it.
func passkeyStore(db passkey.Store) passkey.Store { return db }

// sweepCeremonies removes expired passkey ceremonies every minute until ctx ends.
func sweepCeremonies(ctx context.Context, svc *passkey.Service, log *slog.Logger) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := svc.SweepCeremonies(ctx); err != nil && ctx.Err() == nil {
				log.Warn("passkeys: sweeping ceremonies", "err", err)
			}
		}
	}
}

// rolesReload is how often roles stored by other gateways on the same
// database are picked up.
const rolesReload = 30 * time.Second

// reloadRoles reloads the stored roles until ctx ends; a reload that
// fails keeps the last good policy.
func reloadRoles(ctx context.Context, s *rbac.Service, log *slog.Logger) {
	t := time.NewTicker(rolesReload)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Reload(ctx); err != nil && ctx.Err() == nil {
				log.Warn("roles: reload", "err", err)
			}
		}
	}
}
