package passkey_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/passkey"
	"github.com/bulwark-security/bulwark/internal/passkey/passkeytest"
)

const (
	rpID      = "bulwark.example"
	webOrigin = "https://bulwark.example"
	// androidOrigin is the origin of an app whose signing certificate's
	// SHA-256 is the bytes 0x00…0x1f.
	androidOrigin = "android:apk-key-hash:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
)

var (
	t0  = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	ada = passkey.User{ID: "usr_0a1b2c3d4e5f60718293a4b5", Name: "ada", DisplayName: "Ada L."}
	bob = passkey.User{ID: "usr_ffeeddccbbaa998877665544", Name: "bob"}
)

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

type rig struct {
	svc   *passkey.Service
	store *passkey.Memory
	clock *clock
}

func config(c *clock) passkey.Config {
	return passkey.Config{RPID: rpID, RPName: "Bulwark", Origins: []string{webOrigin}, AndroidOrigins: []string{androidOrigin}, Now: c.Now}
}

func newRig(t testing.TB) *rig {
	t.Helper()
	c := &clock{now: t0}
	m := passkey.NewMemory()
	svc, err := passkey.New(config(c), m, m)
	if err != nil {
		t.Fatal(err)
	}
	return &rig{svc: svc, store: m, clock: c}
}

// register runs a whole registration of a new passkey on a for u.
func (r *rig) register(t testing.TB, a *passkeytest.Authenticator, u passkey.User, name string) passkey.Credential {
	t.Helper()
	ctx := context.Background()
	b, err := r.svc.BeginRegistration(ctx, u)
	if err != nil {
		t.Fatalf("BeginRegistration: %v", err)
	}
	resp, err := a.Create(b.Options)
	if err != nil {
		t.Fatalf("authenticator Create: %v", err)
	}
	c, err := r.svc.FinishRegistration(ctx, u, b.CeremonyID, resp, name)
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return c
}

// login runs a discoverable login with a's credential id (nil: its choice).
func (r *rig) login(t testing.TB, a *passkeytest.Authenticator, id []byte) (*passkey.Login, error) {
	t.Helper()
	ctx := context.Background()
	b, err := r.svc.BeginLogin(ctx)
	if err != nil {
		t.Fatalf("BeginLogin: %v", err)
	}
	resp, err := a.Get(b.Options, id)
	if err != nil {
		t.Fatalf("authenticator Get: %v", err)
	}
	return r.svc.FinishLogin(ctx, b.CeremonyID, resp)
}

