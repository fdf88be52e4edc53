package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/config"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

// TestRetention, with an injected clock over six years of a pilot: the dry run lists what is
// past each period and changes nothing; the real run removes exactly what the dry run listed
// (a learner's statements and her progress in the course together, a half-done pair left by a
// run that stopped, inactive accounts but never the last active admin, old e-mails, old audit
// entries); a rebuild afterwards equals the live projections; what is inside the periods is
// untouched; a second run finds nothing.
func TestRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2020, 1, 10, 9, 0, 0, 0, time.UTC)
	clk := testenv.NewClock(start)
	a, db := testenv.App(t, clk.Now)
	periods := config.DefaultRetention // accounts 1095d, statements 1826d, e-mails 90d, audit 730d
	now := start.AddDate(6, 0, 0)

	const password = "pitkä salasana 2026"
	add := func(email string, role auth.Role) auth.Principal {
		u, _, err := a.AddUser(ctx, auth.NewUser{Email: email, Name: email[:5], Roles: []auth.Role{role}, Locale: "fi", Password: password})
		if err != nil {
			t.Fatal(err)
		}
		return auth.Principal{UserID: u.ID, Roles: u.Roles}
	}
	view := func(p auth.Principal, lesson string) {
		t.Helper()
		if _, err := a.Learning.Record(ctx, p, []learning.Entry{viewed(p.UserID, lesson)}); err != nil {
			t.Fatal(err)
		}
	}
	mail := func(key string, done bool) {
		t.Helper()
		if err := a.Outbox.EnqueueEmail(ctx, key, outbox.Email{To: "x@example.fi", Subject: "S", Text: "T", Locale: "fi"}); err != nil {
			t.Fatal(err)
		}
		if !done {
			return
		}
		cl := a.Outbox.NewClaimer("email")
		jobs, err := cl.Claim(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if err := cl.Finish(ctx, j, nil); err != nil {
				t.Fatal(err)
			}
		}
	}

	// 2020: the pilot starts. Every account is made; three learners start the course.
	add("admin@example.fi", auth.RoleAdmin)
	trainer := add("kouluttaja@example.fi", auth.RoleTrainer)
	old := add("vanha@example.fi", auth.RoleLearner)
	half := add("puoli@example.fi", auth.RoleLearner)
	mid := add("keski@example.fi", auth.RoleLearner)
	testenv.PublishFixture(t, a)
	view(old, "tervetuloa")
	view(old, "visa")
	view(half, "tervetuloa")
	view(mid, "tervetuloa")
	mail("old-sent", true)
	mail("old-pending", false)
	// A job of another kind, done long ago: its id keeps the work from being done twice.
	if err := a.Outbox.EnqueueJob(ctx, "old-job", "retention-test", nil); err != nil {
		t.Fatal(err)
	}
	jobs, err := a.Outbox.NewClaimer("retention-test").Claim(ctx, 10)
	if err != nil || len(jobs) != 1 {
		t.Fatalf("claim the job: %d, %v", len(jobs), err)
	}
	if err := a.Outbox.NewClaimer("retention-test").Finish(ctx, jobs[0], nil); err != nil {
		t.Fatal(err)
	}
	a.Audit.Record(ctx, audit.Entry{Act: audit.ActReportDownload, Actor: trainer.UserID, Target: "old"})

	// 2024: the middle learner comes back (two years before the run: inside every period).
	clk.Set(start.AddDate(4, 0, 0))
	view(mid, "visa")
	// 2025: the trainer signs in (in a browser: no refresh token is left behind); a year later a new learner starts, an e-mail goes, an entry is
	// recorded.
	clk.Set(now.AddDate(-1, 0, 0))
	if _, _, err := a.Auth.SignInBrowser(ctx, "kouluttaja@example.fi", password, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	a.Audit.Record(ctx, audit.Entry{Act: audit.ActReportDownload, Actor: trainer.UserID, Target: "recent"})
	clk.Set(now.AddDate(0, 0, -10))
	recent := add("uusi@example.fi", auth.RoleLearner)
	view(recent, "tervetuloa")
	mail("recent-sent", true)

	// Two data exports: one expired two days ago, one still downloadable.
	clk.Set(now.AddDate(0, 0, -3))
	if _, err := a.RequestExport(ctx, mid, mid.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PrepareExports(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Set(now.Add(-time.Hour))
	if _, err := a.RequestExport(ctx, recent, recent.UserID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PrepareExports(ctx); err != nil {
		t.Fatal(err)
	}

	// A run that stopped part-way left the half learner's projection without its statements.
	if _, err := db.Collection("statements").DeleteMany(ctx, bson.D{{Key: "user", Value: half.UserID}}); err != nil {
		t.Fatal(err)
	}
	clk.Set(now)

	before := snapshot(t, db)
	dry, err := a.Retention(ctx, periods, now, true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := snapshotDiff(before, snapshot(t, db)); diff != "" {
		t.Fatalf("the dry run changed the database: %s", diff)
	}
	wantRecords := []string{half.UserID + ":kokeilu", old.UserID + ":kokeilu"}
	sort.Strings(wantRecords)
	if got := recordKeys(dry.Records); !slices.Equal(got, wantRecords) {
		t.Errorf("dry run records %v, want %v", got, wantRecords)
	}
	for _, r := range dry.Records {
		if r.Email == "" {
			t.Errorf("the dry run does not name the learner of %+v", r)
		}
	}
	if got := accountEmails(dry.Accounts); !slices.Equal(got, []string{"puoli@example.fi", "vanha@example.fi"}) {
		t.Errorf("dry run accounts %v", got)
	}
	if dry.KeptAdmin != "admin@example.fi" {
		t.Errorf("kept admin %q: the only admin is inactive, and must be kept", dry.KeptAdmin)
	}
	if dry.Outbox != 1 || dry.Audit < 1 || dry.Exports != 1 {
		t.Errorf("dry run: %d e-mails, %d audit entries, %d exports", dry.Outbox, dry.Audit, dry.Exports)
	}
	midBefore, recentBefore := projection(t, db, mid.UserID), projection(t, db, recent.UserID)
	midLog := count(t, db, "statements", bson.D{{Key: "user", Value: mid.UserID}})

	done, err := a.Retention(ctx, periods, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recordKeys(done.Records), recordKeys(dry.Records)) || !slices.Equal(accountEmails(done.Accounts), accountEmails(dry.Accounts)) ||
		done.KeptAdmin != dry.KeptAdmin || done.Outbox != dry.Outbox || done.Audit != dry.Audit || done.Exports != dry.Exports {
		t.Errorf("the run did other than the dry run listed:\nrun %+v\ndry %+v", done, dry)
	}
	if done.Statements != 2 {
		t.Errorf("%d statements deleted, want the old learner's 2", done.Statements)
	}
	for _, p := range []auth.Principal{old, half} {
		if n := count(t, db, "progress", bson.D{{Key: "_id", Value: p.UserID + ":kokeilu"}}); n != 0 {
			t.Errorf("%s still has her projection", p.UserID)
		}
		if n := count(t, db, "statements", bson.D{{Key: "user", Value: p.UserID}}); n != 0 {
			t.Errorf("%s still has %d statements", p.UserID, n)
		}
	}
	for _, email := range []string{"vanha@example.fi", "puoli@example.fi"} {
		if _, err := a.Auth.UserByEmail(ctx, email); !errors.Is(err, auth.ErrUserNotFound) {
			t.Errorf("the inactive account %s: %v", email, err)
		}
	}
	for _, email := range []string{"admin@example.fi", "kouluttaja@example.fi", "keski@example.fi", "uusi@example.fi"} {
		if _, err := a.Auth.UserByEmail(ctx, email); err != nil {
			t.Errorf("the account %s: %v", email, err)
		}
	}
	// Inside the periods: untouched.
	if got := projection(t, db, mid.UserID); !sameDoc(got, midBefore) {
		t.Errorf("the middle learner's progress changed:\n%v\n%v", got, midBefore)
	}
	if got := projection(t, db, recent.UserID); !sameDoc(got, recentBefore) {
		t.Error("the new learner's progress changed")
	}
	if n := count(t, db, "statements", bson.D{{Key: "user", Value: mid.UserID}}); n != midLog {
		t.Errorf("the middle learner has %d statements, had %d", n, midLog)
	}
	for key, want := range map[string]bool{"old-sent": false, "old-pending": true, "recent-sent": true, "old-job": true} {
		if _, err := a.Outbox.Get(ctx, key); (err == nil) != want {
			t.Errorf("e-mail %s kept %v, want %v (%v)", key, err == nil, want, err)
		}
	}
	if mine, err := a.MyExports(ctx, mid); err != nil || len(mine) != 0 {
		t.Errorf("the expired export: %v, %v", mine, err)
	}
	if mine, err := a.MyExports(ctx, recent); err != nil || len(mine) != 1 {
		t.Errorf("the export still downloadable: %v, %v", mine, err)
	}
	if n := count(t, db, "audit_log", bson.D{{Key: "target", Value: "old"}}); n != 0 {
		t.Error("the old audit entry is kept")
	}
	if n := count(t, db, "audit_log", bson.D{{Key: "target", Value: "recent"}}); n != 1 {
		t.Error("the recent audit entry went")
	}
	if n := count(t, db, "audit_log", bson.D{{Key: "act", Value: audit.ActRetention}}); n != 1 {
		t.Errorf("%d retention entries in the audit log, want 1", n)
	}

	// A rebuild from the log gives the live projections.
	live := allProjections(t, db)
	if _, err := a.Learning.RebuildAll(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if rebuilt := allProjections(t, db); !slices.EqualFunc(live, rebuilt, sameDoc) {
		t.Errorf("rebuilt projections differ from the live ones:\nlive %v\nrebuilt %v", live, rebuilt)
	}

	// Nothing is left to do.
	again, err := a.Retention(ctx, periods, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Records) != 0 || len(again.Accounts) != 0 || again.Outbox != 0 || again.Audit != 0 {
		t.Errorf("a second run found %+v", again)
	}
	// Off means off.
	clk.Set(now.AddDate(20, 0, 0))
	off, err := a.Retention(ctx, config.Retention{}, clk.Now(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(off.Records) != 0 || len(off.Accounts) != 0 || off.Outbox != 0 || off.Audit != 0 {
		t.Errorf("with every rule off: %+v", off)
	}
}

func recordKeys(rs []app.RetainedRecord) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.User+":"+r.Course)
	}
	sort.Strings(out)
	return out
}

func accountEmails(us []app.RetainedAccount) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Email)
	}
	sort.Strings(out)
	return out
}

func count(t *testing.T, db *mongo.Database, coll string, filter bson.D) int64 {
	t.Helper()
	n, err := db.Collection(coll).CountDocuments(context.Background(), filter)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// projection is a learner's projection in the fixture course without its revision.
func projection(t *testing.T, db *mongo.Database, user string) bson.M {
	t.Helper()
	var m bson.M
	if err := db.Collection("progress").FindOne(context.Background(), bson.D{{Key: "_id", Value: user + ":kokeilu"}}).Decode(&m); err != nil {
		t.Fatalf("projection of %s: %v", user, err)
	}
	delete(m, "rev")
	return m
}

// allProjections are every projection without revisions, by id.
func allProjections(t *testing.T, db *mongo.Database) []bson.M {
	t.Helper()
	ctx := context.Background()
	cur, err := db.Collection("progress").Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	var out []bson.M
	if err := cur.All(ctx, &out); err != nil {
		t.Fatal(err)
	}
	for _, m := range out {
		delete(m, "rev")
	}
	return out
}

// sameDoc compares two documents whatever the order of their fields (JSON sorts map keys).
func sameDoc(a, b bson.M) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// snapshot is every document of every collection, as canonical Extended JSON, by collection.
func snapshot(t *testing.T, db *mongo.Database) map[string][]string {
	t.Helper()
	ctx := context.Background()
	out := map[string][]string{}
	for _, name := range collectionNames(t, db) {
		if name == "statement_batches" {
			continue // the ingest's own markers, removed in the background once applied
		}
		cur, err := db.Collection(name).Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.Raw
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			j, err := bson.MarshalExtJSON(d, true, false)
			if err != nil {
				t.Fatal(err)
			}
			out[name] = append(out[name], string(j))
		}
	}
	return out
}

// snapshotDiff names the first collection whose documents differ, "" when none.
func snapshotDiff(a, b map[string][]string) string {
	for name := range a {
		if !slices.Equal(a[name], b[name]) {
			return name
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			return name
		}
	}
	return ""
}

// TestRetentionCountsInactivityFromWhenSignInsWereNoted: an installation that ran a version
// which did not note sign-ins on accounts has accounts that look idle whatever their use; no
// account is erased for inactivity until sign-ins have been noted for the whole period.
func TestRetentionCountsInactivityFromWhenSignInsWereNoted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	start := time.Date(2020, 1, 10, 9, 0, 0, 0, time.UTC)
	clk := testenv.NewClock(start)
	a, db := testenv.App(t, clk.Now)
	if _, _, err := a.AddUser(ctx, auth.NewUser{Email: "vanha@example.fi", Name: "Vanha Käyttäjä", Roles: []auth.Role{auth.RoleLearner}, Locale: "fi"}); err != nil {
		t.Fatal(err)
	}
	// The upgrade three years later: the version that notes sign-ins starts for the first time.
	if _, err := db.Collection("secrets").DeleteOne(ctx, bson.D{{Key: "_id", Value: "sign-ins-noted-since"}}); err != nil {
		t.Fatal(err)
	}
	upgrade := start.AddDate(3, 0, 0)
	clk.Set(upgrade)
	if err := a.Auth.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	periods := config.Retention{InactiveAccounts: config.DefaultRetention.InactiveAccounts}
	for _, c := range []struct {
		at   time.Time
		want int
	}{
		{upgrade.AddDate(1, 0, 0), 0}, // idle for four years by its dates, but sign-ins noted for one
		{upgrade.AddDate(3, 0, 1), 1}, // noted for the whole period: it goes
	} {
		r, err := a.Retention(ctx, periods, c.at, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Accounts) != c.want {
			t.Errorf("at %s the dry run would erase %d accounts, want %d: %+v", c.at.Format(time.DateOnly), len(r.Accounts), c.want, r.Accounts)
		}
	}
}
