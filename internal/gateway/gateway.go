package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/envelope"
	"github.com/bulwark-security/bulwark/internal/guard"
	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/limit"
	"github.com/bulwark-security/bulwark/internal/provider"
	"github.com/bulwark-security/bulwark/internal/store"
)

// Recorder takes audit events; *audit.Log is one. Reserve takes room in
// the log before a request is served, so that a full log refuses the
// request (fail closed) instead of losing its event afterwards.
type Recorder interface {
	Reserve(ctx context.Context) (*audit.Slot, error)
	Record(ctx context.Context, ev audit.Event) error
}

// AuditReader serves the admin API's audit queries and verification.
type AuditReader interface {
	Query(ctx context.Context, f audit.Filter) ([]audit.Record, error)
	Verify(ctx context.Context) (audit.Report, error)
}

// Deps are the parts a Gateway is assembled from; internal/serve builds
// them from the configuration.
type Deps struct {
	Config       *Config
	Identity     *identity.Service
	Apps         apps.Store
	ProviderKeys provider.KeyStore
	Keyring      *envelope.Keyring
	// NewProvider builds a provider; provider.New when nil.
	NewProvider func(provider.Config) (provider.Provider, error)
	// Guards checks prompts and answers; nil runs no guard.
	Guards *guard.Engine
	// MFA enrolls users' second factors; nil serves no /v1/me/mfa routes
	// (identity.Options.SecondFactor is what logins check).
	MFA MFA
	// ExternalTokens verifies tokens of configured external issuers; nil
	// accepts the gateway's own tokens only.
	ExternalTokens ExternalTokens
	// Passkeys runs WebAuthn ceremonies; nil serves no passkey routes.
	Passkeys Passkeys
	// Roles decides routes, models and admin actions by role
	// (internal/rbac); required.
	Roles       Authorizer
	Rates       limit.RateLimiter
	Streams     limit.Concurrency
	Budget      limit.Budget
	Audit       Recorder
	AuditReader AuditReader // optional: the admin audit endpoints answer 501 without it
	Metrics     *Metrics    // optional: a fresh registry when nil
	Logger      *slog.Logger
	Now         func() time.Time
	// Env reads the environment (provider keys named by api_key_env);
	// os.Getenv when nil.
	Env func(string) string
	// Ready reports whether dependencies (the database, the audit log)
	// work; /readyz calls it.
	Ready func(ctx context.Context) error
}

// Gateway is the HTTP service.
type Gateway struct {
	cfg       *Config
	id        *identity.Service
	apps      *appCache
	appsDB    apps.Store
	keys      provider.KeyStore
	keyring   *envelope.Keyring
	newProv   func(provider.Config) (provider.Provider, error)
	guards    *guard.Engine
	guardBase guard.Policy // the built-in policy with the configuration's overrides
	dpop      *dpopStage
	mfa       MFA
	external  ExternalTokens
	rbac      Authorizer
	passkeys  Passkeys
	rates     limit.RateLimiter
	streams   limit.Concurrency
	budget    limit.Budget
	audit     Recorder
	auditRd   AuditReader
	metrics   *Metrics
	log       *slog.Logger
	now       func() time.Time
	env       func(string) string
	ready     func(ctx context.Context) error
	trusted   []netip.Prefix
	models    map[string]ModelConfig
	order     []string // model names in configuration order

	mu        sync.RWMutex
	providers map[string]provider.Provider
}

