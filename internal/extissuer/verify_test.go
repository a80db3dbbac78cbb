package extissuer

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"
)

const testAudience = "https://api.example.com"

// auth0Config is an issuer shaped like an Auth0 tenant with a role
// claim added by an Action.
func auth0Config(p *provider) IssuerConfig {
	return IssuerConfig{
		Name: "auth0", Issuer: p.srv.URL, Audience: Strings{testAudience}, Algorithms: []string{"RS256", "ES256"},
		Claims: ClaimMapping{Username: "email", App: AppMapping{Claim: "azp", Map: map[string]string{"client-abc": "demo-app"}}},
		Roles:  RoleMapping{Claim: "https://example.com/roles", Rules: []RoleRule{{Value: "bulwark-admin", Role: "admin"}}, Default: "user"},
	}
}

func newTestVerifiers(t *testing.T, p *provider, clk *clock, mutate func(*IssuerConfig)) *Verifiers {
	t.Helper()
	ic := auth0Config(p)
	if mutate != nil {
		mutate(&ic)
	}
	v, err := New(Config{Issuers: []IssuerConfig{ic}}, Options{HTTPClient: p.srv.Client(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// claims returns valid claims for the Auth0-shaped issuer, changed by mut.
func (p *provider) claims(mut func(map[string]any)) map[string]any {
	c := map[string]any{
		"iss": p.srv.URL, "aud": []string{testAudience, p.srv.URL + "/userinfo"}, "sub": "auth0|42", "azp": "client-abc",
		"iat": t0.Unix(), "exp": t0.Add(10 * time.Minute).Unix(), "jti": "tok-1", "scope": "openid chat",
		"email": "ada@example.com", "https://example.com/roles": []string{"bulwark-admin", "staff"},
	}
	if mut != nil {
		mut(c)
	}
	return c
}

func reasonOf(err error) string {
	var te *TokenError
	if errors.As(err, &te) {
		return te.Reason
	}
	return ""
}

func TestVerifyAcceptsAndMaps(t *testing.T) {
	p := newProvider(t)
	p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
	p.addKey("e1", jose.ES256, newECKey(t), true)
	clk := &clock{now: t0.Add(time.Minute)}
	v := newTestVerifiers(t, p, clk, nil)
	want := Principal{
		Subject: "ext:auth0:auth0|42", Issuer: "auth0", IssuerURL: p.srv.URL, ExternalSubject: "auth0|42",
		Username: "ada@example.com", Role: "admin", App: "demo-app", Scopes: []string{"openid", "chat"}, TokenID: "tok-1",
		IssuedAt: t0, ExpiresAt: t0.Add(10 * time.Minute),
	}
	for _, kid := range []string{"k1", "e1"} {
		t.Run("token signed with "+kid+" is accepted and mapped", func(t *testing.T) {
			got, err := v.Verify(context.Background(), p.sign(kid, true, p.claims(nil)))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
		})
	}
	if n := p.jwksHits.Load(); n != 1 {
		t.Errorf("key set fetched %d times for two tokens, want 1 (cached)", n)
	}
	if n := p.discoveryHits.Load(); n != 1 {
		t.Errorf("discovery fetched %d times, want 1", n)
	}
}

func TestVerifyRefuses(t *testing.T) {
	p := newProvider(t)
	p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
	p.addKey("k2", jose.RS256, rsaKey(t, 1), true)
	p.addKey("e1", jose.ES256, newECKey(t), true)
	p.addKey("rogue", jose.RS256, rsaKey(t, 2), false)
	p.addKey("ps", jose.PS256, rsaKey(t, 3), true)
	clk := &clock{now: t0.Add(time.Minute)}
	v := newTestVerifiers(t, p, clk, func(ic *IssuerConfig) {
		ic.RequiredClaims = []RequiredClaim{{Claim: "email_verified", Equals: "true"}}
	})
	ok := func(c map[string]any) { c["email_verified"] = true }
	signed := func(mut func(map[string]any)) func() string {
		return func() string {
			return p.sign("k1", true, p.claims(func(c map[string]any) {
				ok(c)
				if mut != nil {
					mut(c)
				}
			}))
		}
	}
	b64 := base64.RawURLEncoding.EncodeToString
	payload, _ := jsonString(p.claims(ok))
	tests := []struct {
		name       string
		token      func() string
		wantErr    error
		wantReason string
	}{
		{"valid token is accepted (control)", signed(nil), nil, ""},
		{"wrong audience is refused", signed(func(c map[string]any) { c["aud"] = "https://other.example.com" }), ErrInvalidToken, ReasonAudience},
		{"issuer of no configured issuer is unknown", signed(func(c map[string]any) { c["iss"] = "https://evil.example.com/" }), ErrUnknownIssuer, ""},
		{"issuer differing by a trailing slash is unknown", signed(func(c map[string]any) { c["iss"] = p.srv.URL + "/" }), ErrUnknownIssuer, ""},
		{"token without aud is refused", signed(func(c map[string]any) { delete(c, "aud") }), ErrInvalidToken, ReasonAudience},
		{"expired token is refused", signed(func(c map[string]any) {
			c["iat"], c["exp"] = t0.Add(-time.Hour).Unix(), t0.Add(-time.Minute).Unix()
		}), ErrInvalidToken, ReasonExpired},
		{"token expired within the leeway is accepted", signed(func(c map[string]any) { c["exp"] = t0.Add(45 * time.Second).Unix() }), nil, ""},
		{"token not yet valid is refused", signed(func(c map[string]any) { c["nbf"] = t0.Add(5 * time.Minute).Unix() }), ErrInvalidToken, ReasonNotYetValid},
		{"token issued in the future is refused", signed(func(c map[string]any) {
			c["iat"], c["exp"] = t0.Add(5*time.Minute).Unix(), t0.Add(15*time.Minute).Unix()
		}), ErrInvalidToken, ReasonIssuedInFuture},
		{"token without exp is refused", signed(func(c map[string]any) { delete(c, "exp") }), ErrInvalidToken, ReasonMissingExpiry},
		{"token living longer than max_lifetime is refused", signed(func(c map[string]any) { c["exp"] = t0.Add(48 * time.Hour).Unix() }), ErrInvalidToken, ReasonLifetime},
		{"token without iat living too long from now is refused", signed(func(c map[string]any) {
			delete(c, "iat")
			c["exp"] = t0.Add(30 * time.Hour).Unix()
		}), ErrInvalidToken, ReasonLifetime},
		{"token authenticated in the future is refused", signed(func(c map[string]any) { c["auth_time"] = t0.Add(time.Hour).Unix() }), ErrInvalidToken, ReasonAuthTime},
		{"token authenticated in the past is accepted", signed(func(c map[string]any) { c["auth_time"] = t0.Add(-time.Hour).Unix() }), nil, ""},
		{"token without subject is refused", signed(func(c map[string]any) { delete(c, "sub") }), ErrInvalidToken, ReasonSubject},
		{"token with a numeric subject is refused", signed(func(c map[string]any) { c["sub"] = 42 }), ErrInvalidToken, ReasonClaims},
		{"token with a subject claim too long is refused", signed(func(c map[string]any) { c["sub"] = strings.Repeat("x", 256) }), ErrInvalidToken, ReasonSubject},
		{"token with an audience of the wrong type is refused", signed(func(c map[string]any) { c["aud"] = 7 }), ErrInvalidToken, ReasonClaims},
		{"token without a required claim is refused", signed(func(c map[string]any) { delete(c, "email_verified") }), ErrInvalidToken, ReasonRequiredClaim},
		{"token whose required claim differs is refused", signed(func(c map[string]any) { c["email_verified"] = false }), ErrInvalidToken, ReasonRequiredClaim},
		{"token of an unmapped client is refused", signed(func(c map[string]any) { c["azp"] = "client-other" }), ErrInvalidToken, ReasonNoApp},
		{"alg none is refused", func() string { return b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64([]byte(payload)) + "." }, ErrInvalidToken, ReasonMalformed},
		{"HS256 signed with the issuer's public key is refused", func() string {
			pub, err := x509.MarshalPKIXPublicKey(rsaKey(t, 0).Public())
			if err != nil {
				t.Fatal(err)
			}
			pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})
			s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: pemKey}, (&jose.SignerOptions{}).WithHeader("kid", "k1"))
			if err != nil {
				t.Fatal(err)
			}
			tok, err := jwt.Signed(s).Claims(p.claims(ok)).Serialize()
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, ErrInvalidToken, ReasonMalformed},
		{"algorithm not allowed for this issuer is refused", func() string { return p.sign("ps", true, p.claims(ok)) }, ErrInvalidToken, ReasonAlgorithm},
		{"token signed by a key not in the set under a served kid is refused", func() string {
			tok := p.sign("rogue", true, p.claims(ok))
			h, _ := jsonString(map[string]any{"alg": "RS256", "kid": "k1", "typ": "JWT"})
			return b64([]byte(h)) + tok[strings.Index(tok, "."):]
		}, ErrInvalidToken, ReasonSignature},
		{"tampered payload is refused", func() string {
			tok := p.sign("k1", true, p.claims(ok))
			parts := strings.Split(tok, ".")
			evil, _ := jsonString(p.claims(func(c map[string]any) { ok(c); c["sub"] = "auth0|1" }))
			return parts[0] + "." + b64([]byte(evil)) + "." + parts[2]
		}, ErrInvalidToken, ReasonSignature},
		{"RS256 token naming an EC key is refused", func() string {
			tok := p.sign("k1", true, p.claims(ok))
			h, _ := jsonString(map[string]any{"alg": "RS256", "kid": "e1"})
			return b64([]byte(h)) + tok[strings.Index(tok, "."):]
		}, ErrInvalidToken, ReasonKeyMismatch},
		{"token without kid is refused when the set has several keys", func() string { return p.sign("k1", false, p.claims(ok)) }, ErrInvalidToken, ReasonKeyIDRequired},
		{"garbage is malformed", func() string { return "not-a-token" }, ErrInvalidToken, ReasonMalformed},
		{"oversized token is malformed", func() string { return strings.Repeat("a", MaxTokenBytes+1) }, ErrInvalidToken, ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tt.token())
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got := reasonOf(err); got != tt.wantReason {
				t.Errorf("reason = %q, want %q (err %v)", got, tt.wantReason, err)
			}
		})
	}
}

