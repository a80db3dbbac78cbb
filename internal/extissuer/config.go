package extissuer

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config lists the external issuers whose access tokens the gateway
// accepts. It is decoded strictly (DecodeConfig), defaulted
// (WithDefaults), validated (Validate) and then provisioned (New).
type Config struct {
	Issuers []IssuerConfig `yaml:"issuers"`
}

// IssuerConfig is one external issuer (an Auth0 tenant, a Firebase
// project, a Cognito user pool, a Keycloak realm…).
type IssuerConfig struct {
	// Name is our short name for the issuer ([a-z0-9_-], up to 32): it
	// namespaces subjects ("ext:<name>:<sub>") and appears in logs and
	// audit events. Renaming an issuer changes its users' subjects.
	Name string `yaml:"name"`
	// Issuer is the exact "iss" value of its tokens, an https URL (http
	// only on a loopback host, for tests).
	Issuer string `yaml:"issuer"`
	// Audience lists accepted "aud" values; a token must carry one.
	Audience Strings `yaml:"audience"`
	// AudienceClaim is the claim checked against Audience. Default "aud";
	// Cognito access tokens carry no "aud" but name their app client in
	// "client_id".
	AudienceClaim string `yaml:"audience_claim"`
	// Algorithms lists accepted signature algorithms, asymmetric only.
	// Default: RS256.
	Algorithms []string `yaml:"algorithms"`
	// TokenTypes, when set, lists the accepted "typ" header values, such
	// as "at+jwt" (RFC 9068), compared without case and without an
	// "application/" prefix. It keeps ID tokens out where the issuer
	// types its access tokens.
	TokenTypes []string `yaml:"token_types"`
	// JWKSURI, when set, is used instead of discovery (Firebase publishes
	// its keys at a fixed URL).
	JWKSURI string `yaml:"jwks_uri"`
	// Claims says which claims carry the subject, the username and the app.
	Claims ClaimMapping `yaml:"claims"`
	// Roles maps the issuer's roles or groups to ours.
	Roles RoleMapping `yaml:"roles"`
	// RequiredClaims must be present (and equal Equals, when set).
	RequiredClaims []RequiredClaim `yaml:"required_claims"`

	// Leeway tolerates clock skew on exp, nbf and iat. Default 30s, at most 5m.
	Leeway time.Duration `yaml:"leeway"`
	// MaxLifetime bounds exp - iat (or exp - now without iat).
	// Default 24h, at most 7 days.
	MaxLifetime time.Duration `yaml:"max_lifetime"`
	// RefreshInterval is the least time between two fetches of the key set
	// caused by an unknown key id or by a failed fetch. Default 30s.
	RefreshInterval time.Duration `yaml:"refresh_interval"`
	// CacheTTL is how long keys are cached when the response has no
	// Cache-Control max-age; MinCacheTTL and MaxCacheTTL bound max-age.
	// Defaults 1h, 5m and 24h.
	CacheTTL    time.Duration `yaml:"cache_ttl"`
	MinCacheTTL time.Duration `yaml:"min_cache_ttl"`
	MaxCacheTTL time.Duration `yaml:"max_cache_ttl"`
	// StaleIfError lets keys past their cache lifetime keep verifying for
	// this long when the issuer cannot be reached. Default 0 (fail closed).
	StaleIfError time.Duration `yaml:"stale_if_error"`
	// FetchTimeout bounds one discovery or key set fetch. Default 10s.
	FetchTimeout time.Duration `yaml:"fetch_timeout"`
	// MaxResponseBytes bounds a discovery or key set response.
	// Default 1 MiB, at most 8 MiB.
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
}

// ClaimMapping names claims by path (see RoleMapping.Claim for paths).
type ClaimMapping struct {
	// Subject is the claim of the user's stable id. Default "sub".
	Subject string `yaml:"subject"`
	// Username is an optional display name claim ("preferred_username",
	// "email", "cognito:username").
	Username string `yaml:"username"`
	// App says which of our registered apps the token is for.
	App AppMapping `yaml:"app"`
}

// AppMapping gives the app of a token: either a fixed ID, or a claim
// (such as "azp" or "client_id") whose value is looked up in Map (when Map
// is empty the value is used as our app id).
type AppMapping struct {
	ID    string            `yaml:"id"`
	Claim string            `yaml:"claim"`
	Map   map[string]string `yaml:"map"`
}

// RoleMapping maps the issuer's roles to ours.
type RoleMapping struct {
	// Claim is the path of a string or list of strings: "roles", "groups",
	// "cognito:groups", "realm_access.roles", "https://example.com/roles".
	// A path is first looked up as one top-level claim name; if there is
	// no such claim it is split at dots and walked through nested objects.
	Claim string `yaml:"claim"`
	// Rules are tried in order; the first whose Value the token carries
	// gives the role. List the most privileged first.
	Rules []RoleRule `yaml:"rules"`
	// Default is the role when no rule matches; empty refuses such tokens.
	Default string `yaml:"default"`
}

