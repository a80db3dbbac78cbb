package serve_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/bulwark-security/bulwark/internal/gateway"
)

// enrollTOTP enrolls the token's user in TOTP through the API, as an app
// would, and returns the secret (what the authenticator app stores) and
// the recovery codes.
func enrollTOTP(t *testing.T, h *harness, token string) (string, []string) {
	t.Helper()
	status, _, body := h.call("POST", "/v1/me/mfa/totp", token, map[string]string{})
	var pend struct {
		URI    string `json:"otpauth_uri"`
		Secret string `json:"secret"`
		QR     string `json:"qr_png_base64"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &pend) != nil || pend.Secret == "" || !strings.HasPrefix(pend.URI, "otpauth://totp/") || pend.QR == "" {
		t.Fatalf("enroll: %d %s", status, body)
	}
	code, _ := totp.GenerateCode(pend.Secret, time.Now())
	status, _, body = h.call("POST", "/v1/me/mfa/totp/confirm", token, map[string]string{"code": code})
	var conf struct {
		Codes []string `json:"recovery_codes"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &conf) != nil || len(conf.Codes) == 0 {
		t.Fatalf("confirm: %d %s", status, body)
	}
	return pend.Secret, conf.Codes
}

type mfaChallenge struct {
	Ticket string `json:"mfa_ticket"`
	Error  struct{ Code string }
}

func passwordStep(t *testing.T, h *harness, user, app string) mfaChallenge {
	t.Helper()
	status, _, body := h.call("POST", "/v1/auth/login", "", map[string]string{"username": user, "password": testPassword, "app_id": app, "device_id": "d"})
	var ch mfaChallenge
	if status != http.StatusUnauthorized || json.Unmarshal(body, &ch) != nil || ch.Error.Code != "mfa_required" || ch.Ticket == "" {
		t.Fatalf("password step: %d %s, want 401 mfa_required with a ticket", status, body)
	}
	return ch
}

// manyLogins lifts the login throttle: these tests log in many times.
func manyLogins(c *gateway.Config) {
	c.Auth.LoginPerAccount = gateway.RateConfig{Limit: 1000, Per: time.Minute, Burst: 1000}
}

func TestTOTPLogin(t *testing.T) {
	h := newHarness(t, manyLogins)
	secret, recovery := enrollTOTP(t, h, h.login(testUser, testApp, "d").AccessToken)
	ch := passwordStep(t, h, testUser, testApp)
	if status, _, body := h.call("POST", "/v1/auth/mfa", "", map[string]string{"mfa_ticket": ch.Ticket, "code": "000000"}); status != http.StatusUnauthorized || decodeError(t, body).Error.Code != "invalid_code" {
		t.Errorf("wrong code: %d %s", status, body)
	}
	// The code that confirmed the enrollment was for this step: a code
	// of a later step is needed, as a user would type 30 s later.
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	status, _, body := h.call("POST", "/v1/auth/mfa", "", map[string]string{"mfa_ticket": ch.Ticket, "code": code})
	if status != http.StatusOK {
		t.Fatalf("right code: %d %s", status, body)
	}
	t.Run("the same code is refused the second time", func(t *testing.T) {
		ch := passwordStep(t, h, testUser, testApp)
		if status, _, body := h.call("POST", "/v1/auth/mfa", "", map[string]string{"mfa_ticket": ch.Ticket, "code": code}); status != http.StatusUnauthorized {
			t.Errorf("reused code: %d %s", status, body)
		}
	})
	t.Run("a recovery code works once", func(t *testing.T) {
		ch := passwordStep(t, h, testUser, testApp)
		if status, _, body := h.call("POST", "/v1/auth/mfa", "", map[string]string{"mfa_ticket": ch.Ticket, "recovery_code": recovery[0]}); status != http.StatusOK {
			t.Fatalf("recovery code: %d %s", status, body)
		}
		ch = passwordStep(t, h, testUser, testApp)
		if status, _, _ := h.call("POST", "/v1/auth/mfa", "", map[string]string{"mfa_ticket": ch.Ticket, "recovery_code": recovery[0]}); status != http.StatusUnauthorized {
			t.Errorf("the same recovery code again: %d", status)
		}
	})
}

func TestAdminAPINeedsMFA(t *testing.T) {
	h := newHarness(t, manyLogins, func(c *gateway.Config) { c.Auth.AdminMFA = gateway.AdminMFARequired })
	pwOnly := h.login(testAdmin, gateway.AdminApp, "laptop").AccessToken
	status, hdr, body := h.call("GET", "/admin/v1/apps", pwOnly, nil)
	if status != http.StatusUnauthorized || decodeError(t, body).Error.Code != "insufficient_user_authentication" || !strings.Contains(hdr.Get("WWW-Authenticate"), "insufficient_user_authentication") {
		t.Fatalf("admin API with a password-only token: %d %s (WWW-Authenticate %q)", status, body, hdr.Get("WWW-Authenticate"))
	}
	secret, _ := enrollTOTP(t, h, pwOnly)
	ch := passwordStep(t, h, testAdmin, gateway.AdminApp)
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	status, _, body = h.call("POST", "/v1/auth/mfa", "", map[string]string{"mfa_ticket": ch.Ticket, "code": code})
	var tk tokens
	if status != http.StatusOK || json.Unmarshal(body, &tk) != nil {
		t.Fatalf("MFA login: %d %s", status, body)
	}
	if status, _, body := h.call("GET", "/admin/v1/apps", tk.AccessToken, nil); status != http.StatusOK {
		t.Errorf("admin API after an MFA login: %d %s", status, body)
	}
}

func TestAppsCanRequireMFA(t *testing.T) {
	h := newHarness(t, manyLogins, func(c *gateway.Config) {
		c.Apps = append(c.Apps, gateway.AppConfig{ID: "bank-app", Models: []string{"*"}, RequireMFA: true})
	})
	chat := map[string]any{"model": "chat", "messages": []map[string]string{{"role": "user", "content": "hi"}}}
	pw := h.login(testUser, "bank-app", "d").AccessToken
	if status, _, body := h.call("POST", "/v1/chat/completions", pw, chat); status != http.StatusUnauthorized || decodeError(t, body).Error.Code != "insufficient_user_authentication" {
		t.Fatalf("a password-only token of an app that requires MFA: %d %s", status, body)
	}
	secret, _ := enrollTOTP(t, h, pw) // the set-up routes stay open to it
	ch := passwordStep(t, h, testUser, "bank-app")
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	status, _, body := h.call("POST", "/v1/auth/mfa", "", map[string]string{"mfa_ticket": ch.Ticket, "code": code})
	var tk tokens
	if status != http.StatusOK || json.Unmarshal(body, &tk) != nil {
		t.Fatalf("MFA login: %d %s", status, body)
	}
	if status, _, body := h.call("POST", "/v1/chat/completions", tk.AccessToken, chat); status != http.StatusOK {
		t.Errorf("after an MFA login: %d %s", status, body)
	}
}
