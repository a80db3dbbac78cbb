package limit

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// BudgetOptions configure a MemoryBudget.
type BudgetOptions struct {
	// Now is the clock; time.Now when nil. Days are UTC days of it.
	Now func() time.Time
	// Shards is the number of independently locked parts of the usage
	// table, rounded up to a power of two; when 0, four per CPU and at least
	// 16.
	Shards int
}

// MemoryBudget is a Budget for one process: a usage counter per key and
// UTC day, in sharded tables. A shard keeps two days, today and the day
// before (for the commits of requests that began before midnight); older
// days are dropped whole, so memory follows the keys charged in two days.
//
// Reserve locks the shards of its accounts in increasing order, so that a
// reservation over several accounts is atomic and never deadlocks with
// another. A reservation keeps pointers to its counters, which never
// move, and Commit adds to them atomically without looking them up or
// locking.
type MemoryBudget struct {
	now    func() time.Time
	seed   maphash.Seed
	mask   uint64
	shards []budgetShard
	today  atomic.Pointer[dayRange]
}

var _ Budget = (*MemoryBudget)(nil)

type budgetShard struct {
	mu        sync.Mutex
	cur, prev *dayUsage // nil until used
	_         [64]byte
}

// dayUsage is the usage of the keys of one shard on one day.
type dayUsage struct {
	day     string // YYYYMMDD, which sorts like the days
	counter map[string]*atomic.Int64
	block   []atomic.Int64 // counters not yet given to a key
}

// counterBlock is how many counters are allocated at once.
const counterBlock = 64

// dayRange caches the name of the current UTC day.
type dayRange struct {
	name       string
	start, end time.Time
}

// NewMemoryBudget returns an in-memory Budget with nothing used.
func NewMemoryBudget(opts BudgetOptions) *MemoryBudget {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	n := shardCount(opts.Shards)
	return &MemoryBudget{now: opts.Now, seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]budgetShard, n)}
}

// Reserve takes tokens from every account at once: min(want, the
// smallest remaining of the accounts with a positive Limit), charged to
// every account, unlimited ones included. When that is less than atLeast,
// it charges nothing and returns an *ExhaustedError naming the first
// account, in the order given, that has fewer than atLeast tokens left.
// Accounts with the same Key are one account, charged once. ctx is not
// used.
func (b *MemoryBudget) Reserve(_ context.Context, accounts []Account, want, atLeast int64) (Reservation, error) {
	if atLeast < 0 || want < atLeast {
		return nil, fmt.Errorf("limit: reserve %d tokens, at least %d: want less than the minimum or the minimum negative", want, atLeast)
	}
	now := b.now()
	day, untilEnd := b.day(now)
	r := &memoryReservation{granted: want}
	r.entries = r.buf[:0]
	for _, a := range accounts {
		if r.find(a.Key) < 0 {
			r.entries = append(r.entries, budgetEntry{key: a.Key, shard: shardOf(b.seed, a.Key, b.mask)})
		}
	}
	sortEntries(r.entries)

	b.lock(r.entries)
	defer b.unlock(r.entries)
	for i := range r.entries {
		e := &r.entries[i]
		e.counter = b.shards[e.shard].usage(day).counter[e.key]
		if e.counter != nil {
			e.used = e.counter.Load()
		}
	}
	for _, a := range accounts {
		if a.Limit <= 0 {
			continue
		}
		left := max(a.Limit-r.entries[r.find(a.Key)].used, 0)
		if left < atLeast {
			return nil, &ExhaustedError{Key: a.Key, Limit: a.Limit, Remaining: left, RetryAfter: untilEnd}
		}
		r.granted = min(r.granted, left)
	}
	for i := range r.entries {
		e := &r.entries[i]
		if e.counter == nil {
			e.counter = b.shards[e.shard].usage(day).add(e.key)
		}
		addClamped(e.counter, r.granted)
	}
	return r, nil
}

