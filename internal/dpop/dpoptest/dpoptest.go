// Package dpoptest is the contract test suite of package dpop's storage:
// every implementation of dpop.ReplayCache (in memory, Redis, SQL) runs
// the same tests, so that the replay protection of a proof holds
// whichever is configured.
//
// The suite drives time through a Clock passed to the implementation
// under test; an implementation must judge expiry by it and never by
// another clock.
package dpoptest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/dpop"
)

// start is the time the suite's clocks start at, a UTC noon.
var start = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// Clock is a fake clock for tests: it stands still until moved. It is
// safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time; it is the func() time.Time to give to the
// code under test.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d (back when d is negative) and returns the
// new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// ReplayCache runs the dpop.ReplayCache contract. newCache returns an
// empty cache reading the time from now; caches made by separate calls
// must not share keys.
func ReplayCache(t *testing.T, newCache func(t *testing.T, now func() time.Time) dpop.ReplayCache) {
	ctx := context.Background()

	type call struct {
		advance time.Duration // clock move before the call
		key     string
		ttl     time.Duration // until = clock + ttl
		want    bool          // seen before
	}
	cases := []struct {
		name  string
		calls []call
	}{
		{
			name:  "a key never seen is not a replay",
			calls: []call{{key: "k1", ttl: time.Minute, want: false}},
		},
		{
			name:  "a key seen a second time is a replay",
			calls: []call{{key: "k1", ttl: time.Minute}, {key: "k1", ttl: time.Minute, want: true}},
		},
		{
			name:  "a key seen a third time is still a replay",
			calls: []call{{key: "k1", ttl: time.Minute}, {key: "k1", ttl: time.Minute, want: true}, {key: "k1", ttl: time.Minute, want: true}},
		},
		{
			name:  "different keys are independent",
			calls: []call{{key: "k1", ttl: time.Minute}, {key: "k2", ttl: time.Minute}, {key: "k1", ttl: time.Minute, want: true}, {key: "k3", ttl: time.Minute}},
		},
		{
			name:  "keys differing only in case are different keys",
			calls: []call{{key: "AbC", ttl: time.Minute}, {key: "abc", ttl: time.Minute}, {key: "ABC", ttl: time.Minute}},
		},
		{
			name:  "a key is remembered until its time",
			calls: []call{{key: "k1", ttl: 2 * time.Minute}, {advance: 2*time.Minute - time.Second, key: "k1", ttl: time.Minute, want: true}},
		},
		{
			name:  "a key is forgotten after its time",
			calls: []call{{key: "k1", ttl: time.Minute}, {advance: time.Minute + 2*time.Second, key: "k1", ttl: time.Minute, want: false}},
		},
		{
			name: "a key forgotten and seen again is remembered again",
			calls: []call{{key: "k1", ttl: time.Minute}, {advance: time.Minute + 2*time.Second, key: "k1", ttl: time.Minute},
				{advance: 30 * time.Second, key: "k1", ttl: time.Minute, want: true}},
		},
		{
			name: "a replay does not extend the first time",
			calls: []call{{key: "k1", ttl: time.Minute}, {advance: 30 * time.Second, key: "k1", ttl: 10 * time.Minute, want: true},
				{advance: 32 * time.Second, key: "k1", ttl: time.Minute, want: false}},
		},
		{
			name: "expiry of one key leaves a later one",
			calls: []call{{key: "short", ttl: time.Minute}, {key: "long", ttl: 5 * time.Minute},
				{advance: 2 * time.Minute, key: "short", ttl: time.Minute, want: false}, {key: "long", ttl: time.Minute, want: true}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := NewClock(start)
			c := newCache(t, clock.Now)
			for i, cl := range tc.calls {
				now := clock.Advance(cl.advance)
				got, err := c.Seen(ctx, cl.key, now.Add(cl.ttl))
				if err != nil {
					t.Fatalf("call %d: Seen(%q): %v", i, cl.key, err)
				}
				if got != cl.want {
					t.Errorf("call %d at +%s: Seen(%q) = %v, want %v", i, now.Sub(start), cl.key, got, cl.want)
				}
			}
		})
	}

	t.Run("of concurrent calls with one key exactly one is first", func(t *testing.T) {
		t.Parallel()
		clock := NewClock(start)
		c := newCache(t, clock.Now)
		const goroutines, rounds = 8, 50
		for r := range rounds {
			key := fmt.Sprintf("jti-%d", r)
			var first atomic.Int32
			var wg sync.WaitGroup
			errs := make(chan error, goroutines)
			gate := make(chan struct{})
			for range goroutines {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-gate
					seen, err := c.Seen(ctx, key, clock.Now().Add(time.Minute))
					if err != nil {
						errs <- err
						return
					}
					if !seen {
						first.Add(1)
					}
				}()
			}
			close(gate)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("Seen(%q): %v", key, err)
			}
			if n := first.Load(); n != 1 {
				t.Fatalf("round %d: %d of %d concurrent calls with one key were first, want exactly 1", r, n, goroutines)
			}
		}
	})

	t.Run("two goroutines presenting the same key: one wins", func(t *testing.T) {
		t.Parallel()
		clock := NewClock(start)
		c := newCache(t, clock.Now)
		results := make(chan bool, 2)
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				seen, err := c.Seen(ctx, "same-jti", clock.Now().Add(time.Minute))
				if err != nil {
					t.Errorf("Seen: %v", err)
				}
				results <- seen
			}()
		}
		wg.Wait()
		close(results)
		var wins int
		for seen := range results {
			if !seen {
				wins++
			}
		}
		if wins != 1 {
			t.Errorf("%d goroutines won, want 1", wins)
		}
	})

	t.Run("many distinct keys are each new once", func(t *testing.T) {
		t.Parallel()
		clock := NewClock(start)
		c := newCache(t, clock.Now)
		const keys = 2000
		for pass, want := range []bool{false, true} {
			for i := range keys {
				key := fmt.Sprintf("key-%d", i)
				got, err := c.Seen(ctx, key, clock.Now().Add(time.Minute))
				if err != nil {
					t.Fatalf("pass %d: Seen(%q): %v", pass, key, err)
				}
				if got != want {
					t.Fatalf("pass %d: Seen(%q) = %v, want %v", pass, key, got, want)
				}
			}
		}
	})

	t.Run("a key of 64 bytes is accepted", func(t *testing.T) {
		t.Parallel()
		clock := NewClock(start)
		c := newCache(t, clock.Now)
		key := strings.Repeat("x", 64)
		for i, want := range []bool{false, true} {
			got, err := c.Seen(ctx, key, clock.Now().Add(time.Minute))
			if err != nil || got != want {
				t.Fatalf("call %d: Seen = %v, %v; want %v, nil", i, got, err, want)
			}
		}
	})
}