func TestRegistrationThenLogin(t *testing.T) {
	t.Parallel()
	for _, origin := range []string{webOrigin, androidOrigin} {
		t.Run("from "+origin+" registration then discoverable login succeeds", func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			a := passkeytest.NewAuthenticator(origin)
			c := r.register(t, a, ada, "Pixel 9")
			if c.UserID != ada.ID || c.Name != "Pixel 9" || !c.UserVerified || c.SignCount != 0 || c.AttestationFormat != "none" {
				t.Errorf("registered credential = %+v", c)
			}
			r.clock.Advance(time.Minute)
			got, err := r.login(t, a, nil)
			if err != nil {
				t.Fatalf("FinishLogin: %v", err)
			}
			want := c
			want.SignCount, want.LastUsedAt = 1, t0.Add(time.Minute)
			if diff := cmp.Diff(&passkey.Login{UserID: ada.ID, Credential: want, UserVerified: true}, got); diff != "" {
				t.Errorf("Login (-want +got):\n%s", diff)
			}
			stored, _ := r.store.Credential(context.Background(), c.ID)
			if diff := cmp.Diff(want, stored); diff != "" {
				t.Errorf("stored after login (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("login for a known user succeeds and lists only that user's passkeys", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		c := r.register(t, a, ada, "phone")
		r.register(t, passkeytest.NewAuthenticator(webOrigin), bob, "bob's")
		b, err := r.svc.BeginUserLogin(context.Background(), ada)
		if err != nil {
			t.Fatal(err)
		}
		var opts struct {
			Allow []struct {
				ID string `json:"id"`
			} `json:"allowCredentials"`
			UV string `json:"userVerification"`
		}
		if err := json.Unmarshal(b.Options, &opts); err != nil {
			t.Fatal(err)
		}
		if len(opts.Allow) != 1 || opts.Allow[0].ID != c.IDString() || opts.UV != "required" {
			t.Errorf("options = %s; want ada's one credential and userVerification required", b.Options)
		}
		resp, err := a.Get(b.Options, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.svc.FinishLogin(context.Background(), b.CeremonyID, resp)
		if err != nil || got.UserID != ada.ID {
			t.Errorf("FinishLogin = %+v, %v; want ada", got, err)
		}
	})
	t.Run("two passkeys of one user both log in", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		phone, laptop := passkeytest.NewAuthenticator(androidOrigin), passkeytest.NewAuthenticator(webOrigin)
		c1 := r.register(t, phone, ada, "phone")
		r.clock.Advance(time.Second)
		c2 := r.register(t, laptop, ada, "laptop")
		for _, tc := range []struct {
			a *passkeytest.Authenticator
			c passkey.Credential
		}{{phone, c1}, {laptop, c2}, {phone, c1}} {
			got, err := r.login(t, tc.a, nil)
			if err != nil || got.UserID != ada.ID || got.Credential.IDString() != tc.c.IDString() {
				t.Errorf("login with %s = %+v, %v", tc.c.Name, got, err)
			}
		}
		list, err := r.svc.Credentials(context.Background(), ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range list {
			names = append(names, c.Name)
		}
		if diff := cmp.Diff([]string{"phone", "laptop"}, names); diff != "" {
			t.Errorf("listed passkeys, oldest first (-want +got):\n%s", diff)
		}
	})
	t.Run("a synced passkey whose counter stays zero logs in again and again", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		a.ZeroCounter, a.BackupEligible, a.BackupState = true, true, true
		c := r.register(t, a, ada, "iCloud Keychain")
		if !c.BackupEligible || !c.BackupState {
			t.Errorf("registered flags BE=%v BS=%v, want both", c.BackupEligible, c.BackupState)
		}
		for i := range 3 {
			if _, err := r.login(t, a, nil); err != nil {
				t.Fatalf("login %d: %v", i, err)
			}
		}
	})
	t.Run("the backup state of the last login is recorded", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		a.BackupEligible = true
		c := r.register(t, a, ada, "phone")
		a.BackupState = true
		got, err := r.login(t, a, nil)
		if err != nil || !got.Credential.BackupState {
			t.Fatalf("login = %+v, %v; want backup state recorded", got, err)
		}
		stored, _ := r.store.Credential(context.Background(), c.ID)
		if !stored.BackupState || !stored.BackupEligible {
			t.Errorf("stored BE=%v BS=%v, want both", stored.BackupEligible, stored.BackupState)
		}
	})
}

func TestRegistrationOptions(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	a := passkeytest.NewAuthenticator(webOrigin)
	existing := r.register(t, a, ada, "phone")
	b, err := r.svc.BeginRegistration(context.Background(), ada)
	if err != nil {
		t.Fatal(err)
	}
	type entity struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		DisplayName string `json:"displayName,omitempty"`
	}
	var got struct {
		RP       entity `json:"rp"`
		User     entity `json:"user"`
		Selector struct {
			ResidentKey      string `json:"residentKey"`
			UserVerification string `json:"userVerification"`
		} `json:"authenticatorSelection"`
		Attestation string `json:"attestation"`
		Exclude     []struct {
			ID string `json:"id"`
		} `json:"excludeCredentials"`
		Timeout int `json:"timeout"`
	}
	if err := json.Unmarshal(b.Options, &got); err != nil {
		t.Fatal(err)
	}
	if got.RP.ID != rpID || got.RP.Name != "Bulwark" || got.User.Name != "ada" || got.User.DisplayName != "Ada L." {
		t.Errorf("rp/user = %+v %+v", got.RP, got.User)
	}
	if got.Selector.UserVerification != "required" || got.Selector.ResidentKey != "preferred" || got.Attestation != "none" {
		t.Errorf("selection = %+v, attestation %q; want UV required, resident key preferred, attestation none", got.Selector, got.Attestation)
	}
	if len(got.Exclude) != 1 || got.Exclude[0].ID != existing.IDString() {
		t.Errorf("excludeCredentials = %+v; want the existing passkey", got.Exclude)
	}
	if got.Timeout != int(passkey.DefaultCeremonyTTL.Milliseconds()) || !b.ExpiresAt.Equal(t0.Add(passkey.DefaultCeremonyTTL)) {
		t.Errorf("timeout = %d ms, expires %v", got.Timeout, b.ExpiresAt)
	}
	if _, err := a.Create(b.Options); !errors.Is(err, passkeytest.ErrExcluded) {
		t.Errorf("the same authenticator registering again: err = %v, want it excluded", err)
	}

	login, err := r.svc.BeginLogin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var lo map[string]any
	if err := json.Unmarshal(login.Options, &lo); err != nil {
		t.Fatal(err)
	}
	if lo["rpId"] != rpID || lo["userVerification"] != "required" || lo["allowCredentials"] != nil || len(lo["challenge"].(string)) != 43 {
		t.Errorf("discoverable login options = %s; want rpId, userVerification required, no allowCredentials, a 32-byte challenge", login.Options)
	}
}

