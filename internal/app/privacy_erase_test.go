package app_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/ledongthuc/pdf"
	"github.com/minio/minio-go/v7"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/testenv"
)

// erasePilot is a small pilot: an admin, a trainer, and two learners A and B in one cohort who
// interact on the reflection wall.
type erasePilot struct {
	a              *app.App
	db             *mongo.Database
	st             *media.Storage
	admin, trainer auth.Principal
	learnerA       auth.Principal
	learnerB       auth.Principal
	cohort         string
	postA, postB   string
}

const (
	eraseEmailA = "aino.virtanen@example.fi"
	eraseNameA  = "Aino Virtanen"
	eraseEmailB = "bertta.korhonen@example.fi"
	eraseNameB  = "Bertta Korhonen"
)

func newErasePilot(t *testing.T) *erasePilot {
	t.Helper()
	ctx := context.Background()
	a, db, st := newTaito(t)
	p := &erasePilot{a: a, db: db, st: st}
	add := func(email, name string, role auth.Role) auth.Principal {
		u, _, err := a.AddUser(ctx, auth.NewUser{Email: email, Name: name, Roles: []auth.Role{role}, Locale: "fi", Password: "pitkä salasana 2026"})
		if err != nil {
			t.Fatal(err)
		}
		return auth.Principal{UserID: u.ID, Roles: u.Roles, Locale: "fi"}
	}
	p.admin = add("paakayttaja@example.fi", "Pää Käyttäjä", auth.RoleAdmin)
	p.trainer = add("kouluttaja@example.fi", "Kaija Kouluttaja", auth.RoleTrainer)
	p.learnerA = add(eraseEmailA, eraseNameA, auth.RoleLearner)
	p.learnerB = add(eraseEmailB, eraseNameB, auth.RoleLearner)
	testenv.PublishFixture(t, a)
	c, err := a.Cohorts.Create(ctx, p.trainer, cohort.NewCohort{Course: "kokeilu", Name: "Kevät 2026"})
	if err != nil {
		t.Fatal(err)
	}
	p.cohort = c.ID
	if _, err := a.Cohorts.AddMembers(ctx, p.trainer, c.ID, []string{eraseEmailA, eraseEmailB}, nil, nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// sessions gives a learner an API session, a browser session, a failed sign-in and a password
// reset link (and so its e-mail).
func (p *erasePilot) sessions(t *testing.T, email string) {
	t.Helper()
	ctx := context.Background()
	if _, err := p.a.Auth.Login(ctx, email, "pitkä salasana 2026", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.a.Auth.SignInBrowser(ctx, email, "pitkä salasana 2026", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.a.Auth.Login(ctx, email, "väärä salasana", "192.0.2.1"); err == nil {
		t.Fatal("a wrong password signed in")
	}
	if err := p.a.Auth.RequestPasswordReset(ctx, email, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
}

// firstModule views the first lesson and passes the quiz, which opens the second module.
func (p *erasePilot) firstModule(t *testing.T, learner auth.Principal) {
	t.Helper()
	ctx := context.Background()
	e := viewed(learner.UserID, "tervetuloa", func(st *learning.Statement) {
		st.Result = &learning.Result{Response: "Minä, " + eraseNameA + ", katsoin tämän", Extensions: map[string]any{"http://example.org/ext/note": "muistiinpano"}}
	})
	if _, err := p.a.Learning.Record(ctx, learner, []learning.Entry{e}); err != nil {
		t.Fatal(err)
	}
	// A failed attempt first, then a passed one.
	for _, right := range []bool{false, true} {
		at, err := p.a.Quizzes.StartAttempt(ctx, learner, course.ActivityID("kokeilu", "alkuvisa"), "fi")
		if err != nil {
			t.Fatal(err)
		}
		res, err := p.a.Quizzes.Submit(ctx, learner, at.ID, eraseQuizAnswers(at, right))
		if err != nil {
			t.Fatal(err)
		}
		if right && (res.Result == nil || !res.Result.Passed) {
			t.Fatalf("the right answers did not pass: %+v", res.Result)
		}
	}
}

// eraseQuizAnswers answers the fixture's quiz rightly or wrongly.
func eraseQuizAnswers(at activity.Attempt, right bool) map[string][]string {
	rightText := map[string][]string{"q1": {"Palvelu"}, "q2": {"Kela", "OmaKanta"}}
	wrongText := map[string][]string{"q1": {"Peli"}, "q2": {"Leipä"}}
	pairs := map[string]string{"Kela": "etuudet", "Kanta": "terveystiedot"}
	out := map[string][]string{}
	for _, q := range at.Questions {
		switch q.Type {
		case "single", "multiple":
			want := wrongText[q.ID]
			if right {
				want = rightText[q.ID]
			}
			for _, o := range q.Options {
				if slices.Contains(want, o.Text) {
					out[q.ID] = append(out[q.ID], o.ID)
				}
			}
		case "true_false":
			out[q.ID] = []string{fmt.Sprint(right)}
		case "matching":
			for _, l := range q.Left {
				for _, r := range q.Right {
					if (pairs[l.Text] == r.Text) == right {
						out[q.ID] = append(out[q.ID], l.ID+"="+r.ID)
						break
					}
				}
			}
		case "short_text":
			out[q.ID] = []string{"en tiedä"}
			if right {
				out[q.ID] = []string{"vahva tunnistautuminen"}
			}
		}
	}
	return out
}

// forms submits the self-assessment (with notes naming her) and the safari log.
func (p *erasePilot) forms(t *testing.T, learner auth.Principal, name string) activity.Assessment {
	t.Helper()
	ctx := context.Background()
	as, err := p.a.Assessments.Submit(ctx, learner, "kokeilu", "alkuarvio", map[string]int{"1.1": 3, "2.1": 2, "4.2": 4, "tunnistautuminen": 2},
		map[string]string{"2": "Minä " + name + " tarvitsen harjoitusta."})
	if err != nil {
		t.Fatalf("self-assessment: %v", err)
	}
	if _, err := p.a.Safaris.Save(ctx, learner, "", activity.SafariInput{Course: "kokeilu", Safari: "kela-safari", Submitted: true,
		Steps: []activity.StepLog{{Step: "kirjaudu", DidAndSaid: name + " etsi painiketta."}}, Debrief: "Asiakas ja " + name + " onnistuivat."}); err != nil {
		t.Fatalf("safari: %v", err)
	}
	return as
}

// seed makes the pilot: both learners sign in, pass the first module, post on the cohort's
// wall, comment on and react to each other's posts, assess themselves (the trainer coaches
// A), log a safari; both complete the course and get certificates; reminders are e-mailed to
// both; A sends accessibility feedback with her address; an admin exports A's data.
func (p *erasePilot) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	a := p.a
	for _, e := range []string{eraseEmailA, eraseEmailB} {
		p.sessions(t, e)
	}
	p.firstModule(t, p.learnerA)
	p.firstModule(t, p.learnerB)
	post, err := a.Walls.CreatePost(ctx, p.learnerA, p.cohort, "viikko-1", "Olen "+eraseNameA+" ja asiakkaani ei osannut kirjautua. Sähköpostini "+eraseEmailA, false)
	if err != nil {
		t.Fatal(err)
	}
	p.postA = post.ID
	post, err = a.Walls.CreatePost(ctx, p.learnerB, p.cohort, "viikko-1", "Minulla sama kokemus.", false)
	if err != nil {
		t.Fatal(err)
	}
	p.postB = post.ID
	if _, err := a.Walls.Comment(ctx, p.learnerA, p.cohort, "viikko-1", p.postB, "Kiitos Bertta! t. "+eraseNameA); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Walls.Comment(ctx, p.learnerB, p.cohort, "viikko-1", p.postA, "Hyvä havainto, "+eraseNameA+"!"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		who  auth.Principal
		post string
	}{{p.learnerA, p.postB}, {p.learnerB, p.postA}, {p.trainer, p.postA}} {
		if err := a.Walls.React(ctx, r.who, p.cohort, "viikko-1", r.post, "heart", true); err != nil {
			t.Fatal(err)
		}
	}
	asA := p.forms(t, p.learnerA, eraseNameA)
	p.forms(t, p.learnerB, eraseNameB)
	if _, err := a.Assessments.Coach(ctx, p.trainer, asA.ID, map[string]int{"2.1": 3}, map[string]string{"general": eraseNameA + " edistyy hyvin."}); err != nil {
		t.Fatal(err)
	}
	if n, err := a.IssueCertificates(ctx); err != nil || n == 0 {
		t.Fatalf("certificates issued: %d, %v", n, err)
	}
	if _, err := a.Cohorts.SendReminder(ctx, p.trainer, p.cohort, "all", "Muistathan viikkotehtävän."); err != nil {
		t.Fatal(err)
	}
	if err := a.AccessibilityFeedback(ctx, "Painike on liian pieni.", eraseEmailA, "fi"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.RequestExport(ctx, p.admin, p.learnerA.UserID); err != nil {
		t.Fatal(err)
	}
	if n, err := a.PrepareExports(ctx); err != nil || n != 1 {
		t.Fatalf("exports prepared: %d, %v", n, err)
	}
}

// TestEraseAPerson is issue 21's test of erasure: in a erasePilot where A and B interact, A is erased;
// then every collection, every outbox message and every object in the bucket (archives and PDFs
// opened) is searched for her e-mail address, name and id, and none is found, while the
// cohort's counts, B's progress and B's thread (with A's post in place, as deleted) are as they
// were, also after the projections are rebuilt from the log.
func TestEraseAPerson(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newErasePilot(t)
	p.seed(t)
	a := p.a
	needles := []string{eraseEmailA, eraseNameA, "Virtanen", p.learnerA.UserID}

	// The search finds her before (so that it can fail): in the account, the log, the walls,
	// the outbox, her certificate's PDF and her export's ZIP.
	before := eraseFindEverywhere(t, p.db, p.st, needles)
	for _, where := range []string{"users", "statements", "posts", "outbox", "assessments", "safari_logs", "enrolments", "memberships", "progress",
		"certificates", "pdf:certificates/", "zip:privacy-exports/", "accessibility_feedback"} {
		if !slices.ContainsFunc(before, func(h string) bool { return strings.HasPrefix(h, where) }) {
			t.Errorf("before the erasure the search did not find her in %s; found %v", where, before)
		}
	}
	if len(eraseCertificatesOf(t, p.db, p.learnerA.UserID)) != 1 {
		t.Fatal("A holds no certificate")
	}
	certID := eraseCertificatesOf(t, p.db, p.learnerA.UserID)[0]
	dashBefore := eraseDashboard(t, a, p)
	progressB, err := a.Learning.Progress(ctx, p.learnerB, "kokeilu")
	if err != nil {
		t.Fatal(err)
	}

	e, err := a.EraseUserConfirmed(ctx, p.admin, p.learnerA.UserID, strings.ToUpper(eraseEmailA))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.ID, "erased-") || e.Status != app.ErasureDone || len(e.Steps) != e.Total || e.OrderedBy != p.admin.UserID || e.Finished == nil {
		t.Fatalf("erasure %+v", e)
	}

	if hits := eraseFindEverywhere(t, p.db, p.st, needles); len(hits) > 0 {
		t.Errorf("after the erasure her data is still in:\n  %s", strings.Join(hits, "\n  "))
	}
	// The cohort counts as before (her certificate is revoked, so it counts no more), and
	// B's progress is the same, also after every projection is rebuilt from the log.
	dashBefore.Certificates--
	if got := eraseDashboard(t, a, p); !reflect.DeepEqual(got, dashBefore) {
		t.Errorf("dashboard after the erasure\n  %+v\nwant\n  %+v", got, dashBefore)
	}
	if _, err := a.Learning.RebuildAll(ctx, "kokeilu"); err != nil {
		t.Fatal(err)
	}
	if got := eraseDashboard(t, a, p); !reflect.DeepEqual(got, dashBefore) {
		t.Errorf("dashboard after a rebuild\n  %+v\nwant\n  %+v", got, dashBefore)
	}
	progressAfter, err := a.Learning.Progress(ctx, p.learnerB, "kokeilu")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(progressAfter, progressB) {
		t.Errorf("B's progress after the erasure\n  %+v\nwant\n  %+v", progressAfter, progressB)
	}

	// B's thread: A's post in its place, deleted, with B's comment on it; A's comment on B's
	// post likewise; the reactions count as before.
	posts, _, err := a.Walls.ListPosts(ctx, p.learnerB, p.cohort, "viikko-1", "", 20)
	if err != nil {
		t.Fatal(err)
	}
	activity.NameAuthors(posts, map[string]string{p.learnerB.UserID: eraseNameB}, "fi")
	byID := map[string]activity.Post{}
	for _, po := range posts {
		byID[po.ID] = po
	}
	pa, pb := byID[p.postA], byID[p.postB]
	if !pa.Erased || pa.Body != "" || pa.HTML != "" || pa.Author != "" || pa.AuthorName != "Poistettu" || pa.Reactions["heart"] != 2 {
		t.Errorf("A's post after the erasure: %+v", pa)
	}
	if len(pa.Comments) != 1 || pa.Comments[0].Author != p.learnerB.UserID || pa.Comments[0].Erased {
		t.Errorf("B's comment on A's post: %+v", pa.Comments)
	}
	if len(pb.Comments) != 1 || !pb.Comments[0].Erased || pb.Comments[0].Body != "" || pb.Reactions["heart"] != 1 || pb.Erased {
		t.Errorf("B's post after the erasure: %+v", pb)
	}

	// Her certificate verifies as revoked, without her name.
	v, err := a.Certificates.Verify(ctx, certID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != "revoked" || v.LearnerName != "" {
		t.Errorf("verification after the erasure: %+v", v)
	}

	// She is gone: erasing her again is not found; the erasure is kept, with nobody's name.
	if _, err := a.EraseUser(ctx, p.admin, p.learnerA.UserID); !errors.Is(err, auth.ErrUserNotFound) {
		t.Errorf("erasing her twice: %v, want not found", err)
	}
	if got, err := a.ErasureOf(ctx, p.admin, e.ID); err != nil || got.Status != app.ErasureDone || got.Finished == nil {
		t.Errorf("erasure record %+v, %v", got, err)
	}
	if _, err := a.Auth.Login(ctx, eraseEmailA, "pitkä salasana 2026", "192.0.2.1"); err == nil {
		t.Error("the erased person can still sign in")
	}
}

// TestErasureResumes: an erasure stopped part-way is resumed under the same pseudonym by the
// next request and finishes; until then the record says where it stands.
func TestErasureResumes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newErasePilot(t)
	p.sessions(t, eraseEmailA)
	p.firstModule(t, p.learnerA)
	if _, err := p.a.Walls.CreatePost(ctx, p.learnerA, p.cohort, "viikko-1", "Terveisin "+eraseNameA, false); err != nil {
		t.Fatal(err)
	}
	crash := errors.New("the process stopped")
	stopped := app.WithEraseHook(ctx, func(step string) error {
		if step == "quizzes" {
			return crash
		}
		return nil
	})
	e, err := p.a.EraseUser(stopped, p.admin, p.learnerA.UserID)
	if !errors.Is(err, crash) {
		t.Fatalf("stopped erasure: %v", err)
	}
	got, err := p.a.ErasureOf(ctx, p.admin, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != app.ErasureRunning || !reflect.DeepEqual(got.Steps, []string{"sessions", "learning", "cohorts", "courses", "quizzes"}) {
		t.Fatalf("record of the stopped erasure: %+v", got)
	}
	// Part-way: her statements are pseudonymised, her account is still there (disabled).
	if hits := eraseFindIn(t, p.db, "statements", []string{p.learnerA.UserID}); len(hits) > 0 {
		t.Errorf("statements after the learning step: %v", hits)
	}
	if hits := eraseFindIn(t, p.db, "users", []string{eraseEmailA}); len(hits) == 0 {
		t.Error("the account went before the last step")
	}

	// The wrong confirmation changes nothing; the right one resumes it.
	if _, err := p.a.EraseUserConfirmed(ctx, p.admin, p.learnerA.UserID, eraseEmailB); apperr.KindOf(err) != apperr.KindInvalid {
		t.Errorf("wrong confirmation: %v", err)
	}
	done, err := p.a.EraseUserConfirmed(ctx, p.admin, p.learnerA.UserID, eraseEmailA)
	if err != nil {
		t.Fatal(err)
	}
	if done.ID != e.ID || done.Status != app.ErasureDone || len(done.Steps) != done.Total {
		t.Fatalf("resumed erasure %+v, first %s", done, e.ID)
	}
	if hits := eraseFindEverywhere(t, p.db, p.st, []string{eraseEmailA, eraseNameA, p.learnerA.UserID}); len(hits) > 0 {
		t.Errorf("after the resumed erasure her data is still in %v", hits)
	}
	// Her progress is under the pseudonym, once.
	if hits := eraseFindIn(t, p.db, "progress", []string{e.ID}); len(hits) != 1 {
		t.Errorf("progress under the pseudonym: %v", hits)
	}
}

// TestErasureRefusals: who may erase whom, and unknown people.
func TestErasureRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newErasePilot(t)
	for name, c := range map[string]struct {
		actor auth.Principal
		user  string
		kind  apperr.Kind
	}{
		"a trainer":      {p.trainer, p.learnerA.UserID, apperr.KindForbidden},
		"a learner":      {p.learnerB, p.learnerA.UserID, apperr.KindForbidden},
		"herself":        {p.admin, p.admin.UserID, apperr.KindInvalid},
		"unknown person": {p.admin, uuid.NewString(), apperr.KindNotFound},
	} {
		if _, err := p.a.EraseUser(ctx, c.actor, c.user); apperr.KindOf(err) != c.kind {
			t.Errorf("%s: %v, want %v", name, err, c.kind)
		}
	}
	if _, err := p.a.ErasureOf(ctx, p.admin, "erased-nobody"); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("unknown erasure: %v", err)
	}
	if _, err := p.a.ErasureOf(ctx, p.trainer, "erased-nobody"); apperr.KindOf(err) != apperr.KindForbidden {
		t.Errorf("a trainer reading an erasure: %v", err)
	}
	// Nothing was touched.
	if hits := eraseFindIn(t, p.db, "users", []string{eraseEmailA}); len(hits) != 1 {
		t.Errorf("A's account after refusals: %v", hits)
	}
}

type eraseDashCounts struct {
	Totals       any
	Modules      []cohort.ModuleCounts
	Certificates int
	Posts        map[string][2]int
}

func eraseDashboard(t *testing.T, a *app.App, p *erasePilot) eraseDashCounts {
	t.Helper()
	d, err := a.Cohorts.Dashboard(context.Background(), p.trainer, p.cohort, cohort.DashboardQuery{})
	if err != nil {
		t.Fatal(err)
	}
	out := eraseDashCounts{Totals: d.Totals, Modules: d.Modules, Certificates: d.Certificates, Posts: map[string][2]int{}}
	for _, r := range d.Learners {
		who := r.UserID
		if who != p.learnerB.UserID {
			who = "A" // A's row is under the pseudonym after the erasure
		}
		out.Posts[who] = [2]int{r.Posts, r.Comments}
	}
	return out
}

func eraseCertificatesOf(t *testing.T, db *mongo.Database, user string) []string {
	t.Helper()
	cur, err := db.Collection("certificates").Find(context.Background(), bson.D{{Key: "user", Value: user}})
	if err != nil {
		t.Fatal(err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(context.Background(), &docs); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range docs {
		out = append(out, d.ID)
	}
	return out
}

// eraseFindEverywhere searches every collection of the database (listed from it) and every object of
// the bucket for the needles (case-insensitively) and returns where it found them: ZIP and tar
// archives are opened and each member searched, PDFs are read with a PDF text extractor.
func eraseFindEverywhere(t *testing.T, db *mongo.Database, st *media.Storage, needles []string) []string {
	t.Helper()
	ctx := context.Background()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var hits []string
	for _, n := range names {
		hits = append(hits, eraseFindIn(t, db, n, needles)...)
	}
	for obj := range st.Client().ListObjects(ctx, st.Bucket(), minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		data, err := st.GetObject(ctx, obj.Key, 64<<20)
		if err != nil {
			t.Fatal(err)
		}
		hits = append(hits, eraseFindInFile(t, obj.Key, data, needles)...)
	}
	return hits
}

// eraseFindIn searches every document of one collection, as extended JSON.
func eraseFindIn(t *testing.T, db *mongo.Database, coll string, needles []string) []string {
	t.Helper()
	ctx := context.Background()
	cur, err := db.Collection(coll).Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close(ctx)
	var hits []string
	for cur.Next(ctx) {
		js, err := bson.MarshalExtJSON(cur.Current, false, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range needles {
			if eraseContainsFold(string(js), n) {
				hits = append(hits, fmt.Sprintf("%s: %q in %s", coll, n, js))
			}
		}
	}
	if err := cur.Err(); err != nil {
		t.Fatal(err)
	}
	return hits
}

// eraseFindInFile searches a file: a ZIP's or tar's members one by one, a PDF's text, other bytes as
// they are.
func eraseFindInFile(t *testing.T, name string, data []byte, needles []string) []string {
	t.Helper()
	var hits []string
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			hits = append(hits, erasePrefixed("zip:", eraseFindInFile(t, name+"!"+f.Name, b, needles))...)
		}
		return hits
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return eraseFindInFile(t, name, b, needles)
	case len(data) > 262 && string(data[257:262]) == "ustar":
		tr := tar.NewReader(bytes.NewReader(data))
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			hits = append(hits, erasePrefixed("tar:", eraseFindInFile(t, name+"!"+h.Name, b, needles))...)
		}
		return hits
	case bytes.HasPrefix(data, []byte("%PDF")):
		r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tr, err := r.GetPlainText()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		text, _ := io.ReadAll(tr)
		for _, n := range needles {
			if eraseContainsFold(string(text), n) || eraseContainsFold(string(data), n) {
				hits = append(hits, fmt.Sprintf("pdf:%s: %q", name, n))
			}
		}
		return hits
	}
	for _, n := range needles {
		if eraseContainsFold(string(data), n) {
			hits = append(hits, fmt.Sprintf("%s: %q", name, n))
		}
	}
	return hits
}

func erasePrefixed(p string, hits []string) []string {
	for i, h := range hits {
		if !strings.HasPrefix(h, "zip:") && !strings.HasPrefix(h, "tar:") {
			hits[i] = p + h
		}
	}
	return hits
}

func eraseContainsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// TestEraseATrainer: a trainer who made and ran a cohort, coached a learner and sent reminders
// is erased: the cohort and its learners' records stay, and nothing names her.
func TestEraseATrainer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newErasePilot(t)
	p.seed(t)
	trainer, err := p.a.Auth.GetUser(ctx, p.admin, p.trainer.UserID)
	if err != nil {
		t.Fatal(err)
	}
	// She wrote a course of her own and is on the team of another.
	if _, err := p.a.Courses.CreateCourse(ctx, p.trainer, "oma-kurssi", course.Text{"fi": "Oma kurssi"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := p.a.Courses.CreateCourse(ctx, p.admin, "yhteinen", course.Text{"fi": "Yhteinen kurssi"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := p.a.SetCourseTeam(ctx, p.admin, "yhteinen", course.Team{Owners: []string{p.admin.UserID}, Editors: []string{trainer.ID}}); err != nil {
		t.Fatal(err)
	}
	needles := []string{trainer.Email, trainer.Name, trainer.ID}
	if hits := eraseFindEverywhere(t, p.db, p.st, needles); !slices.ContainsFunc(hits, func(h string) bool { return strings.HasPrefix(h, "courses") }) {
		t.Fatalf("before: the search does not find her in the courses: %v", hits)
	}
	if hits := eraseFindEverywhere(t, p.db, p.st, needles); !slices.ContainsFunc(hits, func(h string) bool { return strings.HasPrefix(h, "cohorts") }) {
		t.Fatalf("before: the search does not find her in the cohort: %v", hits)
	}
	if _, err := p.a.EraseUser(ctx, p.admin, trainer.ID); err != nil {
		t.Fatal(err)
	}
	if hits := eraseFindEverywhere(t, p.db, p.st, needles); len(hits) > 0 {
		t.Errorf("after the erasure the trainer is still in:\n  %s", strings.Join(hits, "\n  "))
	}
	progressB, err := p.a.Learning.Progress(ctx, p.learnerB, "kokeilu")
	if err != nil || progressB.State != "completed" {
		t.Errorf("B's progress after her trainer's erasure: %+v, %v", progressB, err)
	}
}

// TestErasureTwiceAtOnce: two admins erasing the same person at the same moment end with one
// erasure, under one pseudonym, and nothing of her left: the second is told that the erasure is
// under way (or, when the first has finished, that she is not found).
func TestErasureTwiceAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newErasePilot(t)
	p.sessions(t, eraseEmailA)
	p.firstModule(t, p.learnerA)
	errs := make(chan error, 2)
	ids := make(chan string, 2)
	for range 2 {
		go func() {
			e, err := p.a.EraseUser(ctx, p.admin, p.learnerA.UserID)
			ids <- e.ID
			errs <- err
		}()
	}
	var done []string
	for range 2 {
		id, err := <-ids, <-errs
		switch {
		case err == nil:
			done = append(done, id)
		case !errors.Is(err, auth.ErrUserNotFound) && !errors.Is(err, app.ErrErasureUnderWay):
			t.Errorf("an erasure at the same moment: %v", err)
		}
	}
	if len(done) == 0 || len(done) == 2 && done[0] != done[1] {
		t.Errorf("erasures finished: %v", done)
	}
	if n, err := p.db.Collection("erasures").CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
		t.Errorf("%d erasure records, %v", n, err)
	}
	if hits := eraseFindEverywhere(t, p.db, p.st, []string{eraseEmailA, eraseNameA, p.learnerA.UserID}); len(hits) > 0 {
		t.Errorf("after two erasures at once her data is still in %v", hits)
	}
}

// TestErasureFinishedMeanwhileIsNotRunAgain: an erasure that found the person, and then waited
// while another request erased her whole before it took the lease, says she is not found; it
// does not run a second erasure under a second pseudonym.
func TestErasureFinishedMeanwhileIsNotRunAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newErasePilot(t)
	p.firstModule(t, p.learnerA)
	var first app.Erasure
	late := app.WithEraseHook(ctx, func(step string) error {
		if step != app.EraseBeforeLease || first.ID != "" {
			return nil
		}
		var err error
		first, err = p.a.EraseUser(ctx, p.admin, p.learnerA.UserID)
		return err
	})
	if _, err := p.a.EraseUser(late, p.admin, p.learnerA.UserID); !errors.Is(err, auth.ErrUserNotFound) {
		t.Errorf("an erasure that waited while another finished: %v, want ErrUserNotFound", err)
	}
	if first.Status != app.ErasureDone {
		t.Fatalf("the first erasure: %+v", first)
	}
	if n, err := p.db.Collection("erasures").CountDocuments(ctx, bson.D{}); err != nil || n != 1 {
		t.Errorf("%d erasure records, %v; want 1", n, err)
	}
}

// TestErasureLease: while another request holds the lease on erasing a person (a process running
// her erasure, or one that died less than the lease ago), an erasure is refused as under way and
// changes nothing; once the lease has run out the next request takes it over and finishes, under
// the pseudonym the lease names.
func TestErasureLease(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newErasePilot(t)
	sum := sha256.Sum256([]byte("erasure\x00" + p.learnerA.UserID))
	leases := p.db.Collection("erasure_locks")
	lease := bson.D{{Key: "_id", Value: hex.EncodeToString(sum[:])}, {Key: "erasure", Value: "erased-fromadeadprocess"}, {Key: "until", Value: time.Now().Add(5 * time.Minute)}}
	if _, err := leases.InsertOne(ctx, lease); err != nil {
		t.Fatal(err)
	}
	if _, err := p.a.EraseUser(ctx, p.admin, p.learnerA.UserID); !errors.Is(err, app.ErrErasureUnderWay) || apperr.KindOf(err) != apperr.KindConflict {
		t.Fatalf("erasure while another runs: %v", err)
	}
	if hits := eraseFindIn(t, p.db, "users", []string{eraseEmailA}); len(hits) != 1 {
		t.Fatal("a refused erasure touched her account")
	}
	if _, err := leases.UpdateOne(ctx, bson.D{{Key: "_id", Value: lease[0].Value}}, bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: time.Now().Add(-time.Second)}}}}); err != nil {
		t.Fatal(err)
	}
	e, err := p.a.EraseUser(ctx, p.admin, p.learnerA.UserID)
	if err != nil || e.ID != "erased-fromadeadprocess" || e.Status != app.ErasureDone {
		t.Fatalf("erasure after the lease ran out: %+v, %v", e, err)
	}
	if n, err := leases.CountDocuments(ctx, bson.D{}); err != nil || n != 0 {
		t.Errorf("%d leases left, %v", n, err)
	}
}
