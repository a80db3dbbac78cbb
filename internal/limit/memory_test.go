package limit_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bulwark-security/bulwark/internal/limit"
	"github.com/bulwark-security/bulwark/internal/limit/limittest"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

// shardings are the shard counts the contracts run with: one shard (every
// key shares a lock) and the default.
var shardings = []int{1, 0}

func TestMemoryRates(t *testing.T) {
	for _, shards := range shardings {
		t.Run(fmt.Sprintf("shards=%d", shards), func(t *testing.T) {
			limittest.Rates(t, func(_ *testing.T, now func() time.Time) limit.RateLimiter {
				return limit.NewMemoryRates(limit.RatesOptions{Now: now, Shards: shards})
			})
		})
	}
}

func TestMemoryConcurrency(t *testing.T) {
	limittest.Concurrency(t, func(*testing.T) limit.Concurrency { return limit.NewMemoryConcurrency() })
}

func TestMemoryBudget(t *testing.T) {
	for _, shards := range shardings {
		t.Run(fmt.Sprintf("shards=%d", shards), func(t *testing.T) {
			limittest.Budget(t, func(_ *testing.T, now func() time.Time) limit.Budget {
				return limit.NewMemoryBudget(limit.BudgetOptions{Now: now, Shards: shards})
			})
		})
	}
}

func TestMemoryRatesEvictionKeepsTheMapSmall(t *testing.T) {
	const shards, keys = 4, 200_000
	clock := limittest.NewClock(t0)
	rl := limit.NewMemoryRates(limit.RatesOptions{Now: clock.Now, Shards: shards})
	r := limit.Rate{Limit: 10, Per: time.Second} // a bucket used once is full again after 100 ms
	ctx := context.Background()
	most := 0
	for i := range keys {
		clock.Advance(time.Millisecond)
		d, err := rl.Allow(ctx, fmt.Sprintf("user-%d", i), r)
		if err != nil || !d.Allowed || d.Remaining != 9 {
			t.Fatalf("Allow of new key %d = %+v, %v; want allowed with 9 remaining", i, d, err)
		}
		most = max(most, rl.Len())
	}
	// About 100 buckets are not full at any time; a shard sweeps when it
	// holds 256 or twice what its last sweep kept.
	if most > shards*256 {
		t.Errorf("held up to %d buckets for %d keys with ~100 not full at once, want at most %d", most, keys, shards*256)
	}
}

func TestMemoryRatesEvictionKeepsBucketsThatAreNotFull(t *testing.T) {
	const keys = 5000
	clock := limittest.NewClock(t0)
	rl := limit.NewMemoryRates(limit.RatesOptions{Now: clock.Now, Shards: 2})
	r := limit.Rate{Limit: 1, Per: time.Hour}
	ctx := context.Background()
	for i := range keys {
		clock.Advance(100 * time.Millisecond)
		if d, _ := rl.Allow(ctx, fmt.Sprint(i), r); !d.Allowed {
			t.Fatalf("new key %d denied", i)
		}
	}
	if n := rl.Len(); n != keys {
		t.Errorf("Len() = %d, want %d (no bucket is full again within the hour)", n, keys)
	}
	for i := range keys {
		if d, _ := rl.Allow(ctx, fmt.Sprint(i), r); d.Allowed {
			t.Fatalf("key %d allowed a second time within the hour", i)
		}
	}
}

// exactBucket is a reference token bucket in exact rational arithmetic.
type exactBucket struct {
	tokens *big.Rat
	last   time.Time
}

func (b *exactBucket) allow(now time.Time, r limit.Rate) limit.Decision {
	burst := r.Burst
	if burst == 0 {
		burst = r.Limit
	}
	if dt := now.Sub(b.last); dt > 0 {
		add := new(big.Rat).SetFrac64(int64(dt)*int64(r.Limit), int64(r.Per))
		b.tokens.Add(b.tokens, add)
		if cap := new(big.Rat).SetInt64(int64(burst)); b.tokens.Cmp(cap) > 0 {
			b.tokens = cap
		}
		b.last = now
	}
	one := big.NewRat(1, 1)
	if b.tokens.Cmp(one) >= 0 {
		b.tokens.Sub(b.tokens, one)
		floor := new(big.Int).Quo(b.tokens.Num(), b.tokens.Denom())
		return limit.Decision{Allowed: true, Remaining: int(floor.Int64())}
	}
	// ⌈(1 − tokens)·Per/Limit⌉ nanoseconds.
	wait := new(big.Rat).Sub(one, b.tokens)
	wait.Mul(wait, new(big.Rat).SetFrac64(int64(r.Per), int64(r.Limit)))
	ns, rem := new(big.Int).QuoRem(wait.Num(), wait.Denom(), new(big.Int))
	if rem.Sign() > 0 {
		ns.Add(ns, big.NewInt(1))
	}
	return limit.Decision{RetryAfter: time.Duration(ns.Int64())}
}

