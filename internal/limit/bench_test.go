package limit_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/limit"
)

// The benchmarks use the real clock (time.Now), as the gateway does, and
// rates and budgets large enough that every request is allowed.

var (
	// bigRate never refuses and refills slowly, so its buckets stay in
	// the table (a sweep finds none to drop).
	bigRate   = limit.Rate{Limit: 1, Per: time.Hour, Burst: 1 << 40}
	keySpace  = keysOf("user:demo-app:usr_", 1<<16)
	workerSeq atomic.Int64
)

func keysOf(prefix string, n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%s%08d", prefix, i)
	}
	return keys
}

func BenchmarkRatesAllow(b *testing.B) {
	ctx := context.Background()
	b.Run("one hot key", func(b *testing.B) {
		rl := limit.NewMemoryRates(limit.RatesOptions{})
		for b.Loop() {
			if _, err := rl.Allow(ctx, "rpm:app:demo-app", bigRate); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, shards := range []int{1, 0} {
		b.Run(fmt.Sprintf("one hot key parallel/shards=%d", shards), func(b *testing.B) {
			rl := limit.NewMemoryRates(limit.RatesOptions{Shards: shards})
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := rl.Allow(ctx, "rpm:app:demo-app", bigRate); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
		b.Run(fmt.Sprintf("many keys parallel/shards=%d", shards), func(b *testing.B) {
			rl := limit.NewMemoryRates(limit.RatesOptions{Shards: shards})
			b.RunParallel(func(pb *testing.PB) {
				i := int(workerSeq.Add(1)) * 7919
				for pb.Next() {
					i++
					if _, err := rl.Allow(ctx, keySpace[i&(len(keySpace)-1)], bigRate); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
	b.Run("a new key every time parallel", func(b *testing.B) {
		// Buckets of a 1 ms period are full again almost at once: this is
		// the cost of inserting and sweeping.
		rl := limit.NewMemoryRates(limit.RatesOptions{})
		r := limit.Rate{Limit: 10, Per: time.Millisecond}
		keys := keysOf("device:demo-app:", 1<<20)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			i := int(workerSeq.Add(1)) << 17
			for pb.Next() {
				i++
				if _, err := rl.Allow(ctx, keys[i&(len(keys)-1)], r); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.ReportMetric(float64(rl.Len()), "buckets")
	})
}

func BenchmarkConcurrencyAcquireRelease(b *testing.B) {
	ctx := context.Background()
	b.Run("one key", func(b *testing.B) {
		c := limit.NewMemoryConcurrency()
		for b.Loop() {
			release, ok, err := c.Acquire(ctx, "streams:app:demo-app", 100)
			if err != nil || !ok {
				b.Fatal(ok, err)
			}
			release()
		}
	})
	b.Run("many keys parallel", func(b *testing.B) {
		c := limit.NewMemoryConcurrency()
		b.RunParallel(func(pb *testing.PB) {
			i := int(workerSeq.Add(1)) * 7919
			for pb.Next() {
				i++
				release, ok, err := c.Acquire(ctx, keySpace[i&(len(keySpace)-1)], 100)
				if err != nil || !ok {
					b.Fatal(ok, err)
				}
				release()
			}
		})
	})
}

func BenchmarkBudgetReserveCommit(b *testing.B) {
	ctx := context.Background()
	b.Run("3 accounts", func(b *testing.B) {
		bu := limit.NewMemoryBudget(limit.BudgetOptions{})
		accounts := []limit.Account{{Key: "tokens:user:demo-app:usr_1", Limit: 1 << 60},
			{Key: "tokens:device:demo-app:dev_1", Limit: 1 << 60}, {Key: "tokens:app:demo-app", Limit: 0}}
		for b.Loop() {
			r, err := bu.Reserve(ctx, accounts, 4096, 1)
			if err != nil {
				b.Fatal(err)
			}
			if err := r.Commit(ctx, 700); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("3 accounts parallel, the app account shared", func(b *testing.B) {
		bu := limit.NewMemoryBudget(limit.BudgetOptions{})
		accounts := make([][]limit.Account, 1<<12)
		for i := range accounts {
			accounts[i] = []limit.Account{{Key: fmt.Sprintf("tokens:user:demo-app:usr_%d", i), Limit: 1 << 60},
				{Key: fmt.Sprintf("tokens:device:demo-app:dev_%d", i), Limit: 1 << 60}, {Key: "tokens:app:demo-app", Limit: 1 << 60}}
		}
		b.RunParallel(func(pb *testing.PB) {
			i := int(workerSeq.Add(1)) * 7919
			for pb.Next() {
				i++
				r, err := bu.Reserve(ctx, accounts[i&(len(accounts)-1)], 4096, 1)
				if err != nil {
					b.Fatal(err)
				}
				if err := r.Commit(ctx, 700); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
