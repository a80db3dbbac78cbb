// Package dpop verifies and creates DPoP proofs (OAuth 2.0 Demonstrating
// Proof of Possession, RFC 9449): the signed JWT an app sends in the DPoP
// header of each request to prove it holds the private key its tokens are
// bound to. A stolen access or refresh token is useless without that key.
//
// A Verifier checks one proof against one request: the JOSE type and an
// allow-listed asymmetric algorithm, a public key in the header and the
// signature by that key, the HTTP method and target URI, the age of the
// proof, its access token hash, a server nonce (Nonces) when required,
// and finally that the proof was never seen before (ReplayCache). Tokens
// are bound to the key's RFC 7638 thumbprint (cnf.jkt), checked with
// CheckBinding. NewProof creates proofs, for tests and as the reference
// for what an app sends.
//
// Every refusal is an error that errors.Is ErrInvalidProof and one of the
// specific sentinels (ErrReplay, ErrWrongURL, …), except a missing or
// stale nonce, which is a *UseNonceError carrying the nonce to retry
// with, and a failing replay cache, which is ErrUnavailable: the proof is
// refused (fail closed) but the fault is the server's.
package dpop

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Algorithms a Verifier may accept. Only asymmetric signatures: the key
// that checks a proof travels in the proof, so a symmetric one would let
// anyone sign.
const (
	ES256 = string(jose.ES256)
	ES384 = string(jose.ES384)
	EdDSA = string(jose.EdDSA)
	RS256 = string(jose.RS256)
	PS256 = string(jose.PS256)
)

// DefaultAlgorithms are accepted when Options.Algorithms is empty: the
// elliptic-curve algorithms of mobile hardware keys (Secure Enclave and
// Android Keystore both make P-256 keys) and Ed25519. RSA is opt-in.
var DefaultAlgorithms = []string{ES256, ES384, EdDSA}

// Limits on what Verify reads.
const (
	// MaxProofSize bounds a proof (the DPoP header value). A proof with
	// an RSA-4096 key is about 1.5 KiB; 8 KiB leaves room for long URLs.
	MaxProofSize = 8 << 10
	// MaxAccessTokenSize bounds the access token hashed for ath.
	MaxAccessTokenSize = 16 << 10
	// maxJTI bounds the jti claim; RFC 9449 asks for 96 bits of
	// randomness, which is 16 base64url characters.
	maxJTI = 256
	// minRSABits is the smallest RSA key accepted.
	minRSABits = 2048
)

// DefaultWindow is how far a proof's iat may be from the server's clock,
// either way, when Options.Window is zero.
const DefaultWindow = 60 * time.Second

// Proof refusals. Each error Verify returns for a bad proof errors.Is
// ErrInvalidProof and exactly one of these.
var (
	ErrInvalidProof = errors.New("invalid DPoP proof")

	ErrMissingProof   = errors.New("dpop: no proof")
	ErrMultipleProofs = errors.New("dpop: more than one proof")
	ErrOversized      = errors.New("dpop: proof too large")
	ErrMalformed      = errors.New("dpop: malformed proof")
	ErrWrongType      = errors.New("dpop: typ is not dpop+jwt")
	ErrUnsupportedAlg = errors.New("dpop: algorithm not allowed")
	ErrBadKey         = errors.New("dpop: jwk missing, private, or not fit for alg")
	ErrBadSignature   = errors.New("dpop: bad signature")
	ErrMissingClaim   = errors.New("dpop: required claim missing")
	ErrWrongMethod    = errors.New("dpop: htm does not match the request method")
	ErrWrongURL       = errors.New("dpop: htu does not match the request URL")
	ErrStale          = errors.New("dpop: iat outside the accepted window")
	ErrMissingAth     = errors.New("dpop: ath missing")
	ErrWrongAth       = errors.New("dpop: ath does not match the access token")
	ErrReplay         = errors.New("dpop: proof replayed")
	// ErrBindingMismatch is returned by CheckBinding: the proof's key is
	// not the one the token is bound to.
	ErrBindingMismatch = errors.New("dpop: proof key does not match the token binding")
)

// ErrUseNonce is what a *UseNonceError is: the proof lacks the server
// nonce or carries a stale or unknown one.
var ErrUseNonce = errors.New("dpop: a fresh server nonce is required")

