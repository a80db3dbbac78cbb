// Package serve runs `bulwark serve`: it provisions everything the gateway
// is made of from a validated configuration (database, master key,
// identity, limits, audit log, providers), serves HTTP (or HTTPS) with
// strict timeouts, and shuts down gracefully: in-flight requests finish,
// then every accepted audit event is flushed, then the database closes.
package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/envelope"
	"github.com/bulwark-security/bulwark/internal/extissuer"
	"github.com/bulwark-security/bulwark/internal/gateway"
	"github.com/bulwark-security/bulwark/internal/guard"
	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/limit"
	"github.com/bulwark-security/bulwark/internal/mfa"
	"github.com/bulwark-security/bulwark/internal/passkey"
	"github.com/bulwark-security/bulwark/internal/provider"
	"github.com/bulwark-security/bulwark/internal/rbac"
	"github.com/bulwark-security/bulwark/internal/store"
	"github.com/bulwark-security/bulwark/internal/store/sqlstore"
)

// Options are what Build needs beyond the configuration.
type Options struct {
	Logger *slog.Logger
	// Env reads the environment (master key, provider keys); os.Getenv
	// when nil.
	Env func(string) string
	Now func() time.Time
	// Argon2 overrides the password hashing cost (tests only).
	Argon2 identity.Argon2Params
	// NewProvider overrides how providers are built (tests only).
	NewProvider func(provider.Config) (provider.Provider, error)
	// HTTPClient fetches external issuers' discovery documents and keys;
	// extissuer's hardened default when nil.
	HTTPClient *http.Client
}

// Server is a provisioned gateway, ready to serve.
type Server struct {
	Config   *gateway.Config
	Gateway  *gateway.Gateway
	DB       *sqlstore.DB
	Identity *identity.Service
	Audit    *audit.Log
	Keyring  *envelope.Keyring
	log      *slog.Logger
	stop     context.CancelFunc // ends background work (ceremony sweeps)
}

