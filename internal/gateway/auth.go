package gateway

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/store"
)

// maxAuthBody bounds the JSON bodies of the auth endpoints.
const maxAuthBody = 16 << 10

// decodeJSON reads a bounded JSON object strictly: the right content type,
// no unknown fields, nothing after the object.
func decodeJSON(r *http.Request, max int64, v any) *apiError {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return &apiError{Status: http.StatusUnsupportedMediaType, Type: "invalid_request_error", Code: "unsupported_media_type", Message: "Content-Type must be application/json"}
		}
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, max+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &apiError{Status: http.StatusRequestEntityTooLarge, Type: "invalid_request_error", Code: "request_too_large", Message: "request body too large"}
		}
		return errBadRequest("invalid_json", "request body is not valid JSON for this endpoint: "+jsonProblem(err))
	}
	if dec.More() {
		return errBadRequest("invalid_json", "request body has data after the JSON object")
	}
	return nil
}

// jsonProblem describes a JSON decoding error without echoing input.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax error"
	case errors.As(err, &te):
		return "field " + te.Field + " has the wrong type"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "empty or truncated body"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return strings.TrimPrefix(err.Error(), "json: ")
	}
	return "malformed"
}

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	AppID    string `json:"app_id"`
	DeviceID string `json:"device_id"`
}

type tokenResponse struct {
	AccessToken  string    `json:"access_token"`
	TokenType    string    `json:"token_type"`
	ExpiresIn    int       `json:"expires_in"`
	RefreshToken string    `json:"refresh_token"`
	User         tokenUser `json:"user"`
}

type tokenUser struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Role     string `json:"role"`
}

func (g *Gateway) login(w http.ResponseWriter, r *http.Request) {
	ev := audit.Event{Decision: audit.DecisionLoginFailed, IP: clientIP(r, g.trusted)}
	var req loginRequest
	if ae := decodeJSON(r, maxAuthBody, &req); ae != nil {
		g.fail(w, r, ae, ev)
		return
	}
	ev.App, ev.Device = req.AppID, req.DeviceID
	if req.Username == "" || req.Password == "" || req.AppID == "" {
		g.fail(w, r, errBadRequest("missing_field", "username, password and app_id are required"), ev)
		return
	}
	jkt, ok := g.loginPreamble(w, r, &ev, req.AppID, req.DeviceID)
	if !ok {
		return
	}
	slot, ok := g.reserveAudit(w, r, ev)
	if !ok {
		return
	}
	pair, err := g.id.Login(r.Context(), identity.LoginRequest{Username: req.Username, Password: req.Password, AppID: req.AppID, DeviceID: req.DeviceID, IP: ev.IP, DPoPJKT: jkt})
	var mr *identity.MFARequiredError
	if errors.As(err, &mr) {
		ev.Reason, ev.Status = "mfa_required", http.StatusUnauthorized
		g.recordIn(r, slot, ev)
		g.writeMFARequired(w, mr)
		return
	}
	if err != nil {
		ae := writeError(w, r, g.log, g.identityError(err))
		ev.Reason, ev.Status = reasonOf(err), ae.Status
		g.recordIn(r, slot, ev)
		return
	}
	ev.Decision, ev.User, ev.Session, ev.Status = audit.DecisionLogin, pair.User.ID, pair.SessionID, http.StatusOK
	g.recordIn(r, slot, ev)
	g.writeTokens(w, pair)
}

// loginPreamble is what every login checks before the credential itself
// (password, passkey): the app is registered, the ids are bounded, and a
// DPoP proof, when sent or required by the app, is valid; it returns the
// proof's key thumbprint ("" without one). A refusal is answered and
// recorded.
func (g *Gateway) loginPreamble(w http.ResponseWriter, r *http.Request, ev *audit.Event, appID, deviceID string) (string, bool) {
	if len(deviceID) > 128 || len(appID) > 64 {
		ev.App, ev.Device = "", ""
		g.fail(w, r, errBadRequest("invalid_field", "app_id or device_id is too long"), *ev)
		return "", false
	}
	app, err := g.apps.get(r.Context(), appID)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			ev.App = ""
			g.fail(w, r, errBadRequest("unknown_app", "app_id is not a registered app"), *ev)
			return "", false
		}
		ev.Reason = "storage_error"
		g.fail(w, r, errUnavailable(err), *ev)
		return "", false
	}
	if !hasProof(r) && !app.RequireDPoP {
		return "", true
	}
	p, err := g.dpop.atTokenEndpoint(r.Context(), r)
	if err != nil {
		ev.Reason = dpopReason(err)
		g.fail(w, r, g.dpop.errorFor(err, true), *ev)
		return "", false
	}
	return p.JKT, true
}

