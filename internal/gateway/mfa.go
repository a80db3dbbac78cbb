package gateway

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/mfa"
)

// MFA is the multi-factor enrollment the gateway exposes to signed-in
// users (internal/mfa's Service).
type MFA interface {
	Enroll(ctx context.Context, userID, account string) (*mfa.Pending, error)
	Confirm(ctx context.Context, userID, code string) ([]string, error)
	Status(ctx context.Context, userID string) (mfa.Status, error)
	RegenerateRecoveryCodes(ctx context.Context, userID string) ([]string, error)
	Disable(ctx context.Context, userID string) error
}

var _ MFA = (*mfa.Service)(nil)

// Settings of auth.admin_mfa.
const (
	AdminMFARequired = "required"
	AdminMFAOptional = "optional"
)

// stepUpAge is how recent the second factor must be for the changes a
// user makes to their own MFA (removing it, new recovery codes).
const stepUpAge = 10 * time.Minute

// mfaRequiredBody is the answer to a password that was right for an
// account with a second factor: an OpenAI-shaped error with the ticket
// that POST /v1/auth/mfa completes.
type mfaRequiredBody struct {
	Error        errorDetail `json:"error"`
	MFATicket    string      `json:"mfa_ticket"`
	ExpiresIn    int         `json:"mfa_expires_in"`
	MFAMethods   []string    `json:"mfa_methods"`
	MFAEndpoints string      `json:"mfa_endpoint"`
}

func (g *Gateway) writeMFARequired(w http.ResponseWriter, e *identity.MFARequiredError) {
	writeJSON(w, http.StatusUnauthorized, mfaRequiredBody{
		Error:     errorDetail{Message: "a second factor is required: send a TOTP code or a recovery code with this ticket to " + "/v1/auth/mfa", Type: "authentication_error", Code: "mfa_required"},
		MFATicket: e.Ticket, ExpiresIn: int(e.ExpiresAt.Sub(g.now()).Seconds()), MFAMethods: []string{"otp", "recovery_code"}, MFAEndpoints: "/v1/auth/mfa"})
}

