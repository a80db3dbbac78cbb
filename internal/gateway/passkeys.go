package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/passkey"
)

// Passkeys runs WebAuthn ceremonies (internal/passkey's Service).
type Passkeys interface {
	BeginRegistration(ctx context.Context, u passkey.User) (*passkey.Begin, error)
	FinishRegistration(ctx context.Context, u passkey.User, ceremonyID string, response []byte, name string) (passkey.Credential, error)
	BeginLogin(ctx context.Context) (*passkey.Begin, error)
	FinishLogin(ctx context.Context, ceremonyID string, response []byte) (*passkey.Login, error)
	Credentials(ctx context.Context, userID string) ([]passkey.Credential, error)
	Remove(ctx context.Context, userID, id string) error
}

var _ Passkeys = (*passkey.Service)(nil)

// maxPasskeyBody bounds the JSON bodies of the passkey routes: the
// authenticator's response plus a few fields.
const maxPasskeyBody = passkey.MaxRegistrationResponse + 4<<10

type beginBody struct {
	CeremonyID string          `json:"ceremony_id"`
	Options    json.RawMessage `json:"options"`
	ExpiresAt  time.Time       `json:"expires_at"`
}

func writeBegin(w http.ResponseWriter, b *passkey.Begin) {
	writeJSON(w, http.StatusOK, beginBody{CeremonyID: b.CeremonyID, Options: b.Options, ExpiresAt: b.ExpiresAt.UTC()})
}

// passkeyError renders a refused ceremony without saying which check
// failed (the audit reason keeps the kind).
func passkeyError(err error) (*apiError, string) {
	switch {
	case errors.Is(err, passkey.ErrUnavailable):
		return errUnavailable(err), "storage_error"
	case errors.Is(err, passkey.ErrTooManyCredentials):
		return &apiError{Status: http.StatusConflict, Type: "invalid_request_error", Code: "passkey_limit", Message: "this account has as many passkeys as it may: remove one first"}, "passkey_limit"
	case errors.Is(err, passkey.ErrCredentialExists):
		return &apiError{Status: http.StatusConflict, Type: "invalid_request_error", Code: "passkey_exists", Message: "this passkey is already registered"}, "passkey_exists"
	case errors.Is(err, passkey.ErrInvalidInput):
		return errBadRequest("invalid_request", "the passkey response is malformed"), "passkey_invalid_input"
	case errors.Is(err, passkey.ErrClonedAuthenticator):
		return errUnauthorized("passkey_refused", "the passkey was refused"), "passkey_cloned"
	}
	return errUnauthorized("passkey_refused", "the passkey was refused"), "passkey_refused"
}

func (g *Gateway) passkeysOff(w http.ResponseWriter, r *http.Request, ev audit.Event) bool {
	if g.passkeys != nil {
		return false
	}
	ev.Reason = "passkeys_off"
	g.fail(w, r, errNotFound("not_found", "passkeys are not enabled on this gateway"), ev)
	return true
}

// localUser is the passkey user of a signed-in principal; external
// accounts register passkeys with their own issuer.
func (g *Gateway) localUser(w http.ResponseWriter, r *http.Request, p *principal) (passkey.User, bool) {
	if p.Claims.Session == "" {
		g.fail(w, r, errForbidden("external_token", "this account belongs to an external issuer: manage its passkeys there"), p.event(audit.DecisionDenied, "external_token"))
		return passkey.User{}, false
	}
	return passkey.User{ID: p.Claims.Subject, Name: p.Claims.Username}, true
}

func (g *Gateway) passkeyRegisterBegin(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if g.passkeysOff(w, r, p.event(audit.DecisionDenied, "")) {
		return
	}
	u, ok := g.localUser(w, r, p)
	if !ok {
		return
	}
	b, err := g.passkeys.BeginRegistration(r.Context(), u)
	if err != nil {
		ae, reason := passkeyError(err)
		g.fail(w, r, ae, p.event(audit.DecisionDenied, reason))
		return
	}
	writeBegin(w, b)
}

type registerFinish struct {
	CeremonyID string          `json:"ceremony_id"`
	Name       string          `json:"name"`
	Response   json.RawMessage `json:"response"`
}

func (g *Gateway) passkeyRegisterFinish(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if g.passkeysOff(w, r, p.event(audit.DecisionDenied, "")) {
		return
	}
	u, ok := g.localUser(w, r, p)
	if !ok {
		return
	}
	var req registerFinish
	if ae := decodeJSON(r, maxPasskeyBody, &req); ae != nil {
		g.fail(w, r, ae, p.event(audit.DecisionDenied, "invalid_json"))
		return
	}
	if req.Name == "" {
		req.Name = "passkey"
	}
	c, err := g.passkeys.FinishRegistration(r.Context(), u, req.CeremonyID, req.Response, req.Name)
	if err != nil {
		ae, reason := passkeyError(err)
		g.fail(w, r, ae, p.event(audit.DecisionDenied, reason))
		return
	}
	ev := p.event(audit.DecisionAdmin, "passkey_registered")
	ev.Status = http.StatusOK
	g.record(r, ev)
	writeJSON(w, http.StatusOK, passkeyBody(c))
}

