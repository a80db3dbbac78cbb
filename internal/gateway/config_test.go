package gateway

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

const validYAML = `
server:
  addr: 0.0.0.0:9000
storage:
  driver: postgres
  dsn: postgres://gw@db/bulwark
providers:
  - name: openai
    type: openai
    base_url: https://api.openai.com/v1
    api_key_env: OPENAI_API_KEY
  - name: claude
    type: anthropic
    base_url: https://api.anthropic.com
models:
  - name: fast
    provider: openai
    upstream: gpt-4o-mini
    fallback: {provider: claude, upstream: claude-haiku-4-5}
apps:
  - id: notes-app
    models: [fast]
    limits:
      user: {requests_per_minute: 30, tokens_per_day: 100000}
`

func TestConfigDecodesDefaultsAndEnvironment(t *testing.T) {
	c, err := ParseConfig(strings.NewReader(validYAML))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"BULWARK_SERVER_ADDR": "127.0.0.1:7000", "BULWARK_AUTH_ACCESS_TOKEN_TTL": "5m", "BULWARK_LOG_LEVEL": "debug"}
	if err := c.ApplyEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	c.SetDefaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("valid configuration refused: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"env overrides server.addr", c.Server.Addr, "127.0.0.1:7000"},
		{"env overrides a duration", c.Auth.AccessTokenTTL, 5 * time.Minute},
		{"env overrides log.level", c.Log.Level, "debug"},
		{"public URL defaults from the address", c.Server.PublicURL, "http://127.0.0.1:7000"},
		{"issuer defaults to the public URL", c.Auth.Issuer, "http://127.0.0.1:7000"},
		{"openai auth style defaults to bearer", c.Providers[0].AuthStyle, "bearer"},
		{"anthropic auth style defaults to x-api-key", c.Providers[1].AuthStyle, "x-api-key"},
		{"model kind defaults to chat", c.Models[0].Kind, "chat"},
		{"body limit defaults to 1 MiB", c.Server.MaxBodyBytes, int64(1 << 20)},
		{"audit blocks by default", c.Audit.OnFull, "block"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestConfigErrorsNameTheirField(t *testing.T) {
	cases := []struct {
		name, yaml, field string
	}{
		{"unknown key", "server:\n  adress: x\n", "adress"},
		{"bad address", "server:\n  addr: nowhere\n", "server.addr"},
		{"access tokens too long-lived", "auth:\n  access_token_ttl: 1h\n", "auth.access_token_ttl"},
		{"HMAC signing refused", "auth:\n  signing_alg: HS256\n", "auth.signing_alg"},
		{"plain http to a remote provider", "providers:\n  - {name: p, type: openai, base_url: 'http://api.example.com/v1'}\n", "providers[0].base_url"},
		{"credentials in a provider URL", "providers:\n  - {name: p, type: openai, base_url: 'https://u:p@api.example.com/v1'}\n", "providers[0].base_url"},
		{"unknown provider type", "providers:\n  - {name: p, type: ftp}\n", "providers[0].type"},
		{"model of an unknown provider", "models:\n  - {name: m, provider: nope, upstream: x}\n", "models[0].provider"},
		{"app with an unknown model", "apps:\n  - {id: my-app, models: [ghost]}\n", "apps[0].models[0]"},
		{"app id with capitals", "apps:\n  - {id: MyApp}\n", "apps[0].id"},
		{"negative limit", "limits:\n  user: {requests_per_minute: -1}\n", "limits.user"},
		{"audit overflow policy", "audit:\n  on_full: drop\n", "audit.on_full"},
		{"trusted proxy that is not a CIDR", "server:\n  trusted_proxies: [10.0.0.0/33]\n", "server.trusted_proxies[0]"},
		{"unknown guard", "guards:\n  profanity: {action: block}\n", "guards"},
		{"redact for a guard that cannot", "guards:\n  injection: {action: redact}\n", "guards"},
		{"threshold out of range", "guards:\n  injection: {threshold: 1.5}\n", "guards"},
		{"route guards of an unknown route", "route_guards:\n  images: {pii: {action: off}}\n", "route_guards"},
		{"app route guards with a bad action", "apps:\n  - {id: my-app, route_guards: {chat: {pii: {action: hide}}}}\n", "apps[0].route_guards"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig(strings.NewReader(tc.yaml))
			if err == nil {
				c.SetDefaults()
				err = c.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("err = %v, want one naming %s", err, tc.field)
			}
		})
	}
	t.Run("every problem is reported at once", func(t *testing.T) {
		c, _ := ParseConfig(strings.NewReader("server:\n  addr: nowhere\nlog:\n  format: xml\n"))
		c.SetDefaults()
		err := c.Validate()
		for _, f := range []string{"server.addr", "log.format"} {
			if err == nil || !strings.Contains(err.Error(), f) {
				t.Errorf("err = %v, want it to name %s", err, f)
			}
		}
	})
	t.Run("a bad environment value names the variable", func(t *testing.T) {
		var c Config
		err := c.ApplyEnv(func(k string) string {
			if k == "BULWARK_SERVER_MAX_BODY_BYTES" {
				return "lots"
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), "BULWARK_SERVER_MAX_BODY_BYTES") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestUpstreamURLs(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://api.openai.com/v1":  true,
		"http://127.0.0.1:11434/v1":  true,
		"http://localhost:8000/v1":   true,
		"http://[::1]:8000/v1":       true,
		"http://10.0.0.5/v1":         false,
		"ftp://example.com":          false,
		"https://api.example.com/#x": false,
		"not a url":                  false,
	} {
		if err := checkUpstreamURL(url); (err == nil) != ok {
			t.Errorf("checkUpstreamURL(%q) = %v, want ok=%v", url, err, ok)
		}
	}
}

func TestClientIPBelievesOnlyTrustedProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name, remote, xff, want string
	}{
		{"direct client", "203.0.113.7:5555", "", "203.0.113.7"},
		{"a client cannot claim another address", "203.0.113.7:5555", "1.2.3.4", "203.0.113.7"},
		{"through a trusted proxy", "10.1.2.3:443", "198.51.100.9", "198.51.100.9"},
		{"spoofed hops before the trusted proxy are ignored", "10.1.2.3:443", "6.6.6.6, 198.51.100.9", "198.51.100.9"},
		{"chain of trusted proxies", "10.1.2.3:443", "198.51.100.9, 10.9.9.9", "198.51.100.9"},
		{"garbage header", "10.1.2.3:443", "not-an-ip", "10.1.2.3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := clientIP(r, trusted); got != tc.want {
				t.Errorf("clientIP = %q, want %q", got, tc.want)
			}
		})
	}
}
