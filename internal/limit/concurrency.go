package limit

import (
	"context"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// MemoryConcurrency is a Concurrency for one process: counts of slots in
// use per key in sharded maps. A key whose count returns to zero is
// deleted, so memory follows the keys with slots in use.
type MemoryConcurrency struct {
	seed   maphash.Seed
	mask   uint64
	shards []slotShard
}

var _ Concurrency = (*MemoryConcurrency)(nil)

type slotShard struct {
	mu    sync.Mutex
	inUse map[string]int
	_     [64]byte
}

// NewMemoryConcurrency returns an in-memory Concurrency with no slot in
// use.
func NewMemoryConcurrency() *MemoryConcurrency {
	n := shardCount(0)
	c := &MemoryConcurrency{seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]slotShard, n)}
	for i := range c.shards {
		c.shards[i].inUse = make(map[string]int)
	}
	return c
}

// Acquire takes one of max slots of key. A max of 0 or less is unlimited:
// ok is true, nothing is counted and release does nothing. When not ok,
// release is a function that does nothing. ctx is not used.
func (c *MemoryConcurrency) Acquire(_ context.Context, key string, max int) (release func(), ok bool, err error) {
	if max <= 0 {
		return noRelease, true, nil
	}
	sh := &c.shards[shardOf(c.seed, key, c.mask)]
	sh.mu.Lock()
	n := sh.inUse[key]
	if n >= max {
		sh.mu.Unlock()
		return noRelease, false, nil
	}
	sh.inUse[key] = n + 1
	sh.mu.Unlock()
	s := &slot{shard: sh, key: key}
	return s.release, true, nil
}

// Len returns the number of keys with at least one slot in use.
func (c *MemoryConcurrency) Len() int {
	n := 0
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		n += len(sh.inUse)
		sh.mu.Unlock()
	}
	return n
}

func noRelease() {}

// slot is one acquired slot; release gives it back once.
type slot struct {
	shard    *slotShard
	key      string
	released atomic.Bool
}

func (s *slot) release() {
	if !s.released.CompareAndSwap(false, true) {
		return
	}
	sh := s.shard
	sh.mu.Lock()
	if n := sh.inUse[s.key]; n > 1 {
		sh.inUse[s.key] = n - 1
	} else {
		delete(sh.inUse, s.key)
	}
	sh.mu.Unlock()
}