// TestLoginRefused drives a login with a misbehaving authenticator; every
// case must be refused with the error stated.
func TestLoginRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(a *passkeytest.Authenticator)
		want   error
		cause  string // what the error says the check was
	}{
		{"a login without user verification is refused", func(a *passkeytest.Authenticator) { a.UV = false }, passkey.ErrVerification, "User verification required"},
		{"a login without user presence is refused", func(a *passkeytest.Authenticator) { a.NoUP = true }, passkey.ErrVerification, "User presence required"},
		{"a login from another web origin is refused", func(a *passkeytest.Authenticator) { a.Origin = "https://bulwark.example.evil" }, passkey.ErrVerification, "validating origin"},
		{"a login from another Android app is refused", func(a *passkeytest.Authenticator) {
			a.Origin = "android:apk-key-hash:HwAeHRwbGhkYFxYVFBMSERAPDg0MCwoJCAcGBQQDAgE"
		}, passkey.ErrVerification, "validating origin"},
		{"a login signed for another relying party id is refused", func(a *passkeytest.Authenticator) { a.RPID = "evil.example" }, passkey.ErrVerification, "RP Hash mismatch"},
		{"a registration client data type is refused", func(a *passkeytest.Authenticator) { a.Type = "webauthn.create" }, passkey.ErrVerification, "ceremony type"},
		{"a response to another challenge is refused", func(a *passkeytest.Authenticator) { a.Challenge = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }, passkey.ErrVerification, "validating challenge"},
		{"a credential whose backup eligibility changed is refused", func(a *passkeytest.Authenticator) { a.BackupEligible = true }, passkey.ErrVerification, "Backup Eligible flag inconsistency"},
		{"backup state without backup eligibility is refused", func(a *passkeytest.Authenticator) { a.BackupState = true }, passkey.ErrVerification, "Backup State Flag is true"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			a := passkeytest.NewAuthenticator(webOrigin)
			c := r.register(t, a, ada, "phone")
			tc.mutate(a)
			got, err := r.login(t, a, nil)
			if !errors.Is(err, tc.want) || got != nil || !strings.Contains(err.Error(), tc.cause) {
				t.Fatalf("FinishLogin = %+v, %v; want %v for %q", got, err, tc.want, tc.cause)
			}
			stored, _ := r.store.Credential(context.Background(), c.ID)
			if stored.SignCount != 0 || !stored.LastUsedAt.IsZero() {
				t.Errorf("a refused login changed the credential: %+v", stored)
			}
		})
	}
}

func TestRegistrationRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(a *passkeytest.Authenticator)
		cause  string
	}{
		{"a registration without user verification is refused", func(a *passkeytest.Authenticator) { a.UV = false }, "User verification required"},
		{"a registration from another origin is refused", func(a *passkeytest.Authenticator) { a.Origin = "https://evil.example" }, "validating origin"},
		{"a registration for another relying party id is refused", func(a *passkeytest.Authenticator) { a.RPID = "evil.example" }, "RP Hash mismatch"},
		{"a login client data type is refused", func(a *passkeytest.Authenticator) { a.Type = "webauthn.get" }, "ceremony type"},
		{"backup state without backup eligibility is refused", func(a *passkeytest.Authenticator) { a.BackupState = true }, "Backup State Flag is true"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			a := passkeytest.NewAuthenticator(webOrigin)
			tc.mutate(a)
			b, err := r.svc.BeginRegistration(context.Background(), ada)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := a.Create(b.Options)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.svc.FinishRegistration(context.Background(), ada, b.CeremonyID, resp, "phone")
			if !errors.Is(err, passkey.ErrVerification) || !strings.Contains(err.Error(), tc.cause) {
				t.Errorf("err = %v, want ErrVerification for %q", err, tc.cause)
			}
			if list, _ := r.store.Credentials(context.Background(), ada.ID); len(list) != 0 {
				t.Errorf("a refused registration stored %d credentials", len(list))
			}
		})
	}
}

