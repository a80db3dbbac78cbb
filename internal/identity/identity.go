// Package identity authenticates the users of mobile apps and issues their
// tokens: argon2id passwords, short-lived signed access tokens (JWT, ES256
// or EdDSA, algorithm pinned per key), and opaque refresh tokens stored
// hashed, rotated on every use, whose reuse revokes the whole session
// (refresh token family, RFC 9700 §4.14.2).
package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/bulwark-security/bulwark/internal/envelope"
	"github.com/bulwark-security/bulwark/internal/store"
)

// Roles.
const (
	RoleUser  = "user"
	RoleAdmin = "admin"
)

// Scopes carried by access tokens.
const (
	ScopeAI    = "ai"
	ScopeAdmin = "admin"
)

// User is an account.
type User struct {
	ID           string
	Username     string // lower-cased
	PasswordHash string
	Role         string
	Disabled     bool
	CreatedAt    time.Time
}

// Session is a refresh token family: one login of one user on one device
// for one app. Revoking it ends every token issued from that login.
type Session struct {
	ID            string
	UserID        string
	AppID         string
	DeviceID      string
	CreatedAt     time.Time
	RevokedAt     time.Time // zero when active
	RevokedReason string
	// DPoPJKT is the JWK SHA-256 thumbprint (RFC 7638) of the key the
	// session's tokens are bound to (RFC 9449); empty for bearer tokens.
	// Its refresh tokens are accepted only with a proof by that key, and
	// its access tokens carry it as cnf.jkt.
	DPoPJKT string
	// AMR and AuthTime say how and when the user authenticated at login
	// (RFC 8176 values: "pwd", "otp", "mfa"); refreshed tokens carry them
	// unchanged, so a step-up cannot be renewed by refreshing.
	AMR      []string
	AuthTime time.Time
}

// RefreshToken is one refresh token of a session, stored as a hash.
type RefreshToken struct {
	ID        string
	SessionID string
	Hash      []byte // SHA-256 of the token
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // set when rotated
}

