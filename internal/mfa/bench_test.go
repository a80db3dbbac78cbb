package mfa_test

import (
	"context"
	"testing"
	"time"
)

// BenchmarkVerify measures Verify of an enrolled user: a wrong code (the
// attacker's path: three HMACs, nothing stored) and a right one (also the
// atomic step update). The time of generating the right code is excluded.
func BenchmarkVerify(b *testing.B) {
	ctx := context.Background()
	b.Run("wrong code", func(b *testing.B) {
		f, _, _ := enrolled(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.svc.Verify(ctx, "usr_1", "000000"); err == nil {
				b.Fatal("a wrong code verified")
			}
		}
	})
	b.Run("right code", func(b *testing.B) {
		f, secret, _ := enrolled(b)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			// Three steps on: the step accepted before is out of the
			// window even when its code equalled the next step's.
			f.clock.Advance(90 * time.Second)
			c := code6(b, secret, f.clock.Now())
			b.StartTimer()
			if _, err := f.svc.Verify(ctx, "usr_1", c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
