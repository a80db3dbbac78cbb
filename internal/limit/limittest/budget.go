package limittest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/bulwark-security/bulwark/internal/limit"
)

// Budget runs the limit.Budget contract. newBudget returns a budget with
// nothing used, reading the time from now.
func Budget(t *testing.T, newBudget func(t *testing.T, now func() time.Time) limit.Budget) {
	ctx := context.Background()
	const untilMidnight = 12 * time.Hour // from start, a UTC noon

	reserveCases := []struct {
		name        string
		before      map[string]int64 // usage committed before
		accounts    []limit.Account
		want, min   int64
		wantGranted int64
		wantErr     *limit.ExhaustedError
		wantUsed    map[string]int64
	}{
		{
			name:        "reserve grants want when every account has enough",
			accounts:    []limit.Account{acct("u", 100), acct("d", 200), acct("a", 0)},
			want:        10,
			min:         1,
			wantGranted: 10,
			wantUsed:    map[string]int64{"u": 10, "d": 10, "a": 10},
		},
		{
			name:        "reserve grants the smallest remaining when it is at least min",
			before:      map[string]int64{"u": 95, "d": 10},
			accounts:    []limit.Account{acct("u", 100), acct("d", 200), acct("a", 0)},
			want:        10,
			min:         1,
			wantGranted: 5,
			wantUsed:    map[string]int64{"u": 100, "d": 15, "a": 5},
		},
		{
			name:        "reserve grants exactly min when that is all that is left",
			before:      map[string]int64{"d": 195},
			accounts:    []limit.Account{acct("u", 100), acct("d", 200)},
			want:        10,
			min:         5,
			wantGranted: 5,
			wantUsed:    map[string]int64{"u": 5, "d": 200},
		},
		{
			name:     "reserve across accounts charges none when one is exhausted",
			before:   map[string]int64{"u": 1, "d": 198, "a": 7},
			accounts: []limit.Account{acct("u", 100), acct("d", 200), acct("a", 0)},
			want:     10,
			min:      5,
			wantErr:  &limit.ExhaustedError{Key: "d", Limit: 200, Remaining: 2, RetryAfter: untilMidnight},
			wantUsed: map[string]int64{"u": 1, "d": 198, "a": 7},
		},
		{
			name:     "the first exhausted account in the order given is named",
			before:   map[string]int64{"u": 100, "d": 200},
			accounts: []limit.Account{acct("a", 1000), acct("d", 200), acct("u", 100)},
			want:     10,
			min:      1,
			wantErr:  &limit.ExhaustedError{Key: "d", Limit: 200, Remaining: 0, RetryAfter: untilMidnight},
			wantUsed: map[string]int64{"u": 100, "d": 200, "a": 0},
		},
		{
			name:     "usage over the limit leaves nothing, not less than nothing",
			before:   map[string]int64{"u": 150},
			accounts: []limit.Account{acct("u", 100)},
			want:     10,
			min:      1,
			wantErr:  &limit.ExhaustedError{Key: "u", Limit: 100, Remaining: 0, RetryAfter: untilMidnight},
			wantUsed: map[string]int64{"u": 150},
		},
		{
			name:        "accounts with no limit are never exhausted but count usage",
			before:      map[string]int64{"a": 1 << 40, "b": 5},
			accounts:    []limit.Account{acct("a", 0), acct("b", -1)},
			want:        1 << 30,
			min:         1 << 30,
			wantGranted: 1 << 30,
			wantUsed:    map[string]int64{"a": 1<<40 + 1<<30, "b": 5 + 1<<30},
		},
		{
			name:        "min 0 reserves nothing rather than fail",
			before:      map[string]int64{"u": 100},
			accounts:    []limit.Account{acct("u", 100), acct("a", 0)},
			want:        10,
			min:         0,
			wantGranted: 0,
			wantUsed:    map[string]int64{"u": 100, "a": 0},
		},
		{
			name:        "no accounts grants want",
			want:        10,
			min:         10,
			wantGranted: 10,
		},
		{
			name:        "the same key twice is one account, charged once",
			before:      map[string]int64{"k": 45},
			accounts:    []limit.Account{acct("k", 100), acct("k", 50)},
			want:        10,
			min:         1,
			wantGranted: 5,
			wantUsed:    map[string]int64{"k": 50},
		},
		{
			name:     "the same key twice is exhausted by its smaller limit",
			before:   map[string]int64{"k": 48},
			accounts: []limit.Account{acct("k", 100), acct("k", 50)},
			want:     10,
			min:      5,
			wantErr:  &limit.ExhaustedError{Key: "k", Limit: 50, Remaining: 2, RetryAfter: untilMidnight},
			wantUsed: map[string]int64{"k": 48},
		},
	}
	for _, tc := range reserveCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBudget(t, NewClock(start).Now)
			for key, n := range tc.before {
				use(t, b, []limit.Account{{Key: key}}, n, n)
			}
			r, err := b.Reserve(ctx, tc.accounts, tc.want, tc.min)
			if tc.wantErr != nil {
				var ee *limit.ExhaustedError
				if !errors.As(err, &ee) {
					t.Fatalf("Reserve(%v, %d, %d) = %v, %v; want an *ExhaustedError", tc.accounts, tc.want, tc.min, r, err)
				}
				if diff := cmp.Diff(tc.wantErr, ee); diff != "" {
					t.Errorf("ExhaustedError (-want +got):\n%s", diff)
				}
			} else {
				if err != nil {
					t.Fatalf("Reserve(%v, %d, %d): %v", tc.accounts, tc.want, tc.min, err)
				}
				if got := r.Granted(); got != tc.wantGranted {
					t.Errorf("Granted() = %d, want %d", got, tc.wantGranted)
				}
			}
			checkUsed(t, b, tc.wantUsed)
		})
	}

	t.Run("min below zero or above want is an error and charges nothing", func(t *testing.T) {
		t.Parallel()
		b := newBudget(t, NewClock(start).Now)
		accounts := []limit.Account{acct("u", 100), acct("a", 0)}
		for _, c := range []struct{ want, min int64 }{{5, 10}, {10, -1}, {-5, -10}} {
			_, err := b.Reserve(ctx, accounts, c.want, c.min)
			var ee *limit.ExhaustedError
			if err == nil || errors.As(err, &ee) {
				t.Errorf("Reserve(want %d, min %d) err = %v, want an error that is no *ExhaustedError", c.want, c.min, err)
			}
		}
		checkUsed(t, b, map[string]int64{"u": 0, "a": 0})
	})

	commitCases := []struct {
		name     string
		commits  []int64
		wantUsed int64
	}{
		{"commit replaces the reservation by less usage", []int64{3}, 3},
		{"commit replaces the reservation by more usage", []int64{25}, 25},
		{"commit of zero gives the whole reservation back", []int64{0}, 0},
		{"a negative usage commits as zero", []int64{-7}, 0},
		{"commit is counted once", []int64{3, 50, 0}, 3},
	}
	for _, tc := range commitCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBudget(t, NewClock(start).Now)
			use(t, b, []limit.Account{acct("u", 100), acct("d", 1000)}, 20, 20) // usage of another request
			r := reserve(t, b, []limit.Account{acct("u", 100), acct("d", 1000), acct("a", 0)}, 10, 10)
			for _, n := range tc.commits {
				if err := r.Commit(ctx, n); err != nil {
					t.Fatalf("Commit(%d): %v", n, err)
				}
			}
			checkUsed(t, b, map[string]int64{"u": 20 + tc.wantUsed, "d": 20 + tc.wantUsed, "a": tc.wantUsed})
		})
	}

	t.Run("concurrent commits of one reservation are counted once", func(t *testing.T) {
		t.Parallel()
		b := newBudget(t, NewClock(start).Now)
		r := reserve(t, b, []limit.Account{acct("u", 100)}, 10, 10)
		hammer(t, 32, 1, func(int, int) error { return r.Commit(ctx, 7) })
		checkUsed(t, b, map[string]int64{"u": 7})
	})

	t.Run("a commit of less frees tokens for the next reservation", func(t *testing.T) {
		t.Parallel()
		b := newBudget(t, NewClock(start).Now)
		accounts := []limit.Account{acct("u", 100)}
		r := reserve(t, b, accounts, 100, 100)
		if _, err := b.Reserve(ctx, accounts, 1, 1); !isExhausted(err) {
			t.Fatalf("Reserve with all reserved: err = %v, want an *ExhaustedError", err)
		}
		if err := r.Commit(ctx, 60); err != nil {
			t.Fatal(err)
		}
		if got := reserve(t, b, accounts, 100, 1).Granted(); got != 40 {
			t.Errorf("Granted() = %d after committing 60 of 100, want 40", got)
		}
	})

	t.Run("a commit of more than the limit exhausts the account", func(t *testing.T) {
		t.Parallel()
		b := newBudget(t, NewClock(start).Now)
		accounts := []limit.Account{acct("u", 100)}
		use(t, b, accounts, 10, 10)
		r := reserve(t, b, accounts, 10, 10)
		if err := r.Commit(ctx, 150); err != nil {
			t.Fatal(err)
		}
		_, err := b.Reserve(ctx, accounts, 1, 1)
		var ee *limit.ExhaustedError
		if !errors.As(err, &ee) || ee.Remaining != 0 {
			t.Errorf("Reserve after overshoot: err = %v, want an *ExhaustedError with 0 remaining", err)
		}
		checkUsed(t, b, map[string]int64{"u": 160})
	})

	t.Run("Used reports reservations not yet committed, and 0 for an unknown key", func(t *testing.T) {
		t.Parallel()
		b := newBudget(t, NewClock(start).Now)
		reserve(t, b, []limit.Account{acct("u", 100)}, 10, 10)
		checkUsed(t, b, map[string]int64{"u": 10, "unknown": 0})
	})

	t.Run("budget resets at UTC midnight", func(t *testing.T) {
		t.Parallel()
		clock := NewClock(time.Date(2026, 11, 24, 23, 59, 30, 0, time.UTC))
		b := newBudget(t, clock.Now)
		accounts := []limit.Account{acct("u", 10)}
		use(t, b, accounts, 10, 10)
		_, err := b.Reserve(ctx, accounts, 1, 1)
		var ee *limit.ExhaustedError
		if !errors.As(err, &ee) || ee.RetryAfter != 30*time.Second {
			t.Fatalf("Reserve at 23:59:30 = %v, want an *ExhaustedError with RetryAfter 30s", err)
		}
		clock.Advance(29*time.Second + 999*time.Millisecond)
		if _, err := b.Reserve(ctx, accounts, 1, 1); !isExhausted(err) {
			t.Fatalf("Reserve at 23:59:59.999 err = %v, want an *ExhaustedError", err)
		}
		clock.Advance(time.Millisecond)
		checkUsed(t, b, map[string]int64{"u": 0})
		if got := reserve(t, b, accounts, 10, 10).Granted(); got != 10 {
			t.Errorf("Granted() at midnight = %d, want the whole budget of 10", got)
		}
	})

	t.Run("days are UTC days whatever the clock's time zone", func(t *testing.T) {
		t.Parallel()
		// 23:59:30 in Honolulu (UTC-10) is 09:59:30 UTC: local midnight is no reset.
		hst := time.FixedZone("HST", -10*60*60)
		clock := NewClock(time.Date(2026, 11, 23, 23, 59, 30, 0, hst))
		b := newBudget(t, clock.Now)
		accounts := []limit.Account{acct("u", 10)}
		use(t, b, accounts, 10, 10)
		clock.Advance(time.Minute)
		_, err := b.Reserve(ctx, accounts, 1, 1)
		var ee *limit.ExhaustedError
		if !errors.As(err, &ee) || ee.RetryAfter != 14*time.Hour-30*time.Second {
			t.Fatalf("Reserve after local midnight = %v, want an *ExhaustedError with RetryAfter 13h59m30s", err)
		}
		// 13:59:30 on the 25th in Kiritimati (UTC+14) is still the 24th
		// in UTC, 30 s before its end.
		lint := time.FixedZone("LINT", 14*60*60)
		clock.Set(time.Date(2026, 11, 25, 13, 59, 30, 0, lint))
		if _, err := b.Reserve(ctx, accounts, 1, 1); !errors.As(err, &ee) || ee.RetryAfter != 30*time.Second {
			t.Fatalf("Reserve at 23:59:30 UTC = %v, want an *ExhaustedError with RetryAfter 30s", err)
		}
		clock.Advance(30 * time.Second)
		if got := reserve(t, b, accounts, 10, 10).Granted(); got != 10 {
			t.Errorf("Granted() at UTC midnight = %d, want 10", got)
		}
	})

	t.Run("a reservation made before midnight is committed on its own day", func(t *testing.T) {
		t.Parallel()
		clock := NewClock(time.Date(2026, 11, 24, 23, 59, 59, 0, time.UTC))
		b := newBudget(t, clock.Now)
		accounts := []limit.Account{acct("u", 100), acct("a", 0)}
		late := reserve(t, b, accounts, 10, 10)
		later := reserve(t, b, accounts, 10, 10)
		clock.Advance(2 * time.Second)
		if err := late.Commit(ctx, 90); err != nil {
			t.Fatal(err)
		}
		checkUsed(t, b, map[string]int64{"u": 0, "a": 0})
		// After a reservation of the new day too.
		today := reserve(t, b, accounts, 10, 10)
		if err := later.Commit(ctx, 90); err != nil {
			t.Fatal(err)
		}
		checkUsed(t, b, map[string]int64{"u": 10, "a": 10})
		if err := today.Commit(ctx, 0); err != nil {
			t.Fatal(err)
		}
		if got := reserve(t, b, accounts, 100, 100).Granted(); got != 100 {
			t.Errorf("Granted() after midnight = %d, want the whole budget of 100", got)
		}
	})

	t.Run("a clock going back across midnight counts on the earlier day", func(t *testing.T) {
		t.Parallel()
		clock := NewClock(time.Date(2026, 11, 24, 23, 59, 59, 0, time.UTC))
		b := newBudget(t, clock.Now)
		accounts := []limit.Account{acct("u", 10)}
		use(t, b, accounts, 10, 10)
		clock.Advance(2 * time.Second)
		use(t, b, accounts, 3, 3)
		clock.Advance(-2 * time.Second)
		if _, err := b.Reserve(ctx, accounts, 1, 1); !isExhausted(err) {
			t.Errorf("Reserve back on the exhausted day: err = %v, want an *ExhaustedError", err)
		}
		checkUsed(t, b, map[string]int64{"u": 10})
		clock.Advance(2 * time.Second)
		checkUsed(t, b, map[string]int64{"u": 3})
	})

	t.Run("usage is the sum of what was committed, under concurrent reservations and commits", func(t *testing.T) {
		t.Parallel()
		b := newBudget(t, NewClock(start).Now)
		var committed atomic.Int64
		hammer(t, 32, 300, func(g, i int) error {
			accounts := []limit.Account{acct("app", 0), acct(fmt.Sprint("user", g%4), 1<<40)}
			r, err := b.Reserve(ctx, accounts, 10, 1)
			if err != nil {
				return err
			}
			n := int64(g*31+i*17) % 21 // 0 to 20: less or more than reserved
			committed.Add(n)
			return r.Commit(ctx, n)
		})
		total := committed.Load()
		got := used(t, b, "app")
		var users int64
		for u := range 4 {
			users += used(t, b, fmt.Sprint("user", u))
		}
		if got != total || users != total {
			t.Errorf("used app=%d users=%d, want both the %d committed", got, users, total)
		}
	})

	t.Run("accounts of different keys are independent", func(t *testing.T) {
		t.Parallel()
		b := newBudget(t, NewClock(start).Now)
		use(t, b, []limit.Account{acct("u1", 10)}, 10, 10)
		if got := reserve(t, b, []limit.Account{acct("u2", 10)}, 10, 10).Granted(); got != 10 {
			t.Errorf("Granted() = %d, want 10", got)
		}
	})

	t.Run("concurrent reservations never grant more than the limit", func(t *testing.T) {
		t.Parallel()
		b := newBudget(t, NewClock(start).Now)
		accounts := []limit.Account{acct("u", 1000), acct("a", 0)}
		var granted atomic.Int64
		untilExhausted(t, 32, func(int) (bool, error) {
			r, err := b.Reserve(ctx, accounts, 7, 1)
			if isExhausted(err) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			granted.Add(r.Granted())
			return false, nil
		})
		if got := granted.Load(); got != 1000 {
			t.Errorf("granted %d in all, want exactly the limit of 1000", got)
		}
		checkUsed(t, b, map[string]int64{"u": 1000, "a": 1000})
	})

	t.Run("concurrent reservations over shared accounts charge all of their accounts or none", func(t *testing.T) {
		t.Parallel()
		b := newBudget(t, NewClock(start).Now)
		ab := []limit.Account{acct("a", 60), acct("b", 150)}
		bc := []limit.Account{acct("b", 150), acct("c", 1000)}
		untilExhausted(t, 32, func(g int) (bool, error) {
			accounts := ab
			if g%2 == 1 {
				accounts = bc
			}
			_, err := b.Reserve(ctx, accounts, 3, 1)
			if isExhausted(err) {
				return true, nil
			}
			return false, err
		})
		ua, ub, uc := used(t, b, "a"), used(t, b, "b"), used(t, b, "c")
		if ub != 150 || ua > 60 || ua+uc != ub {
			t.Errorf("used a=%d b=%d c=%d; want b=150 (the limit), a≤60, a+c=b", ua, ub, uc)
		}
	})

	// overshoot runs goroutines that reserve against a nearly exhausted
	// budget (900 of 1000 used) and commit what each request used, and
	// returns what the user account used in the end after checking it is
	// the sum of the commits.
	overshoot := func(t *testing.T, goroutines int, usage func(granted int64, g, i int) int64) int64 {
		t.Helper()
		b := newBudget(t, NewClock(start).Now)
		use(t, b, []limit.Account{acct("u", 1000)}, 900, 900)
		accounts := []limit.Account{acct("u", 1000), acct("d", 1<<40), acct("a", 0)}
		var committed atomic.Int64
		calls := make([]int, goroutines) // each goroutine counts its own
		untilExhausted(t, goroutines, func(g int) (bool, error) {
			r, err := b.Reserve(ctx, accounts, 10, 1)
			if isExhausted(err) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			if n := r.Granted(); n < 1 || n > 10 {
				t.Errorf("Granted() = %d, want 1 to 10", n)
			}
			calls[g]++
			n := usage(r.Granted(), g, calls[g])
			committed.Add(n)
			return false, r.Commit(ctx, n)
		})
		total := committed.Load()
		checkUsed(t, b, map[string]int64{"u": 900 + total, "d": total, "a": total})
		return 900 + total
	}

	t.Run("concurrent requests that use at most what they reserved never exceed the limit", func(t *testing.T) {
		t.Parallel()
		got := overshoot(t, 32, func(granted int64, g, i int) int64 { return 1 + int64(g+7*i)%granted })
		if got > 1000 {
			t.Errorf("used %d of a limit of 1000", got)
		}
	})

	t.Run("concurrent requests exceed the limit by at most one overshoot each", func(t *testing.T) {
		t.Parallel()
		// Every request uses 5 more than granted. A reservation needs a
		// token left, so once the limit is reached only the requests in
		// flight (at most one per goroutine) can still add their overshoot.
		const goroutines, over = 16, 5
		got := overshoot(t, goroutines, func(granted int64, _, _ int) int64 { return granted + over })
		if got > 1000+goroutines*over {
			t.Errorf("used %d of a limit of 1000; want at most %d (one overshoot of %d per goroutine)", got, 1000+goroutines*over, over)
		}
	})

	t.Run("requests one after another exceed the limit by at most one request's overshoot", func(t *testing.T) {
		t.Parallel()
		const over = 5
		got := overshoot(t, 1, func(granted int64, _, _ int) int64 { return granted + over })
		if got > 1000+over {
			t.Errorf("used %d of a limit of 1000; want at most %d", got, 1000+over)
		}
	})
}