// RoleRule maps one external role value to one of our roles.
type RoleRule struct {
	Value string `yaml:"value"`
	Role  string `yaml:"role"`
}

// RequiredClaim is a claim a token must carry; with Equals set, its value
// (a string, a boolean or a number, written as in JSON) must equal it, or,
// for a list, contain it.
type RequiredClaim struct {
	Claim  string `yaml:"claim"`
	Equals string `yaml:"equals"`
}

// Strings is a list of strings that may be written in YAML as one scalar.
type Strings []string

// UnmarshalYAML accepts a scalar or a sequence of scalars.
func (s *Strings) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*s = Strings{n.Value}
		return nil
	}
	var l []string
	if err := n.Decode(&l); err != nil {
		return err
	}
	*s = l
	return nil
}

// Limits and defaults.
const (
	DefaultLeeway           = 30 * time.Second
	MaxLeeway               = 5 * time.Minute
	DefaultMaxLifetime      = 24 * time.Hour
	LimitMaxLifetime        = 7 * 24 * time.Hour
	DefaultRefreshInterval  = 30 * time.Second
	DefaultCacheTTL         = time.Hour
	DefaultMinCacheTTL      = 5 * time.Minute
	DefaultMaxCacheTTL      = 24 * time.Hour
	DefaultFetchTimeout     = 10 * time.Second
	DefaultMaxResponseBytes = 1 << 20
	LimitMaxResponseBytes   = 8 << 20
	// MaxTokenBytes bounds a token presented to Verify.
	MaxTokenBytes = 16 << 10
	// MaxKeys bounds the keys kept from one key set.
	MaxKeys = 100
	// maxPathDepth bounds the segments of a claim path.
	maxPathDepth = 8
)

// supportedAlgs are the asymmetric algorithms an issuer may allow.
var supportedAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

var (
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	roleRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)
)

// DecodeConfig decodes YAML strictly: unknown keys are errors.
func DecodeConfig(data []byte) (Config, error) {
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("decode external issuers config: %w", err)
	}
	return c, nil
}

// WithDefaults returns the config with every unset field defaulted.
func (c Config) WithDefaults() Config {
	out := Config{Issuers: make([]IssuerConfig, len(c.Issuers))}
	for i, ic := range c.Issuers {
		out.Issuers[i] = ic.WithDefaults()
	}
	return out
}

// WithDefaults returns the issuer config with every unset field defaulted.
func (c IssuerConfig) WithDefaults() IssuerConfig {
	if len(c.Algorithms) == 0 {
		c.Algorithms = []string{"RS256"}
	}
	if c.AudienceClaim == "" {
		c.AudienceClaim = "aud"
	}
	if c.Claims.Subject == "" {
		c.Claims.Subject = "sub"
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.Leeway, DefaultLeeway)
	def(&c.MaxLifetime, DefaultMaxLifetime)
	def(&c.RefreshInterval, DefaultRefreshInterval)
	def(&c.CacheTTL, DefaultCacheTTL)
	def(&c.MinCacheTTL, DefaultMinCacheTTL)
	def(&c.MaxCacheTTL, DefaultMaxCacheTTL)
	def(&c.FetchTimeout, DefaultFetchTimeout)
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return c
}

// Validate checks the config without changing it; zero values stand for
// defaults. Its errors name the field (issuers[0].audience).
func (c Config) Validate() error {
	var errs []error
	names, issuers := map[string]bool{}, map[string]bool{}
	for i, ic := range c.Issuers {
		p := fmt.Sprintf("issuers[%d]", i)
		if err := ic.validate(p); err != nil {
			errs = append(errs, err)
		}
		if ic.Name != "" && names[ic.Name] {
			errs = append(errs, fmt.Errorf("%s.name: %q is used twice", p, ic.Name))
		}
		if ic.Issuer != "" && issuers[ic.Issuer] {
			errs = append(errs, fmt.Errorf("%s.issuer: %q is configured twice", p, ic.Issuer))
		}
		names[ic.Name], issuers[ic.Issuer] = true, true
	}
	return errors.Join(errs...)
}

