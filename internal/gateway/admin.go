package gateway

import (
	"errors"
	"net/http"
	"time"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/guard"
	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/rbac"
	"github.com/bulwark-security/bulwark/internal/store"
)

// AdminApp is the app administrators log in through: it exists on every
// gateway and may call no model.
const AdminApp = "bulwark-admin"

// adminRoutes registers the admin API. Every route needs an access token
// with the admin scope, which only users with the admin role get. Every
// change is an audit event, reserved before the change is made.
func (g *Gateway) adminRoutes(mux *http.ServeMux) {
	admin := func(pattern string, h http.HandlerFunc) {
		action, ok := rbac.AdminActionFor(pattern)
		if !ok {
			panic("gateway: admin endpoint without an RBAC action: " + pattern) // a build defect; rbac's tests keep the table complete
		}
		mux.Handle(pattern, g.authenticated(identity.ScopeAdmin, g.requireAdmin(action, h)))
	}
	admin("GET /admin/v1/apps", g.adminListApps)
	admin("GET /admin/v1/apps/{id}", g.adminGetApp)
	admin("PUT /admin/v1/apps/{id}", g.adminPutApp)
	admin("DELETE /admin/v1/apps/{id}", g.adminDeleteApp)
	admin("GET /admin/v1/users", g.adminListUsers)
	admin("POST /admin/v1/users", g.adminCreateUser)
	admin("GET /admin/v1/users/{id}/sessions", g.adminListSessions)
	admin("GET /admin/v1/users/{id}/explain", g.adminExplain)
	admin("GET /admin/v1/roles", g.adminListRoles)
	admin("GET /admin/v1/roles/{name}", g.adminGetRole)
	admin("PUT /admin/v1/roles/{name}", g.adminPutRole)
	admin("DELETE /admin/v1/roles/{name}", g.adminDeleteRole)
	admin("POST /admin/v1/users/{id}/revoke", g.adminRevokeUser)
	admin("POST /admin/v1/sessions/{id}/revoke", g.adminRevokeSession)
	admin("GET /admin/v1/providers", g.adminListProviders)
	admin("PUT /admin/v1/providers/{name}/key", g.adminSetProviderKey)
	admin("GET /admin/v1/audit", g.adminQueryAudit)
	admin("GET /admin/v1/audit/verify", g.adminVerifyAudit)
}

// requireAdmin checks the role as well as the scope: a token is only as
// good as the account behind it.
func (g *Gateway) requireAdmin(action string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := principalOf(r.Context())
		if !g.requireAction(w, r, p, action) {
			return
		}
		if g.cfg.Auth.AdminMFA == AdminMFARequired && !g.requireMFA(w, r, p, 0) {
			return
		}
		next(w, r)
	}
}

// adminChange reserves the audit event of an administrative change; the
// change is made only when its event can be recorded.
func (g *Gateway) adminChange(w http.ResponseWriter, r *http.Request, action, target string) (*audit.Slot, audit.Event, bool) {
	p := principalOf(r.Context())
	ev := p.event(audit.DecisionAdmin, action)
	ev.Actor, ev.Target = p.Claims.Subject, target
	slot, ok := g.reserveAudit(w, r, ev)
	return slot, ev, ok
}

// appBody is an app as the admin API reads and writes it.
type appBody struct {
	ID     string                    `json:"id"`
	Name   string                    `json:"name"`
	Models []string                  `json:"models"`
	Routes []string                  `json:"routes,omitempty"`
	Guards map[string]apps.GuardRule `json:"guards,omitempty"`
	// RouteGuards override Guards on one AI route: route → guard → setting.
	RouteGuards  map[string]map[string]apps.GuardRule `json:"route_guards,omitempty"`
	Limits       *apps.Limits                         `json:"limits,omitempty"`
	KeepText     bool                                 `json:"keep_text"`
	RequireDPoP  bool                                 `json:"require_dpop"`
	RequireMFA   bool                                 `json:"require_mfa"`
	RedirectURIs []string                             `json:"redirect_uris,omitempty"`
	CreatedAt    *time.Time                           `json:"created_at,omitempty"`
	UpdatedAt    *time.Time                           `json:"updated_at,omitempty"`
}

