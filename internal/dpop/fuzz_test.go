package dpop_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/dpop"
	"github.com/bulwark-security/bulwark/internal/dpop/dpoptest"
)

// FuzzVerify feeds arbitrary proofs to Verify: it must never panic, every
// error must be one of the documented kinds, and a proof it accepts must
// be refused as a replay the second time.
func FuzzVerify(f *testing.F) {
	f.Add(proof(f, keyP256, "POST", chatURL), "")
	f.Add(proof(f, keyEd, "POST", chatURL, dpop.WithAccessToken("tok")), "tok")
	f.Add(proof(f, keyP384, "POST", "HTTPS://GATEWAY.example.com:443/v1/./chat/completions"), "")
	f.Add(rfcProof, "")
	f.Add(craft(f, map[string]any{"typ": "dpop+jwt", "alg": "none"}, goodClaims(), nil), "")
	f.Add(craft(f, map[string]any{"typ": "dpop+jwt", "alg": "HS256", "jwk": map[string]any{"kty": "oct", "k": "c2VjcmV0"}}, goodClaims(), nil)+"c2ln", "")
	f.Add(craft(f, with(goodHeader(f), "jwk", with(publicJWK(f, keyP256.Public()), "d", "AAAA")), goodClaims(), keyP256), "")
	f.Add(craft(f, with(goodHeader(f), "crit", []string{"b64"}, "b64", false), goodClaims(), keyP256), "")
	f.Add("eyJ0eXAiOiJkcG9wK2p3dCJ9..", "")
	f.Add("....", "")
	f.Add(`{"protected":"e30","payload":"e30","signature":""}`, "")
	f.Add(strings.Repeat("A", 100), "tok")

	clock := dpoptest.NewClock(t0)
	v, err := dpop.NewVerifier(dpop.Options{Replay: dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{Now: clock.Now, MaxEntries: 1 << 16}), Now: clock.Now})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p, accessToken string) {
		ctx := context.Background()
		req := dpop.Request{Method: "POST", URL: chatURL, AccessToken: accessToken}
		got, err := v.Verify(ctx, p, req)
		if err != nil {
			if !errors.Is(err, dpop.ErrInvalidProof) && !errors.Is(err, dpop.ErrUseNonce) && !errors.Is(err, dpop.ErrUnavailable) {
				t.Fatalf("Verify error %v is of no documented kind", err)
			}
			if got.JKT != "" || got.ID != "" || got.Key.Key != nil {
				t.Fatalf("Verify returned %+v with error %v", got, err)
			}
			return
		}
		if got.JKT == "" || got.ID == "" || got.Method != "POST" {
			t.Fatalf("accepted proof %+v lacks a thumbprint, jti or method", got)
		}
		if _, err := v.Verify(ctx, p, req); !errors.Is(err, dpop.ErrReplay) {
			t.Fatalf("accepted proof presented again: %v, want ErrReplay", err)
		}
	})
}

// FuzzNormalizeURL checks that normalization never panics and is
// idempotent: a normalized URL normalizes to itself.
func FuzzNormalizeURL(f *testing.F) {
	for _, s := range []string{chatURL, "HTTPS://H.example:443/a/./b/../%7e?q#f", "http://[::1]:80/", "https://h/%2e%2E/%zz", "https://u@h/", "https:h", "//h/x", "https://h:0443/a%2fb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := dpop.NormalizeURL(s)
		if err != nil {
			return
		}
		n2, err := dpop.NormalizeURL(n)
		if err != nil || n2 != n {
			t.Fatalf("NormalizeURL(%q) = %q, which normalizes to %q, %v", s, n, n2, err)
		}
	})
}

// zeros is a deterministic random source, so that every fuzz worker
// issues the same nonce.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// FuzzNoncesCheck checks that arbitrary strings are never taken for
// nonces issued by the server.
func FuzzNoncesCheck(f *testing.F) {
	clock := dpoptest.NewClock(t0)
	n, err := dpop.NewNonces(dpop.NoncesOptions{Secret: secret, Now: clock.Now, Rand: zeros{}})
	if err != nil {
		f.Fatal(err)
	}
	issued, err := n.Issue()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(issued)
	f.Add(issued[:len(issued)-1] + "A")
	f.Add("")
	f.Add(strings.Repeat("A", len(issued)))
	f.Fuzz(func(t *testing.T, s string) {
		if s == issued {
			return
		}
		if err := n.Check(s); err == nil {
			t.Fatalf("Check(%q) accepted a nonce never issued", s)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	cases := []struct {
		name string
		opts []dpop.ProofOption
		tok  string
	}{
		{name: "ES256"},
		{name: "ES256 with ath", opts: []dpop.ProofOption{dpop.WithAccessToken("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c3JfMSJ9.c2lnbmF0dXJl")}, tok: "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c3JfMSJ9.c2lnbmF0dXJl"},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			clock := dpoptest.NewClock(t0)
			v, err := dpop.NewVerifier(dpop.Options{Replay: dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{Now: clock.Now}), Now: clock.Now})
			if err != nil {
				b.Fatal(err)
			}
			proofs := make([]string, b.N)
			for i := range proofs {
				proofs[i] = proof(b, keyP256, "POST", chatURL, bc.opts...)
			}
			req := dpop.Request{Method: "POST", URL: chatURL, AccessToken: bc.tok}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := v.Verify(context.Background(), proofs[i], req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkECDSAVerify is the floor under BenchmarkVerify: one P-256
// signature check and nothing else.
func BenchmarkECDSAVerify(b *testing.B) {
	sum := sha256.Sum256([]byte("header.payload"))
	sig, err := ecdsa.SignASN1(rand.Reader, keyP256, sum[:])
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !ecdsa.VerifyASN1(&keyP256.PublicKey, sum[:], sig) {
			b.Fatal("signature does not verify")
		}
	}
}

func BenchmarkNewProof(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dpop.NewProof(keyP256, "POST", chatURL, dpop.WithIssuedAt(t0)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMemoryReplayCache(b *testing.B) {
	clock := dpoptest.NewClock(t0)
	c := dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{Now: clock.Now})
	ctx := context.Background()
	until := t0.Add(time.Minute)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var buf [16]byte
		i := 0
		for pb.Next() {
			i++
			for j := range buf {
				buf[j] = byte(i >> (j % 8 * 8))
			}
			if _, err := c.Seen(ctx, string(buf[:]), until); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkNonces(b *testing.B) {
	n, err := dpop.NewNonces(dpop.NoncesOptions{Secret: secret})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		v, err := n.Issue()
		if err != nil {
			b.Fatal(err)
		}
		if err := n.Check(v); err != nil {
			b.Fatal(err)
		}
	}
}
