package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/dpop"
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
// the device id given at login, else the session (one login, one device).
func (p *principal) deviceKey() string {
	if p.Claims.Device != "" {
		return p.Claims.Device
	}
	return p.Claims.Session
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
		claims, err := g.id.Verify(r.Context(), token)
		if err != nil {
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
