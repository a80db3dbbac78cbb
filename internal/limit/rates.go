package limit

import (
	"context"
	"fmt"
	"hash/maphash"
	"math"
	"sync"
	"time"
)

// RatesOptions configure a MemoryRates.
type RatesOptions struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Shards is the number of independently locked parts of the bucket
	// table, rounded up to a power of two; when 0, four per CPU and at least
	// 16.
	Shards int
}

// MemoryRates is a RateLimiter for one process: token buckets in sharded
// tables. Buckets that have refilled completely are dropped (a full
// bucket decides exactly like a new one): a shard looks for them before
// it adds a bucket, when it has doubled since it last looked or a minute
// has passed. So memory follows the number of keys active within one
// refill period (Per·Burst/Limit), not the number of keys ever seen, and
// the cost of looking is O(1) per new bucket.
type MemoryRates struct {
	now    func() time.Time
	epoch  time.Time // buckets keep nanoseconds since epoch
	seed   maphash.Seed
	mask   uint64
	shards []rateShard
}

var _ RateLimiter = (*MemoryRates)(nil)

const (
	// minSweep is the smallest size at which a shard looks for full
	// buckets.
	minSweep = 256
	// sweepEvery is how often a shard that is not growing looks for full
	// buckets, so that the buckets of a past burst of keys are dropped.
	sweepEvery = int64(time.Minute)
)

// rateShard is one part of the bucket table. The map indexes buckets kept
// in a slice, so that a request looks its key up once (no second map
// write) and the buckets hold no pointers for the garbage collector to
// follow; dropped buckets' places are reused.
type rateShard struct {
	mu      sync.Mutex
	index   map[bucketKey]int32 // → buckets
	buckets []bucket
	free    []int32 // indexes of buckets no longer used
	sweepAt int     // sweep before inserting when len(index) reaches it
	sweptAt int64   // time of the last sweep
	peak    int     // largest len(index) since the table was last reallocated
	_       [64]byte
}

type bucketKey struct {
	key  string
	rate Rate
}

// bucketParams are a rate in integers: a token is unit scaled units, and a
// tick (1<<shift nanoseconds) adds inc scaled units, so a bucket refills
// exactly Limit tokens per Per without rounding.
type bucketParams struct {
	unit  int64
	inc   int64
	cap   int64 // Burst tokens
	shift uint8
}

type bucket struct {
	tokens int64 // scaled units
	last   int64 // nanoseconds since epoch of the last refill
	bucketParams
}

// NewMemoryRates returns an empty in-memory rate limiter.
func NewMemoryRates(opts RatesOptions) *MemoryRates {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	n := shardCount(opts.Shards)
	m := &MemoryRates{now: opts.Now, epoch: opts.Now(), seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]rateShard, n)}
	for i := range m.shards {
		m.shards[i].index = make(map[bucketKey]int32)
		m.shards[i].sweepAt = minSweep
	}
	return m
}

// Allow takes one event from key's bucket of rate r. A rate whose Limit
// is 0 or less is unlimited: the event is allowed and Remaining is
// math.MaxInt. ctx is not used: nothing waits.
func (m *MemoryRates) Allow(_ context.Context, key string, r Rate) (Decision, error) {
	if r.Limit <= 0 {
		return Decision{Allowed: true, Remaining: math.MaxInt}, nil
	}
	if err := checkRate(r); err != nil {
		return Decision{}, err
	}
	if r.Burst == 0 {
		r.Burst = r.Limit
	}
	now := int64(m.now().Sub(m.epoch))
	k := bucketKey{key: key, rate: r}
	sh := &m.shards[shardOf(m.seed, key, m.mask)]

	sh.mu.Lock()
	var b *bucket
	if i, ok := sh.index[k]; ok {
		b = &sh.buckets[i]
		b.refill(now)
	} else {
		b = sh.insert(k, now)
		*b = bucket{last: now, bucketParams: paramsOf(r)}
		b.tokens = b.cap
	}
	d := b.take(now)
	sh.mu.Unlock()
	return d, nil
}

