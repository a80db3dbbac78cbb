package mfa_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/bulwark-security/bulwark/internal/envelope"
	"github.com/bulwark-security/bulwark/internal/mfa"
)

var _ mfa.Sealer = (*envelope.Keyring)(nil)

// t0 is a UTC noon, the middle of a time step (12:00:15 would be too).
var t0 = time.Date(2026, 11, 24, 12, 0, 10, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func keyring(t testing.TB) *envelope.Keyring {
	t.Helper()
	k, err := envelope.New(bytes.Repeat([]byte{7}, envelope.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type fixture struct {
	svc   *mfa.Service
	store *mfa.MemoryStore
	clock *clock
	keys  *envelope.Keyring
}

func newFixture(t testing.TB, opt mfa.Options) *fixture {
	t.Helper()
	f := &fixture{store: mfa.NewMemoryStore(), clock: &clock{now: t0}, keys: keyring(t)}
	if opt.Issuer == "" {
		opt.Issuer = "Bulwark Demo"
	}
	opt.Now = f.clock.Now
	svc, err := mfa.New(f.store, f.keys, opt)
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc
	return f
}

// code is what an authenticator app holding secret shows at t.
func code(t testing.TB, secret string, at time.Time, alg otp.Algorithm, digits otp.Digits) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: digits, Algorithm: alg})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func code6(t testing.TB, secret string, at time.Time) string {
	return code(t, secret, at, otp.AlgorithmSHA1, otp.DigitsSix)
}

// enrolled returns a fixture with usr_1 enrolled and active, its secret
// and recovery codes; the clock is a minute after the confirmation.
func enrolled(t testing.TB) (*fixture, string, []string) {
	t.Helper()
	f := newFixture(t, mfa.Options{})
	ctx := context.Background()
	p, err := f.svc.Enroll(ctx, "usr_1", "ada")
	if err != nil {
		t.Fatal(err)
	}
	codes, err := f.svc.Confirm(ctx, "usr_1", code6(t, p.Secret, f.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	return f, p.Secret, codes
}

func TestEnrollReturnsAKeyURIAndQRCode(t *testing.T) {
	t.Parallel()
	seed := bytes.Repeat([]byte{0xA5}, 20)
	f := newFixture(t, mfa.Options{Rand: io.MultiReader(bytes.NewReader(seed), rand.Reader)})
	p, err := f.svc.Enroll(context.Background(), "usr_1", "ada@example.com")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(p.URI)
	if err != nil {
		t.Fatal(err)
	}
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(seed)
	got := map[string]string{"scheme": u.Scheme, "type": u.Host, "label": u.Path, "secret": u.Query().Get("secret"),
		"issuer": u.Query().Get("issuer"), "algorithm": u.Query().Get("algorithm"), "digits": u.Query().Get("digits"),
		"period": u.Query().Get("period"), "shown secret": p.Secret}
	want := map[string]string{"scheme": "otpauth", "type": "totp", "label": "/Bulwark Demo:ada@example.com", "secret": secret,
		"issuer": "Bulwark Demo", "algorithm": "SHA1", "digits": "6", "period": "30", "shown secret": secret}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("key URI %s (-want +got):\n%s", p.URI, diff)
	}
	img, err := png.Decode(bytes.NewReader(p.QRCode))
	if err != nil {
		t.Fatalf("QR code is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != mfa.DefaultQRSize || b.Dy() != mfa.DefaultQRSize {
		t.Errorf("QR code is %v, want %dx%d", b, mfa.DefaultQRSize, mfa.DefaultQRSize)
	}
	if want := t0.Add(mfa.DefaultPendingTTL); !p.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", p.ExpiresAt, want)
	}
}

func TestEnrollStoresTheSecretSealed(t *testing.T) {
	t.Parallel()
	seed := []byte("a secret of 20 bytes")
	f := newFixture(t, mfa.Options{Rand: io.MultiReader(bytes.NewReader(seed), rand.Reader)})
	ctx := context.Background()
	if _, err := f.svc.Enroll(ctx, "usr_1", "ada"); err != nil {
		t.Fatal(err)
	}
	e, err := f.store.Enrollment(ctx, "usr_1")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(e.Sealed, seed) {
		t.Error("the stored secret contains the plain secret")
	}
	plain, err := f.keys.Open(e.Sealed, mfa.SecretAAD("usr_1", e.ID))
	if err != nil || !bytes.Equal(plain, seed) {
		t.Errorf("Open = %q, %v; want the secret", plain, err)
	}
	if _, err := f.keys.Open(e.Sealed, mfa.SecretAAD("usr_2", e.ID)); err == nil {
		t.Error("the sealed secret opens for another user")
	}
	if e.State != mfa.StatePending || !e.CreatedAt.Equal(t0) || !e.ActivatedAt.IsZero() {
		t.Errorf("stored enrollment is %s created %v activated %v; want pending created %v", e.State, e.CreatedAt, e.ActivatedAt, t0)
	}
}

func TestRFC6238VectorsThroughTheService(t *testing.T) {
	t.Parallel()
	seeds := map[otp.Algorithm][]byte{
		otp.AlgorithmSHA1:   []byte("12345678901234567890"),
		otp.AlgorithmSHA256: []byte("12345678901234567890123456789012"),
		otp.AlgorithmSHA512: []byte("1234567890123456789012345678901234567890123456789012345678901234"),
	}
	algs := map[otp.Algorithm]mfa.Algorithm{otp.AlgorithmSHA1: mfa.SHA1, otp.AlgorithmSHA256: mfa.SHA256, otp.AlgorithmSHA512: mfa.SHA512}
	// RFC 6238 Appendix B.
	vectors := []struct {
		unix int64
		alg  otp.Algorithm
		code string
	}{
		{59, otp.AlgorithmSHA1, "94287082"}, {59, otp.AlgorithmSHA256, "46119246"}, {59, otp.AlgorithmSHA512, "90693936"},
		{1111111109, otp.AlgorithmSHA1, "07081804"}, {1111111109, otp.AlgorithmSHA256, "68084774"}, {1111111109, otp.AlgorithmSHA512, "25091201"},
		{1111111111, otp.AlgorithmSHA1, "14050471"}, {1111111111, otp.AlgorithmSHA256, "67062674"}, {1111111111, otp.AlgorithmSHA512, "99943326"},
		{1234567890, otp.AlgorithmSHA1, "89005924"}, {1234567890, otp.AlgorithmSHA256, "91819424"}, {1234567890, otp.AlgorithmSHA512, "93441116"},
		{2000000000, otp.AlgorithmSHA1, "69279037"}, {2000000000, otp.AlgorithmSHA256, "90698825"}, {2000000000, otp.AlgorithmSHA512, "38618901"},
		{20000000000, otp.AlgorithmSHA1, "65353130"}, {20000000000, otp.AlgorithmSHA256, "77737706"}, {20000000000, otp.AlgorithmSHA512, "47863826"},
	}
	ctx := context.Background()
	for _, v := range vectors {
		t.Run(fmt.Sprintf("%d/%s", v.unix, v.alg), func(t *testing.T) {
			t.Parallel()
			seed := seeds[v.alg]
			f := newFixture(t, mfa.Options{Algorithm: algs[v.alg], Digits: 8, SecretSize: len(seed),
				Rand: io.MultiReader(bytes.NewReader(seed), rand.Reader)})
			at := time.Unix(v.unix, 0).UTC()
			f.clock.Set(at)
			p, err := f.svc.Enroll(ctx, "usr_1", "ada")
			if err != nil {
				t.Fatal(err)
			}
			if got := code(t, p.Secret, at, v.alg, otp.DigitsEight); got != v.code {
				t.Errorf("authenticator code from the enrolled secret = %s, want %s", got, v.code)
			}
			if _, err := f.svc.Confirm(ctx, "usr_1", v.code); err != nil {
				t.Fatalf("Confirm(%s) at %d: %v", v.code, v.unix, err)
			}
			// The code of the next step, the same vector's one period later.
			f.clock.Set(at.Add(30 * time.Second))
			next := code(t, p.Secret, at.Add(30*time.Second), v.alg, otp.DigitsEight)
			if _, err := f.svc.Verify(ctx, "usr_1", next); err != nil {
				t.Errorf("Verify of the next step's code: %v", err)
			}
		})
	}
}

func TestVerifyWindow(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		offset time.Duration // of the authenticator's clock from the server's
		ok     bool
	}{
		{"the current step is accepted", 0, true},
		{"one step behind is accepted", -30 * time.Second, true},
		{"one step ahead is accepted", 30 * time.Second, true},
		{"two steps behind are refused", -60 * time.Second, false},
		{"two steps ahead are refused", 60 * time.Second, false},
		{"ten steps behind are refused", -300 * time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, secret, _ := enrolled(t)
			now := f.clock.Now()
			_, err := f.svc.Verify(context.Background(), "usr_1", code6(t, secret, now.Add(tc.offset)))
			if tc.ok && err != nil {
				t.Errorf("Verify: %v, want success", err)
			}
			if !tc.ok && !errors.Is(err, mfa.ErrInvalidCode) {
				t.Errorf("Verify: err = %v, want ErrInvalidCode", err)
			}
		})
	}
}

func TestVerifyRefusesReplays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("the same code twice is refused the second time", func(t *testing.T) {
		t.Parallel()
		f, secret, _ := enrolled(t)
		c := code6(t, secret, f.clock.Now())
		p, err := f.svc.Verify(ctx, "usr_1", c)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(mfa.Proof{Method: mfa.MethodTOTP, At: f.clock.Now()}, p); diff != "" {
			t.Errorf("Proof (-want +got):\n%s", diff)
		}
		f.clock.Advance(5 * time.Second) // still in the window
		_, err = f.svc.Verify(ctx, "usr_1", c)
		if !errors.Is(err, mfa.ErrCodeReused) || !errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("second Verify: err = %v, want ErrCodeReused and ErrInvalidCode", err)
		}
	})

	t.Run("an older step's code after a newer one is refused", func(t *testing.T) {
		t.Parallel()
		f, secret, _ := enrolled(t)
		now := f.clock.Now()
		if _, err := f.svc.Verify(ctx, "usr_1", code6(t, secret, now.Add(30*time.Second))); err != nil {
			t.Fatal(err)
		}
		for _, off := range []time.Duration{0, -30 * time.Second} {
			if _, err := f.svc.Verify(ctx, "usr_1", code6(t, secret, now.Add(off))); !errors.Is(err, mfa.ErrCodeReused) {
				t.Errorf("Verify of the step at %s: err = %v, want ErrCodeReused", off, err)
			}
		}
	})

	t.Run("the code that confirmed the enrollment does not log in", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, mfa.Options{})
		p, err := f.svc.Enroll(ctx, "usr_1", "ada")
		if err != nil {
			t.Fatal(err)
		}
		c := code6(t, p.Secret, f.clock.Now())
		if _, err := f.svc.Confirm(ctx, "usr_1", c); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Verify(ctx, "usr_1", c); !errors.Is(err, mfa.ErrCodeReused) {
			t.Errorf("Verify with the confirming code: err = %v, want ErrCodeReused", err)
		}
	})

	t.Run("the next step's code is accepted after one", func(t *testing.T) {
		t.Parallel()
		f, secret, _ := enrolled(t)
		if _, err := f.svc.Verify(ctx, "usr_1", code6(t, secret, f.clock.Now())); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(30 * time.Second)
		if _, err := f.svc.Verify(ctx, "usr_1", code6(t, secret, f.clock.Now())); err != nil {
			t.Errorf("Verify of the next step: %v", err)
		}
	})
}

