// Package oauth holds the protocol parts of the gateway's OAuth 2.0
// authorization server for native apps (RFC 8252): validation of
// authorization requests, PKCE with S256 (RFC 7636), single-use
// authorization codes, CSRF tokens for the login form and the OpenID
// Connect discovery document. It has no HTTP handlers; internal/gateway
// serves the endpoints.
package oauth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Bounds of request parameters.
const (
	MaxClientID    = 64
	MaxRedirectURI = 2048
	MaxState       = 512
	MaxNonce       = 512
	MaxScope       = 512
	minPKCE        = 43
	maxPKCE        = 128
)

// ScopeOpenID asks for an ID token.
const ScopeOpenID = "openid"

// Request is a validated authorization request.
type Request struct {
	ClientID      string
	RedirectURI   string
	State         string
	CodeChallenge string
	Nonce         string
	Scopes        []string
}

// OpenID reports whether the request asked for an ID token.
func (r Request) OpenID() bool { return slices.Contains(r.Scopes, ScopeOpenID) }

// Scope is the space-separated scope string.
func (r Request) Scope() string { return strings.Join(r.Scopes, " ") }

// Clients looks up the exact redirect URIs of a registered client; ok is
// false for an unknown client.
type Clients func(clientID string) (redirectURIs []string, ok bool, err error)

// Error is an authorization-request refusal. When Redirect is false the
// client or redirect URI is not trustworthy and the user agent must not
// be sent anywhere: the server shows an error page instead.
type Error struct {
	Code        string // RFC 6749 §4.1.2.1 error code
	Description string
	Redirect    bool
	Err         error // set for a failure of the client lookup
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("oauth: %s: %s: %v", e.Code, e.Description, e.Err)
	}
	return "oauth: " + e.Code + ": " + e.Description
}

func (e *Error) Unwrap() error { return e.Err }

// RedirectURL is the redirect URI with the error appended (only when
// e.Redirect).
func (e *Error) RedirectURL(redirectURI, state string) string {
	v := url.Values{"error": {e.Code}, "error_description": {e.Description}}
	if state != "" {
		v.Set("state", state)
	}
	return appendQuery(redirectURI, v)
}

// ValidateAuthorize checks an authorization request. The client and the
// redirect URI are checked first: until both are known good, errors are
// never redirected.
func ValidateAuthorize(q url.Values, clients Clients) (Request, error) {
	one := func(k string) (string, bool) {
		v := q[k]
		if len(v) > 1 {
			return "", false
		}
		if len(v) == 0 {
			return "", true
		}
		return v[0], true
	}
	clientID, ok := one("client_id")
	if !ok || clientID == "" || len(clientID) > MaxClientID {
		return Request{}, &Error{Code: "invalid_request", Description: "client_id is missing, repeated or too long"}
	}
	uris, known, err := clients(clientID)
	if err != nil {
		return Request{}, &Error{Code: "server_error", Description: "the client registry is unavailable", Err: err}
	}
	if !known || len(uris) == 0 {
		return Request{}, &Error{Code: "unauthorized_client", Description: "client_id is not a registered app with redirect URIs"}
	}
	redirect, ok := one("redirect_uri")
	if !ok || redirect == "" || len(redirect) > MaxRedirectURI {
		return Request{}, &Error{Code: "invalid_request", Description: "redirect_uri is missing, repeated or too long"}
	}
	if !exactMatch(uris, redirect) {
		return Request{}, &Error{Code: "invalid_request", Description: "redirect_uri is not registered for this client"}
	}
	req := Request{ClientID: clientID, RedirectURI: redirect}
	bad := func(code, desc string) (Request, error) {
		return req, &Error{Code: code, Description: desc, Redirect: true}
	}
	for _, k := range []string{"response_type", "state", "code_challenge", "code_challenge_method", "scope", "nonce"} {
		if len(q[k]) > 1 {
			return bad("invalid_request", k+" is repeated")
		}
	}
	if state := q.Get("state"); state == "" || len(state) > MaxState {
		return bad("invalid_request", "state is required (at most 512 bytes)")
	} else {
		req.State = state
	}
	if rt := q.Get("response_type"); rt != "code" {
		return bad("unsupported_response_type", "only response_type=code is supported")
	}
	if m := q.Get("code_challenge_method"); m != "S256" {
		return bad("invalid_request", "code_challenge_method must be S256")
	}
	ch := q.Get("code_challenge")
	if !validPKCE(ch) {
		return bad("invalid_request", "code_challenge is required: 43 to 128 unreserved characters")
	}
	req.CodeChallenge = ch
	scope := q.Get("scope")
	if len(scope) > MaxScope {
		return bad("invalid_scope", "scope is too long")
	}
	for _, s := range strings.Fields(scope) {
		if !slices.Contains(req.Scopes, s) {
			req.Scopes = append(req.Scopes, s)
		}
	}
	for _, s := range req.Scopes {
		if !slices.Contains(SupportedScopes, s) {
			return bad("invalid_scope", "unsupported scope "+strconvQuote(s))
		}
	}
	nonce := q.Get("nonce")
	if len(nonce) > MaxNonce {
		return bad("invalid_request", "nonce is too long")
	}
	req.Nonce = nonce
	return req, nil
}

