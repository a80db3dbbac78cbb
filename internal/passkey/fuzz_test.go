package passkey_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/bulwark-security/bulwark/internal/passkey"
	"github.com/bulwark-security/bulwark/internal/passkey/passkeytest"
)

// fixedRand is what a fuzzed service reads for its challenge (32 bytes)
// and ceremony id (24 bytes), so that every iteration begins the same
// ceremony and a seed built for it stays valid.
var fixedRand = bytes.Repeat([]byte{0x5a}, 56)

// fixedService returns a service whose next ceremony is always the same,
// with a store holding creds.
func fixedService(t testing.TB, creds ...passkey.Credential) *passkey.Service {
	c := &clock{now: t0}
	cfg := config(c)
	cfg.Rand = bytes.NewReader(fixedRand)
	m := passkey.NewMemory()
	for _, cr := range creds {
		if err := m.CreateCredential(context.Background(), cr); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := passkey.New(cfg, m, m)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// refusal reports whether err is one of the decisions FinishLogin and
// FinishRegistration may return for a bad response.
func refusal(err error) bool {
	for _, e := range []error{passkey.ErrVerification, passkey.ErrUnknownCredential, passkey.ErrClonedAuthenticator, passkey.ErrCeremony, passkey.ErrCredentialExists} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// FuzzFinishLogin feeds arbitrary bytes to FinishLogin as the response to
// a real ceremony: it never panics, and it either refuses with one of the
// package's decisions or logs the registered user in (a mutation that
// keeps the signed parts intact).
func FuzzFinishLogin(f *testing.F) {
	ctx := context.Background()
	r := newRig(f)
	a := passkeytest.NewAuthenticator(webOrigin)
	cred := r.register(f, a, ada, "phone")
	b, err := fixedService(f, cred).BeginLogin(ctx)
	if err != nil {
		f.Fatal(err)
	}
	valid, err := a.Get(b.Options, nil)
	if err != nil {
		f.Fatal(err)
	}
	if err := finishLoginOnce(ctx, fixedService(f, cred), valid); err != nil {
		f.Fatalf("the valid seed is refused: %v", err)
	}
	a.UV = false
	noUV, _ := a.Get(b.Options, nil)
	reg, _ := passkeytest.NewAuthenticator(webOrigin).Create([]byte(`{"challenge":"AAAA","rp":{"id":"bulwark.example"},"user":{"id":"dXNy"},"pubKeyCredParams":[{"type":"public-key","alg":-7}]}`))
	for _, seed := range [][]byte{valid, noUV, reg, valid[:len(valid)/2], []byte(`{}`), []byte(`null`), []byte(`[]`),
		[]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"","signature":"","userHandle":""}}`),
		[]byte(`{"id":"","rawId":"!!","type":"public-key","response":{}}`)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		svc := fixedService(t, cred)
		b, err := svc.BeginLogin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		login, err := svc.FinishLogin(ctx, b.CeremonyID, data)
		switch {
		case err == nil:
			if login.UserID != ada.ID || !login.UserVerified {
				t.Errorf("accepted login = %+v", login)
			}
		case !refusal(err):
			t.Errorf("FinishLogin error %v is not a refusal decision", err)
		}
	})
}

// FuzzFinishRegistration does the same for registration responses.
func FuzzFinishRegistration(f *testing.F) {
	ctx := context.Background()
	a := passkeytest.NewAuthenticator(webOrigin)
	b, err := fixedService(f).BeginRegistration(ctx, ada)
	if err != nil {
		f.Fatal(err)
	}
	valid, err := a.Create(b.Options)
	if err != nil {
		f.Fatal(err)
	}
	svc := fixedService(f)
	if b2, err := svc.BeginRegistration(ctx, ada); err != nil || b2.CeremonyID != b.CeremonyID {
		f.Fatalf("a fixed service begins another ceremony: %v", err)
	}
	if _, err := svc.FinishRegistration(ctx, ada, b.CeremonyID, valid, "phone"); err != nil {
		f.Fatalf("the valid seed is refused: %v", err)
	}
	for _, seed := range [][]byte{valid, valid[:len(valid)/3], []byte(`{}`), []byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		svc := fixedService(t)
		b, err := svc.BeginRegistration(ctx, ada)
		if err != nil {
			t.Fatal(err)
		}
		c, err := svc.FinishRegistration(ctx, ada, b.CeremonyID, data, "phone")
		switch {
		case err == nil:
			if c.UserID != ada.ID || !c.UserVerified || len(c.ID) == 0 {
				t.Errorf("accepted credential = %+v", c)
			}
		case !refusal(err):
			t.Errorf("FinishRegistration error %v is not a refusal decision", err)
		}
	})
}

// finishLoginOnce begins a login on svc and finishes it with resp.
func finishLoginOnce(ctx context.Context, svc *passkey.Service, resp []byte) error {
	b, err := svc.BeginLogin(ctx)
	if err != nil {
		return err
	}
	_, err = svc.FinishLogin(ctx, b.CeremonyID, resp)
	return err
}

// BenchmarkFinishLogin measures FinishLogin alone: ceremonies and signed
// responses are prepared in batches with the timer stopped.
func BenchmarkFinishLogin(b *testing.B) {
	ctx := context.Background()
	r := newRig(b)
	a := passkeytest.NewAuthenticator(webOrigin)
	r.register(b, a, ada, "phone")
	type prepared struct {
		id   string
		resp []byte
	}
	var batch []prepared
	b.ReportAllocs()
	for b.Loop() {
		if len(batch) == 0 {
			b.StopTimer()
			for range 256 {
				begin, err := r.svc.BeginLogin(ctx)
				if err != nil {
					b.Fatal(err)
				}
				resp, err := a.Get(begin.Options, nil)
				if err != nil {
					b.Fatal(err)
				}
				batch = append(batch, prepared{begin.CeremonyID, resp})
			}
			b.StartTimer()
		}
		p := batch[0]
		batch = batch[1:]
		if _, err := r.svc.FinishLogin(ctx, p.id, p.resp); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBeginLogin(b *testing.B) {
	ctx := context.Background()
	r := newRig(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.svc.BeginLogin(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFinishRegistration(b *testing.B) {
	ctx := context.Background()
	r := newRig(b)
	a := passkeytest.NewAuthenticator(webOrigin)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		b.StopTimer()
		n++
		u := passkey.User{ID: "usr_" + strconv.Itoa(n), Name: "user"}
		begin, err := r.svc.BeginRegistration(ctx, u)
		if err != nil {
			b.Fatal(err)
		}
		resp, err := a.Create(begin.Options)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := r.svc.FinishRegistration(ctx, u, begin.CeremonyID, resp, "phone"); err != nil {
			b.Fatal(err)
		}
	}
}