// Len returns the number of buckets held, full ones not yet dropped
// included.
func (m *MemoryRates) Len() int {
	n := 0
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.Lock()
		n += len(sh.index)
		sh.mu.Unlock()
	}
	return n
}

// checkRate reports a rate with a positive Limit that is not a rate.
func checkRate(r Rate) error {
	if r.Per <= 0 {
		return fmt.Errorf("limit: rate of %d per %v: period must be positive", r.Limit, r.Per)
	}
	if r.Burst < 0 {
		return fmt.Errorf("limit: rate of %d per %v: negative burst %d", r.Limit, r.Per, r.Burst)
	}
	return nil
}

// paramsOf turns a valid rate (Limit, Per and Burst positive) into
// integers. When Burst tokens of Per/gcd(Per, Limit) units do not fit in
// an int64, ticks grow to 2, 4, … nanoseconds and the unit is rounded up,
// which makes the refill slower by less than one part in 2^62/Burst.
func paramsOf(r Rate) bucketParams {
	per, lim, burst := int64(r.Per), int64(r.Limit), int64(r.Burst)
	g := gcd(per, lim)
	p := bucketParams{unit: per / g, inc: lim / g}
	for p.unit > math.MaxInt64/burst {
		p.unit = (p.unit + 1) / 2
		p.shift++
	}
	p.cap = p.unit * burst
	return p
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// refill adds the tokens of the whole ticks elapsed since b.last. A clock
// that went back adds nothing.
func (b *bucket) refill(now int64) {
	dt := now - b.last
	if dt <= 0 {
		return
	}
	ticks := dt >> b.shift
	if ticks == 0 {
		return
	}
	b.last += ticks << b.shift
	missing := b.cap - b.tokens
	if missing <= 0 || ticks > (missing-1)/b.inc { // ticks*inc >= missing, without overflow
		b.tokens = b.cap
		return
	}
	b.tokens += ticks * b.inc
}

// take takes one token if there is one.
func (b *bucket) take(now int64) Decision {
	if b.tokens >= b.unit {
		b.tokens -= b.unit
		return Decision{Allowed: true, Remaining: int(b.tokens / b.unit)}
	}
	ticks := (b.unit-b.tokens-1)/b.inc + 1 // ceil(missing/inc)
	return Decision{RetryAfter: time.Duration(b.last + ticks<<b.shift - now)}
}

// full reports whether b has refilled completely by now, so that dropping
// it changes no decision: a new bucket starts full.
func (b bucket) full(now int64) bool {
	b.refill(now)
	return b.tokens >= b.cap
}

// insert makes room for the bucket of a new key, sweeping first when the
// shard has doubled or a while has passed since the last sweep.
func (sh *rateShard) insert(k bucketKey, now int64) *bucket {
	if n := len(sh.index); n >= sh.sweepAt || n >= minSweep && now-sh.sweptAt >= sweepEvery {
		sh.sweep(now)
	}
	var i int32
	if n := len(sh.free); n > 0 {
		i, sh.free = sh.free[n-1], sh.free[:n-1]
	} else {
		i = int32(len(sh.buckets))
		sh.buckets = append(sh.buckets, bucket{})
	}
	sh.index[k] = i
	sh.peak = max(sh.peak, len(sh.index))
	return &sh.buckets[i]
}

// sweep drops the buckets that are full, and reallocates the table when
// it has shrunk to a quarter of its peak (Go maps do not shrink). The next
// sweep comes when the table has doubled, so sweeping costs O(1) per new
// bucket.
func (sh *rateShard) sweep(now int64) {
	for k, i := range sh.index {
		if sh.buckets[i].full(now) {
			delete(sh.index, k)
			sh.free = append(sh.free, i)
		}
	}
	n := len(sh.index)
	if sh.peak >= 4*minSweep && 4*n <= sh.peak {
		index, buckets := make(map[bucketKey]int32, n), make([]bucket, 0, n)
		for k, i := range sh.index {
			index[k] = int32(len(buckets))
			buckets = append(buckets, sh.buckets[i])
		}
		sh.index, sh.buckets, sh.free, sh.peak = index, buckets, nil, n
	}
	sh.sweepAt, sh.sweptAt = max(2*n, minSweep), now
}
