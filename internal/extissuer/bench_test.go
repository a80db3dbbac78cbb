package extissuer

import (
	"context"
	"crypto"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// BenchmarkVerifyCached measures verifying a token whose key is cached:
// parse, pick the issuer, verify the signature and claims, map them.
func BenchmarkVerifyCached(b *testing.B) {
	rk, ek := rsaKey(b, 0), newECKey(b)
	now := func() time.Time { return t0.Add(time.Minute) }
	v := seeded(b, now, map[string]crypto.Signer{"r1": rk, "e1": ek})
	for _, bc := range []struct {
		name string
		tok  string
	}{
		{"RS256", signWith(b, jose.RS256, rk, "r1", offlineClaims())},
		{"ES256", signWith(b, jose.ES256, ek, "e1", offlineClaims())},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			if _, err := v.Verify(ctx, bc.tok); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, bc.tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
