package cache_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/cache"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestEntriesExpireAfterTheirLifetime(t *testing.T) {
	clk := &clock{t: time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)}
	c := cache.New[int](30*time.Second, 10, clk.now)
	c.Put("a", 1)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %d, %v; want 1, true", v, ok)
	}
	clk.t = clk.t.Add(29 * time.Second)
	if _, ok := c.Get("a"); !ok {
		t.Fatal("entry gone before its lifetime")
	}
	clk.t = clk.t.Add(time.Second)
	if _, ok := c.Get("a"); ok {
		t.Fatal("entry still there at the end of its lifetime")
	}
}

func TestPutUntilNeverOutlivesTheCacheLifetime(t *testing.T) {
	clk := &clock{t: time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)}
	c := cache.New[string](30*time.Second, 10, clk.now)
	c.PutUntil("short", "x", clk.t.Add(5*time.Second))
	c.PutUntil("long", "y", clk.t.Add(time.Hour))
	clk.t = clk.t.Add(6 * time.Second)
	if _, ok := c.Get("short"); ok {
		t.Error("short entry outlived its own expiry")
	}
	if _, ok := c.Get("long"); !ok {
		t.Error("long entry dropped before the cache lifetime")
	}
	clk.t = clk.t.Add(30 * time.Second)
	if _, ok := c.Get("long"); ok {
		t.Error("long entry outlived the cache lifetime")
	}
}

func TestForgetDropsAnAnswerAtOnce(t *testing.T) {
	c := cache.New[bool](time.Minute, 10, nil)
	c.Put("k", true)
	c.Forget("k")
	if _, ok := c.Get("k"); ok {
		t.Fatal("forgotten entry answered")
	}
	c.Put("k", false)
	c.Clear()
	if c.Len() != 0 {
		t.Fatalf("Len after Clear = %d", c.Len())
	}
}

func TestSizeStaysBounded(t *testing.T) {
	clk := &clock{t: time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)}
	c := cache.New[int](time.Minute, 100, clk.now)
	for i := range 1000 {
		c.Put(fmt.Sprint(i), i)
		if c.Len() > 100 {
			t.Fatalf("after %d puts the cache holds %d entries; at most 100", i+1, c.Len())
		}
	}
	// The newest entry is always kept.
	if v, ok := c.Get("999"); !ok || v != 999 {
		t.Fatalf("newest entry lost: %d, %v", v, ok)
	}
	// Replacing an existing key in a full cache evicts nothing.
	n := c.Len()
	c.Put("999", -1)
	if c.Len() != n {
		t.Fatalf("replacing a key changed the size from %d to %d", n, c.Len())
	}
}

func TestConcurrentUse(t *testing.T) {
	c := cache.New[int](time.Minute, 50, nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				k := fmt.Sprint(g*1000 + i%60)
				c.Put(k, i)
				c.Get(k)
				if i%7 == 0 {
					c.Forget(k)
				}
			}
		}()
	}
	wg.Wait()
	if c.Len() > 50 {
		t.Fatalf("cache holds %d entries; at most 50", c.Len())
	}
}