// Store is what identity needs from storage.
type Store interface {
	KeyStore
	CreateUser(ctx context.Context, u User) error
	UserByName(ctx context.Context, username string) (User, error)
	UserByID(ctx context.Context, id string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	SetUserPassword(ctx context.Context, id, hash string) error

	CreateSession(ctx context.Context, s Session) error
	Session(ctx context.Context, id string) (Session, error)
	ListSessions(ctx context.Context, userID string) ([]Session, error)
	RevokeSession(ctx context.Context, id, reason string, at time.Time) error
	RevokeUserSessions(ctx context.Context, userID, reason string, at time.Time) ([]string, error)
	SessionsRevokedSince(ctx context.Context, since time.Time) ([]string, error)

	InsertRefreshToken(ctx context.Context, t RefreshToken) error
	RefreshTokenByHash(ctx context.Context, hash []byte) (RefreshToken, error)
	// UseRefreshToken marks a token used, atomically: it returns false if
	// the token was already used (a concurrent or replayed refresh).
	UseRefreshToken(ctx context.Context, id string, at time.Time) (bool, error)
}

// Limiter throttles login attempts; the gateway adapts its rate limiter.
type Limiter interface {
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// Errors callers map to responses. Messages never tell whether a user exists.
var (
	ErrInvalidCredentials = errors.New("invalid username or password")
	ErrInvalidToken       = errors.New("invalid or expired token")
	ErrRefreshReuse       = errors.New("refresh token reused: session revoked")
	// ErrKeyMismatch: a DPoP-bound refresh token came without a proof by
	// the key it is bound to.
	ErrKeyMismatch    = errors.New("refresh token is bound to another key")
	ErrSessionRevoked = errors.New("session revoked")
	ErrUnavailable    = errors.New("identity service unavailable")
	// ErrInvalidUser marks a username, password or role that cannot be used.
	ErrInvalidUser = errors.New("invalid user")
)

// SessionError is a refused refresh or access token whose session is
// known: a spent refresh token presented again (errors.Is ErrRefreshReuse,
// and the session is now revoked), or a token of a revoked session
// (ErrSessionRevoked). It says whose session it was, for the audit log.
type SessionError struct {
	Err     error // ErrRefreshReuse or ErrSessionRevoked
	Session Session
}

func (e *SessionError) Error() string { return e.Err.Error() }
func (e *SessionError) Unwrap() error { return e.Err }

// ThrottledError reports a login refused by the throttle.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many login attempts; retry in %s", e.RetryAfter.Round(time.Second))
}

// Options configure the service.
type Options struct {
	Issuer   string
	Audience string
	// AccessTTL is the access token lifetime, at most 15 minutes.
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	Alg        string        // AlgES256 (default) or AlgEdDSA
	RotateKeys time.Duration // how long a signing key signs; default 24h
	Argon2     Argon2Params
	// Leeway tolerates clock skew when validating exp/iat.
	Leeway time.Duration
	// AccountLimiter and IPLimiter throttle logins; nil disables one.
	AccountLimiter, IPLimiter Limiter
	// SecondFactor, when set, makes the logins of enrolled users need a
	// second step (CompleteMFA).
	SecondFactor SecondFactor
	// Roles, when set, decides which roles users may have and whether a
	// role's tokens carry the admin scope (the gateway's RBAC policy);
	// nil knows RoleUser and RoleAdmin, and gives the admin scope to
	// RoleAdmin only.
	Roles  Roles
	Now    func() time.Time
	Logger *slog.Logger
}

// Roles is what identity asks of the role model.
type Roles interface {
	HasRole(role string) bool
	// AdminScope reports whether tokens of the role carry ScopeAdmin: the
	// role may reach the admin API at all (each action is decided there).
	AdminScope(role string) bool
}

// MaxAccessTTL is the longest access token lifetime allowed.
const MaxAccessTTL = 15 * time.Minute

// Service is the identity core.
type Service struct {
	store   Store
	keys    *keyManager
	opt     Options
	dummy   string // a hash verified for unknown users, to equalize timing
	revoked revocations
	// verified caches tokens already verified (see verifiedTokens).
	verified *verifiedTokens
	pending  tickets // logins waiting for their second factor
}

// New builds the service and loads its signing keys.
func New(ctx context.Context, st Store, keyring *envelope.Keyring, opt Options) (*Service, error) {
	if opt.AccessTTL <= 0 {
		opt.AccessTTL = 10 * time.Minute
	}
	if opt.AccessTTL > MaxAccessTTL {
		return nil, fmt.Errorf("access token lifetime %s exceeds %s", opt.AccessTTL, MaxAccessTTL)
	}
	if opt.RefreshTTL <= 0 {
		opt.RefreshTTL = 30 * 24 * time.Hour
	}
	if opt.Alg == "" {
		opt.Alg = AlgES256
	}
	if opt.RotateKeys <= 0 {
		opt.RotateKeys = 24 * time.Hour
	}
	if opt.Argon2 == (Argon2Params{}) {
		opt.Argon2 = DefaultArgon2
	}
	if opt.Leeway <= 0 {
		opt.Leeway = 30 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Issuer == "" || opt.Audience == "" {
		return nil, errors.New("identity: issuer and audience are required")
	}
	km, err := newKeyManager(st, keyring, opt.Alg, opt.RotateKeys, opt.AccessTTL+opt.Leeway, opt.Now)
	if err != nil {
		return nil, err
	}
	if err := km.load(ctx); err != nil {
		return nil, err
	}
	dummy, err := HashPassword("bulwark timing equalizer", opt.Argon2)
	if err != nil {
		return nil, err
	}
	s := &Service{store: st, keys: km, opt: opt, dummy: dummy, revoked: revocations{m: map[string]time.Time{}, ttl: opt.AccessTTL + opt.Leeway},
		verified: newVerifiedTokens()}
	// Sessions revoked while their access tokens may still be valid.
	ids, err := st.SessionsRevokedSince(ctx, opt.Now().Add(-opt.AccessTTL-opt.Leeway))
	if err != nil {
		return nil, fmt.Errorf("load revoked sessions: %w", err)
	}
	for _, id := range ids {
		s.revoked.add(id, opt.Now())
	}
	return s, nil
}

// CreateUser registers a user with a password.
func (s *Service) CreateUser(ctx context.Context, username, password, role string) (User, error) {
	username = normalizeUsername(username)
	if err := validateUsername(username); err != nil {
		return User{}, fmt.Errorf("%w: %w", ErrInvalidUser, err)
	}
	if err := validatePassword(password); err != nil {
		return User{}, fmt.Errorf("%w: %w", ErrInvalidUser, err)
	}
	switch {
	case s.opt.Roles != nil && !s.opt.Roles.HasRole(role):
		return User{}, fmt.Errorf("%w: role %q is not defined", ErrInvalidUser, role)
	case s.opt.Roles == nil && role != RoleUser && role != RoleAdmin:
		return User{}, fmt.Errorf("%w: role %q: want user or admin", ErrInvalidUser, role)
	}
	hash, err := HashPassword(password, s.opt.Argon2)
	if err != nil {
		return User{}, err
	}
	u := User{ID: newID("usr"), Username: username, PasswordHash: hash, Role: role, CreatedAt: s.now()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return User{}, err
	}
	return u, nil
}

// SetPassword replaces a user's password and ends every session of the user.
func (s *Service) SetPassword(ctx context.Context, userID, password string) error {
	if err := validatePassword(password); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidUser, err)
	}
	hash, err := HashPassword(password, s.opt.Argon2)
	if err != nil {
		return err
	}
	if err := s.store.SetUserPassword(ctx, userID, hash); err != nil {
		return err
	}
	_, err = s.RevokeUser(ctx, userID, "password_changed")
	return err
}

