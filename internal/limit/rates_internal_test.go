package limit

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The table of a shard, after a burst of keys has passed, is swept and
// reallocated to the size of what is still in use.
func TestMemoryRatesTableShrinksAfterABurstOfKeys(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	rl := NewMemoryRates(RatesOptions{Now: clock, Shards: 1})
	sh := &rl.shards[0]
	r := Rate{Limit: 10, Per: time.Second}
	ctx := context.Background()
	const burst = 20_000
	for i := range burst {
		if d, _ := rl.Allow(ctx, fmt.Sprint("burst-", i), r); !d.Allowed {
			t.Fatalf("new key %d denied", i)
		}
	}
	if n := len(sh.index); n != burst {
		t.Fatalf("%d buckets after a burst of %d keys, want all of them (none is full)", n, burst)
	}
	// The burst is over; a few keys come and go, and time passes.
	for i := range 100 {
		now = now.Add(time.Second)
		if d, _ := rl.Allow(ctx, fmt.Sprint("after-", i), r); !d.Allowed {
			t.Fatalf("new key %d denied", i)
		}
	}
	if n, c := len(sh.index), cap(sh.buckets); n > minSweep || c > 2*minSweep {
		t.Errorf("%d buckets in a table of %d after the burst, want at most %d in %d", n, c, minSweep, 2*minSweep)
	}
	// A key of the burst decides as a new key.
	if d, _ := rl.Allow(ctx, "burst-1", r); d != (Decision{Allowed: true, Remaining: 9}) {
		t.Errorf("key of the burst after it = %+v, want a full bucket", d)
	}
}

// Under a steady stream of new keys, the buckets of dropped keys are
// reused: the table does not grow.
func TestMemoryRatesTableReusesDroppedBuckets(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	rl := NewMemoryRates(RatesOptions{Now: func() time.Time { return now }, Shards: 1})
	sh := &rl.shards[0]
	r := Rate{Limit: 10, Per: time.Second} // full again 100 ms after one request
	for i := range 100_000 {
		now = now.Add(time.Millisecond)
		if d, _ := rl.Allow(context.Background(), fmt.Sprint(i), r); !d.Allowed {
			t.Fatalf("new key %d denied", i)
		}
	}
	if n, c := len(sh.index), len(sh.buckets); n > minSweep || c > minSweep+1 {
		t.Errorf("%d buckets in a table of %d, want at most %d in %d", n, c, minSweep, minSweep+1)
	}
}