func jsonString(v any) (string, error) {
	b, err := jsonMarshal(v)
	return string(b), err
}

func TestTokenTypes(t *testing.T) {
	p := newProvider(t)
	p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
	clk := &clock{now: t0.Add(time.Minute)}
	v := newTestVerifiers(t, p, clk, func(ic *IssuerConfig) { ic.TokenTypes = []string{"at+jwt"} })
	sign := func(typ string) string {
		opts := (&jose.SignerOptions{}).WithHeader("kid", "k1")
		if typ != "" {
			opts = opts.WithType(jose.ContentType(typ))
		}
		s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: rsaKey(t, 0)}, opts)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := jwt.Signed(s).Claims(p.claims(nil)).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tests := []struct {
		typ        string
		wantReason string
	}{{"at+jwt", ""}, {"application/AT+JWT", ""}, {"JWT", ReasonType}, {"", ReasonType}}
	for _, tt := range tests {
		t.Run("typ "+tt.typ, func(t *testing.T) {
			_, err := v.Verify(context.Background(), sign(tt.typ))
			if got := reasonOf(err); got != tt.wantReason || (tt.wantReason == "" && err != nil) {
				t.Errorf("err = %v, want reason %q", err, tt.wantReason)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	t.Run("unknown kid that appears after rotation is accepted after one refresh", func(t *testing.T) {
		p := newProvider(t)
		p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
		clk := &clock{now: t0.Add(time.Minute)}
		v := newTestVerifiers(t, p, clk, nil)
		if _, err := v.Verify(context.Background(), p.sign("k1", true, p.claims(nil))); err != nil {
			t.Fatal(err)
		}
		p.addKey("k2", jose.RS256, rsaKey(t, 1), false)
		p.serve("k1", "k2")
		clk.Advance(DefaultRefreshInterval) // a fetch just done is never repeated at once
		if _, err := v.Verify(context.Background(), p.sign("k2", true, p.claims(nil))); err != nil {
			t.Fatalf("token of the rotated-in key: %v", err)
		}
		if n := p.jwksHits.Load(); n != 2 {
			t.Errorf("key set fetched %d times, want 2 (first use, one refresh)", n)
		}
		if n := p.discoveryHits.Load(); n != 1 {
			t.Errorf("discovery fetched %d times, want 1 (a refresh reuses jwks_uri)", n)
		}
	})
	t.Run("unknown kid that never appears is refused and its refreshes are rate limited", func(t *testing.T) {
		p := newProvider(t)
		p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
		p.addKey("ghost", jose.RS256, rsaKey(t, 1), false)
		clk := &clock{now: t0.Add(time.Minute)}
		v := newTestVerifiers(t, p, clk, func(ic *IssuerConfig) { ic.RefreshInterval = 30 * time.Second })
		ghost := p.sign("ghost", true, p.claims(nil))
		verifyReason := func(want string) {
			t.Helper()
			if _, err := v.Verify(context.Background(), ghost); reasonOf(err) != want {
				t.Fatalf("err = %v, want reason %s", err, want)
			}
		}
		verifyReason(ReasonUnknownKey) // first fetch; the kid is unknown but the fetch is too recent to repeat
		if n := p.jwksHits.Load(); n != 1 {
			t.Fatalf("after first token: %d fetches, want 1", n)
		}
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() { verifyReason(ReasonUnknownKey) })
		}
		wg.Wait()
		if n := p.jwksHits.Load(); n != 1 {
			t.Errorf("50 more tokens within the interval: %d fetches, want 1", n)
		}
		clk.Advance(31 * time.Second)
		for range 10 {
			verifyReason(ReasonUnknownKey)
		}
		if n := p.jwksHits.Load(); n != 2 {
			t.Errorf("10 tokens after the interval: %d fetches, want 2", n)
		}
	})
	t.Run("concurrent callers share one fetch", func(t *testing.T) {
		p := newProvider(t)
		p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
		p.jwksDly = 50 * time.Millisecond
		clk := &clock{now: t0.Add(time.Minute)}
		v := newTestVerifiers(t, p, clk, nil)
		tok := p.sign("k1", true, p.claims(nil))
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for range 32 {
			wg.Go(func() {
				if _, err := v.Verify(context.Background(), tok); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("Verify: %v", err)
		}
		if n := p.jwksHits.Load(); n != 1 {
			t.Errorf("32 concurrent first tokens: %d fetches, want 1", n)
		}
	})
	t.Run("keys are fetched again after Cache-Control max-age, not before", func(t *testing.T) {
		p := newProvider(t)
		p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
		p.cc = "public, max-age=600, must-revalidate"
		clk := &clock{now: t0.Add(time.Minute)}
		v := newTestVerifiers(t, p, clk, func(ic *IssuerConfig) { ic.MaxLifetime = 48 * time.Hour })
		tok := p.sign("k1", true, p.claims(func(c map[string]any) { c["exp"] = t0.Add(2 * time.Hour).Unix() }))
		for _, step := range []struct {
			advance time.Duration
			want    int64
		}{{0, 1}, {9 * time.Minute, 1}, {2 * time.Minute, 2}, {5 * time.Minute, 2}} {
			clk.Advance(step.advance)
			if _, err := v.Verify(context.Background(), tok); err != nil {
				t.Fatal(err)
			}
			if n := p.jwksHits.Load(); n != step.want {
				t.Errorf("at %s: %d fetches, want %d", clk.Now().Sub(t0), n, step.want)
			}
		}
	})
}

func TestKeySetRefused(t *testing.T) {
	tests := []struct {
		name  string
		setup func(p *provider)
	}{
		{"discovery whose issuer differs is refused", func(p *provider) {
			p.meta = map[string]any{"issuer": "https://evil.example.com", "jwks_uri": p.srv.URL + "/jwks.json"}
		}},
		{"discovery whose jwks_uri is http on a public host is refused", func(p *provider) {
			p.meta = map[string]any{"issuer": p.srv.URL, "jwks_uri": "http://keys.example.com/jwks.json"}
		}},
		{"oversized key set is refused", func(p *provider) {
			p.jwks = []byte(`{"keys":[],"pad":"` + strings.Repeat("x", DefaultMaxResponseBytes) + `"}`)
		}},
		{"key set of only symmetric keys is refused", func(p *provider) {
			p.jwks = []byte(`{"keys":[{"kty":"oct","kid":"k1","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}]}`)
		}},
		{"key set with too many keys is refused", func(p *provider) {
			p.jwks = []byte(`{"keys":[` + strings.Repeat(`{},`, MaxKeys) + `{}]}`)
		}},
		{"key set that is not JSON is refused", func(p *provider) { p.jwks = []byte("<html>") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
			tt.setup(p)
			clk := &clock{now: t0.Add(time.Minute)}
			v := newTestVerifiers(t, p, clk, nil)
			_, err := v.Verify(context.Background(), p.sign("k1", true, p.claims(nil)))
			if !errors.Is(err, ErrUnavailable) || reasonOf(err) != ReasonKeysUnavailable {
				t.Fatalf("err = %v, want ErrUnavailable (%s)", err, ReasonKeysUnavailable)
			}
			if errors.Is(err, ErrInvalidToken) {
				t.Errorf("err %v is also ErrInvalidToken; the gateway must answer 503, not 401", err)
			}
			if err := v.Warm(context.Background()); err == nil {
				t.Errorf("Warm succeeded with a refused key set")
			}
		})
	}
}

func TestFailedFetchBacksOffAndStaleKeys(t *testing.T) {
	p := newProvider(t)
	p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
	p.cc = "max-age=300"
	clk := &clock{now: t0.Add(time.Minute)}
	v := newTestVerifiers(t, p, clk, func(ic *IssuerConfig) {
		ic.StaleIfError = 10 * time.Minute
		ic.MaxLifetime = 48 * time.Hour
	})
	tok := p.sign("k1", true, p.claims(func(c map[string]any) { c["exp"] = t0.Add(2 * time.Hour).Unix() }))
	if _, err := v.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.jwks = []byte("oops")
	p.mu.Unlock()
	clk.Advance(6 * time.Minute) // keys expired, within stale_if_error
	for i := range 5 {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Fatalf("verify %d with stale keys: %v", i, err)
		}
	}
	if n := p.jwksHits.Load(); n != 2 {
		t.Errorf("5 tokens after a failed fetch: %d fetches, want 2 (failures back off)", n)
	}
	clk.Advance(10 * time.Minute) // past stale_if_error
	if _, err := v.Verify(context.Background(), tok); !errors.Is(err, ErrUnavailable) {
		t.Errorf("past stale_if_error: err = %v, want ErrUnavailable", err)
	}
}

func TestRedirects(t *testing.T) {
	other := newProvider(t)
	other.addKey("k1", jose.RS256, rsaKey(t, 0), true)
	tests := []struct {
		name   string
		target func(p *provider) string
		ok     bool
	}{
		{"redirect on the same host is followed", func(p *provider) string { return p.srv.URL + "/jwks.json" }, true},
		{"redirect to another host is refused", func(p *provider) string {
			return strings.Replace(other.srv.URL, "127.0.0.1", "localhost", 1) + "/jwks.json"
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t)
			p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
			p.meta = map[string]any{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/moved"}
			target := tt.target(p)
			p.srv.Config.Handler.(*http.ServeMux).HandleFunc("GET /moved", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target, http.StatusFound)
			})
			clk := &clock{now: t0.Add(time.Minute)}
			v := newTestVerifiers(t, p, clk, nil)
			_, err := v.Verify(context.Background(), p.sign("k1", true, p.claims(nil)))
			if tt.ok && err != nil {
				t.Errorf("err = %v, want success", err)
			}
			if !tt.ok && !errors.Is(err, ErrUnavailable) {
				t.Errorf("err = %v, want ErrUnavailable", err)
			}
		})
	}
}

