package dpop_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/dpop"
	"github.com/bulwark-security/bulwark/internal/dpop/dpoptest"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

const (
	tokenURL = "https://gateway.example.com/v1/auth/token"
	chatURL  = "https://gateway.example.com/v1/chat/completions"
)

// Keys made once: RSA generation is slow.
var (
	keyP256   = mustECDSA(elliptic.P256())
	keyP256b  = mustECDSA(elliptic.P256())
	keyP384   = mustECDSA(elliptic.P384())
	keyEd     = mustEd25519()
	keyRSA    = mustRSA(2048)
	keyRSA1k  = mustRSA(1024)
	allowRSA  = []string{dpop.ES256, dpop.ES384, dpop.EdDSA, dpop.RS256, dpop.PS256}
	errBroken = errors.New("storage down")
)

func mustECDSA(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func mustEd25519() ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits) //nolint:gosec // a 1024-bit key is a test of refusal
	if err != nil {
		panic(err)
	}
	return k
}

type fixture struct {
	clock *dpoptest.Clock
	v     *dpop.Verifier
}

func newFixture(t testing.TB, opt dpop.Options) *fixture {
	t.Helper()
	clock := dpoptest.NewClock(t0)
	if opt.Replay == nil {
		opt.Replay = dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{Now: clock.Now})
	}
	opt.Now = clock.Now
	v, err := dpop.NewVerifier(opt)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return &fixture{clock: clock, v: v}
}

func proof(t testing.TB, key crypto.Signer, method, url string, opts ...dpop.ProofOption) string {
	t.Helper()
	opts = append([]dpop.ProofOption{dpop.WithIssuedAt(t0)}, opts...)
	p, err := dpop.NewProof(key, method, url, opts...)
	if err != nil {
		t.Fatalf("NewProof: %v", err)
	}
	return p
}

func b64(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func publicJWK(t testing.TB, k crypto.PublicKey) map[string]any {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKey{Key: k})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// craft builds a compact JWS from an arbitrary header and claims, signed
// ES256 by key (nil: no signature): the attacks that NewProof refuses to
// make.
func craft(t testing.TB, header, claims map[string]any, key *ecdsa.PrivateKey) string {
	t.Helper()
	input := b64(header) + "." + b64(claims)
	if key == nil {
		return input + "."
	}
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func goodHeader(t testing.TB) map[string]any {
	return map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": publicJWK(t, keyP256.Public())}
}

func goodClaims() map[string]any {
	return map[string]any{"jti": "e1j3V_bKic8-LAEB", "htm": "POST", "htu": chatURL, "iat": t0.Unix()}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func TestThumbprintRFCVectors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		jwk  string
		want string
	}{
		{
			name: "RFC 7638 §3.1 RSA key has the published thumbprint",
			jwk:  `{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}`,
			want: "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs",
		},
		{
			name: "RFC 9449 example EC key has the published jkt",
			jwk:  `{"kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA","crv":"P-256"}`,
			want: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var k jose.JSONWebKey
			if err := k.UnmarshalJSON([]byte(tc.jwk)); err != nil {
				t.Fatal(err)
			}
			got, err := dpop.Thumbprint(k)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Thumbprint = %q, want %q", got, tc.want)
			}
			got2, err := dpop.PublicKeyThumbprint(k.Key)
			if err != nil || got2 != tc.want {
				t.Errorf("PublicKeyThumbprint = %q, %v; want %q", got2, err, tc.want)
			}
		})
	}
}

func TestThumbprintOfPrivateKeyIsThatOfItsPublicKey(t *testing.T) {
	t.Parallel()
	priv, err := dpop.Thumbprint(jose.JSONWebKey{Key: keyP256})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := dpop.PublicKeyThumbprint(keyP256.Public())
	if err != nil {
		t.Fatal(err)
	}
	if priv != pub {
		t.Errorf("thumbprint of the private key %q, of the public key %q", priv, pub)
	}
	other, _ := dpop.PublicKeyThumbprint(keyP256b.Public())
	if other == pub {
		t.Errorf("two keys share the thumbprint %q", pub)
	}
}

func TestAccessTokenHashRFCVector(t *testing.T) {
	t.Parallel()
	// RFC 9449 §7.1, Figures 12 and 13.
	const token, want = "Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU", "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
	if got := dpop.AccessTokenHash(token); got != want {
		t.Errorf("AccessTokenHash(%q) = %q, want %q", token, got, want)
	}
}