func TestCeremonyBinding(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("finishing the same login ceremony twice is refused", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		r.register(t, a, ada, "phone")
		b, _ := r.svc.BeginLogin(ctx)
		resp, _ := a.Get(b.Options, nil)
		if _, err := r.svc.FinishLogin(ctx, b.CeremonyID, resp); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.FinishLogin(ctx, b.CeremonyID, resp); !errors.Is(err, passkey.ErrCeremony) {
			t.Errorf("replayed finish: err = %v, want ErrCeremony", err)
		}
		b2, _ := r.svc.BeginLogin(ctx)
		if _, err := r.svc.FinishLogin(ctx, b2.CeremonyID, resp); !errors.Is(err, passkey.ErrVerification) {
			t.Errorf("old response for a new ceremony: err = %v, want ErrVerification", err)
		}
	})
	t.Run("a failed finish spends the ceremony", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		r.register(t, a, ada, "phone")
		b, _ := r.svc.BeginLogin(ctx)
		if _, err := r.svc.FinishLogin(ctx, b.CeremonyID, []byte(`{}`)); !errors.Is(err, passkey.ErrVerification) {
			t.Fatalf("garbage: err = %v", err)
		}
		resp, _ := a.Get(b.Options, nil)
		if _, err := r.svc.FinishLogin(ctx, b.CeremonyID, resp); !errors.Is(err, passkey.ErrCeremony) {
			t.Errorf("good response after a failed finish: err = %v, want ErrCeremony", err)
		}
	})
	t.Run("finishing the same registration ceremony twice is refused", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		b, _ := r.svc.BeginRegistration(ctx, ada)
		resp, _ := a.Create(b.Options)
		if _, err := r.svc.FinishRegistration(ctx, ada, b.CeremonyID, resp, "phone"); err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.FinishRegistration(ctx, ada, b.CeremonyID, resp, "phone"); !errors.Is(err, passkey.ErrCeremony) {
			t.Errorf("replayed finish: err = %v, want ErrCeremony", err)
		}
	})
	t.Run("an expired ceremony is refused", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		r.register(t, a, ada, "phone")
		b, _ := r.svc.BeginLogin(ctx)
		resp, _ := a.Get(b.Options, nil)
		r.clock.Advance(passkey.DefaultCeremonyTTL)
		if _, err := r.svc.FinishLogin(ctx, b.CeremonyID, resp); !errors.Is(err, passkey.ErrCeremony) {
			t.Errorf("err = %v, want ErrCeremony", err)
		}
	})
	t.Run("a registration ceremony cannot finish a login", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		r.register(t, a, ada, "phone")
		reg, _ := r.svc.BeginRegistration(ctx, ada)
		login, _ := r.svc.BeginLogin(ctx)
		resp, _ := a.Get(login.Options, nil)
		if _, err := r.svc.FinishLogin(ctx, reg.CeremonyID, resp); !errors.Is(err, passkey.ErrCeremony) {
			t.Errorf("err = %v, want ErrCeremony", err)
		}
	})
	t.Run("a registration ceremony begun for one user cannot add a passkey to another", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		b, _ := r.svc.BeginRegistration(ctx, ada)
		resp, _ := passkeytest.NewAuthenticator(webOrigin).Create(b.Options)
		if _, err := r.svc.FinishRegistration(ctx, bob, b.CeremonyID, resp, "phone"); !errors.Is(err, passkey.ErrCeremony) {
			t.Errorf("err = %v, want ErrCeremony", err)
		}
	})
	t.Run("an unknown ceremony id is refused", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		for _, id := range []string{"", "pkc_nope", "x", strings.Repeat("pkc_", 40)} {
			if _, err := r.svc.FinishLogin(ctx, id, []byte(`{}`)); !errors.Is(err, passkey.ErrCeremony) {
				t.Errorf("id %q: err = %v, want ErrCeremony", id, err)
			}
		}
	})
	t.Run("a login for a known user refuses another user's passkey", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		r.register(t, a, ada, "phone")
		bobs := r.register(t, a, bob, "bob's") // one authenticator, two accounts
		b, _ := r.svc.BeginUserLogin(ctx, ada)
		resp, _ := a.Get(b.Options, bobs.ID)
		if _, err := r.svc.FinishLogin(ctx, b.CeremonyID, resp); !errors.Is(err, passkey.ErrUnknownCredential) {
			t.Errorf("err = %v, want ErrUnknownCredential", err)
		}
	})
	t.Run("a discoverable login whose user handle is not the owner's is refused", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		r.register(t, a, ada, "phone")
		r.register(t, passkeytest.NewAuthenticator(webOrigin), bob, "bob's")
		a.UserHandle = []byte(bob.ID)
		if got, err := r.login(t, a, nil); !errors.Is(err, passkey.ErrUnknownCredential) {
			t.Errorf("FinishLogin = %+v, %v; want ErrUnknownCredential", got, err)
		}
	})
	t.Run("of concurrent finishes of one ceremony exactly one logs in", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		r.register(t, a, ada, "phone")
		b, _ := r.svc.BeginLogin(ctx)
		resp, _ := a.Get(b.Options, nil)
		var wg sync.WaitGroup
		results := make([]error, 8)
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, results[i] = r.svc.FinishLogin(ctx, b.CeremonyID, resp)
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range results {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, passkey.ErrCeremony):
				t.Errorf("err = %v, want nil or ErrCeremony", err)
			}
		}
		if ok != 1 {
			t.Errorf("%d finishes succeeded, want 1", ok)
		}
	})
	t.Run("sweeping removes expired ceremonies", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		for range 3 {
			if _, err := r.svc.BeginLogin(ctx); err != nil {
				t.Fatal(err)
			}
		}
		r.clock.Advance(passkey.DefaultCeremonyTTL)
		if n, err := r.svc.SweepCeremonies(ctx); err != nil || n != 3 {
			t.Errorf("SweepCeremonies = %d, %v; want 3", n, err)
		}
	})
}