// Used returns what key has used today, reservations not yet committed
// included. ctx is not used.
func (b *MemoryBudget) Used(_ context.Context, key string) (int64, error) {
	day, _ := b.day(b.now())
	sh := &b.shards[shardOf(b.seed, key, b.mask)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if u := sh.lookup(day); u != nil {
		if c := u.counter[key]; c != nil {
			return c.Load(), nil
		}
	}
	return 0, nil
}

// Len returns the number of (key, day) counters held.
func (b *MemoryBudget) Len() int {
	n := 0
	for i := range b.shards {
		sh := &b.shards[i]
		sh.mu.Lock()
		for _, u := range []*dayUsage{sh.cur, sh.prev} {
			if u != nil {
				n += len(u.counter)
			}
		}
		sh.mu.Unlock()
	}
	return n
}

// day returns the UTC day of t and the time until it ends, like Day,
// without formatting the day's name again on every call.
func (b *MemoryBudget) day(t time.Time) (string, time.Duration) {
	t = t.UTC() // also drops the monotonic reading: days are wall-clock days
	if c := b.today.Load(); c != nil && !t.Before(c.start) && t.Before(c.end) {
		return c.name, c.end.Sub(t)
	}
	name, untilEnd := Day(t)
	end := t.Add(untilEnd)
	b.today.Store(&dayRange{name: name, start: end.AddDate(0, 0, -1), end: end})
	return name, untilEnd
}

func (b *MemoryBudget) lock(entries []budgetEntry) {
	for i, e := range entries {
		if i == 0 || e.shard != entries[i-1].shard {
			b.shards[e.shard].mu.Lock()
		}
	}
}

func (b *MemoryBudget) unlock(entries []budgetEntry) {
	for i, e := range entries {
		if i == 0 || e.shard != entries[i-1].shard {
			b.shards[e.shard].mu.Unlock()
		}
	}
}

// lookup returns the usage day is counted on: the shard's current or
// previous day when day is one of them; nil for a day after the current
// one; and the current day for a day older than both (a clock that went
// back more than a day is counted on the newest day, so that it never
// makes tokens).
func (sh *budgetShard) lookup(day string) *dayUsage {
	switch {
	case sh.cur == nil || day > sh.cur.day:
		return nil
	case day == sh.cur.day:
		return sh.cur
	case sh.prev != nil && day == sh.prev.day:
		return sh.prev
	default:
		return sh.cur
	}
}

// usage is lookup for charging: a day after the current one becomes the
// current day, the current day becomes the previous one, and the previous
// one is dropped.
func (sh *budgetShard) usage(day string) *dayUsage {
	if u := sh.lookup(day); u != nil {
		return u
	}
	sh.prev, sh.cur = sh.cur, &dayUsage{day: day, counter: make(map[string]*atomic.Int64)}
	return sh.cur
}

// add gives key a counter at zero.
func (u *dayUsage) add(key string) *atomic.Int64 {
	if len(u.block) == 0 {
		u.block = make([]atomic.Int64, counterBlock)
	}
	c := &u.block[0]
	u.block = u.block[1:]
	u.counter[key] = c
	return c
}

// memoryReservation is a reservation of a MemoryBudget.
type memoryReservation struct {
	granted   int64
	entries   []budgetEntry // one per key, ordered by shard
	buf       [3]budgetEntry
	committed atomic.Bool
}

// budgetEntry is one key a reservation charged.
type budgetEntry struct {
	key     string
	shard   int
	counter *atomic.Int64 // the key's usage on the day charged
	used    int64         // before the reservation
}

// Granted is the number of tokens reserved.
func (r *memoryReservation) Granted() int64 { return r.granted }

// Commit replaces the reservation by used (0 when negative) on every
// account, on the day the reservation was counted, once. When that day
// has been dropped, it changes nothing that is still counted. ctx is not
// used.
func (r *memoryReservation) Commit(_ context.Context, used int64) error {
	if !r.committed.CompareAndSwap(false, true) {
		return nil
	}
	if delta := max(used, 0) - r.granted; delta != 0 {
		for _, e := range r.entries {
			addClamped(e.counter, delta)
		}
	}
	return nil
}

// find returns the index of key's entry, or -1.
func (r *memoryReservation) find(key string) int {
	for i := range r.entries {
		if r.entries[i].key == key {
			return i
		}
	}
	return -1
}

// sortEntries orders a few entries by shard (insertion sort: there are
// usually three).
func sortEntries(es []budgetEntry) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].shard < es[j-1].shard; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// addClamped adds d to c, keeping it between 0 and math.MaxInt64.
func addClamped(c *atomic.Int64, d int64) {
	for {
		v := c.Load()
		n := v + d
		switch {
		case d > 0 && n < v:
			n = math.MaxInt64
		case n < 0:
			n = 0
		}
		if c.CompareAndSwap(v, n) {
			return
		}
	}
}
