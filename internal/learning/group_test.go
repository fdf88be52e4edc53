package learning_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

// counted is a learning service over its own connection to db, counting the commands it sends
// by name and collection.
type counted struct {
	*learning.Service
	mu   sync.Mutex
	seen map[string]int
}

func newCounted(t *testing.T, db *mongo.Database, l func(*mongo.Database) *learning.Service) *counted {
	t.Helper()
	c := &counted{seen: map[string]int{}}
	mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
		c.mu.Lock()
		c.seen[e.CommandName+" "+coll]++
		c.mu.Unlock()
	}}
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(t)).SetMonitor(mon))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	c.Service = l(client.Database(db.Name()))
	return c
}

func (c *counted) count(cmd string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[cmd]
}

func learner(user string) auth.Principal {
	return auth.Principal{UserID: user, Roles: []auth.Role{auth.RoleLearner}}
}

var ignoreRev = cmpopts.IgnoreFields(learning.Facts{}, "Rev")

// TestConcurrentRequestsAreCommittedTogether sends one statement from each of many learners at
// once (two of them share a learner) and checks that they went to the log in fewer inserts than
// requests, each counted once, and that every projection is what its log says.
func TestConcurrentRequestsAreCommittedTogether(t *testing.T) {
	t.Parallel()
	db, courses, _ := setup(t)
	ctx := context.Background()
	svc := newCounted(t, db, func(d *mongo.Database) *learning.Service {
		return learning.NewService(d, courses, outbox.New(d, time.Now), nil, issuer, false, time.Now, quiet)
	})
	const n = 48
	users := make([]string, n)
	for i := range users {
		users[i] = "g-" + uuid.NewString()
	}
	users[1] = users[0]
	r := rand.New(rand.NewPCG(7, 7))
	entries := make([]learning.Entry, n)
	for i := range entries {
		entries[i] = randomStatements(r, users[i], 1)[0]
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Record(ctx, learner(users[i]), []learning.Entry{entries[i]})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if got := svc.count("insert statements"); got >= n || got == 0 {
		t.Errorf("%d requests went to the log in %d inserts; want them coalesced", n, got)
	}
	for i := range entries {
		if c, _ := db.Collection("statements").CountDocuments(ctx, bson.D{{Key: "_id", Value: entries[i].Statement.ID}}); c != 1 {
			t.Errorf("statement %d is in the log %d times", i, c)
		}
	}
	for _, u := range users[1:] {
		live, _ := svc.Facts(ctx, u, "kokeilu")
		cached, ok := svc.CachedFacts(u, "kokeilu")
		if !ok || live == nil {
			t.Fatalf("%s: no projection (%v) or no cached copy (%v)", u, live, ok)
		}
		if diff := cmp.Diff(live, cached); diff != "" {
			t.Errorf("%s: the cached copy differs from the stored projection (-stored +cached):\n%s", u, diff)
		}
		if err := svc.Rebuild(ctx, u, "kokeilu"); err != nil {
			t.Fatal(err)
		}
		rebuilt, _ := svc.Facts(ctx, u, "kokeilu")
		if diff := cmp.Diff(live, rebuilt, ignoreRev); diff != "" {
			t.Errorf("%s: the projection is not what the log says (-live +rebuilt):\n%s", u, diff)
		}
	}
}

// TestCachedCopyFollowsTheStoredOne records random statements of every kind and checks after
// each request that the in-process copy equals the stored document, revision included: the
// copy's rules for $min, $max and $set are the database's.
func TestCachedCopyFollowsTheStoredOne(t *testing.T) {
	t.Parallel()
	_, _, l := setup(t)
	ctx := context.Background()
	for seed := uint64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		user := "c-" + uuid.NewString()
		es := randomStatements(r, user, 60)
		for len(es) > 0 {
			k := min(len(es), 1+r.IntN(5))
			if _, err := l.Record(ctx, learner(user), es[:k]); err != nil {
				t.Fatal(err)
			}
			stored, _ := l.Facts(ctx, user, "kokeilu")
			cached, ok := l.CachedFacts(user, "kokeilu")
			if !ok {
				t.Fatal("nothing cached after a write")
			}
			if diff := cmp.Diff(stored, cached); diff != "" {
				t.Fatalf("seed %d: cached copy differs (-stored +cached):\n%s", seed, diff)
			}
			es = es[k:]
		}
	}
}

// TestAnotherWriterIsNoticed has two replicas record a learner's statements in turn: each
// replica's cached copy is overtaken by the other's writes, and nothing is lost.
func TestAnotherWriterIsNoticed(t *testing.T) {
	t.Parallel()
	db, courses, a := setup(t)
	b := learning.NewService(db, courses, outbox.New(db, time.Now), nil, issuer, false, time.Now, quiet)
	ctx := context.Background()
	user := "r-" + uuid.NewString()
	es := randomStatements(rand.New(rand.NewPCG(3, 4)), user, 40)
	for i := range es {
		replica := a
		if i%3 == 1 {
			replica = b
		}
		if _, err := replica.Record(ctx, learner(user), es[i:i+1]); err != nil {
			t.Fatal(err)
		}
	}
	live, _ := a.Facts(ctx, user, "kokeilu")
	if err := a.Rebuild(ctx, user, "kokeilu"); err != nil {
		t.Fatal(err)
	}
	rebuilt, _ := a.Facts(ctx, user, "kokeilu")
	if diff := cmp.Diff(live, rebuilt, ignoreRev); diff != "" {
		t.Errorf("two writers lost something (-live +rebuilt):\n%s", diff)
	}
}

