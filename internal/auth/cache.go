package auth

import (
	"sync"
	"time"
)

type userStatus struct {
	roles    []Role
	disabled bool
}

type cacheEntry struct {
	userStatus
	expires time.Time
}

// statusCache remembers accounts' roles and disabled flags for a short time, so that checking
// them does not cost a database read on every request.
type statusCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	now     func() time.Time
	entries map[string]cacheEntry
}

func newStatusCache(ttl time.Duration, max int, now func() time.Time) *statusCache {
	return &statusCache{ttl: ttl, max: max, now: now, entries: make(map[string]cacheEntry)}
}

func (c *statusCache) get(id string) (userStatus, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || c.now().After(e.expires) {
		return userStatus{}, false
	}
	return e.userStatus, true
}

func (c *statusCache) put(id string, st userStatus) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		now := c.now()
		for k, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, k)
			}
		}
		// Still full: drop an arbitrary entry rather than grow without bound.
		for k := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[id] = cacheEntry{userStatus: st, expires: c.now().Add(c.ttl)}
}

func (c *statusCache) setTTL(ttl time.Duration) {
	c.mu.Lock()
	c.ttl = ttl
	c.mu.Unlock()
}

func (c *statusCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}
