package learning_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/testenv"
)

func obj(kind, id string) learning.Object {
	if kind == "" {
		return learning.Object{ObjectType: "Activity", ID: issuer + "/courses/kokeilu"}
	}
	return learning.Object{ObjectType: "Activity", ID: issuer + "/courses/kokeilu/" + kind + "/" + id}
}

func agent(user string) learning.Agent {
	return learning.Agent{ObjectType: "Agent", Account: &learning.Account{HomePage: issuer, Name: user}}
}

// judged makes the statements Taito's services write for a graded quiz attempt, a post, a
// comment on a peer's post and the two submitted forms, each with an id from StatementID.
func judged(t testing.TB, l *learning.Service, user string, score float64, at time.Time) []learning.Entry {
	t.Helper()
	id := func(names ...string) string {
		sid, err := l.StatementID(context.Background(), names...)
		if err != nil {
			t.Fatal(err)
		}
		return sid
	}
	ts := at.Format(time.RFC3339Nano)
	verb := learning.VerbFailed
	if score >= 0.75 {
		verb = learning.VerbPassed
	}
	attempt := uuid.NewString()
	sts := []learning.Statement{
		{ID: id("quiz-result", attempt), Verb: learning.Verb{ID: verb}, Object: obj("quizzes", "alkuvisa"),
			Result: &learning.Result{Score: &learning.Score{Scaled: &score}, Extensions: map[string]any{issuer + learning.ExtAttempt: attempt}}},
		{ID: id("post", attempt), Verb: learning.Verb{ID: learning.VerbAnswered}, Object: obj("reflections", "viikko-1")},
		{ID: id("comment", attempt), Verb: learning.Verb{ID: learning.VerbCommented}, Object: obj("reflections", "viikko-1"),
			Result: &learning.Result{Extensions: map[string]any{issuer + learning.ExtPeer: true}}},
		{ID: id("assessment", attempt), Verb: learning.Verb{ID: learning.VerbCompleted}, Object: obj("assessments", "alkuarvio")},
		{ID: id("safari", attempt), Verb: learning.Verb{ID: learning.VerbCompleted}, Object: obj("safaris", "kela-safari")},
	}
	out := make([]learning.Entry, len(sts))
	for i, st := range sts {
		st.Actor, st.Timestamp = agent(user), ts
		out[i] = learning.Entry{Statement: st, Hash: "test:" + st.ID}
	}
	return out
}

// judgedPart is what only Taito's own statements may change in a projection.
func judgedPart(f *learning.Facts) any {
	if f == nil {
		return nil
	}
	return []any{f.Quizzes, f.Tasks, f.Forms}
}

// TestRebuildKeepsEachFactsAuthority records Taito's judged statements and a learner's own in
// random orders and checks that the rebuild from the log gives the judged facts back exactly,
// and that the learner's copies of the same judgements count for nothing.
func TestRebuildKeepsEachFactsAuthority(t *testing.T) {
	t.Parallel()
	_, _, l := setup(t)
	ctx := context.Background()
	for seed := uint64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewPCG(seed, 3))
		user := "j-" + uuid.NewString()
		at := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
		var server, client []learning.Entry
		for i := range 3 {
			server = append(server, judged(t, l, user, float64(i)/2, at.Add(time.Duration(i)*time.Hour))...)
		}
		client = randomStatements(r, user, 30)
		for _, i := range r.Perm(len(server) + len(client)) {
			var err error
			if i < len(server) {
				_, err = l.RecordJudged(ctx, user, server[i:i+1])
			} else {
				_, err = l.Record(ctx, learner(user), client[i-len(server):i-len(server)+1])
			}
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
		}
		live, _ := l.Facts(ctx, user, "kokeilu")
		if live == nil || len(live.Quizzes["alkuvisa"].Attempts) != 3 || len(live.Tasks["viikko-1"].Posts) != 3 || len(live.Forms) != 2 {
			t.Fatalf("seed %d: the judged statements are not all in the projection: %+v", seed, live)
		}
		if err := l.Rebuild(ctx, user, "kokeilu"); err != nil {
			t.Fatal(err)
		}
		rebuilt, _ := l.Facts(ctx, user, "kokeilu")
		if diff := cmp.Diff(live, rebuilt, ignoreRev); diff != "" {
			t.Errorf("seed %d: rebuilt projection differs from the live one (-live +rebuilt):\n%s", seed, diff)
		}
	}
}