type mfaRequest struct {
	MFATicket    string `json:"mfa_ticket"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

// completeMFA is POST /v1/auth/mfa: the second step of a login.
func (g *Gateway) completeMFA(w http.ResponseWriter, r *http.Request) {
	ev := audit.Event{Decision: audit.DecisionLoginFailed, IP: clientIP(r, g.trusted)}
	var req mfaRequest
	if ae := decodeJSON(r, maxAuthBody, &req); ae != nil {
		g.fail(w, r, ae, ev)
		return
	}
	slot, ok := g.reserveAudit(w, r, ev)
	if !ok {
		return
	}
	pair, err := g.id.CompleteMFA(r.Context(), identity.MFARequest{Ticket: req.MFATicket, Code: req.Code, RecoveryCode: req.RecoveryCode, IP: ev.IP})
	if err != nil {
		ae := writeError(w, r, g.log, g.identityError(err))
		ev.Reason, ev.Status = reasonOf(err), ae.Status
		g.recordIn(r, slot, ev)
		return
	}
	ev.Decision, ev.Reason, ev.User, ev.Session, ev.Status = audit.DecisionLogin, "mfa", pair.User.ID, pair.SessionID, http.StatusOK
	ev.App, ev.Device = pair.AppID, pair.DeviceID
	if req.RecoveryCode != "" {
		ev.Reason = "mfa_recovery_code"
	}
	g.recordIn(r, slot, ev)
	g.writeTokens(w, pair)
}

// requireMFA refuses tokens whose login had no second factor (a recent
// one when maxAge > 0), with an RFC 9470 step-up challenge.
func (g *Gateway) requireMFA(w http.ResponseWriter, r *http.Request, p *principal, maxAge time.Duration) bool {
	err := mfa.CheckStepUp(p.Claims.AMR, p.Claims.AuthTime, mfa.Requirement{MaxAge: maxAge}, g.now())
	if err == nil {
		return true
	}
	var su *mfa.StepUpError
	if !errors.As(err, &su) {
		g.fail(w, r, errInternal(err), p.event(audit.DecisionDenied, "step_up_error"))
		return false
	}
	msg := "this operation needs a login with a second factor: enroll one at /v1/me/mfa/totp if you have none, then log in again"
	if maxAge > 0 {
		msg = "this operation needs a login with a second factor in the last " + maxAge.String() + ": log in again"
	}
	ae := errUnauthorized(mfa.StepUpErrorCode, msg)
	scheme := "Bearer"
	if p.Claims.DPoPJKT != "" {
		scheme = "DPoP"
	}
	ae.Header = http.Header{"Www-Authenticate": {su.WWWAuthenticateScheme(scheme)}}
	g.fail(w, r, ae, p.event(audit.DecisionDenied, "step_up_required"))
	return false
}

// mfaUnavailable answers MFA routes of a gateway built without MFA.
func (g *Gateway) mfaOff(w http.ResponseWriter, r *http.Request) bool {
	p := principalOf(r.Context())
	switch {
	case g.mfa == nil:
		g.fail(w, r, errNotFound("not_found", "multi-factor authentication is not enabled on this gateway"), p.event(audit.DecisionDenied, "mfa_off"))
	case p.Claims.Session == "":
		g.fail(w, r, errForbidden("external_token", "this account belongs to an external issuer: manage its second factor there"), p.event(audit.DecisionDenied, "external_token"))
	default:
		return false
	}
	return true
}

func (g *Gateway) mfaStatus(w http.ResponseWriter, r *http.Request) {
	if g.mfaOff(w, r) {
		return
	}
	p := principalOf(r.Context())
	st, err := g.mfa.Status(r.Context(), p.Claims.Subject)
	if err != nil {
		g.fail(w, r, errUnavailable(err), p.event(audit.DecisionDenied, "storage_error"))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"totp": string(st.State), "recovery_codes_left": st.RecoveryCodesLeft})
}

func (g *Gateway) mfaEnroll(w http.ResponseWriter, r *http.Request) {
	if g.mfaOff(w, r) {
		return
	}
	p := principalOf(r.Context())
	account := p.Claims.Username
	if account == "" {
		account = p.Claims.Subject
	}
	pend, err := g.mfa.Enroll(r.Context(), p.Claims.Subject, account)
	if err != nil {
		if errors.Is(err, mfa.ErrAlreadyEnrolled) {
			g.fail(w, r, &apiError{Status: http.StatusConflict, Type: "invalid_request_error", Code: "mfa_already_enrolled", Message: "a second factor is already active: remove it first"},
				p.event(audit.DecisionDenied, "mfa_already_enrolled"))
			return
		}
		g.fail(w, r, errUnavailable(err), p.event(audit.DecisionDenied, "storage_error"))
		return
	}
	ev := p.event(audit.DecisionAdmin, "mfa_enroll_started")
	ev.Status = http.StatusOK
	g.record(r, ev)
	writeJSON(w, http.StatusOK, map[string]any{"otpauth_uri": pend.URI, "secret": pend.Secret,
		"qr_png_base64": base64.StdEncoding.EncodeToString(pend.QRCode), "expires_at": pend.ExpiresAt.UTC().Format(time.RFC3339)})
}

func (g *Gateway) mfaConfirm(w http.ResponseWriter, r *http.Request) {
	if g.mfaOff(w, r) {
		return
	}
	p := principalOf(r.Context())
	var req struct {
		Code string `json:"code"`
	}
	if ae := decodeJSON(r, maxAuthBody, &req); ae != nil {
		g.fail(w, r, ae, p.event(audit.DecisionDenied, "invalid_json"))
		return
	}
	codes, err := g.mfa.Confirm(r.Context(), p.Claims.Subject, req.Code)
	if err != nil {
		switch {
		case errors.Is(err, mfa.ErrInvalidCode):
			g.fail(w, r, errBadRequest("invalid_code", "the code does not match: check the authenticator's clock"), p.event(audit.DecisionDenied, "mfa_invalid_code"))
		case errors.Is(err, mfa.ErrNoPending), errors.Is(err, mfa.ErrPendingExpired):
			g.fail(w, r, errBadRequest("no_pending_enrollment", "start an enrollment first (POST /v1/me/mfa/totp)"), p.event(audit.DecisionDenied, "mfa_no_pending"))
		default:
			g.fail(w, r, errUnavailable(err), p.event(audit.DecisionDenied, "storage_error"))
		}
		return
	}
	ev := p.event(audit.DecisionAdmin, "mfa_enrolled")
	ev.Status = http.StatusOK
	g.record(r, ev)
	writeJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
}

func (g *Gateway) mfaRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	if g.mfaOff(w, r) {
		return
	}
	p := principalOf(r.Context())
	if !g.requireMFA(w, r, p, stepUpAge) {
		return
	}
	codes, err := g.mfa.RegenerateRecoveryCodes(r.Context(), p.Claims.Subject)
	if err != nil {
		g.fail(w, r, errUnavailable(err), p.event(audit.DecisionDenied, "storage_error"))
		return
	}
	ev := p.event(audit.DecisionAdmin, "mfa_recovery_codes_regenerated")
	ev.Status = http.StatusOK
	g.record(r, ev)
	writeJSON(w, http.StatusOK, map[string]any{"recovery_codes": codes})
}

func (g *Gateway) mfaDisable(w http.ResponseWriter, r *http.Request) {
	if g.mfaOff(w, r) {
		return
	}
	p := principalOf(r.Context())
	if !g.requireMFA(w, r, p, stepUpAge) {
		return
	}
	if err := g.mfa.Disable(r.Context(), p.Claims.Subject); err != nil {
		g.fail(w, r, errUnavailable(err), p.event(audit.DecisionDenied, "storage_error"))
		return
	}
	ev := p.event(audit.DecisionAdmin, "mfa_disabled")
	ev.Status = http.StatusNoContent
	g.record(r, ev)
	w.WriteHeader(http.StatusNoContent)
}
