// Package mfatest is the contract test suite of mfa.Store: every
// implementation (in memory, SQL) runs the same tests, so that the
// guarantees of package mfa (pending until proven, no code accepted twice,
// recovery codes used once) hold whichever is configured.
package mfatest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/mfa"
)

// t0 is the time the suite starts at, a UTC noon.
var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// enrollment returns a pending enrollment of user with id.
func enrollment(user, id string) mfa.Enrollment {
	return mfa.Enrollment{ID: id, UserID: user, Sealed: []byte("sealed:" + user + ":" + id), Algorithm: mfa.SHA1,
		Digits: 6, Period: 30 * time.Second, State: mfa.StatePending, CreatedAt: t0}
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func hashes(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = hash(fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}

// timeEqual compares instants, not locations or monotonic readings: a
// database gives times back in its own location.
var timeEqual = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

// Store runs the mfa.Store contract. newStore returns an empty store.
func Store(t *testing.T, newStore func(t *testing.T) mfa.Store) {
	t.Run("enrollments", func(t *testing.T) { enrollments(t, newStore) })
	t.Run("steps", func(t *testing.T) { steps(t, newStore) })
	t.Run("recovery codes", func(t *testing.T) { recovery(t, newStore) })
}

func enrollments(t *testing.T, newStore func(t *testing.T) mfa.Store) {
	ctx := context.Background()

	t.Run("a user who never enrolled is not found", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Enrollment(ctx, "usr_none"); !errors.Is(err, mfa.ErrNotFound) {
			t.Errorf("Enrollment: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("a saved pending enrollment reads back as saved", func(t *testing.T) {
		s := newStore(t)
		want := enrollment("usr_1", "mfa_a")
		if err := s.SavePending(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := s.Enrollment(ctx, "usr_1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, timeEqual); diff != "" {
			t.Errorf("Enrollment (-want +got):\n%s", diff)
		}
	})

	t.Run("a new pending enrollment replaces a pending one", func(t *testing.T) {
		s := newStore(t)
		if err := s.SavePending(ctx, enrollment("usr_1", "mfa_a")); err != nil {
			t.Fatal(err)
		}
		want := enrollment("usr_1", "mfa_b")
		want.CreatedAt = t0.Add(time.Minute)
		if err := s.SavePending(ctx, want); err != nil {
			t.Fatalf("second SavePending: %v", err)
		}
		got, err := s.Enrollment(ctx, "usr_1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, timeEqual); diff != "" {
			t.Errorf("Enrollment (-want +got):\n%s", diff)
		}
		if err := s.Activate(ctx, "usr_1", "mfa_a", nil, t0); !errors.Is(err, mfa.ErrNotFound) {
			t.Errorf("Activate of the replaced enrollment: err = %v, want ErrNotFound", err)
		}
	})

	t.Run("activate makes the pending enrollment active with its time", func(t *testing.T) {
		s := newStore(t)
		if err := s.SavePending(ctx, enrollment("usr_1", "mfa_a")); err != nil {
			t.Fatal(err)
		}
		at := t0.Add(2 * time.Minute)
		if err := s.Activate(ctx, "usr_1", "mfa_a", nil, at); err != nil {
			t.Fatalf("Activate: %v", err)
		}
		want := enrollment("usr_1", "mfa_a")
		want.State, want.ActivatedAt = mfa.StateActive, at
		got, err := s.Enrollment(ctx, "usr_1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got, timeEqual); diff != "" {
			t.Errorf("Enrollment (-want +got):\n%s", diff)
		}
	})

	t.Run("activate stores the recovery codes with the activation, replacing any", func(t *testing.T) {
		s := newStore(t)
		if err := s.ReplaceRecoveryCodes(ctx, "usr_1", hashes("stale", 2), t0); err != nil {
			t.Fatal(err)
		}
		if err := s.SavePending(ctx, enrollment("usr_1", "mfa_a")); err != nil {
			t.Fatal(err)
		}
		set := hashes("a", 10)
		if err := s.Activate(ctx, "usr_1", "mfa_a", set, t0); err != nil {
			t.Fatal(err)
		}
		if n, err := s.RecoveryCodesLeft(ctx, "usr_1"); err != nil || n != 10 {
			t.Errorf("RecoveryCodesLeft = %d, %v; want 10", n, err)
		}
		if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", set[4], t0); err != nil || !ok {
			t.Errorf("consume of an activated code = %v, %v; want true", ok, err)
		}
		if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", hashes("stale", 2)[0], t0); err != nil || ok {
			t.Errorf("consume of a code from before activation = %v, %v; want false", ok, err)
		}
	})

	t.Run("a refused activate leaves the recovery codes alone", func(t *testing.T) {
		s := newStore(t)
		if err := s.SavePending(ctx, enrollment("usr_1", "mfa_a")); err != nil {
			t.Fatal(err)
		}
		winner := hashes("winner", 3)
		if err := s.Activate(ctx, "usr_1", "mfa_a", winner, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Activate(ctx, "usr_1", "mfa_a", hashes("loser", 3), t0); !errors.Is(err, mfa.ErrNotFound) {
			t.Fatalf("second Activate: err = %v, want ErrNotFound", err)
		}
		if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", winner[0], t0); err != nil || !ok {
			t.Errorf("consume of the first activation's code = %v, %v; want true", ok, err)
		}
		if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", hashes("loser", 3)[0], t0); err != nil || ok {
			t.Errorf("consume of the refused activation's code = %v, %v; want false", ok, err)
		}
	})

	t.Run("activate refuses another id, an active enrollment and an unknown user", func(t *testing.T) {
		s := newStore(t)
		if err := s.SavePending(ctx, enrollment("usr_1", "mfa_a")); err != nil {
			t.Fatal(err)
		}
		if err := s.Activate(ctx, "usr_1", "mfa_other", nil, t0); !errors.Is(err, mfa.ErrNotFound) {
			t.Errorf("Activate with another id: err = %v, want ErrNotFound", err)
		}
		if err := s.Activate(ctx, "usr_2", "mfa_a", nil, t0); !errors.Is(err, mfa.ErrNotFound) {
			t.Errorf("Activate of another user: err = %v, want ErrNotFound", err)
		}
		if err := s.Activate(ctx, "usr_1", "mfa_a", nil, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Activate(ctx, "usr_1", "mfa_a", nil, t0.Add(time.Hour)); !errors.Is(err, mfa.ErrNotFound) {
			t.Errorf("second Activate: err = %v, want ErrNotFound", err)
		}
		got, err := s.Enrollment(ctx, "usr_1")
		if err != nil {
			t.Fatal(err)
		}
		if !got.ActivatedAt.Equal(t0) {
			t.Errorf("ActivatedAt = %v after a refused second Activate, want %v", got.ActivatedAt, t0)
		}
	})

	t.Run("a pending enrollment does not replace an active one", func(t *testing.T) {
		s := newStore(t)
		if err := s.SavePending(ctx, enrollment("usr_1", "mfa_a")); err != nil {
			t.Fatal(err)
		}
		if err := s.Activate(ctx, "usr_1", "mfa_a", nil, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.SavePending(ctx, enrollment("usr_1", "mfa_b")); !errors.Is(err, mfa.ErrAlreadyEnrolled) {
			t.Errorf("SavePending over an active enrollment: err = %v, want ErrAlreadyEnrolled", err)
		}
		got, err := s.Enrollment(ctx, "usr_1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != "mfa_a" || got.State != mfa.StateActive {
			t.Errorf("Enrollment = %s %s, want mfa_a active", got.ID, got.State)
		}
	})

	t.Run("delete removes the enrollment and deleting none is not an error", func(t *testing.T) {
		s := newStore(t)
		if err := s.SavePending(ctx, enrollment("usr_1", "mfa_a")); err != nil {
			t.Fatal(err)
		}
		if err := s.Activate(ctx, "usr_1", "mfa_a", nil, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteEnrollment(ctx, "usr_1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Enrollment(ctx, "usr_1"); !errors.Is(err, mfa.ErrNotFound) {
			t.Errorf("Enrollment after delete: err = %v, want ErrNotFound", err)
		}
		if err := s.DeleteEnrollment(ctx, "usr_1"); err != nil {
			t.Errorf("second delete: %v", err)
		}
		if err := s.SavePending(ctx, enrollment("usr_1", "mfa_b")); err != nil {
			t.Errorf("SavePending after delete: %v", err)
		}
	})

	t.Run("users' enrollments are independent", func(t *testing.T) {
		s := newStore(t)
		for _, u := range []string{"usr_1", "usr_2"} {
			if err := s.SavePending(ctx, enrollment(u, "mfa_"+u)); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Activate(ctx, "usr_1", "mfa_usr_1", nil, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteEnrollment(ctx, "usr_1"); err != nil {
			t.Fatal(err)
		}
		got, err := s.Enrollment(ctx, "usr_2")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(enrollment("usr_2", "mfa_usr_2"), got, timeEqual); diff != "" {
			t.Errorf("other user's enrollment (-want +got):\n%s", diff)
		}
	})

	t.Run("the sealed secret read is a copy", func(t *testing.T) {
		s := newStore(t)
		e := enrollment("usr_1", "mfa_a")
		if err := s.SavePending(ctx, e); err != nil {
			t.Fatal(err)
		}
		e.Sealed[0] ^= 0xff // the caller's slice changes after saving
		got, err := s.Enrollment(ctx, "usr_1")
		if err != nil {
			t.Fatal(err)
		}
		got.Sealed[1] ^= 0xff
		again, err := s.Enrollment(ctx, "usr_1")
		if err != nil {
			t.Fatal(err)
		}
		if want := enrollment("usr_1", "mfa_a").Sealed; !cmp.Equal(again.Sealed, want) {
			t.Errorf("Sealed = %q, want %q", again.Sealed, want)
		}
	})
}

func steps(t *testing.T, newStore func(t *testing.T) mfa.Store) {
	ctx := context.Background()

	t.Run("only a step later than the last accepted one is accepted", func(t *testing.T) {
		s := newStore(t)
		for _, tc := range []struct {
			step int64
			want bool
		}{
			{step: 100, want: true},  // first step of the user
			{step: 100, want: false}, // the same step again
			{step: 99, want: false},  // an earlier one
			{step: 101, want: true},  // the next one
			{step: 100, want: false}, // an earlier one after the next
			{step: 500, want: true},  // a jump
			{step: 499, want: false},
		} {
			got, err := s.AcceptStep(ctx, "usr_1", tc.step)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("AcceptStep(%d) = %v, want %v", tc.step, got, tc.want)
			}
		}
	})

	t.Run("step 0 is accepted once for a new user", func(t *testing.T) {
		s := newStore(t)
		for i, want := range []bool{true, false} {
			got, err := s.AcceptStep(ctx, "usr_1", 0)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("AcceptStep(0) #%d = %v, want %v", i+1, got, want)
			}
		}
	})

	t.Run("users' steps are independent", func(t *testing.T) {
		s := newStore(t)
		if ok, err := s.AcceptStep(ctx, "usr_1", 200); err != nil || !ok {
			t.Fatalf("AcceptStep usr_1 = %v, %v", ok, err)
		}
		if ok, err := s.AcceptStep(ctx, "usr_2", 150); err != nil || !ok {
			t.Errorf("AcceptStep of another user at an earlier step = %v, %v; want true", ok, err)
		}
	})

	t.Run("concurrent accepts of one step: exactly one wins", func(t *testing.T) {
		s := newStore(t)
		const n = 16
		var wins atomic.Int32
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				ok, err := s.AcceptStep(ctx, "usr_1", 42)
				if err != nil {
					errs <- err
					return
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if got := wins.Load(); got != 1 {
			t.Errorf("%d of %d concurrent AcceptStep(42) won, want 1", got, n)
		}
	})
}

func recovery(t *testing.T, newStore func(t *testing.T) mfa.Store) {
	ctx := context.Background()

	t.Run("a user without codes has none left and consumes nothing", func(t *testing.T) {
		s := newStore(t)
		if n, err := s.RecoveryCodesLeft(ctx, "usr_1"); err != nil || n != 0 {
			t.Errorf("RecoveryCodesLeft = %d, %v; want 0", n, err)
		}
		if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", hash("x"), t0); err != nil || ok {
			t.Errorf("ConsumeRecoveryCode = %v, %v; want false", ok, err)
		}
	})

	t.Run("each code is consumed once and the count goes down", func(t *testing.T) {
		s := newStore(t)
		set := hashes("a", 10)
		if err := s.ReplaceRecoveryCodes(ctx, "usr_1", set, t0); err != nil {
			t.Fatal(err)
		}
		for i, h := range set {
			if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", h, t0); err != nil || !ok {
				t.Fatalf("first consume of code %d = %v, %v; want true", i, ok, err)
			}
			if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", h, t0); err != nil || ok {
				t.Errorf("second consume of code %d = %v, %v; want false", i, ok, err)
			}
			if n, err := s.RecoveryCodesLeft(ctx, "usr_1"); err != nil || n != len(set)-i-1 {
				t.Errorf("RecoveryCodesLeft after %d = %d, %v; want %d", i+1, n, err, len(set)-i-1)
			}
		}
	})

	t.Run("a hash not in the set is refused", func(t *testing.T) {
		s := newStore(t)
		if err := s.ReplaceRecoveryCodes(ctx, "usr_1", hashes("a", 3), t0); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", hash("not-a-code"), t0); err != nil || ok {
			t.Errorf("ConsumeRecoveryCode of a stranger = %v, %v; want false", ok, err)
		}
		if n, err := s.RecoveryCodesLeft(ctx, "usr_1"); err != nil || n != 3 {
			t.Errorf("RecoveryCodesLeft = %d, %v; want 3", n, err)
		}
	})

	t.Run("replacing the set invalidates every old code, used or not", func(t *testing.T) {
		s := newStore(t)
		old, fresh := hashes("old", 4), hashes("new", 4)
		if err := s.ReplaceRecoveryCodes(ctx, "usr_1", old, t0); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", old[0], t0); err != nil || !ok {
			t.Fatalf("consume = %v, %v", ok, err)
		}
		if err := s.ReplaceRecoveryCodes(ctx, "usr_1", fresh, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if n, err := s.RecoveryCodesLeft(ctx, "usr_1"); err != nil || n != 4 {
			t.Errorf("RecoveryCodesLeft = %d, %v; want 4", n, err)
		}
		for i, h := range old {
			if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", h, t0); err != nil || ok {
				t.Errorf("old code %d after replace = %v, %v; want false", i, ok, err)
			}
		}
		if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", fresh[2], t0); err != nil || !ok {
			t.Errorf("new code = %v, %v; want true", ok, err)
		}
	})

	t.Run("replacing with an empty set removes every code", func(t *testing.T) {
		s := newStore(t)
		set := hashes("a", 3)
		if err := s.ReplaceRecoveryCodes(ctx, "usr_1", set, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.ReplaceRecoveryCodes(ctx, "usr_1", nil, t0); err != nil {
			t.Fatal(err)
		}
		if n, err := s.RecoveryCodesLeft(ctx, "usr_1"); err != nil || n != 0 {
			t.Errorf("RecoveryCodesLeft = %d, %v; want 0", n, err)
		}
		if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", set[0], t0); err != nil || ok {
			t.Errorf("consume after removal = %v, %v; want false", ok, err)
		}
	})

	t.Run("users' codes are independent", func(t *testing.T) {
		s := newStore(t)
		set := hashes("shared", 2)
		if err := s.ReplaceRecoveryCodes(ctx, "usr_1", set, t0); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.ConsumeRecoveryCode(ctx, "usr_2", set[0], t0); err != nil || ok {
			t.Errorf("consume of usr_1's code as usr_2 = %v, %v; want false", ok, err)
		}
		if err := s.ReplaceRecoveryCodes(ctx, "usr_2", hashes("b", 5), t0); err != nil {
			t.Fatal(err)
		}
		if n, err := s.RecoveryCodesLeft(ctx, "usr_1"); err != nil || n != 2 {
			t.Errorf("usr_1 RecoveryCodesLeft = %d, %v; want 2", n, err)
		}
	})

	t.Run("the hashes given are copied", func(t *testing.T) {
		s := newStore(t)
		set := hashes("a", 1)
		want := append([]byte(nil), set[0]...)
		if err := s.ReplaceRecoveryCodes(ctx, "usr_1", set, t0); err != nil {
			t.Fatal(err)
		}
		set[0][0] ^= 0xff
		if ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", want, t0); err != nil || !ok {
			t.Errorf("consume of the original hash = %v, %v; want true", ok, err)
		}
	})

	t.Run("concurrent consumes of one code: exactly one wins", func(t *testing.T) {
		s := newStore(t)
		set := hashes("a", 10)
		if err := s.ReplaceRecoveryCodes(ctx, "usr_1", set, t0); err != nil {
			t.Fatal(err)
		}
		const n = 16
		results := make([]bool, n)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			wg.Go(func() {
				ok, err := s.ConsumeRecoveryCode(ctx, "usr_1", set[7], t0)
				if err != nil {
					errs <- err
				}
				results[i] = ok
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		wins := 0
		for _, ok := range results {
			if ok {
				wins++
			}
		}
		if wins != 1 {
			t.Errorf("%d of %d concurrent consumes won, want 1", wins, n)
		}
		if got, err := s.RecoveryCodesLeft(ctx, "usr_1"); err != nil || got != 9 {
			t.Errorf("RecoveryCodesLeft = %d, %v; want 9", got, err)
		}
	})
}
