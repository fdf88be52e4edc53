package audit_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/metrics"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var admin = auth.Principal{UserID: "admin-1", Roles: []auth.Role{auth.RoleAdmin}}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// newLog is an audit log over a fresh database, with a clock that starts at t0.
func newLog(t *testing.T) (*audit.Log, *testenv.Clock) {
	t.Helper()
	clk := testenv.NewClock(t0)
	l := audit.New(testenv.Mongo(t), clk.Now, slog.New(slog.DiscardHandler))
	for range 2 { // twice: it must be repeatable
		if err := l.EnsureIndexes(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return l, clk
}

func acts(es []audit.Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Act+":"+e.Actor+">"+e.Subject)
	}
	return strings.Join(out, " ")
}

// TestListFiltersAndPages: entries come newest first, filtered by actor, subject, act and a
// time range, page by page with the last id as cursor; ids sort in recording order even
// within one clock tick; only admins read; bad filters are refused.
func TestListFiltersAndPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, clk := newLog(t)
	ctxIP := audit.WithClientIP(ctx, "192.0.2.7")
	l.Record(ctxIP, audit.Entry{Act: audit.ActSignIn, Actor: "u1", Subject: "u1"})            // 09:00
	l.Record(ctx, audit.Entry{Act: audit.ActSignInFailed, Subject: "u2", IP: "198.51.100.1"}) // 09:00, same tick
	clk.Advance(time.Hour)
	l.Record(ctx, audit.Entry{Act: audit.ActRoleChange, Actor: "admin-1", Subject: "u1", Detail: "learner -> trainer"}) // 10:00
	clk.Advance(time.Hour)
	l.Record(ctx, audit.Entry{Act: audit.ActViewAssessment, Actor: "u1", Subject: "u2", Target: "c1:a1"}) // 11:00
	clk.Advance(time.Hour)
	l.Record(ctx, audit.Entry{Act: audit.ActSignOut, Actor: "u1", Subject: "u1"}) // 12:00

	all, err := l.List(ctx, admin, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := acts(all), "signout:u1>u1 view.assessment:u1>u2 account.role:admin-1>u1 signin.failed:>u2 signin:u1>u1"; got != want {
		t.Fatalf("all:\n got %s\nwant %s", got, want)
	}
	if all[4].IP != "192.0.2.7" || all[3].IP != "198.51.100.1" || !all[4].At.Equal(t0) || all[2].Detail != "learner -> trainer" {
		t.Errorf("entries as stored: %+v", all)
	}
	for _, c := range []struct {
		name string
		f    audit.Filter
		want string
	}{
		{"actor", audit.Filter{Actor: "u1"}, "signout:u1>u1 view.assessment:u1>u2 signin:u1>u1"},
		{"subject", audit.Filter{Subject: "u2"}, "view.assessment:u1>u2 signin.failed:>u2"},
		{"act", audit.Filter{Act: audit.ActRoleChange}, "account.role:admin-1>u1"},
		{"actor and act", audit.Filter{Actor: "u1", Act: audit.ActSignIn}, "signin:u1>u1"},
		{"from", audit.Filter{From: t0.Add(time.Hour)}, "signout:u1>u1 view.assessment:u1>u2 account.role:admin-1>u1"},
		{"to", audit.Filter{To: t0.Add(time.Hour)}, "signin.failed:>u2 signin:u1>u1"},
		{"from to", audit.Filter{From: t0.Add(time.Hour), To: t0.Add(2*time.Hour + time.Second)}, "view.assessment:u1>u2 account.role:admin-1>u1"},
		{"nothing", audit.Filter{Actor: "nobody"}, ""},
	} {
		got, err := l.List(ctx, admin, c.f)
		if err != nil || acts(got) != c.want {
			t.Errorf("%s: got %q %v, want %q", c.name, acts(got), err, c.want)
		}
	}

	// Paging: two at a time, the last id the cursor, together the whole log once.
	var paged []audit.Entry
	before := ""
	for range 10 {
		page, err := l.List(ctx, admin, audit.Filter{Limit: 2, Before: before})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, page...)
		if len(page) < 2 {
			break
		}
		before = page[len(page)-1].ID
	}
	if acts(paged) != acts(all) {
		t.Errorf("paged:\n got %s\nwant %s", acts(paged), acts(all))
	}
	page, err := l.List(ctx, admin, audit.Filter{Actor: "u1", Limit: 1, Before: all[0].ID})
	if err != nil || acts(page) != "view.assessment:u1>u2" {
		t.Errorf("filtered page: %s %v", acts(page), err)
	}

	trainer := auth.Principal{UserID: "t", Roles: []auth.Role{auth.RoleTrainer}}
	if _, err := l.List(ctx, trainer, audit.Filter{}); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a trainer reads the log: %v", err)
	}
	for _, f := range []audit.Filter{{Limit: -1}, {Limit: audit.MaxLimit + 1}, {From: t0, To: t0.Add(-time.Second)}} {
		if _, err := l.List(ctx, admin, f); apperr.KindOf(err) != apperr.KindValidation {
			t.Errorf("filter %+v: %v", f, err)
		}
	}
}