func normalizeUsername(u string) string { return strings.ToLower(strings.TrimSpace(u)) }

func validateUsername(u string) error {
	if len(u) < 2 || len(u) > 128 {
		return errors.New("username: 2 to 128 characters")
	}
	for _, r := range u {
		if r < 0x21 || r == 0x7f {
			return errors.New("username: no spaces or control characters")
		}
	}
	return nil
}

func validatePassword(p string) error {
	if len(p) < 10 {
		return errors.New("password: at least 10 characters")
	}
	if len(p) > 1024 {
		return errors.New("password: at most 1024 bytes")
	}
	return nil
}

// TokenPair is what login and refresh return.
type TokenPair struct {
	AccessToken  string
	RefreshToken string
	ExpiresIn    time.Duration
	SessionID    string
	// AppID and DeviceID are the session's.
	AppID, DeviceID string
	User            User
	// DPoPJKT is the thumbprint of the key the tokens are bound to; empty
	// for bearer tokens.
	DPoPJKT string
}

// LoginRequest is a password login from an app on a device.
type LoginRequest struct {
	Username, Password string
	AppID, DeviceID    string
	IP                 string
	// DPoPJKT, when set, binds the session to the key of this thumbprint
	// (the caller verified the DPoP proof of the login request).
	DPoPJKT string
}

// Login checks a password and starts a session.
func (s *Service) Login(ctx context.Context, r LoginRequest) (*TokenPair, error) {
	username := normalizeUsername(r.Username)
	if err := s.throttle(ctx, username, r.IP); err != nil {
		return nil, err
	}
	u, err := s.store.UserByName(ctx, username)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Spend the same time as for a real user, then fail the same way.
		VerifyPassword(r.Password, s.dummy) //nolint:errcheck // timing only
		return nil, ErrInvalidCredentials
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	ok, err := VerifyPassword(r.Password, u.PasswordHash)
	if err != nil || !ok || u.Disabled {
		return nil, ErrInvalidCredentials
	}
	now := s.now()
	if s.opt.SecondFactor != nil {
		enrolled, err := s.opt.SecondFactor.Enrolled(ctx, u.ID)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		if enrolled {
			exp := now.Add(ticketTTL)
			tok, err := s.pending.put(&pendingLogin{req: r, userID: u.ID, expires: exp}, now)
			if err != nil {
				return nil, err
			}
			return nil, &MFARequiredError{Ticket: tok, ExpiresAt: exp}
		}
	}
	return s.startSession(ctx, u, r, []string{AMRPassword}, now)
}