// untilExhausted runs f in each of g goroutines at once until f reports
// exhausted, for at most 10,000 calls each, and reports f's errors.
func untilExhausted(t *testing.T, goroutines int, f func(g int) (exhausted bool, err error)) {
	t.Helper()
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for g := range goroutines {
		wg.Go(func() {
			<-begin
			for range 10000 {
				done, err := f(g)
				if err != nil {
					t.Errorf("goroutine %d: %v", g, err)
					return
				}
				if done {
					return
				}
			}
			t.Errorf("goroutine %d: budget not exhausted after 10000 calls", g)
		})
	}
	close(begin)
	wg.Wait()
}

// use reserves n tokens on accounts and commits them.
func use(t *testing.T, b limit.Budget, accounts []limit.Account, want, min int64) {
	t.Helper()
	r := reserve(t, b, accounts, want, min)
	if err := r.Commit(context.Background(), r.Granted()); err != nil {
		t.Fatalf("Commit(%d): %v", r.Granted(), err)
	}
}

func reserve(t *testing.T, b limit.Budget, accounts []limit.Account, want, min int64) limit.Reservation {
	t.Helper()
	r, err := b.Reserve(context.Background(), accounts, want, min)
	if err != nil {
		t.Fatalf("Reserve(%v, %d, %d): %v", accounts, want, min, err)
	}
	return r
}

func used(t *testing.T, b limit.Budget, key string) int64 {
	t.Helper()
	n, err := b.Used(context.Background(), key)
	if err != nil {
		t.Fatalf("Used(%q): %v", key, err)
	}
	return n
}

// checkUsed compares what each key of want has used with want.
func checkUsed(t *testing.T, b limit.Budget, want map[string]int64) {
	t.Helper()
	got := make(map[string]int64, len(want))
	for key := range want {
		got[key] = used(t, b, key)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Used (-want +got):\n%s", diff)
	}
}

// acct is an account, written short.
func acct(key string, tokens int64) limit.Account { return limit.Account{Key: key, Limit: tokens} }

func isExhausted(err error) bool {
	var ee *limit.ExhaustedError
	return errors.As(err, &ee)
}
