package serve_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/openai/openai-go/v3"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/gateway"
)

func TestAdminAPI(t *testing.T) {
	up := newRecordingUpstream(t)
	h := newHarness(t, func(c *gateway.Config) {
		c.Providers = append(c.Providers, gateway.ProviderConfig{Name: "openai", Type: "openai", BaseURL: up.url + "/v1"})
		c.Models = append(c.Models, gateway.ModelConfig{Name: "gpt", Kind: "chat", Provider: "openai", Upstream: "gpt-4o-mini"})
	})
	admin := h.login(testAdmin, gateway.AdminApp, "").AccessToken
	user := h.login(testUser, testApp, "pixel-8")

	t.Run("a user token cannot administer", func(t *testing.T) {
		status, _, body := h.call("GET", "/admin/v1/apps", user.AccessToken, nil)
		if status != http.StatusForbidden {
			t.Fatalf("status = %d %s, want 403", status, body)
		}
	})
	t.Run("the admin app may call no model", func(t *testing.T) {
		status, _, _ := h.call("POST", "/v1/chat/completions", admin, `{"model":"chat","messages":[{"role":"user","content":"x"}]}`)
		if status != http.StatusNotFound {
			t.Errorf("status = %d, want 404", status)
		}
	})
	t.Run("create an app and log in through it", func(t *testing.T) {
		status, _, body := h.call("PUT", "/admin/v1/apps/kids-app", admin, map[string]any{
			"name": "Kids", "models": []string{"*"}, "routes": []string{"chat"}, "limits": map[string]any{"user": map[string]any{"requests_per_minute": 1}}})
		if status != http.StatusOK {
			t.Fatalf("put app: %d %s", status, body)
		}
		tk := h.login(testUser, "kids-app", "tablet")
		client := h.sdk(tk.AccessToken)
		params := openai.ChatCompletionNewParams{Model: "chat", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")}}
		if _, err := client.Chat.Completions.New(context.Background(), params); err != nil {
			t.Fatal(err)
		}
		if _, err := client.Chat.Completions.New(context.Background(), params); err == nil {
			t.Error("the app's own limit of 1 request per minute did not apply")
		}
		status, _, _ = h.call("POST", "/v1/embeddings", tk.AccessToken, `{"model":"embed","input":"x"}`)
		if status != http.StatusForbidden {
			t.Errorf("embeddings for an app allowed only chat: %d, want 403", status)
		}
	})
	t.Run("unknown models and bad ids are refused", func(t *testing.T) {
		if status, _, _ := h.call("PUT", "/admin/v1/apps/x-app", admin, map[string]any{"models": []string{"gpt-9"}}); status != http.StatusBadRequest {
			t.Errorf("unknown model: status %d", status)
		}
		if status, _, _ := h.call("PUT", "/admin/v1/apps/Bad%20Id", admin, map[string]any{}); status != http.StatusBadRequest {
			t.Errorf("bad id: status %d", status)
		}
	})
	t.Run("set a provider key: stored sealed, used, never returned", func(t *testing.T) {
		const key = "sk-admin-set-0123456789abcdef0123"
		status, _, body := h.call("PUT", "/admin/v1/providers/openai/key", admin, map[string]string{"api_key": key})
		if status != http.StatusNoContent {
			t.Fatalf("set key: %d %s", status, body)
		}
		sealed, err := h.srv.DB.ProviderKey(context.Background(), "openai")
		if err != nil || strings.Contains(string(sealed), key) {
			t.Fatalf("stored key is not sealed (%v)", err)
		}
		status, _, body = h.call("POST", "/v1/chat/completions", user.AccessToken, `{"model":"gpt","messages":[{"role":"user","content":"x"}]}`)
		if status != http.StatusOK {
			t.Fatalf("chat: %d %s", status, body)
		}
		if got := up.last(t).header.Get("Authorization"); got != "Bearer "+key {
			t.Errorf("upstream Authorization = %q", got)
		}
		_, _, list := h.call("GET", "/admin/v1/providers", admin, nil)
		if strings.Contains(string(list), key) {
			t.Error("provider listing shows the key")
		}
	})
	t.Run("revoke a user's sessions", func(t *testing.T) {
		_, _, body := h.call("GET", "/admin/v1/users", admin, nil)
		var users struct {
			Data []struct{ ID, Username string } `json:"data"`
		}
		_ = json.Unmarshal(body, &users)
		var id string
		for _, u := range users.Data {
			if u.Username == testUser {
				id = u.ID
			}
		}
		if id == "" {
			t.Fatalf("user not listed: %s", body)
		}
		status, _, body := h.call("POST", "/admin/v1/users/"+id+"/revoke", admin, nil)
		if status != http.StatusOK {
			t.Fatalf("revoke: %d %s", status, body)
		}
		if status, _, _ := h.call("GET", "/v1/models", user.AccessToken, nil); status != http.StatusUnauthorized {
			t.Errorf("revoked access token: status %d, want 401", status)
		}
		if status, _, _ := h.call("POST", "/v1/auth/refresh", "", map[string]string{"refresh_token": user.RefreshToken}); status != http.StatusUnauthorized {
			t.Errorf("revoked refresh token: status %d, want 401", status)
		}
	})
	t.Run("every change is an audit event with its actor", func(t *testing.T) {
		recs, err := h.events(audit.DecisionAdmin)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, r := range recs {
			ev, _ := r.Decode()
			if ev.Actor == "" || ev.Target == "" {
				t.Errorf("admin event without actor or target: %+v", ev)
			}
			actions = append(actions, ev.Reason)
		}
		want := "put_app,set_provider_key,revoke_user_sessions"
		if strings.Join(actions, ",") != want {
			t.Errorf("admin actions = %v, want %s", actions, want)
		}
	})
	t.Run("query and verify the audit log", func(t *testing.T) {
		h.flushAudit()
		status, _, body := h.call("GET", "/admin/v1/audit?decision=login&limit=2", admin, nil)
		var page struct {
			Data []audit.Record `json:"data"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &page) != nil || len(page.Data) != 2 {
			t.Fatalf("query: %d %s", status, body)
		}
		if page.Data[0].Seq < page.Data[1].Seq {
			t.Error("audit query is not newest first")
		}
		status, _, body = h.call("GET", "/admin/v1/audit/verify", admin, nil)
		if status != http.StatusOK || !strings.Contains(string(body), `"ok":true`) {
			t.Errorf("verify: %d %s", status, body)
		}
	})
}
