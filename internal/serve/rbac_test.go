package serve_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/gateway"
	"github.com/bulwark-security/bulwark/internal/rbac"
)

func TestRolesDecideRoutesModelsAndAdminActions(t *testing.T) {
	budget := int64(1000)
	h := newHarness(t, manyLogins, func(c *gateway.Config) {
		c.Models = append(c.Models, gateway.ModelConfig{Name: "chat-large", Kind: "chat", Provider: "demo", Upstream: "demo-1"})
		c.Roles = []rbac.Role{{Name: "support", TokensPerDay: &budget, Grants: []rbac.Grant{
			{Routes: []string{rbac.RouteChat, rbac.RouteModels}, Models: []string{"chat"}},
			{Routes: []string{rbac.RouteAdmin}, Admin: []string{rbac.ActionAuditRead}, RequireMFA: true},
		}}}
	})
	ctx := context.Background()
	if _, err := h.srv.Identity.CreateUser(ctx, "sam@example.com", testPassword, "support"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.srv.Identity.CreateUser(ctx, "eve@example.com", testPassword, "no-such-role"); err == nil {
		t.Error("a user was created with an undefined role")
	}
	tok := h.login("sam@example.com", testApp, "d").AccessToken
	chat := func(model string) (int, []byte) {
		status, _, body := h.call("POST", "/v1/chat/completions", tok, map[string]any{"model": model, "max_tokens": 16,
			"messages": []map[string]string{{"role": "user", "content": "hi"}}})
		return status, body
	}
	if status, body := chat("chat"); status != http.StatusOK {
		t.Fatalf("a granted model: %d %s", status, body)
	}
	if status, body := chat("chat-large"); status != http.StatusNotFound || decodeError(t, body).Error.Code != "model_not_found" {
		t.Errorf("a model the role may not use: %d %s, want 404 model_not_found", status, body)
	}
	if status, _, body := h.call("POST", "/v1/embeddings", tok, map[string]any{"model": "embed", "input": "x"}); status != http.StatusForbidden || decodeError(t, body).Error.Code != "route_not_allowed" {
		t.Errorf("a route the role lacks: %d %s, want 403 route_not_allowed", status, body)
	}
	_, _, body := h.call("GET", "/v1/models", tok, nil)
	if strings.Contains(string(body), "chat-large") || !strings.Contains(string(body), `"chat"`) {
		t.Errorf("the model list shows what the role may not use: %s", body)
	}
	status, hdr, body := h.call("GET", "/admin/v1/audit", tok, nil)
	if status != http.StatusUnauthorized || decodeError(t, body).Error.Code != "insufficient_user_authentication" || hdr.Get("WWW-Authenticate") == "" {
		t.Errorf("an admin action that needs a second factor, without one: %d %s", status, body)
	}
	if status, _, _ := h.call("GET", "/admin/v1/apps", tok, nil); status != http.StatusForbidden {
		t.Errorf("an admin action the role lacks: %d, want 403", status)
	}
	t.Run("the role's daily token cap holds", func(t *testing.T) {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			status, body := chat("chat")
			if status == http.StatusTooManyRequests {
				if code := decodeError(t, body).Error.Code; code != "token_budget_exhausted" {
					t.Errorf("code %s", code)
				}
				return
			}
			if status != http.StatusOK {
				t.Fatalf("%d %s", status, body)
			}
		}
		t.Error("a role capped at 1000 tokens a day was never limited")
	})
	t.Run("an administrator can explain a user's permissions", func(t *testing.T) {
		admin := h.login(testAdmin, gateway.AdminApp, "laptop").AccessToken
		u, _ := h.srv.Identity.UserByName(ctx, "sam@example.com")
		status, _, body := h.call("GET", "/admin/v1/users/"+u.ID+"/explain", admin, nil)
		var ex struct {
			Role        string
			Permissions []struct{ Kind, Name string }
		}
		if status != http.StatusOK || json.Unmarshal(body, &ex) != nil || ex.Role != "support" || len(ex.Permissions) == 0 {
			t.Errorf("explain: %d %s", status, body)
		}
	})
}

func TestRolesEditedThroughTheAdminAPI(t *testing.T) {
	h := newHarness(t, manyLogins)
	admin := h.login(testAdmin, gateway.AdminApp, "laptop").AccessToken
	role := map[string]any{"grants": []map[string]any{{"routes": []string{"admin"}, "admin": []string{"audit.read"}}}}
	if status, _, body := h.call("PUT", "/admin/v1/roles/auditor", admin, role); status != http.StatusOK {
		t.Fatalf("put role: %d %s", status, body)
	}
	if status, _, body := h.call("PUT", "/admin/v1/roles/admin", admin, role); status != http.StatusConflict {
		t.Errorf("redefining a built-in role: %d %s, want 409", status, body)
	}
	if status, _, body := h.call("PUT", "/admin/v1/roles/loop", admin, map[string]any{"includes": []string{"loop"}}); status != http.StatusBadRequest {
		t.Errorf("a role that includes itself: %d %s, want 400", status, body)
	}
	if _, err := h.srv.Identity.CreateUser(context.Background(), "audra@example.com", testPassword, "auditor"); err != nil {
		t.Fatal(err)
	}
	tok := h.login("audra@example.com", gateway.AdminApp, "laptop").AccessToken
	if status, _, body := h.call("GET", "/admin/v1/audit", tok, nil); status != http.StatusOK {
		t.Errorf("the auditor reads the audit log: %d %s", status, body)
	}
	if status, _, _ := h.call("GET", "/admin/v1/apps", tok, nil); status != http.StatusForbidden {
		t.Errorf("the auditor lists apps: %d, want 403", status)
	}
	roles, err := h.srv.DB.Roles(context.Background())
	if err != nil || len(roles) != 1 || roles[0].Name != "auditor" {
		t.Errorf("stored roles = %+v, %v: the role must outlive a restart", roles, err)
	}
	if status, _, body := h.call("DELETE", "/admin/v1/roles/auditor", admin, nil); status != http.StatusNoContent {
		t.Errorf("delete role: %d %s", status, body)
	}
}
