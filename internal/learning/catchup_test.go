package learning_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/outbox"
)

// markers returns how many statement markers are in db, waiting up to five seconds for them
// to go down to want (a group-commit leader that stops leaves its marker for a second to the
// next one).
func markers(t *testing.T, db *mongo.Database, want int64) int64 {
	t.Helper()
	var n int64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if n, err = db.Collection("statement_batches").CountDocuments(context.Background(), bson.D{}); err != nil {
			t.Fatal(err)
		}
		if n <= want || time.Now().After(deadline) {
			return n
		}
	}
}

// rebuiltEqualsLive rebuilds each learner's projection and reports how it differs from the
// live one it replaces.
func rebuiltEqualsLive(t *testing.T, l *learning.Service, users ...string) {
	t.Helper()
	ctx := context.Background()
	for _, u := range users {
		live, err := l.Facts(ctx, u, "kokeilu")
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Rebuild(ctx, u, "kokeilu"); err != nil {
			t.Fatal(err)
		}
		rebuilt, err := l.Facts(ctx, u, "kokeilu")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(rebuilt, live, ignoreRev); diff != "" {
			t.Errorf("%s: the live projection differs from a rebuild from the log (-rebuilt +live):\n%s", u, diff)
		}
	}
}

// TestCatchUpAppliesWhatACrashLeftInTheLog stops group-commit flushes and a voiding after their
// statements reached the log and before their projections were written, as a crash would, and
// checks that a catch-up leaves every projection equal to a rebuild from the log, only once the
// grace period has passed, and that running it again changes nothing.
func TestCatchUpAppliesWhatACrashLeftInTheLog(t *testing.T) {
	t.Parallel()
	db, _, l := setup(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(20, 20))
	a, b := "cu-"+uuid.NewString(), "cu-"+uuid.NewString()

	// a has recorded some statements; then a flush of hers and the first of b's stop half-way.
	live := randomStatements(r, a, 12)
	if _, err := l.Record(ctx, learner(a), live); err != nil {
		t.Fatal(err)
	}
	if n := markers(t, db, 0); n != 0 {
		t.Fatalf("%d markers after a flush that finished; want none", n)
	}
	lost := map[string][]learning.Entry{a: randomStatements(r, a, 9), b: randomStatements(r, b, 7)}
	for u, es := range lost {
		if err := l.LogWithoutApplying(ctx, u, es); err != nil {
			t.Fatal(err)
		}
	}
	// a's voiding of her first statement stops after the voiding is logged.
	voiding := learning.Statement{ID: uuid.NewString(), Actor: live[0].Statement.Actor, Verb: learning.Verb{ID: learning.VerbVoided},
		Object: learning.Object{ObjectType: "StatementRef", ID: live[0].Statement.ID}, Timestamp: time.Now().UTC().Format(time.RFC3339Nano)}
	if err := l.VoidWithoutApplying(ctx, a, learning.Entry{Statement: voiding, Hash: learning.HashOf(voiding)}); err != nil {
		t.Fatal(err)
	}
	if f, _ := l.Facts(ctx, b, "kokeilu"); f != nil {
		t.Fatalf("b has a projection before the catch-up: %+v", f)
	}
	// A marker that names a statement that never reached the log.
	if _, err := db.Collection("statement_batches").InsertOne(ctx, bson.D{{Key: "_id", Value: "never"},
		{Key: "created", Value: time.Now()}, {Key: "keys", Value: bson.A{bson.D{{Key: "user", Value: b}, {Key: "course", Value: "kokeilu"}}}},
		{Key: "statements", Value: bson.A{uuid.NewString()}}}); err != nil {
		t.Fatal(err)
	}
	if n := markers(t, db, 4); n != 4 {
		t.Fatalf("%d markers; want 4 (two flushes, a voiding, one never logged)", n)
	}

	// Within the grace period nothing is touched: those could be a live flush's.
	if n, err := l.CatchUp(ctx, time.Hour); err != nil || n != 0 {
		t.Fatalf("catch-up within the grace period = %d, %v; want 0", n, err)
	}
	if f, _ := l.Facts(ctx, b, "kokeilu"); f != nil {
		t.Fatal("a catch-up within the grace period applied statements")
	}

	// Two processes catch up at once.
	other := learning.NewService(db, nil, outbox.New(db, time.Now), nil, issuer, false, time.Now, quiet)
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i, s := range []*learning.Service{l, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.CatchUp(ctx, 0)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		}()
	}
	wg.Wait()
	// FerretDB's compare-and-set is not atomic, so both may take a marker: at least every lost
	// statement, none counted twice by one process.
	want := len(lost[a]) + len(lost[b]) + 1
	if counts[0]+counts[1] < want || counts[0] > want || counts[1] > want {
		t.Errorf("the catch-ups applied %v statements; want %d in all (the lost ones and the voiding), each once", counts, want)
	}
	if n := markers(t, db, 0); n != 0 {
		t.Errorf("%d markers left after the catch-up; want none", n)
	}
	var voided struct {
		Voided bool `bson:"voided"`
	}
	if err := db.Collection("statements").FindOne(ctx, bson.D{{Key: "_id", Value: live[0].Statement.ID}}).Decode(&voided); err != nil || !voided.Voided {
		t.Errorf("the statement whose voiding was logged is not flagged voided (%v)", err)
	}
	if n, err := l.CatchUp(ctx, 0); err != nil || n != 0 {
		t.Errorf("a second catch-up = %d, %v; want 0", n, err)
	}
	rebuiltEqualsLive(t, l, a, b)
}

// TestFlushLeavesNoMarker checks that concurrent requests through the group commit leave no
// marker behind, so that a catch-up has nothing to do after normal operation: the markers of
// stopped leaders go by themselves within a second, or at once with ReleaseMarkers (a clean
// stop).
func TestFlushLeavesNoMarker(t *testing.T) {
	t.Parallel()
	db, _, l := setup(t)
	ctx := context.Background()
	r := rand.New(rand.NewPCG(21, 21))
	burst := func() {
		var wg sync.WaitGroup
		for range 8 {
			u := "fl-" + uuid.NewString()
			es := randomStatements(r, u, 5)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := l.Record(ctx, learner(u), es); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	burst()
	if n := markers(t, db, 0); n != 0 {
		t.Errorf("%d markers after flushes that finished; want none", n)
	}
	burst()
	l.ReleaseMarkers(ctx)
	if n, err := db.Collection("statement_batches").CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Errorf("%d markers (%v) after ReleaseMarkers; want none", n, err)
	}
	if n, err := l.CatchUp(ctx, 0); err != nil || n != 0 {
		t.Errorf("catch-up after normal operation = %d, %v; want 0", n, err)
	}
}
