package serve_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/bulwark-security/bulwark/internal/gateway"
	"github.com/bulwark-security/bulwark/internal/passkey/passkeytest"
)

func TestPasskeyRegistrationAndLogin(t *testing.T) {
	h := newHarness(t, manyLogins, func(c *gateway.Config) {
		c.Auth.AdminMFA = gateway.AdminMFARequired
		c.Passkeys = gateway.PasskeyConfig{RPID: "gw.example", Origins: []string{"https://gw.example"}}
	})
	auth := passkeytest.NewAuthenticator("https://gw.example")
	begin := func(path, token string) (string, json.RawMessage) {
		t.Helper()
		status, _, body := h.call("POST", path, token, map[string]string{})
		var b struct {
			CeremonyID string          `json:"ceremony_id"`
			Options    json.RawMessage `json:"options"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &b) != nil || b.CeremonyID == "" {
			t.Fatalf("%s: %d %s", path, status, body)
		}
		return b.CeremonyID, b.Options
	}
	// An administrator registers a passkey with a password login…
	pw := h.login(testAdmin, gateway.AdminApp, "laptop").AccessToken
	id, opts := begin("/v1/me/passkeys/register/begin", pw)
	resp, err := auth.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := h.call("POST", "/v1/me/passkeys/register/finish", pw, map[string]any{"ceremony_id": id, "name": "phone", "response": json.RawMessage(resp)}); status != http.StatusOK {
		t.Fatalf("register: %d %s", status, body)
	}
	// …then logs in with it alone: a hardware key with user verification
	// is multi-factor, so the admin API accepts the token.
	id, opts = begin("/v1/auth/passkey/login/begin", "")
	resp, err = auth.Get(opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	finish := map[string]any{"ceremony_id": id, "response": json.RawMessage(resp), "app_id": gateway.AdminApp, "device_id": "laptop"}
	status, _, body := h.call("POST", "/v1/auth/passkey/login/finish", "", finish)
	var tk tokens
	if status != http.StatusOK || json.Unmarshal(body, &tk) != nil {
		t.Fatalf("passkey login: %d %s", status, body)
	}
	if status, _, body := h.call("GET", "/admin/v1/apps", tk.AccessToken, nil); status != http.StatusOK {
		t.Errorf("admin API after a passkey login: %d %s", status, body)
	}
	if status, _, _ := h.call("POST", "/v1/auth/passkey/login/finish", "", finish); status != http.StatusUnauthorized {
		t.Errorf("the same ceremony finished twice: %d, want 401", status)
	}
	t.Run("without user verification the login is refused", func(t *testing.T) {
		auth.UV = false
		defer func() { auth.UV = true }()
		id, opts := begin("/v1/auth/passkey/login/begin", "")
		resp, _ := auth.Get(opts, nil)
		if status, _, body := h.call("POST", "/v1/auth/passkey/login/finish", "", map[string]any{"ceremony_id": id, "response": json.RawMessage(resp), "app_id": testApp}); status != http.StatusUnauthorized {
			t.Errorf("%d %s", status, body)
		}
	})
	t.Run("another site's origin is refused", func(t *testing.T) {
		evil := passkeytest.NewAuthenticator("https://evil.example")
		id, opts := begin("/v1/me/passkeys/register/begin", pw)
		resp, _ := evil.Create(opts)
		if status, _, body := h.call("POST", "/v1/me/passkeys/register/finish", pw, map[string]any{"ceremony_id": id, "name": "stolen", "response": json.RawMessage(resp)}); status != http.StatusUnauthorized {
			t.Errorf("registration from another origin: %d %s", status, body)
		}
	})
}
