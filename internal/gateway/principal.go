package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/dpop"
	"github.com/bulwark-security/bulwark/internal/extissuer"
	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/store"
)

// principal is an authenticated caller: the verified claims of its access
// token and the app the token was issued for.
type principal struct {
	Claims identity.Claims
	App    apps.App
	IP     string
}

func principalOf(ctx context.Context) *principal {
	p, _ := ctx.Value(keyPrincipal).(*principal)
	return p
}

// event starts the audit event of a request by this principal.
func (p *principal) event(decision, reason string) audit.Event {
	return audit.Event{Decision: decision, Reason: reason, App: p.Claims.App, User: p.Claims.Subject,
		Device: p.Claims.Device, Session: p.Claims.Session, IP: p.IP}
}

// deviceKey identifies the device of a principal for per-device limits:
// the device id given at login, else the session (one login, one device),
// else, for tokens of external issuers, which have neither, the subject.
func (p *principal) deviceKey() string {
	switch {
	case p.Claims.Device != "":
		return p.Claims.Device
	case p.Claims.Session != "":
		return p.Claims.Session
	}
	return p.Claims.Subject
}

// selfService reports the routes where a signed-in user sets up a second
// factor or a passkey: open to a password-only login even in apps that
// require MFA, or no one could ever meet the requirement.
func selfService(r *http.Request) bool {
	_, path, _ := strings.Cut(r.Pattern, " ")
	return strings.HasPrefix(path, "/v1/me/")
}

// ExternalTokens verifies access tokens of external issuers
// (internal/extissuer); ErrUnknownIssuer says a token is not theirs.
type ExternalTokens interface {
	Verify(ctx context.Context, token string) (extissuer.Principal, error)
}

// verifyToken verifies an access token: an external issuer's when one is
// configured for its iss, else the gateway's own. external reports which
// one decided. An external caller gets the AI scope only, never the admin
// API, and no session of ours.
func (g *Gateway) verifyToken(ctx context.Context, token string) (c identity.Claims, external bool, err error) {
	if g.external != nil {
		p, err := g.external.Verify(ctx, token)
		switch {
		case err == nil:
			return identity.Claims{Subject: p.Subject, Username: p.Username, Role: identity.RoleUser, App: p.App,
				Scopes: []string{identity.ScopeAI}, ID: p.TokenID, IssuedAt: p.IssuedAt, ExpiresAt: p.ExpiresAt,
				DPoPJKT: p.KeyThumbprint}, true, nil
		case !errors.Is(err, extissuer.ErrUnknownIssuer):
			return identity.Claims{}, true, err
		}
	}
	c, err = g.id.Verify(ctx, token)
	return c, false, err
}

// externalReason is the audit reason of a refused external token.
func externalReason(err error) string {
	var te *extissuer.TokenError
	if errors.As(err, &te) && te.Reason != "" {
		return "external_" + te.Reason
	}
	if errors.Is(err, extissuer.ErrUnavailable) {
		return "external_unavailable"
	}
	return "external_invalid_token"
}

// authenticated is the identify stage: it requires a valid access token
// carrying scope, issued for a registered app, and passes the principal
// on in the request context.
func (g *Gateway) authenticated(scope string, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(r, g.trusted)
		token, ok := bearer(r)
		dpopScheme := false
		if !ok {
			token, dpopScheme = dpop.AuthorizationToken(r.Header)
		}
		if token == "" {
			g.fail(w, r, errUnauthorized("missing_token", "an access token is required (Authorization: Bearer … or DPoP …)"),
				audit.Event{Decision: audit.DecisionDenied, Reason: "missing_token", IP: ip})
			return
		}
		claims, external, err := g.verifyToken(r.Context(), token)
		if external {
			if err != nil {
				ev := audit.Event{Decision: audit.DecisionDenied, Reason: externalReason(err), IP: ip}
				if errors.Is(err, extissuer.ErrUnavailable) {
					g.fail(w, r, errUnavailable(err), ev)
					return
				}
				g.fail(w, r, errUnauthorized("invalid_token", "invalid or expired access token"), ev)
				return
			}
		} else if err != nil {
			ev := audit.Event{Decision: audit.DecisionDenied, Reason: reasonOf(err), IP: ip}
			if errors.Is(err, identity.ErrSessionRevoked) {
				// A genuine token of a revoked session: say whose.
				ev = (&principal{Claims: claims, IP: ip}).event(audit.DecisionDenied, reasonOf(err))
			}
			if errors.Is(err, identity.ErrUnavailable) {
				g.fail(w, r, errUnavailable(err), ev)
				return
			}
			g.fail(w, r, errUnauthorized("invalid_token", "invalid, expired or revoked access token"), ev)
			return
		}
		p := &principal{Claims: claims, IP: ip}
		// A bound token is used only as DPoP, with a fresh proof by its
		// key; a bearer token is never sent under the DPoP scheme.
		switch {
		case claims.DPoPJKT != "" && !dpopScheme:
			g.fail(w, r, g.dpop.requiredError(false), p.event(audit.DecisionDenied, "dpop_required"))
			return
		case claims.DPoPJKT == "" && dpopScheme:
			g.fail(w, r, errUnauthorized("invalid_token", "this access token is not DPoP-bound: send it as Bearer"), p.event(audit.DecisionDenied, "dpop_not_bound"))
			return
		case claims.DPoPJKT != "":
			if err := g.dpop.atResource(r.Context(), r, token, claims.DPoPJKT); err != nil {
				g.fail(w, r, g.dpop.errorFor(err, false), p.event(audit.DecisionDenied, dpopReason(err)))
				return
			}
		}
		if !claims.HasScope(scope) {
			g.fail(w, r, errForbidden("insufficient_scope", "the access token does not allow this operation"), p.event(audit.DecisionDenied, "insufficient_scope"))
			return
		}
		app, err := g.apps.get(r.Context(), claims.App)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				g.fail(w, r, errForbidden("unknown_app", "the app of this token is not registered"), p.event(audit.DecisionDenied, "unknown_app"))
				return
			}
			g.fail(w, r, errUnavailable(err), p.event(audit.DecisionDenied, "storage_error"))
			return
		}
		if app.RequireDPoP && claims.DPoPJKT == "" {
			g.fail(w, r, g.dpop.requiredError(false), p.event(audit.DecisionDenied, "dpop_required"))
			return
		}
		if app.RequireMFA && !selfService(r) && !g.requireMFA(w, r, p, 0) {
			return
		}
		p.App = app
		next(w, r.WithContext(context.WithValue(r.Context(), keyPrincipal, p)))
	})
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", false
	}
	return token, true
}
