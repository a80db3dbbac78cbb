package serve_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/envelope"
	"github.com/bulwark-security/bulwark/internal/gateway"
	"github.com/bulwark-security/bulwark/internal/serve"
)

func TestMasterKeyRotation(t *testing.T) {
	ctx := context.Background()
	up := newRecordingUpstream(t)
	newKey := func() string {
		k := make([]byte, 32)
		_, _ = rand.Read(k)
		return hex.EncodeToString(k)
	}
	oldKey, nextKey := newKey(), newKey()
	cfg := &gateway.Config{}
	cfg.Storage = gateway.StorageConfig{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "bulwark.db")}
	cfg.Providers = []gateway.ProviderConfig{{Name: "openai", Type: "openai", BaseURL: up.url + "/v1"}}
	cfg.Models = []gateway.ModelConfig{{Name: "gpt", Kind: "chat", Provider: "openai", Upstream: "gpt-4o-mini"}}
	cfg.Apps = []gateway.AppConfig{{ID: testApp, Models: []string{"*"}}}
	cfg.Auth.AdminMFA = gateway.AdminMFAOptional // the admin here has no second factor
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	envWith := func(key string) func(string) string {
		return func(k string) string {
			if k == "BULWARK_MASTER_KEY" {
				return key
			}
			return ""
		}
	}
	start := func(key string) (*serve.Server, *harness) {
		t.Helper()
		srv, err := serve.Build(ctx, cfg, serve.Options{Env: envWith(key), Argon2: fastArgon})
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		return srv, &harness{t: t, srv: srv, url: hs.URL, cfg: cfg}
	}

	srv, h := start(oldKey)
	if _, err := srv.Identity.CreateUser(ctx, testAdmin, testPassword, "admin"); err != nil {
		t.Fatal(err)
	}
	admin := h.login(testAdmin, gateway.AdminApp, "")
	if status, _, body := h.call("PUT", "/admin/v1/providers/openai/key", admin.AccessToken, map[string]string{"api_key": "sk-rotate-me-0123456789"}); status != 204 {
		t.Fatalf("set key: %d %s", status, body)
	}
	if err := srv.Close(ctx); err != nil {
		t.Fatal(err)
	}

	ring, _ := envelope.New(mustHex(t, nextKey))
	n, err := serve.RotateMasterKey(ctx, cfg, envWith(oldKey), ring)
	if err != nil {
		t.Fatal(err)
	}
	if n < 3 {
		t.Errorf("re-sealed %d secrets, want the provider, signing and audit keys", n)
	}
	if _, err := serve.Build(ctx, cfg, serve.Options{Env: envWith(oldKey), Argon2: fastArgon}); err == nil {
		t.Error("the old master key still opens the rotated secrets")
	}

	srv2, h2 := start(nextKey)
	defer srv2.Close(ctx)
	tk := h2.login(testAdmin, gateway.AdminApp, "") // the rotated signing key still verifies and signs
	if status, _, _ := h2.call("GET", "/admin/v1/providers", tk.AccessToken, nil); status != 200 {
		t.Errorf("admin after rotation: %d", status)
	}
	if _, err := srv2.Identity.CreateUser(ctx, testUser, testPassword, "user"); err != nil {
		t.Fatal(err)
	}
	user := h2.login(testUser, testApp, "d")
	if status, _, body := h2.call("POST", "/v1/chat/completions", user.AccessToken, `{"model":"gpt","messages":[{"role":"user","content":"x"}]}`); status != 200 {
		t.Fatalf("chat after rotation: %d %s", status, body)
	}
	if got := up.last(t).header.Get("Authorization"); got != "Bearer sk-rotate-me-0123456789" {
		t.Errorf("provider key after rotation = %q", got)
	}
	h2.flushAudit()
	keys, err := audit.PublicKeys(ctx, srv2.DB, ring)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.Verify(ctx, srv2.DB, keys, audit.VerifyOptions{}); err != nil || !rep.OK() {
		t.Errorf("audit chain after rotation: %+v, %v", rep, err)
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
