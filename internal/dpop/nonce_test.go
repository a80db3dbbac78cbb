package dpop_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/bulwark-security/bulwark/internal/dpop"
	"github.com/bulwark-security/bulwark/internal/dpop/dpoptest"
)

var secret = bytes.Repeat([]byte{0x5a}, 32)

func newNonces(t *testing.T, clock *dpoptest.Clock, key []byte) *dpop.Nonces {
	t.Helper()
	n, err := dpop.NewNonces(dpop.NoncesOptions{Secret: key, Rotate: 5 * time.Minute, Now: clock.Now})
	if err != nil {
		t.Fatalf("NewNonces: %v", err)
	}
	return n
}

func TestNoncesCheck(t *testing.T) {
	t.Parallel()
	other := bytes.Repeat([]byte{0xa5}, 32)
	cases := []struct {
		name    string
		issueAt time.Duration // after t0, with the secret
		key     []byte        // issuing secret; secret when nil
		checkAt time.Duration
		mangle  func(string) string
		ok      bool
	}{
		{name: "a nonce is accepted at once", ok: true},
		{name: "a nonce is accepted later in its period", checkAt: 4 * time.Minute, ok: true},
		{name: "a nonce is accepted in the next period", issueAt: 4 * time.Minute, checkAt: 9 * time.Minute, ok: true},
		{name: "a nonce two periods old is stale", checkAt: 10 * time.Minute},
		{name: "a nonce from a future period is refused", issueAt: 5 * time.Minute},
		{name: "a nonce under another secret is refused", key: other},
		{name: "an empty nonce is refused", mangle: func(string) string { return "" }},
		{name: "a truncated nonce is refused", mangle: func(s string) string { return s[:len(s)-1] }},
		{name: "a nonce with one character changed is refused", mangle: func(s string) string {
			b := []byte(s)
			if b[len(b)-2] == 'A' {
				b[len(b)-2] = 'B'
			} else {
				b[len(b)-2] = 'A'
			}
			return string(b)
		}},
		{name: "a nonce spelled with non-canonical trailing bits is refused", mangle: func(s string) string {
			const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
			i := strings.IndexByte(alphabet, s[len(s)-1])
			return s[:len(s)-1] + string(alphabet[i^1])
		}},
		{name: "a nonce that is not base64url is refused", mangle: func(s string) string { return strings.Repeat("!", len(s)) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := dpoptest.NewClock(t0.Truncate(5 * time.Minute))
			key := tc.key
			if key == nil {
				key = secret
			}
			issuer := newNonces(t, clock, key)
			checker := newNonces(t, clock, secret)
			start := clock.Now()
			clock.Advance(tc.issueAt)
			n, err := issuer.Issue()
			if err != nil {
				t.Fatal(err)
			}
			if tc.mangle != nil {
				n = tc.mangle(n)
			}
			clock.Advance(start.Add(tc.checkAt).Sub(clock.Now()))
			err = checker.Check(n)
			if (err == nil) != tc.ok {
				t.Errorf("Check(%q) = %v, want ok %v", n, err, tc.ok)
			}
		})
	}
}

func TestNoncesAreDistinct(t *testing.T) {
	t.Parallel()
	n := newNonces(t, dpoptest.NewClock(t0), secret)
	seen := map[string]bool{}
	for range 100 {
		v, err := n.Issue()
		if err != nil {
			t.Fatal(err)
		}
		if seen[v] {
			t.Fatalf("Issue returned %q twice", v)
		}
		seen[v] = true
	}
}

func TestNewNoncesValidates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		opt  dpop.NoncesOptions
	}{
		{"a secret under 32 bytes", dpop.NoncesOptions{Secret: make([]byte, 31)}},
		{"a rotation under a minute", dpop.NoncesOptions{Rotate: 30 * time.Second}},
		{"a rotation over an hour", dpop.NoncesOptions{Rotate: 2 * time.Hour}},
		{"a failing random source for the secret", dpop.NoncesOptions{Rand: iotest.ErrReader(errors.New("no entropy"))}},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is an error", func(t *testing.T) {
			t.Parallel()
			if _, err := dpop.NewNonces(tc.opt); err == nil {
				t.Error("NewNonces succeeded")
			}
		})
	}
	n, err := dpop.NewNonces(dpop.NoncesOptions{Secret: secret, Rand: iotest.ErrReader(errors.New("no entropy"))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Issue(); err == nil {
		t.Error("Issue with a failing random source succeeded")
	}
}

func TestVerifyWithServerNonces(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := dpoptest.NewClock(t0)
	nonces := newNonces(t, clock, secret)
	v, err := dpop.NewVerifier(dpop.Options{Replay: dpop.NewMemoryReplayCache(dpop.MemoryReplayOptions{Now: clock.Now}), Nonces: nonces, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	req := dpop.Request{Method: "POST", URL: tokenURL}
	mk := func(opts ...dpop.ProofOption) string {
		return proof(t, keyP256, "POST", tokenURL, append([]dpop.ProofOption{dpop.WithIssuedAt(clock.Now())}, opts...)...)
	}

	// A proof without a nonce is answered with one.
	_, err = v.Verify(ctx, mk(), req)
	var ne *dpop.UseNonceError
	if !errors.As(err, &ne) || !errors.Is(err, dpop.ErrUseNonce) {
		t.Fatalf("Verify without a nonce = %v, want a *UseNonceError", err)
	}
	if dpop.ErrorCode(err) != dpop.CodeUseNonce {
		t.Errorf("ErrorCode = %q, want %q", dpop.ErrorCode(err), dpop.CodeUseNonce)
	}
	got, ok := dpop.NonceOf(err)
	if !ok || nonces.Check(got) != nil {
		t.Fatalf("NonceOf = %q, %v: want a valid nonce", got, ok)
	}

	// The retry with that nonce is accepted.
	p, err := v.Verify(ctx, mk(dpop.WithNonce(got)), req)
	if err != nil {
		t.Fatalf("Verify with the nonce given: %v", err)
	}
	if p.Nonce != got {
		t.Errorf("Proof.Nonce = %q, want %q", p.Nonce, got)
	}

	// A made-up nonce and a stale one are answered with a fresh one.
	for name, n := range map[string]string{"made up": "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGhIjKl", "garbage": "x"} {
		if _, err := v.Verify(ctx, mk(dpop.WithNonce(n)), req); !errors.As(err, &ne) || ne.Nonce == "" {
			t.Errorf("Verify with a %s nonce = %v, want a *UseNonceError with a nonce", name, err)
		}
	}
	clock.Advance(11 * time.Minute)
	if _, err := v.Verify(ctx, mk(dpop.WithNonce(got)), req); !errors.As(err, &ne) {
		t.Errorf("Verify with a stale nonce = %v, want a *UseNonceError", err)
	} else if ne.Nonce == got || nonces.Check(ne.Nonce) != nil {
		t.Errorf("UseNonceError.Nonce = %q, want a fresh valid nonce", ne.Nonce)
	}
}
