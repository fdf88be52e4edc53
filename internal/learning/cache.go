package learning

import (
	"hash/maphash"
	"sync"
	"time"
)

// factsCache keeps the projections this process last read or wrote, so that recording a
// statement needs no read of the database: the lock check before and the completion check
// after are evaluated on the cached copy and the copy with the statement applied. A write made
// from a cached copy names the revision it was made from, so a copy that another process has
// overtaken is noticed at the write; a refusal (a locked lesson) is always checked again
// against the database.
type factsCache struct {
	mu      sync.Mutex
	entries map[string]cachedFacts
	max     int
	ttl     time.Duration
	locks   [256]sync.Mutex
	seed    maphash.Seed
	// completed remembers the courses whose completion this process has recorded, by
	// projection id, so that a completed learner's later statements do not record it again.
	completed sync.Map
}

type cachedFacts struct {
	facts *Facts // nil: the learner has no projection in the course
	at    time.Time
}

func newFactsCache(max int, ttl time.Duration) *factsCache {
	return &factsCache{entries: map[string]cachedFacts{}, max: max, ttl: ttl, seed: maphash.MakeSeed()}
}

// lock serialises this process's writes to one projection: FerretDB's update reads and then
// writes the document, so two concurrent updates of one document could lose one another.
func (c *factsCache) lock(id string) func() {
	m := &c.locks[maphash.String(c.seed, id)%uint64(len(c.locks))]
	m.Lock()
	return m.Unlock
}

// get returns the cached projection; ok is false when there is none or it is too old. The
// caller must not change the returned Facts.
func (c *factsCache) get(id string, now time.Time) (f *Facts, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || now.Sub(e.at) > c.ttl {
		return nil, false
	}
	return e.facts, true
}

// put caches f, which the caller must not change afterwards.
func (c *factsCache) put(id string, f *Facts, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[id]; !ok && len(c.entries) >= c.max {
		// Full: forget an arbitrary tenth (map order is random), oldest-first would need a list
		// for little gain at this size.
		n := c.max/10 + 1
		for k := range c.entries {
			delete(c.entries, k)
			if n--; n == 0 {
				break
			}
		}
	}
	c.entries[id] = cachedFacts{facts: f, at: now}
}

func (c *factsCache) drop(id string) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
	c.completed.Delete(id)
}