func TestSignCounter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		set  uint32 // the authenticator's counter before the next assertion (which adds one)
	}{
		{"a sign count going backwards is refused and the credential flagged", 1},
		{"a sign count equal to the stored one is refused and the credential flagged", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t)
			a := passkeytest.NewAuthenticator(webOrigin)
			c := r.register(t, a, ada, "phone")
			for range 3 { // counter 1, 2, 3
				if _, err := r.login(t, a, nil); err != nil {
					t.Fatal(err)
				}
			}
			a.Credential(c.ID).Counter = tc.set
			_, err := r.login(t, a, nil)
			var ce *passkey.CredentialError
			if !errors.Is(err, passkey.ErrClonedAuthenticator) || !errors.As(err, &ce) || ce.Credential.UserID != ada.ID {
				t.Fatalf("err = %v, want a CredentialError for ada's credential", err)
			}
			stored, _ := r.store.Credential(ctx, c.ID)
			if !stored.CloneWarning || stored.SignCount != 3 {
				t.Errorf("stored = count %d, clone warning %v; want 3 and flagged", stored.SignCount, stored.CloneWarning)
			}
			a.Credential(c.ID).Counter = 100 // even a good counter is refused now
			if _, err := r.login(t, a, nil); !errors.Is(err, passkey.ErrClonedAuthenticator) {
				t.Errorf("login after flagging: err = %v, want ErrClonedAuthenticator", err)
			}
			a.Origin = "https://evil.example" // a response that does not verify says only that
			if _, err := r.login(t, a, nil); !errors.Is(err, passkey.ErrVerification) {
				t.Errorf("unverifiable response for a flagged credential: err = %v, want ErrVerification", err)
			}
		})
	}
	t.Run("a counter that jumps forward is accepted", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		c := r.register(t, a, ada, "key")
		a.Credential(c.ID).Counter = 41
		got, err := r.login(t, a, nil)
		if err != nil || got.Credential.SignCount != 42 {
			t.Errorf("login = %+v, %v; want count 42", got, err)
		}
	})
}