// ErrUnavailable marks a proof that could not be checked because the
// replay cache failed. The proof is refused; the fault is the server's.
var ErrUnavailable = errors.New("dpop: replay cache unavailable")

// proofError is a refusal: a sentinel, and detail for logs.
type proofError struct {
	kind   error
	detail string
}

func (e *proofError) Error() string {
	if e.detail == "" {
		return e.kind.Error()
	}
	return e.kind.Error() + ": " + e.detail
}

func (e *proofError) Is(target error) bool { return target == e.kind || target == ErrInvalidProof }

func refuse(kind error, format string, args ...any) error {
	return &proofError{kind: kind, detail: fmt.Sprintf(format, args...)}
}

// UseNonceError refuses a proof without a valid server nonce. The gateway
// answers with error="use_dpop_nonce" and a "DPoP-Nonce: <Nonce>" header
// (RFC 9449 §8 and §9): 400 at the token endpoint, 401 at a resource.
type UseNonceError struct {
	Nonce  string // the nonce the client must put in its next proof
	reason string
}

func (e *UseNonceError) Error() string {
	if e.reason == "" {
		return ErrUseNonce.Error()
	}
	return ErrUseNonce.Error() + ": " + e.reason
}

// Is makes errors.Is(err, ErrUseNonce) true.
func (e *UseNonceError) Is(target error) bool { return target == ErrUseNonce }

// Request is the HTTP request a proof is checked against.
type Request struct {
	// Method is the request's method, e.g. "POST".
	Method string
	// URL is the absolute URL the client addressed, as the client sees
	// the server (public scheme and host; see TargetURL). Query and
	// fragment are ignored.
	URL string
	// AccessToken, when not empty, is the access token presented with the
	// proof (Authorization: DPoP …): the proof must carry its hash (ath).
	AccessToken string
	// Nonce, when not empty, is the exact nonce this request's proof must
	// carry, for callers that keep nonces themselves. It is checked in
	// addition to Options.Nonces.
	Nonce string
}

// Proof is a verified proof.
type Proof struct {
	// JKT is the RFC 7638 SHA-256 thumbprint (base64url) of the proof's
	// key: what cnf.jkt of a bound token holds.
	JKT string
	// Key is the public key of the proof (a public jose.JSONWebKey).
	Key jose.JSONWebKey
	// Algorithm is the signature algorithm, e.g. "ES256".
	Algorithm string
	ID        string // jti
	Method    string // htm
	URL       string // htu, as sent
	IssuedAt  time.Time
	Nonce     string // the nonce claim, "" when absent
}

// ReplayCache remembers the proofs a Verifier has accepted.
type ReplayCache interface {
	// Seen reports whether key was seen before and has not expired; if it
	// was not, it remembers key until the time until. Check and remember
	// are one atomic step: of concurrent calls with one key, exactly one
	// returns false. A cache that cannot answer returns an error.
	Seen(ctx context.Context, key string, until time.Time) (bool, error)
}

// Options configure a Verifier.
type Options struct {
	// Replay remembers accepted proofs; required.
	Replay ReplayCache
	// Algorithms accepted; DefaultAlgorithms when empty. Only ES256,
	// ES384, EdDSA, RS256 and PS256 may be listed.
	Algorithms []string
	// Window is how far iat may be from now, in the past or the future;
	// DefaultWindow when zero, at most 10 minutes.
	Window time.Duration
	// Nonces, when set, requires every proof to carry a valid nonce it
	// issued.
	Nonces *Nonces
	// Now reads the clock; time.Now when nil.
	Now func() time.Time
}

// Verifier checks proofs. It is safe for concurrent use.
type Verifier struct {
	replay ReplayCache
	algs   []jose.SignatureAlgorithm
	window time.Duration
	nonces *Nonces
	now    func() time.Time
}

