package learning_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/outbox"
)

// TestWritersOfOneProjectionLoseNothing has two services over one database (as two replicas
// are) record one learner's statements at the same moments, and checks that her projection is
// what a rebuild from the log makes of it. FerretDB does not apply an update atomically among
// connections, so without the projection leases (lease.go) updates are lost here.
func TestWritersOfOneProjectionLoseNothing(t *testing.T) {
	t.Parallel()
	db, courses, a := setup(t)
	b := learning.NewService(db, courses, outbox.New(db, time.Now), nil, issuer, false, time.Now, quiet)
	ctx := context.Background()
	if err := b.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	const user = "two-writers"
	es := randomStatements(rand.New(rand.NewPCG(11, 4)), user, 60)
	var wg sync.WaitGroup
	for w, s := range []*learning.Service{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(es); i += 2 {
				if _, err := s.Record(ctx, learner(user), es[i:i+1]); err != nil {
					t.Errorf("statement %d through writer %d: %v", i, w, err)
				}
			}
		}()
	}
	wg.Wait()
	live, err := a.Facts(ctx, user, "kokeilu")
	if err != nil || live == nil {
		t.Fatalf("no projection: %v", err)
	}
	if err := a.Rebuild(ctx, user, "kokeilu"); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := a.Facts(ctx, user, "kokeilu")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(live, rebuilt, ignoreRev); diff != "" {
		t.Errorf("two writers' projection differs from its rebuild (-live +rebuilt):\n%s", diff)
	}
}
