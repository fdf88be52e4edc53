package learning_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/outbox"
)

// TestMaxCacheLifetimeBoundsTheProjectionCache checks that MaxCacheLifetime shortens how long
// a projection is kept in the cache (so another replica's writes are read within it), and that
// without it the default keeps it.
func TestMaxCacheLifetimeBoundsTheProjectionCache(t *testing.T) {
	t.Parallel()
	db, courses, long := setup(t)
	const lifetime = 150 * time.Millisecond
	short := learning.NewService(db, courses, outbox.New(db, time.Now), nil, issuer, false, time.Now, quiet, learning.MaxCacheLifetime(lifetime))
	ctx := context.Background()
	es := randomStatements(rand.New(rand.NewPCG(3, 3)), "lifetime-learner", 2)
	if _, err := short.Record(ctx, learner("lifetime-learner"), es[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := long.Record(ctx, learner("lifetime-learner"), es[1:]); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*learning.Service{"short": short, "default": long} {
		if _, ok := s.CachedFacts("lifetime-learner", "kokeilu"); !ok {
			t.Fatalf("%s: nothing cached right after recording", name)
		}
	}
	time.Sleep(2 * lifetime)
	if _, ok := short.CachedFacts("lifetime-learner", "kokeilu"); ok {
		t.Errorf("the projection is still cached %s after recording, beyond its %s lifetime", 2*lifetime, lifetime)
	}
	if _, ok := long.CachedFacts("lifetime-learner", "kokeilu"); !ok {
		t.Error("the default lifetime dropped the projection within a second")
	}
}

// TestLiveEqualsRebuildWithFinerTimes records statements stamped by the server and statements
// whose timestamps carry nanoseconds: the log keeps milliseconds, so the live projection must
// be made from the same times as a rebuild reads back, or its resume point differs.
func TestLiveEqualsRebuildWithFinerTimes(t *testing.T) {
	t.Parallel()
	_, _, l := setup(t)
	ctx := context.Background()
	const user = "nanosecond-learner"
	es := randomStatements(rand.New(rand.NewPCG(5, 8)), user, 24)
	for i := range es {
		st := &es[i].Statement
		if i%2 == 0 {
			st.Timestamp = "" // stamped on arrival
		} else {
			ts, err := time.Parse(time.RFC3339Nano, st.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			st.Timestamp = ts.Add(123456 * time.Nanosecond).Format(time.RFC3339Nano)
		}
		es[i].Hash = learning.HashOf(*st)
	}
	for i := range es {
		if _, err := l.Record(ctx, learner(user), es[i:i+1]); err != nil {
			t.Fatal(err)
		}
	}
	live, err := l.Facts(ctx, user, "kokeilu")
	if err != nil || live == nil {
		t.Fatalf("no projection: %v", err)
	}
	if err := l.Rebuild(ctx, user, "kokeilu"); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := l.Facts(ctx, user, "kokeilu")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(live, rebuilt, ignoreRev); diff != "" {
		t.Errorf("the live projection differs from its rebuild (-live +rebuilt):\n%s", diff)
	}
}
