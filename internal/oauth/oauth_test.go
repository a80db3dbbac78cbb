package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/identity"
)

const (
	testClient   = "notes-app"
	testRedirect = "com.example.notes:/oauth2redirect"
	// RFC 7636 Appendix B.
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func clients(id string) ([]string, bool, error) {
	switch id {
	case testClient:
		return []string{testRedirect, "https://app.example.com/cb"}, true, nil
	case "no-redirects":
		return nil, true, nil
	case "broken":
		return nil, false, errors.New("database down")
	}
	return nil, false, nil
}

func validQuery() url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {testClient}, "redirect_uri": {testRedirect}, "state": {"xyz"},
		"code_challenge": {rfcChallenge}, "code_challenge_method": {"S256"}, "scope": {"openid profile"}, "nonce": {"n-0S6_WzA2Mj"}}
}

func TestValidateAuthorize(t *testing.T) {
	got, err := ValidateAuthorize(validQuery(), clients)
	if err != nil {
		t.Fatal(err)
	}
	want := Request{ClientID: testClient, RedirectURI: testRedirect, State: "xyz", CodeChallenge: rfcChallenge, Nonce: "n-0S6_WzA2Mj", Scopes: []string{"openid", "profile"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("valid request (-want +got):\n%s", d)
	}
	for _, tc := range []struct {
		name     string
		change   func(url.Values)
		code     string
		redirect bool
	}{
		{"a missing client_id is not redirected", func(q url.Values) { q.Del("client_id") }, "invalid_request", false},
		{"an unknown client is not redirected", func(q url.Values) { q.Set("client_id", "other") }, "unauthorized_client", false},
		{"a client without redirect URIs is not redirected", func(q url.Values) { q.Set("client_id", "no-redirects") }, "unauthorized_client", false},
		{"a failing registry is a server error, not redirected", func(q url.Values) { q.Set("client_id", "broken") }, "server_error", false},
		{"a missing redirect_uri is not redirected", func(q url.Values) { q.Del("redirect_uri") }, "invalid_request", false},
		{"a redirect_uri one character off is not redirected", func(q url.Values) { q.Set("redirect_uri", "com.example.notes:/oauth2redirecT") }, "invalid_request", false},
		{"a redirect_uri with a trailing slash is not redirected", func(q url.Values) { q.Set("redirect_uri", "https://app.example.com/cb/") }, "invalid_request", false},
		{"a redirect_uri with a query is not redirected", func(q url.Values) { q.Set("redirect_uri", testRedirect+"?a=b") }, "invalid_request", false},
		{"a repeated redirect_uri is not redirected", func(q url.Values) { q.Add("redirect_uri", testRedirect) }, "invalid_request", false},
		{"a missing state is redirected", func(q url.Values) { q.Del("state") }, "invalid_request", true},
		{"response_type token is unsupported", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type", true},
		{"response_type code id_token is unsupported", func(q url.Values) { q.Set("response_type", "code id_token") }, "unsupported_response_type", true},
		{"the plain method is refused", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request", true},
		{"a missing method is refused", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request", true},
		{"a missing challenge is refused", func(q url.Values) { q.Del("code_challenge") }, "invalid_request", true},
		{"a 42-character challenge is refused", func(q url.Values) { q.Set("code_challenge", rfcChallenge[:42]) }, "invalid_request", true},
		{"a challenge with a reserved character is refused", func(q url.Values) { q.Set("code_challenge", rfcChallenge[:42]+"+") }, "invalid_request", true},
		{"a 129-character challenge is refused", func(q url.Values) { q.Set("code_challenge", strings.Repeat("a", 129)) }, "invalid_request", true},
		{"an unknown scope is refused", func(q url.Values) { q.Set("scope", "openid admin") }, "invalid_scope", true},
		{"a repeated state is refused", func(q url.Values) { q.Add("state", "abc") }, "invalid_request", true},
		{"a long nonce is refused", func(q url.Values) { q.Set("nonce", strings.Repeat("n", MaxNonce+1)) }, "invalid_request", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := validQuery()
			tc.change(q)
			_, err := ValidateAuthorize(q, clients)
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("want *Error, got %v", err)
			}
			if oe.Code != tc.code || oe.Redirect != tc.redirect {
				t.Fatalf("got %s redirect=%t, want %s redirect=%t", oe.Code, oe.Redirect, tc.code, tc.redirect)
			}
		})
	}
}

func TestValidateAuthorizeScopes(t *testing.T) {
	q := validQuery()
	q.Set("scope", "profile")
	r, err := ValidateAuthorize(q, clients)
	if err != nil || r.OpenID() {
		t.Fatalf("scope profile: %v, OpenID()=%t, want no ID token", err, r.OpenID())
	}
	q.Set("scope", "openid openid profile")
	r, err = ValidateAuthorize(q, clients)
	if err != nil || !r.OpenID() || r.Scope() != "openid profile" {
		t.Fatalf("duplicated scopes: %v %q", err, r.Scope())
	}
}

func TestVerifyPKCE(t *testing.T) {
	long := strings.Repeat("~", 128)
	for _, tc := range []struct {
		name, verifier, challenge string
		ok                        bool
	}{
		{"an empty challenge is refused", rfcVerifier, "", false},
		{"a wrong verifier is refused", strings.Repeat("a", 43), rfcChallenge, false},
		{"a short verifier is refused even with its own challenge", "abc", S256("abc"), false},
		{"a verifier with a space is refused", strings.Repeat("a", 42) + " ", S256(strings.Repeat("a", 42) + " "), false},
		{"a 128-character verifier verifies", long, S256(long), true},
		{"a 129-character verifier is refused", long + "a", S256(long + "a"), false},
		{"an empty verifier is refused", "", rfcChallenge, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := VerifyPKCE(tc.verifier, tc.challenge); (err == nil) != tc.ok {
				t.Fatalf("VerifyPKCE = %v, want ok=%t", err, tc.ok)
			}
		})
	}
	t.Run("the RFC 7636 appendix B pair verifies", func(t *testing.T) {
		const v = rfcVerifier
		if got := S256(v); got != rfcChallenge {
			t.Fatalf("S256 = %s, want %s", got, rfcChallenge)
		}
		if err := VerifyPKCE(v, rfcChallenge); err != nil {
			t.Fatal(err)
		}
	})
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestCodes(t *testing.T) {
	clk := &clock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	const v = rfcVerifier
	grant := Grant{Request: Request{ClientID: testClient, RedirectURI: testRedirect, CodeChallenge: S256(v)}, Tokens: &identity.TokenPair{SessionID: "ses_1"}}
	ctx := context.Background()
	issue := func(t *testing.T, c *Codes) string {
		code, err := c.Issue(ctx, grant)
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	for _, tc := range []struct {
		name                  string
		client, redirect, ver string
		wait                  time.Duration
		want                  error
	}{
		{"the right client, redirect and verifier redeem", testClient, testRedirect, v, 0, nil},
		{"another client is refused", "other", testRedirect, v, 0, ErrInvalidGrant},
		{"another redirect_uri is refused", testClient, testRedirect + "/", v, 0, ErrInvalidGrant},
		{"a wrong verifier is refused", testClient, testRedirect, strings.Repeat("b", 43), 0, ErrPKCE},
		{"a missing verifier is refused", testClient, testRedirect, "", 0, ErrPKCE},
		{"a code at 59 s redeems", testClient, testRedirect, v, 59 * time.Second, nil},
		{"a code at 60 s has expired", testClient, testRedirect, v, 60 * time.Second, ErrInvalidGrant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Codes{Store: NewMemory(10), Now: clk.now}
			start := clk.t
			defer func() { clk.t = start }()
			code := issue(t, c)
			clk.t = clk.t.Add(tc.wait)
			g, err := c.Redeem(ctx, code, tc.client, tc.redirect, tc.ver)
			if tc.want == nil && (err != nil || g.Tokens.SessionID != "ses_1") {
				t.Fatalf("Redeem = %v, want the grant", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Redeem = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("a second redemption is reported with the first grant", func(t *testing.T) {
		c := &Codes{Store: NewMemory(10), Now: clk.now}
		code := issue(t, c)
		if _, err := c.Redeem(ctx, code, testClient, testRedirect, v); err != nil {
			t.Fatal(err)
		}
		g, err := c.Redeem(ctx, code, testClient, testRedirect, v)
		if !errors.Is(err, ErrCodeReused) || g.Tokens == nil || g.Tokens.SessionID != "ses_1" {
			t.Fatalf("second Redeem = %v, %+v; want ErrCodeReused with the grant", err, g.Tokens)
		}
	})
	t.Run("an unknown code is refused", func(t *testing.T) {
		c := &Codes{Store: NewMemory(10), Now: clk.now}
		if _, err := c.Redeem(ctx, "nope", testClient, testRedirect, v); !errors.Is(err, ErrInvalidGrant) {
			t.Fatalf("Redeem = %v", err)
		}
	})
	t.Run("codes are 256-bit and distinct", func(t *testing.T) {
		c := &Codes{Store: NewMemory(10), Now: clk.now}
		a, b := issue(t, c), issue(t, c)
		if a == b || len(a) != 43 {
			t.Fatalf("codes %q %q", a, b)
		}
	})
	t.Run("a full store refuses new codes", func(t *testing.T) {
		c := &Codes{Store: NewMemory(2), Now: clk.now}
		issue(t, c)
		issue(t, c)
		if _, err := c.Issue(ctx, grant); !errors.Is(err, ErrFull) {
			t.Fatalf("Issue on a full store = %v, want ErrFull", err)
		}
	})
}

func TestCSRF(t *testing.T) {
	c, err := NewCSRF()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewCSRF()
	tok := c.Token("req-1")
	for _, tc := range []struct {
		name, id, token string
		ok              bool
	}{
		{"the token of the request is accepted", "req-1", tok, true},
		{"the token of another request is refused", "req-2", tok, false},
		{"an empty token is refused", "req-1", "", false},
		{"a token under another key is refused", "req-1", other.Token("req-1"), false},
		{"an empty id is refused", "", c.Token(""), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.Check(tc.id, tc.token); got != tc.ok {
				t.Fatalf("Check = %t, want %t", got, tc.ok)
			}
		})
	}
}

func TestPendingStore(t *testing.T) {
	clk := &clock{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s := NewPendingStore(1, clk.now)
	id, err := s.Add(Request{ClientID: testClient})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(Request{}); !errors.Is(err, ErrFull) {
		t.Fatalf("Add to a full store = %v, want ErrFull", err)
	}
	s.SetTicket(id, "t")
	if p, ok := s.Get(id); !ok || p.MFATicket != "t" || p.ClientID != testClient {
		t.Fatalf("Get = %+v %t", p, ok)
	}
	clk.t = clk.t.Add(PendingTTL)
	if _, ok := s.Get(id); ok {
		t.Fatal("an expired pending authorization is still returned")
	}
	if _, err := s.Add(Request{}); err != nil {
		t.Fatalf("Add after expiry: %v", err)
	}
}

func TestDiscovery(t *testing.T) {
	d := NewDiscovery("https://gw.example/", "EdDSA")
	if d.Issuer != "https://gw.example" || d.JWKSURI != "https://gw.example/.well-known/jwks.json" || d.TokenEndpoint != "https://gw.example/oauth/token" {
		t.Fatalf("discovery %+v", d)
	}
	if d := cmp.Diff([]string{"EdDSA"}, d.IDTokenSigningAlgValuesSupported); d != "" {
		t.Error(d)
	}
}

func TestErrorRedirectURL(t *testing.T) {
	e := &Error{Code: "invalid_request", Description: "state is required", Redirect: true}
	u, err := url.Parse(e.RedirectURL("https://app.example.com/cb?x=1", "abc"))
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"x": {"1"}, "error": {"invalid_request"}, "error_description": {"state is required"}, "state": {"abc"}}
	if d := cmp.Diff(want, u.Query()); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func FuzzValidateAuthorize(f *testing.F) {
	f.Add(validQuery().Encode())
	f.Add("response_type=token&client_id=notes-app&redirect_uri=com.example.notes%3A%2Foauth2redirect&state=s")
	f.Add("client_id=notes-app&client_id=x")
	f.Add("response_type=code&client_id=notes-app&redirect_uri=com.example.notes:/oauth2redirect&state=%00&code_challenge=" + strings.Repeat("a", 43) + "&code_challenge_method=S256")
	f.Add("%zz&&==")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r, err := ValidateAuthorize(q, clients)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) {
				t.Fatalf("error of the wrong type: %v", err)
			}
			if oe.Redirect && !exactMatch([]string{testRedirect, "https://app.example.com/cb"}, r.RedirectURI) {
				t.Fatalf("a redirect to an unregistered URI %q", r.RedirectURI)
			}
			return
		}
		if r.ClientID != testClient || !exactMatch([]string{testRedirect, "https://app.example.com/cb"}, r.RedirectURI) || r.State == "" || !validPKCE(r.CodeChallenge) {
			t.Fatalf("accepted an invalid request: %+v", r)
		}
	})
}

func FuzzVerifyPKCE(f *testing.F) {
	f.Add(rfcVerifier, rfcChallenge)
	f.Add("", "")
	f.Add(strings.Repeat("~", 129), rfcChallenge)
	f.Fuzz(func(t *testing.T, verifier, challenge string) {
		if err := VerifyPKCE(verifier, challenge); err == nil && S256(verifier) != challenge {
			t.Fatalf("accepted %q for %q", verifier, challenge)
		}
	})
}