func TestVerifyRefusesMalformedCodes(t *testing.T) {
	t.Parallel()
	f, secret, _ := enrolled(t)
	good := code6(t, secret, f.clock.Now())
	for _, c := range []string{"", "12345", "1234567", "abcdef", good + "0", good[:5], " ", "１２３４５６",
		good[:3] + "\t" + good[3:], string(bytes.Repeat([]byte("1"), 1<<20))} {
		if _, err := f.svc.Verify(context.Background(), "usr_1", c); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("Verify(%.20q): err = %v, want ErrInvalidCode", c, err)
		}
	}
	// Still usable: nothing above was recorded as accepted.
	if _, err := f.svc.Verify(context.Background(), "usr_1", good[:3]+" "+good[3:]); err != nil {
		t.Errorf("Verify of the good code typed with a space: %v", err)
	}
}

func TestPendingEnrollment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a pending enrollment does not log in until confirmed", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, mfa.Options{})
		p, err := f.svc.Enroll(ctx, "usr_1", "ada")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Verify(ctx, "usr_1", code6(t, p.Secret, f.clock.Now())); !errors.Is(err, mfa.ErrNotEnrolled) {
			t.Errorf("Verify while pending: err = %v, want ErrNotEnrolled", err)
		}
		if st, err := f.svc.Status(ctx, "usr_1"); err != nil || st.Enrolled() || st.State != mfa.StatePending {
			t.Errorf("Status while pending = %+v, %v; want pending, not enrolled", st, err)
		}
		f.clock.Advance(30 * time.Second)
		if _, err := f.svc.Confirm(ctx, "usr_1", code6(t, p.Secret, f.clock.Now())); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(30 * time.Second)
		if _, err := f.svc.Verify(ctx, "usr_1", code6(t, p.Secret, f.clock.Now())); err != nil {
			t.Errorf("Verify once confirmed: %v", err)
		}
	})

	t.Run("a wrong code does not confirm", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, mfa.Options{})
		p, err := f.svc.Enroll(ctx, "usr_1", "ada")
		if err != nil {
			t.Fatal(err)
		}
		wrong := code6(t, p.Secret, f.clock.Now().Add(-2*time.Minute))
		if _, err := f.svc.Confirm(ctx, "usr_1", wrong); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("Confirm with a wrong code: err = %v, want ErrInvalidCode", err)
		}
		if st, _ := f.svc.Status(ctx, "usr_1"); st.State != mfa.StatePending {
			t.Errorf("state after a wrong code = %q, want pending", st.State)
		}
	})

	t.Run("a pending enrollment expires", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, mfa.Options{PendingTTL: 10 * time.Minute})
		p, err := f.svc.Enroll(ctx, "usr_1", "ada")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(10*time.Minute + time.Second)
		if _, err := f.svc.Confirm(ctx, "usr_1", code6(t, p.Secret, f.clock.Now())); !errors.Is(err, mfa.ErrPendingExpired) {
			t.Errorf("Confirm after the TTL: err = %v, want ErrPendingExpired", err)
		}
	})

	t.Run("enrolling again replaces the pending secret", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, mfa.Options{})
		first, err := f.svc.Enroll(ctx, "usr_1", "ada")
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.svc.Enroll(ctx, "usr_1", "ada")
		if err != nil {
			t.Fatal(err)
		}
		if first.Secret == second.Secret {
			t.Fatal("two enrollments have the same secret")
		}
		if _, err := f.svc.Confirm(ctx, "usr_1", code6(t, first.Secret, f.clock.Now())); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("Confirm with the replaced secret: err = %v, want ErrInvalidCode", err)
		}
		if _, err := f.svc.Confirm(ctx, "usr_1", code6(t, second.Secret, f.clock.Now())); err != nil {
			t.Errorf("Confirm with the new secret: %v", err)
		}
	})

	t.Run("an active enrollment is not replaced by enrolling", func(t *testing.T) {
		t.Parallel()
		f, secret, _ := enrolled(t)
		if _, err := f.svc.Enroll(ctx, "usr_1", "ada"); !errors.Is(err, mfa.ErrAlreadyEnrolled) {
			t.Errorf("Enroll over an active one: err = %v, want ErrAlreadyEnrolled", err)
		}
		if _, err := f.svc.Confirm(ctx, "usr_1", code6(t, secret, f.clock.Now())); !errors.Is(err, mfa.ErrAlreadyEnrolled) {
			t.Errorf("Confirm of an active one: err = %v, want ErrAlreadyEnrolled", err)
		}
		if _, err := f.svc.Verify(ctx, "usr_1", code6(t, secret, f.clock.Now())); err != nil {
			t.Errorf("the active enrollment stopped working: %v", err)
		}
	})

	t.Run("nothing to confirm or verify for a user who never enrolled", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, mfa.Options{})
		if _, err := f.svc.Confirm(ctx, "usr_9", "123456"); !errors.Is(err, mfa.ErrNoPending) {
			t.Errorf("Confirm: err = %v, want ErrNoPending", err)
		}
		if _, err := f.svc.Verify(ctx, "usr_9", "123456"); !errors.Is(err, mfa.ErrNotEnrolled) {
			t.Errorf("Verify: err = %v, want ErrNotEnrolled", err)
		}
		if _, err := f.svc.Recover(ctx, "usr_9", "0000-0000-0000-0000"); !errors.Is(err, mfa.ErrNotEnrolled) {
			t.Errorf("Recover: err = %v, want ErrNotEnrolled", err)
		}
		if st, err := f.svc.Status(ctx, "usr_9"); err != nil || st != (mfa.Status{}) {
			t.Errorf("Status = %+v, %v; want none", st, err)
		}
	})

	t.Run("account names that break the key URI are refused", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, mfa.Options{})
		for _, a := range []string{"", "ada:admin", "ada\nbob", string(bytes.Repeat([]byte("a"), 200)), "\xff"} {
			if _, err := f.svc.Enroll(ctx, "usr_1", a); !errors.Is(err, mfa.ErrInvalidAccount) {
				t.Errorf("Enroll(%.20q): err = %v, want ErrInvalidAccount", a, err)
			}
		}
	})
}

