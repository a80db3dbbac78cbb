package dpop

import (
	"errors"
	"net/http"
	"strings"
)

// Header names of RFC 9449.
const (
	HeaderDPoP  = "DPoP"
	HeaderNonce = "DPoP-Nonce"
)

// Error codes a server returns (RFC 9449 §5, §7.1, §8, §9).
const (
	CodeInvalidProof = "invalid_dpop_proof"
	CodeUseNonce     = "use_dpop_nonce"
	CodeInvalidToken = "invalid_token"
)

// ProofFromHeader returns the one proof of a request's DPoP header. No
// header is ErrMissingProof; two headers, or a list, ErrMultipleProofs
// (RFC 9449 §4.3 asks for exactly one); a value over MaxProofSize,
// ErrOversized.
func ProofFromHeader(h http.Header) (string, error) {
	vs := h.Values(HeaderDPoP)
	switch {
	case len(vs) == 0:
		return "", refuse(ErrMissingProof, "")
	case len(vs) > 1:
		return "", refuse(ErrMultipleProofs, "%d DPoP headers", len(vs))
	}
	v := strings.TrimSpace(vs[0])
	switch {
	case v == "":
		return "", refuse(ErrMissingProof, "empty DPoP header")
	case len(v) > MaxProofSize:
		return "", refuse(ErrOversized, "%d bytes, limit %d", len(v), MaxProofSize)
	case strings.ContainsAny(v, ", \t"):
		return "", refuse(ErrMultipleProofs, "a list in the DPoP header")
	}
	return v, nil
}

// AuthorizationToken returns the access token of an "Authorization: DPoP
// <token>" header (RFC 9449 §7.1); ok is false when there is none or the
// scheme is another.
func AuthorizationToken(h http.Header) (token string, ok bool) {
	scheme, token, found := strings.Cut(h.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "DPoP") || token == "" || len(token) > MaxAccessTokenSize {
		return "", false
	}
	return token, true
}

// TargetURL is the URL a client addressed, for Request.URL: the server's
// public origin (scheme and host as clients see them, from
// configuration, never from the Host or X-Forwarded-* headers of the
// request) followed by the request's path.
func TargetURL(origin string, r *http.Request) string {
	return strings.TrimRight(origin, "/") + r.URL.EscapedPath()
}

// ErrorCode is the OAuth error code for an error of Verify or
// CheckBinding: CodeUseNonce, CodeInvalidToken for a token bound to
// another key, CodeInvalidProof for any other refusal, and "" for a
// server fault (ErrUnavailable), which is a 503, not a client error.
func ErrorCode(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrUseNonce):
		return CodeUseNonce
	case errors.Is(err, ErrBindingMismatch):
		return CodeInvalidToken
	case errors.Is(err, ErrInvalidProof):
		return CodeInvalidProof
	}
	return ""
}

// publicDescription is what a client is told: the kind of problem,
// never the detail.
var publicDescription = map[string]string{
	CodeInvalidProof: "invalid DPoP proof",
	CodeUseNonce:     "authorization server requires nonce in DPoP proof",
	CodeInvalidToken: "invalid DPoP key binding",
}

// Challenge is the WWW-Authenticate value of a 401 from a resource
// (RFC 9449 §7.1): the DPoP scheme, the accepted algorithms, and for err
// its error code and a fixed description. The detail of err is never
// included.
func Challenge(err error, algs []string) string {
	var b strings.Builder
	b.WriteString("DPoP")
	sep := " "
	if code := ErrorCode(err); code != "" {
		b.WriteString(` error="` + code + `", error_description="` + publicDescription[code] + `"`)
		sep = ", "
	}
	if len(algs) > 0 {
		b.WriteString(sep + `algs="` + strings.Join(algs, " ") + `"`)
	}
	return b.String()
}

// NonceOf returns the nonce to send in the DPoP-Nonce header for err,
// and whether there is one.
func NonceOf(err error) (string, bool) {
	var ne *UseNonceError
	if errors.As(err, &ne) && ne.Nonce != "" {
		return ne.Nonce, true
	}
	return "", false
}
