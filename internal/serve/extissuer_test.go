package serve_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/bulwark-security/bulwark/internal/extissuer"
	"github.com/bulwark-security/bulwark/internal/gateway"
	"github.com/bulwark-security/bulwark/internal/serve"
)

// oidcProvider is an OpenID provider in the test process: a discovery
// document and a key set over TLS, and a signer of access tokens.
type oidcProvider struct {
	srv *httptest.Server
	key *ecdsa.PrivateKey
}

func newOIDCProvider(t *testing.T) *oidcProvider {
	t.Helper()
	p := &oidcProvider{}
	p.key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/jwks"})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	p.srv = httptest.NewTLSServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *oidcProvider) token(t *testing.T, aud string, ttl time.Duration) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: p.key, KeyID: "k1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: p.srv.URL, Subject: "auth0|42", Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(ttl))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestExternalIssuerTokens(t *testing.T) {
	op := newOIDCProvider(t)
	h := newHarnessWith(t, serve.Options{HTTPClient: op.srv.Client()}, func(c *gateway.Config) {
		c.Auth.ExternalIssuers = []extissuer.IssuerConfig{{Name: "acme", Issuer: op.srv.URL, Audience: extissuer.Strings{"bulwark-api"},
			Algorithms: []string{"ES256"}, Claims: extissuer.ClaimMapping{App: extissuer.AppMapping{ID: testApp}}, Roles: extissuer.RoleMapping{Default: "user"}}}
	})
	chat := map[string]any{"model": "chat", "messages": []map[string]string{{"role": "user", "content": "hi"}}}
	ext := op.token(t, "bulwark-api", 10*time.Minute)
	if status, _, body := h.call("POST", "/v1/chat/completions", ext, chat); status != http.StatusOK {
		t.Fatalf("AI call with the provider's token: %d %s", status, body)
	}
	for _, tc := range []struct{ name, token string }{
		{"another audience", op.token(t, "someone-else", 10*time.Minute)},
		{"expired", op.token(t, "bulwark-api", -time.Minute)},
	} {
		if status, _, body := h.call("POST", "/v1/chat/completions", tc.token, chat); status != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401", tc.name, status, body)
		}
	}
	if status, _, _ := h.call("GET", "/admin/v1/apps", ext, nil); status != http.StatusForbidden {
		t.Errorf("admin API with an external token: %d, want 403", status)
	}
	if status, _, body := h.call("POST", "/v1/chat/completions", h.login(testUser, testApp, "d").AccessToken, chat); status != http.StatusOK {
		t.Errorf("the gateway's own token beside external issuers: %d %s", status, body)
	}
}
