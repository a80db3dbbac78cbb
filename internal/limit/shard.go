package limit

import (
	"hash/maphash"
	"runtime"
)

// maxShards bounds the Shards options.
const maxShards = 1 << 12

// shardCount returns n rounded up to a power of two, or a default of four
// shards per CPU (at least 16) when n is 0 or less.
func shardCount(n int) int {
	if n <= 0 {
		n = max(16, 4*runtime.GOMAXPROCS(0))
	}
	n = min(n, maxShards)
	c := 1
	for c < n {
		c <<= 1
	}
	return c
}

// shardOf picks the shard of key among mask+1 shards.
func shardOf(seed maphash.Seed, key string, mask uint64) int {
	return int(maphash.String(seed, key) & mask)
}
