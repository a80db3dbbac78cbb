package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/dpop"
	"github.com/bulwark-security/bulwark/internal/extissuer"
	"github.com/bulwark-security/bulwark/internal/guard"
	"github.com/bulwark-security/bulwark/internal/passkey"
	"github.com/bulwark-security/bulwark/internal/provider"
	"github.com/bulwark-security/bulwark/internal/rbac"
)

// Config is the gateway configuration (bulwark.yaml). It is decoded
// strictly (unknown keys are errors), then BULWARK_* environment variables
// override scalar fields, then defaults fill what is unset, then Validate
// checks everything and names the field of each problem. docs/configuration.md
// documents every key.
type Config struct {
	Server    ServerConfig     `yaml:"server"`
	Storage   StorageConfig    `yaml:"storage"`
	Secrets   SecretsConfig    `yaml:"secrets"`
	Auth      AuthConfig       `yaml:"auth"`
	Providers []ProviderConfig `yaml:"providers"`
	Models    []ModelConfig    `yaml:"models"`
	Limits    LimitsConfig     `yaml:"limits"`
	// Guards override the built-in guard policy for every app (see
	// internal/guard and docs/guards.md), by guard name.
	Guards map[string]apps.GuardRule `yaml:"guards"`
	// RouteGuards override Guards on one AI route ("chat", "embeddings").
	RouteGuards map[string]map[string]apps.GuardRule `yaml:"route_guards"`
	Apps        []AppConfig                          `yaml:"apps"`
	// Passkeys enables WebAuthn passkeys for the app's relying party
	// (internal/passkey); off without an rp_id.
	Passkeys PasskeyConfig `yaml:"passkeys"`
	// Roles declares roles beyond the built-in user and admin: routes,
	// models, admin actions and step-ups they allow (internal/rbac).
	Roles []rbac.Role `yaml:"roles"`
	Audit AuditConfig `yaml:"audit"`
	Log   LogConfig   `yaml:"log"`
}