// TestClientTimeIsBoundedByTheServerClock sends progressed statements claiming far more time
// than has passed: each 30-second bucket of the server's clock credits at most 35 seconds,
// whatever the statement's duration or timestamp, and the sum is the same in any order.
func TestClientTimeIsBoundedByTheServerClock(t *testing.T) {
	t.Parallel()
	clk := testenv.NewClock(time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC))
	_, _, l, _ := setupWith(t, clk.Now, withoutLocks)
	ctx := context.Background()
	progressed := func(user, duration string, stamp time.Time) learning.Entry {
		st := learning.Statement{ID: uuid.NewString(), Actor: agent(user), Verb: learning.Verb{ID: learning.VerbProgressed}, Object: obj("lessons", "tervetuloa"),
			Result: &learning.Result{Duration: duration}, Timestamp: stamp.Format(time.RFC3339Nano)}
		return learning.Entry{Statement: st, Hash: learning.HashOf(st)}
	}
	seconds := func(user string) int {
		f, _ := l.Facts(ctx, user, "kokeilu")
		if f == nil || f.Lessons["tervetuloa"] == nil {
			return 0
		}
		return f.Lessons["tervetuloa"].Seconds()
	}
	user := "t-" + uuid.NewString()
	// Ten minutes claimed right after opening, with timestamps spread over the past hour.
	var batch []learning.Entry
	for i := range 10 {
		batch = append(batch, progressed(user, "PT600S", clk.Now().Add(-time.Duration(i)*6*time.Minute)))
	}
	if _, err := l.Record(ctx, learner(user), batch); err != nil {
		t.Fatal(err)
	}
	if got := seconds(user); got != 35 {
		t.Errorf("PT600S ten times in one moment credited %d seconds, want 35", got)
	}
	clk.Advance(30 * time.Second)
	if _, err := l.Record(ctx, learner(user), []learning.Entry{progressed(user, "PT20S", clk.Now())}); err != nil {
		t.Fatal(err)
	}
	if got := seconds(user); got != 55 {
		t.Errorf("after another bucket with 20 seconds: %d seconds, want 55", got)
	}
	// A retry later is the same statement: it counts in the bucket it was received in.
	clk.Advance(time.Minute)
	if _, err := l.Record(ctx, learner(user), batch[:1]); err != nil {
		t.Fatal(err)
	}
	if got := seconds(user); got != 55 {
		t.Errorf("a retry a minute later changed the time to %d seconds, want 55", got)
	}
	live, _ := l.Facts(ctx, user, "kokeilu")
	if err := l.Rebuild(ctx, user, "kokeilu"); err != nil {
		t.Fatal(err)
	}
	rebuilt, _ := l.Facts(ctx, user, "kokeilu")
	if diff := cmp.Diff(live, rebuilt, ignoreRev); diff != "" {
		t.Errorf("rebuilt time differs (-live +rebuilt):\n%s", diff)
	}
}

