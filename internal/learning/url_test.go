package learning_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

// snapshot is every learner's projection and evaluated progress in the fixture course.
type snapshot map[string][]any

func takeSnapshot(t *testing.T, l *learning.Service, users []string) snapshot {
	t.Helper()
	ctx := context.Background()
	out := snapshot{}
	for _, u := range users {
		f, err := l.Facts(ctx, u, "kokeilu")
		if err != nil {
			t.Fatal(err)
		}
		if f != nil {
			f.Rev = ""
		}
		p, err := l.ProgressFor(ctx, u, "kokeilu")
		if err != nil {
			t.Fatal(err)
		}
		out[u] = []any{f, p}
	}
	return out
}

func rebuildAll(t *testing.T, l *learning.Service) {
	t.Helper()
	if _, err := l.RebuildAll(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
}

// recordUnder records a learner's lesson events (views, time with a position, marked done),
// page time credited by Taito and Taito's judged statements (a quiz attempt, a post, a comment
// on a peer's and the two forms), all built by l on its own public URL.
func recordUnder(t *testing.T, l *learning.Service, clk *testenv.Clock, p auth.Principal, lessons []string, score float64, tag string) {
	t.Helper()
	ctx := context.Background()
	for _, lesson := range lessons {
		pos := 42.5
		for _, ev := range []learning.Event{{Type: learning.EventViewed}, {Type: learning.EventProgressed, Seconds: 40, Position: &pos}, {Type: learning.EventMarkedDone}} {
			if _, _, err := l.LessonEvent(ctx, p, "kokeilu", lesson, ev); err != nil {
				t.Fatalf("%s %s: %v", lesson, ev.Type, err)
			}
			clk.Advance(7 * time.Second)
		}
		since := clk.Now()
		clk.Advance(75 * time.Second)
		if err := l.CreditPageTime(ctx, p, "kokeilu", lesson, since); err != nil {
			t.Fatal(err)
		}
	}
	id := func(names ...string) string {
		sid, err := l.StatementID(ctx, names...)
		if err != nil {
			t.Fatal(err)
		}
		return sid
	}
	verb := learning.VerbFailed
	if score >= 0.75 {
		verb = learning.VerbPassed
	}
	attempt := "attempt-" + tag
	obj := func(kind, id string) learning.Object {
		return learning.Object{ObjectType: "Activity", ID: l.IRI("kokeilu", kind, id)}
	}
	sts := []learning.Statement{
		{ID: id("quiz-result", p.UserID, tag), Verb: learning.Verb{ID: verb}, Object: obj("quizzes", "alkuvisa"),
			Result: &learning.Result{Score: &learning.Score{Scaled: &score}, Extensions: map[string]any{l.Ext(learning.ExtAttempt): attempt}}},
		{ID: id("post", p.UserID, tag), Verb: learning.Verb{ID: learning.VerbAnswered}, Object: obj("reflections", "viikko-1")},
		{ID: id("comment", p.UserID, tag), Verb: learning.Verb{ID: learning.VerbCommented}, Object: obj("reflections", "viikko-1"),
			Result: &learning.Result{Extensions: map[string]any{l.Ext(learning.ExtPeer): true}}},
		{ID: id("assessment", p.UserID, tag), Verb: learning.Verb{ID: learning.VerbCompleted}, Object: obj("assessments", "alkuarvio")},
		{ID: id("safari", p.UserID, tag), Verb: learning.Verb{ID: learning.VerbCompleted}, Object: obj("safaris", "kela-safari")},
	}
	entries := make([]learning.Entry, len(sts))
	for i, st := range sts {
		st.Actor, st.Timestamp = l.Actor(p.UserID), clk.Now().Format(time.RFC3339Nano)
		entries[i] = learning.Entry{Statement: st, Hash: "test:" + st.ID}
	}
	if _, err := l.RecordJudged(ctx, p.UserID, entries); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
}

// copyDB copies every document of every collection of from into to, as a restore does.
func copyDB(t *testing.T, from, to *mongo.Database) {
	t.Helper()
	ctx := context.Background()
	names, err := from.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		cur, err := from.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		if len(docs) == 0 {
			continue
		}
		all := make([]any, len(docs))
		for i := range docs {
			all[i] = docs[i]
		}
		if _, err := to.Collection(name).InsertMany(ctx, all); err != nil {
			t.Fatalf("copy %s: %v", name, err)
		}
	}
}