func appJSON(a apps.App) appBody {
	b := appBody{ID: a.ID, Name: a.Name, Models: a.Models, Routes: a.Routes, Guards: a.Guards, RouteGuards: a.RouteGuards, Limits: a.Limits, KeepText: a.KeepText, RequireDPoP: a.RequireDPoP, RequireMFA: a.RequireMFA, RedirectURIs: a.RedirectURIs}
	if b.Models == nil {
		b.Models = []string{}
	}
	if !a.CreatedAt.IsZero() {
		b.CreatedAt, b.UpdatedAt = &a.CreatedAt, &a.UpdatedAt
	}
	return b
}

func (g *Gateway) adminListApps(w http.ResponseWriter, r *http.Request) {
	list, err := g.appsDB.Apps(r.Context())
	if err != nil {
		writeError(w, r, g.log, errUnavailable(err))
		return
	}
	out := make([]appBody, 0, len(list))
	for _, a := range list {
		out = append(out, appJSON(a))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (g *Gateway) adminGetApp(w http.ResponseWriter, r *http.Request) {
	a, err := g.appsDB.App(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, g.log, storeError(err, "no such app"))
		return
	}
	writeJSON(w, http.StatusOK, appJSON(a))
}

func (g *Gateway) adminPutApp(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := apps.ValidateID(id); err != nil {
		writeError(w, r, g.log, paramError("id", err.Error()))
		return
	}
	var body appBody
	if ae := decodeJSON(r, 64<<10, &body); ae != nil {
		writeError(w, r, g.log, ae)
		return
	}
	if body.ID != "" && body.ID != id {
		writeError(w, r, g.log, paramError("id", "the id in the body differs from the id in the path"))
		return
	}
	for _, m := range body.Models {
		if _, ok := g.models[m]; !ok && m != "*" {
			writeError(w, r, g.log, paramError("models", "unknown model "+truncate(m, 64)))
			return
		}
	}
	if body.Limits != nil {
		if err := body.Limits.Validate(); err != nil {
			writeError(w, r, g.log, paramError("limits", err.Error()))
			return
		}
	}
	if err := apps.ValidateRoutes(body.Routes); err != nil {
		writeError(w, r, g.log, paramError("routes", err.Error()))
		return
	}
	if err := guard.ValidateRules(GuardRules(body.Guards)); err != nil {
		writeError(w, r, g.log, paramError("guards", err.Error()))
		return
	}
	if err := ValidateRouteGuards(body.RouteGuards); err != nil {
		writeError(w, r, g.log, paramError("route_guards", err.Error()))
		return
	}
	if body.Name == "" {
		body.Name = id
	}
	slot, ev, ok := g.adminChange(w, r, "put_app", "app:"+id)
	if !ok {
		return
	}
	now := g.now().UTC()
	a := apps.App{ID: id, Name: body.Name, Models: body.Models, Routes: body.Routes, Guards: body.Guards, RouteGuards: body.RouteGuards, Limits: body.Limits, KeepText: body.KeepText, RequireDPoP: body.RequireDPoP, RequireMFA: body.RequireMFA, RedirectURIs: body.RedirectURIs, CreatedAt: now, UpdatedAt: now}
	if old, err := g.appsDB.App(r.Context(), id); err == nil {
		a.CreatedAt = old.CreatedAt
	}
	if err := g.appsDB.PutApp(r.Context(), a); err != nil {
		g.adminFailed(w, r, slot, ev, errUnavailable(err))
		return
	}
	g.apps.forget(id)
	g.adminDone(r, slot, ev, http.StatusOK)
	writeJSON(w, http.StatusOK, appJSON(a))
}

func (g *Gateway) adminDeleteApp(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if id == AdminApp {
		writeError(w, r, g.log, errBadRequest("protected_app", "the admin app cannot be deleted"))
		return
	}
	slot, ev, ok := g.adminChange(w, r, "delete_app", "app:"+id)
	if !ok {
		return
	}
	if err := g.appsDB.DeleteApp(r.Context(), id); err != nil {
		g.adminFailed(w, r, slot, ev, storeError(err, "no such app"))
		return
	}
	g.apps.forget(id)
	g.adminDone(r, slot, ev, http.StatusNoContent)
	w.WriteHeader(http.StatusNoContent)
}

type userBody struct {
	ID        string    `json:"id"`
	Username  string    `json:"username"`
	Role      string    `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

func userJSON(u identity.User) userBody {
	return userBody{ID: u.ID, Username: u.Username, Role: u.Role, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

func (g *Gateway) adminListUsers(w http.ResponseWriter, r *http.Request) {
	list, err := g.id.Users(r.Context())
	if err != nil {
		writeError(w, r, g.log, errUnavailable(err))
		return
	}
	out := make([]userBody, 0, len(list))
	for _, u := range list {
		out = append(out, userJSON(u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

type createUserRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Role     string `json:"role"`
}

func (g *Gateway) adminCreateUser(w http.ResponseWriter, r *http.Request) {
	var req createUserRequest
	if ae := decodeJSON(r, maxAuthBody, &req); ae != nil {
		writeError(w, r, g.log, ae)
		return
	}
	if req.Role == "" {
		req.Role = identity.RoleUser
	}
	slot, ev, ok := g.adminChange(w, r, "create_user", "user:"+truncate(req.Username, 64))
	if !ok {
		return
	}
	u, err := g.id.CreateUser(r.Context(), req.Username, req.Password, req.Role)
	if err != nil {
		var ae *apiError
		switch {
		case errors.Is(err, store.ErrConflict):
			ae = &apiError{Status: http.StatusConflict, Type: "invalid_request_error", Code: "user_exists", Message: "a user with this name exists"}
		case errors.Is(err, identity.ErrInvalidUser):
			ae = errBadRequest("invalid_user", err.Error())
		default:
			ae = errUnavailable(err)
		}
		g.adminFailed(w, r, slot, ev, ae)
		return
	}
	ev.Target = "user:" + u.ID
	g.adminDone(r, slot, ev, http.StatusCreated)
	writeJSON(w, http.StatusCreated, userJSON(u))
}

type sessionBody struct {
	ID            string     `json:"id"`
	UserID        string     `json:"user_id"`
	AppID         string     `json:"app_id"`
	DeviceID      string     `json:"device_id,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedReason string     `json:"revoked_reason,omitempty"`
}

func (g *Gateway) adminListSessions(w http.ResponseWriter, r *http.Request) {
	list, err := g.id.Sessions(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, g.log, errUnavailable(err))
		return
	}
	out := make([]sessionBody, 0, len(list))
	for _, s := range list {
		b := sessionBody{ID: s.ID, UserID: s.UserID, AppID: s.AppID, DeviceID: s.DeviceID, CreatedAt: s.CreatedAt, RevokedReason: s.RevokedReason}
		if !s.RevokedAt.IsZero() {
			b.RevokedAt = &s.RevokedAt
		}
		out = append(out, b)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (g *Gateway) adminRevokeUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	slot, ev, ok := g.adminChange(w, r, "revoke_user_sessions", "user:"+id)
	if !ok {
		return
	}
	ids, err := g.id.RevokeUser(r.Context(), id, "admin")
	if err != nil {
		g.adminFailed(w, r, slot, ev, errUnavailable(err))
		return
	}
	g.adminDone(r, slot, ev, http.StatusOK)
	if ids == nil {
		ids = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"revoked": ids})
}

