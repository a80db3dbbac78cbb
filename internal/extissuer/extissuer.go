// Package extissuer verifies access tokens issued by external OpenID
// Connect providers (Auth0, Firebase Auth, Amazon Cognito, Keycloak…), so
// that apps already signed in with one of them can call the gateway.
//
// Each configured issuer gets a verifier that discovers the provider's key
// set (OpenID Connect Discovery 1.0), caches it within bounds, refreshes
// it at most once per interval on an unknown key id, and verifies tokens
// with go-jose using only the asymmetric algorithms configured for that
// issuer. A verified token becomes a Principal whose subject is
// namespaced by the issuer's name, with a role and an app mapped from the
// token's claims by configuration.
package extissuer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Errors callers decide on.
var (
	// ErrUnknownIssuer: the token's "iss" is none of the configured
	// issuers; the gateway may try its own tokens.
	ErrUnknownIssuer = errors.New("token issuer is not a configured external issuer")
	// ErrInvalidToken: the token is refused (see TokenError.Reason).
	ErrInvalidToken = errors.New("invalid or expired token")
	// ErrUnavailable: the issuer's keys cannot be had right now.
	ErrUnavailable = errors.New("external issuer keys unavailable")
)

// Reasons a token is refused, stable for audit events and metrics.
const (
	ReasonMalformed       = "malformed_token" // not a compact JWS signed with a supported asymmetric algorithm
	ReasonAlgorithm       = "algorithm_not_allowed"
	ReasonType            = "token_type_not_allowed"
	ReasonUnknownKey      = "unknown_key"
	ReasonKeyIDRequired   = "key_id_required"
	ReasonKeyMismatch     = "key_algorithm_mismatch"
	ReasonSignature       = "bad_signature"
	ReasonClaims          = "malformed_claims" // a registered claim of the wrong type
	ReasonIssuer          = "bad_issuer"
	ReasonAudience        = "bad_audience"
	ReasonExpired         = "expired"
	ReasonNotYetValid     = "not_yet_valid"
	ReasonIssuedInFuture  = "issued_in_future"
	ReasonMissingExpiry   = "missing_expiry"
	ReasonLifetime        = "lifetime_too_long"
	ReasonSubject         = "bad_subject"
	ReasonAuthTime        = "auth_time_in_future"
	ReasonRequiredClaim   = "missing_required_claim"
	ReasonNoRole          = "no_role"
	ReasonNoApp           = "no_app"
	ReasonKeysUnavailable = "keys_unavailable"
)

// TokenError is a refused token: Err is ErrInvalidToken or ErrUnavailable,
// Reason one of the Reason constants, Issuer the configured name ("" when
// the token is too malformed to tell). Its message is safe to log; it
// never contains the token.
type TokenError struct {
	Issuer string
	Reason string
	Err    error
	Cause  error // internal detail, for logs; may be nil
}

func (e *TokenError) Error() string {
	s := "external token refused: " + e.Reason
	if e.Issuer != "" {
		s = "external token from " + e.Issuer + " refused: " + e.Reason
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap returns the kind (ErrInvalidToken or ErrUnavailable) and the cause.
func (e *TokenError) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Err}
	}
	return []error{e.Err, e.Cause}
}

// Principal is the caller a verified external token proves.
type Principal struct {
	// Subject is "ext:<issuer name>:<sub>": two issuers' subjects never
	// collide with each other nor with the gateway's own user ids.
	Subject string
	// Issuer is the configured name of the issuer; IssuerURL its "iss".
	Issuer    string
	IssuerURL string
	// ExternalSubject is the subject claim as the issuer wrote it.
	ExternalSubject string
	Username        string // "" when not configured or absent
	Role            string // one of our roles
	App             string // one of our app ids
	// Scopes are the token's OAuth scopes ("scope" or "scp"), as written.
	Scopes  []string
	TokenID string // "jti", may be empty
	// KeyThumbprint is "cnf"."jkt" (RFC 9449 §6.1) of a DPoP-bound token,
	// "" for a bearer token: the gateway must then require a DPoP proof
	// made with that key.
	KeyThumbprint string
	IssuedAt      time.Time
	ExpiresAt     time.Time
}

// Options are the dependencies of the verifiers.
type Options struct {
	// HTTPClient fetches discovery documents and key sets. Its redirect
	// policy is replaced (same host, https only, at most 3). Default: a
	// client with TLS 1.2 or later.
	HTTPClient *http.Client
	// Cache, optional, shares fetched key sets across restarts and
	// instances.
	Cache  KeyCache
	Now    func() time.Time
	Logger *slog.Logger
}

