// Package limittest is the contract test suite of package limit: every
// implementation of limit.RateLimiter, limit.Concurrency and limit.Budget
// (in memory, Redis) runs the same tests, so that the gateway's
// expectations hold whichever is configured.
//
// The suites drive time through a Clock passed to the implementation
// under test; an implementation must take the time from it and never
// from elsewhere.
package limittest

import (
	"sync"
	"time"
)

// start is the time the suites' clocks start at, a UTC noon.
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

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
