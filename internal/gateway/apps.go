package gateway

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/bulwark-security/bulwark/internal/apps"
	"github.com/bulwark-security/bulwark/internal/store"
)

// appCache keeps recently read apps so that a request does not read the
// database; admin changes made on this node are visible at once, those
// made on another node within the TTL.
type appCache struct {
	store apps.Store
	ttl   time.Duration
	now   func() time.Time

	mu sync.Mutex
	m  map[string]cachedApp
}

type cachedApp struct {
	app  apps.App
	err  error
	read time.Time
}

// maxCachedApps bounds the cache; unknown ids are cached too (as errors),
// so a flood of invented ids must not grow it without bound.
const maxCachedApps = 10_000

func newAppCache(st apps.Store, ttl time.Duration, now func() time.Time) *appCache {
	return &appCache{store: st, ttl: ttl, now: now, m: map[string]cachedApp{}}
}

func (c *appCache) get(ctx context.Context, id string) (apps.App, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && now.Sub(e.read) < c.ttl {
		return e.app, e.err
	}
	a, err := c.store.App(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return apps.App{}, err // cache answers, not failures
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedApps {
		clear(c.m)
	}
	c.m[id] = cachedApp{app: a, err: err, read: now}
	c.mu.Unlock()
	return a, err
}

func (c *appCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}