// Build provisions a gateway from a validated configuration.
func Build(ctx context.Context, cfg *gateway.Config, opt Options) (srv *Server, err error) {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Env == nil {
		opt.Env = os.Getenv
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	log := opt.Logger
	ring, err := LoadMasterKey(cfg.Secrets, opt.Env)
	if err != nil {
		return nil, err
	}
	if cfg.Storage.Driver == string(sqlstore.SQLite) {
		if err := ensureFile(cfg.Storage.DSN); err != nil {
			return nil, err
		}
	}
	db, err := sqlstore.Open(ctx, sqlstore.Driver(cfg.Storage.Driver), cfg.Storage.DSN)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	var closers []func()
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				closers[i]()
			}
			db.Close()
		}
	}()

	rates := limit.NewMemoryRates(limit.RatesOptions{Now: opt.Now})
	a := cfg.Auth
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	roleModel, err := rbac.New(ctx, rbac.Config{Roles: cfg.Roles}, db, rbac.Options{Now: now})
	if err != nil {
		return nil, fmt.Errorf("roles: %w", err)
	}
	mfaSvc, err := mfa.New(mfaStore(db), ring, mfa.Options{Issuer: "Bulwark", Now: opt.Now})
	if err != nil {
		return nil, fmt.Errorf("mfa: %w", err)
	}
	id, err := identity.New(ctx, db, ring, identity.Options{
		SecondFactor: secondFactor{mfaSvc}, Roles: roles{roleModel, now},
		Issuer: a.Issuer, Audience: a.Audience, AccessTTL: a.AccessTokenTTL, RefreshTTL: a.RefreshTokenTTL,
		Alg: a.SigningAlg, RotateKeys: a.KeyRotation, Argon2: opt.Argon2, Now: opt.Now, Logger: log,
		AccountLimiter: loginLimiter{rates, rateOf(a.LoginPerAccount)},
		IPLimiter:      loginLimiter{rates, rateOf(a.LoginPerIP)},
	})
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if err := syncApps(ctx, db, cfg, opt.Now()); err != nil {
		return nil, err
	}

	signer, err := audit.LoadOrCreateSigner(ctx, db, ring)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	metrics := gateway.NewMetrics()
	onFull := audit.Block
	if cfg.Audit.OnFull == "reject" {
		onFull = audit.Reject
	}
	alog, err := audit.Open(ctx, db, audit.Options{
		QueueSize: cfg.Audit.QueueSize, OnFull: onFull, BlockTimeout: cfg.Audit.BlockTimeout,
		CheckpointEvery: cfg.Audit.CheckpointEvery, FlushInterval: cfg.Audit.FlushInterval, Signer: signer, Logger: log, Now: opt.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	closers = append(closers, func() { _ = alog.Close(context.Background()) })
	metrics.Registry().MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "bulwark_audit_queue_depth",
		Help: "Audit events accepted and not yet written."}, func() float64 { return float64(alog.QueueDepth()) }))

	var external gateway.ExternalTokens
	if iss := cfg.Auth.ExternalIssuers; len(iss) > 0 {
		v, err := extissuer.New(extissuer.Config{Issuers: iss}, extissuer.Options{HTTPClient: opt.HTTPClient, Now: opt.Now, Logger: log})
		if err != nil {
			return nil, err
		}
		// Fetch the keys now, so that the first calls do not wait; a
		// provider that is down does not stop the gateway (its tokens are
		// refused, 503, until it answers).
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := v.Warm(wctx); err != nil {
			log.Warn("external issuers: keys not fetched at start", "err", err)
		}
		cancel()
		external = v
	}
	var passkeys gateway.Passkeys
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	go reloadRoles(bg, roleModel, log)
	if pk := cfg.Passkeys; pk.RPID != "" {
		svc, err := passkey.New(passkey.Config{RPID: pk.RPID, RPName: pk.RPName, Origins: pk.Origins, AndroidOrigins: pk.AndroidOrigins,
			Attestation: pk.Attestation, CeremonyTTL: pk.CeremonyTTL, MaxCredentials: pk.MaxCredentials, Now: opt.Now, Logger: log},
			passkeyStore(db), passkeyStore(db))
		if err != nil {
			stop()
			return nil, err
		}
		go sweepCeremonies(bg, svc, log)
		passkeys = svc
	}
	gw, err := gateway.New(ctx, gateway.Deps{
		ExternalTokens: external, Roles: roleModel, Passkeys: passkeys,
		Config: cfg, Identity: id, Apps: db, ProviderKeys: db, Keyring: ring, NewProvider: opt.NewProvider,
		Guards: guard.NewEngine(guard.Builtin()), MFA: mfaSvc,
		Rates: rates, Streams: limit.NewMemoryConcurrency(), Budget: limit.NewMemoryBudget(limit.BudgetOptions{Now: opt.Now}),
		Audit: alog, AuditReader: auditReader{db: db, ring: ring}, Metrics: metrics, Logger: log, Now: opt.Now, Env: opt.Env,
		Ready: func(ctx context.Context) error { return db.Ping(ctx) },
	})
	if err != nil {
		stop()
		return nil, err
	}
	return &Server{Config: cfg, Gateway: gw, DB: db, Identity: id, Audit: alog, Keyring: ring, log: log, stop: stop}, nil
}

// Close flushes the audit log and closes the database.
func (s *Server) Close(ctx context.Context) error {
	s.stop()
	errA := s.Audit.Close(ctx)
	errD := s.DB.Close()
	return errors.Join(errA, errD)
}

// Handler returns the gateway's HTTP handler.
func (s *Server) Handler() http.Handler { return s.Gateway.Handler() }