// TestServerStatementIDsCannotBeClaimed derives a statement id twice (the same), for other
// names (another), on another service over the same database (the same key), and checks that
// a learner who sends a statement with a judged statement's id is refused and changes nothing.
func TestServerStatementIDsCannotBeClaimed(t *testing.T) {
	t.Parallel()
	db, courses, l := setup(t)
	ctx := context.Background()
	other := learning.NewService(db, courses, nil, nil, issuer, false, time.Now, quiet)
	a, _ := l.StatementID(ctx, "assessment", "x")
	b, _ := other.StatementID(ctx, "assessment", "x")
	c, _ := l.StatementID(ctx, "assessment", "y")
	if a != b || a == c {
		t.Fatalf("ids: %s and %s on two replicas, %s for other names", a, b, c)
	}
	if a == uuid.NewSHA1(uuid.NameSpaceURL, []byte("assessment/x")).String() {
		t.Fatal("the id is a public name's UUIDv5")
	}
	user := "s-" + uuid.NewString()
	server := judged(t, l, user, 1, time.Now().Add(-time.Hour))
	// A client sending a judged statement's id first, with her own content, is recorded; the
	// server's write then conflicts and says so.
	claim := server[3]
	claim.Hash = learning.HashOf(claim.Statement)
	if _, err := l.Record(ctx, learner(user), []learning.Entry{claim}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.RecordJudged(ctx, user, server[3:4]); !errors.Is(err, learning.ErrConflict) {
		t.Errorf("a judged statement whose id a client took: %v, want ErrConflict", err)
	}
	// The other way round: the server's statement first, the client's copy is refused.
	if _, err := l.RecordJudged(ctx, user, server[:1]); err != nil {
		t.Fatal(err)
	}
	before, _ := l.Facts(ctx, user, "kokeilu")
	copied := server[0]
	copied.Hash = learning.HashOf(copied.Statement)
	if _, err := l.Record(ctx, learner(user), []learning.Entry{copied}); !errors.Is(err, learning.ErrConflict) {
		t.Errorf("a client resending Taito's statement: %v, want ErrConflict", err)
	}
	void := learning.Statement{ID: uuid.NewString(), Actor: agent(user), Verb: learning.Verb{ID: learning.VerbVoided},
		Object: learning.Object{ObjectType: "StatementRef", ID: server[0].Statement.ID}}
	if _, err := l.Record(ctx, learner(user), []learning.Entry{{Statement: void, Hash: learning.HashOf(void)}}); apperr.KindOf(err) != apperr.KindConflict {
		t.Errorf("a client voiding Taito's statement: %v, want a conflict", err)
	}
	after, _ := l.Facts(ctx, user, "kokeilu")
	if diff := cmp.Diff(judgedPart(before), judgedPart(after)); diff != "" {
		t.Errorf("the client changed judged facts (-before +after):\n%s", diff)
	}
}

// TestBatchesAreAllOrNothing sends batches with one bad part: nothing of them is stored.
func TestBatchesAreAllOrNothing(t *testing.T) {
	t.Parallel()
	db, _, l := setup(t)
	ctx := context.Background()
	user := "b-" + uuid.NewString()
	view := func() learning.Entry {
		st := learning.Statement{ID: uuid.NewString(), Actor: agent(user), Verb: learning.Verb{ID: learning.VerbExperienced}, Object: obj("lessons", "tervetuloa")}
		return learning.Entry{Statement: st, Hash: learning.HashOf(st)}
	}
	unknownVoid := learning.Statement{ID: uuid.NewString(), Actor: agent(user), Verb: learning.Verb{ID: learning.VerbVoided},
		Object: learning.Object{ObjectType: "StatementRef", ID: uuid.NewString()}}
	twice := view()
	changed := twice
	changed.Statement.Verb.ID = learning.VerbCompleted
	changed.Hash = learning.HashOf(changed.Statement)
	for _, c := range []struct {
		name  string
		batch []learning.Entry
		kind  apperr.Kind
	}{
		{"a void of an unknown statement", []learning.Entry{view(), view(), view(), {Statement: unknownVoid, Hash: learning.HashOf(unknownVoid)}}, apperr.KindNotFound},
		{"one id twice with other content", []learning.Entry{twice, view(), changed}, apperr.KindConflict},
	} {
		if _, err := l.Record(ctx, learner(user), c.batch); apperr.KindOf(err) != c.kind {
			t.Errorf("%s: %v, want %v", c.name, err, c.kind)
		}
		if n, _ := db.Collection("statements").CountDocuments(ctx, map[string]any{"user": user}); n != 0 {
			t.Errorf("%s: %d statements stored", c.name, n)
		}
	}
}

// TestOneLockCheck refuses, on the fixture with its locks, a client's statement about a locked
// lesson and every learner's activity there, and lets a batch open what it needs in order.
func TestOneLockCheck(t *testing.T) {
	t.Parallel()
	_, _, l, a := setupWith(t, time.Now)
	ctx := context.Background()
	user := "l-" + uuid.NewString()
	me := learner(user)
	statement := func(verb, kind, id string) learning.Entry {
		st := learning.Statement{ID: uuid.NewString(), Actor: agent(user), Verb: learning.Verb{ID: verb}, Object: obj(kind, id)}
		return learning.Entry{Statement: st, Hash: learning.HashOf(st)}
	}
	wantLocked := func(name string, err error) {
		t.Helper()
		var le *learning.LockedError
		if !errors.Is(err, learning.ErrLocked) || !errors.As(err, &le) || le.Lock.Message["fi"] == "" {
			t.Errorf("%s: %v, want ErrLocked with its reason", name, err)
		}
	}
	_, err := l.Record(ctx, me, []learning.Entry{statement(learning.VerbCompleted, "lessons", "lopuksi")})
	wantLocked("completed on a module that waits for another", err)
	_, err = l.Record(ctx, me, []learning.Entry{statement(learning.VerbCompleted, "lessons", "visa")})
	wantLocked("completed on a lesson after an unviewed one", err)
	for _, c := range []struct{ kind, id string }{{"quizzes", "alkuvisa"}, {"reflections", "viikko-1"}, {"assessments", "alkuarvio"}, {"safaris", "kela-safari"}, {"lessons", "arvio"}} {
		wantLocked("CheckOpen "+c.kind, a.Learning.CheckOpen(ctx, me, "kokeilu", c.kind, c.id))
	}
	if err := a.Learning.CheckReadable(ctx, me, "kokeilu", "arvio", "sv"); !errors.Is(err, learning.ErrLessonLocked) || apperr.KindOf(err) != apperr.KindForbidden {
		t.Errorf("reading a locked lesson: %v", err)
	}
	// Viewing the first lesson opens the second within the same batch.
	if _, err := l.Record(ctx, me, []learning.Entry{statement(learning.VerbExperienced, "lessons", "tervetuloa"), statement(learning.VerbExperienced, "lessons", "visa")}); err != nil {
		t.Errorf("a batch that opens what it needs: %v", err)
	}
	if err := a.Learning.CheckOpen(ctx, me, "kokeilu", "quizzes", "alkuvisa"); err != nil {
		t.Errorf("the quiz of an open lesson: %v", err)
	}
	trainer := me
	trainer.Roles = append(trainer.Roles, "trainer")
	if err := a.Learning.CheckOpen(ctx, trainer, "kokeilu", "assessments", "alkuarvio"); err != nil {
		t.Errorf("a trainer is held by a lock: %v", err)
	}
}

var fuzzTargets = []learning.Object{
	obj("", ""), obj("modules", "alku"), obj("modules", "harjoitus"),
	obj("lessons", "tervetuloa"), obj("lessons", "visa"), obj("lessons", "pohdinta"), obj("lessons", "arvio"), obj("lessons", "safari"), obj("lessons", "lopuksi"),
	obj("quizzes", "alkuvisa"), obj("reflections", "viikko-1"), obj("assessments", "alkuarvio"), obj("safaris", "kela-safari"),
}

var fuzzVerbs = []string{learning.VerbExperienced, learning.VerbProgressed, learning.VerbCompleted, learning.VerbPassed, learning.VerbFailed,
	learning.VerbAnswered, learning.VerbCommented, learning.VerbAttempted, learning.VerbVoided}

// FuzzClientStatementsNeverJudge sends a learner's client statements of any verb, object,
// result and extensions (Taito's own extension keys, a claimed authority, a judged statement's
// id, a voiding of it) to a learner who has a failed quiz attempt and a post without a peer
// comment from Taito, and fails when any of them changes a judged fact or completes a lesson
// whose rule someone else judges, or the course.
func FuzzClientStatementsNeverJudge(f *testing.F) {
	f.Add(uint8(3), uint8(9), []byte(`{"score":{"scaled":1},"success":true,"completion":true}`), uint8(0))
	f.Add(uint8(4), uint8(9), []byte(`{"score":{"scaled":0.9}}`), uint8(1))
	f.Add(uint8(5), uint8(10), []byte(`{"response":"x"}`), uint8(0))
	f.Add(uint8(6), uint8(10), []byte(`{"extensions":{"http://taito.test/xapi/extensions/peer":true}}`), uint8(2))
	f.Add(uint8(2), uint8(11), []byte(`{"completion":true}`), uint8(0))
	f.Add(uint8(2), uint8(12), []byte(`{"completion":true,"success":true}`), uint8(2))
	f.Add(uint8(2), uint8(0), []byte(`{"completion":true}`), uint8(0))
	f.Add(uint8(2), uint8(4), []byte(`{"completion":true,"score":{"scaled":1}}`), uint8(0))
	f.Add(uint8(2), uint8(5), []byte(`{}`), uint8(0))
	f.Add(uint8(2), uint8(6), []byte(`{}`), uint8(0))
	f.Add(uint8(2), uint8(7), []byte(`{}`), uint8(0))
	f.Add(uint8(1), uint8(4), []byte(`{"duration":"PT10M"}`), uint8(0))
	f.Add(uint8(3), uint8(9), []byte(`{"score":{"scaled":1},"extensions":{"http://taito.test/xapi/extensions/attempt":"a1"}}`), uint8(3))
	f.Add(uint8(8), uint8(0), []byte(`{}`), uint8(4))
	f.Add(uint8(3), uint8(4), []byte(`{"score":{"scaled":1}}`), uint8(5))

	_, courses, l := setup(f)
	ctx := context.Background()
	user := "z-" + uuid.NewString()
	server := judged(f, l, user, 0.5, time.Now().Add(-time.Hour))
	if _, err := l.RecordJudged(ctx, user, server[:2]); err != nil { // a failed attempt, a post
		f.Fatal(err)
	}
	before, _ := l.Facts(ctx, user, "kokeilu")
	pub, err := courses.Published(ctx, "kokeilu")
	if err != nil {
		f.Fatal(err)
	}
	judgedLessons := map[string]bool{"visa": true, "pohdinta": true, "arvio": true, "safari": true}

	f.Fuzz(func(t *testing.T, verb, target uint8, result []byte, trick uint8) {
		st := learning.Statement{ID: uuid.NewString(), Actor: agent(user), Verb: learning.Verb{ID: fuzzVerbs[int(verb)%len(fuzzVerbs)]},
			Object: fuzzTargets[int(target)%len(fuzzTargets)]}
		if len(result) > 0 {
			var r learning.Result
			if json.Unmarshal(result, &r) == nil {
				st.Result = &r
			}
		}
		switch trick % 6 {
		case 1: // Taito's authority claimed
			st.Authority = &learning.Agent{ObjectType: "Agent", Name: "Taito", Account: &learning.Account{HomePage: issuer, Name: "taito"}}
		case 2: // Taito's statement's id
			st.ID = server[0].Statement.ID
		case 3: // a voiding of Taito's statement
			st.Verb, st.Object = learning.Verb{ID: learning.VerbVoided}, learning.Object{ObjectType: "StatementRef", ID: server[1].Statement.ID}
		case 4: // Taito's post's id with a peer comment
			st.ID = server[1].Statement.ID
		case 5: // an old timestamp
			st.Timestamp = "2001-01-01T00:00:00Z"
		}
		_, _ = l.Record(ctx, learner(user), []learning.Entry{{Statement: st, Hash: learning.HashOf(st)}})
		after, err := l.Facts(ctx, user, "kokeilu")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(judgedPart(before), judgedPart(after)); diff != "" {
			t.Fatalf("a client statement changed judged facts (-before +after):\n%s", diff)
		}
		p := learning.Evaluate(pub.Course, pub.Version, after, nil, time.Now())
		if p.State == learning.StateCompleted {
			t.Fatal("a client statement completed the course")
		}
		for _, m := range p.Modules {
			for _, lp := range m.Lessons {
				if judgedLessons[lp.ID] && lp.State == learning.StateCompleted {
					t.Fatalf("a client statement completed %s, whose rule Taito judges", lp.ID)
				}
			}
		}
	})
}