func (c IssuerConfig) validate(p string) error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s.%s: %s", p, field, fmt.Sprintf(format, args...)))
	}
	if !nameRE.MatchString(c.Name) {
		bad("name", "%q must be 1-32 of a-z 0-9 _ - starting with a letter or digit", c.Name)
	}
	if c.Issuer == "" {
		bad("issuer", "required")
	} else if err := checkURL(c.Issuer); err != nil {
		bad("issuer", "%v", err)
	}
	if len(c.Audience) == 0 {
		bad("audience", "at least one audience is required")
	}
	for j, a := range c.Audience {
		if strings.TrimSpace(a) == "" {
			bad(fmt.Sprintf("audience[%d]", j), "empty")
		}
	}
	for j, a := range c.Algorithms {
		if !contains(supportedAlgs, a) {
			bad(fmt.Sprintf("algorithms[%d]", j), "%q is not an allowed asymmetric algorithm (%s)", a, strings.Join(supportedAlgs, ", "))
		}
	}
	for j, ty := range c.TokenTypes {
		if strings.TrimSpace(ty) == "" {
			bad(fmt.Sprintf("token_types[%d]", j), "empty")
		}
	}
	if c.JWKSURI != "" {
		if err := checkURL(c.JWKSURI); err != nil {
			bad("jwks_uri", "%v", err)
		}
	}
	for field, path := range map[string]string{"claims.subject": c.Claims.Subject, "claims.username": c.Claims.Username,
		"claims.app.claim": c.Claims.App.Claim, "roles.claim": c.Roles.Claim, "audience_claim": c.AudienceClaim} {
		if path != "" && !validPath(path) {
			bad(field, "%q is not a usable claim path", path)
		}
	}
	switch app := c.Claims.App; {
	case app.ID == "" && app.Claim == "":
		bad("claims.app", "set id (a fixed app) or claim (the claim naming the app)")
	case app.ID != "" && app.Claim != "":
		bad("claims.app", "set id or claim, not both")
	case app.ID != "" && len(app.Map) > 0:
		bad("claims.app.map", "only used with claim")
	}
	for k, v := range c.Claims.App.Map {
		if k == "" || v == "" {
			bad("claims.app.map", "empty key or app id")
		}
	}
	if len(c.Roles.Rules) > 0 && c.Roles.Claim == "" {
		bad("roles.claim", "required when roles.rules are set")
	}
	for j, r := range c.Roles.Rules {
		if r.Value == "" {
			bad(fmt.Sprintf("roles.rules[%d].value", j), "required")
		}
		if !roleRE.MatchString(r.Role) {
			bad(fmt.Sprintf("roles.rules[%d].role", j), "%q is not a role name", r.Role)
		}
	}
	if c.Roles.Default != "" && !roleRE.MatchString(c.Roles.Default) {
		bad("roles.default", "%q is not a role name", c.Roles.Default)
	}
	if c.Roles.Default == "" && len(c.Roles.Rules) == 0 {
		bad("roles", "set a default role or rules")
	}
	for j, rc := range c.RequiredClaims {
		if !validPath(rc.Claim) {
			bad(fmt.Sprintf("required_claims[%d].claim", j), "%q is not a usable claim path", rc.Claim)
		}
	}
	rangeCheck := func(field string, d, lo, hi time.Duration) {
		if d != 0 && (d < lo || d > hi) {
			bad(field, "%s is outside [%s, %s]", d, lo, hi)
		}
	}
	rangeCheck("leeway", c.Leeway, 0, MaxLeeway)
	if c.Leeway < 0 {
		bad("leeway", "negative")
	}
	rangeCheck("max_lifetime", c.MaxLifetime, time.Minute, LimitMaxLifetime)
	rangeCheck("refresh_interval", c.RefreshInterval, time.Second, time.Hour)
	rangeCheck("cache_ttl", c.CacheTTL, time.Minute, 7*24*time.Hour)
	rangeCheck("min_cache_ttl", c.MinCacheTTL, 0, 7*24*time.Hour)
	rangeCheck("max_cache_ttl", c.MaxCacheTTL, time.Minute, 7*24*time.Hour)
	rangeCheck("stale_if_error", c.StaleIfError, 0, 7*24*time.Hour)
	rangeCheck("fetch_timeout", c.FetchTimeout, 100*time.Millisecond, time.Minute)
	if c.MinCacheTTL < 0 || c.StaleIfError < 0 {
		bad("min_cache_ttl/stale_if_error", "negative")
	}
	eff := c.WithDefaults()
	if eff.MinCacheTTL > eff.MaxCacheTTL {
		bad("min_cache_ttl", "%s exceeds max_cache_ttl %s", eff.MinCacheTTL, eff.MaxCacheTTL)
	}
	if c.MaxResponseBytes != 0 && (c.MaxResponseBytes < 1024 || c.MaxResponseBytes > LimitMaxResponseBytes) {
		bad("max_response_bytes", "%d is outside [1024, %d]", c.MaxResponseBytes, LimitMaxResponseBytes)
	}
	return errors.Join(errs...)
}

// checkURL accepts an absolute https URL, or http on a loopback host.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must be an absolute URL with a host and no user, query or fragment", s)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%q must use https", s)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func validPath(p string) bool {
	if p == "" || len(p) > 256 {
		return false
	}
	return strings.Count(p, ".") < maxPathDepth*4 // long names with dots stay usable as one claim name
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}