func (g *Gateway) passkeyLoginBegin(w http.ResponseWriter, r *http.Request) {
	ev := audit.Event{Decision: audit.DecisionLoginFailed, IP: clientIP(r, g.trusted)}
	if g.passkeysOff(w, r, ev) {
		return
	}
	b, err := g.passkeys.BeginLogin(r.Context())
	if err != nil {
		ae, reason := passkeyError(err)
		ev.Reason = reason
		g.fail(w, r, ae, ev)
		return
	}
	writeBegin(w, b)
}

type loginFinish struct {
	CeremonyID string          `json:"ceremony_id"`
	Response   json.RawMessage `json:"response"`
	AppID      string          `json:"app_id"`
	DeviceID   string          `json:"device_id"`
}

// passkeyLoginFinish is the passkey counterpart of the password login:
// the same app checks, DPoP binding and throttling, then a session whose
// amr says a hardware key with user verification.
func (g *Gateway) passkeyLoginFinish(w http.ResponseWriter, r *http.Request) {
	ev := audit.Event{Decision: audit.DecisionLoginFailed, IP: clientIP(r, g.trusted)}
	if g.passkeysOff(w, r, ev) {
		return
	}
	var req loginFinish
	if ae := decodeJSON(r, maxPasskeyBody, &req); ae != nil {
		g.fail(w, r, ae, ev)
		return
	}
	ev.App, ev.Device = req.AppID, req.DeviceID
	if req.AppID == "" {
		g.fail(w, r, errBadRequest("missing_field", "app_id is required"), ev)
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
	login, err := g.passkeys.FinishLogin(r.Context(), req.CeremonyID, req.Response)
	if err != nil {
		ae, reason := passkeyError(err)
		writeError(w, r, g.log, ae)
		ev.Reason, ev.Status = reason, ae.Status
		g.recordIn(r, slot, ev)
		return
	}
	pair, err := g.id.LoginVerified(r.Context(), login.UserID, identity.LoginRequest{AppID: req.AppID, DeviceID: req.DeviceID, IP: ev.IP, DPoPJKT: jkt}, identity.AMRPasskey)
	if err != nil {
		ae := writeError(w, r, g.log, g.identityError(err))
		ev.User, ev.Reason, ev.Status = login.UserID, reasonOf(err), ae.Status
		g.recordIn(r, slot, ev)
		return
	}
	ev.Decision, ev.Reason, ev.User, ev.Session, ev.Status = audit.DecisionLogin, "passkey", pair.User.ID, pair.SessionID, http.StatusOK
	g.recordIn(r, slot, ev)
	g.writeTokens(w, pair)
}

type passkeyJSON struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	BackupEligible bool       `json:"backup_eligible"`
	CreatedAt      time.Time  `json:"created_at"`
	LastUsedAt     *time.Time `json:"last_used_at,omitempty"`
}

func passkeyBody(c passkey.Credential) passkeyJSON {
	b := passkeyJSON{ID: c.IDString(), Name: c.Name, BackupEligible: c.BackupEligible, CreatedAt: c.CreatedAt.UTC()}
	if !c.LastUsedAt.IsZero() {
		t := c.LastUsedAt.UTC()
		b.LastUsedAt = &t
	}
	return b
}

func (g *Gateway) passkeyList(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if g.passkeysOff(w, r, p.event(audit.DecisionDenied, "")) {
		return
	}
	u, ok := g.localUser(w, r, p)
	if !ok {
		return
	}
	list, err := g.passkeys.Credentials(r.Context(), u.ID)
	if err != nil {
		ae, reason := passkeyError(err)
		g.fail(w, r, ae, p.event(audit.DecisionDenied, reason))
		return
	}
	out := make([]passkeyJSON, 0, len(list))
	for _, c := range list {
		out = append(out, passkeyBody(c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (g *Gateway) passkeyRemove(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if g.passkeysOff(w, r, p.event(audit.DecisionDenied, "")) {
		return
	}
	u, ok := g.localUser(w, r, p)
	if !ok || !g.requireMFA(w, r, p, stepUpAge) {
		return
	}
	if err := g.passkeys.Remove(r.Context(), u.ID, r.PathValue("id")); err != nil {
		if errors.Is(err, passkey.ErrUnknownCredential) {
			g.fail(w, r, errNotFound("not_found", "no such passkey"), p.event(audit.DecisionDenied, "passkey_unknown"))
			return
		}
		ae, reason := passkeyError(err)
		g.fail(w, r, ae, p.event(audit.DecisionDenied, reason))
		return
	}
	ev := p.event(audit.DecisionAdmin, "passkey_removed")
	ev.Status = http.StatusNoContent
	g.record(r, ev)
	w.WriteHeader(http.StatusNoContent)
}