func TestManage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a removed passkey is refused", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		a := passkeytest.NewAuthenticator(webOrigin)
		c := r.register(t, a, ada, "phone")
		b, _ := r.svc.BeginUserLogin(ctx, ada) // begun before the removal
		if err := r.svc.Remove(ctx, ada.ID, c.IDString()); err != nil {
			t.Fatal(err)
		}
		resp, _ := a.Get(b.Options, nil)
		if _, err := r.svc.FinishLogin(ctx, b.CeremonyID, resp); !errors.Is(err, passkey.ErrUnknownCredential) {
			t.Errorf("known-user login: err = %v, want ErrUnknownCredential", err)
		}
		if _, err := r.login(t, a, nil); !errors.Is(err, passkey.ErrUnknownCredential) {
			t.Errorf("discoverable login: err = %v, want ErrUnknownCredential", err)
		}
		if _, err := r.svc.BeginUserLogin(ctx, ada); !errors.Is(err, passkey.ErrUnknownCredential) {
			t.Errorf("BeginUserLogin with no passkey left: err = %v, want ErrUnknownCredential", err)
		}
	})
	t.Run("rename and remove touch only the user's own passkeys", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		c := r.register(t, passkeytest.NewAuthenticator(webOrigin), ada, "phone")
		if err := r.svc.Rename(ctx, bob.ID, c.IDString(), "mine"); !errors.Is(err, passkey.ErrUnknownCredential) {
			t.Errorf("rename by bob: err = %v, want ErrUnknownCredential", err)
		}
		if err := r.svc.Remove(ctx, bob.ID, c.IDString()); !errors.Is(err, passkey.ErrUnknownCredential) {
			t.Errorf("remove by bob: err = %v, want ErrUnknownCredential", err)
		}
		if err := r.svc.Remove(ctx, ada.ID, "!!not base64!!"); !errors.Is(err, passkey.ErrUnknownCredential) {
			t.Errorf("remove with a malformed id: err = %v, want ErrUnknownCredential", err)
		}
		if err := r.svc.Rename(ctx, ada.ID, c.IDString(), "  Work phone "); err != nil {
			t.Fatal(err)
		}
		list, _ := r.svc.Credentials(ctx, ada.ID)
		if len(list) != 1 || list[0].Name != "Work phone" {
			t.Errorf("after rename: %+v; want one passkey named %q", list, "Work phone")
		}
	})
	t.Run("bad passkey names are refused", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		c := r.register(t, passkeytest.NewAuthenticator(webOrigin), ada, "phone")
		for _, name := range []string{"", "   ", strings.Repeat("x", passkey.MaxNameLen+1), "bad\x00name", "tab\tname", "rlo\u202ename", "\xff"} {
			if err := r.svc.Rename(ctx, ada.ID, c.IDString(), name); !errors.Is(err, passkey.ErrInvalidInput) {
				t.Errorf("name %q: err = %v, want ErrInvalidInput", name, err)
			}
		}
	})
	t.Run("a user may hold at most MaxCredentials passkeys", func(t *testing.T) {
		t.Parallel()
		c := &clock{now: t0}
		cfg := config(c)
		cfg.MaxCredentials = 2
		m := passkey.NewMemory()
		svc, err := passkey.New(cfg, m, m)
		if err != nil {
			t.Fatal(err)
		}
		r := &rig{svc: svc, store: m, clock: c}
		r.register(t, passkeytest.NewAuthenticator(webOrigin), ada, "one")
		b, _ := svc.BeginRegistration(ctx, ada) // begun while there is room
		r.register(t, passkeytest.NewAuthenticator(webOrigin), ada, "two")
		resp, _ := passkeytest.NewAuthenticator(webOrigin).Create(b.Options)
		if _, err := svc.FinishRegistration(ctx, ada, b.CeremonyID, resp, "three"); !errors.Is(err, passkey.ErrTooManyCredentials) {
			t.Errorf("finish past the limit: err = %v, want ErrTooManyCredentials", err)
		}
		if _, err := svc.BeginRegistration(ctx, ada); !errors.Is(err, passkey.ErrTooManyCredentials) {
			t.Errorf("begin at the limit: err = %v, want ErrTooManyCredentials", err)
		}
	})
	t.Run("a credential id already registered to another user is refused", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		adas := r.register(t, passkeytest.NewAuthenticator(webOrigin), ada, "phone")
		evil := passkeytest.NewAuthenticator(webOrigin)
		evil.NextID = adas.ID
		b, _ := r.svc.BeginRegistration(ctx, bob)
		resp, err := evil.Create(b.Options)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.FinishRegistration(ctx, bob, b.CeremonyID, resp, "taken"); !errors.Is(err, passkey.ErrCredentialExists) {
			t.Errorf("err = %v, want ErrCredentialExists", err)
		}
		stored, _ := r.store.Credential(ctx, adas.ID)
		if diff := cmp.Diff(adas, stored); diff != "" {
			t.Errorf("ada's credential changed (-want +got):\n%s", diff)
		}
	})
	t.Run("bad users are refused", func(t *testing.T) {
		t.Parallel()
		r := newRig(t)
		for _, u := range []passkey.User{{ID: "", Name: "ada"}, {ID: strings.Repeat("u", passkey.MaxUserIDLen+1), Name: "ada"}, {ID: "usr_1"}} {
			if _, err := r.svc.BeginRegistration(ctx, u); !errors.Is(err, passkey.ErrInvalidInput) {
				t.Errorf("user %+v: err = %v, want ErrInvalidInput", u, err)
			}
		}
	})
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	base := func() passkey.Config {
		return passkey.Config{RPID: rpID, RPName: "Bulwark", Origins: []string{webOrigin, "https://app.bulwark.example:8443"}, AndroidOrigins: []string{androidOrigin}}
	}
	if err := base().Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	cases := []struct {
		name   string
		mutate func(c *passkey.Config)
		field  string
	}{
		{"an empty rp id is refused", func(c *passkey.Config) { c.RPID = "" }, "rp_id"},
		{"an rp id that is a URL is refused", func(c *passkey.Config) { c.RPID = "https://bulwark.example" }, "rp_id"},
		{"an upper-case rp id is refused", func(c *passkey.Config) { c.RPID = "Bulwark.example" }, "rp_id"},
		{"an empty rp name is refused", func(c *passkey.Config) { c.RPName = " " }, "rp_name"},
		{"no web origin is refused", func(c *passkey.Config) { c.Origins = nil }, "origins"},
		{"an http origin off localhost is refused", func(c *passkey.Config) { c.Origins = []string{"http://bulwark.example"} }, "origins[0]"},
		{"an origin on another domain is refused", func(c *passkey.Config) { c.Origins = []string{"https://bulwark.example.evil"} }, "origins[0]"},
		{"an origin with a path is refused", func(c *passkey.Config) { c.Origins = []string{"https://bulwark.example/login"} }, "origins[0]"},
		{"an origin with a trailing slash is refused", func(c *passkey.Config) { c.Origins = []string{webOrigin + "/"} }, "origins[0]"},
		{"an Android origin with a SHA-1 hash is refused", func(c *passkey.Config) {
			c.AndroidOrigins = []string{"android:apk-key-hash:AAECAwQFBgcICQoLDA0ODxAREhM"}
		}, "android_origins[0]"},
		{"an Android origin in hex is refused", func(c *passkey.Config) {
			c.AndroidOrigins = []string{"android:apk-key-hash:00:01:02"}
		}, "android_origins[0]"},
		{"an Android origin without the prefix is refused", func(c *passkey.Config) {
			c.AndroidOrigins = []string{"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"}
		}, "android_origins[0]"},
		{"an unknown attestation is refused", func(c *passkey.Config) { c.Attestation = "enterprise" }, "attestation"},
		{"a ceremony lifetime over the maximum is refused", func(c *passkey.Config) { c.CeremonyTTL = time.Hour }, "ceremony_ttl"},
		{"a negative credential limit is refused", func(c *passkey.Config) { c.MaxCredentials = -1 }, "max_credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			tc.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("Validate = %v; want an error naming %s", err, tc.field)
			}
			if _, nerr := passkey.New(c, passkey.NewMemory(), passkey.NewMemory()); nerr == nil {
				t.Errorf("New accepted an invalid config")
			}
		})
	}
	t.Run("http on localhost is allowed for development", func(t *testing.T) {
		c := base()
		c.RPID, c.Origins = "localhost", []string{"http://localhost:8080"}
		if err := c.Validate(); err != nil {
			t.Errorf("Validate = %v", err)
		}
	})
}

