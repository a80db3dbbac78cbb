package serve_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/gateway"
	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/serve"
)

// fastArgon keeps tests quick; production uses identity.DefaultArgon2.
var fastArgon = identity.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}

const (
	testApp      = "notes-app"
	testUser     = "ada@example.com"
	testPassword = "correct horse battery staple"
	testAdmin    = "root@example.com"
)

// harness is a whole gateway, provisioned like `bulwark serve` does it,
// on a real HTTP server with a real SQLite database.
type harness struct {
	t   testing.TB
	srv *serve.Server
	url string
	cfg *gateway.Config
	env map[string]string
	// brokenDB is set by tests that take the database away: closing the
	// server then reports the audit events it could not write.
	brokenDB bool
}

// newHarness starts a gateway with the demo provider (model "chat" and
// "embed") and the given changes to the configuration.
func newHarness(t testing.TB, mutate ...func(*gateway.Config)) *harness {
	t.Helper()
	return newHarnessEnv(t, nil, mutate...)
}

// newHarnessEnv is newHarness with extra environment variables (provider
// keys named by api_key_env).
func newHarnessEnv(t testing.TB, extra map[string]string, mutate ...func(*gateway.Config)) *harness {
	t.Helper()
	return newHarnessOpts(t, extra, serve.Options{}, mutate...)
}

// newHarnessWith is newHarness with build options (an HTTP client…).
func newHarnessWith(t testing.TB, opt serve.Options, mutate ...func(*gateway.Config)) *harness {
	t.Helper()
	return newHarnessOpts(t, nil, opt, mutate...)
}

func newHarnessOpts(t testing.TB, extra map[string]string, opt serve.Options, mutate ...func(*gateway.Config)) *harness {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	env := map[string]string{"BULWARK_MASTER_KEY": hex.EncodeToString(key)}
	for k, v := range extra {
		env[k] = v
	}
	cfg := &gateway.Config{}
	cfg.Storage = gateway.StorageConfig{Driver: "sqlite", DSN: filepath.Join(t.TempDir(), "bulwark.db")}
	cfg.Providers = []gateway.ProviderConfig{{Name: "demo", Type: "demo"}}
	cfg.Models = []gateway.ModelConfig{
		{Name: "chat", Kind: "chat", Provider: "demo", Upstream: "demo-1"},
		{Name: "embed", Kind: "embeddings", Provider: "demo", Upstream: "demo-embed-1"},
	}
	cfg.Apps = []gateway.AppConfig{{ID: testApp, Name: "Notes", Models: []string{"*"}}}
	cfg.Limits.User = apps.ScopeLimits{RequestsPerMinute: 1000}
	cfg.Auth.AdminMFA = gateway.AdminMFAOptional // TestAdminAPINeedsMFA covers the default
	for _, m := range mutate {
		m(cfg)
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	ctx := context.Background()
	opt.Env, opt.Argon2 = func(k string) string { return env[k] }, fastArgon
	srv, err := serve.Build(ctx, cfg, opt)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	h := &harness{t: t, srv: srv, url: "", cfg: cfg, env: env}
	t.Cleanup(func() {
		hs.Close()
		wait := 10 * time.Second
		if h.brokenDB {
			wait = time.Second // its events cannot be written: do not wait for them
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := srv.Close(ctx); err != nil && !h.brokenDB {
			t.Errorf("close: %v", err)
		}
	})
	for _, u := range []struct{ name, role string }{{testUser, identity.RoleUser}, {testAdmin, identity.RoleAdmin}} {
		if _, err := srv.Identity.CreateUser(ctx, u.name, testPassword, u.role); err != nil {
			t.Fatal(err)
		}
	}
	h.url = hs.URL
	return h
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// call sends a JSON request and returns the status, headers and body.
func (h *harness) call(method, path, token string, body any) (int, http.Header, []byte) {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

// login logs a user in through an app and device.
func (h *harness) login(user, app, device string) tokens {
	h.t.Helper()
	status, _, body := h.call("POST", "/v1/auth/login", "", map[string]string{"username": user, "password": testPassword, "app_id": app, "device_id": device})
	if status != http.StatusOK {
		h.t.Fatalf("login %s: %d %s", user, status, body)
	}
	var tk tokens
	if err := json.Unmarshal(body, &tk); err != nil {
		h.t.Fatal(err)
	}
	return tk
}

// sdk is the official OpenAI Go SDK pointed at the gateway, with the
// access token as its API key and no retries (tests see every answer).
func (h *harness) sdk(token string) openai.Client {
	return openai.NewClient(option.WithBaseURL(h.url+"/v1/"), option.WithAPIKey(token), option.WithMaxRetries(0),
		option.WithRequestTimeout(30*time.Second))
}

// flushAudit waits until every event so far is in the database.
func (h *harness) flushAudit() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.srv.Audit.Flush(ctx); err != nil {
		h.t.Fatal(err)
	}
}

// errorBody is the OpenAI error shape every /v1 error has.
type errorBody struct {
	Error struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Code    string  `json:"code"`
		Param   *string `json:"param"`
	} `json:"error"`
}

func decodeError(t testing.TB, body []byte) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" || e.Error.Type == "" || e.Error.Code == "" {
		t.Fatalf("not an OpenAI error body: %s (%v)", body, err)
	}
	return e
}

// events returns the audit records of a decision, oldest first, after
// flushing the log.
func (h *harness) events(decision string) ([]audit.Record, error) {
	h.t.Helper()
	h.flushAudit()
	return audit.Query(context.Background(), h.srv.DB, audit.Filter{Decision: decision, Limit: audit.MaxQueryLimit})
}

// waitEvents waits (up to 5 s) until the audit log holds at least n
// events of a decision: a handler records its event after the response,
// which the client may have stopped reading.
func (h *harness) waitEvents(decision string, n int) []audit.Record {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		recs, err := h.events(decision)
		if err != nil {
			h.t.Fatal(err)
		}
		if len(recs) >= n || time.Now().After(deadline) {
			return recs
		}
		time.Sleep(20 * time.Millisecond)
	}
}