// Serve listens on the configured address and serves until ctx ends,
// then shuts down gracefully and closes the server. ready, when not nil,
// is called with the listening address once connections are accepted.
func (s *Server) Serve(ctx context.Context, ready func(addr string)) error {
	c := s.Config.Server
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		ReadTimeout:       c.ReadTimeout,
		IdleTimeout:       c.IdleTimeout,
		// No WriteTimeout: streams last minutes. Each handler bounds its
		// own time (request_timeout, stream_timeout, per-write deadlines).
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if c.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("server.tls_cert_file: %w", err)
		}
		hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(ln) }()
	var ops *http.Server
	if c.OpsAddr != "" {
		oln, err := net.Listen("tcp", c.OpsAddr)
		if err != nil {
			_ = hs.Close()
			return fmt.Errorf("listen server.ops_addr: %w", err)
		}
		ops = &http.Server{Handler: s.Gateway.OpsHandler(), ReadHeaderTimeout: c.ReadHeaderTimeout, ReadTimeout: c.ReadTimeout,
			WriteTimeout: 30 * time.Second, IdleTimeout: c.IdleTimeout, MaxHeaderBytes: 16 << 10,
			ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
		go func() { errc <- ops.Serve(oln) }()
		s.log.Info("serving operations", "addr", oln.Addr().String())
	}
	s.log.Info("serving", "addr", ln.Addr().String(), "tls", c.TLSCertFile != "")
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		_ = hs.Close()
		if ops != nil {
			_ = ops.Close()
		}
		_ = s.Close(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	if ops != nil {
		defer ops.Close()
	}
	s.log.Info("shutting down", "timeout", c.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	shutdownErr := hs.Shutdown(sctx)
	if shutdownErr != nil {
		// Streams still open after the grace period are cut; their events
		// are recorded as cancelled before the log closes.
		_ = hs.Close()
		s.log.Warn("connections cut at shutdown", "err", shutdownErr)
	}
	fctx, fcancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer fcancel()
	if err := s.Close(fctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	s.log.Info("stopped")
	return nil
}

// LoadMasterKey reads the master key from the file or the environment
// variable the configuration names.
func LoadMasterKey(c gateway.SecretsConfig, env func(string) string) (*envelope.Keyring, error) {
	var key []byte
	var err error
	switch {
	case c.MasterKeyFile != "":
		key, err = envelope.LoadKeyFile(c.MasterKeyFile)
		if err != nil {
			return nil, fmt.Errorf("secrets.master_key_file: %w", err)
		}
	default:
		v := env(c.MasterKeyEnv)
		if v == "" {
			return nil, fmt.Errorf("secrets: no master key: set %s (32 bytes, base64 or hex) or secrets.master_key_file; "+
				"`bulwark admin genkey FILE` writes one", c.MasterKeyEnv)
		}
		key, err = envelope.ParseKey(v)
		if err != nil {
			return nil, fmt.Errorf("secrets: %s: %w", c.MasterKeyEnv, err)
		}
	}
	return envelope.New(key)
}

// syncApps creates or updates the apps declared in the configuration and
// the admin app.
func syncApps(ctx context.Context, st apps.Store, cfg *gateway.Config, now time.Time) error {
	declared := append([]gateway.AppConfig{{ID: gateway.AdminApp, Name: "Bulwark administration", Models: []string{}}}, cfg.Apps...)
	for _, ac := range declared {
		a := apps.App{ID: ac.ID, Name: ac.Name, Models: ac.Models, Routes: ac.Routes, Guards: ac.Guards, RouteGuards: ac.RouteGuards, Limits: ac.Limits, KeepText: ac.KeepText, RequireDPoP: ac.RequireDPoP, RequireMFA: ac.RequireMFA, RedirectURIs: ac.RedirectURIs, CreatedAt: now, UpdatedAt: now}
		if a.Name == "" {
			a.Name = a.ID
		}
		if a.Models == nil {
			a.Models = []string{}
		}
		if old, err := st.App(ctx, ac.ID); err == nil {
			if ac.ID == gateway.AdminApp {
				continue
			}
			a.CreatedAt = old.CreatedAt
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("apps: %w", err)
		}
		if err := st.PutApp(ctx, a); err != nil {
			return fmt.Errorf("apps[%s]: %w", ac.ID, err)
		}
	}
	return nil
}

// ensureFile creates a SQLite database file's directory (0700) and the
// file itself (0600) if they do not exist: SQLite would create the file
// readable by everyone, and its -wal and -shm files take its mode.
func ensureFile(dsn string) error {
	if strings.HasPrefix(dsn, "file:") {
		return nil
	}
	if dir := filepath.Dir(dsn); dir != "." {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("storage.dsn: %w", err)
		}
	}
	f, err := os.OpenFile(dsn, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("storage.dsn: %w", err)
	}
	return f.Close()
}

// loginLimiter adapts the gateway's rate limiter to identity's throttle.
type loginLimiter struct {
	rates limit.RateLimiter
	rate  limit.Rate
}

func (l loginLimiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	d, err := l.rates.Allow(ctx, key, l.rate)
	return d.Allowed, d.RetryAfter, err
}

func rateOf(r gateway.RateConfig) limit.Rate {
	return limit.Rate{Limit: r.Limit, Per: r.Per, Burst: r.Burst}
}

// auditReader serves the admin API's audit endpoints from the database;
// verification uses the public keys derived from the sealed private keys.
type auditReader struct {
	db   *sqlstore.DB
	ring *envelope.Keyring
}

func (a auditReader) Query(ctx context.Context, f audit.Filter) ([]audit.Record, error) {
	return audit.Query(ctx, a.db, f)
}

func (a auditReader) Verify(ctx context.Context) (audit.Report, error) {
	keys, err := audit.PublicKeys(ctx, a.db, a.ring)
	if err != nil {
		return audit.Report{}, err
	}
	rep, err := audit.Verify(ctx, a.db, keys, audit.VerifyOptions{})
	if errors.Is(err, audit.ErrTampered) {
		return rep, nil // the report says what is wrong
	}
	return rep, err
}

// CreateUser creates a user directly in the configured database, with an
// audit event naming the command line as its actor: how the first
// administrator of a new deployment is made.
func CreateUser(ctx context.Context, cfg *gateway.Config, opt Options, username, password, role string) (identity.User, error) {
	srv, err := Build(ctx, cfg, opt)
	if err != nil {
		return identity.User{}, err
	}
	u, err := srv.Identity.CreateUser(ctx, username, password, role)
	if err == nil {
		err = srv.Audit.Record(ctx, audit.Event{Time: time.Now().UTC(), Decision: audit.DecisionAdmin, Reason: "create_user",
			Actor: "cli", Target: "user:" + u.ID, Status: 201})
	}
	return u, errors.Join(err, srv.Close(ctx))
}

// RotateMasterKey re-seals every stored secret (provider keys, token
// signing keys, audit keys) from the configured master key to next, in one
// transaction, and returns how many it re-sealed. The configuration must
// then name the new key.
func RotateMasterKey(ctx context.Context, cfg *gateway.Config, env func(string) string, next *envelope.Keyring) (int, error) {
	old, err := LoadMasterKey(cfg.Secrets, env)
	if err != nil {
		return 0, err
	}
	if old.KeyID() == next.KeyID() {
		return 0, errors.New("the new master key is the current one")
	}
	db, err := sqlstore.Open(ctx, sqlstore.Driver(cfg.Storage.Driver), cfg.Storage.DSN)
	if err != nil {
		return 0, fmt.Errorf("storage: %w", err)
	}
	defer db.Close()
	return db.RewrapSecrets(ctx, func(kind, key string, sealed []byte) ([]byte, error) {
		var aad string
		switch kind {
		case sqlstore.SecretProviderKey:
			aad = gateway.ProviderKeyAAD(key)
		case sqlstore.SecretSigningKey:
			aad = identity.SigningKeyAAD(key)
		case sqlstore.SecretAuditKey:
			aad = audit.KeyAAD(key)
		default:
			return nil, fmt.Errorf("unknown secret kind %q", kind)
		}
		return next.Rewrap(old, sealed, aad)
	})
}
