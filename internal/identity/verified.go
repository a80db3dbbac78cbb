package identity

import (
	"crypto/sha256"
	"sync"
	"time"
)

// verifiedTokens remembers access tokens whose signature and claims were
// checked, until they expire, so that an app's every request does not pay
// for an ECDSA verification (about 60 µs, the largest single cost of a
// proxied call). Entries are keyed by the SHA-256 of the whole token: only
// the exact bytes that verified hit, and the token itself is not kept.
// Revocation is checked on every request, cached or not.
type verifiedTokens struct {
	shards [16]verifiedShard
	max    int // entries per shard
}

type verifiedShard struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]Claims
}

// maxVerifiedPerShard bounds the cache: 16 × 4096 tokens of about 300
// bytes of claims each, some 20 MB at most.
const maxVerifiedPerShard = 4096

func newVerifiedTokens() *verifiedTokens {
	v := &verifiedTokens{max: maxVerifiedPerShard}
	for i := range v.shards {
		v.shards[i].m = map[[sha256.Size]byte]Claims{}
	}
	return v
}

func (v *verifiedTokens) get(key [sha256.Size]byte, now time.Time) (Claims, bool) {
	s := &v.shards[key[0]%16]
	s.mu.Lock()
	c, ok := s.m[key]
	if ok && !now.Before(c.ExpiresAt) {
		delete(s.m, key)
		ok = false
	}
	s.mu.Unlock()
	return c, ok
}

func (v *verifiedTokens) put(key [sha256.Size]byte, c Claims, now time.Time) {
	s := &v.shards[key[0]%16]
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.m) >= v.max {
		for k, e := range s.m {
			if !now.Before(e.ExpiresAt) {
				delete(s.m, k)
			}
		}
		if len(s.m) >= v.max {
			clear(s.m) // a flood of fresh tokens: start over, correctness is unaffected
		}
	}
	s.m[key] = c
}