func TestMemoryRatesMatchExactArithmeticThroughEvictions(t *testing.T) {
	rates := []limit.Rate{
		{Limit: 3, Per: time.Second},
		{Limit: 7, Per: time.Minute, Burst: 2},
		{Limit: 1000, Per: time.Second, Burst: 5},
		{Limit: 13, Per: 333 * time.Millisecond, Burst: 20},
	}
	const keys = 700
	steps := 100_000
	if testing.Short() {
		steps = 20_000
	}
	clock := limittest.NewClock(t0)
	rl := limit.NewMemoryRates(limit.RatesOptions{Now: clock.Now, Shards: 2})
	ref := map[string]*exactBucket{}
	rng := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	for i := range steps {
		switch p := rng.IntN(100); {
		case p < 2:
			clock.Advance(time.Duration(rng.Int64N(int64(3 * time.Second))))
		case p < 60:
			clock.Advance(time.Duration(rng.Int64N(int64(time.Millisecond))))
		}
		key, r := fmt.Sprintf("k%d", rng.IntN(keys)), rates[rng.IntN(len(rates))]
		id := fmt.Sprintf("%s %+v", key, r)
		b := ref[id]
		if b == nil {
			burst := r.Burst
			if burst == 0 {
				burst = r.Limit
			}
			b = &exactBucket{tokens: new(big.Rat).SetInt64(int64(burst)), last: clock.Now()}
			ref[id] = b
		}
		want := b.allow(clock.Now(), r)
		got, err := rl.Allow(ctx, key, r)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("step %d: Allow(%q, %+v) (-exact +got):\n%s", i, key, r, diff)
		}
	}
	if n := rl.Len(); n >= len(ref) {
		t.Errorf("Len() = %d of %d buckets: nothing was evicted, the test does not test eviction", n, len(ref))
	}
}

