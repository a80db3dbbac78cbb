package serve_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/bulwark-security/bulwark/internal/audit"
	"github.com/bulwark-security/bulwark/internal/gateway"
)

const (
	oauthIssuer   = "https://bulwark.test"
	oauthRedirect = "com.example.notes:/oauth2redirect"
)

func oauthApp(c *gateway.Config) {
	c.Auth.Issuer = oauthIssuer
	c.Apps[0].RedirectURIs = []string{oauthRedirect}
}

// oauthClient is a native app's view of the gateway: an x/oauth2 config
// (public client, client_id in the body) and a browser that does not
// follow redirects (the app receives the redirect URI).
type oauthClient struct {
	h       *harness
	conf    *oauth2.Config
	browser *http.Client
}

func newOAuthClient(h *harness) *oauthClient {
	return &oauthClient{h: h,
		conf: &oauth2.Config{ClientID: testApp, RedirectURL: oauthRedirect, Scopes: []string{oidc.ScopeOpenID, "profile"},
			Endpoint: oauth2.Endpoint{AuthURL: h.url + "/oauth/authorize", TokenURL: h.url + "/oauth/token", AuthStyle: oauth2.AuthStyleInParams}},
		browser: &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func randomString(t *testing.T) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var (
	hiddenRequest = regexp.MustCompile(`name="request" value="([^"]+)"`)
	hiddenCSRF    = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// page is a response of the authorization endpoint.
type page struct {
	status   int
	header   http.Header
	body     string
	location *url.URL
}

func (c *oauthClient) do(t *testing.T, req *http.Request) page {
	t.Helper()
	resp, err := c.browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := page{status: resp.StatusCode, header: resp.Header, body: string(b)}
	if loc := resp.Header.Get("Location"); loc != "" {
		if p.location, err = url.Parse(loc); err != nil {
			t.Fatalf("location %q: %v", loc, err)
		}
	}
	return p
}

func (c *oauthClient) get(t *testing.T, authURL string) page {
	t.Helper()
	req, _ := http.NewRequest("GET", authURL, nil)
	return c.do(t, req)
}

func (c *oauthClient) post(t *testing.T, form url.Values) page {
	t.Helper()
	req, _ := http.NewRequest("POST", c.h.url+"/oauth/authorize", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(t, req)
}

// loginForm reads the hidden fields of a login page.
func loginForm(t *testing.T, p page) url.Values {
	t.Helper()
	r, c := hiddenRequest.FindStringSubmatch(p.body), hiddenCSRF.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || r == nil || c == nil {
		t.Fatalf("want a login page, got %d %s", p.status, p.body)
	}
	return url.Values{"request": {r[1]}, "csrf_token": {c[1]}}
}

// authorize runs the browser part of the flow with a password and returns the code.
func (c *oauthClient) authorize(t *testing.T, state, verifier, nonce string) string {
	t.Helper()
	p := c.get(t, c.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)))
	for _, h := range []struct{ k, want string }{
		{"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"},
		{"X-Frame-Options", "DENY"}, {"Cache-Control", "no-store"}} {
		if got := p.header.Get(h.k); got != h.want {
			t.Errorf("login page %s = %q, want %q", h.k, got, h.want)
		}
	}
	f := loginForm(t, p)
	f.Set("username", testUser)
	f.Set("password", testPassword)
	return codeFrom(t, c.post(t, f), state)
}

func codeFrom(t *testing.T, p page, state string) string {
	t.Helper()
	if p.status != http.StatusFound || p.location == nil {
		t.Fatalf("want a redirect with a code, got %d %s", p.status, p.body)
	}
	if got := p.location.Scheme + ":" + p.location.Path; got != oauthRedirect {
		t.Fatalf("redirected to %q, want %q", got, oauthRedirect)
	}
	q := p.location.Query()
	if q.Get("state") != state || q.Get("code") == "" {
		t.Fatalf("redirect %s: want state %q and a code", p.location, state)
	}
	return q.Get("code")
}

func grantError(t *testing.T, err error) string {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("want an OAuth error, got %v", err)
	}
	return re.ErrorCode
}

func TestOAuthCodeFlowWithRealClients(t *testing.T) {
	h := newHarness(t, oauthApp, manyLogins)
	c := newOAuthClient(h)
	ctx := context.Background()

	// Discovery parses with go-oidc and names this issuer's endpoints.
	prov, err := oidc.NewProvider(oidc.InsecureIssuerURLContext(ctx, oauthIssuer), h.url)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	var meta struct {
		Methods []string `json:"code_challenge_methods_supported"`
		Auth    []string `json:"token_endpoint_auth_methods_supported"`
		Grants  []string `json:"grant_types_supported"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
		JWKS    string   `json:"jwks_uri"`
	}
	if err := prov.Claims(&meta); err != nil {
		t.Fatal(err)
	}
	wantMeta := struct{ Methods, Auth, Grants, Algs []string }{[]string{"S256"}, []string{"none"}, []string{"authorization_code", "refresh_token"}, []string{"ES256"}}
	if d := cmp.Diff(wantMeta, struct{ Methods, Auth, Grants, Algs []string }{meta.Methods, meta.Auth, meta.Grants, meta.Algs}); d != "" {
		t.Errorf("discovery (-want +got):\n%s", d)
	}
	if ep := prov.Endpoint(); ep.AuthURL != oauthIssuer+"/oauth/authorize" || ep.TokenURL != oauthIssuer+"/oauth/token" || meta.JWKS != oauthIssuer+"/.well-known/jwks.json" {
		t.Errorf("discovery endpoints: %+v %s", ep, meta.JWKS)
	}

	state, verifier, nonce := randomString(t), oauth2.GenerateVerifier(), randomString(t)
	code := c.authorize(t, state, verifier, nonce)
	tok, err := c.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	verifierOIDC := oidc.NewVerifier(oauthIssuer, oidc.NewRemoteKeySet(ctx, h.url+"/.well-known/jwks.json"), &oidc.Config{ClientID: testApp, SupportedSigningAlgs: []string{oidc.ES256}})
	idt, err := verifierOIDC.Verify(ctx, raw)
	if err != nil {
		t.Fatalf("id_token: %v", err)
	}
	var claims struct {
		Username string   `json:"preferred_username"`
		AMR      []string `json:"amr"`
		AuthTime int64    `json:"auth_time"`
	}
	if err := idt.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != nonce || claims.Username != testUser || claims.AuthTime == 0 {
		t.Errorf("id_token: nonce %q (want %q), preferred_username %q, auth_time %d", idt.Nonce, nonce, claims.Username, claims.AuthTime)
	}
	if tok.TokenType != "Bearer" || tok.RefreshToken == "" || tok.Expiry.IsZero() {
		t.Errorf("token: type %q, refresh %t, expiry %v", tok.TokenType, tok.RefreshToken != "", tok.Expiry)
	}

	t.Run("the access token calls the AI routes", func(t *testing.T) {
		status, _, body := h.call("POST", "/v1/chat/completions", tok.AccessToken, map[string]any{"model": "chat", "messages": []map[string]string{{"role": "user", "content": "hello"}}})
		if status != http.StatusOK {
			t.Fatalf("chat: %d %s", status, body)
		}
	})
	t.Run("userinfo names the user", func(t *testing.T) {
		status, _, body := h.call("GET", "/oauth/userinfo", tok.AccessToken, nil)
		var ui map[string]string
		if status != http.StatusOK || json.Unmarshal(body, &ui) != nil || ui["sub"] != idt.Subject || ui["preferred_username"] != testUser {
			t.Fatalf("userinfo: %d %s", status, body)
		}
	})
	t.Run("the refresh grant rotates the refresh token", func(t *testing.T) {
		old := &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Now().Add(-time.Hour)}
		next, err := c.conf.TokenSource(ctx, old).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if next.RefreshToken == "" || next.RefreshToken == tok.RefreshToken || next.AccessToken == "" {
			t.Fatalf("refresh did not rotate: %+v", next)
		}
		tok = next
	})
	t.Run("revocation ends the session", func(t *testing.T) {
		status := formPost(t, h, "/oauth/revoke", url.Values{"token": {tok.RefreshToken}})
		if status != http.StatusOK {
			t.Fatalf("revoke: %d", status)
		}
		if status, _, body := h.call("GET", "/oauth/userinfo", tok.AccessToken, nil); status != http.StatusUnauthorized {
			t.Fatalf("userinfo after revoke: %d %s, want 401", status, body)
		}
		if status := formPost(t, h, "/oauth/revoke", url.Values{"token": {"not-a-token"}}); status != http.StatusOK {
			t.Fatalf("revoke of an unknown token: %d, want 200", status)
		}
	})
}

func formPost(t *testing.T, h *harness, path string, form url.Values) int {
	t.Helper()
	resp, err := http.Post(h.url+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func formJSON(t *testing.T, h *harness, path string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(h.url+path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestOAuthAttacksAreRefused(t *testing.T) {
	h := newHarness(t, oauthApp, manyLogins, func(c *gateway.Config) {
		c.Apps = append(c.Apps, gateway.AppConfig{ID: "dpop-app", Name: "Bound", Models: []string{"*"}, RequireDPoP: true, RedirectURIs: []string{oauthRedirect}})
	})
	c := newOAuthClient(h)
	ctx := context.Background()

	t.Run("a code without a PKCE verifier is refused", func(t *testing.T) {
		code := c.authorize(t, "s1", oauth2.GenerateVerifier(), "")
		_, err := c.conf.Exchange(ctx, code)
		if got := grantError(t, err); got != "invalid_grant" {
			t.Fatalf("error %q, want invalid_grant", got)
		}
	})
	t.Run("a code with the wrong verifier is refused and spent", func(t *testing.T) {
		v := oauth2.GenerateVerifier()
		code := c.authorize(t, "s2", v, "")
		_, err := c.conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
		if got := grantError(t, err); got != "invalid_grant" {
			t.Fatalf("error %q, want invalid_grant", got)
		}
		_, err = c.conf.Exchange(ctx, code, oauth2.VerifierOption(v))
		if got := grantError(t, err); got != "invalid_grant" {
			t.Fatalf("the right verifier after a wrong one: %q, want invalid_grant", got)
		}
	})
	t.Run("a code redeemed twice is refused and the first tokens are revoked", func(t *testing.T) {
		v := oauth2.GenerateVerifier()
		code := c.authorize(t, "s3", v, "")
		first, err := c.conf.Exchange(ctx, code, oauth2.VerifierOption(v))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.conf.Exchange(ctx, code, oauth2.VerifierOption(v))
		if got := grantError(t, err); got != "invalid_grant" {
			t.Fatalf("second redemption: %q, want invalid_grant", got)
		}
		status, body := formJSON(t, h, "/oauth/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {testApp}, "refresh_token": {first.RefreshToken}})
		if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Fatalf("refresh with the first redemption's token: %d %v, want 400 invalid_grant", status, body)
		}
		if status, _, _ := h.call("GET", "/oauth/userinfo", first.AccessToken, nil); status != http.StatusUnauthorized {
			t.Fatalf("access token of the first redemption: %d, want 401", status)
		}
	})
	t.Run("a code sent with another redirect_uri is refused", func(t *testing.T) {
		v := oauth2.GenerateVerifier()
		code := c.authorize(t, "s4", v, "")
		status, body := formJSON(t, h, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {testApp}, "code": {code},
			"redirect_uri": {oauthRedirect + "x"}, "code_verifier": {v}})
		if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Fatalf("%d %v, want 400 invalid_grant", status, body)
		}
	})

	valid := func() url.Values {
		return url.Values{"response_type": {"code"}, "client_id": {testApp}, "redirect_uri": {oauthRedirect}, "state": {"st"}, "scope": {"openid"},
			"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}
	}
	for _, tc := range []struct {
		name   string
		change func(url.Values)
		// redirectErr is the error sent to the app; "" means an error page
		// and no redirect at all.
		redirectErr string
		noState     bool
	}{
		{"a redirect URI differing by one character gets an error page, never a redirect", func(q url.Values) { q.Set("redirect_uri", "com.example.notes:/oauth2redirecT") }, "", false},
		{"a redirect URI with a suffix gets an error page", func(q url.Values) { q.Set("redirect_uri", oauthRedirect+"/") }, "", false},
		{"an unknown client gets an error page", func(q url.Values) { q.Set("client_id", "evil-app") }, "", false},
		{"an app that requires DPoP gets an error page (this flow issues bearer tokens)", func(q url.Values) { q.Set("client_id", "dpop-app") }, "", false},
		{"the plain PKCE method is refused", func(q url.Values) {
			q.Set("code_challenge_method", "plain")
			q.Set("code_challenge", oauth2.GenerateVerifier())
		}, "invalid_request", false},
		{"a missing code challenge is refused", func(q url.Values) { q.Del("code_challenge") }, "invalid_request", false},
		{"a missing state is refused", func(q url.Values) { q.Del("state") }, "invalid_request", true},
		{"the implicit flow is refused", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := valid()
			tc.change(q)
			p := c.get(t, h.url+"/oauth/authorize?"+q.Encode())
			if tc.redirectErr == "" {
				if p.status != http.StatusBadRequest || p.location != nil || hiddenCSRF.MatchString(p.body) {
					t.Fatalf("want an error page (400, no Location, no form), got %d %v", p.status, p.location)
				}
				return
			}
			if p.status != http.StatusFound || p.location == nil {
				t.Fatalf("want a redirect with an error, got %d %s", p.status, p.body)
			}
			got := p.location.Query()
			if got.Get("error") != tc.redirectErr || got.Get("code") != "" || (got.Get("state") == "st") == tc.noState {
				t.Fatalf("redirect %s: want error %q and no code", p.location, tc.redirectErr)
			}
		})
	}

	for _, tc := range []struct {
		name string
		csrf func(string) string
	}{
		{"a login post without a CSRF token is refused", func(string) string { return "" }},
		{"a login post with a wrong CSRF token is refused", func(s string) string {
			last := "A"
			if strings.HasSuffix(s, "A") {
				last = "B"
			}
			return s[:len(s)-1] + last
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := loginForm(t, c.get(t, c.conf.AuthCodeURL("s5", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))))
			f.Set("csrf_token", tc.csrf(f.Get("csrf_token")))
			f.Set("username", testUser)
			f.Set("password", testPassword)
			if p := c.post(t, f); p.status != http.StatusForbidden || p.location != nil {
				t.Fatalf("want 403 and no redirect, got %d %v", p.status, p.location)
			}
		})
	}
	t.Run("a wrong password shows the form again with a generic message", func(t *testing.T) {
		f := loginForm(t, c.get(t, c.conf.AuthCodeURL("s6", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))))
		for _, user := range []string{testUser, "nobody@example.com"} {
			f.Set("username", user)
			f.Set("password", "wrong password!")
			p := c.post(t, f)
			if p.status != http.StatusUnauthorized || p.location != nil || !strings.Contains(p.body, "the username or password is wrong") || !hiddenCSRF.MatchString(p.body) {
				t.Fatalf("%s: got %d %v", user, p.status, p.location)
			}
		}
	})
	t.Run("the password grant is refused", func(t *testing.T) {
		status, body := formJSON(t, h, "/oauth/token", url.Values{"grant_type": {"password"}, "client_id": {testApp}, "username": {testUser}, "password": {testPassword}})
		if status != http.StatusBadRequest || body["error"] != "unsupported_grant_type" {
			t.Fatalf("%d %v, want 400 unsupported_grant_type", status, body)
		}
	})
	t.Run("the refusals are audited with their reasons", func(t *testing.T) {
		reasons := map[string]int{}
		for _, rec := range h.waitEvents(audit.DecisionLoginFailed, 8) {
			var ev audit.Event
			if err := json.Unmarshal(rec.Event, &ev); err != nil {
				t.Fatal(err)
			}
			reasons[ev.Reason]++
		}
		for _, want := range []string{"oauth_pkce", "oauth_code_reuse", "oauth_invalid_grant", "oauth_csrf", "invalid_credentials", "oauth_unsupported_grant_type"} {
			if reasons[want] == 0 {
				t.Errorf("no login_failed event with reason %s (got %v)", want, reasons)
			}
		}
		denied := map[string]bool{}
		for _, rec := range h.waitEvents(audit.DecisionDenied, 8) {
			var ev audit.Event
			_ = json.Unmarshal(rec.Event, &ev)
			denied[ev.Reason] = true
		}
		for _, want := range []string{"oauth_invalid_request", "oauth_unauthorized_client", "oauth_unsupported_response_type"} {
			if !denied[want] {
				t.Errorf("no denied event with reason %s (got %v)", want, denied)
			}
		}
	})
	t.Run("an unknown client at the token endpoint is refused", func(t *testing.T) {
		status, body := formJSON(t, h, "/oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"evil-app"}, "code": {"x"}})
		if status != http.StatusUnauthorized || body["error"] != "invalid_client" {
			t.Fatalf("%d %v, want 401 invalid_client", status, body)
		}
	})
}

func TestOAuthWithTOTP(t *testing.T) {
	h := newHarness(t, oauthApp, manyLogins)
	secret, _ := enrollTOTP(t, h, h.login(testUser, testApp, "d").AccessToken)
	c := newOAuthClient(h)
	ctx := context.Background()
	v, nonce := oauth2.GenerateVerifier(), randomString(t)
	f := loginForm(t, c.get(t, c.conf.AuthCodeURL("mfa-state", oauth2.S256ChallengeOption(v), oidc.Nonce(nonce))))
	f.Set("username", testUser)
	f.Set("password", testPassword)
	p := c.post(t, f)
	if p.status != http.StatusOK || !strings.Contains(p.body, `name="code"`) {
		t.Fatalf("want the code page, got %d %s", p.status, p.body)
	}
	mf := loginForm(t, p)
	mf.Set("code", "000000")
	if p := c.post(t, mf); p.status != http.StatusUnauthorized || p.location != nil || !strings.Contains(p.body, `name="code"`) {
		t.Fatalf("a wrong code: %d %v, want 401 and the code page again", p.status, p.location)
	}
	code, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	mf.Set("code", code)
	tok, err := c.conf.Exchange(ctx, codeFrom(t, c.post(t, mf), "mfa-state"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := oidc.NewVerifier(oauthIssuer, oidc.NewRemoteKeySet(ctx, h.url+"/.well-known/jwks.json"), &oidc.Config{ClientID: testApp, SupportedSigningAlgs: []string{oidc.ES256}}).Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var cl struct {
		AMR []string `json:"amr"`
	}
	if err := idt.Claims(&cl); err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != nonce || !strings.Contains(strings.Join(cl.AMR, " "), "otp") {
		t.Fatalf("id_token nonce %q amr %v, want nonce %q and otp", idt.Nonce, cl.AMR, nonce)
	}
}