// TestProgressSurvivesANewPublicURL records several learners' progress under one public URL,
// then moves Taito to another over the same database: rebuilding every projection gives every
// learner the same facts and progress, new statements under the new URL count with the old
// ones, and a copy of the database restored elsewhere under a third URL rebuilds the same again,
// also from log entries in the form they had before targets were kept.
func TestProgressSurvivesANewPublicURL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := testenv.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	db, courses, l, _ := setupWith(t, clk.Now, withoutLocks)

	var learners []auth.Principal
	var users []string
	for range 3 {
		p := newLearner()
		learners, users = append(learners, p), append(users, p.UserID)
	}
	for i, p := range learners {
		recordUnder(t, l, clk, p, []string{"tervetuloa", "visa"}[:1+i%2], 0.5+0.2*float64(i), "old")
	}
	before := takeSnapshot(t, l, users)
	for _, u := range users {
		if before[u][0] == nil {
			t.Fatalf("%s has no projection", u)
		}
	}

	const moved = "https://taito.example.fi/oppiminen"
	l2 := learning.NewService(db, courses, outbox.New(db, clk.Now), nil, moved, false, clk.Now, quiet)
	if err := l2.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("rebuilt under the new URL", func(t *testing.T) {
		rebuildAll(t, l2)
		if d := cmp.Diff(before, takeSnapshot(t, l2, users)); d != "" {
			t.Errorf("progress after moving (-before +after):\n%s", d)
		}
	})

	t.Run("new statements count with the old", func(t *testing.T) {
		for i, p := range learners {
			recordUnder(t, l2, clk, p, []string{"pohdinta"}, 0.9-0.1*float64(i), "new")
		}
		live := takeSnapshot(t, l2, users)
		for _, u := range users {
			f := live[u][0].(*learning.Facts)
			old := before[u][0].(*learning.Facts)
			for id := range old.Lessons {
				if f.Lessons[id] == nil || f.Lessons[id].ViewedAt.IsZero() {
					t.Errorf("%s: lesson %s viewed before the move is gone", u, id)
				}
			}
			if f.Lessons["pohdinta"] == nil || f.Lessons["pohdinta"].ViewedAt.IsZero() {
				t.Errorf("%s: the lesson viewed after the move does not count", u)
			}
			if n := len(f.Quizzes["alkuvisa"].Attempts); n != 2 {
				t.Errorf("%s: %d quiz attempts, want the one before and the one after the move", u, n)
			}
			if n := len(f.Tasks["viikko-1"].Posts); n != 2 {
				t.Errorf("%s: %d posts, want 2", u, n)
			}
		}
		rebuildAll(t, l2)
		if d := cmp.Diff(live, takeSnapshot(t, l2, users)); d != "" {
			t.Errorf("rebuild under the new URL (-live +rebuilt):\n%s", d)
		}
		rebuildAll(t, l)
		if d := cmp.Diff(live, takeSnapshot(t, l, users)); d != "" {
			t.Errorf("rebuild under the old URL (-live +rebuilt):\n%s", d)
		}
		before = live
	})

	t.Run("restored elsewhere", func(t *testing.T) {
		db3 := testenv.Mongo(t)
		copyDB(t, db, db3)
		courses3 := course.NewService(db3, nil, nil, clk.Now, quiet)
		l3 := learning.NewService(db3, courses3, nil, nil, "http://10.0.0.7:9000", false, clk.Now, quiet)
		if err := l3.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
		rebuildAll(t, l3)
		if d := cmp.Diff(before, takeSnapshot(t, l3, users)); d != "" {
			t.Errorf("progress after a restore (-before +after):\n%s", d)
		}
		// Log entries written before targets were kept carry only the statement.
		res, err := db3.Collection("statements").UpdateMany(ctx, bson.D{}, bson.D{{Key: "$unset", Value: bson.D{{Key: "target", Value: ""}}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.ModifiedCount == 0 {
			t.Fatal("no log entry kept a target")
		}
		rebuildAll(t, l3)
		if d := cmp.Diff(before, takeSnapshot(t, l3, users)); d != "" {
			t.Errorf("progress rebuilt from entries without targets (-before +after):\n%s", d)
		}
	})
}