// NewVerifier validates the options and returns a verifier.
func NewVerifier(opt Options) (*Verifier, error) {
	if opt.Replay == nil {
		return nil, errors.New("dpop: Options.Replay is required")
	}
	if opt.Window < 0 || opt.Window > 10*time.Minute {
		return nil, fmt.Errorf("dpop: Options.Window %s: want 0 (default %s) to 10m", opt.Window, DefaultWindow)
	}
	if opt.Window == 0 {
		opt.Window = DefaultWindow
	}
	if len(opt.Algorithms) == 0 {
		opt.Algorithms = DefaultAlgorithms
	}
	v := &Verifier{replay: opt.Replay, window: opt.Window, nonces: opt.Nonces, now: opt.Now}
	for _, a := range opt.Algorithms {
		switch a {
		case ES256, ES384, EdDSA, RS256, PS256:
			v.algs = append(v.algs, jose.SignatureAlgorithm(a))
		default:
			return nil, fmt.Errorf("dpop: Options.Algorithms: %q is not one of ES256, ES384, EdDSA, RS256, PS256", a)
		}
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// Algorithms returns the accepted algorithms, for the algs parameter of a
// WWW-Authenticate challenge and the dpop_signing_alg_values_supported
// metadata.
func (v *Verifier) Algorithms() []string {
	out := make([]string, len(v.algs))
	for i, a := range v.algs {
		out[i] = string(a)
	}
	return out
}

// claims are the claims of a proof (RFC 9449 §4.2).
type claims struct {
	JTI   string           `json:"jti"`
	HTM   string           `json:"htm"`
	HTU   string           `json:"htu"`
	IAT   *jwt.NumericDate `json:"iat"`
	ATH   string           `json:"ath"`
	Nonce string           `json:"nonce"`
}

// Verify checks a proof against a request (RFC 9449 §4.3) and, when it
// is good, remembers it so that it is never accepted again. Checks run
// cheapest and most specific first; the replay cache is consulted last,
// so a refused proof takes no room in it.
func (v *Verifier) Verify(ctx context.Context, proof string, req Request) (Proof, error) {
	if proof == "" {
		return Proof{}, refuse(ErrMissingProof, "")
	}
	if len(proof) > MaxProofSize {
		return Proof{}, refuse(ErrOversized, "%d bytes, limit %d", len(proof), MaxProofSize)
	}
	if len(req.AccessToken) > MaxAccessTokenSize {
		return Proof{}, refuse(ErrWrongAth, "access token of %d bytes, limit %d", len(req.AccessToken), MaxAccessTokenSize)
	}
	jws, err := jose.ParseSignedCompact(proof, v.algs)
	if err != nil {
		return Proof{}, classifyParseError(proof, err)
	}
	if len(jws.Signatures) != 1 {
		return Proof{}, refuse(ErrMalformed, "%d signatures", len(jws.Signatures))
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); !strings.EqualFold(typ, "dpop+jwt") {
		return Proof{}, refuse(ErrWrongType, "typ %q", typ)
	}
	for _, k := range []jose.HeaderKey{"crit", "b64"} {
		if _, ok := h.ExtraHeaders[k]; ok {
			return Proof{}, refuse(ErrMalformed, "header %q is not allowed in a proof", k)
		}
	}
	alg := h.Algorithm
	jwk := h.JSONWebKey
	if err := checkKey(jwk, alg); err != nil {
		return Proof{}, err
	}
	payload, err := jws.Verify(jwk.Key)
	if err != nil {
		return Proof{}, refuse(ErrBadSignature, "")
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return Proof{}, refuse(ErrMalformed, "claims are not a JSON object of the expected types")
	}
	switch {
	case c.JTI == "":
		return Proof{}, refuse(ErrMissingClaim, "jti")
	case c.HTM == "":
		return Proof{}, refuse(ErrMissingClaim, "htm")
	case c.HTU == "":
		return Proof{}, refuse(ErrMissingClaim, "htu")
	case c.IAT == nil:
		return Proof{}, refuse(ErrMissingClaim, "iat")
	}
	if len(c.JTI) > maxJTI {
		return Proof{}, refuse(ErrMalformed, "jti of %d bytes, limit %d", len(c.JTI), maxJTI)
	}
	// RFC 9110 §9.1: the method token is case-sensitive.
	if c.HTM != req.Method {
		return Proof{}, refuse(ErrWrongMethod, "htm %q, request %q", c.HTM, req.Method)
	}
	if err := matchHTU(c.HTU, req.URL); err != nil {
		return Proof{}, err
	}
	now := v.now()
	iat := c.IAT.Time()
	if iat.Before(now.Add(-v.window)) || iat.After(now.Add(v.window)) {
		return Proof{}, refuse(ErrStale, "iat %s, now %s, window %s", iat.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), v.window)
	}
	if req.AccessToken != "" {
		if c.ATH == "" {
			return Proof{}, refuse(ErrMissingAth, "")
		}
		want := AccessTokenHash(req.AccessToken)
		if subtle.ConstantTimeCompare([]byte(c.ATH), []byte(want)) != 1 {
			return Proof{}, refuse(ErrWrongAth, "")
		}
	}
	if err := v.checkNonce(c.Nonce, req.Nonce); err != nil {
		return Proof{}, err
	}
	jkt, err := Thumbprint(*jwk)
	if err != nil {
		return Proof{}, refuse(ErrBadKey, "thumbprint: %v", err)
	}
	// The key is the proof's key and its jti: a jti is unique per key, so
	// one client cannot use up another's. Hashing bounds its length.
	sum := sha256.Sum256([]byte(jkt + "\x00" + c.JTI))
	seen, err := v.replay.Seen(ctx, base64.RawURLEncoding.EncodeToString(sum[:]), iat.Add(v.window))
	if err != nil {
		return Proof{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if seen {
		return Proof{}, refuse(ErrReplay, "jti %q", c.JTI)
	}
	return Proof{JKT: jkt, Key: jwk.Public(), Algorithm: alg, ID: c.JTI, Method: c.HTM, URL: c.HTU, IssuedAt: iat, Nonce: c.Nonce}, nil
}

func (v *Verifier) checkNonce(got, want string) error {
	if want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return &UseNonceError{Nonce: want, reason: "nonce does not match the one expected"}
	}
	if v.nonces == nil {
		return nil
	}
	if err := v.nonces.Check(got); err != nil {
		fresh, ierr := v.nonces.Issue()
		if ierr != nil {
			return fmt.Errorf("%w: issue nonce: %w", ErrUnavailable, ierr)
		}
		return &UseNonceError{Nonce: fresh, reason: err.Error()}
	}
	return nil
}

// checkKey requires a public key in the header that fits alg.
func checkKey(jwk *jose.JSONWebKey, alg string) error {
	if jwk == nil {
		return refuse(ErrBadKey, "no jwk header")
	}
	if !jwk.IsPublic() || !jwk.Valid() {
		return refuse(ErrBadKey, "jwk is not a valid public key")
	}
	if jwk.Algorithm != "" && jwk.Algorithm != alg {
		return refuse(ErrBadKey, "jwk alg %q, header alg %q", jwk.Algorithm, alg)
	}
	if jwk.Use != "" && jwk.Use != "sig" {
		return refuse(ErrBadKey, "jwk use %q", jwk.Use)
	}
	ok := false
	switch k := jwk.Key.(type) {
	case *ecdsa.PublicKey:
		ok = (alg == ES256 && k.Curve == elliptic.P256()) || (alg == ES384 && k.Curve == elliptic.P384())
	case ed25519.PublicKey:
		ok = alg == EdDSA && len(k) == ed25519.PublicKeySize
	case *rsa.PublicKey:
		ok = (alg == RS256 || alg == PS256) && k.N.BitLen() >= minRSABits
	}
	if !ok {
		return refuse(ErrBadKey, "a %T key does not fit alg %s", jwk.Key, alg)
	}
	return nil
}

// classifyParseError turns a go-jose parse refusal into a sentinel. The
// library is the parser; this only names why it refused, looking at the
// header's member names when the library's error carries no type.
func classifyParseError(proof string, err error) error {
	var ua *jose.ErrUnexpectedSignatureAlgorithm
	if errors.As(err, &ua) {
		return refuse(ErrUnsupportedAlg, "alg %q", ua.Got)
	}
	if hasPrivateJWK(proof) {
		return refuse(ErrBadKey, "jwk carries private key material")
	}
	return refuse(ErrMalformed, "%v", err)
}

// hasPrivateJWK reports whether the protected header of a compact JWS has
// a jwk with private members (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037).
func hasPrivateJWK(proof string) bool {
	seg, _, ok := strings.Cut(proof, ".")
	if !ok {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	var h struct {
		JWK map[string]json.RawMessage `json:"jwk"`
	}
	if json.Unmarshal(raw, &h) != nil {
		return false
	}
	for _, m := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"} {
		if _, ok := h.JWK[m]; ok {
			return true
		}
	}
	return false
}
