// Package extissuertest is the contract test suite of package extissuer's
// storage: every implementation of extissuer.KeyCache (in memory, SQL,
// Redis) runs the same tests, so that the verifiers' expectations hold
// whichever is configured.
package extissuertest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/extissuer"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// Cache runs the extissuer.KeyCache contract. newCache returns an empty
// cache.
func Cache(t *testing.T, newCache func(t *testing.T) extissuer.KeyCache) {
	ctx := context.Background()
	jwks := []byte(`{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}`)
	t.Run("an issuer never saved is not cached", func(t *testing.T) {
		c := newCache(t)
		if _, ok, err := c.LoadKeys(ctx, "https://idp.example.com/"); err != nil || ok {
			t.Errorf("LoadKeys = ok %v, err %v; want not cached, nil", ok, err)
		}
	})
	t.Run("saved keys load back unchanged, with their times", func(t *testing.T) {
		c := newCache(t)
		want := extissuer.CachedKeys{JWKS: jwks, FetchedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := c.SaveKeys(ctx, "https://idp.example.com/", want); err != nil {
			t.Fatal(err)
		}
		got, ok, err := c.LoadKeys(ctx, "https://idp.example.com/")
		if err != nil || !ok {
			t.Fatalf("LoadKeys = ok %v, err %v", ok, err)
		}
		if !bytes.Equal(got.JWKS, want.JWKS) || !got.FetchedAt.Equal(want.FetchedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) {
			t.Errorf("LoadKeys = %+v, want %+v", got, want)
		}
	})
	t.Run("issuers are distinct keys, compared exactly", func(t *testing.T) {
		c := newCache(t)
		must(t, c.SaveKeys(ctx, "https://a.example.com/", extissuer.CachedKeys{JWKS: []byte("a"), FetchedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		must(t, c.SaveKeys(ctx, "https://b.example.com/", extissuer.CachedKeys{JWKS: []byte("b"), FetchedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		for iss, want := range map[string]string{"https://a.example.com/": "a", "https://b.example.com/": "b"} {
			got, ok, err := c.LoadKeys(ctx, iss)
			if err != nil || !ok || string(got.JWKS) != want {
				t.Errorf("LoadKeys(%s) = %q, %v, %v; want %q", iss, got.JWKS, ok, err, want)
			}
		}
		if _, ok, _ := c.LoadKeys(ctx, "https://a.example.com"); ok {
			t.Errorf("issuer without its trailing slash found the other's keys")
		}
	})
	t.Run("a save replaces the previous keys", func(t *testing.T) {
		c := newCache(t)
		must(t, c.SaveKeys(ctx, "https://idp.example.com/", extissuer.CachedKeys{JWKS: []byte("old"), FetchedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		must(t, c.SaveKeys(ctx, "https://idp.example.com/", extissuer.CachedKeys{JWKS: []byte("new"), FetchedAt: t0.Add(time.Minute), ExpiresAt: t0.Add(2 * time.Hour)}))
		got, _, err := c.LoadKeys(ctx, "https://idp.example.com/")
		if err != nil || string(got.JWKS) != "new" || !got.ExpiresAt.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("LoadKeys = %+v, %v; want the second save", got, err)
		}
	})
	t.Run("loaded bytes are the caller's to change", func(t *testing.T) {
		c := newCache(t)
		buf := append([]byte(nil), jwks...)
		must(t, c.SaveKeys(ctx, "https://idp.example.com/", extissuer.CachedKeys{JWKS: buf, FetchedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		buf[0] = 'X'
		got, _, _ := c.LoadKeys(ctx, "https://idp.example.com/")
		got.JWKS[1] = 'Y'
		again, _, _ := c.LoadKeys(ctx, "https://idp.example.com/")
		if !bytes.Equal(again.JWKS, jwks) {
			t.Errorf("cached bytes changed through a caller's slice: %q", again.JWKS)
		}
	})
	t.Run("a key set of 1 MiB is stored whole", func(t *testing.T) {
		c := newCache(t)
		big := bytes.Repeat([]byte("k"), 1<<20)
		must(t, c.SaveKeys(ctx, "https://idp.example.com/", extissuer.CachedKeys{JWKS: big, FetchedAt: t0, ExpiresAt: t0.Add(time.Hour)}))
		got, _, err := c.LoadKeys(ctx, "https://idp.example.com/")
		if err != nil || !bytes.Equal(got.JWKS, big) {
			t.Errorf("LoadKeys = %d bytes, %v; want %d bytes", len(got.JWKS), err, len(big))
		}
	})
	t.Run("concurrent saves and loads are safe and each load sees a whole save", func(t *testing.T) {
		c := newCache(t)
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for i := range 16 {
			wg.Go(func() {
				v := []byte(fmt.Sprintf("set-%02d", i))
				if err := c.SaveKeys(ctx, "https://idp.example.com/", extissuer.CachedKeys{JWKS: v, FetchedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
					errs <- err
				}
				got, ok, err := c.LoadKeys(ctx, "https://idp.example.com/")
				if err != nil || !ok || len(got.JWKS) != len("set-00") {
					errs <- fmt.Errorf("load: %q, %v, %v", got.JWKS, ok, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
	t.Run("a cancelled context is an error", func(t *testing.T) {
		c := newCache(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := c.SaveKeys(cctx, "https://idp.example.com/", extissuer.CachedKeys{JWKS: jwks, FetchedAt: t0, ExpiresAt: t0}); err == nil {
			t.Errorf("SaveKeys with a cancelled context succeeded")
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
