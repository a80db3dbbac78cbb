package extissuer

import (
	"context"
	"errors"
	"sync"
	"time"
)

// CachedKeys is an issuer's key set as last fetched, kept so that a
// restarted gateway, or another instance, need not fetch it again.
type CachedKeys struct {
	// JWKS is the key set document as served (already size-checked).
	JWKS      []byte
	FetchedAt time.Time
	// ExpiresAt is when the keys must be fetched again.
	ExpiresAt time.Time
}

// KeyCache stores fetched key sets by issuer URL. It is optional: without
// one, each process fetches for itself. Keys read from it are parsed and
// filtered exactly like fetched ones.
type KeyCache interface {
	// LoadKeys returns the cached keys of issuer; ok is false when none are.
	LoadKeys(ctx context.Context, issuer string) (k CachedKeys, ok bool, err error)
	// SaveKeys replaces the cached keys of issuer.
	SaveKeys(ctx context.Context, issuer string, k CachedKeys) error
}

// MemoryCache is a KeyCache in memory, safe for concurrent use.
type MemoryCache struct {
	mu   sync.Mutex
	keys map[string]CachedKeys
}

var _ KeyCache = (*MemoryCache)(nil)

// NewMemoryCache returns an empty MemoryCache.
func NewMemoryCache() *MemoryCache { return &MemoryCache{keys: map[string]CachedKeys{}} }

// LoadKeys implements KeyCache.
func (c *MemoryCache) LoadKeys(ctx context.Context, issuer string) (CachedKeys, bool, error) {
	if err := ctx.Err(); err != nil {
		return CachedKeys{}, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[issuer]
	if ok {
		k.JWKS = append([]byte(nil), k.JWKS...)
	}
	return k, ok, nil
}

// SaveKeys implements KeyCache.
func (c *MemoryCache) SaveKeys(ctx context.Context, issuer string, k CachedKeys) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if issuer == "" {
		return errors.New("save keys: empty issuer")
	}
	k.JWKS = append([]byte(nil), k.JWKS...)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys[issuer] = k
	return nil
}
