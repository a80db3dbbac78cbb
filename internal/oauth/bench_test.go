package oauth

import (
	"context"
	"testing"
	"time"
)

func BenchmarkValidateAuthorize(b *testing.B) {
	q := validQuery()
	for b.Loop() {
		if _, err := ValidateAuthorize(q, clients); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssueRedeem(b *testing.B) {
	// A clock that moves 1 ms a call lets spent codes expire, so the
	// bounded store never fills however long the benchmark runs.
	t0 := time.Now()
	c := &Codes{Store: NewMemory(100000), Now: func() time.Time { t0 = t0.Add(time.Millisecond); return t0 }}
	g := Grant{Request: Request{ClientID: testClient, RedirectURI: testRedirect, CodeChallenge: rfcChallenge}}
	ctx := context.Background()
	for b.Loop() {
		code, err := c.Issue(ctx, g)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Redeem(ctx, code, testClient, testRedirect, rfcVerifier); err != nil {
			b.Fatal(err)
		}
	}
}
