package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/bulwark-security/bulwark/internal/store"
)

// SecondFactor is the multi-factor authentication that logins of enrolled
// users need after the password (internal/mfa through an adapter). Verify
// and Recover return the amr values of the login (RFC 8176) and an error
// for a wrong, malformed or reused code.
type SecondFactor interface {
	Enrolled(ctx context.Context, userID string) (bool, error)
	Verify(ctx context.Context, userID, code string) (amr []string, err error)
	Recover(ctx context.Context, userID, code string) (amr []string, err error)
}

// AMRPassword is the amr value of a password (RFC 8176).
const AMRPassword = "pwd"

// MFARequiredError is a login whose password was right but that needs a
// second factor: the client completes it with CompleteMFA and the ticket,
// which is single-use and short-lived.
type MFARequiredError struct {
	Ticket    string
	ExpiresAt time.Time
}

func (e *MFARequiredError) Error() string { return "a second factor is required" }

// Errors of the second step.
var (
	// ErrInvalidTicket: an unknown, spent or expired MFA ticket.
	ErrInvalidTicket = errors.New("invalid or expired MFA ticket")
	// ErrInvalidCode: a wrong, malformed or reused second-factor code.
	ErrInvalidCode = errors.New("invalid second-factor code")
)

// Bounds of MFA tickets.
const (
	ticketTTL        = 5 * time.Minute
	ticketAttempts   = 5 // wrong codes a ticket survives
	maxTickets       = 100_000
	ticketPrefix     = "bmt_"
	maxTicketLen     = 64
	maxSecondFactor  = 64 // bytes of a code or recovery code
	ticketSweepEvery = 1024
)

// pendingLogin is a login waiting for its second factor.
type pendingLogin struct {
	req      LoginRequest
	userID   string
	expires  time.Time
	attempts int
}

// tickets holds pending logins in memory, keyed by the SHA-256 of their
// ticket. With several gateways, the second step must reach the gateway
// that answered the first (or logins of enrolled users start again).
type tickets struct {
	mu   sync.Mutex
	m    map[[32]byte]*pendingLogin
	puts int
}

func (t *tickets) put(p *pendingLogin, now time.Time) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	tok := ticketPrefix + base64.RawURLEncoding.EncodeToString(b)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = make(map[[32]byte]*pendingLogin)
	}
	t.puts++
	if t.puts%ticketSweepEvery == 0 || len(t.m) >= maxTickets {
		for k, v := range t.m {
			if now.After(v.expires) {
				delete(t.m, k)
			}
		}
	}
	if len(t.m) >= maxTickets {
		return "", fmt.Errorf("%w: too many logins waiting for a second factor", ErrUnavailable)
	}
	t.m[sha256.Sum256([]byte(tok))] = p
	return tok, nil
}

// take returns the pending login of a ticket; done reports the outcome of
// the code: true removes the ticket, false counts a wrong attempt.
func (t *tickets) take(tok string, now time.Time) (*pendingLogin, func(ok bool), error) {
	if !strings.HasPrefix(tok, ticketPrefix) || len(tok) > maxTicketLen {
		return nil, nil, ErrInvalidTicket
	}
	key := sha256.Sum256([]byte(tok))
	t.mu.Lock()
	p, found := t.m[key]
	if found && now.After(p.expires) {
		delete(t.m, key)
		found = false
	}
	t.mu.Unlock()
	if !found {
		return nil, nil, ErrInvalidTicket
	}
	done := func(ok bool) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if ok {
			delete(t.m, key)
			return
		}
		if p.attempts++; p.attempts >= ticketAttempts {
			delete(t.m, key)
		}
	}
	return p, done, nil
}

// MFARequest completes a login with a second factor: the ticket of the
// password step and a TOTP code or a recovery code.
type MFARequest struct {
	Ticket       string
	Code         string
	RecoveryCode string
	IP           string
}