// rfcProof is the proof of RFC 9449 §4.1 (Figure 3), for POST
// https://server.example.com/token at iat 1562262616.
const rfcProof = "eyJ0eXAiOiJkcG9wK2p3dCIsImFsZyI6IkVTMjU2IiwiandrIjp7Imt0eSI6IkVDIiwieCI6Imw4dEZyaHgtMzR0VjNoUklDUkRZOXpDa0RscEJoRjQyVVFVZldWQVdCRnMiLCJ5IjoiOVZFNGpmX09rX282NHpiVFRsY3VOSmFqSG10NnY5VERWclUwQ2R2R1JEQSIsImNydiI6IlAtMjU2In19.eyJqdGkiOiItQndDM0VTYzZhY2MybFRjIiwiaHRtIjoiUE9TVCIsImh0dSI6Imh0dHBzOi8vc2VydmVyLmV4YW1wbGUuY29tL3Rva2VuIiwiaWF0IjoxNTYyMjYyNjE2fQ.2-GxA6T8lP4vfrg8v-FdWP0A0zdrj8igiMLvqRMUvwnQg4PtFLbdLXiOSsX0x7NVY-FNyJK70nfbV37xRZT3Lg"

func TestVerifyRFCExampleProof(t *testing.T) {
	t.Parallel()
	clock := dpoptest.NewClock(time.Unix(1562262616, 0).Add(5 * time.Second))
	v, err := dpop.NewVerifier(dpop.Options{Replay: dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{Now: clock.Now}), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.Verify(context.Background(), rfcProof, dpop.Request{Method: "POST", URL: "https://server.example.com/token"})
	if err != nil {
		t.Fatalf("Verify(RFC 9449 example): %v", err)
	}
	want := struct{ JKT, Alg, ID, Method, URL string }{"0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I", "ES256", "-BwC3ESc6acc2lTc", "POST", "https://server.example.com/token"}
	if diff := cmp.Diff(want, struct{ JKT, Alg, ID, Method, URL string }{got.JKT, got.Algorithm, got.ID, got.Method, got.URL}); diff != "" {
		t.Errorf("proof (-want +got):\n%s", diff)
	}
	if !got.IssuedAt.Equal(time.Unix(1562262616, 0)) {
		t.Errorf("IssuedAt = %s, want 1562262616", got.IssuedAt)
	}
	if err := dpop.CheckBinding(got, "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"); err != nil {
		t.Errorf("CheckBinding with the RFC's cnf.jkt: %v", err)
	}
	if _, err := v.Verify(context.Background(), rfcProof, dpop.Request{Method: "POST", URL: "https://server.example.com/token"}); !errors.Is(err, dpop.ErrReplay) {
		t.Errorf("second Verify(RFC 9449 example) = %v, want ErrReplay", err)
	}
}

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		opt     dpop.Options
		key     crypto.Signer
		popts   []dpop.ProofOption
		method  string
		htu     string
		req     dpop.Request
		wantAlg string
	}{
		{name: "an ES256 proof for the request", key: keyP256, method: "POST", htu: chatURL, req: dpop.Request{Method: "POST", URL: chatURL}, wantAlg: "ES256"},
		{name: "an ES384 proof for the request", key: keyP384, method: "GET", htu: chatURL, req: dpop.Request{Method: "GET", URL: chatURL}, wantAlg: "ES384"},
		{name: "an EdDSA proof for the request", key: keyEd, method: "POST", htu: chatURL, req: dpop.Request{Method: "POST", URL: chatURL}, wantAlg: "EdDSA"},
		{name: "a PS256 proof when RSA is allowed", opt: dpop.Options{Algorithms: allowRSA}, key: keyRSA, method: "POST", htu: chatURL, req: dpop.Request{Method: "POST", URL: chatURL}, wantAlg: "PS256"},
		{name: "an RS256 proof when RSA is allowed", opt: dpop.Options{Algorithms: allowRSA}, key: keyRSA, popts: []dpop.ProofOption{dpop.WithAlgorithm(dpop.RS256)}, method: "POST", htu: chatURL, req: dpop.Request{Method: "POST", URL: chatURL}, wantAlg: "RS256"},
		{name: "a proof with the ath of the access token presented", key: keyP256, popts: []dpop.ProofOption{dpop.WithAccessToken("eyJ.access.token")}, method: "POST", htu: chatURL,
			req: dpop.Request{Method: "POST", URL: chatURL, AccessToken: "eyJ.access.token"}, wantAlg: "ES256"},
		{name: "a proof with ath when no access token is presented", key: keyP256, popts: []dpop.ProofOption{dpop.WithAccessToken("eyJ.access.token")}, method: "POST", htu: chatURL,
			req: dpop.Request{Method: "POST", URL: chatURL}, wantAlg: "ES256"},
		{name: "the request's query and fragment are ignored", key: keyP256, method: "GET", htu: "https://gateway.example.com/v1/models",
			req: dpop.Request{Method: "GET", URL: "https://gateway.example.com/v1/models?limit=5#top"}, wantAlg: "ES256"},
		{name: "the proof's query is left out by NewProof", key: keyP256, method: "GET", htu: "https://gateway.example.com/v1/models?limit=5",
			req: dpop.Request{Method: "GET", URL: "https://gateway.example.com/v1/models"}, wantAlg: "ES256"},
		{name: "scheme and host case, default port, dot segments and percent-encoding are normalized", key: keyP256, method: "POST",
			htu: "HTTPS://Gateway.Example.COM:443/v1/./chat/x/../%63ompletions", req: dpop.Request{Method: "POST", URL: chatURL}, wantAlg: "ES256"},
		{name: "an explicit non-default port matches itself", key: keyP256, method: "POST", htu: "https://gateway.example.com:8443/v1/auth/token",
			req: dpop.Request{Method: "POST", URL: "https://GATEWAY.example.com:8443/v1/auth/token"}, wantAlg: "ES256"},
		{name: "the nonce the caller expects", key: keyP256, popts: []dpop.ProofOption{dpop.WithNonce("eyJ7S_zG.eyJH0-Z.HX4w-7v")}, method: "POST", htu: tokenURL,
			req: dpop.Request{Method: "POST", URL: tokenURL, Nonce: "eyJ7S_zG.eyJH0-Z.HX4w-7v"}, wantAlg: "ES256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.opt)
			p := proof(t, tc.key, tc.method, tc.htu, tc.popts...)
			got, err := f.v.Verify(context.Background(), p, tc.req)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			wantJKT, err := dpop.PublicKeyThumbprint(tc.key.Public())
			if err != nil {
				t.Fatal(err)
			}
			if got.JKT != wantJKT || got.Algorithm != tc.wantAlg || got.Method != tc.method || !got.IssuedAt.Equal(t0) || got.ID == "" {
				t.Errorf("Verify = {JKT %q, Alg %q, Method %q, IssuedAt %s, ID %q}, want {JKT %q, Alg %q, Method %q, IssuedAt %s, a jti}",
					got.JKT, got.Algorithm, got.Method, got.IssuedAt, got.ID, wantJKT, tc.wantAlg, tc.method, t0)
			}
			if !got.Key.IsPublic() {
				t.Error("Proof.Key is not public")
			}
			if err := dpop.CheckBinding(got, wantJKT); err != nil {
				t.Errorf("CheckBinding with the key's own thumbprint: %v", err)
			}
			if diff := cmp.Diff(dpop.Confirmation{JKT: wantJKT}, got.Confirmation()); diff != "" {
				t.Errorf("Confirmation (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyAcceptsWithinTheWindow(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{-60 * time.Second, -time.Second, 0, time.Second, 60 * time.Second} {
		f := newFixture(t, dpop.Options{})
		p := proof(t, keyP256, "POST", chatURL, dpop.WithIssuedAt(t0.Add(d)))
		if _, err := f.v.Verify(context.Background(), p, dpop.Request{Method: "POST", URL: chatURL}); err != nil {
			t.Errorf("proof issued %s from now: %v", d, err)
		}
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	sign := func(t testing.TB, h, c map[string]any) string { return craft(t, h, c, keyP256) }
	hmacProof := func(t testing.TB) string {
		secret := []byte("0123456789abcdef0123456789abcdef")
		h := map[string]any{"typ": "dpop+jwt", "alg": "HS256", "jwk": map[string]any{"kty": "oct", "k": base64.RawURLEncoding.EncodeToString(secret)}}
		input := b64(h) + "." + b64(goodClaims())
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(input))
		return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	hmacProofNoJWK := func(t testing.TB) string {
		secret := []byte("0123456789abcdef0123456789abcdef")
		input := b64(map[string]any{"typ": "dpop+jwt", "alg": "HS256"}) + "." + b64(goodClaims())
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(input))
		return input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	privateJWK := func(t testing.TB) map[string]any {
		b, err := json.Marshal(jose.JSONWebKey{Key: keyP256})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		if m["d"] == nil {
			t.Fatal("private JWK has no d")
		}
		return m
	}
	post := dpop.Request{Method: "POST", URL: chatURL}
	cases := []struct {
		name  string
		opt   dpop.Options
		proof func(t testing.TB) string
		req   dpop.Request
		want  error
	}{
		{"no proof", dpop.Options{}, func(testing.TB) string { return "" }, post, dpop.ErrMissingProof},
		{"an oversized proof", dpop.Options{}, func(t testing.TB) string {
			return sign(t, goodHeader(t), with(goodClaims(), "pad", strings.Repeat("A", dpop.MaxProofSize)))
		}, post, dpop.ErrOversized},
		{"a proof for another URL", dpop.Options{}, func(t testing.TB) string {
			return proof(t, keyP256, "POST", "https://gateway.example.com/v1/embeddings")
		}, post, dpop.ErrWrongURL},
		{"a proof for another host", dpop.Options{}, func(t testing.TB) string {
			return proof(t, keyP256, "POST", "https://evil.example.com/v1/chat/completions")
		}, post, dpop.ErrWrongURL},
		{"a proof for http when the request is https", dpop.Options{}, func(t testing.TB) string {
			return proof(t, keyP256, "POST", "http://gateway.example.com/v1/chat/completions")
		}, post, dpop.ErrWrongURL},
		{"a proof for another port", dpop.Options{}, func(t testing.TB) string {
			return proof(t, keyP256, "POST", "https://gateway.example.com:8443/v1/chat/completions")
		}, post, dpop.ErrWrongURL},
		{"a proof with a path differing in case", dpop.Options{}, func(t testing.TB) string {
			return proof(t, keyP256, "POST", "https://gateway.example.com/v1/Chat/completions")
		}, post, dpop.ErrWrongURL},
		{"a proof whose htu has user information", dpop.Options{}, func(t testing.TB) string {
			return sign(t, goodHeader(t), with(goodClaims(), "htu", "https://user@gateway.example.com/v1/chat/completions"))
		}, post, dpop.ErrWrongURL},
		{"a proof whose htu is relative", dpop.Options{}, func(t testing.TB) string {
			return sign(t, goodHeader(t), with(goodClaims(), "htu", "/v1/chat/completions"))
		}, post, dpop.ErrWrongURL},
		{"a proof for another method", dpop.Options{}, func(t testing.TB) string { return proof(t, keyP256, "GET", chatURL) }, post, dpop.ErrWrongMethod},
		{"a proof whose method differs in case", dpop.Options{}, func(t testing.TB) string { return proof(t, keyP256, "post", chatURL) }, post, dpop.ErrWrongMethod},
		{"a proof too old", dpop.Options{}, func(t testing.TB) string {
			return proof(t, keyP256, "POST", chatURL, dpop.WithIssuedAt(t0.Add(-61*time.Second)))
		}, post, dpop.ErrStale},
		{"a proof from the future", dpop.Options{}, func(t testing.TB) string {
			return proof(t, keyP256, "POST", chatURL, dpop.WithIssuedAt(t0.Add(61*time.Second)))
		}, post, dpop.ErrStale},
		{"a proof older than a shorter window", dpop.Options{Window: 10 * time.Second}, func(t testing.TB) string {
			return proof(t, keyP256, "POST", chatURL, dpop.WithIssuedAt(t0.Add(-11*time.Second)))
		}, post, dpop.ErrStale},
		{"alg none", dpop.Options{}, func(t testing.TB) string { return craft(t, with(goodHeader(t), "alg", "none"), goodClaims(), nil) }, post, dpop.ErrUnsupportedAlg},
		{"alg none without signature segment", dpop.Options{}, func(t testing.TB) string {
			return strings.TrimSuffix(craft(t, with(goodHeader(t), "alg", "none"), goodClaims(), nil), ".")
		}, post, dpop.ErrMalformed},
		{"HS256 with a symmetric jwk", dpop.Options{}, hmacProof, post, dpop.ErrUnsupportedAlg},
		{"HS256 without jwk", dpop.Options{}, hmacProofNoJWK, post, dpop.ErrUnsupportedAlg},
		{"HS256 even when RSA is allowed", dpop.Options{Algorithms: allowRSA}, hmacProof, post, dpop.ErrUnsupportedAlg},
		{"RS256 when RSA is not allowed", dpop.Options{}, func(t testing.TB) string { return proof(t, keyRSA, "POST", chatURL, dpop.WithAlgorithm(dpop.RS256)) }, post, dpop.ErrUnsupportedAlg},
		{"an RSA key under 2048 bits", dpop.Options{Algorithms: allowRSA}, func(t testing.TB) string { return proof(t, keyRSA1k, "POST", chatURL) }, post, dpop.ErrBadKey},
		{"a jwk with private key material", dpop.Options{}, func(t testing.TB) string { return sign(t, with(goodHeader(t), "jwk", privateJWK(t)), goodClaims()) }, post, dpop.ErrBadKey},
		{"a jwk with only a private member added", dpop.Options{}, func(t testing.TB) string {
			return sign(t, with(goodHeader(t), "jwk", with(publicJWK(t, keyP256.Public()), "d", "AAAA")), goodClaims())
		}, post, dpop.ErrBadKey},
		{"no jwk", dpop.Options{}, func(t testing.TB) string { return sign(t, with(goodHeader(t), "jwk", nil), goodClaims()) }, post, dpop.ErrBadKey},
		{"a P-384 jwk with alg ES256", dpop.Options{}, func(t testing.TB) string {
			return sign(t, with(goodHeader(t), "jwk", publicJWK(t, keyP384.Public())), goodClaims())
		}, post, dpop.ErrBadKey},
		{"a jwk whose alg is another", dpop.Options{}, func(t testing.TB) string {
			return sign(t, with(goodHeader(t), "jwk", with(publicJWK(t, keyP256.Public()), "alg", "ES384")), goodClaims())
		}, post, dpop.ErrBadKey},
		{"a jwk for encryption", dpop.Options{}, func(t testing.TB) string {
			return sign(t, with(goodHeader(t), "jwk", with(publicJWK(t, keyP256.Public()), "use", "enc")), goodClaims())
		}, post, dpop.ErrBadKey},
		{"a signature by another key than the jwk", dpop.Options{}, func(t testing.TB) string {
			return craft(t, goodHeader(t), goodClaims(), keyP256b)
		}, post, dpop.ErrBadSignature},
		{"a tampered payload", dpop.Options{}, func(t testing.TB) string {
			p := proof(t, keyP256, "POST", chatURL)
			parts := strings.Split(p, ".")
			parts[1] = b64(with(goodClaims(), "jti", "other"))
			return strings.Join(parts, ".")
		}, post, dpop.ErrBadSignature},
		{"typ JWT", dpop.Options{}, func(t testing.TB) string { return sign(t, with(goodHeader(t), "typ", "JWT"), goodClaims()) }, post, dpop.ErrWrongType},
		{"no typ", dpop.Options{}, func(t testing.TB) string { return sign(t, with(goodHeader(t), "typ", nil), goodClaims()) }, post, dpop.ErrWrongType},
		{"a typ that is not a string", dpop.Options{}, func(t testing.TB) string { return sign(t, with(goodHeader(t), "typ", 7), goodClaims()) }, post, dpop.ErrWrongType},
		{"a crit header", dpop.Options{}, func(t testing.TB) string {
			return sign(t, with(goodHeader(t), "crit", []string{"exp"}, "exp", 1), goodClaims())
		}, post, dpop.ErrMalformed},
		{"no jti", dpop.Options{}, func(t testing.TB) string { return sign(t, goodHeader(t), with(goodClaims(), "jti", nil)) }, post, dpop.ErrMissingClaim},
		{"no htm", dpop.Options{}, func(t testing.TB) string { return sign(t, goodHeader(t), with(goodClaims(), "htm", nil)) }, post, dpop.ErrMissingClaim},
		{"no htu", dpop.Options{}, func(t testing.TB) string { return sign(t, goodHeader(t), with(goodClaims(), "htu", nil)) }, post, dpop.ErrMissingClaim},
		{"no iat", dpop.Options{}, func(t testing.TB) string { return sign(t, goodHeader(t), with(goodClaims(), "iat", nil)) }, post, dpop.ErrMissingClaim},
		{"an iat that is a string", dpop.Options{}, func(t testing.TB) string { return sign(t, goodHeader(t), with(goodClaims(), "iat", "now")) }, post, dpop.ErrMalformed},
		{"a jti that is a number", dpop.Options{}, func(t testing.TB) string { return sign(t, goodHeader(t), with(goodClaims(), "jti", 42)) }, post, dpop.ErrMalformed},
		{"a huge jti", dpop.Options{}, func(t testing.TB) string {
			return sign(t, goodHeader(t), with(goodClaims(), "jti", strings.Repeat("j", 300)))
		}, post, dpop.ErrMalformed},
		{"claims that are not an object", dpop.Options{}, func(t testing.TB) string {
			input := b64(goodHeader(t)) + "." + base64.RawURLEncoding.EncodeToString([]byte(`["jti"]`))
			sum := sha256.Sum256([]byte(input))
			r, s, _ := ecdsa.Sign(rand.Reader, keyP256, sum[:])
			sig := make([]byte, 64)
			r.FillBytes(sig[:32])
			s.FillBytes(sig[32:])
			return input + "." + base64.RawURLEncoding.EncodeToString(sig)
		}, post, dpop.ErrMalformed},
		{"missing ath when an access token is presented", dpop.Options{}, func(t testing.TB) string { return proof(t, keyP256, "POST", chatURL) },
			dpop.Request{Method: "POST", URL: chatURL, AccessToken: "eyJ.access.token"}, dpop.ErrMissingAth},
		{"the ath of another access token", dpop.Options{}, func(t testing.TB) string {
			return proof(t, keyP256, "POST", chatURL, dpop.WithAccessToken("eyJ.other.token"))
		},
			dpop.Request{Method: "POST", URL: chatURL, AccessToken: "eyJ.access.token"}, dpop.ErrWrongAth},
		{"a wrong nonce when the caller expects one", dpop.Options{}, func(t testing.TB) string { return proof(t, keyP256, "POST", chatURL, dpop.WithNonce("old")) },
			dpop.Request{Method: "POST", URL: chatURL, Nonce: "fresh"}, dpop.ErrUseNonce},
		{"no nonce when the caller expects one", dpop.Options{}, func(t testing.TB) string { return proof(t, keyP256, "POST", chatURL) },
			dpop.Request{Method: "POST", URL: chatURL, Nonce: "fresh"}, dpop.ErrUseNonce},
		{"not a JWS", dpop.Options{}, func(testing.TB) string { return "not-a-proof" }, post, dpop.ErrMalformed},
		{"a JWS in JSON serialization", dpop.Options{}, func(t testing.TB) string {
			parts := strings.Split(proof(t, keyP256, "POST", chatURL), ".")
			return `{"protected":"` + parts[0] + `","payload":"` + parts[1] + `","signature":"` + parts[2] + `"}`
		}, post, dpop.ErrMalformed},
		{"a JWE", dpop.Options{}, func(testing.TB) string { return "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d" }, post, dpop.ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.opt)
			_, err := f.v.Verify(context.Background(), tc.proof(t), tc.req)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			if !errors.Is(tc.want, dpop.ErrUseNonce) && !errors.Is(err, dpop.ErrInvalidProof) {
				t.Errorf("Verify = %v, which is not ErrInvalidProof", err)
			}
			if errors.Is(err, dpop.ErrUnavailable) {
				t.Errorf("Verify = %v, which blames the server", err)
			}
		})
	}
}

func TestVerifyRefusesAReplayedProof(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dpop.Options{})
	req := dpop.Request{Method: "POST", URL: chatURL}
	p := proof(t, keyP256, "POST", chatURL)
	if _, err := f.v.Verify(context.Background(), p, req); err != nil {
		t.Fatalf("first Verify: %v", err)
	}
	f.clock.Advance(30 * time.Second)
	if _, err := f.v.Verify(context.Background(), p, req); !errors.Is(err, dpop.ErrReplay) {
		t.Errorf("replayed 30 s later: %v, want ErrReplay", err)
	}
	f.clock.Advance(31*time.Second + time.Millisecond)
	if _, err := f.v.Verify(context.Background(), p, req); !errors.Is(err, dpop.ErrStale) {
		t.Errorf("replayed once forgotten by the cache: %v, want ErrStale", err)
	}
}

func TestVerifyReplayIsPerKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dpop.Options{})
	req := dpop.Request{Method: "POST", URL: chatURL}
	for _, k := range []crypto.Signer{keyP256, keyP256b} {
		if _, err := f.v.Verify(context.Background(), proof(t, k, "POST", chatURL, dpop.WithID("same-jti")), req); err != nil {
			t.Errorf("a jti used by another key: %v", err)
		}
	}
	if _, err := f.v.Verify(context.Background(), proof(t, keyP256, "POST", chatURL, dpop.WithID("same-jti")), req); !errors.Is(err, dpop.ErrReplay) {
		t.Errorf("a jti reused by one key in a new proof: %v, want ErrReplay", err)
	}
}

func TestVerifyARefusedProofIsNotRemembered(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dpop.Options{})
	p := proof(t, keyP256, "POST", chatURL, dpop.WithAccessToken("tok"))
	if _, err := f.v.Verify(context.Background(), p, dpop.Request{Method: "POST", URL: chatURL, AccessToken: "other"}); !errors.Is(err, dpop.ErrWrongAth) {
		t.Fatalf("Verify with the wrong token: %v", err)
	}
	if _, err := f.v.Verify(context.Background(), p, dpop.Request{Method: "POST", URL: chatURL, AccessToken: "tok"}); err != nil {
		t.Errorf("Verify after a refusal: %v", err)
	}
}

