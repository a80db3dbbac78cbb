package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwark-security/bulwark/internal/audit"
)

// BenchmarkRecord measures sustained throughput into a real database:
// producers on every core record events, and the time includes writing
// all of them (Flush). Reported as events/s.
func BenchmarkRecord(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			db := be.open(b)
			l := openLog(b, db, audit.Options{})
			ev := event(1)
			b.ReportAllocs()
			b.SetParallelism(4)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := l.Record(ctx, ev); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if err := l.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

// BenchmarkVerify measures Verify over a chain of 50,000 records with a
// checkpoint every 1,000. Reported as records/s.
func BenchmarkVerify(b *testing.B) {
	for _, be := range backends() {
		b.Run(be.name, func(b *testing.B) {
			ctx := context.Background()
			db := be.open(b)
			const n = 50000
			l := openLog(b, db, audit.Options{QueueSize: 4096, BatchSize: 1000, BlockTimeout: time.Minute})
			for i := range n {
				if err := l.Record(ctx, event(i)); err != nil {
					b.Fatal(err)
				}
			}
			if err := l.Close(ctx); err != nil {
				b.Fatal(err)
			}
			keys := testKeys()
			for b.Loop() {
				rep, err := audit.Verify(ctx, db, keys, audit.VerifyOptions{})
				if err != nil || rep.Records != n {
					b.Fatalf("Verify = %+v, %v", rep, err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