// CompleteMFA checks the second factor of a pending login and starts its
// session. Wrong codes are throttled like passwords (per account and per
// address) and a ticket survives only a few of them.
func (s *Service) CompleteMFA(ctx context.Context, r MFARequest) (*TokenPair, error) {
	if s.opt.SecondFactor == nil {
		return nil, ErrInvalidTicket
	}
	now := s.now()
	p, done, err := s.pending.take(r.Ticket, now)
	if err != nil {
		return nil, err
	}
	if err := s.throttle(ctx, normalizeUsername(p.req.Username), r.IP); err != nil {
		return nil, err
	}
	var amr []string
	switch {
	case r.Code != "" && r.RecoveryCode == "" && len(r.Code) <= maxSecondFactor:
		amr, err = s.opt.SecondFactor.Verify(ctx, p.userID, r.Code)
	case r.RecoveryCode != "" && r.Code == "" && len(r.RecoveryCode) <= maxSecondFactor:
		amr, err = s.opt.SecondFactor.Recover(ctx, p.userID, r.RecoveryCode)
	default:
		err = ErrInvalidCode
	}
	if err != nil {
		done(false)
		if errors.Is(err, ErrUnavailable) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrInvalidCode, err)
	}
	done(true)
	u, err := s.store.UserByID(ctx, p.userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrInvalidTicket
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if u.Disabled {
		return nil, ErrInvalidCredentials
	}
	return s.startSession(ctx, u, p.req, amr, now)
}

// startSession creates the session of a completed login and issues its tokens.
func (s *Service) startSession(ctx context.Context, u User, r LoginRequest, amr []string, at time.Time) (*TokenPair, error) {
	sess := Session{ID: newID("ses"), UserID: u.ID, AppID: r.AppID, DeviceID: r.DeviceID, CreatedAt: at, DPoPJKT: r.DPoPJKT,
		AMR: amr, AuthTime: at}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return s.issue(ctx, u, sess)
}

// AMRPasskey is the amr of a passkey login with user verification: a hardware-bound key
// (possession) unlocked by the user's biometric or PIN, hence multiple
// factors (RFC 8176 "hwk", "user", "mfa").
var AMRPasskey = []string{"hwk", "mfa", "user"}

// LoginVerified starts a session for a user whose identity another
// ceremony already proved (a passkey): no password, and no second factor
// asked, since amr records what was proved. A disabled user is refused
// like a wrong password.
func (s *Service) LoginVerified(ctx context.Context, userID string, r LoginRequest, amr []string) (*TokenPair, error) {
	u, err := s.store.UserByID(ctx, userID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrInvalidCredentials
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if u.Disabled {
		return nil, ErrInvalidCredentials
	}
	r.Username = u.Username
	return s.startSession(ctx, u, r, amr, s.now())
}

// IDTokenTTL is the lifetime of ID tokens.
const IDTokenTTL = 10 * time.Minute

// SignIDToken signs an OpenID Connect ID token for a user who just logged
// in through the authorization endpoint: iss, sub, aud (the client),
// exp, iat, auth_time, amr and the client's nonce, with the gateway's
// signing key (verifiable with the JWKS).
func (s *Service) SignIDToken(ctx context.Context, userID, clientID, nonce string, amr []string, authTime time.Time) (string, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	k, err := s.keys.active(ctx)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(k.Alg), Key: jose.JSONWebKey{Key: k.signer, KeyID: k.ID, Algorithm: k.Alg}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	now := s.now()
	std := jwt.Claims{Issuer: s.opt.Issuer, Subject: u.ID, Audience: jwt.Audience{clientID},
		Expiry: jwt.NewNumericDate(now.Add(IDTokenTTL)), IssuedAt: jwt.NewNumericDate(now), ID: newID("idt")}
	extra := struct {
		Nonce    string   `json:"nonce,omitempty"`
		AuthTime int64    `json:"auth_time"`
		AMR      []string `json:"amr,omitempty"`
		Username string   `json:"preferred_username,omitempty"`
	}{nonce, authTime.Unix(), amr, u.Username}
	return jwt.Signed(signer).Claims(std).Claims(extra).Serialize()
}
