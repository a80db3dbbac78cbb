package limittest

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/limit"
)

// rateStep is one request of a rate scenario.
type rateStep struct {
	advance time.Duration // the clock moves by this before the request
	key     string        // "k" when empty
	rate    *limit.Rate   // the scenario's rate when nil
	want    limit.Decision
}

func allowed(remaining int) limit.Decision {
	return limit.Decision{Allowed: true, Remaining: remaining}
}

func denied(retryAfter time.Duration) limit.Decision {
	return limit.Decision{RetryAfter: retryAfter}
}

// Rates runs the limit.RateLimiter contract. newRates returns a limiter
// with no bucket, reading the time from now.
func Rates(t *testing.T, newRates func(t *testing.T, now func() time.Time) limit.RateLimiter) {
	hourly := limit.Rate{Limit: 1, Per: time.Hour}
	burst0 := limit.Rate{Limit: 2, Per: time.Second}
	burst2 := limit.Rate{Limit: 2, Per: time.Second, Burst: 2}
	scenarios := []struct {
		name  string
		rate  limit.Rate
		steps []rateStep
	}{
		{
			name: "burst is allowed then the next request waits exactly 1/rate",
			rate: limit.PerMinute(3),
			steps: []rateStep{
				{want: allowed(2)}, {want: allowed(1)}, {want: allowed(0)},
				{want: denied(20 * time.Second)},
			},
		},
		{
			name: "a denied request takes no token",
			rate: limit.Rate{Limit: 1, Per: time.Second},
			steps: []rateStep{
				{want: allowed(0)}, {want: denied(time.Second)}, {want: denied(time.Second)},
				{advance: time.Second, want: allowed(0)}, {want: denied(time.Second)},
			},
		},
		{
			name: "tokens refill continuously and RetryAfter counts down",
			rate: limit.Rate{Limit: 2, Per: time.Second},
			steps: []rateStep{
				{want: allowed(1)}, {want: allowed(0)},
				{advance: 100 * time.Millisecond, want: denied(400 * time.Millisecond)},
				{advance: 150 * time.Millisecond, want: denied(250 * time.Millisecond)},
				{advance: 250 * time.Millisecond, want: allowed(0)},
				{want: denied(500 * time.Millisecond)},
				{advance: 1500 * time.Millisecond, want: allowed(1)}, {want: allowed(0)},
			},
		},
		{
			name: "refill never exceeds the burst",
			rate: limit.Rate{Limit: 2, Per: time.Second},
			steps: []rateStep{
				{want: allowed(1)}, {want: allowed(0)},
				{advance: time.Hour, want: allowed(1)}, {want: allowed(0)},
				{want: denied(500 * time.Millisecond)},
			},
		},
		{
			name: "a burst larger than the limit is allowed at once",
			rate: limit.Rate{Limit: 1, Per: time.Second, Burst: 3},
			steps: []rateStep{
				{want: allowed(2)}, {want: allowed(1)}, {want: allowed(0)},
				{want: denied(time.Second)},
				{advance: 2 * time.Second, want: allowed(1)},
			},
		},
		{
			name: "a burst smaller than the limit caps the bucket",
			rate: limit.Rate{Limit: 10, Per: time.Second, Burst: 1},
			steps: []rateStep{
				{want: allowed(0)}, {want: denied(100 * time.Millisecond)},
				{advance: time.Second, want: allowed(0)}, {want: denied(100 * time.Millisecond)},
			},
		},
		{
			name: "RetryAfter is the earliest time a request is allowed, to the nanosecond",
			rate: limit.Rate{Limit: 3, Per: time.Second},
			steps: []rateStep{
				{want: allowed(2)}, {want: allowed(1)}, {want: allowed(0)},
				{want: denied(333333334)}, // ⌈1s/3⌉
				{advance: 333333333, want: denied(1)},
				{advance: 1, want: allowed(0)},
				// 2 of the 3 nanosecond-thirds are kept: the refill loses nothing to rounding.
				{want: denied(333333333)},
				{advance: 333333333, want: allowed(0)},
				{want: denied(333333333)}, // 1 third kept, 2 missing
			},
		},
		{
			name: "different rates of one key are separate buckets",
			rate: limit.PerMinute(1),
			steps: []rateStep{
				{want: allowed(0)},
				{rate: &hourly, want: allowed(0)},
				{want: denied(time.Minute)},
				{rate: &hourly, want: denied(time.Hour)},
			},
		},
		{
			name: "different keys are separate buckets",
			rate: limit.PerMinute(1),
			steps: []rateStep{
				{key: "a", want: allowed(0)}, {key: "b", want: allowed(0)},
				{key: "a", want: denied(time.Minute)}, {key: "b", want: denied(time.Minute)},
				{key: "c", want: allowed(0)},
			},
		},
		{
			name: "burst 0 and burst equal to the limit are the same rate",
			rate: burst0,
			steps: []rateStep{
				{want: allowed(1)}, {rate: &burst2, want: allowed(0)}, {want: denied(500 * time.Millisecond)},
			},
		},
		{
			name: "a clock going back adds no tokens",
			rate: limit.Rate{Limit: 1, Per: time.Second},
			steps: []rateStep{
				{want: allowed(0)},
				{advance: -10 * time.Second, want: denied(11 * time.Second)},
				{advance: 10 * time.Second, want: denied(time.Second)},
				{advance: time.Second, want: allowed(0)},
			},
		},
		{
			name: "a rate with no limit allows everything",
			rate: limit.Rate{},
			steps: []rateStep{
				{want: allowed(math.MaxInt)}, {want: allowed(math.MaxInt)},
				{rate: &limit.Rate{Limit: -1, Per: time.Second}, want: allowed(math.MaxInt)},
				{rate: &limit.Rate{Limit: 0, Per: time.Second, Burst: 5}, want: allowed(math.MaxInt)},
			},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock := NewClock(start)
			rl := newRates(t, clock.Now)
			for i, st := range sc.steps {
				clock.Advance(st.advance)
				key, r := "k", sc.rate
				if st.key != "" {
					key = st.key
				}
				if st.rate != nil {
					r = *st.rate
				}
				got, err := rl.Allow(ctx, key, r)
				if err != nil {
					t.Fatalf("step %d: Allow(%q, %+v): %v", i, key, r, err)
				}
				if diff := cmp.Diff(st.want, got); diff != "" {
					t.Fatalf("step %d: Allow(%q, %+v) at %v (-want +got):\n%s", i, key, r, clock.Now().Sub(start), diff)
				}
			}
		})
	}

	t.Run("a rate with a limit and no period or a negative burst is an error", func(t *testing.T) {
		t.Parallel()
		rl := newRates(t, NewClock(start).Now)
		for _, r := range []limit.Rate{
			{Limit: 1},
			{Limit: 1, Per: -time.Second},
			{Limit: 1, Per: time.Second, Burst: -1},
		} {
			if d, err := rl.Allow(context.Background(), "k", r); err == nil {
				t.Errorf("Allow(%+v) = %+v, nil; want an error", r, d)
			}
		}
	})

	t.Run("concurrent requests on one key are allowed exactly the burst", func(t *testing.T) {
		t.Parallel()
		rl := newRates(t, NewClock(start).Now)
		r := limit.Rate{Limit: 100, Per: time.Hour}
		var n atomic.Int64
		hammer(t, 16, 25, func(int, int) error {
			d, err := rl.Allow(context.Background(), "hot", r)
			if d.Allowed {
				n.Add(1)
			}
			return err
		})
		if got := n.Load(); got != 100 {
			t.Errorf("allowed %d of 400 requests, want the burst of 100", got)
		}
	})

	t.Run("concurrent requests on many keys and rates are allowed exactly the burst of each", func(t *testing.T) {
		t.Parallel()
		rl := newRates(t, NewClock(start).Now)
		rates := []limit.Rate{{Limit: 5, Per: time.Hour}, {Limit: 5, Per: time.Minute, Burst: 3}}
		const keys = 8
		var mu sync.Mutex
		counts := map[string]int{}
		hammer(t, 16, 10*keys*len(rates), func(_, i int) error {
			key, r := fmt.Sprintf("k%d", i%keys), rates[(i/keys)%len(rates)]
			d, err := rl.Allow(context.Background(), key, r)
			if d.Allowed {
				mu.Lock()
				counts[fmt.Sprintf("%s %d/%v", key, r.Limit, r.Per)]++
				mu.Unlock()
			}
			return err
		})
		want := map[string]int{}
		for k := range keys {
			want[fmt.Sprintf("k%d 5/1h0m0s", k)] = 5
			want[fmt.Sprintf("k%d 5/1m0s", k)] = 3
		}
		if diff := cmp.Diff(want, counts); diff != "" {
			t.Errorf("allowed per bucket (-want +got):\n%s", diff)
		}
	})

	t.Run("concurrent requests while time passes get at most the burst and the refill", func(t *testing.T) {
		t.Parallel()
		clock := NewClock(start)
		rl := newRates(t, clock.Now)
		r := limit.Rate{Limit: 1000, Per: time.Second, Burst: 10} // a token a millisecond
		var n, ticks atomic.Int64
		hammer(t, 8, 200, func(g, i int) error {
			if g == 0 && i%4 == 0 {
				clock.Advance(time.Millisecond)
				ticks.Add(1)
			}
			d, err := rl.Allow(context.Background(), "k", r)
			if d.Allowed {
				n.Add(1)
			}
			return err
		})
		if got, most := n.Load(), 10+ticks.Load(); got > most {
			t.Errorf("allowed %d requests in %d ms, want at most %d", got, ticks.Load(), most)
		}
	})
}

// hammer runs f(g, i) for i < each in each of g goroutines at once and
// reports f's errors.
func hammer(t *testing.T, goroutines, each int, f func(g, i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for g := range goroutines {
		wg.Go(func() {
			<-begin
			for i := range each {
				if err := f(g, i); err != nil {
					t.Errorf("goroutine %d, call %d: %v", g, i, err)
					return
				}
			}
		})
	}
	close(begin)
	wg.Wait()
}