func (g *Gateway) adminRevokeSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	slot, ev, ok := g.adminChange(w, r, "revoke_session", "session:"+id)
	if !ok {
		return
	}
	if err := g.id.RevokeSession(r.Context(), id, "admin"); err != nil {
		g.adminFailed(w, r, slot, ev, storeError(err, "no such session"))
		return
	}
	g.adminDone(r, slot, ev, http.StatusNoContent)
	w.WriteHeader(http.StatusNoContent)
}

type providerBody struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	BaseURL string `json:"base_url,omitempty"`
	// KeySet says whether a key is configured; the key itself is never
	// returned by any endpoint.
	KeySet    bool   `json:"key_set"`
	KeySource string `json:"key_source,omitempty"` // "stored", "env"
}

func (g *Gateway) adminListProviders(w http.ResponseWriter, r *http.Request) {
	out := []providerBody{}
	for _, pc := range g.cfg.Providers {
		b := providerBody{Name: pc.Name, Type: pc.Type, BaseURL: pc.BaseURL}
		if _, err := g.keys.ProviderKey(r.Context(), pc.Name); err == nil {
			b.KeySet, b.KeySource = true, "stored"
		} else if !errors.Is(err, store.ErrNotFound) {
			writeError(w, r, g.log, errUnavailable(err))
			return
		} else if pc.APIKeyEnv != "" && g.env(pc.APIKeyEnv) != "" {
			b.KeySet, b.KeySource = true, "env"
		}
		out = append(out, b)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

type providerKeyRequest struct {
	APIKey string `json:"api_key"`
}

// adminSetProviderKey stores a provider's key sealed under the master key
// and rebuilds the provider with it. The key is never logged or returned.
func (g *Gateway) adminSetProviderKey(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var pc *ProviderConfig
	for i := range g.cfg.Providers {
		if g.cfg.Providers[i].Name == name {
			pc = &g.cfg.Providers[i]
		}
	}
	if pc == nil {
		writeError(w, r, g.log, errNotFound("provider_not_found", "no provider of this name is configured"))
		return
	}
	var req providerKeyRequest
	if ae := decodeJSON(r, maxAuthBody, &req); ae != nil {
		writeError(w, r, g.log, ae)
		return
	}
	if req.APIKey == "" || len(req.APIKey) > 4096 {
		writeError(w, r, g.log, paramError("api_key", "api_key must hold 1 to 4096 characters"))
		return
	}
	slot, ev, ok := g.adminChange(w, r, "set_provider_key", "provider:"+name)
	if !ok {
		return
	}
	sealed, err := g.keyring.Seal([]byte(req.APIKey), ProviderKeyAAD(name))
	if err != nil {
		g.adminFailed(w, r, slot, ev, errInternal(err))
		return
	}
	if err := g.keys.PutProviderKey(r.Context(), name, sealed, g.now()); err != nil {
		g.adminFailed(w, r, slot, ev, errUnavailable(err))
		return
	}
	if err := g.buildProvider(r.Context(), *pc); err != nil {
		g.adminFailed(w, r, slot, ev, errInternal(err))
		return
	}
	g.adminDone(r, slot, ev, http.StatusNoContent)
	w.WriteHeader(http.StatusNoContent)
}

func (g *Gateway) adminDone(r *http.Request, slot *audit.Slot, ev audit.Event, status int) {
	ev.Status = status
	g.recordIn(r, slot, ev)
}

func (g *Gateway) adminFailed(w http.ResponseWriter, r *http.Request, slot *audit.Slot, ev audit.Event, err error) {
	ae := writeError(w, r, g.log, err)
	ev.Status, ev.Reason = ae.Status, ev.Reason+"_failed"
	g.recordIn(r, slot, ev)
}

// storeError maps storage errors of admin lookups.
func storeError(err error, notFound string) *apiError {
	if errors.Is(err, store.ErrNotFound) {
		return errNotFound("not_found", notFound)
	}
	return errUnavailable(err)
}
