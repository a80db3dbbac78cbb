package limittest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/bulwark-security/bulwark/internal/limit"
)

// Concurrency runs the limit.Concurrency contract. newConcurrency returns
// a limiter with no slot in use.
func Concurrency(t *testing.T, newConcurrency func(t *testing.T) limit.Concurrency) {
	ctx := context.Background()
	// acquire takes a slot and fails the test if ok is not wantOK.
	acquire := func(t *testing.T, c limit.Concurrency, key string, slots int, wantOK bool) func() {
		t.Helper()
		release, ok, err := c.Acquire(ctx, key, slots)
		if err != nil {
			t.Fatalf("Acquire(%q, %d): %v", key, slots, err)
		}
		if ok != wantOK {
			t.Fatalf("Acquire(%q, %d) ok = %v, want %v", key, slots, ok, wantOK)
		}
		if release == nil {
			t.Fatalf("Acquire(%q, %d) returned a nil release", key, slots)
		}
		return release
	}

	t.Run("acquire takes up to max slots then refuses", func(t *testing.T) {
		t.Parallel()
		c := newConcurrency(t)
		for range 3 {
			acquire(t, c, "k", 3, true)
		}
		acquire(t, c, "k", 3, false)
		acquire(t, c, "k", 3, false)
	})

	t.Run("release frees one slot", func(t *testing.T) {
		t.Parallel()
		c := newConcurrency(t)
		r1 := acquire(t, c, "k", 2, true)
		acquire(t, c, "k", 2, true)
		acquire(t, c, "k", 2, false)
		r1()
		acquire(t, c, "k", 2, true)
		acquire(t, c, "k", 2, false)
	})

	t.Run("release is idempotent: calling it again frees nothing more", func(t *testing.T) {
		t.Parallel()
		c := newConcurrency(t)
		r1 := acquire(t, c, "k", 2, true)
		acquire(t, c, "k", 2, true)
		r1()
		r1()
		r1()
		acquire(t, c, "k", 2, true)
		acquire(t, c, "k", 2, false)
	})

	t.Run("a refused acquire returns a release that frees nothing", func(t *testing.T) {
		t.Parallel()
		c := newConcurrency(t)
		acquire(t, c, "k", 1, true)
		acquire(t, c, "k", 1, false)()
		acquire(t, c, "k", 1, false)
	})

	t.Run("keys are independent", func(t *testing.T) {
		t.Parallel()
		c := newConcurrency(t)
		acquire(t, c, "a", 1, true)
		acquire(t, c, "b", 1, true)
		acquire(t, c, "a", 1, false)
		acquire(t, c, "b", 1, false)
	})

	t.Run("a key that went back to zero slots starts afresh", func(t *testing.T) {
		t.Parallel()
		c := newConcurrency(t)
		for range 3 {
			r := acquire(t, c, "k", 1, true)
			r()
		}
		acquire(t, c, "k", 1, true)
	})

	t.Run("max 0 or less is unlimited and not counted", func(t *testing.T) {
		t.Parallel()
		c := newConcurrency(t)
		for range 100 {
			acquire(t, c, "k", 0, true)
			acquire(t, c, "k", -1, true)
		}
		r := acquire(t, c, "k", 0, true)
		r()
		r()
		// The unlimited acquisitions hold no slot of the key.
		acquire(t, c, "k", 1, true)
		acquire(t, c, "k", 1, false)
	})

	t.Run("concurrent acquirers never hold more than max slots", func(t *testing.T) {
		t.Parallel()
		c := newConcurrency(t)
		const slots = 3
		var inUse, peak, granted atomic.Int64
		hammer(t, 32, 100, func(int, int) error {
			release, ok, err := c.Acquire(ctx, "k", slots)
			if err != nil || !ok {
				return err
			}
			granted.Add(1)
			n := inUse.Add(1)
			for p := peak.Load(); n > p; p = peak.Load() {
				if peak.CompareAndSwap(p, n) {
					break
				}
			}
			inUse.Add(-1)
			release()
			return nil
		})
		if p := peak.Load(); p > slots {
			t.Errorf("%d slots held at once, want at most %d", p, slots)
		}
		if granted.Load() == 0 {
			t.Error("no acquire succeeded")
		}
		// Every slot came back.
		for range slots {
			acquire(t, c, "k", slots, true)
		}
		acquire(t, c, "k", slots, false)
	})

	t.Run("concurrent calls of one release free the slot once", func(t *testing.T) {
		t.Parallel()
		c := newConcurrency(t)
		r1 := acquire(t, c, "k", 2, true)
		acquire(t, c, "k", 2, true)
		var wg sync.WaitGroup
		for range 32 {
			wg.Go(r1)
		}
		wg.Wait()
		acquire(t, c, "k", 2, true)
		acquire(t, c, "k", 2, false)
	})
}
