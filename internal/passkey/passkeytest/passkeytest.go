// Package passkeytest holds what tests of passkeys share: the contract
// test suite of passkey.CredentialStore and passkey.CeremonyStore, which
// every implementation (in memory, SQL, Redis) runs so that the service's
// expectations hold whichever is configured, and a software Authenticator
// that plays a passkey provider and its client in ceremony tests.
package passkeytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/passkey"
	"github.com/bulwark-security/bulwark/internal/store"
)

// t0 is the time the suites start at, a UTC noon with millisecond
// precision (what SQL stores keep).
var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// Store runs both contracts on a store that implements both. newStore
// returns an empty store.
func Store(t *testing.T, newStore func(t *testing.T) passkey.Store) {
	t.Run("credentials", func(t *testing.T) {
		Credentials(t, func(t *testing.T) passkey.CredentialStore { return newStore(t) })
	})
	t.Run("ceremonies", func(t *testing.T) {
		Ceremonies(t, func(t *testing.T) passkey.CeremonyStore { return newStore(t) })
	})
}

func cred(id byte, user string, created time.Time) passkey.Credential {
	return passkey.Credential{
		ID: []byte{id, 0xc0, 0xde}, UserID: user, Name: fmt.Sprintf("key %d", id),
		PublicKey: []byte{0xa5, 1, 2, 3, 0x26}, AttestationType: "none", AttestationFormat: "none",
		AAGUID: make([]byte, 16), Transports: []string{"internal", "hybrid"}, SignCount: 7,
		UserVerified: true, BackupEligible: true, BackupState: false, CreatedAt: created,
	}
}

// Credentials runs the passkey.CredentialStore contract. newStore returns
// an empty store.
func Credentials(t *testing.T, newStore func(t *testing.T) passkey.CredentialStore) {
	ctx := context.Background()
	t.Run("a created credential is found by id and listed for its user only", func(t *testing.T) {
		s := newStore(t)
		a1, a2, b1 := cred(1, "usr_a", t0.Add(time.Second)), cred(2, "usr_a", t0), cred(3, "usr_b", t0)
		for _, c := range []passkey.Credential{a1, a2, b1} {
			must(t, s.CreateCredential(ctx, c))
		}
		got, err := s.Credential(ctx, a1.ID)
		must(t, err)
		if diff := cmp.Diff(a1, got); diff != "" {
			t.Errorf("Credential (-want +got):\n%s", diff)
		}
		list, err := s.Credentials(ctx, "usr_a")
		must(t, err)
		if diff := cmp.Diff([]passkey.Credential{a2, a1}, list); diff != "" {
			t.Errorf("Credentials(usr_a), oldest first (-want +got):\n%s", diff)
		}
		none, err := s.Credentials(ctx, "usr_nobody")
		if err != nil || len(none) != 0 {
			t.Errorf("Credentials of a user with none = %v, %v; want empty, nil", none, err)
		}
	})
	t.Run("a taken credential id is a conflict, whoever registers it", func(t *testing.T) {
		s := newStore(t)
		must(t, s.CreateCredential(ctx, cred(1, "usr_a", t0)))
		if err := s.CreateCredential(ctx, cred(1, "usr_b", t0)); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate id: err = %v, want store.ErrConflict", err)
		}
		got, err := s.Credential(ctx, cred(1, "", t0).ID)
		if err != nil || got.UserID != "usr_a" {
			t.Errorf("after the conflict the credential is %+v, %v; want usr_a's", got, err)
		}
	})
	t.Run("a missing credential is not found", func(t *testing.T) {
		s := newStore(t)
		id := []byte{9, 9}
		if _, err := s.Credential(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Credential: err = %v, want store.ErrNotFound", err)
		}
		if _, err := s.RecordUse(ctx, id, 0, 1, false, t0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RecordUse: err = %v, want store.ErrNotFound", err)
		}
		if err := s.FlagClone(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FlagClone: err = %v, want store.ErrNotFound", err)
		}
	})
	t.Run("rename and delete touch only the owner's credential", func(t *testing.T) {
		s := newStore(t)
		c := cred(1, "usr_a", t0)
		must(t, s.CreateCredential(ctx, c))
		if err := s.RenameCredential(ctx, "usr_b", c.ID, "stolen"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rename by another user: err = %v, want store.ErrNotFound", err)
		}
		if err := s.DeleteCredential(ctx, "usr_b", c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete by another user: err = %v, want store.ErrNotFound", err)
		}
		if err := s.RenameCredential(ctx, "usr_a", []byte{7}, "x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rename of a missing credential: err = %v, want store.ErrNotFound", err)
		}
		must(t, s.RenameCredential(ctx, "usr_a", c.ID, "Pixel 9"))
		got, err := s.Credential(ctx, c.ID)
		must(t, err)
		want := c
		want.Name = "Pixel 9"
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after rename (-want +got):\n%s", diff)
		}
		must(t, s.DeleteCredential(ctx, "usr_a", c.ID))
		if _, err := s.Credential(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after delete: err = %v, want store.ErrNotFound", err)
		}
		if err := s.DeleteCredential(ctx, "usr_a", c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second delete: err = %v, want store.ErrNotFound", err)
		}
	})
	t.Run("record use applies only when the counter is the one read", func(t *testing.T) {
		s := newStore(t)
		c := cred(1, "usr_a", t0)
		must(t, s.CreateCredential(ctx, c))
		used := t0.Add(time.Minute)
		ok, err := s.RecordUse(ctx, c.ID, 7, 8, true, used)
		if err != nil || !ok {
			t.Fatalf("RecordUse(7→8) = %v, %v; want true", ok, err)
		}
		ok, err = s.RecordUse(ctx, c.ID, 7, 9, false, used.Add(time.Second))
		if err != nil || ok {
			t.Errorf("RecordUse with a stale counter = %v, %v; want false", ok, err)
		}
		got, err := s.Credential(ctx, c.ID)
		must(t, err)
		want := c
		want.SignCount, want.BackupState, want.LastUsedAt = 8, true, used
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("after uses (-want +got):\n%s", diff)
		}
	})
	t.Run("of concurrent uses with the same counter exactly one is recorded", func(t *testing.T) {
		s := newStore(t)
		c := cred(1, "usr_a", t0)
		must(t, s.CreateCredential(ctx, c))
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.RecordUse(ctx, c.ID, 7, uint32(8+i), false, t0)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Errorf("%d concurrent uses recorded, want 1", n)
		}
	})
	t.Run("a flagged clone stays flagged", func(t *testing.T) {
		s := newStore(t)
		c := cred(1, "usr_a", t0)
		must(t, s.CreateCredential(ctx, c))
		must(t, s.FlagClone(ctx, c.ID))
		got, err := s.Credential(ctx, c.ID)
		if err != nil || !got.CloneWarning {
			t.Errorf("after FlagClone: CloneWarning = %v, %v; want true", got.CloneWarning, err)
		}
		list, _ := s.Credentials(ctx, "usr_a")
		if len(list) != 1 || !list[0].CloneWarning {
			t.Errorf("listed after FlagClone: %+v; want CloneWarning", list)
		}
	})
	t.Run("returned credentials are copies", func(t *testing.T) {
		s := newStore(t)
		c := cred(1, "usr_a", t0)
		must(t, s.CreateCredential(ctx, c))
		c.PublicKey[0] = 0 // the caller's slice changes after the create
		got, _ := s.Credential(ctx, cred(1, "", t0).ID)
		got.PublicKey[1], got.Transports[0] = 0, "usb"
		again, err := s.Credential(ctx, got.ID)
		must(t, err)
		if diff := cmp.Diff(cred(1, "usr_a", t0), again); diff != "" {
			t.Errorf("stored credential changed through a caller's slices (-want +got):\n%s", diff)
		}
	})
}

