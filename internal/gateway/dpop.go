package gateway

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bulwark-security/bulwark/internal/dpop"
	"github.com/bulwark-security/bulwark/internal/identity"
)

// dpopStage checks DPoP proofs (RFC 9449, internal/dpop): at the login and
// refresh endpoints, where a proof binds the session to the app's key, and
// at every authenticated route, where a bound token is accepted only with
// a fresh proof by that key. One replay cache serves both.
type dpopStage struct {
	token    *dpop.Verifier // login and refresh: with server nonces when configured
	resource *dpop.Verifier
	nonces   *dpop.Nonces // nil when nonces are off
	origin   string       // server.public_url: what proofs' htu name
}

func newDPoPStage(cfg *Config, now func() time.Time) (*dpopStage, error) {
	c := cfg.Auth.DPoP
	replay := dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{Now: now})
	st := &dpopStage{origin: cfg.Server.PublicURL}
	if c.Nonces {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, err
		}
		n, err := dpop.NewNonces(dpop.NoncesOptions{Secret: secret, Now: now})
		if err != nil {
			return nil, fmt.Errorf("auth.dpop: %w", err)
		}
		st.nonces = n
	}
	var err error
	if st.token, err = dpop.NewVerifier(dpop.Options{Replay: replay, Algorithms: c.Algorithms, Window: c.Window, Nonces: st.nonces, Now: now}); err != nil {
		return nil, fmt.Errorf("auth.dpop: %w", err)
	}
	if st.resource, err = dpop.NewVerifier(dpop.Options{Replay: replay, Algorithms: c.Algorithms, Window: c.Window, Now: now}); err != nil {
		return nil, fmt.Errorf("auth.dpop: %w", err)
	}
	return st, nil
}

// hasProof reports whether the request carries a DPoP header.
func hasProof(r *http.Request) bool { return len(r.Header.Values(dpop.HeaderDPoP)) > 0 }

// atTokenEndpoint verifies the proof of a login or refresh request.
func (d *dpopStage) atTokenEndpoint(ctx context.Context, r *http.Request) (dpop.Proof, error) {
	proof, err := dpop.ProofFromHeader(r.Header)
	if err != nil {
		return dpop.Proof{}, err
	}
	return d.token.Verify(ctx, proof, dpop.Request{Method: r.Method, URL: dpop.TargetURL(d.origin, r)})
}

// atResource verifies the proof that must come with a bound access token,
// and that it is made by the token's key.
func (d *dpopStage) atResource(ctx context.Context, r *http.Request, token, jkt string) error {
	proof, err := dpop.ProofFromHeader(r.Header)
	if err != nil {
		return err
	}
	p, err := d.resource.Verify(ctx, proof, dpop.Request{Method: r.Method, URL: dpop.TargetURL(d.origin, r), AccessToken: token})
	if err != nil {
		return err
	}
	return dpop.CheckBinding(p, jkt)
}

// errorFor renders a refused proof: 400 at the token endpoints (RFC 9449
// §7.1), 401 with a DPoP challenge at resources; a server nonce when one
// is asked for; 503 when the replay cache failed. The client learns the
// kind of problem, never the detail.
func (d *dpopStage) errorFor(err error, tokenEndpoint bool) *apiError {
	if errors.Is(err, dpop.ErrUnavailable) {
		return errUnavailable(err)
	}
	code := dpop.ErrorCode(err)
	if code == "" {
		code = dpop.CodeInvalidProof
	}
	msg := "the DPoP proof is missing or invalid"
	switch code {
	case dpop.CodeUseNonce:
		msg = "the DPoP proof must carry the server nonce in the DPoP-Nonce header"
	case dpop.CodeInvalidToken:
		msg = "the access token is bound to another key than the DPoP proof's"
	}
	var ae *apiError
	if tokenEndpoint {
		ae = errBadRequest(code, msg)
	} else {
		ae = errUnauthorized(code, msg)
		ae.Header = http.Header{"Www-Authenticate": {dpop.Challenge(err, d.resource.Algorithms())}}
	}
	if n, ok := dpop.NonceOf(err); ok {
		if ae.Header == nil {
			ae.Header = http.Header{}
		}
		ae.Header.Set("DPoP-Nonce", n)
	}
	ae.Cause = err
	return ae
}

// requiredError answers a bearer token or login of an app that requires DPoP.
func (d *dpopStage) requiredError(tokenEndpoint bool) *apiError {
	if tokenEndpoint {
		return errBadRequest(dpop.CodeInvalidProof, "this app requires DPoP: send a DPoP proof with the request")
	}
	ae := errUnauthorized("dpop_required", "this app requires DPoP-bound tokens: log in with a DPoP proof")
	ae.Header = http.Header{"Www-Authenticate": {dpop.Challenge(nil, d.resource.Algorithms())}}
	return ae
}

// dpopReason is the audit reason of a refused proof.
func dpopReason(err error) string {
	switch {
	case errors.Is(err, dpop.ErrReplay):
		return "dpop_replay"
	case errors.Is(err, dpop.ErrBindingMismatch), errors.Is(err, identity.ErrKeyMismatch):
		return "dpop_binding_mismatch"
	case errors.Is(err, dpop.ErrUseNonce):
		return "dpop_nonce"
	case errors.Is(err, dpop.ErrUnavailable):
		return "unavailable"
	}
	return "dpop_invalid"
}