func TestVerifyConcurrentPresentationsOfOneProof(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dpop.Options{})
	p := proof(t, keyP256, "POST", chatURL)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.v.Verify(context.Background(), p, dpop.Request{Method: "POST", URL: chatURL})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, dpop.ErrReplay):
			t.Errorf("Verify = %v, want nil or ErrReplay", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent presentations accepted, want 1", ok, n)
	}
}

type brokenCache struct{}

func (brokenCache) Seen(context.Context, string, time.Time) (bool, error) { return false, errBroken }

func TestVerifyFailsClosedWhenTheReplayCacheFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dpop.Options{Replay: brokenCache{}})
	_, err := f.v.Verify(context.Background(), proof(t, keyP256, "POST", chatURL), dpop.Request{Method: "POST", URL: chatURL})
	if !errors.Is(err, dpop.ErrUnavailable) || !errors.Is(err, errBroken) {
		t.Errorf("Verify = %v, want ErrUnavailable wrapping the cache's error", err)
	}
	if errors.Is(err, dpop.ErrInvalidProof) || dpop.ErrorCode(err) != "" {
		t.Errorf("Verify = %v (code %q): a server fault is not the client's invalid proof", err, dpop.ErrorCode(err))
	}
}

func TestCheckBinding(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dpop.Options{})
	p, err := f.v.Verify(context.Background(), proof(t, keyP256, "POST", chatURL), dpop.Request{Method: "POST", URL: chatURL})
	if err != nil {
		t.Fatal(err)
	}
	own, _ := dpop.PublicKeyThumbprint(keyP256.Public())
	other, _ := dpop.PublicKeyThumbprint(keyP256b.Public())
	cases := []struct {
		name string
		jkt  string
		want error
	}{
		{"a token bound to the proof's key is accepted", own, nil},
		{"a token bound to another key is refused", other, dpop.ErrBindingMismatch},
		{"a token bound to nothing is refused", "", dpop.ErrBindingMismatch},
		{"a prefix of the thumbprint is refused", own[:20], dpop.ErrBindingMismatch},
	}
	t.Run("a zero proof and a token bound to nothing do not match", func(t *testing.T) {
		t.Parallel()
		if err := dpop.CheckBinding(dpop.Proof{}, ""); !errors.Is(err, dpop.ErrBindingMismatch) {
			t.Errorf("CheckBinding(Proof{}, \"\") = %v, want ErrBindingMismatch", err)
		}
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := dpop.CheckBinding(p, tc.jkt); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Errorf("CheckBinding(%q) = %v, want %v", tc.jkt, err, tc.want)
			}
		})
	}
}