// TestNoOpUpdatesAreNotWritten sends a statement again and again: a sole writer, whose copy is
// current, writes the projection once; a replica among others, which reads the projection the
// first time and finds nothing to change, writes nothing then but checks its cached copy by a
// conditional write the second time.
func TestNoOpUpdatesAreNotWritten(t *testing.T) {
	t.Parallel()
	db, courses, _ := setup(t)
	ctx := context.Background()
	mk := func(sole bool) *counted {
		return newCounted(t, db, func(d *mongo.Database) *learning.Service {
			s := learning.NewService(d, courses, outbox.New(d, time.Now), nil, issuer, sole, time.Now, quiet)
			return s
		})
	}
	user := "n-" + uuid.NewString()
	e := randomStatements(rand.New(rand.NewPCG(5, 5)), user, 1)
	sole, replica, fresh := mk(true), mk(false), mk(false)
	for _, c := range []struct {
		name  string
		svc   *counted
		times int
		want  int // projection writes
	}{{"sole writer", sole, 3, 1}, {"replica", replica, 2, 1}, {"fresh read", fresh, 1, 0}} {
		for range c.times {
			if _, err := c.svc.Record(ctx, learner(user), e); err != nil {
				t.Fatal(err)
			}
		}
		if got := c.svc.count("update progress"); got != c.want {
			t.Errorf("%s: %d projection writes for %d sends of one statement, want %d", c.name, got, c.times, c.want)
		}
	}
}

// TestAConflictAnswersOnlyItsRequest commits concurrent requests of which one reuses a
// statement id with other content: that request alone gets ErrConflict.
func TestAConflictAnswersOnlyItsRequest(t *testing.T) {
	t.Parallel()
	_, _, l := setup(t)
	ctx := context.Background()
	user := "k-" + uuid.NewString()
	r := rand.New(rand.NewPCG(9, 9))
	first := randomStatements(r, user, 1)
	if _, err := l.Record(ctx, learner(user), first); err != nil {
		t.Fatal(err)
	}
	clash := randomStatements(r, user, 1)[0]
	clash.Statement.ID = first[0].Statement.ID
	clash.Hash = "other content"
	var wg sync.WaitGroup
	var ok, conflicts atomic.Int64
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := randomStatements(rand.New(rand.NewPCG(uint64(i), 1)), user, 2)
			if i == 5 {
				e[1] = clash
			}
			_, err := l.Record(ctx, learner(user), e)
			switch {
			case err == nil && i != 5:
				ok.Add(1)
			case errors.Is(err, learning.ErrConflict) && i == 5:
				conflicts.Add(1)
			default:
				t.Errorf("request %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 15 || conflicts.Load() != 1 {
		t.Errorf("%d succeeded and %d conflicted, want 15 and 1", ok.Load(), conflicts.Load())
	}
}

// TestFactsOfASoleWriterStayCurrent reads a cohort's projections through a sole writer's
// copies while it records and rebuilds: every answer equals the stored documents.
func TestFactsOfASoleWriterStayCurrent(t *testing.T) {
	t.Parallel()
	db, courses, _ := setup(t)
	ctx := context.Background()
	before := learning.NewService(db, courses, outbox.New(db, time.Now), nil, issuer, false, time.Now, quiet)
	sole := learning.NewService(db, courses, outbox.New(db, time.Now), nil, issuer, true, time.Now, quiet)
	r := rand.New(rand.NewPCG(11, 11))
	users := []string{"f-" + uuid.NewString(), "f-" + uuid.NewString(), "f-" + uuid.NewString()}
	// Written before this process started: nothing of it is cached.
	if _, err := before.Record(ctx, learner(users[0]), randomStatements(r, users[0], 10)); err != nil {
		t.Fatal(err)
	}
	check := func(step string) {
		t.Helper()
		got, err := sole.FactsOf(ctx, "kokeilu", users)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			stored, _ := sole.Facts(ctx, u, "kokeilu")
			if diff := cmp.Diff(stored, got[u]); diff != "" {
				t.Errorf("%s: %s differs from the stored projection (-stored +answered):\n%s", step, u, diff)
			}
		}
	}
	check("cold")
	check("cached")
	for _, u := range users[:2] {
		if _, err := sole.Record(ctx, learner(u), randomStatements(r, u, 10)); err != nil {
			t.Fatal(err)
		}
	}
	check("after recording")
	if err := sole.Rebuild(ctx, users[0], "kokeilu"); err != nil {
		t.Fatal(err)
	}
	check("after a rebuild")
}