func TestMemoryRatesExtremeRates(t *testing.T) {
	const century = 100 * 365 * 24 * time.Hour
	tests := []struct {
		name  string
		rate  limit.Rate
		steps []time.Duration // advance before each request
		want  []limit.Decision
		slack time.Duration // allowed error of RetryAfter
	}{
		{
			name:  "burst × period beyond int64 nanoseconds (rounded to ticks of a few ns)",
			rate:  limit.Rate{Limit: 1, Per: 2 * century, Burst: 3},
			steps: []time.Duration{0, 0, 0, 0, 2 * century, 0},
			want: []limit.Decision{{Allowed: true, Remaining: 2}, {Allowed: true, Remaining: 1}, {Allowed: true},
				{RetryAfter: 2 * century}, {Allowed: true}, {RetryAfter: 2 * century}},
			slack: 4,
		},
		{
			name:  "a limit of math.MaxInt per nanosecond",
			rate:  limit.Rate{Limit: math.MaxInt, Per: time.Nanosecond},
			steps: []time.Duration{0, century, 0},
			want: []limit.Decision{{Allowed: true, Remaining: math.MaxInt - 1}, {Allowed: true, Remaining: math.MaxInt - 1},
				{Allowed: true, Remaining: math.MaxInt - 2}},
		},
		{
			name:  "a huge burst",
			rate:  limit.Rate{Limit: 7, Per: 24 * time.Hour, Burst: math.MaxInt},
			steps: []time.Duration{0, 0},
			want:  []limit.Decision{{Allowed: true, Remaining: math.MaxInt - 1}, {Allowed: true, Remaining: math.MaxInt - 2}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := limittest.NewClock(t0)
			rl := limit.NewMemoryRates(limit.RatesOptions{Now: clock.Now})
			for i, adv := range tc.steps {
				clock.Advance(adv)
				got, err := rl.Allow(context.Background(), "k", tc.rate)
				if err != nil {
					t.Fatal(err)
				}
				w := tc.want[i]
				if d := got.RetryAfter - w.RetryAfter; d >= 0 && d <= tc.slack {
					got.RetryAfter = w.RetryAfter
				}
				if diff := cmp.Diff(w, got); diff != "" {
					t.Errorf("step %d (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

func TestMemoryConcurrencyDeletesKeysAtZero(t *testing.T) {
	c := limit.NewMemoryConcurrency()
	ctx := context.Background()
	var releases []func()
	for i := range 1000 {
		for range 2 {
			release, ok, err := c.Acquire(ctx, fmt.Sprint(i), 2)
			if err != nil || !ok {
				t.Fatalf("Acquire = %v, %v", ok, err)
			}
			releases = append(releases, release)
		}
		if _, ok, _ := c.Acquire(ctx, fmt.Sprint(i), 0); !ok {
			t.Fatal("unlimited Acquire refused")
		}
	}
	if n := c.Len(); n != 1000 {
		t.Errorf("Len() = %d with 1000 keys in use, want 1000", n)
	}
	for _, release := range releases {
		release()
		release()
	}
	if n := c.Len(); n != 0 {
		t.Errorf("Len() = %d after every slot was released, want 0", n)
	}
}

func TestMemoryBudgetKeepsTwoDaysAtMost(t *testing.T) {
	const keys, days = 1000, 10
	clock := limittest.NewClock(t0)
	b := limit.NewMemoryBudget(limit.BudgetOptions{Now: clock.Now, Shards: 4})
	ctx := context.Background()
	for d := range days {
		for k := range keys {
			r, err := b.Reserve(ctx, []limit.Account{{Key: fmt.Sprintf("d%d-k%d", d, k), Limit: 100}}, 10, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Commit(ctx, 5); err != nil {
				t.Fatal(err)
			}
		}
		if n := b.Len(); n > 2*keys {
			t.Errorf("day %d: Len() = %d, want at most %d (today and yesterday)", d, n, 2*keys)
		}
		clock.Advance(24 * time.Hour)
	}
}

func TestMemoryBudgetRefusedReservationsAddNoCounter(t *testing.T) {
	b := limit.NewMemoryBudget(limit.BudgetOptions{Now: limittest.NewClock(t0).Now})
	ctx := context.Background()
	if _, err := b.Reserve(ctx, []limit.Account{{Key: "full", Limit: 1}}, 1, 1); err != nil {
		t.Fatal(err)
	}
	for k := range 1000 {
		_, err := b.Reserve(ctx, []limit.Account{{Key: fmt.Sprint(k), Limit: 100}, {Key: "full", Limit: 1}}, 10, 1)
		var ee *limit.ExhaustedError
		if !errors.As(err, &ee) {
			t.Fatalf("Reserve err = %v, want an *ExhaustedError", err)
		}
	}
	if n := b.Len(); n != 1 {
		t.Errorf("Len() = %d after 1000 refused reservations, want 1", n)
	}
}

func TestDay(t *testing.T) {
	tests := []struct {
		t            time.Time
		day          string
		wantUntilEnd time.Duration
	}{
		{t0, "20261124", 12 * time.Hour},
		{time.Date(2026, 12, 31, 23, 59, 59, 999_999_999, time.UTC), "20261231", time.Nanosecond},
		{time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), "20270101", 24 * time.Hour},
		{time.Date(2026, 11, 24, 20, 0, 0, 0, time.FixedZone("", -5*60*60)), "20261125", 23 * time.Hour},
	}
	for _, tc := range tests {
		day, until := limit.Day(tc.t)
		if day != tc.day || until != tc.wantUntilEnd {
			t.Errorf("Day(%v) = %q, %v; want %q, %v", tc.t, day, until, tc.day, tc.wantUntilEnd)
		}
	}
}

func TestExhaustedErrorNamesTheAccount(t *testing.T) {
	err := &limit.ExhaustedError{Key: "tokens:user:demo:ada", Limit: 1000, Remaining: 3, RetryAfter: time.Hour}
	if got := err.Error(); !strings.Contains(got, "tokens:user:demo:ada") || !strings.Contains(got, "3 of 1000") {
		t.Errorf("Error() = %q, want the key and what is left", got)
	}
}