func TestNewVerifierValidatesOptions(t *testing.T) {
	t.Parallel()
	cache := dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{})
	cases := []struct {
		name string
		opt  dpop.Options
	}{
		{"no replay cache", dpop.Options{}},
		{"HS256 in the algorithms", dpop.Options{Replay: cache, Algorithms: []string{"ES256", "HS256"}}},
		{"none in the algorithms", dpop.Options{Replay: cache, Algorithms: []string{"none"}}},
		{"a negative window", dpop.Options{Replay: cache, Window: -time.Second}},
		{"a window over 10 minutes", dpop.Options{Replay: cache, Window: 11 * time.Minute}},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is an error", func(t *testing.T) {
			t.Parallel()
			if _, err := dpop.NewVerifier(tc.opt); err == nil {
				t.Error("NewVerifier succeeded")
			}
		})
	}
	v, err := dpop.NewVerifier(dpop.Options{Replay: cache})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ES256", "ES384", "EdDSA"}, v.Algorithms()); diff != "" {
		t.Errorf("default Algorithms (-want +got):\n%s", diff)
	}
}

func TestNewProofRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		key         crypto.Signer
		method, url string
	}{
		{"no key", nil, "POST", chatURL},
		{"no method", keyP256, "", chatURL},
		{"a relative URL", keyP256, "POST", "/v1/chat"},
		{"a P-224 key", mustECDSA(elliptic.P224()), "POST", chatURL},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.key == nil {
				if _, err := dpop.NewProof(nil, tc.method, tc.url); err == nil {
					t.Error("NewProof succeeded")
				}
				return
			}
			if _, err := dpop.NewProof(tc.key, tc.method, tc.url); err == nil {
				t.Error("NewProof succeeded")
			}
		})
	}
}