// Verifiers verifies tokens of every configured issuer. It is safe for
// concurrent use.
type Verifiers struct {
	byIssuer map[string]*verifier
	list     []*verifier
	now      func() time.Time
}

// verifier checks the tokens of one issuer.
type verifier struct {
	cfg  IssuerConfig
	keys *keySet
}

// parseAlgs is every algorithm any issuer may allow: a token is parsed
// with it only to read its unverified issuer; each issuer then requires
// its own list. HMAC and "none" are absent, so they never parse.
var parseAlgs = func() []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, len(supportedAlgs))
	for i, a := range supportedAlgs {
		out[i] = jose.SignatureAlgorithm(a)
	}
	return out
}()

// New defaults and validates cfg and builds its verifiers. It does no
// I/O; keys are fetched on first use (or by Warm).
func New(cfg Config, opts Options) (*Verifiers, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("external issuers: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	client := safeClient(opts.HTTPClient)
	v := &Verifiers{byIssuer: map[string]*verifier{}, now: opts.Now}
	for _, ic := range cfg.Issuers {
		iv := &verifier{cfg: ic, keys: newKeySet(ic, client, opts.Cache, opts.Now, opts.Logger)}
		v.byIssuer[ic.Issuer] = iv
		v.list = append(v.list, iv)
	}
	return v, nil
}

// Warm fetches the keys of every issuer, for a start-up check; it
// returns the issuers that failed.
func (v *Verifiers) Warm(ctx context.Context) error {
	var errs []error
	for _, iv := range v.list {
		if _, err := iv.keys.key(ctx, "", ""); err != nil && !isLookupMiss(err) {
			errs = append(errs, fmt.Errorf("%s: %w", iv.cfg.Name, err))
		}
	}
	return errors.Join(errs...)
}

func isLookupMiss(err error) bool {
	return errors.Is(err, errKidRequired) || errors.Is(err, errKeyMismatch) || errors.Is(err, errUnknownKid)
}

// Verify verifies token. It reads the unverified "iss" only to choose the
// issuer's verifier, then checks the algorithm, the signature, iss, aud,
// exp, nbf, iat (with leeway), the lifetime and the required claims, and
// maps the claims to a Principal. A token of no configured issuer returns
// ErrUnknownIssuer; other refusals are *TokenError.
func (v *Verifiers) Verify(ctx context.Context, token string) (Principal, error) {
	if len(token) > MaxTokenBytes || !utf8.ValidString(token) {
		return Principal{}, &TokenError{Reason: ReasonMalformed, Err: ErrInvalidToken}
	}
	tok, err := jwt.ParseSigned(token, parseAlgs)
	if err != nil {
		return Principal{}, &TokenError{Reason: ReasonMalformed, Err: ErrInvalidToken, Cause: err}
	}
	var unverified struct {
		Issuer string `json:"iss"`
	}
	if len(tok.Headers) != 1 || tok.UnsafeClaimsWithoutVerification(&unverified) != nil {
		return Principal{}, &TokenError{Reason: ReasonMalformed, Err: ErrInvalidToken}
	}
	iv, ok := v.byIssuer[unverified.Issuer]
	if !ok {
		return Principal{}, ErrUnknownIssuer
	}
	return iv.verify(ctx, tok, v.now())
}

func (iv *verifier) refuse(reason string, cause error) (Principal, error) {
	kind := ErrInvalidToken
	if reason == ReasonKeysUnavailable {
		kind = ErrUnavailable
	}
	return Principal{}, &TokenError{Issuer: iv.cfg.Name, Reason: reason, Err: kind, Cause: cause}
}

func (iv *verifier) verify(ctx context.Context, tok *jwt.JSONWebToken, now time.Time) (Principal, error) {
	h := tok.Headers[0]
	if !contains(iv.cfg.Algorithms, h.Algorithm) {
		return iv.refuse(ReasonAlgorithm, nil)
	}
	if len(iv.cfg.TokenTypes) > 0 && !typeAllowed(h, iv.cfg.TokenTypes) {
		return iv.refuse(ReasonType, nil)
	}
	key, err := iv.keys.key(ctx, h.KeyID, h.Algorithm)
	switch {
	case errors.Is(err, errUnknownKid):
		return iv.refuse(ReasonUnknownKey, nil)
	case errors.Is(err, errKidRequired):
		return iv.refuse(ReasonKeyIDRequired, nil)
	case errors.Is(err, errKeyMismatch):
		return iv.refuse(ReasonKeyMismatch, nil)
	case err != nil:
		return iv.refuse(ReasonKeysUnavailable, err)
	}
	var claims map[string]any
	if err := tok.Claims(key.Key, &claims); err != nil {
		return iv.refuse(ReasonSignature, nil)
	}
	// The signature is verified: read the registered claims of the same
	// payload without verifying it a second time.
	var std jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&std); err != nil {
		return iv.refuse(ReasonClaims, nil)
	}
	exp := jwt.Expected{Issuer: iv.cfg.Issuer, Time: now}
	if iv.cfg.AudienceClaim == "aud" {
		exp.AnyAudience = jwt.Audience(iv.cfg.Audience)
	} else if v, ok := lookup(claims, iv.cfg.AudienceClaim); !ok || !anyOf(stringsOf(v), iv.cfg.Audience) {
		return iv.refuse(ReasonAudience, nil)
	}
	if err := std.ValidateWithLeeway(exp, iv.cfg.Leeway); err != nil {
		switch {
		case errors.Is(err, jwt.ErrInvalidIssuer):
			return iv.refuse(ReasonIssuer, nil)
		case errors.Is(err, jwt.ErrInvalidAudience):
			return iv.refuse(ReasonAudience, nil)
		case errors.Is(err, jwt.ErrExpired):
			return iv.refuse(ReasonExpired, nil)
		case errors.Is(err, jwt.ErrNotValidYet):
			return iv.refuse(ReasonNotYetValid, nil)
		case errors.Is(err, jwt.ErrIssuedInTheFuture):
			return iv.refuse(ReasonIssuedInFuture, nil)
		}
		return iv.refuse(ReasonSignature, err)
	}
	if std.Expiry == nil {
		return iv.refuse(ReasonMissingExpiry, nil)
	}
	from := now
	if std.IssuedAt != nil {
		from = std.IssuedAt.Time()
	}
	if std.Expiry.Time().Sub(from) > iv.cfg.MaxLifetime {
		return iv.refuse(ReasonLifetime, nil)
	}
	if at, ok := claims["auth_time"].(float64); ok && at > float64(now.Add(iv.cfg.Leeway).Unix()) {
		return iv.refuse(ReasonAuthTime, nil) // OIDC Core §2; Firebase requires it in the past
	}
	sub, ok := stringClaim(claims, iv.cfg.Claims.Subject)
	if !ok || len(sub) > 255 {
		return iv.refuse(ReasonSubject, nil)
	}
	for _, rc := range iv.cfg.RequiredClaims {
		if !hasRequired(claims, rc) {
			return iv.refuse(ReasonRequiredClaim, fmt.Errorf("claim %q", rc.Claim))
		}
	}
	role := mapRole(claims, iv.cfg.Roles)
	if role == "" {
		return iv.refuse(ReasonNoRole, nil)
	}
	app := mapApp(claims, iv.cfg.Claims.App)
	if app == "" {
		return iv.refuse(ReasonNoApp, nil)
	}
	p := Principal{
		Subject: "ext:" + iv.cfg.Name + ":" + sub, Issuer: iv.cfg.Name, IssuerURL: iv.cfg.Issuer,
		ExternalSubject: sub, Role: role, App: app, Scopes: scopesOf(claims), TokenID: std.ID,
		ExpiresAt: std.Expiry.Time().UTC(),
	}
	if cnf, ok := claims["cnf"].(map[string]any); ok {
		p.KeyThumbprint, _ = cnf["jkt"].(string)
	}
	if iv.cfg.Claims.Username != "" {
		p.Username, _ = stringClaim(claims, iv.cfg.Claims.Username)
	}
	if std.IssuedAt != nil {
		p.IssuedAt = std.IssuedAt.Time().UTC()
	}
	return p, nil
}

// anyOf reports whether have contains one of want.
func anyOf(have, want []string) bool {
	for _, w := range want {
		if contains(have, w) {
			return true
		}
	}
	return false
}

// typeAllowed reports whether the "typ" header is one of allowed (RFC
// 7515 §4.1.9: case-insensitive, "application/" may be omitted).
func typeAllowed(h jose.Header, allowed []string) bool {
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		return strings.TrimPrefix(s, "application/")
	}
	for _, a := range allowed {
		if norm(typ) == norm(a) {
			return true
		}
	}
	return false
}