// New assembles a gateway and builds its providers with the keys found in
// the database (set by an admin, sealed) or the environment.
func New(ctx context.Context, d Deps) (*Gateway, error) {
	for _, dep := range []struct {
		name    string
		missing bool
	}{{"Config", d.Config == nil}, {"Identity", d.Identity == nil}, {"Apps", d.Apps == nil},
		{"ProviderKeys", d.ProviderKeys == nil}, {"Keyring", d.Keyring == nil}, {"Rates", d.Rates == nil},
		{"Streams", d.Streams == nil}, {"Budget", d.Budget == nil}, {"Audit", d.Audit == nil}, {"Roles", d.Roles == nil}} {
		if dep.missing {
			return nil, fmt.Errorf("gateway: missing dependency %s", dep.name)
		}
	}
	if d.NewProvider == nil {
		d.NewProvider = provider.New
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	if d.Env == nil {
		d.Env = getenv
	}
	if d.Ready == nil {
		d.Ready = func(context.Context) error { return nil }
	}
	g := &Gateway{cfg: d.Config, id: d.Identity, appsDB: d.Apps, keys: d.ProviderKeys, keyring: d.Keyring, newProv: d.NewProvider,
		guards: d.Guards, mfa: d.MFA, external: d.ExternalTokens, rbac: d.Roles, passkeys: d.Passkeys, guardBase: guard.DefaultPolicy().With(GuardRules(d.Config.Guards)),
		rates: d.Rates, streams: d.Streams, budget: d.Budget, audit: d.Audit, auditRd: d.AuditReader,
		metrics: d.Metrics, log: d.Logger, now: d.Now, env: d.Env, ready: d.Ready,
		apps:      newAppCache(d.Apps, 5*time.Second, d.Now),
		models:    map[string]ModelConfig{},
		providers: map[string]provider.Provider{}}
	var err error
	if g.dpop, err = newDPoPStage(d.Config, d.Now); err != nil {
		return nil, err
	}
	for _, p := range d.Config.Server.TrustedProxies {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("server.trusted_proxies: %w", err)
		}
		g.trusted = append(g.trusted, pfx)
	}
	for _, m := range d.Config.Models {
		g.models[m.Name] = m
		g.order = append(g.order, m.Name)
	}
	for _, pc := range d.Config.Providers {
		if err := g.buildProvider(ctx, pc); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// buildProvider (re)creates a provider with its current key.
func (g *Gateway) buildProvider(ctx context.Context, pc ProviderConfig) error {
	key, err := g.providerKey(ctx, pc)
	if err != nil {
		return err
	}
	p, err := g.newProv(pc.provider(key))
	if err != nil {
		return fmt.Errorf("provider %s: %w", pc.Name, err)
	}
	g.mu.Lock()
	g.providers[pc.Name] = p
	g.mu.Unlock()
	return nil
}

// providerKey finds a provider's API key: the sealed one set by an admin
// wins over the environment variable named in the configuration.
func (g *Gateway) providerKey(ctx context.Context, pc ProviderConfig) (string, error) {
	sealed, err := g.keys.ProviderKey(ctx, pc.Name)
	switch {
	case err == nil:
		key, err := g.keyring.Open(sealed, ProviderKeyAAD(pc.Name))
		if err != nil {
			return "", fmt.Errorf("provider %s: stored key: %w", pc.Name, err)
		}
		return string(key), nil
	case !errors.Is(err, store.ErrNotFound):
		return "", fmt.Errorf("provider %s: read stored key: %w", pc.Name, err)
	}
	if pc.APIKeyEnv != "" {
		return g.env(pc.APIKeyEnv), nil
	}
	return "", nil
}

// ProviderKeyAAD binds a sealed provider key to its provider, so that a
// sealed value copied to another provider's row does not open.
func ProviderKeyAAD(name string) string { return "provider-key:" + name }

func (g *Gateway) provider(name string) (provider.Provider, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	p, ok := g.providers[name]
	return p, ok
}

// Handler returns the HTTP handler: the routes, then the middleware chain
// every request passes, read from the inside out.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	// The API of mobile apps (OpenAI-compatible under /v1).
	mux.HandleFunc("POST /v1/auth/login", g.login)
	g.oauthRoutes(mux)
	mux.HandleFunc("POST /v1/auth/refresh", g.refresh)
	mux.HandleFunc("POST /v1/auth/mfa", g.completeMFA)
	mux.HandleFunc("POST /v1/auth/passkey/login/begin", g.passkeyLoginBegin)
	mux.HandleFunc("POST /v1/auth/passkey/login/finish", g.passkeyLoginFinish)
	mux.Handle("POST /v1/me/passkeys/register/begin", g.authenticated(identity.ScopeAI, g.passkeyRegisterBegin))
	mux.Handle("POST /v1/me/passkeys/register/finish", g.authenticated(identity.ScopeAI, g.passkeyRegisterFinish))
	mux.Handle("GET /v1/me/passkeys", g.authenticated(identity.ScopeAI, g.passkeyList))
	mux.Handle("DELETE /v1/me/passkeys/{id}", g.authenticated(identity.ScopeAI, g.passkeyRemove))
	mux.Handle("GET /v1/me/mfa", g.authenticated(identity.ScopeAI, g.mfaStatus))
	mux.Handle("POST /v1/me/mfa/totp", g.authenticated(identity.ScopeAI, g.mfaEnroll))
	mux.Handle("POST /v1/me/mfa/totp/confirm", g.authenticated(identity.ScopeAI, g.mfaConfirm))
	mux.Handle("POST /v1/me/mfa/recovery-codes", g.authenticated(identity.ScopeAI, g.mfaRecoveryCodes))
	mux.Handle("DELETE /v1/me/mfa", g.authenticated(identity.ScopeAI, g.mfaDisable))
	mux.HandleFunc("POST /v1/auth/revoke", g.revoke)
	mux.Handle("POST /v1/auth/logout", g.authenticated(identity.ScopeAI, g.logout))
	mux.Handle("POST /v1/chat/completions", g.authenticated(identity.ScopeAI, g.chatCompletions))
	mux.Handle("POST /v1/embeddings", g.authenticated(identity.ScopeAI, g.embeddings))
	mux.Handle("GET /v1/models", g.authenticated(identity.ScopeAI, g.listModels))
	mux.Handle("GET /v1/models/{model}", g.authenticated(identity.ScopeAI, g.getModel))
	mux.HandleFunc("GET /.well-known/jwks.json", g.jwks)
	// Administration.
	g.adminRoutes(mux)
	// Operations, unless they have a listener of their own.
	if g.cfg.Server.OpsAddr == "" {
		g.opsRoutes(mux)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, g.log, errNotFound("not_found", "no such endpoint"))
	})

	var h http.Handler = mux
	h = g.limitBody(g.cfg.Server.MaxBodyBytes, h)
	h = securityHeaders(h)
	h = logRequests(g.log, g.metrics.observeHTTP, h)
	h = recoverPanics(g.log, h)
	h = withRequestID(g.now, h)
	return h
}

// OpsHandler serves /healthz, /readyz and /metrics alone, for the
// server.ops_addr listener.
func (g *Gateway) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	g.opsRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, g.log, errNotFound("not_found", "no such endpoint"))
	})
	return securityHeaders(mux)
}

func (g *Gateway) opsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", g.readyz)
	mux.Handle("GET /metrics", g.metrics.Handler())
}

func (g *Gateway) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := g.ready(ctx); err != nil {
		g.log.Warn("not ready", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
