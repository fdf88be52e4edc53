package learning_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

const issuer = "http://taito.test"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// setup publishes the importer's fixture course without its locks (these tests are about the
// log and the projection, so that any statement may come in any order) in a fresh database
// and returns a learning service over db.
func setup(t testing.TB) (*mongo.Database, *course.Service, *learning.Service) {
	t.Helper()
	db, courses, l, _ := setupWith(t, time.Now, withoutLocks)
	return db, courses, l
}

// withoutLocks opens every module and lesson of a course at once.
func withoutLocks(co *course.Course) {
	for i := range co.Modules {
		co.Modules[i].Prerequisites, co.Modules[i].Sequential = nil, false
	}
}

// setupWith publishes the fixture course, changed by the changes given, in a fresh database and
// returns a learning service over it on the clock now, and the whole Taito.
func setupWith(t testing.TB, now func() time.Time, changes ...func(*course.Course)) (*mongo.Database, *course.Service, *learning.Service, *app.App) {
	t.Helper()
	a, db := testenv.App(t, now)
	co, fsys := testenv.Fixture(t)
	for _, change := range changes {
		change(co)
	}
	if _, err := a.ImportCourse(context.Background(), co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	courses := a.Courses
	ctx := context.Background()
	l := learning.NewService(db, courses, outbox.New(db, now), nil, issuer, false, now, quiet)
	if err := l.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	return db, courses, l, a
}

// randomStatements makes n statements about the fixture course by user, spread over a week.
func randomStatements(r *rand.Rand, user string, n int) []learning.Entry {
	base := time.Date(2026, 2, 2, 8, 0, 0, 0, time.UTC)
	lessons := []string{"tervetuloa", "visa", "pohdinta", "arvio", "safari", "lopuksi"}
	actor := learning.Agent{ObjectType: "Agent", Account: &learning.Account{HomePage: issuer, Name: user}}
	var out []learning.Entry
	for i := 0; i < n; i++ {
		ts := base.Add(time.Duration(r.IntN(7*24*3600*1000)) * time.Millisecond)
		st := learning.Statement{ID: uuid.NewString(), Actor: actor, Timestamp: ts.Format(time.RFC3339Nano)}
		obj := func(kind, id string) learning.Object {
			return learning.Object{ObjectType: "Activity", ID: issuer + "/courses/kokeilu/" + kind + "/" + id}
		}
		switch r.IntN(7) {
		case 0:
			st.Verb, st.Object = learning.Verb{ID: learning.VerbExperienced}, obj("lessons", lessons[r.IntN(len(lessons))])
		case 1:
			pos := float64(r.IntN(600))
			st.Verb, st.Object = learning.Verb{ID: learning.VerbProgressed}, obj("lessons", lessons[r.IntN(len(lessons))])
			st.Result = &learning.Result{Duration: fmt.Sprintf("PT%dS", 1+r.IntN(120)), Extensions: map[string]any{issuer + learning.ExtPosition: pos}}
		case 2:
			score := float64(r.IntN(101)) / 100
			verb := learning.VerbFailed
			if score >= 0.75 {
				verb = learning.VerbPassed
			}
			st.Verb, st.Object = learning.Verb{ID: verb}, obj("quizzes", "alkuvisa")
			st.Result = &learning.Result{Score: &learning.Score{Scaled: &score}}
		case 3:
			st.Verb, st.Object = learning.Verb{ID: learning.VerbAnswered}, obj("reflections", "viikko-1")
		case 4:
			st.Verb, st.Object = learning.Verb{ID: learning.VerbCommented}, obj("reflections", "viikko-1")
			st.Result = &learning.Result{Extensions: map[string]any{issuer + learning.ExtPeer: true}}
		case 5:
			forms := []string{"assessments/alkuarvio", "safaris/kela-safari"}
			kind, id, _ := strings.Cut(forms[r.IntN(2)], "/")
			st.Verb, st.Object = learning.Verb{ID: learning.VerbCompleted}, obj(kind, id)
		case 6:
			st.Verb, st.Object = learning.Verb{ID: learning.VerbCompleted}, obj("lessons", "lopuksi")
		}
		out = append(out, learning.Entry{Statement: st, Hash: learning.HashOf(st)})
	}
	return out
}

// TestRebuildEqualsLiveWhateverTheOrder applies the same statements in random orders, with
// duplicates, and checks that the live projection, its rebuild from the log, and the projection
// of another learner who sent them in another order are all the same.
func TestRebuildEqualsLiveWhateverTheOrder(t *testing.T) {
	t.Parallel()
	// A fixed server clock: time is credited per 30-second bucket of the receive time, so on the
	// real clock the two learners' sends could fall in different buckets and differ by design.
	clk := testenv.NewClock(time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC))
	_, courses, l, _ := setupWith(t, clk.Now, withoutLocks)
	ctx := context.Background()
	for seed := uint64(1); seed <= 4; seed++ {
		r := rand.New(rand.NewPCG(seed, seed*7))
		userA, userB := "a-"+uuid.NewString(), "b-"+uuid.NewString()
		entries := randomStatements(r, userA, 40)
		send := func(user string, es []learning.Entry) {
			p := auth.Principal{UserID: user, Roles: []auth.Role{auth.RoleLearner}}
			order := r.Perm(len(es))
			var batch []learning.Entry
			for _, i := range order {
				batch = append(batch, es[i])
				if r.IntN(3) == 0 { // a retry of something already sent
					batch = append(batch, es[order[r.IntN(len(order))]])
				}
			}
			for len(batch) > 0 {
				n := min(len(batch), 1+r.IntN(10))
				if _, err := l.Record(ctx, p, batch[:n]); err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				batch = batch[n:]
			}
		}
		send(userA, entries)
		// The same experiences as another learner: same content, her own ids and actor.
		var forB []learning.Entry
		for _, e := range entries {
			st := e.Statement
			st.ID = uuid.NewString()
			st.Actor.Account = &learning.Account{HomePage: issuer, Name: userB}
			forB = append(forB, learning.Entry{Statement: st, Hash: learning.HashOf(st)})
		}
		send(userB, forB)

		live, err := l.Facts(ctx, userA, "kokeilu")
		if err != nil || live == nil {
			t.Fatalf("seed %d: live facts: %v %v", seed, live, err)
		}
		if err := l.Rebuild(ctx, userA, "kokeilu"); err != nil {
			t.Fatal(err)
		}
		rebuilt, _ := l.Facts(ctx, userA, "kokeilu")
		if diff := cmp.Diff(live, rebuilt, ignoreRev); diff != "" {
			t.Errorf("seed %d: rebuilt projection differs from the live one (-live +rebuilt):\n%s", seed, diff)
		}
		pub, _ := courses.Published(ctx, "kokeilu")
		now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		want := learning.Evaluate(pub.Course, 1, live, nil, now)
		if diff := cmp.Diff(want, learning.Evaluate(pub.Course, 1, rebuilt, nil, now)); diff != "" {
			t.Errorf("seed %d: evaluation differs:\n%s", seed, diff)
		}
		// Another learner's facts are keyed by her own statement ids; what they add up to is the same.
		other, _ := l.Facts(ctx, userB, "kokeilu")
		if diff := cmp.Diff(want, learning.Evaluate(pub.Course, 1, other, nil, now)); diff != "" {
			t.Errorf("seed %d: the same experiences in another order gave other progress (-a +b):\n%s", seed, diff)
		}
	}
}