func ceremony(id, kind, user string, created time.Time) passkey.Ceremony {
	return passkey.Ceremony{ID: id, Kind: kind, UserID: user, Data: []byte(`{"challenge":"abc"}`), CreatedAt: created, ExpiresAt: created.Add(5 * time.Minute)}
}

// Ceremonies runs the passkey.CeremonyStore contract. newStore returns
// an empty store.
func Ceremonies(t *testing.T, newStore func(t *testing.T) passkey.CeremonyStore) {
	ctx := context.Background()
	t.Run("a ceremony is taken once", func(t *testing.T) {
		s := newStore(t)
		c := ceremony("pkc_1", passkey.KindRegistration, "usr_a", t0)
		must(t, s.PutCeremony(ctx, c))
		got, err := s.TakeCeremony(ctx, "pkc_1")
		must(t, err)
		if diff := cmp.Diff(c, got); diff != "" {
			t.Errorf("TakeCeremony (-want +got):\n%s", diff)
		}
		if _, err := s.TakeCeremony(ctx, "pkc_1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second take: err = %v, want store.ErrNotFound", err)
		}
	})
	t.Run("a missing ceremony is not found", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.TakeCeremony(ctx, "pkc_missing"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("err = %v, want store.ErrNotFound", err)
		}
	})
	t.Run("a taken ceremony id is a conflict", func(t *testing.T) {
		s := newStore(t)
		must(t, s.PutCeremony(ctx, ceremony("pkc_1", passkey.KindLogin, "", t0)))
		if err := s.PutCeremony(ctx, ceremony("pkc_1", passkey.KindLogin, "usr_x", t0)); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate id: err = %v, want store.ErrConflict", err)
		}
		got, err := s.TakeCeremony(ctx, "pkc_1")
		if err != nil || got.UserID != "" {
			t.Errorf("after the conflict the ceremony is %+v, %v; want the first", got, err)
		}
	})
	t.Run("of concurrent takes exactly one succeeds", func(t *testing.T) {
		s := newStore(t)
		must(t, s.PutCeremony(ctx, ceremony("pkc_1", passkey.KindLogin, "", t0)))
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.TakeCeremony(ctx, "pkc_1")
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, store.ErrNotFound):
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := wins.Load(); n != 1 {
			t.Errorf("%d concurrent takes succeeded, want 1", n)
		}
	})
	t.Run("expired ceremonies are deleted and the others kept", func(t *testing.T) {
		s := newStore(t)
		old := ceremony("pkc_old", passkey.KindLogin, "", t0)
		edge := ceremony("pkc_edge", passkey.KindLogin, "", t0.Add(time.Minute))
		fresh := ceremony("pkc_fresh", passkey.KindLogin, "", t0.Add(2*time.Minute))
		for _, c := range []passkey.Ceremony{old, edge, fresh} {
			must(t, s.PutCeremony(ctx, c))
		}
		n, err := s.DeleteExpiredCeremonies(ctx, edge.ExpiresAt)
		if err != nil || n != 2 {
			t.Errorf("DeleteExpiredCeremonies = %d, %v; want 2 (expiry not after now is expired)", n, err)
		}
		for _, id := range []string{"pkc_old", "pkc_edge"} {
			if _, err := s.TakeCeremony(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s after sweep: err = %v, want store.ErrNotFound", id, err)
			}
		}
		if got, err := s.TakeCeremony(ctx, "pkc_fresh"); err != nil || !bytes.Equal(got.Data, fresh.Data) {
			t.Errorf("unexpired ceremony after sweep = %+v, %v; want it kept", got, err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