// TestAboutPseudonymiseAndDeleteBefore: a person's entries (by her and about her) go to her
// export oldest first; erasure puts a pseudonym in her place and clears the IP address and
// detail of those entries only; retention removes what is older than the limit and nothing
// newer.
func TestAboutPseudonymiseAndDeleteBefore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l, clk := newLog(t)
	l.Record(ctx, audit.Entry{Act: audit.ActSignIn, Actor: "u1", Subject: "u1", IP: "192.0.2.1"})
	clk.Advance(24 * time.Hour)
	l.Record(ctx, audit.Entry{Act: audit.ActViewSafari, Actor: "t1", Subject: "u1", Target: "c1:s1", IP: "192.0.2.2"})
	l.Record(ctx, audit.Entry{Act: audit.ActSignIn, Actor: "u2", Subject: "u2", IP: "192.0.2.3"})
	clk.Advance(24 * time.Hour)
	l.Record(ctx, audit.Entry{Act: audit.ActRoleChange, Actor: "u1", Subject: "u3", Detail: "learner -> trainer", IP: "192.0.2.4"})

	mine, err := l.About(ctx, "u1")
	if err != nil {
		t.Fatal(err)
	}
	if got := acts(mine); got != "signin:u1>u1 view.safari:t1>u1 account.role:u1>u3" {
		t.Fatalf("about u1: %s", got)
	}
	if mine[0].IP != "192.0.2.1" || mine[1].IP != "" || mine[2].IP != "192.0.2.4" {
		t.Errorf("her export holds another's address or lacks hers: %+v", mine)
	}
	if none, err := l.About(ctx, "nobody"); err != nil || len(none) != 0 {
		t.Errorf("about nobody: %v %v", none, err)
	}

	n, err := l.Pseudonymise(ctx, "u1", "erased-abc")
	if err != nil || n != 3 {
		t.Fatalf("pseudonymise: %d %v", n, err)
	}
	if left, _ := l.About(ctx, "u1"); len(left) != 0 {
		t.Errorf("entries still name u1: %+v", left)
	}
	all, err := l.List(ctx, admin, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := acts(all); got != "account.role:erased-abc>u3 signin:u2>u2 view.safari:t1>erased-abc signin:erased-abc>erased-abc" {
		t.Fatalf("after erasure: %s", got)
	}
	for _, e := range all {
		named := e.Actor == "erased-abc" || e.Subject == "erased-abc"
		if named && (e.IP != "" || e.Detail != "") {
			t.Errorf("erased person's entry keeps IP or detail: %+v", e)
		}
		if !named && e.IP == "" {
			t.Errorf("another person's entry lost its IP: %+v", e)
		}
		if named != audit.IsPseudonym(e.Actor) && named != audit.IsPseudonym(e.Subject) {
			t.Errorf("IsPseudonym: %+v", e)
		}
	}
	if _, err := l.Pseudonymise(ctx, "", "erased-x"); err == nil {
		t.Error("pseudonymised nobody")
	}

	n, err = l.DeleteBefore(ctx, t0.Add(24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("delete before day 2: %d %v", n, err)
	}
	left, err := l.List(ctx, admin, audit.Filter{})
	if err != nil || len(left) != 3 || !left[2].At.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("left after retention: %+v %v", left, err)
	}
}

// auditFailures is the metric of entries not recorded.
func auditFailures(t *testing.T) float64 {
	t.Helper()
	families, err := metrics.NewRegistry(nil, time.Now).Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "taito_audit_failures_total" {
			return f.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("no taito_audit_failures_total")
	return 0
}

// TestRecordFailureIsLoggedNotReturned: with the database gone, Record returns normally and
// logs what it could not record.
func TestRecordFailureIsLoggedNotReturned(t *testing.T) {
	t.Parallel()
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(t)).SetServerSelectionTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Disconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	l := audit.New(client.Database("gone"), time.Now, slog.New(slog.NewTextHandler(&logged, nil)))
	done := make(chan struct{})
	go func() {
		l.Record(context.Background(), audit.Entry{Act: audit.ActSignIn, Actor: "u1", Subject: "u1"})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Record hangs without a database")
	}
	if !strings.Contains(logged.String(), "audit entry not recorded") || !strings.Contains(logged.String(), "act=signin") {
		t.Errorf("log: %s", logged.String())
	}
	if n := auditFailures(t); n < 1 {
		t.Errorf("failures counted: %v", n)
	}
	var nilLog *audit.Log
	nilLog.Record(context.Background(), audit.Entry{Act: audit.ActSignIn}) // no log at all: nothing happens
}
