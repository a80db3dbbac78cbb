package identity_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/envelope"
	"github.com/bulwark-security/bulwark/internal/identity"
	"github.com/bulwark-security/bulwark/internal/store/sqlstore"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fastArgon keeps tests quick; production uses DefaultArgon2.
var fastArgon = identity.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}

type fixture struct {
	svc   *identity.Service
	db    *sqlstore.DB
	clock *clock
	ring  *envelope.Keyring
	opt   identity.Options
}

func newFixture(t testing.TB, mutate ...func(*identity.Options)) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sqlstore.SQLite, filepath.Join(t.TempDir(), "id.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ring, _ := envelope.New([]byte("0123456789abcdef0123456789abcdef"))
	c := &clock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
	opt := identity.Options{Issuer: "https://gw.example", Audience: "bulwark", AccessTTL: 10 * time.Minute, RefreshTTL: 24 * time.Hour,
		Argon2: fastArgon, Now: c.Now}
	for _, m := range mutate {
		m(&opt)
	}
	svc, err := identity.New(ctx, db, ring, opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateUser(ctx, "Ada@Example.com", "correct horse battery", identity.RoleUser); err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, db: db, clock: c, ring: ring, opt: opt}
}

func (f *fixture) login(t testing.TB) *identity.TokenPair {
	t.Helper()
	p, err := f.svc.Login(context.Background(), identity.LoginRequest{Username: "ada@example.com", Password: "correct horse battery", AppID: "demo-app", DeviceID: "dev-1", IP: "10.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoginAndVerify(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.login(t)
	c, err := f.svc.Verify(ctx, p.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.App != "demo-app" || c.Device != "dev-1" || c.Username != "ada@example.com" || !c.HasScope(identity.ScopeAI) || c.HasScope(identity.ScopeAdmin) {
		t.Errorf("claims = %+v", c)
	}
	if ttl := c.ExpiresAt.Sub(c.IssuedAt); ttl != 10*time.Minute {
		t.Errorf("access token lifetime = %s", ttl)
	}
	t.Run("wrong password and unknown user fail the same way", func(t *testing.T) {
		_, e1 := f.svc.Login(ctx, identity.LoginRequest{Username: "ada@example.com", Password: "wrong password!"})
		_, e2 := f.svc.Login(ctx, identity.LoginRequest{Username: "nobody@example.com", Password: "wrong password!"})
		if !errors.Is(e1, identity.ErrInvalidCredentials) || !errors.Is(e2, identity.ErrInvalidCredentials) || e1.Error() != e2.Error() {
			t.Errorf("errors differ or are not ErrInvalidCredentials: %v / %v", e1, e2)
		}
	})
	t.Run("expired token is refused", func(t *testing.T) {
		f.clock.Advance(11 * time.Minute)
		defer f.clock.Advance(-11 * time.Minute)
		if _, err := f.svc.Verify(ctx, p.AccessToken); !errors.Is(err, identity.ErrInvalidToken) {
			t.Errorf("err = %v, want ErrInvalidToken", err)
		}
	})
}

func TestRefreshRotationAndReuse(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	first := f.login(t)
	second, err := f.svc.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if second.RefreshToken == first.RefreshToken || second.SessionID != first.SessionID {
		t.Fatal("refresh must rotate the token within the same session")
	}
	third, err := f.svc.Refresh(ctx, second.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	// An attacker replays the first (spent) token.
	if _, err := f.svc.Refresh(ctx, first.RefreshToken); !errors.Is(err, identity.ErrRefreshReuse) {
		t.Fatalf("reuse of a spent refresh token: err = %v, want ErrRefreshReuse", err)
	}
	// The whole family is gone: the legitimate holder's newest token too.
	if _, err := f.svc.Refresh(ctx, third.RefreshToken); !errors.Is(err, identity.ErrSessionRevoked) {
		t.Errorf("newest token after reuse: err = %v, want ErrSessionRevoked", err)
	}
	// And the access tokens of the session are refused at once.
	if _, err := f.svc.Verify(ctx, third.AccessToken); !errors.Is(err, identity.ErrSessionRevoked) {
		t.Errorf("access token of the revoked session: err = %v", err)
	}
	s, _ := f.db.Session(ctx, first.SessionID)
	if s.RevokedReason != "refresh_reuse" {
		t.Errorf("revocation reason = %q", s.RevokedReason)
	}
	// Another session of the same user is untouched.
	other := f.login(t)
	if _, err := f.svc.Refresh(ctx, other.RefreshToken); err != nil {
		t.Errorf("other session: %v", err)
	}
}

func TestConcurrentRefreshIssuesAtMostOnePair(t *testing.T) {
	f := newFixture(t)
	p := f.login(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.svc.Refresh(context.Background(), p.RefreshToken); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins > 1 {
		t.Errorf("%d concurrent refreshes with one token succeeded, want at most 1", wins)
	}
}

func TestLogoutAndExpiry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.login(t)
	if err := f.svc.RevokeRefreshToken(ctx, p.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Verify(ctx, p.AccessToken); !errors.Is(err, identity.ErrSessionRevoked) {
		t.Errorf("access token after logout: %v", err)
	}
	if err := f.svc.RevokeRefreshToken(ctx, "brt_unknown"); err != nil {
		t.Errorf("revoking an unknown token must succeed silently: %v", err)
	}
	q := f.login(t)
	f.clock.Advance(25 * time.Hour)
	if _, err := f.svc.Refresh(ctx, q.RefreshToken); !errors.Is(err, identity.ErrInvalidToken) {
		t.Errorf("expired refresh token: err = %v", err)
	}
}

func TestForgedTokensAreRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := f.login(t)
	parts := strings.Split(p.AccessToken, ".")
	b64 := base64.RawURLEncoding
	payload, _ := b64.DecodeString(parts[1])
	var claims map[string]any
	json.Unmarshal(payload, &claims)

	forge := func(header map[string]any, claims map[string]any, sig string) string {
		h, _ := json.Marshal(header)
		c, _ := json.Marshal(claims)
		return b64.EncodeToString(h) + "." + b64.EncodeToString(c) + "." + sig
	}
	admin := map[string]any{}
	for k, v := range claims {
		admin[k] = v
	}
	admin["role"], admin["scope"] = "admin", "ai admin"
	header, _ := b64.DecodeString(parts[0])
	var hdr map[string]any
	json.Unmarshal(header, &hdr)

	jwks, _ := json.Marshal(f.svc.JWKS())
	mac := hmac.New(sha256.New, jwks)
	hsHeader := map[string]any{"alg": "HS256", "typ": "JWT", "kid": hdr["kid"]}
	hsUnsigned := forge(hsHeader, admin, "")
	mac.Write([]byte(strings.TrimSuffix(hsUnsigned, ".")))
	tests := map[string]string{
		"alg none":                         forge(map[string]any{"alg": "none", "typ": "JWT"}, admin, ""),
		"HS256 keyed with the public JWKS": strings.TrimSuffix(hsUnsigned, ".") + "." + b64.EncodeToString(mac.Sum(nil)),
		"claims changed, signature kept":   forge(hdr, admin, parts[2]),
		"unknown key id":                   forge(map[string]any{"alg": "ES256", "kid": "ffffffffffffffff", "typ": "JWT"}, claims, parts[2]),
		"truncated":                        p.AccessToken[:len(p.AccessToken)-5],
		"empty":                            "",
		"garbage":                          "a.b.c",
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := f.svc.Verify(ctx, tok); err == nil {
				t.Error("forged token accepted")
			}
		})
	}
	t.Run("another issuer", func(t *testing.T) {
		g := newFixture(t, func(o *identity.Options) { o.Issuer = "https://evil.example" })
		q := g.login(t)
		if _, err := f.svc.Verify(ctx, q.AccessToken); err == nil {
			t.Error("token of another gateway accepted")
		}
	})
	t.Run("not yet valid", func(t *testing.T) {
		q := f.login(t)
		f.clock.Advance(-5 * time.Minute)
		defer f.clock.Advance(5 * time.Minute)
		if _, err := f.svc.Verify(ctx, q.AccessToken); !errors.Is(err, identity.ErrInvalidToken) {
			t.Errorf("a token used before its nbf: err = %v", err)
		}
	})
}

func TestKeyRotationKeepsOldTokensValid(t *testing.T) {
	f := newFixture(t, func(o *identity.Options) { o.RotateKeys = time.Hour })
	ctx := context.Background()
	old := f.login(t)
	f.clock.Advance(61 * time.Minute) // the key that signed `old` no longer signs
	renewed, err := f.svc.Refresh(ctx, old.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	kid := func(tok string) string {
		h, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
		var m map[string]any
		json.Unmarshal(h, &m)
		return m["kid"].(string)
	}
	if kid(old.AccessToken) == kid(renewed.AccessToken) {
		t.Fatal("signing key not rotated")
	}
	if n := len(f.svc.JWKS().Keys); n != 2 {
		t.Errorf("JWKS has %d keys, want the old and the new", n)
	}
	// A second gateway node sharing the database verifies the new key.
	other, err := identity.New(ctx, f.db, f.ring, f.opt)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Verify(ctx, renewed.AccessToken); err != nil {
		t.Errorf("another node: %v", err)
	}
}

type denyAfter struct {
	mu sync.Mutex
	n  int
}

func (d *denyAfter) Allow(context.Context, string) (bool, time.Duration, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.n--
	return d.n >= 0, time.Minute, nil
}

func TestLoginThrottle(t *testing.T) {
	f := newFixture(t, func(o *identity.Options) { o.AccountLimiter = &denyAfter{n: 2} })
	ctx := context.Background()
	for range 2 {
		f.svc.Login(ctx, identity.LoginRequest{Username: "ada@example.com", Password: "bad password 1"})
	}
	_, err := f.svc.Login(ctx, identity.LoginRequest{Username: "ada@example.com", Password: "correct horse battery"})
	var te *identity.ThrottledError
	if !errors.As(err, &te) || te.RetryAfter != time.Minute {
		t.Errorf("third attempt: err = %v, want a ThrottledError even with the right password", err)
	}
}

func TestPasswordHashing(t *testing.T) {
	h, err := identity.HashPassword("secret password", fastArgon)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("hash = %s", h)
	}
	for pw, want := range map[string]bool{"secret password": true, "secret passworD": false, "": false} {
		if ok, err := identity.VerifyPassword(pw, h); ok != want || err != nil {
			t.Errorf("VerifyPassword(%q) = %v, %v", pw, ok, err)
		}
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if _, err := identity.VerifyPassword("x", bad); !errors.Is(err, identity.ErrPasswordFormat) {
			t.Errorf("VerifyPassword(%q): err = %v, want ErrPasswordFormat", bad, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	fx := newFixture(f)
	real := fx.login(f).AccessToken
	want, err := fx.svc.Verify(context.Background(), real)
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(real, ".")
	for _, seed := range []string{real, parts[0] + "." + parts[1] + ".", "eyJhbGciOiJub25lIn0." + parts[1] + ".",
		"eyJhbGciOiJIUzI1NiJ9." + parts[1] + "." + parts[2], real + "." + parts[2], "eyJhbGciOiJub25lIn0.e30.", "a.b.c", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		// A mutation may only verify if it encodes the very same token
		// (base64 admits a few spellings of the same bytes).
		if c, err := fx.svc.Verify(context.Background(), tok); err == nil && !reflect.DeepEqual(c, want) {
			t.Fatalf("a mutated token verified with other claims: %+v", c)
		}
	})
}

func TestDPoPBoundSessions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const jkt = "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" // RFC 9449's example key
	p, err := f.svc.Login(ctx, identity.LoginRequest{Username: "ada@example.com", Password: "correct horse battery", AppID: "demo-app", DeviceID: "d", IP: "10.0.0.2", DPoPJKT: jkt})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.Verify(ctx, p.AccessToken)
	if err != nil || c.DPoPJKT != jkt {
		t.Fatalf("claims %+v, %v: want cnf.jkt %s", c, err, jkt)
	}
	t.Run("a bound refresh token without the key's proof is refused and stays unspent", func(t *testing.T) {
		for _, other := range []string{"", "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"} {
			if _, err := f.svc.RefreshBound(ctx, p.RefreshToken, other); !errors.Is(err, identity.ErrKeyMismatch) {
				t.Errorf("jkt %q: err = %v, want ErrKeyMismatch", other, err)
			}
		}
		if _, err := f.svc.Refresh(ctx, p.RefreshToken); !errors.Is(err, identity.ErrKeyMismatch) {
			t.Errorf("plain Refresh: err = %v", err)
		}
	})
	t.Run("with the key's proof it rotates, and the new tokens stay bound", func(t *testing.T) {
		next, err := f.svc.RefreshBound(ctx, p.RefreshToken, jkt)
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.svc.Verify(ctx, next.AccessToken)
		if err != nil || c.DPoPJKT != jkt {
			t.Errorf("refreshed claims %+v, %v", c, err)
		}
	})
	t.Run("bearer sessions carry no binding", func(t *testing.T) {
		c, err := f.svc.Verify(ctx, f.login(t).AccessToken)
		if err != nil || c.DPoPJKT != "" {
			t.Errorf("claims %+v, %v", c, err)
		}
	})
}

// fakeSecondFactor accepts the code "246810" once per call of Verify and
// the recovery code "recover-me"; users in enrolled need it.
type fakeSecondFactor struct {
	mu       sync.Mutex
	enrolled map[string]bool
	used     map[string]bool
}

func (f *fakeSecondFactor) Enrolled(_ context.Context, userID string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.enrolled[userID], nil
}

func (f *fakeSecondFactor) Verify(_ context.Context, userID, code string) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if code != "246810" || f.used[userID+code] {
		return nil, errors.New("wrong code")
	}
	f.used[userID+code] = true
	return []string{"otp", "pwd"}, nil
}

func (f *fakeSecondFactor) Recover(_ context.Context, userID, code string) ([]string, error) {
	if code != "recover-me" {
		return nil, errors.New("wrong recovery code")
	}
	return []string{"mfa", "pwd"}, nil
}

func TestSecondFactorLogin(t *testing.T) {
	sf := &fakeSecondFactor{enrolled: map[string]bool{}, used: map[string]bool{}}
	f := newFixture(t, func(o *identity.Options) { o.SecondFactor = sf })
	ctx := context.Background()
	u, err := f.svc.UserByName(ctx, "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	login := identity.LoginRequest{Username: "ada@example.com", Password: "correct horse battery", AppID: "demo-app", DeviceID: "d", IP: "10.0.0.3"}
	t.Run("a user without a second factor logs in with the password alone", func(t *testing.T) {
		p, err := f.svc.Login(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := f.svc.Verify(ctx, p.AccessToken)
		if !slices.Equal(c.AMR, []string{"pwd"}) || !c.AuthTime.Equal(f.clock.Now().Truncate(time.Second)) {
			t.Errorf("amr %v, auth_time %v", c.AMR, c.AuthTime)
		}
	})
	sf.enrolled[u.ID] = true
	ticket := func(t *testing.T) string {
		t.Helper()
		_, err := f.svc.Login(ctx, login)
		var mr *identity.MFARequiredError
		if !errors.As(err, &mr) || mr.Ticket == "" {
			t.Fatalf("Login = %v, want MFARequiredError", err)
		}
		return mr.Ticket
	}
	t.Run("an enrolled user gets a ticket, not tokens, and completes with a code", func(t *testing.T) {
		tk := ticket(t)
		if _, err := f.svc.CompleteMFA(ctx, identity.MFARequest{Ticket: tk, Code: "000000"}); !errors.Is(err, identity.ErrInvalidCode) {
			t.Errorf("wrong code: %v", err)
		}
		f.clock.Advance(time.Minute)
		p, err := f.svc.CompleteMFA(ctx, identity.MFARequest{Ticket: tk, Code: "246810"})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := f.svc.Verify(ctx, p.AccessToken)
		if !slices.Equal(c.AMR, []string{"otp", "pwd"}) || c.AuthTime.IsZero() {
			t.Errorf("amr %v, auth_time %v", c.AMR, c.AuthTime)
		}
		if _, err := f.svc.CompleteMFA(ctx, identity.MFARequest{Ticket: tk, RecoveryCode: "recover-me"}); !errors.Is(err, identity.ErrInvalidTicket) {
			t.Errorf("a spent ticket: %v, want ErrInvalidTicket", err)
		}
		t.Run("refreshed tokens keep the login's amr and auth_time", func(t *testing.T) {
			f.clock.Advance(5 * time.Minute)
			next, err := f.svc.Refresh(ctx, p.RefreshToken)
			if err != nil {
				t.Fatal(err)
			}
			c2, _ := f.svc.Verify(ctx, next.AccessToken)
			if !slices.Equal(c2.AMR, c.AMR) || !c2.AuthTime.Equal(c.AuthTime) {
				t.Errorf("after refresh: amr %v auth_time %v, want %v %v", c2.AMR, c2.AuthTime, c.AMR, c.AuthTime)
			}
		})
	})
	t.Run("a ticket survives only a few wrong codes", func(t *testing.T) {
		tk := ticket(t)
		for range 5 {
			f.svc.CompleteMFA(ctx, identity.MFARequest{Ticket: tk, Code: "111111"})
		}
		if _, err := f.svc.CompleteMFA(ctx, identity.MFARequest{Ticket: tk, RecoveryCode: "recover-me"}); !errors.Is(err, identity.ErrInvalidTicket) {
			t.Errorf("after 5 wrong codes: %v, want ErrInvalidTicket", err)
		}
	})
	t.Run("a ticket expires", func(t *testing.T) {
		tk := ticket(t)
		f.clock.Advance(6 * time.Minute)
		if _, err := f.svc.CompleteMFA(ctx, identity.MFARequest{Ticket: tk, RecoveryCode: "recover-me"}); !errors.Is(err, identity.ErrInvalidTicket) {
			t.Errorf("expired ticket: %v", err)
		}
	})
	t.Run("a recovery code completes a login as mfa", func(t *testing.T) {
		p, err := f.svc.CompleteMFA(ctx, identity.MFARequest{Ticket: ticket(t), RecoveryCode: "recover-me"})
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := f.svc.Verify(ctx, p.AccessToken); !slices.Equal(c.AMR, []string{"mfa", "pwd"}) {
			t.Errorf("amr %v", c.AMR)
		}
	})
	t.Run("a forged ticket is refused", func(t *testing.T) {
		if _, err := f.svc.CompleteMFA(ctx, identity.MFARequest{Ticket: "bmt_forged", Code: "246810"}); !errors.Is(err, identity.ErrInvalidTicket) {
			t.Errorf("%v", err)
		}
	})
}