// SupportedScopes are the scopes the server knows.
var SupportedScopes = []string{ScopeOpenID, "profile", "offline_access"}

func strconvQuote(s string) string {
	if len(s) > 32 {
		s = s[:32]
	}
	return fmt.Sprintf("%q", s)
}

// exactMatch compares redirect URIs as strings, with no normalization
// (RFC 9700 §2.1).
func exactMatch(registered []string, uri string) bool {
	for _, r := range registered {
		if r == uri {
			return true
		}
	}
	return false
}

// validPKCE reports whether s is 43 to 128 characters of the unreserved set
// (RFC 7636 §4.1, the same for verifiers and S256 challenges).
func validPKCE(s string) bool {
	if len(s) < minPKCE || len(s) > maxPKCE {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// ErrPKCE is a missing, malformed or wrong code_verifier.
var ErrPKCE = errors.New("oauth: code_verifier does not match the code_challenge")

// VerifyPKCE checks a verifier against an S256 challenge in constant time.
func VerifyPKCE(verifier, challenge string) error {
	if !validPKCE(verifier) {
		return fmt.Errorf("%w: it must be 43 to 128 unreserved characters", ErrPKCE)
	}
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) != 1 {
		return ErrPKCE
	}
	return nil
}

// S256 is the challenge of a verifier (for clients and tests).
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func appendQuery(uri string, v url.Values) string {
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + v.Encode()
}

// CodeRedirect is the redirect URI with the code and state.
func CodeRedirect(redirectURI, code, state string) string {
	return appendQuery(redirectURI, url.Values{"code": {code}, "state": {state}})
}

// randomToken is 256 random bits, base64url.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("oauth: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// CSRF makes and checks the tokens of the login form: an HMAC, under a
// key of the process, of the opaque id of the pending authorization the
// form belongs to. A form post whose token does not match its id is
// refused.
type CSRF struct{ key []byte }

// NewCSRF makes a CSRF signer with a fresh random key.
func NewCSRF() (*CSRF, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("oauth: random: %w", err)
	}
	return &CSRF{key: k}, nil
}

// Token is the CSRF token of a pending authorization id.
func (c *CSRF) Token(id string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("bulwark-oauth-csrf\x00" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Check reports whether token is the CSRF token of id (constant time).
func (c *CSRF) Check(id, token string) bool {
	if id == "" || token == "" {
		return false
	}
	return hmac.Equal([]byte(c.Token(id)), []byte(token))
}

// Discovery is the OpenID Provider metadata (OIDC Discovery 1.0 §3,
// RFC 8414).
type Discovery struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
}

// NewDiscovery is the metadata of an issuer (no trailing slash) signing
// with alg.
func NewDiscovery(issuer, alg string) Discovery {
	issuer = strings.TrimSuffix(issuer, "/")
	return Discovery{
		Issuer: issuer, AuthorizationEndpoint: issuer + "/oauth/authorize", TokenEndpoint: issuer + "/oauth/token",
		JWKSURI: issuer + "/.well-known/jwks.json", UserinfoEndpoint: issuer + "/oauth/userinfo", RevocationEndpoint: issuer + "/oauth/revoke",
		ResponseTypesSupported: []string{"code"}, GrantTypesSupported: []string{"authorization_code", "refresh_token"},
		CodeChallengeMethodsSupported: []string{"S256"}, IDTokenSigningAlgValuesSupported: []string{alg},
		TokenEndpointAuthMethodsSupported: []string{"none"}, SubjectTypesSupported: []string{"public"},
		ScopesSupported: []string{ScopeOpenID, "profile"},
	}
}
