package auth_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/testenv"
)

// commands records the commands a client sends, as "name collection", and holds back account
// lookups while hold is open, so that a test sees which ones a call waits for.
type commands struct {
	mu   sync.Mutex
	seen []string
	hold chan struct{}
}

func (c *commands) started(_ context.Context, e *event.CommandStartedEvent) {
	coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
	if e.CommandName == "find" && coll == "users" {
		<-c.hold
	}
	c.mu.Lock()
	c.seen = append(c.seen, e.CommandName+" "+coll)
	c.mu.Unlock()
}

// since returns the commands started since the n-th.
func (c *commands) since(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.seen[n:])
}

func (c *commands) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// monitoredDB is a fresh database over a client whose commands c records.
func monitoredDB(t *testing.T, c *commands) *mongo.Database {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(t)).SetMonitor(&event.CommandMonitor{Started: c.started}))
	if err != nil {
		t.Fatal(err)
	}
	db := client.Database(testenv.RandomName("t_"))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = db.Drop(ctx)
		_ = client.Disconnect(ctx)
	})
	return db
}

// TestPasswordResetDoesTheSameWorkForKnownAndUnknownAddresses: a reset request answers after
// the same database work whether or not the address has an account; the account is looked up
// (and the e-mail queued) only after the call has returned.
func TestPasswordResetDoesTheSameWorkForKnownAndUnknownAddresses(t *testing.T) {
	t.Parallel()
	rec := &commands{hold: make(chan struct{})}
	release := sync.OnceFunc(func() { close(rec.hold) })
	t.Cleanup(release)
	db := monitoredDB(t, rec)
	svc := newService(db)
	ctx := context.Background()
	if err := svc.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	admin := auth.Principal{UserID: "a", Roles: []auth.Role{auth.RoleAdmin}}
	if _, _, err := svc.CreateUser(ctx, admin, auth.NewUser{Email: "tunnettu@example.fi", Name: "Tunnettu", Roles: []auth.Role{auth.RoleLearner}, Password: "pitkä salasana 2026"}); err != nil {
		t.Fatal(err)
	}
	work := map[string][]string{}
	for _, addr := range []string{"tunnettu@example.fi", "tuntematon@example.fi"} {
		from := rec.count()
		done := make(chan error, 1)
		go func() { done <- svc.RequestPasswordReset(ctx, addr, "192.0.2.1") }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("%s: %v", addr, err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the request waits for the account lookup", addr)
		}
		work[addr] = rec.since(from)
	}
	if diff := cmp.Diff(work["tuntematon@example.fi"], work["tunnettu@example.fi"]); diff != "" {
		t.Errorf("a known address takes other work than an unknown one (-unknown +known):\n%s", diff)
	}
	for _, c := range work["tunnettu@example.fi"] {
		if c != "findAndModify login_throttle" {
			t.Errorf("the request itself does %q; it should only count the request", c)
		}
	}
	release()
	svc.Wait()
	n, err := db.Collection("outbox").CountDocuments(ctx, map[string]any{})
	if err != nil || n != 1 {
		t.Errorf("%d e-mails queued (%v), want 1: for the known address only", n, err)
	}
}

// TestPasswordResetOfAnInvitedAccountSendsAFreshInvitation: a person whose invitation link has
// expired asks for a new link on the forgot-password page; her account has no password yet, so
// she gets a new invitation (whose link sets her password and name), not a reset link.
func TestPasswordResetOfAnInvitedAccountSendsAFreshInvitation(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	svc := newService(db)
	ctx := context.Background()
	if err := svc.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	admin := auth.Principal{UserID: "a", Roles: []auth.Role{auth.RoleAdmin}}
	if _, _, err := svc.CreateUser(ctx, admin, auth.NewUser{Email: "kutsuttu@example.fi", Name: "Kutsuttu", Roles: []auth.Role{auth.RoleLearner}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection("outbox").DeleteMany(ctx, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	if err := svc.RequestPasswordReset(ctx, "Kutsuttu@example.fi", "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	svc.Wait()
	var jobs []struct {
		ID    string `bson:"_id"`
		Email struct {
			To, Subject, Text string
		} `bson:"email"`
	}
	cur, err := db.Collection("outbox").Find(ctx, map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(ctx, &jobs); err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 {
		t.Fatalf("%d e-mails queued, want 1", len(jobs))
	}
	j := jobs[0]
	i := strings.Index(j.Email.Text, "/invitation?token=")
	if j.Email.To != "kutsuttu@example.fi" || !strings.HasPrefix(j.ID, "invitation:") || i < 0 {
		t.Fatalf("queued %q to %q, want an invitation:\n%s", j.ID, j.Email.To, j.Email.Text)
	}
	tok := j.Email.Text[i+len("/invitation?token="):]
	tok, _ = url.QueryUnescape(tok[:strings.IndexAny(tok, "\n ")])
	name := "Kutsuttu Uudelleen"
	if _, err := svc.AcceptInvitation(ctx, tok, "uusi pitkä salasana", &name); err != nil {
		t.Fatalf("the new invitation's link does not work: %v", err)
	}
	u, err := svc.UserByEmail(ctx, "kutsuttu@example.fi")
	if err != nil || u.Pending || u.Name != name {
		t.Errorf("after accepting: %+v (%v)", u, err)
	}
}