// ServerConfig is the HTTP server.
type ServerConfig struct {
	Addr              string        `yaml:"addr"`
	PublicURL         string        `yaml:"public_url"`
	TLSCertFile       string        `yaml:"tls_cert_file"`
	TLSKeyFile        string        `yaml:"tls_key_file"`
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	// RequestTimeout bounds a whole non-streaming request, upstream included.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// StreamTimeout bounds a whole streaming response.
	StreamTimeout   time.Duration `yaml:"stream_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	MaxBodyBytes    int64         `yaml:"max_body_bytes"`
	// TrustedProxies are CIDRs whose X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// OpsAddr, when set, serves /healthz, /readyz and /metrics on a
	// listener of their own (plain HTTP), and not on Addr.
	OpsAddr string `yaml:"ops_addr"`
}

// StorageConfig selects the database.
type StorageConfig struct {
	Driver string `yaml:"driver"` // sqlite or postgres
	DSN    string `yaml:"dsn"`    // a file path for sqlite, a URL for postgres
}

// SecretsConfig says where the master key is.
type SecretsConfig struct {
	MasterKeyFile string `yaml:"master_key_file"`
	MasterKeyEnv  string `yaml:"master_key_env"`
}

// AuthConfig configures tokens and login throttling.
type AuthConfig struct {
	Issuer          string        `yaml:"issuer"`
	Audience        string        `yaml:"audience"`
	SigningAlg      string        `yaml:"signing_alg"`
	AccessTokenTTL  time.Duration `yaml:"access_token_ttl"`
	RefreshTokenTTL time.Duration `yaml:"refresh_token_ttl"`
	KeyRotation     time.Duration `yaml:"key_rotation"`
	LoginPerAccount RateConfig    `yaml:"login_per_account"`
	LoginPerIP      RateConfig    `yaml:"login_per_ip"`
	DPoP            DPoPConfig    `yaml:"dpop"`
	// AdminMFA is "required" (administrators' tokens work on the admin
	// API only after a login with a second factor) or "optional".
	AdminMFA string `yaml:"admin_mfa"`
	// ExternalIssuers are OIDC providers (Auth0, Firebase Auth, Cognito,
	// Keycloak…) whose access tokens the AI routes accept as well.
	ExternalIssuers []extissuer.IssuerConfig `yaml:"external_issuers"`
}

// PasskeyConfig configures passkeys (WebAuthn). Android and iOS passkeys
// are credentials of this relying party.
type PasskeyConfig struct {
	RPID           string        `yaml:"rp_id"`
	RPName         string        `yaml:"rp_name"`
	Origins        []string      `yaml:"origins"`
	AndroidOrigins []string      `yaml:"android_origins"`
	Attestation    string        `yaml:"attestation"`
	CeremonyTTL    time.Duration `yaml:"ceremony_ttl"`
	MaxCredentials int           `yaml:"max_credentials"`
}

// DPoPConfig configures DPoP proofs (RFC 9449): tokens bound to a key the
// app holds, so that a stolen token is useless without it.
type DPoPConfig struct {
	// Algorithms are the proof signature algorithms accepted.
	Algorithms []string `yaml:"algorithms"`
	// Window is how far a proof's iat may be from now, either way; proofs
	// are remembered this long to refuse replays.
	Window time.Duration `yaml:"window"`
	// Nonces makes the login and refresh endpoints require a server nonce
	// (DPoP-Nonce) in proofs, which bounds how long a proof made in
	// advance stays usable.
	Nonces bool `yaml:"nonces"`
}

// RateConfig is a token bucket: Limit events per Per, up to Burst at once.
type RateConfig struct {
	Limit int           `yaml:"limit"`
	Per   time.Duration `yaml:"per"`
	Burst int           `yaml:"burst"`
}

// ProviderConfig is an upstream AI provider. Its URL comes only from here.
type ProviderConfig struct {
	Name      string `yaml:"name"`
	Type      string `yaml:"type"` // openai, anthropic, demo
	BaseURL   string `yaml:"base_url"`
	AuthStyle string `yaml:"auth_style"` // bearer, api-key, none (openai type)
	// APIKeyEnv names an environment variable holding the key. Keys can
	// also be set with the admin API, stored sealed in the database.
	APIKeyEnv         string            `yaml:"api_key_env"`
	Headers           map[string]string `yaml:"headers"`
	Query             map[string]string `yaml:"query"`
	Timeout           time.Duration     `yaml:"timeout"`
	ConnectTimeout    time.Duration     `yaml:"connect_timeout"`
	StreamIdleTimeout time.Duration     `yaml:"stream_idle_timeout"`
	MaxRetries        int               `yaml:"max_retries"`
	// DefaultMaxTokens is sent to providers that require max_tokens
	// (Anthropic) when the gateway has no other value.
	DefaultMaxTokens int `yaml:"default_max_tokens"`
	// AnthropicVersion is the anthropic-version header (anthropic type).
	AnthropicVersion string `yaml:"anthropic_version"`
	// ChunkDelay paces the demo provider's streams.
	ChunkDelay time.Duration `yaml:"chunk_delay"`
}

// provider is the provider package's view of this configuration.
func (p ProviderConfig) provider(apiKey string) provider.Config {
	return provider.Config{Name: p.Name, Type: p.Type, BaseURL: p.BaseURL, AuthStyle: p.AuthStyle, APIKey: apiKey,
		Headers: p.Headers, Query: p.Query, Timeout: p.Timeout, ConnectTimeout: p.ConnectTimeout,
		StreamIdleTimeout: p.StreamIdleTimeout, MaxRetries: p.MaxRetries, DefaultMaxTokens: p.DefaultMaxTokens,
		AnthropicVersion: p.AnthropicVersion, ChunkDelay: p.ChunkDelay}
}

// ModelConfig maps a model name apps use to a provider's model.
type ModelConfig struct {
	Name     string       `yaml:"name"`
	Kind     string       `yaml:"kind"` // chat or embeddings
	Provider string       `yaml:"provider"`
	Upstream string       `yaml:"upstream"`
	Fallback *ModelTarget `yaml:"fallback"`
	// MaxTokens caps max_tokens for this model (for models whose output
	// limit is below the app's cap).
	MaxTokens int `yaml:"max_tokens"`
	// MaxTokensParam is the request field the upstream model takes for
	// the completion cap: max_tokens (default) or max_completion_tokens
	// (OpenAI reasoning models).
	MaxTokensParam string `yaml:"max_tokens_param"`
}

// ModelTarget is a provider model.
type ModelTarget struct {
	Provider string `yaml:"provider"`
	Upstream string `yaml:"upstream"`
}

// LimitsConfig holds the default limits of every app.
type LimitsConfig struct {
	User   apps.ScopeLimits `yaml:"user"`
	Device apps.ScopeLimits `yaml:"device"`
	App    apps.ScopeLimits `yaml:"app"`
	// MaxTokens caps max_tokens of a request (and is assumed when a
	// request names none, to reserve budget).
	MaxTokens int `yaml:"max_tokens"`
}

// AppConfig declares an app at start (created or updated).
type AppConfig struct {
	ID     string   `yaml:"id"`
	Name   string   `yaml:"name"`
	Models []string `yaml:"models"`
	Routes []string `yaml:"routes"`
	// Guards override the gateway's guards for this app.
	Guards map[string]apps.GuardRule `yaml:"guards"`
	// RouteGuards override the app's guards on one AI route.
	RouteGuards map[string]map[string]apps.GuardRule `yaml:"route_guards"`
	Limits      *apps.Limits                         `yaml:"limits"`
	KeepText    bool                                 `yaml:"keep_text"`
	// RequireDPoP makes the app's tokens DPoP-bound, always.
	RequireDPoP bool `yaml:"require_dpop"`
	// RequireMFA makes the app's users log in with a second factor.
	RequireMFA bool `yaml:"require_mfa"`
	// RedirectURIs enable the OAuth 2.0 authorization-code flow for the
	// app, with these exact redirect URIs.
	RedirectURIs []string `yaml:"redirect_uris"`
}

// AuditConfig configures the event log.
type AuditConfig struct {
	QueueSize       int           `yaml:"queue_size"`
	OnFull          string        `yaml:"on_full"` // block or reject
	BlockTimeout    time.Duration `yaml:"block_timeout"`
	CheckpointEvery int           `yaml:"checkpoint_every"`
	// FlushInterval is how long the writer waits for a batch to fill:
	// fewer, larger transactions under load, events that much later in
	// the database.
	FlushInterval time.Duration `yaml:"flush_interval"`
}

// LogConfig configures logs.
type LogConfig struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // json or text
}

// LoadConfig reads a configuration file, applies environment overrides,
// then the caller's overrides (command-line flags), then defaults, and
// validates the result.
func LoadConfig(path string, env func(string) string, overrides ...func(*Config)) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := ParseConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.ApplyEnv(env); err != nil {
		return nil, err
	}
	for _, o := range overrides {
		o(c)
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// ParseConfig decodes YAML strictly.
func ParseConfig(r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return nil, err
	}
	var c Config
	if len(bytes.TrimSpace(data)) == 0 {
		return &c, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return &c, nil
}

// EnvPrefix starts every environment override: BULWARK_SERVER_ADDR sets
// server.addr, BULWARK_STORAGE_DSN sets storage.dsn, and so on for every
// scalar field (lists and maps are set in the file only).
const EnvPrefix = "BULWARK_"

// ApplyEnv overrides scalar fields from the environment.
func (c *Config) ApplyEnv(env func(string) string) error {
	if env == nil {
		return nil
	}
	return applyEnv(reflect.ValueOf(c).Elem(), EnvPrefix, "", env)
}

func applyEnv(v reflect.Value, prefix, path string, env func(string) string) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		name := prefix + strings.ToUpper(tag)
		field := path + tag
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && fv.Type() != reflect.TypeOf(time.Duration(0)) {
			if err := applyEnv(fv, name+"_", field+".", env); err != nil {
				return err
			}
			continue
		}
		val := env(name)
		if val == "" {
			continue
		}
		if err := setScalar(fv, val); err != nil {
			return fmt.Errorf("%s (from %s): %w", field, name, err)
		}
	}
	return nil
}

func setScalar(v reflect.Value, s string) error {
	switch {
	case v.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return err
		}
		v.SetInt(n)
	}
	return nil
}

// SetDefaults fills unset fields. It is separate from Validate, which has
// no side effects.
func (c *Config) SetDefaults() {
	s := &c.Server
	def(&s.Addr, "127.0.0.1:8080")
	if s.PublicURL == "" {
		scheme := "http"
		if s.TLSCertFile != "" {
			scheme = "https"
		}
		s.PublicURL = scheme + "://" + s.Addr
	}
	defDur(&s.ReadHeaderTimeout, 5*time.Second)
	defDur(&s.ReadTimeout, 30*time.Second)
	defDur(&s.IdleTimeout, 120*time.Second)
	defDur(&s.RequestTimeout, 120*time.Second)
	defDur(&s.StreamTimeout, 10*time.Minute)
	defDur(&s.ShutdownTimeout, 30*time.Second)
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = 1 << 20
	}
	def(&c.Storage.Driver, "sqlite")
	def(&c.Storage.DSN, "bulwark-data/bulwark.db")
	if c.Secrets.MasterKeyFile == "" && c.Secrets.MasterKeyEnv == "" {
		c.Secrets.MasterKeyEnv = "BULWARK_MASTER_KEY"
	}
	a := &c.Auth
	def(&a.Issuer, strings.TrimSuffix(c.Server.PublicURL, "/"))
	def(&a.Audience, "bulwark")
	def(&a.SigningAlg, "ES256")
	defDur(&a.AccessTokenTTL, 10*time.Minute)
	defDur(&a.RefreshTokenTTL, 30*24*time.Hour)
	defDur(&a.KeyRotation, 24*time.Hour)
	if len(a.DPoP.Algorithms) == 0 {
		a.DPoP.Algorithms = append([]string(nil), dpop.DefaultAlgorithms...)
	}
	defDur(&a.DPoP.Window, dpop.DefaultWindow)
	def(&a.AdminMFA, AdminMFARequired)
	if c.Passkeys.RPID != "" {
		def(&c.Passkeys.RPName, "Bulwark")
	}
	if a.LoginPerAccount.Limit == 0 {
		a.LoginPerAccount = RateConfig{Limit: 10, Per: time.Minute, Burst: 5}
	}
	if a.LoginPerIP.Limit == 0 {
		a.LoginPerIP = RateConfig{Limit: 30, Per: time.Minute, Burst: 20}
	}
	for i := range c.Providers {
		p := &c.Providers[i]
		def(&p.AuthStyle, map[string]string{"openai": "bearer", "anthropic": "x-api-key", "demo": "none"}[p.Type])
		defDur(&p.Timeout, 60*time.Second)
		defDur(&p.ConnectTimeout, 10*time.Second)
		defDur(&p.StreamIdleTimeout, 60*time.Second)
		if p.MaxRetries == 0 {
			p.MaxRetries = 2
		}
		if p.DefaultMaxTokens == 0 {
			p.DefaultMaxTokens = 1024
		}
	}
	for i := range c.Models {
		def(&c.Models[i].Kind, "chat")
	}
	if c.Limits.MaxTokens == 0 {
		c.Limits.MaxTokens = 4096
	}
	if c.Audit.QueueSize == 0 {
		c.Audit.QueueSize = 8192
	}
	def(&c.Audit.OnFull, "block")
	defDur(&c.Audit.BlockTimeout, 2*time.Second)
	if c.Audit.CheckpointEvery == 0 {
		c.Audit.CheckpointEvery = 1000
	}
	defDur(&c.Audit.FlushInterval, 10*time.Millisecond)
	def(&c.Log.Level, "info")
	def(&c.Log.Format, "json")
}

func def(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

func defDur(p *time.Duration, v time.Duration) {
	if *p == 0 {
		*p = v
	}
}

// Validate checks the configuration. Every error names its field.
func (c *Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.Server.Addr); err != nil {
		bad("server.addr", "want host:port (%v)", err)
	}
	if u, err := url.Parse(c.Server.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("server.public_url", "want an http(s) URL")
	}
	if c.Server.OpsAddr != "" {
		if _, _, err := net.SplitHostPort(c.Server.OpsAddr); err != nil {
			bad("server.ops_addr", "want host:port (%v)", err)
		} else if c.Server.OpsAddr == c.Server.Addr {
			bad("server.ops_addr", "must differ from server.addr")
		}
	}
	if (c.Server.TLSCertFile == "") != (c.Server.TLSKeyFile == "") {
		bad("server.tls_cert_file", "tls_cert_file and tls_key_file go together")
	}
	if c.Server.MaxBodyBytes < 1024 || c.Server.MaxBodyBytes > 64<<20 {
		bad("server.max_body_bytes", "%d is outside 1 KiB to 64 MiB", c.Server.MaxBodyBytes)
	}
	for i, p := range c.Server.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			bad(fmt.Sprintf("server.trusted_proxies[%d]", i), "want a CIDR such as 10.0.0.0/8")
		}
	}
	switch c.Storage.Driver {
	case "sqlite", "postgres":
	default:
		bad("storage.driver", "%q: want sqlite or postgres", c.Storage.Driver)
	}
	if c.Storage.DSN == "" {
		bad("storage.dsn", "empty")
	}
	if c.Secrets.MasterKeyFile != "" && c.Secrets.MasterKeyEnv != "" {
		bad("secrets", "set master_key_file or master_key_env, not both")
	}
	a := c.Auth
	if a.SigningAlg != "ES256" && a.SigningAlg != "EdDSA" {
		bad("auth.signing_alg", "%q: want ES256 or EdDSA", a.SigningAlg)
	}
	if a.AccessTokenTTL <= 0 || a.AccessTokenTTL > 15*time.Minute {
		bad("auth.access_token_ttl", "%s: want at most 15m", a.AccessTokenTTL)
	}
	if a.RefreshTokenTTL < a.AccessTokenTTL {
		bad("auth.refresh_token_ttl", "shorter than the access token lifetime")
	}
	if a.KeyRotation < time.Hour {
		bad("auth.key_rotation", "%s: want at least 1h", a.KeyRotation)
	}
	if pk := c.Passkeys; pk.RPID != "" {
		if err := (passkey.Config{RPID: pk.RPID, RPName: pk.RPName, Origins: pk.Origins, AndroidOrigins: pk.AndroidOrigins,
			Attestation: pk.Attestation, CeremonyTTL: pk.CeremonyTTL, MaxCredentials: pk.MaxCredentials}).Validate(); err != nil {
			bad("passkeys", "%s", strings.TrimPrefix(err.Error(), "passkey: "))
		}
	}
	if len(c.Roles) > 0 {
		for _, fe := range rbac.FieldErrors(rbac.Config{Roles: c.Roles}.Validate()) {
			bad(fe.Field, "%s", fe.Problem)
		}
	}
	if len(a.ExternalIssuers) > 0 {
		ext := extissuer.Config{Issuers: a.ExternalIssuers}.WithDefaults()
		if err := ext.Validate(); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				bad("auth.external_issuers", "%s", strings.TrimPrefix(strings.TrimPrefix(line, "external issuers: "), "issuers"))
			}
		}
		for i, ic := range ext.Issuers {
			if strings.TrimSuffix(ic.Issuer, "/") == strings.TrimSuffix(a.Issuer, "/") {
				bad(fmt.Sprintf("auth.external_issuers[%d].issuer", i), "is the gateway's own issuer")
			}
		}
	}
	if a.AdminMFA != AdminMFARequired && a.AdminMFA != AdminMFAOptional {
		bad("auth.admin_mfa", "%q: want required or optional", a.AdminMFA)
	}
	if _, err := dpop.NewVerifier(dpop.Options{Replay: dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{}), Algorithms: a.DPoP.Algorithms, Window: a.DPoP.Window}); err != nil {
		bad("auth.dpop", "%v", strings.TrimPrefix(err.Error(), "dpop: "))
	}
	for _, r := range []struct {
		field string
		rate  RateConfig
	}{{"auth.login_per_account", a.LoginPerAccount}, {"auth.login_per_ip", a.LoginPerIP}} {
		if r.rate.Limit <= 0 || r.rate.Per <= 0 || r.rate.Burst < 0 {
			bad(r.field, "limit and per must be positive, burst not negative")
		}
	}
	providers := map[string]ProviderConfig{}
	for i, p := range c.Providers {
		f := fmt.Sprintf("providers[%d]", i)
		if p.Name == "" {
			bad(f+".name", "empty")
		}
		if _, dup := providers[p.Name]; dup {
			bad(f+".name", "%q is declared twice", p.Name)
		}
		providers[p.Name] = p
		switch p.Type {
		case "openai", "anthropic":
			if err := checkUpstreamURL(p.BaseURL); err != nil {
				bad(f+".base_url", "%v", err)
			}
		case "demo":
		default:
			bad(f+".type", "%q: want openai, anthropic or demo", p.Type)
		}
		if p.Type == "openai" && !slices.Contains([]string{"bearer", "api-key", "none"}, p.AuthStyle) {
			bad(f+".auth_style", "%q: want bearer, api-key or none", p.AuthStyle)
		}
		if p.MaxRetries < 0 || p.MaxRetries > 5 {
			bad(f+".max_retries", "want 0 to 5")
		}
	}
	models := map[string]bool{}
	for i, m := range c.Models {
		f := fmt.Sprintf("models[%d]", i)
		if m.Name == "" {
			bad(f+".name", "empty")
		}
		if models[m.Name] {
			bad(f+".name", "%q is declared twice", m.Name)
		}
		models[m.Name] = true
		if m.Kind != "chat" && m.Kind != "embeddings" {
			bad(f+".kind", "%q: want chat or embeddings", m.Kind)
		}
		if _, ok := providers[m.Provider]; !ok {
			bad(f+".provider", "%q is not a declared provider", m.Provider)
		}
		if m.Upstream == "" {
			bad(f+".upstream", "empty")
		}
		if m.MaxTokens < 0 {
			bad(f+".max_tokens", "cannot be negative")
		}
		if m.MaxTokensParam != "" && m.MaxTokensParam != "max_tokens" && m.MaxTokensParam != "max_completion_tokens" {
			bad(f+".max_tokens_param", "%q: want max_tokens or max_completion_tokens", m.MaxTokensParam)
		}
		if m.Fallback != nil {
			if _, ok := providers[m.Fallback.Provider]; !ok {
				bad(f+".fallback.provider", "%q is not a declared provider", m.Fallback.Provider)
			}
			if m.Fallback.Upstream == "" {
				bad(f+".fallback.upstream", "empty")
			}
		}
	}
	if c.Limits.MaxTokens <= 0 {
		bad("limits.max_tokens", "must be positive")
	}
	for _, l := range []struct {
		field  string
		limits apps.ScopeLimits
	}{{"limits.user", c.Limits.User}, {"limits.device", c.Limits.Device}, {"limits.app", c.Limits.App}} {
		if err := l.limits.Validate(); err != nil {
			bad(l.field, "%v", err)
		}
	}
	appIDs := map[string]bool{}
	for i, a := range c.Apps {
		f := fmt.Sprintf("apps[%d]", i)
		if err := apps.ValidateID(a.ID); err != nil {
			bad(f+".id", "%v", err)
		}
		if appIDs[a.ID] {
			bad(f+".id", "%q is declared twice", a.ID)
		}
		appIDs[a.ID] = true
		for j, m := range a.Models {
			if m != "*" && !models[m] {
				bad(fmt.Sprintf("%s.models[%d]", f, j), "%q is not a declared model", m)
			}
		}
		if a.Limits != nil {
			if err := a.Limits.Validate(); err != nil {
				bad(f+".limits", "%v", err)
			}
		}
		if err := apps.ValidateRoutes(a.Routes); err != nil {
			bad(f+".routes", "%v", err)
		}
		if err := guard.ValidateRules(GuardRules(a.Guards)); err != nil {
			bad(f+".guards", "%v", err)
		}
		if err := ValidateRouteGuards(a.RouteGuards); err != nil {
			bad(f+".route_guards", "%v", err)
		}
	}
	if err := guard.ValidateRules(GuardRules(c.Guards)); err != nil {
		bad("guards", "%v", err)
	}
	if err := ValidateRouteGuards(c.RouteGuards); err != nil {
		bad("route_guards", "%v", err)
	}
	if c.Audit.OnFull != "block" && c.Audit.OnFull != "reject" {
		bad("audit.on_full", "%q: want block or reject", c.Audit.OnFull)
	}
	if c.Audit.QueueSize < 16 {
		bad("audit.queue_size", "want at least 16")
	}
	if c.Audit.CheckpointEvery < 1 {
		bad("audit.checkpoint_every", "want at least 1")
	}
	if c.Audit.FlushInterval < 0 || c.Audit.FlushInterval > time.Second {
		bad("audit.flush_interval", "%s: want 0 to 1s", c.Audit.FlushInterval)
	}
	if c.Audit.BlockTimeout < 0 {
		bad("audit.block_timeout", "cannot be negative")
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		bad("log.level", "%q: want debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		bad("log.format", "%q: want json or text", c.Log.Format)
	}
	return errors.Join(errs...)
}

// checkUpstreamURL accepts https URLs, and http only to loopback (local
// Ollama or vLLM), so that provider keys never cross a network in clear.
func checkUpstreamURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL", s)
	}
	if u.User != nil || u.Fragment != "" {
		return errors.New("must not carry credentials or a fragment")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
			return nil
		}
		return errors.New("http is only allowed to loopback addresses; use https")
	}
	return fmt.Errorf("scheme %q: want https", u.Scheme)
}

// ValidateRouteGuards reports an unknown route or a bad guard setting in
// route-level guard overrides.
func ValidateRouteGuards(in map[string]map[string]apps.GuardRule) error {
	for _, route := range slices.Sorted(maps.Keys(in)) {
		if err := apps.ValidateRoutes([]string{route}); err != nil {
			return err
		}
		if err := guard.ValidateRules(GuardRules(in[route])); err != nil {
			return fmt.Errorf("route %s: %w", route, err)
		}
	}
	return nil
}

// GuardRules converts guard settings as apps and the configuration store
// them into the guard package's.
func GuardRules(in map[string]apps.GuardRule) map[string]guard.Rule {
	if len(in) == 0 {
		return nil
	}
	out := make(map[string]guard.Rule, len(in))
	for k, v := range in {
		out[k] = guard.Rule{Action: guard.Action(v.Action), Threshold: v.Threshold}
	}
	return out
}
