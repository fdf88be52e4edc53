// Package cache is the one in-process cache Taito's services keep answers in: answers by key,
// each kept until it expires, at most a bounded number of them.
//
// It is deliberately small: no loading, no statistics, no cross-process invalidation. A
// service that changes what it cached forgets the key itself; other processes' changes show
// when the entry expires, so the lifetime bounds how stale an answer can be.
package cache

import (
	"sync"
	"time"
)

// Cache keeps values by key until they expire. The zero value is not usable; use New.
type Cache[V any] struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	now     func() time.Time
	entries map[string]entry[V]
}

type entry[V any] struct {
	v       V
	expires time.Time
}

// New returns a cache whose entries live ttl and that holds at most max entries; now is the
// clock (time.Now in production, a test's clock in tests).
func New[V any](ttl time.Duration, max int, now func() time.Time) *Cache[V] {
	if now == nil {
		now = time.Now
	}
	return &Cache[V]{ttl: ttl, max: max, now: now, entries: make(map[string]entry[V])}
}

// Get returns the value kept for key, if there is one and it has not expired.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put keeps v for key for the cache's lifetime.
func (c *Cache[V]) Put(key string, v V) { c.PutUntil(key, v, c.now().Add(c.ttl)) }

// PutUntil keeps v for key until expires or the cache's lifetime, whichever is sooner.
func (c *Cache[V]) PutUntil(key string, v V, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if limit := now.Add(c.ttl); expires.After(limit) {
		expires = limit
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.max {
		c.makeRoom(now)
	}
	c.entries[key] = entry[V]{v: v, expires: expires}
}

// makeRoom drops expired entries and, if the cache is still full, arbitrary ones (map order
// is random) until one fits: memory stays bounded whatever the callers do.
func (c *Cache[V]) makeRoom(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.max {
			break
		}
		delete(c.entries, k)
	}
}

// Forget drops the value kept for key, after a change made by this process.
func (c *Cache[V]) Forget(key string) {
	c.mu.Lock()
	delete(c.entries, key)
	c.mu.Unlock()
}

// Clear drops every value.
func (c *Cache[V]) Clear() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}

// Len is how many values are kept, expired ones included until they are dropped.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
