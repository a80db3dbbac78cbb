package extissuer

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeExampleConfig(t *testing.T) {
	data, err := os.ReadFile("testdata/issuers.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := DecodeConfig(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	eff := cfg.WithDefaults()
	if err := eff.Validate(); err != nil {
		t.Fatalf("Validate after defaults: %v", err)
	}
	var names []string
	for _, ic := range eff.Issuers {
		names = append(names, ic.Name)
	}
	if diff := cmp.Diff([]string{"auth0", "firebase", "cognito", "keycloak"}, names); diff != "" {
		t.Errorf("issuers (-want +got):\n%s", diff)
	}
	fb := eff.Issuers[1]
	if diff := cmp.Diff(Strings{"my-project"}, fb.Audience); diff != "" {
		t.Errorf("a scalar audience decodes as a list (-want +got):\n%s", diff)
	}
	if fb.MaxLifetime != time.Hour || fb.Leeway != DefaultLeeway || fb.AudienceClaim != "aud" || fb.Claims.Subject != "sub" {
		t.Errorf("firebase after defaults: max_lifetime %s, leeway %s, audience_claim %q, subject %q", fb.MaxLifetime, fb.Leeway, fb.AudienceClaim, fb.Claims.Subject)
	}
	if diff := cmp.Diff([]string{"RS256"}, fb.Algorithms); diff != "" {
		t.Errorf("default algorithms (-want +got):\n%s", diff)
	}
	if _, err := New(cfg, Options{}); err != nil {
		t.Errorf("New: %v", err)
	}
}

func TestDecodeConfigIsStrict(t *testing.T) {
	_, err := DecodeConfig([]byte("issuers:\n  - name: a\n    audiance: x\n"))
	if err == nil || !strings.Contains(err.Error(), "audiance") {
		t.Errorf("unknown key: err = %v, want an error naming it", err)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	valid := func() IssuerConfig {
		return IssuerConfig{Name: "idp", Issuer: "https://idp.example.com/", Audience: Strings{"api"},
			Claims: ClaimMapping{App: AppMapping{ID: "demo-app"}}, Roles: RoleMapping{Default: "user"}}
	}
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string // substring of the error; "" for valid
	}{
		{"a minimal issuer is valid", func(c *Config) {}, ""},
		{"http issuer on loopback is valid (tests)", func(c *Config) { c.Issuers[0].Issuer = "http://127.0.0.1:8080/realms/x" }, ""},
		{"http issuer on a public host is refused", func(c *Config) { c.Issuers[0].Issuer = "http://idp.example.com/" }, "issuers[0].issuer"},
		{"issuer with a query is refused", func(c *Config) { c.Issuers[0].Issuer = "https://idp.example.com/?a=1" }, "issuers[0].issuer"},
		{"missing issuer", func(c *Config) { c.Issuers[0].Issuer = "" }, "issuers[0].issuer: required"},
		{"bad name", func(c *Config) { c.Issuers[0].Name = "Bad Name" }, "issuers[0].name"},
		{"no audience", func(c *Config) { c.Issuers[0].Audience = nil }, "issuers[0].audience"},
		{"empty audience", func(c *Config) { c.Issuers[0].Audience = Strings{" "} }, "issuers[0].audience[0]"},
		{"HS256 is not allowed", func(c *Config) { c.Issuers[0].Algorithms = []string{"RS256", "HS256"} }, "issuers[0].algorithms[1]"},
		{"none is not allowed", func(c *Config) { c.Issuers[0].Algorithms = []string{"none"} }, "issuers[0].algorithms[0]"},
		{"http jwks_uri refused", func(c *Config) { c.Issuers[0].JWKSURI = "http://keys.example.com/" }, "issuers[0].jwks_uri"},
		{"no app mapping", func(c *Config) { c.Issuers[0].Claims.App = AppMapping{} }, "issuers[0].claims.app"},
		{"both app id and claim", func(c *Config) { c.Issuers[0].Claims.App.Claim = "azp" }, "issuers[0].claims.app: set id or claim"},
		{"no role at all", func(c *Config) { c.Issuers[0].Roles = RoleMapping{} }, "issuers[0].roles"},
		{"rules without claim", func(c *Config) { c.Issuers[0].Roles.Rules = []RoleRule{{"a", "admin"}} }, "issuers[0].roles.claim"},
		{"bad role name", func(c *Config) {
			c.Issuers[0].Roles = RoleMapping{Claim: "roles", Rules: []RoleRule{{"a", "Admin!"}}}
		}, "issuers[0].roles.rules[0].role"},
		{"leeway too large", func(c *Config) { c.Issuers[0].Leeway = time.Hour }, "issuers[0].leeway"},
		{"max lifetime too large", func(c *Config) { c.Issuers[0].MaxLifetime = 30 * 24 * time.Hour }, "issuers[0].max_lifetime"},
		{"response bound too large", func(c *Config) { c.Issuers[0].MaxResponseBytes = 1 << 30 }, "issuers[0].max_response_bytes"},
		{"min cache above max", func(c *Config) { c.Issuers[0].MinCacheTTL = 48 * time.Hour }, "issuers[0].min_cache_ttl"},
		{"empty required claim", func(c *Config) { c.Issuers[0].RequiredClaims = []RequiredClaim{{}} }, "issuers[0].required_claims[0].claim"},
		{"duplicate name", func(c *Config) {
			o := valid()
			o.Issuer = "https://other.example.com/"
			c.Issuers = append(c.Issuers, o)
		}, "issuers[1].name"},
		{"duplicate issuer", func(c *Config) {
			o := valid()
			o.Name = "other"
			c.Issuers = append(c.Issuers, o)
		}, "issuers[1].issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{Issuers: []IssuerConfig{valid()}}
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.want)
			}
			if _, err := New(c, Options{}); err == nil {
				t.Errorf("New accepted a config Validate refuses")
			}
		})
	}
}

func TestCacheTTL(t *testing.T) {
	lo, def, hi := 5*time.Minute, time.Hour, 24*time.Hour
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", def},
		{"public, max-age=600", 10 * time.Minute},
		{"max-age=10", lo},
		{"max-age=99999999999999999999", hi},
		{"max-age=604800", hi},
		{"no-store", lo},
		{"public, no-cache, max-age=7200", lo},
		{"max-age=abc", def},
		{"max-age=-5", def},
		{`max-age="3600"`, time.Hour},
	}
	for _, tt := range tests {
		t.Run("Cache-Control "+tt.header, func(t *testing.T) {
			if got := cacheTTL(tt.header, def, lo, hi); got != tt.want {
				t.Errorf("ttl = %s, want %s", got, tt.want)
			}
		})
	}
}
