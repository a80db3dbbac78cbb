package gateway

import (
	"context"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"time"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/oauth"
	"github.com/bulwark-security/bulwark/internal/store"
)

// Bounds of the OAuth endpoints.
const (
	maxOAuthForm  = 16 << 10
	maxOAuthCodes = 10000
	maxPending    = 10000
)

// oauthServer is the OAuth 2.0 / OpenID Connect authorization server of a
// gateway: authorization code with PKCE (S256) for native apps.
type oauthServer struct {
	g       *Gateway
	codes   *oauth.Codes
	pending *oauth.PendingStore
	csrf    *oauth.CSRF
}

// oauthRoutes registers the OAuth endpoints and the discovery document.
func (g *Gateway) oauthRoutes(mux *http.ServeMux) {
	csrf, err := oauth.NewCSRF()
	if err != nil {
		// No randomness: the flow stays off (every route answers 503).
		g.log.Error("oauth disabled", "err", err)
		off := func(w http.ResponseWriter, r *http.Request) {
			oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "the authorization server is unavailable")
		}
		for _, p := range []string{"GET /oauth/authorize", "POST /oauth/authorize", "POST /oauth/token", "POST /oauth/revoke", "GET /oauth/userinfo", "GET /.well-known/openid-configuration"} {
			mux.HandleFunc(p, off)
		}
		return
	}
	s := &oauthServer{g: g, csrf: csrf, codes: &oauth.Codes{Store: oauth.NewMemory(maxOAuthCodes), Now: g.now},
		pending: oauth.NewPendingStore(maxPending, g.now)}
	mux.HandleFunc("GET /oauth/authorize", s.authorize)
	mux.HandleFunc("POST /oauth/authorize", s.authorizeSubmit)
	mux.HandleFunc("POST /oauth/token", s.token)
	mux.HandleFunc("POST /oauth/revoke", s.revoke)
	mux.Handle("GET /oauth/userinfo", g.authenticated(identity.ScopeAI, s.userinfo))
	mux.Handle("POST /oauth/userinfo", g.authenticated(identity.ScopeAI, s.userinfo))
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
}

func (s *oauthServer) discovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, oauth.NewDiscovery(s.g.cfg.Auth.Issuer, s.g.cfg.Auth.SigningAlg))
}

// clients looks apps up for the authorization request. An app that
// requires DPoP is not offered the flow: its tokens would be bearer.
func (s *oauthServer) clients(ctx context.Context) oauth.Clients {
	return func(id string) ([]string, bool, error) {
		app, err := s.g.apps.get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if app.RequireDPoP {
			return nil, false, nil
		}
		return app.RedirectURIs, true, nil
	}
}