func TestAndroidOrigin(t *testing.T) {
	t.Parallel()
	seq := "00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F"
	cases := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"keytool form with colons", seq, androidOrigin, false},
		{"lower-case hex without colons", strings.ToLower(strings.ReplaceAll(seq, ":", "")), androidOrigin, false},
		{"a SHA-1 fingerprint is refused", seq[:59], "", true},
		{"non-hex is refused", strings.Replace(seq, "0A", "ZZ", 1), "", true},
		{"empty is refused", "", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := passkey.AndroidOrigin(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("AndroidOrigin(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	passkeytest.Store(t, func(t *testing.T) passkey.Store { return passkey.NewMemory() })
}

func TestMemoryCeremonyBound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := passkey.NewMemory()
	m.MaxCeremonies = 2
	put := func(id string, created time.Time) error {
		return m.PutCeremony(ctx, passkey.Ceremony{ID: id, Kind: passkey.KindLogin, CreatedAt: created, ExpiresAt: created.Add(time.Minute)})
	}
	if err := errors.Join(put("pkc_1", t0), put("pkc_2", t0.Add(30*time.Second))); err != nil {
		t.Fatal(err)
	}
	if err := put("pkc_3", t0.Add(59*time.Second)); !errors.Is(err, passkey.ErrFull) {
		t.Errorf("third ceremony while two are live: err = %v, want ErrFull", err)
	}
	if err := put("pkc_3", t0.Add(time.Minute)); err != nil {
		t.Errorf("third ceremony once the first expired: err = %v, want it stored", err)
	}
	if _, err := m.TakeCeremony(ctx, "pkc_1"); err == nil {
		t.Errorf("the expired ceremony was kept")
	}
}