func TestKeyCache(t *testing.T) {
	p := newProvider(t)
	p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
	clk := &clock{now: t0.Add(time.Minute)}
	cache := NewMemoryCache()
	mk := func() *Verifiers {
		v, err := New(Config{Issuers: []IssuerConfig{auth0Config(p)}}, Options{HTTPClient: p.srv.Client(), Now: clk.Now, Cache: cache})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tok := p.sign("k1", true, p.claims(nil))
	if _, err := mk().Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	if _, err := mk().Verify(context.Background(), tok); err != nil {
		t.Fatalf("second instance: %v", err)
	}
	if n := p.jwksHits.Load(); n != 1 {
		t.Errorf("two instances sharing a cache fetched %d times, want 1", n)
	}
	ck, ok, err := cache.LoadKeys(context.Background(), p.srv.URL)
	if err != nil || !ok {
		t.Fatalf("cache has no keys: %v", err)
	}
	if want := clk.Now().Add(DefaultCacheTTL); !ck.ExpiresAt.Equal(want) {
		t.Errorf("cached ExpiresAt = %s, want %s (no Cache-Control: default TTL)", ck.ExpiresAt, want)
	}
}

func TestSubjectsOfTwoIssuersNeverCollide(t *testing.T) {
	a, b := newProvider(t), newProvider(t)
	a.addKey("k1", jose.RS256, rsaKey(t, 0), true)
	b.addKey("k1", jose.RS256, rsaKey(t, 1), true)
	ca, cb := auth0Config(a), auth0Config(b)
	cb.Name = "keycloak"
	clk := &clock{now: t0.Add(time.Minute)}
	// Both servers trust the same test CA; either client reaches both.
	v, err := New(Config{Issuers: []IssuerConfig{ca, cb}}, Options{HTTPClient: a.srv.Client(), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	pa, err := v.Verify(context.Background(), a.sign("k1", true, a.claims(nil)))
	if err != nil {
		t.Fatal(err)
	}
	pb, err := v.Verify(context.Background(), b.sign("k1", true, b.claims(nil)))
	if err != nil {
		t.Fatal(err)
	}
	if pa.ExternalSubject != pb.ExternalSubject || pa.Subject == pb.Subject {
		t.Errorf("subjects %q and %q for the same sub %q: want distinct", pa.Subject, pb.Subject, pa.ExternalSubject)
	}
	// A token of issuer a signed with issuer b's key is refused.
	forged := b.sign("k1", true, b.claims(func(c map[string]any) { c["iss"] = a.srv.URL }))
	if _, err := v.Verify(context.Background(), forged); reasonOf(err) != ReasonSignature {
		t.Errorf("token claiming issuer a, signed by b: err = %v, want %s", err, ReasonSignature)
	}
}

func TestCancelledCallerDoesNotCancelTheSharedFetch(t *testing.T) {
	p := newProvider(t)
	p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
	p.jwksDly = 200 * time.Millisecond
	clk := &clock{now: t0.Add(time.Minute)}
	v := newTestVerifiers(t, p, clk, nil)
	tok := p.sign("k1", true, p.claims(nil))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := v.Verify(context.Background(), tok)
		done <- err
	}()
	if _, err := v.Verify(ctx, tok); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("caller whose context ended: err = %v, want ErrUnavailable wrapping the deadline", err)
	}
	if err := <-done; err != nil {
		t.Errorf("patient caller: %v", err)
	}
	if n := p.jwksHits.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

func TestLogsNeverHoldTheToken(t *testing.T) {
	p := newProvider(t)
	p.addKey("k1", jose.RS256, rsaKey(t, 0), true)
	var buf strings.Builder
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(b)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	clk := &clock{now: t0.Add(time.Minute)}
	v, err := New(Config{Issuers: []IssuerConfig{auth0Config(p)}}, Options{HTTPClient: p.srv.Client(), Now: clk.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Warm(context.Background()); err != nil {
		t.Fatalf("Warm: %v", err)
	}
	tok := p.sign("k1", true, p.claims(nil))
	bad := p.sign("k1", true, p.claims(func(c map[string]any) { c["aud"] = "x" }))
	_, _ = v.Verify(context.Background(), tok)
	_, err = v.Verify(context.Background(), bad)
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if !strings.Contains(out, "external issuer keys fetched") || !strings.Contains(out, "issuer=auth0") {
		t.Errorf("fetch not logged with the issuer's name:\n%s", out)
	}
	for _, s := range []string{tok, bad, strings.Split(tok, ".")[1], "ada@example.com"} {
		if strings.Contains(out, s) || strings.Contains(err.Error(), s) {
			t.Errorf("log or error holds token material %.20q…", s)
		}
	}
	if n := p.jwksHits.Load(); n != 1 {
		t.Errorf("Warm then two tokens: %d fetches, want 1", n)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