func (g *Gateway) writeTokens(w http.ResponseWriter, p *identity.TokenPair) {
	typ := "Bearer"
	if p.DPoPJKT != "" {
		typ = "DPoP"
	}
	if n := g.dpop.nonces; n != nil {
		if nonce, err := n.Issue(); err == nil {
			w.Header().Set("DPoP-Nonce", nonce) // for the next proof (refresh)
		}
	}
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: p.AccessToken, TokenType: typ, ExpiresIn: int(p.ExpiresIn.Seconds()),
		RefreshToken: p.RefreshToken, User: tokenUser{ID: p.User.ID, Username: p.User.Username, Role: p.User.Role}})
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// refresh rotates a refresh token. Presenting a spent one revokes its
// whole session (refresh_reuse).
func (g *Gateway) refresh(w http.ResponseWriter, r *http.Request) {
	ev := audit.Event{Decision: audit.DecisionRefreshFailed, IP: clientIP(r, g.trusted)}
	var req refreshRequest
	if ae := decodeJSON(r, maxAuthBody, &req); ae != nil {
		g.fail(w, r, ae, ev)
		return
	}
	var jkt string
	if hasProof(r) {
		p, err := g.dpop.atTokenEndpoint(r.Context(), r)
		if err != nil {
			ev.Reason = dpopReason(err)
			g.fail(w, r, g.dpop.errorFor(err, true), ev)
			return
		}
		jkt = p.JKT
	}
	slot, ok := g.reserveAudit(w, r, ev)
	if !ok {
		return
	}
	pair, err := g.id.RefreshBound(r.Context(), req.RefreshToken, jkt)
	if err != nil {
		if errors.Is(err, identity.ErrRefreshReuse) {
			ev.Decision = audit.DecisionRefreshReuse
		}
		var se *identity.SessionError
		if errors.As(err, &se) {
			ev.User, ev.App, ev.Device, ev.Session = se.Session.UserID, se.Session.AppID, se.Session.DeviceID, se.Session.ID
		}
		ae := writeError(w, r, g.log, g.identityError(err))
		ev.Reason, ev.Status = reasonOf(err), ae.Status
		g.recordIn(r, slot, ev)
		return
	}
	ev.Decision, ev.User, ev.Session, ev.Status = audit.DecisionRefresh, pair.User.ID, pair.SessionID, http.StatusOK
	ev.App, ev.Device = pair.AppID, pair.DeviceID
	g.recordIn(r, slot, ev)
	g.writeTokens(w, pair)
}

// logout ends the session of the access token presented.
func (g *Gateway) logout(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if p.Claims.Session == "" {
		g.fail(w, r, errBadRequest("external_token", "this token comes from an external issuer: log out there"), p.event(audit.DecisionLogout, "external_token"))
		return
	}
	if err := g.id.RevokeSession(r.Context(), p.Claims.Session, "logout"); err != nil {
		g.fail(w, r, errUnavailable(err), p.event(audit.DecisionLogout, "storage_error"))
		return
	}
	ev := p.event(audit.DecisionLogout, "")
	ev.Status = http.StatusNoContent
	g.record(r, ev)
	w.WriteHeader(http.StatusNoContent)
}

// revoke ends the session of a refresh token (RFC 7009 style: an unknown
// token is not an error).
func (g *Gateway) revoke(w http.ResponseWriter, r *http.Request) {
	ev := audit.Event{Decision: audit.DecisionRevoke, IP: clientIP(r, g.trusted)}
	var req refreshRequest
	if ae := decodeJSON(r, maxAuthBody, &req); ae != nil {
		g.fail(w, r, ae, ev)
		return
	}
	if err := g.id.RevokeRefreshToken(r.Context(), req.RefreshToken); err != nil {
		ev.Reason = "storage_error"
		g.fail(w, r, errUnavailable(err), ev)
		return
	}
	ev.Status = http.StatusOK
	g.record(r, ev)
	writeJSON(w, http.StatusOK, map[string]any{})
}

func (g *Gateway) jwks(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, g.id.JWKS())
}

// identityError maps identity errors to responses.
func (g *Gateway) identityError(err error) *apiError {
	var te *identity.ThrottledError
	switch {
	case errors.As(err, &te):
		return errRateLimited("login_throttled", "too many login attempts; try again later", te.RetryAfter)
	case errors.Is(err, identity.ErrInvalidCredentials):
		return errUnauthorized("invalid_credentials", "invalid username or password")
	case errors.Is(err, identity.ErrRefreshReuse), errors.Is(err, identity.ErrSessionRevoked), errors.Is(err, identity.ErrInvalidToken):
		return errUnauthorized("invalid_token", "invalid, expired or revoked token")
	case errors.Is(err, identity.ErrKeyMismatch):
		return errBadRequest("invalid_dpop_proof", "this refresh token is bound to a DPoP key: send a proof made with that key")
	case errors.Is(err, identity.ErrInvalidTicket):
		return errUnauthorized("invalid_mfa_ticket", "the MFA ticket is unknown, spent or expired: log in again")
	case errors.Is(err, identity.ErrInvalidCode):
		return errUnauthorized("invalid_code", "the second-factor code is wrong, expired or already used")
	}
	return errUnavailable(err)
}

func reasonOf(err error) string {
	var te *identity.ThrottledError
	switch {
	case errors.As(err, &te):
		return "throttled"
	case errors.Is(err, identity.ErrInvalidCredentials):
		return "invalid_credentials"
	case errors.Is(err, identity.ErrRefreshReuse):
		return "refresh_reuse"
	case errors.Is(err, identity.ErrSessionRevoked):
		return "session_revoked"
	case errors.Is(err, identity.ErrInvalidToken):
		return "invalid_token"
	case errors.Is(err, identity.ErrKeyMismatch):
		return "dpop_binding_mismatch"
	case errors.Is(err, identity.ErrInvalidTicket):
		return "mfa_invalid_ticket"
	case errors.Is(err, identity.ErrInvalidCode):
		return "mfa_invalid_code"
	}
	return "unavailable"
}