var oauthPages = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Sign in</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.4rem 0}input,button{padding:.5rem;box-sizing:border-box}.err{color:#b00020}</style>
</head><body>
{{if .Fatal}}<h1>Sign-in request refused</h1><p class="err">{{.Message}}</p>{{else}}
<h1>Sign in</h1><p>to <strong>{{.App}}</strong></p>
{{if .Message}}<p class="err" role="alert">{{.Message}}</p>{{end}}
<form method="post" action="/oauth/authorize">
<input type="hidden" name="request" value="{{.Request}}"><input type="hidden" name="csrf_token" value="{{.CSRF}}">
{{if .MFA}}<label for="code">Authentication code</label><input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus>
{{else}}<label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>{{end}}
<button type="submit">Continue</button></form>{{end}}
</body></html>`))

type oauthPage struct {
	Fatal   bool
	Message string
	App     string
	Request string
	CSRF    string
	MFA     bool
}

func (s *oauthServer) render(w http.ResponseWriter, status int, p oauthPage) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = oauthPages.Execute(w, p)
}

func (s *oauthServer) redirect(w http.ResponseWriter, r *http.Request, to string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, to, http.StatusFound)
}

// authorize is GET /oauth/authorize: validate the request and show the
// login page.
func (s *oauthServer) authorize(w http.ResponseWriter, r *http.Request) {
	ev := audit.Event{Decision: audit.DecisionDenied, IP: clientIP(r, s.g.trusted)}
	req, err := oauth.ValidateAuthorize(r.URL.Query(), s.clients(r.Context()))
	if err != nil {
		var oe *oauth.Error
		errors.As(err, &oe)
		ev.App, ev.Reason = req.ClientID, "oauth_"+oe.Code
		if oe.Redirect {
			ev.Status = http.StatusFound
			s.g.record(r, ev)
			s.redirect(w, r, oe.RedirectURL(req.RedirectURI, req.State))
			return
		}
		ev.Status = http.StatusBadRequest
		if oe.Err != nil {
			ev.Status = http.StatusServiceUnavailable
			s.g.log.Error("oauth client lookup failed", "err", oe.Err)
		}
		s.g.record(r, ev)
		s.render(w, ev.Status, oauthPage{Fatal: true, Message: oe.Description})
		return
	}
	id, err := s.pending.Add(req)
	if err != nil {
		ev.App, ev.Reason, ev.Status = req.ClientID, "oauth_busy", http.StatusServiceUnavailable
		s.g.record(r, ev)
		s.render(w, ev.Status, oauthPage{Fatal: true, Message: "too many sign-ins in progress; try again shortly"})
		return
	}
	s.render(w, http.StatusOK, oauthPage{App: req.ClientID, Request: id, CSRF: s.csrf.Token(id)})
}

// parseForm reads a bounded form-encoded body (the query is ignored).
func parseForm(w http.ResponseWriter, r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxOAuthForm)
	return r.ParseForm() == nil
}

// form is one form value; a repeated field is refused ("", false).
func form(r *http.Request, k string) (string, bool) {
	v := r.PostForm[k]
	switch len(v) {
	case 0:
		return "", true
	case 1:
		return v[0], true
	}
	return "", false
}

// authorizeSubmit is POST /oauth/authorize: the password, then, for an
// account with a second factor, the code.
func (s *oauthServer) authorizeSubmit(w http.ResponseWriter, r *http.Request) {
	g := s.g
	ev := audit.Event{Decision: audit.DecisionLoginFailed, IP: clientIP(r, g.trusted)}
	refuse := func(status int, reason, msg string) {
		ev.Reason, ev.Status = reason, status
		g.record(r, ev)
		s.render(w, status, oauthPage{Fatal: true, Message: msg})
	}
	if !parseForm(w, r) {
		refuse(http.StatusBadRequest, "oauth_invalid_form", "the form could not be read")
		return
	}
	id, ok1 := form(r, "request")
	tok, ok2 := form(r, "csrf_token")
	if !ok1 || !ok2 || !s.csrf.Check(id, tok) {
		refuse(http.StatusForbidden, "oauth_csrf", "this form is not valid: start the sign-in again from the app")
		return
	}
	p, ok := s.pending.Get(id)
	if !ok {
		refuse(http.StatusBadRequest, "oauth_expired", "this sign-in expired: start it again from the app")
		return
	}
	ev.App = p.ClientID
	page := oauthPage{App: p.ClientID, Request: id, CSRF: tok}
	slot, ok := g.reserveAudit(w, r, ev)
	if !ok {
		return
	}
	var pair *identity.TokenPair
	var err error
	if p.MFATicket != "" {
		code, _ := form(r, "code")
		pair, err = g.id.CompleteMFA(r.Context(), identity.MFARequest{Ticket: p.MFATicket, Code: code, IP: ev.IP})
		page.MFA = true
	} else {
		user, _ := form(r, "username")
		pass, _ := form(r, "password")
		if user == "" || pass == "" {
			ev.Reason, ev.Status = "missing_field", http.StatusBadRequest
			g.recordIn(r, slot, ev)
			page.Message = "enter your username and password"
			s.render(w, http.StatusBadRequest, page)
			return
		}
		pair, err = g.id.Login(r.Context(), identity.LoginRequest{Username: user, Password: pass, AppID: p.ClientID, IP: ev.IP})
	}
	var mr *identity.MFARequiredError
	switch {
	case errors.As(err, &mr):
		s.pending.SetTicket(id, mr.Ticket)
		ev.Reason, ev.Status = "mfa_required", http.StatusOK
		g.recordIn(r, slot, ev)
		page.MFA = true
		s.render(w, http.StatusOK, page)
		return
	case errors.Is(err, identity.ErrInvalidTicket):
		s.pending.Delete(id)
		ev.Reason, ev.Status = reasonOf(err), http.StatusBadRequest
		g.recordIn(r, slot, ev)
		s.render(w, ev.Status, oauthPage{Fatal: true, Message: "this sign-in expired: start it again from the app"})
		return
	case err != nil:
		ae := g.identityError(err)
		ev.Reason, ev.Status = reasonOf(err), ae.Status
		g.recordIn(r, slot, ev)
		page.Message = "the username or password is wrong"
		switch {
		case page.MFA:
			page.Message = "the code is wrong or expired"
		case ae.Status == http.StatusTooManyRequests:
			page.Message = "too many attempts: try again later"
		case ae.Status >= 500:
			page.Message = "sign-in is unavailable right now: try again later"
		}
		if ae.Status >= 500 {
			g.log.Error("oauth login failed", "err", err)
		}
		s.render(w, ae.Status, page)
		return
	}
	code, err := s.codes.Issue(r.Context(), oauth.Grant{Request: p.Request, Tokens: pair})
	if err != nil {
		_ = g.id.RevokeSession(context.WithoutCancel(r.Context()), pair.SessionID, "oauth_code_unavailable")
		ev.Reason, ev.Status = "oauth_busy", http.StatusServiceUnavailable
		g.recordIn(r, slot, ev)
		s.render(w, ev.Status, oauthPage{Fatal: true, Message: "too many sign-ins in progress; try again shortly"})
		return
	}
	s.pending.Delete(id)
	ev.Decision, ev.Reason, ev.User, ev.Session, ev.Status = audit.DecisionLogin, "oauth_code", pair.User.ID, pair.SessionID, http.StatusFound
	if page.MFA {
		ev.Reason = "oauth_code_mfa"
	}
	g.recordIn(r, slot, ev)
	s.redirect(w, r, oauth.CodeRedirect(p.RedirectURI, code, p.State))
}

// oauthTokenResponse is the RFC 6749 §5.1 answer (with the OIDC id_token).
type oauthTokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// oauthError writes an RFC 6749 §5.2 error.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// token is POST /oauth/token.
func (s *oauthServer) token(w http.ResponseWriter, r *http.Request) {
	g := s.g
	ev := audit.Event{Decision: audit.DecisionLoginFailed, IP: clientIP(r, g.trusted)}
	fail := func(status int, code, reason, desc string) {
		ev.Reason, ev.Status = reason, status
		g.record(r, ev)
		oauthError(w, status, code, desc)
	}
	if !parseForm(w, r) {
		fail(http.StatusBadRequest, "invalid_request", "oauth_invalid_form", "the body must be application/x-www-form-urlencoded, at most 16 KiB")
		return
	}
	vals := map[string]string{}
	for _, k := range []string{"grant_type", "client_id", "code", "redirect_uri", "code_verifier", "refresh_token"} {
		v, ok := form(r, k)
		if !ok {
			fail(http.StatusBadRequest, "invalid_request", "oauth_invalid_form", k+" is repeated")
			return
		}
		vals[k] = v
	}
	clientID := vals["client_id"]
	ev.App = clientID
	switch vals["grant_type"] {
	case "authorization_code", "refresh_token":
	case "":
		fail(http.StatusBadRequest, "invalid_request", "oauth_invalid_form", "grant_type is required")
		return
	default:
		fail(http.StatusBadRequest, "unsupported_grant_type", "oauth_unsupported_grant_type", "only authorization_code and refresh_token are supported")
		return
	}
	if clientID == "" || len(clientID) > oauth.MaxClientID {
		ev.App = ""
		fail(http.StatusBadRequest, "invalid_request", "oauth_invalid_form", "client_id is required")
		return
	}
	if uris, known, err := s.clients(r.Context())(clientID); err != nil {
		g.log.Error("oauth client lookup failed", "err", err)
		fail(http.StatusServiceUnavailable, "temporarily_unavailable", "storage_error", "try again later")
		return
	} else if !known || len(uris) == 0 {
		ev.App = ""
		fail(http.StatusUnauthorized, "invalid_client", "oauth_invalid_client", "client_id is not a registered app with redirect URIs")
		return
	}
	if vals["grant_type"] == "refresh_token" {
		s.refresh(w, r, ev, clientID, vals["refresh_token"])
		return
	}
	grant, err := s.codes.Redeem(r.Context(), vals["code"], clientID, vals["redirect_uri"], vals["code_verifier"])
	if err != nil {
		if grant.Tokens != nil {
			// The code is spent: what it issued must not outlive a
			// failed or repeated redemption.
			ev.User, ev.Session = grant.Tokens.User.ID, grant.Tokens.SessionID
			if rerr := g.id.RevokeSession(context.WithoutCancel(r.Context()), grant.Tokens.SessionID, "oauth_code_misuse"); rerr != nil {
				g.log.Error("oauth revoke failed", "err", rerr)
			}
		}
		reason := "oauth_invalid_grant"
		switch {
		case errors.Is(err, oauth.ErrCodeReused):
			reason = "oauth_code_reuse"
		case errors.Is(err, oauth.ErrPKCE):
			reason = "oauth_pkce"
		}
		fail(http.StatusBadRequest, "invalid_grant", reason, "the authorization code is invalid, expired, spent, or does not match this request")
		return
	}
	pair := grant.Tokens
	ev.User, ev.Session, ev.Device = pair.User.ID, pair.SessionID, pair.DeviceID
	claims, err := g.id.Verify(r.Context(), pair.AccessToken)
	if err != nil {
		fail(http.StatusBadRequest, "invalid_grant", reasonOf(err), "the session of this authorization ended")
		return
	}
	resp := oauthTokenResponse{AccessToken: pair.AccessToken, TokenType: "Bearer", ExpiresIn: int(claims.ExpiresAt.Sub(g.now()) / time.Second),
		RefreshToken: pair.RefreshToken, Scope: grant.Scope()}
	if grant.OpenID() {
		resp.IDToken, err = g.id.SignIDToken(r.Context(), pair.User.ID, clientID, grant.Nonce, claims.AMR, claims.AuthTime)
		if err != nil {
			g.log.Error("oauth id token failed", "err", err)
			fail(http.StatusServiceUnavailable, "temporarily_unavailable", "unavailable", "try again later")
			return
		}
	}
	ev.Decision, ev.Reason, ev.Status = audit.DecisionLogin, "oauth_token", http.StatusOK
	g.record(r, ev)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, resp)
}

// refresh is grant_type=refresh_token: a rotation, with a DPoP proof when
// one is sent, like POST /v1/auth/refresh.
func (s *oauthServer) refresh(w http.ResponseWriter, r *http.Request, ev audit.Event, clientID, token string) {
	g := s.g
	ev.Decision = audit.DecisionRefreshFailed
	var jkt string
	if hasProof(r) {
		p, err := g.dpop.atTokenEndpoint(r.Context(), r)
		if err != nil {
			ev.Reason, ev.Status = dpopReason(err), http.StatusBadRequest
			g.record(r, ev)
			oauthError(w, http.StatusBadRequest, "invalid_dpop_proof", "the DPoP proof is not valid")
			return
		}
		jkt = p.JKT
	}
	pair, err := g.id.RefreshBound(r.Context(), token, jkt)
	if err != nil {
		if errors.Is(err, identity.ErrRefreshReuse) {
			ev.Decision = audit.DecisionRefreshReuse
		}
		var se *identity.SessionError
		if errors.As(err, &se) {
			ev.User, ev.Device, ev.Session = se.Session.UserID, se.Session.DeviceID, se.Session.ID
		}
		ae := g.identityError(err)
		ev.Reason, ev.Status = reasonOf(err), http.StatusBadRequest
		code := "invalid_grant"
		if ae.Status >= 500 {
			ev.Status, code = http.StatusServiceUnavailable, "temporarily_unavailable"
		}
		g.record(r, ev)
		oauthError(w, ev.Status, code, "the refresh token is invalid, expired or revoked")
		return
	}
	ev.User, ev.Device, ev.Session = pair.User.ID, pair.DeviceID, pair.SessionID
	if pair.AppID != clientID {
		_ = g.id.RevokeSession(context.WithoutCancel(r.Context()), pair.SessionID, "oauth_client_mismatch")
		ev.Reason, ev.Status = "oauth_client_mismatch", http.StatusBadRequest
		g.record(r, ev)
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token was issued to another client")
		return
	}
	ev.Decision, ev.Reason, ev.Status = audit.DecisionRefresh, "oauth_token", http.StatusOK
	g.record(r, ev)
	typ := "Bearer"
	if pair.DPoPJKT != "" {
		typ = "DPoP"
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, oauthTokenResponse{AccessToken: pair.AccessToken, TokenType: typ, ExpiresIn: int(pair.ExpiresIn / time.Second), RefreshToken: pair.RefreshToken})
}

// revoke is POST /oauth/revoke (RFC 7009): a refresh token, or an access
// token of this gateway, ends its session; anything else is ignored, and
// the answer is 200 either way.
func (s *oauthServer) revoke(w http.ResponseWriter, r *http.Request) {
	g := s.g
	ev := audit.Event{Decision: audit.DecisionRevoke, IP: clientIP(r, g.trusted)}
	if !parseForm(w, r) {
		ev.Reason, ev.Status = "oauth_invalid_form", http.StatusBadRequest
		g.record(r, ev)
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded, at most 16 KiB")
		return
	}
	tok, ok := form(r, "token")
	if !ok || tok == "" || len(tok) > 8192 {
		ev.Reason, ev.Status = "oauth_invalid_form", http.StatusBadRequest
		g.record(r, ev)
		oauthError(w, http.StatusBadRequest, "invalid_request", "token is required")
		return
	}
	if c, err := g.id.Verify(r.Context(), tok); err == nil && c.Session != "" {
		ev.User, ev.Session, ev.App, ev.Reason = c.Subject, c.Session, c.App, "oauth_access_token"
		err = g.id.RevokeSession(r.Context(), c.Session, "revoked")
		if err != nil {
			ev.Reason, ev.Status = "storage_error", http.StatusServiceUnavailable
			g.record(r, ev)
			oauthError(w, ev.Status, "temporarily_unavailable", "try again later")
			return
		}
	} else if err := g.id.RevokeRefreshToken(r.Context(), tok); err != nil {
		ev.Reason, ev.Status = "storage_error", http.StatusServiceUnavailable
		g.record(r, ev)
		oauthError(w, ev.Status, "temporarily_unavailable", "try again later")
		return
	}
	ev.Status = http.StatusOK
	g.record(r, ev)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// userinfo is the OIDC UserInfo endpoint.
func (s *oauthServer) userinfo(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]string{"sub": p.Claims.Subject, "preferred_username": p.Claims.Username})
}