// hardwareKey is a crypto.Signer that is not one of the standard key
// types, as a key in a secure element is.
type hardwareKey struct{ k *ecdsa.PrivateKey }

func (h hardwareKey) Public() crypto.PublicKey { return h.k.Public() }
func (h hardwareKey) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return h.k.Sign(r, digest, opts)
}

func TestNewProofWithAnOpaqueSigner(t *testing.T) {
	t.Parallel()
	f := newFixture(t, dpop.Options{})
	p := proof(t, hardwareKey{keyP256}, "POST", chatURL, dpop.WithAccessToken("tok"), dpop.WithNonce("n"))
	got, err := f.v.Verify(context.Background(), p, dpop.Request{Method: "POST", URL: chatURL, AccessToken: "tok", Nonce: "n"})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want, _ := dpop.PublicKeyThumbprint(keyP256.Public())
	if got.JKT != want || got.Nonce != "n" {
		t.Errorf("JKT %q nonce %q, want %q, %q", got.JKT, got.Nonce, want, "n")
	}
}

func TestMemoryReplayCache(t *testing.T) {
	dpoptest.ReplayCache(t, func(_ *testing.T, now func() time.Time) dpop.ReplayCache {
		return dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{Now: now})
	})
}

func TestMemoryReplayCacheOneShard(t *testing.T) {
	dpoptest.ReplayCache(t, func(_ *testing.T, now func() time.Time) dpop.ReplayCache {
		return dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{Now: now, Shards: 1})
	})
}

func TestMemoryReplayCacheIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := dpoptest.NewClock(t0)
	c := dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{Now: clock.Now, MaxEntries: 100, Shards: 4})
	full := 0
	for i := range 1000 {
		_, err := c.Seen(ctx, "k"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+time.Duration(i).String(), clock.Now().Add(time.Minute))
		switch {
		case errors.Is(err, dpop.ErrReplayCacheFull):
			full++
		case err != nil:
			t.Fatal(err)
		}
	}
	if n := c.Len(); n > 100 {
		t.Errorf("Len = %d after 1000 keys, want at most 100", n)
	}
	if full < 900 {
		t.Errorf("%d keys refused as full, want at least 900", full)
	}
	clock.Advance(time.Minute + time.Second)
	if _, err := c.Seen(ctx, "after-expiry", clock.Now().Add(time.Minute)); err != nil {
		t.Errorf("Seen after every key expired: %v", err)
	}
	if n := c.Len(); n != 1 {
		t.Errorf("Len = %d after expiry, want 1: the expired keys dropped", n)
	}
	if _, err := c.Seen(ctx, strings.Repeat("k", 513), clock.Now().Add(time.Minute)); err == nil {
		t.Error("Seen took a 513-byte key")
	}
}

func TestMemoryReplayCacheFullFailsVerifyClosed(t *testing.T) {
	t.Parallel()
	clock := dpoptest.NewClock(t0)
	cache := dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{Now: clock.Now, MaxEntries: 1, Shards: 1})
	v, err := dpop.NewVerifier(dpop.Options{Replay: cache, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	req := dpop.Request{Method: "POST", URL: chatURL}
	if _, err := v.Verify(context.Background(), proof(t, keyP256, "POST", chatURL), req); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), proof(t, keyP256, "POST", chatURL), req); !errors.Is(err, dpop.ErrUnavailable) {
		t.Errorf("Verify with a full cache = %v, want ErrUnavailable", err)
	}
}

