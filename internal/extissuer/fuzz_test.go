package extissuer

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// offline is a transport that refuses every request: a verifier using it
// works from its cache alone.
type offline struct{}

func (offline) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("network disabled in this test")
}

const offlineIssuer = "https://idp.example.com/"

// seeded builds verifiers whose key cache already holds the keys of
// signers, so Verify needs no network.
func seeded(tb testing.TB, now func() time.Time, signers map[string]crypto.Signer) *Verifiers {
	tb.Helper()
	var set jose.JSONWebKeySet
	for kid, s := range signers {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: s.Public(), KeyID: kid, Use: "sig"})
	}
	body, err := json.Marshal(set)
	if err != nil {
		tb.Fatal(err)
	}
	cache := NewMemoryCache()
	if err := cache.SaveKeys(context.Background(), offlineIssuer, CachedKeys{JWKS: body, FetchedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}); err != nil {
		tb.Fatal(err)
	}
	cfg := Config{Issuers: []IssuerConfig{{
		Name: "idp", Issuer: offlineIssuer, Audience: Strings{"api"}, Algorithms: []string{"RS256", "ES256"},
		Claims: ClaimMapping{Username: "preferred_username", App: AppMapping{Claim: "azp"}},
		Roles:  RoleMapping{Claim: "realm_access.roles", Rules: []RoleRule{{"admin", "admin"}}, Default: "user"},
	}}}
	v, err := New(cfg, Options{HTTPClient: &http.Client{Transport: offline{}}, Now: now, Cache: cache})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func signWith(tb testing.TB, alg jose.SignatureAlgorithm, key crypto.Signer, kid string, claims any) string {
	tb.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func offlineClaims() map[string]any {
	return map[string]any{"iss": offlineIssuer, "aud": "api", "sub": "u1", "azp": "demo-app", "iat": t0.Unix(),
		"exp": t0.Add(10 * time.Minute).Unix(), "preferred_username": "ada", "realm_access": map[string]any{"roles": []string{"admin"}}}
}

func FuzzVerify(f *testing.F) {
	rk, ek := rsaKey(f, 0), newECKey(f)
	now := func() time.Time { return t0.Add(time.Minute) }
	v := seeded(f, now, map[string]crypto.Signer{"r1": rk, "e1": ek})
	b64 := base64.RawURLEncoding.EncodeToString
	good := signWith(f, jose.RS256, rk, "r1", offlineClaims())
	payload, _ := json.Marshal(offlineClaims())
	for _, s := range []string{
		good,
		signWith(f, jose.ES256, ek, "e1", offlineClaims()),
		signWith(f, jose.ES256, ek, "r1", offlineClaims()),
		signWith(f, jose.RS256, rk, "unknown", offlineClaims()),
		signWith(f, jose.RS256, rk, "r1", map[string]any{"iss": offlineIssuer, "aud": []any{1, "api"}, "exp": "soon"}),
		signWith(f, jose.RS256, rk, "r1", map[string]any{"iss": offlineIssuer, "realm_access": map[string]any{"roles": map[string]any{"a": 1}}}),
		b64([]byte(`{"alg":"none"}`)) + "." + b64(payload) + ".",
		b64([]byte(`{"alg":"HS256","kid":"r1"}`)) + "." + b64(payload) + ".c2ln",
		b64([]byte(`{"alg":"RS256","kid":"r1","crit":["exp"]}`)) + "." + b64(payload) + ".c2ln",
		b64([]byte(`{"alg":"RS256"}`)) + "." + b64([]byte(`{"iss":["a"]}`)) + ".c2ln",
		good[:len(good)-4], "", ".", "..", "a.b.c", "eyJ.eyJ.", strings.Repeat("A", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		p, err := v.Verify(context.Background(), token)
		if err != nil {
			if !errors.Is(err, ErrUnknownIssuer) && !errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrUnavailable) {
				t.Fatalf("error %v is none of the package's kinds", err)
			}
			if strings.Contains(err.Error(), token) && len(token) > 8 {
				t.Fatalf("error message contains the token")
			}
			return
		}
		if !strings.HasPrefix(p.Subject, "ext:idp:") || p.ExternalSubject == "" || p.Role == "" || p.App == "" {
			t.Fatalf("accepted token gave an incomplete principal %+v", p)
		}
		if p.ExpiresAt.Before(now().Add(-DefaultLeeway)) {
			t.Fatalf("accepted an expired token: exp %s", p.ExpiresAt)
		}
		// Differential: the token must verify with go-jose directly
		// against one of the issuer's keys.
		tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
		if err != nil {
			t.Fatalf("accepted a token go-jose cannot parse: %v", err)
		}
		var out map[string]any
		if tok.Claims(rk.Public(), &out) != nil && tok.Claims(ek.Public(), &out) != nil {
			t.Fatalf("accepted a token no issuer key verifies")
		}
	})
}

func FuzzParseJWKS(f *testing.F) {
	set, _ := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: rsaKey(f, 0).Public(), KeyID: "r1", Use: "sig"}, {Key: newECKey(f).Public(), KeyID: "e1"}}})
	for _, s := range []string{string(set), `{"keys":[]}`, `{"keys":[{"kty":"oct","k":"AAAA"}]}`, `{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`,
		`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`, `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`, `[]`, `null`, `{"keys":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := parseJWKS(data, DefaultMaxResponseBytes)
		if err != nil {
			return
		}
		if len(keys) == 0 || len(keys) > MaxKeys {
			t.Fatalf("%d keys returned without error", len(keys))
		}
		for _, k := range keys {
			if !k.IsPublic() || !k.Valid() {
				t.Fatalf("kept a key that is not a valid public key: %+v", k)
			}
		}
	})
}

func FuzzLookup(f *testing.F) {
	f.Add([]byte(keycloakClaims), "realm_access.roles")
	f.Add([]byte(cognitoClaims), "cognito:groups")
	f.Add([]byte(`{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}}`), "a.b.c.d.e.f.g.h.i")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return
		}
		v, ok := lookup(m, path)
		if !ok && v != nil {
			t.Fatalf("absent claim with value %v", v)
		}
		_ = mapRole(m, RoleMapping{Claim: path, Rules: []RoleRule{{"admin", "admin"}}})
		_ = hasRequired(m, RequiredClaim{Claim: path, Equals: "x"})
	})
}