func (s *Service) throttle(ctx context.Context, username, ip string) error {
	for _, l := range []struct {
		lim Limiter
		key string
	}{{s.opt.AccountLimiter, "login:user:" + username}, {s.opt.IPLimiter, "login:ip:" + ip}} {
		if l.lim == nil {
			continue
		}
		ok, retry, err := l.lim.Allow(ctx, l.key)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrUnavailable, err) // fail closed
		}
		if !ok {
			return &ThrottledError{RetryAfter: retry}
		}
	}
	return nil
}

// issue signs an access token and creates a refresh token for a session.
func (s *Service) issue(ctx context.Context, u User, sess Session) (*TokenPair, error) {
	access, err := s.signAccess(ctx, u, sess)
	if err != nil {
		return nil, err
	}
	refresh, rt, err := s.newRefresh(sess.ID)
	if err != nil {
		return nil, err
	}
	if err := s.store.InsertRefreshToken(ctx, rt); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return &TokenPair{AccessToken: access, RefreshToken: refresh, ExpiresIn: s.opt.AccessTTL, SessionID: sess.ID,
		AppID: sess.AppID, DeviceID: sess.DeviceID, User: u, DPoPJKT: sess.DPoPJKT}, nil
}

// refreshPrefix marks Bulwark refresh tokens (and lets secret scanners
// recognize them).
const refreshPrefix = "brt_"

func (s *Service) newRefresh(sessionID string) (string, RefreshToken, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", RefreshToken{}, err
	}
	token := refreshPrefix + base64.RawURLEncoding.EncodeToString(b)
	now := s.now()
	return token, RefreshToken{ID: newID("rtk"), SessionID: sessionID, Hash: hashToken(token), CreatedAt: now, ExpiresAt: now.Add(s.opt.RefreshTTL)}, nil
}

func hashToken(t string) []byte {
	sum := sha256.Sum256([]byte(t))
	return sum[:]
}

// Refresh rotates a refresh token: the presented token is spent and a new
// pair is issued in the same session. Presenting a spent token again is
// theft or a replay: the whole session is revoked.
func (s *Service) Refresh(ctx context.Context, token string) (*TokenPair, error) {
	return s.RefreshBound(ctx, token, "")
}

