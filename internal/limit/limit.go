// Package limit holds the gateway's limits: request rates (token
// buckets), concurrent streams, and token budgets per day. Each is a
// small contract with an in-memory implementation for one gateway node;
// a shared implementation (Redis) satisfies the same contracts and the
// same contract tests (internal/limit/limittest).
//
// Every decision is atomic: concurrent callers never see more capacity
// than there is.
package limit

import (
	"context"
	"fmt"
	"time"
)

// Rate is a token bucket: Limit events per Per, with bursts of up to
// Burst events (Burst 0 means Limit). The bucket starts full and refills
// continuously, one token every Per/Limit. A Limit of 0 or less is no
// limit; otherwise Per must be positive and Burst not negative, or Allow
// returns an error.
type Rate struct {
	Limit int
	Per   time.Duration
	Burst int
}

// PerMinute is a rate of n requests per minute with bursts of n.
func PerMinute(n int) Rate { return Rate{Limit: n, Per: time.Minute} }

// Decision is the answer of a rate limiter.
type Decision struct {
	Allowed bool
	// RetryAfter is how long until one event would be allowed, when not
	// Allowed (rounded up to the nanosecond).
	RetryAfter time.Duration
	// Remaining is the number of events allowed right now after this one
	// (0 when not Allowed, math.MaxInt when the rate has no limit).
	Remaining int
}

// RateLimiter decides whether an event of a key may happen now.
type RateLimiter interface {
	// Allow takes one event from key's bucket of rate r, or none when
	// the bucket is empty. Buckets of the same key with different rates
	// are different buckets (Burst 0 and Burst equal to Limit are the same
	// rate).
	Allow(ctx context.Context, key string, r Rate) (Decision, error)
}

// Concurrency bounds how many things of one key happen at once.
type Concurrency interface {
	// Acquire takes one of max slots of key. When ok, release returns the
	// slot; calling it more than once returns it once. When not ok,
	// release is a no-op (never nil). A max of 0 or less is no limit: ok,
	// nothing is counted, and release does nothing.
	Acquire(ctx context.Context, key string, max int) (release func(), ok bool, err error)
}

// Account is one budget a request draws on: a key (a user, a device, an
// app) and its limit of tokens per UTC day. A Limit of 0 or less is no
// limit, but the account's usage is still counted.
type Account struct {
	Key   string
	Limit int64
}

// Budget holds token budgets per UTC day.
type Budget interface {
	// Reserve takes tokens from every account at once, before a request
	// goes upstream: the largest amount up to want that every account
	// still has, and at least min. When an account cannot give min, no
	// account is charged and the error is an *ExhaustedError naming the
	// first such account in the order given. Accounts with the same Key
	// are one account, charged once. It is an error for min to be
	// negative or more than want.
	Reserve(ctx context.Context, accounts []Account, want, min int64) (Reservation, error)
	// Used returns what an account has used today (reserved included).
	Used(ctx context.Context, key string) (int64, error)
}

// Reservation is tokens taken from accounts for one request.
type Reservation interface {
	// Granted is the number of tokens reserved.
	Granted() int64
	// Commit replaces the reservation by what the request used, which may
	// be more or less than Granted (a negative used counts as 0). It is
	// counted on the day of the reservation. Calling it again does
	// nothing. A reservation never committed stays charged in full.
	Commit(ctx context.Context, used int64) error
}

// ExhaustedError says which account has too few tokens left today.
type ExhaustedError struct {
	Key        string
	Limit      int64
	Remaining  int64
	RetryAfter time.Duration // until the account's day ends
}

// Error says which budget is exhausted and what is left of it.
func (e *ExhaustedError) Error() string {
	return fmt.Sprintf("token budget of %s exhausted: %d of %d left today", e.Key, e.Remaining, e.Limit)
}

// Day returns the UTC day of t as YYYYMMDD, and the time until it ends.
func Day(t time.Time) (day string, untilEnd time.Duration) {
	t = t.UTC()
	end := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
	return t.Format("20060102"), end.Sub(t)
}
