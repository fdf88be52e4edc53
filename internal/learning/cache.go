package learning

import (
	"hash/maphash"
	"sync"
	"time"

	"github.com/taito-lms/taito/internal/metrics"
)

// factsCache keeps the projections this process last read or wrote, so that recording a
// statement needs no read of the database: the lock check before and the completion check
// after are evaluated on the cached copy and the copy with the statement applied. A write made
// from a cached copy names the revision it was made from, so a copy that another process has
// overtaken is noticed at the write; a refusal (a locked lesson) is always checked again
// against the database.
//
// It is not internal/cache, on purpose. That cache keeps answers that may be a little stale
// and bounds them by count; this one keeps the copy the next write is made from, so it needs
// what the generic one has no reason to carry: a bound in bytes (a projection grows with
// the learner's activity, from a few hundred bytes to tens of kilobytes), the per-projection
// write locks the group commit serialises on (striped, so that they cost no allocation per
// learner), and a generation of forgettings, so that a copy read without the lock is kept only
// when no write can have overtaken it (putIfAbsent). It also remembers which completions were
// recorded, forgotten with the copy.
type factsCache struct {
	mu      sync.Mutex
	entries map[string]cachedFacts
	max     int // bytes, roughly (see size)
	bytes   int
	ttl     time.Duration
	// gen counts forgettings (drops and evictions): a copy read without the projection's lock
	// may be cached only if nothing was forgotten since the read began (see putIfAbsent).
	gen   uint64
	locks [256]sync.Mutex
	seed  maphash.Seed
	// completed remembers the courses whose completion this process has recorded, by
	// projection id, with the published version completed (an int), so that a completed
	// learner's later statements do not record it again.
	completed sync.Map
}

type cachedFacts struct {
	facts *Facts // nil: the learner has no projection in the course
	at    time.Time
	size  int
}

// size estimates the memory a cached projection takes: most of it is map entries.
func size(f *Facts) int {
	n := 256
	if f == nil {
		return n
	}
	for _, l := range f.Lessons {
		n += 160 + 48*len(l.Time)
	}
	for _, q := range f.Quizzes {
		n += 64 + 96*len(q.Attempts)
	}
	for _, t := range f.Tasks {
		n += 64 + 80*(len(t.Posts)+len(t.Comments))
	}
	return n + 96*len(f.Forms)
}

func newFactsCache(maxBytes int, ttl time.Duration) *factsCache {
	return &factsCache{entries: map[string]cachedFacts{}, max: maxBytes, ttl: ttl, seed: maphash.MakeSeed()}
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
		metrics.CacheLookup(false)
		return nil, false
	}
	metrics.CacheLookup(true)
	return e.facts, true
}

// put caches f, which the caller must not change afterwards; the caller holds the
// projection's lock.
func (c *factsCache) put(id string, f *Facts, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.store(id, f, now)
}

// generation is the current count of forgettings, for putIfAbsent.
func (c *factsCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// putIfAbsent caches f, read without the projection's lock, when there is no entry for it and
// nothing has been forgotten since gen: every write since the read then left its entry here,
// so an absent entry means no write happened and f is current. The caller holds the lock.
func (c *factsCache) putIfAbsent(id string, f *Facts, now time.Time, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[id]; ok || c.gen != gen {
		return
	}
	c.store(id, f, now)
}

func (c *factsCache) store(id string, f *Facts, now time.Time) {
	if old, ok := c.entries[id]; ok {
		c.bytes -= old.size
	}
	e := cachedFacts{facts: f, at: now, size: size(f)}
	for k, old := range c.entries { // full: forget arbitrary entries (map order is random)
		if c.bytes+e.size <= c.max {
			break
		}
		delete(c.entries, k)
		c.bytes -= old.size
		c.gen++
	}
	c.entries[id] = e
	c.bytes += e.size
}

func (c *factsCache) drop(id string) {
	c.mu.Lock()
	if old, ok := c.entries[id]; ok {
		delete(c.entries, id)
		c.bytes -= old.size
	}
	c.gen++
	c.mu.Unlock()
	c.completed.Delete(id)
}
