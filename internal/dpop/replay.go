package dpop

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"time"
)

// DefaultMaxEntries bounds a MemoryReplayCache when MemoryReplayOptions
// has no MaxEntries: at 5,000 proofs a second each remembered for two
// minutes (the default window, both ways) it holds 600,000.
const DefaultMaxEntries = 1 << 20

// maxReplayKey bounds the keys a MemoryReplayCache takes.
const maxReplayKey = 512

// ErrReplayCacheFull is returned by MemoryReplayCache.Seen when every
// entry is still live: the proof cannot be remembered, so it is refused.
var ErrReplayCacheFull = errors.New("dpop: replay cache full")

// MemoryReplayOptions configure a MemoryReplayCache.
type MemoryReplayOptions struct {
	// MaxEntries bounds the keys remembered; DefaultMaxEntries when zero.
	MaxEntries int
	// Shards splits the cache to spread lock contention; 16 when zero.
	Shards int
	// Now reads the clock; time.Now when nil.
	Now func() time.Time
}

// MemoryReplayCache is a ReplayCache in memory, for one process. Memory
// is bounded: expired keys are dropped as new ones arrive, and when the
// cache is full of live keys it refuses (fails closed) rather than forget
// one early.
type MemoryReplayCache struct {
	shards []replayShard
	seed   maphash.Seed
	now    func() time.Time
}

var _ ReplayCache = (*MemoryReplayCache)(nil)

type replayShard struct {
	mu   sync.Mutex
	max  int
	keys map[string]time.Time
	exp  expiryHeap
}

// NewMemoryReplayCache returns an empty cache.
func NewMemoryReplayCache(opt MemoryReplayOptions) *MemoryReplayCache {
	if opt.MaxEntries <= 0 {
		opt.MaxEntries = DefaultMaxEntries
	}
	if opt.Shards <= 0 {
		opt.Shards = 16
	}
	opt.Shards = min(opt.Shards, opt.MaxEntries)
	if opt.Now == nil {
		opt.Now = time.Now
	}
	c := &MemoryReplayCache{shards: make([]replayShard, opt.Shards), seed: maphash.MakeSeed(), now: opt.Now}
	per, extra := opt.MaxEntries/opt.Shards, opt.MaxEntries%opt.Shards
	for i := range c.shards {
		c.shards[i].max = per
		if i < extra {
			c.shards[i].max++
		}
		c.shards[i].keys = make(map[string]time.Time)
	}
	return c
}

// Seen implements ReplayCache. A key is remembered while the clock reads
// no later than until.
func (c *MemoryReplayCache) Seen(_ context.Context, key string, until time.Time) (bool, error) {
	if len(key) > maxReplayKey {
		return false, fmt.Errorf("dpop: replay key of %d bytes, limit %d", len(key), maxReplayKey)
	}
	now := c.now()
	s := &c.shards[maphash.String(c.seed, key)%uint64(len(c.shards))]
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(now)
	if u, ok := s.keys[key]; ok && !now.After(u) {
		return true, nil
	}
	if !now.After(until) {
		if _, ok := s.keys[key]; !ok && len(s.keys) >= s.max {
			return false, ErrReplayCacheFull
		}
		s.keys[key] = until
		heap.Push(&s.exp, expiry{until: until, key: key})
	}
	return false, nil
}

// Len drops the expired keys and returns the number of live ones.
func (c *MemoryReplayCache) Len() int {
	n, now := 0, c.now()
	for i := range c.shards {
		c.shards[i].mu.Lock()
		c.shards[i].expire(now)
		n += len(c.shards[i].keys)
		c.shards[i].mu.Unlock()
	}
	return n
}

// expire drops the keys whose time has passed.
func (s *replayShard) expire(now time.Time) {
	for len(s.exp) > 0 && now.After(s.exp[0].until) {
		e := heap.Pop(&s.exp).(expiry)
		if u, ok := s.keys[e.key]; ok && u.Equal(e.until) {
			delete(s.keys, e.key)
		}
	}
}

type expiry struct {
	until time.Time
	key   string
}

// expiryHeap is a min-heap of expiries, soonest first.
type expiryHeap []expiry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
