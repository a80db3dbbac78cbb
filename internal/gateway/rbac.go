package gateway

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/rbac"
	"github.com/bulwark-security/bulwark/internal/store"
)

// Authorizer decides what a subject may do (internal/rbac's Service):
// routes, models and admin actions, deny by default.
type Authorizer interface {
	Authorize(s rbac.Subject, a rbac.Action) rbac.Decision
}

// subject is the principal as the role model sees it.
func (p *principal) subject() rbac.Subject {
	return rbac.Subject{User: p.Claims.Subject, Role: p.Claims.Role, AuthTime: p.Claims.AuthTime,
		MFA: slices.Contains(p.Claims.AMR, "otp") || slices.Contains(p.Claims.AMR, "mfa") || slices.Contains(p.Claims.AMR, "hwk")}
}

// authorize asks the role model; a denial is an apiError (nil when
// allowed): 401 with an RFC 9470 challenge when a step-up would allow it,
// else denied (the caller chooses the answer: 403, or 404 for a model, so
// that a model one may not use looks like one that does not exist).
func (g *Gateway) authorize(p *principal, a rbac.Action, denied *apiError) *apiError {
	d := g.rbac.Authorize(p.subject(), a)
	if d.Allowed {
		return nil
	}
	if d.StepUp != nil {
		ae := errUnauthorized("insufficient_user_authentication", "this operation needs a login with a second factor, or a more recent one: log in again")
		ae.Header = http.Header{"Www-Authenticate": {d.StepUp.Challenge()}}
		return ae
	}
	return denied
}

// rbacReason is the audit reason of a denial by the role model.
func rbacReason(ae *apiError) string {
	if ae.Code == "insufficient_user_authentication" {
		return "step_up_required"
	}
	return "rbac_denied"
}

// requireAction is the authorization of one admin endpoint.
func (g *Gateway) requireAction(w http.ResponseWriter, r *http.Request, p *principal, action string) bool {
	denied := errForbidden("admin_required", "this operation needs an administrator role that allows it")
	// The action first: one the role can never do is 403, not a step-up.
	for _, a := range []rbac.Action{rbac.Admin(action), rbac.Route(rbac.RouteAdmin)} {
		if ae := g.authorize(p, a, denied); ae != nil {
			g.fail(w, r, ae, p.event(audit.DecisionDenied, rbacReason(ae)))
			return false
		}
	}
	return true
}

// Explainer is the optional capability of an Authorizer that explains a
// subject's effective permissions (rbac.Service).
type Explainer interface {
	Explain(s rbac.Subject) rbac.Explanation
}

// adminExplain is GET /admin/v1/users/{id}/explain: what the user's role
// allows, and where each permission comes from.
func (g *Gateway) adminExplain(w http.ResponseWriter, r *http.Request) {
	ex, ok := g.rbac.(Explainer)
	if !ok {
		writeError(w, r, g.log, errNotFound("not_found", "this gateway's role model does not explain permissions"))
		return
	}
	u, err := g.id.UserByID(r.Context(), r.PathValue("id"))
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, r, g.log, errNotFound("not_found", "no such user"))
			return
		}
		writeError(w, r, g.log, errUnavailable(err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err := ex.Explain(rbac.Subject{User: u.ID, Role: u.Role}).WriteJSON(w); err != nil {
		g.log.Debug("explain: write", "err", err)
	}
}

// RoleAdmin is the optional capability of an Authorizer whose roles the
// admin API edits (rbac.Service); configured and built-in roles are read-only.
type RoleAdmin interface {
	Roles() []rbac.RoleInfo
	PutRole(ctx context.Context, r rbac.Role) error
	DeleteRole(ctx context.Context, name string) error
}

func (g *Gateway) roleAdmin(w http.ResponseWriter, r *http.Request) (RoleAdmin, bool) {
	ra, ok := g.rbac.(RoleAdmin)
	if !ok {
		writeError(w, r, g.log, errNotFound("not_found", "this gateway's roles cannot be edited"))
	}
	return ra, ok
}

func (g *Gateway) adminListRoles(w http.ResponseWriter, r *http.Request) {
	ra, ok := g.roleAdmin(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": ra.Roles()})
}

func (g *Gateway) adminGetRole(w http.ResponseWriter, r *http.Request) {
	ra, ok := g.roleAdmin(w, r)
	if !ok {
		return
	}
	for _, ri := range ra.Roles() {
		if ri.Role.Name == r.PathValue("name") {
			writeJSON(w, http.StatusOK, ri)
			return
		}
	}
	writeError(w, r, g.log, errNotFound("not_found", "no such role"))
}

// roleError renders a refused role change.
func roleError(err error) *apiError {
	switch {
	case errors.Is(err, rbac.ErrInvalidConfig):
		ae := errBadRequest("invalid_role", "the role is not valid: "+err.Error())
		if fes := rbac.FieldErrors(err); len(fes) > 0 {
			ae.Param = fes[0].Field
		}
		return ae
	case errors.Is(err, rbac.ErrReadOnlyRole):
		return &apiError{Status: http.StatusConflict, Type: "invalid_request_error", Code: "read_only_role", Message: "built-in and configured roles cannot be changed here"}
	case errors.Is(err, rbac.ErrRoleInUse):
		return &apiError{Status: http.StatusConflict, Type: "invalid_request_error", Code: "role_in_use", Message: "another role includes this one"}
	case errors.Is(err, store.ErrNotFound):
		return errNotFound("not_found", "no such role")
	}
	return errUnavailable(err)
}

func (g *Gateway) adminPutRole(w http.ResponseWriter, r *http.Request) {
	ra, ok := g.roleAdmin(w, r)
	if !ok {
		return
	}
	var role rbac.Role
	if ae := decodeJSON(r, 1<<20, &role); ae != nil {
		writeError(w, r, g.log, ae)
		return
	}
	role.Name = r.PathValue("name")
	slot, ev, ok := g.adminChange(w, r, "put_role", "role:"+role.Name)
	if !ok {
		return
	}
	if err := ra.PutRole(r.Context(), role); err != nil {
		g.adminFailed(w, r, slot, ev, roleError(err))
		return
	}
	g.adminDone(r, slot, ev, http.StatusOK)
	writeJSON(w, http.StatusOK, role)
}

func (g *Gateway) adminDeleteRole(w http.ResponseWriter, r *http.Request) {
	ra, ok := g.roleAdmin(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	slot, ev, ok := g.adminChange(w, r, "delete_role", "role:"+name)
	if !ok {
		return
	}
	if err := ra.DeleteRole(r.Context(), name); err != nil {
		g.adminFailed(w, r, slot, ev, roleError(err))
		return
	}
	g.adminDone(r, slot, ev, http.StatusNoContent)
	w.WriteHeader(http.StatusNoContent)
}