func TestVerifyRefusesARespelledProofAfterTheOriginal(t *testing.T) {
	t.Parallel()
	respell := map[string]func(p string) string{
		// The last base64url character of a 64-byte signature carries
		// four bits that decoders may ignore.
		"non-canonical base64 of the signature": func(p string) string {
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			i := strings.IndexByte(alphabet, p[len(p)-1])
			return p[:len(p)-1] + string(alphabet[i^1])
		},
		// ECDSA signatures are malleable: (r, n-s) verifies as (r, s) does.
		"the other ECDSA signature of the same message": func(p string) string {
			i := strings.LastIndexByte(p, '.')
			sig, err := base64.RawURLEncoding.DecodeString(p[i+1:])
			if err != nil {
				t.Fatal(err)
			}
			s := new(big.Int).SetBytes(sig[32:])
			s.Sub(elliptic.P256().Params().N, s)
			s.FillBytes(sig[32:])
			return p[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
		},
	}
	for name, f := range respell {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t, dpop.Options{})
			req := dpop.Request{Method: "POST", URL: chatURL}
			p := proof(t, keyP256, "POST", chatURL)
			if _, err := fx.v.Verify(context.Background(), p, req); err != nil {
				t.Fatal(err)
			}
			q := f(p)
			if q == p {
				t.Fatal("respelling left the proof unchanged")
			}
			if _, err := fx.v.Verify(context.Background(), q, req); !errors.Is(err, dpop.ErrInvalidProof) {
				t.Errorf("respelled proof: %v, want it refused", err)
			} else {
				t.Logf("respelled proof refused: %v", err)
			}
		})
	}
}
