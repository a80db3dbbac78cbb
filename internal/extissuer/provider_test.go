package extissuer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// t0 is the time the tests' clocks start at.
var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// clock is a fake clock, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// provider is an in-process OpenID provider: discovery, a key set that
// can be rotated, and signing with its keys.
type provider struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	keys    map[string]signingKey // by kid
	served  []string              // kids in the key set
	meta    map[string]any        // discovery document override
	jwks    []byte                // key set body override
	cc      string                // Cache-Control of the key set
	jwksDly time.Duration

	discoveryHits, jwksHits atomic.Int64
}

type signingKey struct {
	alg  jose.SignatureAlgorithm
	priv crypto.Signer
}

var (
	rsaOnce sync.Once
	rsaKeys []*rsa.PrivateKey
)

// rsaKey returns one of a few RSA keys generated once per test binary.
func rsaKey(t testing.TB, i int) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		for range 4 {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			rsaKeys = append(rsaKeys, k)
		}
	})
	return rsaKeys[i]
}

func newProvider(t *testing.T) *provider {
	p := &provider{t: t, keys: map[string]signingKey{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		p.discoveryHits.Add(1)
		p.mu.Lock()
		meta := p.meta
		p.mu.Unlock()
		if meta == nil {
			meta = map[string]any{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/jwks.json"}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(meta)
	})
	mux.HandleFunc("GET /jwks.json", func(w http.ResponseWriter, r *http.Request) {
		p.jwksHits.Add(1)
		p.mu.Lock()
		body, cc, dly := p.jwks, p.cc, p.jwksDly
		if body == nil {
			var set jose.JSONWebKeySet
			for _, kid := range p.served {
				k := p.keys[kid]
				set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.priv.Public(), KeyID: kid, Algorithm: string(k.alg), Use: "sig"})
			}
			var err error
			if body, err = json.Marshal(set); err != nil {
				panic(err)
			}
		}
		p.mu.Unlock()
		time.Sleep(dly)
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	p.srv = httptest.NewTLSServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// addKey adds a signing key; served says whether the key set lists it.
func (p *provider) addKey(kid string, alg jose.SignatureAlgorithm, priv crypto.Signer, served bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys[kid] = signingKey{alg: alg, priv: priv}
	if served {
		p.served = append(p.served, kid)
	}
}

// serve replaces the kids listed in the key set (a rotation).
func (p *provider) serve(kids ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.served = kids
}

// sign signs claims with key kid; withKid false leaves the kid header out.
func (p *provider) sign(kid string, withKid bool, claims map[string]any) string {
	p.t.Helper()
	p.mu.Lock()
	k, ok := p.keys[kid]
	p.mu.Unlock()
	if !ok {
		p.t.Fatalf("no key %q", kid)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if withKid {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.priv}, opts)
	if err != nil {
		p.t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		p.t.Fatal(err)
	}
	return tok
}

func newECKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