// RefreshBound is Refresh for a request that came with a verified DPoP
// proof by the key of thumbprint jkt ("" without one). A session bound to
// a key is refreshed only with a proof by that key; a token presented
// without it is refused before anything else is decided, so a stolen
// token cannot even be spent, nor its session revoked, by whoever lacks
// the key.
func (s *Service) RefreshBound(ctx context.Context, token, jkt string) (*TokenPair, error) {
	if !strings.HasPrefix(token, refreshPrefix) || len(token) > 128 {
		return nil, ErrInvalidToken
	}
	rt, err := s.store.RefreshTokenByHash(ctx, hashToken(token))
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil, ErrInvalidToken
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	sess, err := s.store.Session(ctx, rt.SessionID)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if sess.DPoPJKT != "" && subtle.ConstantTimeCompare([]byte(jkt), []byte(sess.DPoPJKT)) != 1 {
		return nil, &SessionError{Err: ErrKeyMismatch, Session: sess}
	}
	if !sess.RevokedAt.IsZero() {
		return nil, &SessionError{Err: ErrSessionRevoked, Session: sess}
	}
	now := s.now()
	if !rt.UsedAt.IsZero() {
		s.revokeSession(ctx, sess.ID, "refresh_reuse")
		return nil, &SessionError{Err: ErrRefreshReuse, Session: sess}
	}
	if now.After(rt.ExpiresAt) {
		return nil, ErrInvalidToken
	}
	fresh, err := s.store.UseRefreshToken(ctx, rt.ID, now)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if !fresh { // spent by a concurrent request: treat as reuse
		s.revokeSession(ctx, sess.ID, "refresh_reuse")
		return nil, &SessionError{Err: ErrRefreshReuse, Session: sess}
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if u.Disabled {
		s.revokeSession(ctx, sess.ID, "user_disabled")
		return nil, &SessionError{Err: ErrSessionRevoked, Session: sess}
	}
	return s.issue(ctx, u, sess)
}

func (s *Service) revokeSession(ctx context.Context, id, reason string) {
	if err := s.RevokeSession(ctx, id, reason); err != nil {
		s.opt.Logger.Error("revoke session", "session", id, "reason", reason, "err", err)
	}
}

// RevokeSession ends a session: its refresh tokens stop working at once and
// its access tokens are refused by this gateway until they expire.
func (s *Service) RevokeSession(ctx context.Context, id, reason string) error {
	now := s.now()
	s.revoked.add(id, now)
	return s.store.RevokeSession(ctx, id, reason, now)
}

// RevokeRefreshToken ends the session a refresh token belongs to (logout
// with the refresh token in hand).
func (s *Service) RevokeRefreshToken(ctx context.Context, token string) error {
	rt, err := s.store.RefreshTokenByHash(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil // revoking an unknown token is not an error (RFC 7009)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return s.RevokeSession(ctx, rt.SessionID, "revoked")
}

// RevokeUser ends every session of a user.
func (s *Service) RevokeUser(ctx context.Context, userID, reason string) ([]string, error) {
	now := s.now()
	ids, err := s.store.RevokeUserSessions(ctx, userID, reason, now)
	for _, id := range ids {
		s.revoked.add(id, now)
	}
	return ids, err
}

// Claims are the verified claims of an access token.
type Claims struct {
	Subject   string
	Username  string
	Role      string
	App       string
	Device    string
	Session   string
	Scopes    []string
	ID        string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// DPoPJKT is the cnf.jkt of a DPoP-bound token: the thumbprint of the
	// key whose proof must come with every use. Empty for bearer tokens.
	DPoPJKT string
	// AMR and AuthTime: how and when the user authenticated (the login
	// of the session, not the refresh that issued this token).
	AMR      []string
	AuthTime time.Time
}

// HasScope reports whether the token carries scope.
func (c Claims) HasScope(scope string) bool {
	for _, s := range c.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

type privateClaims struct {
	Username string   `json:"preferred_username,omitempty"`
	Role     string   `json:"role"`
	App      string   `json:"app"`
	Device   string   `json:"did,omitempty"`
	Session  string   `json:"sid"`
	Scope    string   `json:"scope"`
	Cnf      *cnf     `json:"cnf,omitempty"`
	AMR      []string `json:"amr,omitempty"`
	AuthTime int64    `json:"auth_time,omitempty"`
}

// cnf is the confirmation claim of a DPoP-bound token (RFC 9449 §6).
type cnf struct {
	JKT string `json:"jkt"`
}

func (s *Service) signAccess(ctx context.Context, u User, sess Session) (string, error) {
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
	scopes := []string{ScopeAI}
	if (s.opt.Roles == nil && u.Role == RoleAdmin) || (s.opt.Roles != nil && s.opt.Roles.AdminScope(u.Role)) {
		scopes = append(scopes, ScopeAdmin)
	}
	std := jwt.Claims{
		Issuer:    s.opt.Issuer,
		Subject:   u.ID,
		Audience:  jwt.Audience{s.opt.Audience},
		Expiry:    jwt.NewNumericDate(now.Add(s.opt.AccessTTL)),
		NotBefore: jwt.NewNumericDate(now),
		IssuedAt:  jwt.NewNumericDate(now),
		ID:        newID("jti"),
	}
	priv := privateClaims{Username: u.Username, Role: u.Role, App: sess.AppID, Device: sess.DeviceID, Session: sess.ID, Scope: strings.Join(scopes, " ")}
	if sess.DPoPJKT != "" {
		priv.Cnf = &cnf{JKT: sess.DPoPJKT}
	}
	if !sess.AuthTime.IsZero() {
		priv.AMR, priv.AuthTime = sess.AMR, sess.AuthTime.Unix()
	}
	return jwt.Signed(signer).Claims(std).Claims(priv).Serialize()
}

// maxTokenLen bounds what Verify parses.
const maxTokenLen = 8 << 10

// Verify checks an access token: signature with a known key of the pinned
// algorithm, issuer, audience, expiry, and that its session is not revoked.
// For a token that verifies but whose session is revoked, it returns the
// (verified) claims with ErrSessionRevoked, so callers can say whose token
// it was; any other error comes with empty claims.
func (s *Service) Verify(ctx context.Context, token string) (Claims, error) {
	if token == "" || len(token) > maxTokenLen {
		return Claims{}, ErrInvalidToken
	}
	now := s.now()
	key := sha256.Sum256([]byte(token))
	// A cached entry is only returned before its expiry; an entry stays
	// usable until then only as long as the key that signed it verifies
	// (keys verify for the longest token lifetime after they stop signing).
	if c, ok := s.verified.get(key, now.Add(-s.opt.Leeway)); ok {
		if s.revoked.has(c.Session) {
			return c, ErrSessionRevoked
		}
		return c, nil
	}
	c, err := s.verify(ctx, token, now)
	if err != nil {
		return Claims{}, err
	}
	s.verified.put(key, c, now.Add(-s.opt.Leeway))
	if s.revoked.has(c.Session) {
		return c, ErrSessionRevoked
	}
	return c, nil
}

// verify checks a token's signature and claims.
func (s *Service) verify(ctx context.Context, token string, now time.Time) (Claims, error) {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(s.opt.Alg)})
	if err != nil || len(tok.Headers) != 1 {
		return Claims{}, ErrInvalidToken
	}
	k, err := s.keys.lookup(ctx, tok.Headers[0].KeyID)
	if err != nil {
		if errors.Is(err, errUnknownKey) {
			return Claims{}, ErrInvalidToken
		}
		return Claims{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if k.Alg != s.opt.Alg {
		return Claims{}, ErrInvalidToken
	}
	var std jwt.Claims
	var priv privateClaims
	if err := tok.Claims(k.signer.Public(), &std, &priv); err != nil {
		return Claims{}, ErrInvalidToken
	}
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: s.opt.Issuer, AnyAudience: jwt.Audience{s.opt.Audience}, Time: now}, s.opt.Leeway); err != nil {
		return Claims{}, ErrInvalidToken
	}
	if std.Expiry == nil || std.IssuedAt == nil || std.Subject == "" || priv.Session == "" {
		return Claims{}, ErrInvalidToken
	}
	if std.Expiry.Time().Sub(std.IssuedAt.Time()) > MaxAccessTTL {
		return Claims{}, ErrInvalidToken
	}
	c := Claims{Subject: std.Subject, Username: priv.Username, Role: priv.Role, App: priv.App, Device: priv.Device, Session: priv.Session,
		Scopes: strings.Fields(priv.Scope), ID: std.ID, IssuedAt: std.IssuedAt.Time(), ExpiresAt: std.Expiry.Time()}
	if priv.Cnf != nil {
		if priv.Cnf.JKT == "" {
			return Claims{}, ErrInvalidToken
		}
		c.DPoPJKT = priv.Cnf.JKT
	}
	if priv.AuthTime > 0 {
		c.AMR, c.AuthTime = priv.AMR, time.Unix(priv.AuthTime, 0).UTC()
	}
	return c, nil
}

// JWKS returns the public keys that verify unexpired tokens.
func (s *Service) JWKS() jose.JSONWebKeySet { return s.keys.jwks() }

// Users returns every user.
func (s *Service) Users(ctx context.Context) ([]User, error) { return s.store.ListUsers(ctx) }

// UserByID returns a user by id.
func (s *Service) UserByID(ctx context.Context, id string) (User, error) {
	return s.store.UserByID(ctx, id)
}

// UserByName returns a user by name.
func (s *Service) UserByName(ctx context.Context, name string) (User, error) {
	return s.store.UserByName(ctx, normalizeUsername(name))
}

// Sessions returns a user's sessions.
func (s *Service) Sessions(ctx context.Context, userID string) ([]Session, error) {
	return s.store.ListSessions(ctx, userID)
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Millisecond) }

// newID returns a random identifier with a type prefix.
func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it aborts the program instead)
	return prefix + "_" + hex.EncodeToString(b)
}

// revocations remembers sessions revoked recently enough for their access
// tokens to be unexpired. A single gateway node is exact; several nodes
// share it through Redis (a later store).
type revocations struct {
	mu  sync.Mutex
	m   map[string]time.Time
	ttl time.Duration // entries older than this cannot matter any more
}

func (r *revocations) add(id string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[id] = at
	if len(r.m)%1024 == 0 {
		for k, t := range r.m {
			if at.Sub(t) > r.ttl {
				delete(r.m, k)
			}
		}
	}
}

func (r *revocations) has(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.m[id]
	return ok
}