var recoveryFormat = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){5}$`)

func TestRecoveryCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("confirming gives ten distinct codes in the shown format", func(t *testing.T) {
		t.Parallel()
		_, _, codes := enrolled(t)
		if len(codes) != mfa.DefaultRecoveryCodes {
			t.Fatalf("%d codes, want %d", len(codes), mfa.DefaultRecoveryCodes)
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if !recoveryFormat.MatchString(c) {
				t.Errorf("code %q is not six groups of four of the alphabet", c)
			}
			if seen[c] {
				t.Errorf("code %q given twice", c)
			}
			seen[c] = true
		}
	})

	t.Run("a recovery code works once", func(t *testing.T) {
		t.Parallel()
		f, _, codes := enrolled(t)
		p, err := f.svc.Recover(ctx, "usr_1", codes[3])
		if err != nil {
			t.Fatal(err)
		}
		want := mfa.Proof{Method: mfa.MethodRecovery, At: f.clock.Now(), RecoveryCodesLeft: 9}
		if diff := cmp.Diff(want, p); diff != "" {
			t.Errorf("Proof (-want +got):\n%s", diff)
		}
		if _, err := f.svc.Recover(ctx, "usr_1", codes[3]); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("second use: err = %v, want ErrInvalidCode", err)
		}
		if st, err := f.svc.Status(ctx, "usr_1"); err != nil || st.RecoveryCodesLeft != 9 {
			t.Errorf("Status = %+v, %v; want 9 codes left", st, err)
		}
	})

	t.Run("a recovery code is read as typed: upper case, no hyphens, o for 0", func(t *testing.T) {
		t.Parallel()
		f, _, codes := enrolled(t)
		typed := []byte(codes[0])
		for i, c := range typed {
			switch {
			case c == '-':
				typed[i] = ' '
			case c == '0':
				typed[i] = 'O'
			case c == '1':
				typed[i] = 'l'
			case c >= 'a' && c <= 'z':
				typed[i] = c - 'a' + 'A'
			}
		}
		if _, err := f.svc.Recover(ctx, "usr_1", string(typed)); err != nil {
			t.Errorf("Recover(%q) for %q: %v", typed, codes[0], err)
		}
	})

	t.Run("a wrong or malformed recovery code is refused and uses nothing", func(t *testing.T) {
		t.Parallel()
		f, _, codes := enrolled(t)
		for _, c := range []string{"", "0000-0000-0000-0000-0000-0000", codes[0][:28], codes[0] + "x", "not a code", string(bytes.Repeat([]byte("a"), 1<<16))} {
			if _, err := f.svc.Recover(ctx, "usr_1", c); !errors.Is(err, mfa.ErrInvalidCode) {
				t.Errorf("Recover(%.20q): err = %v, want ErrInvalidCode", c, err)
			}
		}
		if st, _ := f.svc.Status(ctx, "usr_1"); st.RecoveryCodesLeft != 10 {
			t.Errorf("%d codes left, want 10", st.RecoveryCodesLeft)
		}
	})

	t.Run("another user's recovery code is refused", func(t *testing.T) {
		t.Parallel()
		f, _, codes := enrolled(t)
		p, err := f.svc.Enroll(ctx, "usr_2", "bob")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Confirm(ctx, "usr_2", code6(t, p.Secret, f.clock.Now())); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Recover(ctx, "usr_2", codes[0]); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("usr_1's code as usr_2: err = %v, want ErrInvalidCode", err)
		}
	})

	t.Run("a regenerated set invalidates the old one", func(t *testing.T) {
		t.Parallel()
		f, _, old := enrolled(t)
		fresh, err := f.svc.RegenerateRecoveryCodes(ctx, "usr_1")
		if err != nil {
			t.Fatal(err)
		}
		if len(fresh) != 10 {
			t.Fatalf("%d new codes, want 10", len(fresh))
		}
		for _, c := range old {
			if _, err := f.svc.Recover(ctx, "usr_1", c); !errors.Is(err, mfa.ErrInvalidCode) {
				t.Errorf("old code %s: err = %v, want ErrInvalidCode", c, err)
			}
		}
		if _, err := f.svc.Recover(ctx, "usr_1", fresh[9]); err != nil {
			t.Errorf("new code: %v", err)
		}
	})

	t.Run("regenerating needs an active enrollment", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, mfa.Options{})
		if _, err := f.svc.Enroll(ctx, "usr_1", "ada"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RegenerateRecoveryCodes(ctx, "usr_1"); !errors.Is(err, mfa.ErrNotEnrolled) {
			t.Errorf("err = %v, want ErrNotEnrolled", err)
		}
	})

	t.Run("disabling removes the enrollment and its recovery codes", func(t *testing.T) {
		t.Parallel()
		f, secret, codes := enrolled(t)
		if err := f.svc.Disable(ctx, "usr_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Verify(ctx, "usr_1", code6(t, secret, f.clock.Now())); !errors.Is(err, mfa.ErrNotEnrolled) {
			t.Errorf("Verify after disable: err = %v, want ErrNotEnrolled", err)
		}
		if n, _ := f.store.RecoveryCodesLeft(ctx, "usr_1"); n != 0 {
			t.Errorf("%d recovery codes left after disable, want 0", n)
		}
		// Enrolling again works, and the old codes stay dead.
		p, err := f.svc.Enroll(ctx, "usr_1", "ada")
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(30 * time.Second)
		if _, err := f.svc.Confirm(ctx, "usr_1", code6(t, p.Secret, f.clock.Now())); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Recover(ctx, "usr_1", codes[0]); !errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("a code of the disabled enrollment: err = %v, want ErrInvalidCode", err)
		}
	})
}

func TestConcurrentVerifyOfOneCodeSucceedsOnce(t *testing.T) {
	t.Parallel()
	f, secret, codes := enrolled(t)
	ctx := context.Background()
	for round := range 20 {
		f.clock.Advance(90 * time.Second) // out of the last round's window
		c := code6(t, secret, f.clock.Now())
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() { _, errs[i] = f.svc.Verify(ctx, "usr_1", c) })
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, mfa.ErrCodeReused):
				t.Errorf("round %d: err = %v, want nil or ErrCodeReused", round, err)
			}
		}
		if ok != 1 {
			t.Errorf("round %d: %d of 2 concurrent Verify succeeded, want 1", round, ok)
		}
	}
	// The same for a recovery code.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() { _, errs[i] = f.svc.Recover(ctx, "usr_1", codes[5]) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Errorf("concurrent Recover of one code: errs = %v, want exactly one nil", errs)
	}
}

func TestFailsClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a secret sealed for another user does not verify", func(t *testing.T) {
		t.Parallel()
		f, _, _ := enrolled(t)
		p2, err := f.svc.Enroll(ctx, "usr_2", "bob")
		if err != nil {
			t.Fatal(err)
		}
		e1, _ := f.store.Enrollment(ctx, "usr_1")
		e2, _ := f.store.Enrollment(ctx, "usr_2")
		// usr_1's row gets usr_2's sealed secret, as a tampered database would.
		e1.Sealed = e2.Sealed
		st := mfa.NewMemoryStore()
		if err := st.SavePending(ctx, e1); err != nil {
			t.Fatal(err)
		}
		if err := st.Activate(ctx, "usr_1", e1.ID, nil, t0); err != nil {
			t.Fatal(err)
		}
		svc, err := mfa.New(st, f.keys, mfa.Options{Issuer: "x", Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.Verify(ctx, "usr_1", code6(t, p2.Secret, f.clock.Now()))
		if err == nil || errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("Verify with a swapped secret: err = %v, want an open error", err)
		}
		if !errors.Is(err, envelope.ErrCorrupt) {
			t.Errorf("err = %v, want it to wrap the keyring's error", err)
		}
	})

	t.Run("a key ring that cannot open refuses every code", func(t *testing.T) {
		t.Parallel()
		f, secret, _ := enrolled(t)
		other, err := envelope.New(bytes.Repeat([]byte{8}, envelope.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		svc, err := mfa.New(f.store, other, mfa.Options{Issuer: "x", Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Verify(ctx, "usr_1", code6(t, secret, f.clock.Now())); !errors.Is(err, envelope.ErrWrongKey) {
			t.Errorf("Verify with another master key: err = %v, want ErrWrongKey", err)
		}
	})

	t.Run("stored parameters out of range are an error, not a guess", func(t *testing.T) {
		t.Parallel()
		f, secret, _ := enrolled(t)
		e, _ := f.store.Enrollment(ctx, "usr_1")
		e.Digits = 7
		st := mfa.NewMemoryStore()
		_ = st.SavePending(ctx, e)
		_ = st.Activate(ctx, "usr_1", e.ID, nil, t0)
		svc, err := mfa.New(st, f.keys, mfa.Options{Issuer: "x", Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.Verify(ctx, "usr_1", code6(t, secret, f.clock.Now()))
		if err == nil || errors.Is(err, mfa.ErrInvalidCode) {
			t.Errorf("Verify with 7 digits stored: err = %v, want a parameter error", err)
		}
	})

	t.Run("a failing random source fails enrollment", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, mfa.Options{Rand: bytes.NewReader(make([]byte, 10))})
		if _, err := f.svc.Enroll(ctx, "usr_1", "ada"); err == nil {
			t.Error("Enroll with 10 random bytes succeeded")
		}
		if _, err := f.store.Enrollment(ctx, "usr_1"); !errors.Is(err, mfa.ErrNotFound) {
			t.Errorf("a failed Enroll left an enrollment: %v", err)
		}
	})
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opt  mfa.Options
		ok   bool
	}{
		{"defaults with an issuer", mfa.Options{Issuer: "Bulwark"}, true},
		{"SHA512, 8 digits, 60s, 64-byte secret", mfa.Options{Issuer: "B", Algorithm: mfa.SHA512, Digits: 8, Period: time.Minute, SecretSize: 64}, true},
		{"no issuer", mfa.Options{}, false},
		{"an issuer with a colon", mfa.Options{Issuer: "a:b"}, false},
		{"an unknown algorithm", mfa.Options{Issuer: "B", Algorithm: "MD5"}, false},
		{"7 digits", mfa.Options{Issuer: "B", Digits: 7}, false},
		{"a period under 15s", mfa.Options{Issuer: "B", Period: 10 * time.Second}, false},
		{"a period of fractional seconds", mfa.Options{Issuer: "B", Period: 30500 * time.Millisecond}, false},
		{"a secret under 160 bits", mfa.Options{Issuer: "B", SecretSize: 16}, false},
		{"a secret over 64 bytes", mfa.Options{Issuer: "B", SecretSize: 65}, false},
		{"a pending ttl under a minute", mfa.Options{Issuer: "B", PendingTTL: time.Second}, false},
		{"a QR code too small", mfa.Options{Issuer: "B", QRSize: 10}, false},
		{"too many recovery codes", mfa.Options{Issuer: "B", RecoveryCodes: 1000}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.opt.Validate()
			if (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok %v", err, tc.ok)
			}
			if _, err := mfa.New(mfa.NewMemoryStore(), keyring(t), tc.opt); (err == nil) != tc.ok {
				t.Errorf("New() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestConcurrentConfirmsActivateOnceWithTheWinnersCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for round := range 10 {
		f := newFixture(t, mfa.Options{})
		p, err := f.svc.Enroll(ctx, "usr_1", "ada")
		if err != nil {
			t.Fatal(err)
		}
		// Two codes of different steps, both in the window: both pass the
		// code check, only one may activate.
		now := f.clock.Now()
		inputs := []string{code6(t, p.Secret, now), code6(t, p.Secret, now.Add(30*time.Second))}
		codes := make([][]string, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range inputs {
			wg.Go(func() { codes[i], errs[i] = f.svc.Confirm(ctx, "usr_1", inputs[i]) })
		}
		wg.Wait()
		var winner []string
		for i, err := range errs {
			switch {
			case err == nil:
				if winner != nil {
					t.Fatalf("round %d: both confirms succeeded", round)
				}
				winner = codes[i]
			case !errors.Is(err, mfa.ErrNoPending) && !errors.Is(err, mfa.ErrAlreadyEnrolled) && !errors.Is(err, mfa.ErrInvalidCode):
				t.Errorf("round %d: losing confirm: err = %v", round, err)
			}
		}
		if winner == nil {
			t.Fatalf("round %d: no confirm succeeded: %v", round, errs)
		}
		if _, err := f.svc.Recover(ctx, "usr_1", winner[0]); err != nil {
			t.Errorf("round %d: the winner's recovery code: %v", round, err)
		}
	}
}

func BenchmarkEnroll(b *testing.B) {
	f := newFixture(b, mfa.Options{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.svc.Enroll(ctx, "usr_1", "ada@example.com"); err != nil {
			b.Fatal(err)
		}
	}
}