// proxy is a TCP relay to the database that can cut every connection at a chosen moment.
type proxy struct {
	ln       net.Listener
	target   string
	writes   atomic.Int64 // client-to-server writes relayed
	cutAfter atomic.Int64 // cut when writes reach this (0: never)
	down     atomic.Bool
	mu       sync.Mutex
	conns    []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if p.down.Load() {
				c.Close()
				continue
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go p.pipe(up, c, true)
			go p.pipe(c, up, false)
		}
	}()
	return p
}

func (p *proxy) pipe(dst, src net.Conn, counted bool) {
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if counted {
				if w := p.writes.Add(1); p.cutAfter.Load() > 0 && w >= p.cutAfter.Load() {
					p.down.Store(true)
					p.cut()
					return
				}
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestRetryAfterTheDatabaseGoesAway cuts the database connection in the middle of a batch,
// then retries the same batch: every statement ends up in the log once and the projection is
// the same as if nothing had happened.
func TestRetryAfterTheDatabaseGoesAway(t *testing.T) {
	t.Parallel()
	db, courses, _ := setup(t)
	ctx := context.Background()
	uri := testenv.MongoURI(t)
	host := strings.TrimSuffix(strings.TrimPrefix(uri, "mongodb://"), "/")
	if i := strings.IndexAny(host, "/?"); i >= 0 {
		host = host[:i]
	}
	px := newProxy(t, host)
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + px.ln.Addr().String() + "/?directConnection=true").
		SetServerSelectionTimeout(2 * time.Second).SetRetryWrites(false).SetRetryReads(false).SetMaxPoolSize(1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	flaky := learning.NewService(client.Database(db.Name()), courses, outbox.New(client.Database(db.Name()), time.Now), nil, issuer, false, time.Now, quiet)

	user := "retry-" + uuid.NewString()
	p := auth.Principal{UserID: user, Roles: []auth.Role{auth.RoleLearner}}
	entries := randomStatements(rand.New(rand.NewPCG(42, 42)), user, 30)
	if err := client.Ping(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// The batch's marker goes first, then its statements in one InsertMany; the cut comes with
	// the next write, the projection update: the log has the statements, the projection does not.
	px.cutAfter.Store(px.writes.Load() + 3)
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	recs, err := flaky.Record(cctx, p, entries)
	cancel()
	if err == nil {
		t.Fatalf("the batch succeeded although the connection was cut (%d recorded)", len(recs))
	}
	if n, _ := db.Collection("statements").CountDocuments(ctx, map[string]any{"user": user}); n != int64(len(entries)) {
		t.Fatalf("%d of %d statements in the log when the cut came; want the cut between the log and the projection", n, len(entries))
	}
	if n, err := db.Collection("progress").CountDocuments(ctx, map[string]any{"_id": user + ":kokeilu"}); err != nil || n != 0 {
		t.Fatalf("the projection was written although the cut came before it (%d, %v)", n, err)
	}
	// The database comes back; the client retries the whole batch with the same ids.
	px.cutAfter.Store(0)
	px.down.Store(false)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err = flaky.Record(ctx, p, entries)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("retry after the database came back: %v", err)
	}
	n, err := db.Collection("statements").CountDocuments(ctx, map[string]any{"user": user, "system": map[string]any{"$ne": true}})
	if err != nil || n != int64(len(entries)) {
		t.Fatalf("%d statements in the log after the retry, want %d (%v)", n, len(entries), err)
	}
	live, _ := flaky.Facts(ctx, user, "kokeilu")
	if err := flaky.Rebuild(ctx, user, "kokeilu"); err != nil {
		t.Fatal(err)
	}
	rebuilt, _ := flaky.Facts(ctx, user, "kokeilu")
	if diff := cmp.Diff(live, rebuilt, ignoreRev); diff != "" {
		t.Errorf("after the retry the projection is not what the log says (-live +rebuilt):\n%s", diff)
	}
}
