package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

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

// exportPilot is a small pilot of two learners who interact in one cohort, with their trainer and an
// admin.
type exportPilot struct {
	a                            *app.App
	db                           *mongo.Database
	storage                      *media.Storage
	clock                        *testenv.Clock
	anna, ben, trainer, admin    auth.Principal
	annaEmail, benEmail, benName string
	cohort                       string
}

// newExportPilot seeds a exportPilot where Anna and Ben share a cohort, comment on each other's posts and
// react to them, take the quiz, assess themselves (Anna's trainer coaches her), log a safari and
// get e-mails (their invitations).
func newExportPilot(t *testing.T) *exportPilot {
	t.Helper()
	ctx := context.Background()
	clk := testenv.NewClock(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	db, st := testenv.Mongo(t), testenv.S3(t)
	keys, err := auth.ParseKeySet(auth.GenerateKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, app.Deps{DB: db, Storage: st, Keys: keys, PublicURL: testenv.Issuer, Now: clk.Now, Limits: testenv.QuickLimits})
	if err != nil {
		t.Fatal(err)
	}
	co, fsys := testenv.Fixture(t)
	for i := range co.Modules { // these tests are about the data, not the course's locks
		co.Modules[i].Prerequisites, co.Modules[i].Sequential = nil, false
	}
	if _, err := a.ImportCourse(ctx, co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	p := &exportPilot{a: a, db: db, storage: st, clock: clk, annaEmail: "anna.virtanen@example.fi", benEmail: "bertta.bengtsson@example.fi", benName: "Bertta Bengtsson"}
	add := func(email, name string, role auth.Role) auth.Principal {
		u, _, err := a.AddUser(ctx, auth.NewUser{Email: email, Name: name, Roles: []auth.Role{role}, Locale: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		return auth.Principal{UserID: u.ID, Roles: u.Roles, Locale: "fi"}
	}
	p.admin = add("paakayttaja@example.fi", "Pirkko Pääkäyttäjä", auth.RoleAdmin)
	p.trainer = add("kouluttaja@example.fi", "Kaisa Kouluttaja", auth.RoleTrainer)
	p.anna = add(p.annaEmail, "Anna Virtanen", auth.RoleLearner)
	p.ben = add(p.benEmail, p.benName, auth.RoleLearner)
	c, err := a.Cohorts.Create(ctx, p.trainer, cohort.NewCohort{Course: "kokeilu", Name: "Kevät 2026"})
	if err != nil {
		t.Fatal(err)
	}
	p.cohort = c.ID
	if _, err := a.Cohorts.AddMembers(ctx, p.trainer, c.ID, []string{p.annaEmail, p.benEmail}, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, who := range []auth.Principal{p.anna, p.ben} {
		if _, err := a.Learning.Record(ctx, who, []learning.Entry{viewed(who.UserID, "tervetuloa"), viewed(who.UserID, "visa")}); err != nil {
			t.Fatal(err)
		}
		at, err := a.Quizzes.StartAttempt(ctx, who, course.ActivityID("kokeilu", "alkuvisa"), "fi")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Quizzes.Submit(ctx, who, at.ID, nil); err != nil {
			t.Fatal(err)
		}
		self := map[string]int{"1.1": 3, "2.1": 2, "4.2": 4, "tunnistautuminen": 2}
		if _, err := a.Assessments.Submit(ctx, who, "kokeilu", "alkuarvio", self, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Assessments.SaveDraft(ctx, who, "kokeilu", "alkuarvio", map[string]int{"1.1": 1}, nil); err != nil {
			t.Fatal(err)
		}
		in := activity.SafariInput{Course: "kokeilu", Safari: "kela-safari", Debrief: "Kirjautuminen oli vaikein kohta.",
			Steps: []activity.StepLog{{Step: "kirjaudu", DidAndSaid: "Etsi painiketta pitkään.", Observations: []activity.Observation{
				{Type: activity.ObsUsability, Severity: 3, Competence: "2.3", Note: "Kirjaudu-painike huomaamaton"}}}}}
		if _, err := a.Safaris.Save(ctx, who, "", in); err != nil {
			t.Fatal(err)
		}
	}
	const task = "viikko-1"
	annas, err := a.Walls.CreatePost(ctx, p.anna, c.ID, task, "Asiakas ei löytänyt kirjautumista.", false)
	if err != nil {
		t.Fatal(err)
	}
	bens, err := a.Walls.CreatePost(ctx, p.ben, c.ID, task, "Minulla sama kokemus pankkitunnuksista.", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Walls.Comment(ctx, p.ben, c.ID, task, annas.ID, "Hyvä huomio, kiitos!"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Walls.Comment(ctx, p.anna, c.ID, task, bens.ID, "Samaa mieltä."); err != nil {
		t.Fatal(err)
	}
	if err := a.Walls.React(ctx, p.anna, c.ID, task, bens.ID, "heart", true); err != nil {
		t.Fatal(err)
	}
	if err := a.Walls.React(ctx, p.ben, c.ID, task, annas.ID, "clap", true); err != nil {
		t.Fatal(err)
	}
	// The trainer coaches Anna's assessment.
	mine, err := a.Assessments.Mine(ctx, p.anna, "kokeilu", "fi")
	if err != nil || len(mine) == 0 {
		t.Fatalf("Anna's assessments: %v %v", mine, err)
	}
	if _, err := a.Assessments.Coach(ctx, p.trainer, mine[0].ID, map[string]int{"1.1": 4, "2.1": 4}, map[string]string{"general": "Osaat enemmän kuin arvioit."}); err != nil {
		t.Fatal(err)
	}
	return p
}

// unzip reads an archive's files by name.
func unzipExport(t *testing.T, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = string(b)
	}
	return files
}

// TestExportHoldsEveryRecordOfHersAndNoneOfAnother: every document of every collection that
// holds Anna's id or address is in her export, every JSON file parses, and nothing in the
// archive names Ben (his id, address or name), although he commented on her posts and she on
// his.
func TestExportHoldsEveryRecordOfHersAndNoneOfAnother(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newExportPilot(t)
	var buf bytes.Buffer
	if err := p.a.ExportData(ctx, p.anna.UserID, &buf); err != nil {
		t.Fatal(err)
	}
	files := unzipExport(t, buf.Bytes())
	var all strings.Builder
	for name, body := range files {
		all.WriteString(body)
		if strings.HasSuffix(name, ".json") && !json.Valid([]byte(body)) {
			t.Errorf("%s is not JSON:\n%s", name, body)
		}
	}
	archive := all.String()
	for _, name := range []string{"README.txt", "account.json", "statements.json", "statements.csv", "progress.json", "progress.csv", "quiz_attempts.json",
		"wall_posts.json", "wall_comments_on_my_posts.json", "wall_reactions_given.json", "assessments.json", "assessment_drafts.json", "safari_logs.json",
		"certificates.json", "emails.json", "audit_log.json", "sessions_browser.json", "sessions_api.json"} {
		if _, ok := files[name]; !ok {
			t.Errorf("no %s in the archive", name)
		}
	}

	// Every record holding her id or address, collection by collection.
	tokens := map[string]bool{"refresh_tokens": true, "browser_sessions": true, "auth_tokens": true} // ids are token hashes: counted
	names, err := p.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for _, coll := range names {
		if coll == learning.MarkersCollection || coll == learning.LeasesCollection {
			continue // bookkeeping of the group commit that lives seconds: ids only, not her record
		}
		cur, err := p.db.Collection(coll).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var docs []bson.M
		if err := cur.All(ctx, &docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			j, _ := bson.MarshalExtJSON(d, false, false)
			if !strings.Contains(string(j), p.anna.UserID) && !strings.Contains(string(j), p.annaEmail) {
				continue
			}
			found[coll]++
			if tokens[coll] {
				continue
			}
			if id := fmt.Sprint(d["_id"]); !strings.Contains(archive, `"`+id+`"`) {
				t.Errorf("%s %s holds her data and is not in the export: %s", coll, id, j)
			}
		}
	}
	for _, coll := range []string{"users", "statements", "progress", "attempts", "posts", "assessments", "assessment_drafts", "safari_logs", "enrolments", "memberships", "outbox", "audit_log"} {
		if found[coll] == 0 {
			t.Errorf("the pilot put nothing of hers in %s; the test proves less than it says", coll)
		}
	}
	if n := strings.Count(files["links_sent.json"], `"kind"`); n != found["auth_tokens"] {
		t.Errorf("links_sent.json has %d links, the database %d", n, found["auth_tokens"])
	}

	// Every e-mail Taito queued links the privacy notice.
	var jobs []struct {
		ID    string `bson:"_id"`
		Email *struct{ Text, HTML string }
	}
	cur, err := p.db.Collection("outbox").Find(ctx, bson.D{})
	if err != nil || cur.All(ctx, &jobs) != nil || len(jobs) < 4 {
		t.Fatalf("outbox: %d jobs, %v", len(jobs), err)
	}
	for _, j := range jobs {
		if j.Email != nil && (!strings.Contains(j.Email.Text, testenv.Issuer+"/privacy") || !strings.Contains(j.Email.HTML, testenv.Issuer+"/privacy")) {
			t.Errorf("e-mail %s does not link the privacy notice:\n%s", j.ID, j.Email.Text)
		}
	}

	// Nothing of Ben's.
	for _, s := range []string{p.ben.UserID, p.benEmail, p.benName, "Bertta", "Bengtsson"} {
		for name, body := range files {
			if strings.Contains(body, s) {
				t.Errorf("%s names Ben (%q)", name, s)
			}
		}
	}
	// But Ben's comment on her post is there without him, and the coach's notes about her.
	for _, want := range []string{"Hyvä huomio, kiitos!", `"another person"`, "Osaat enemmän kuin arvioit.", `"reactions_received"`, "Samaa mieltä."} {
		if !strings.Contains(archive, want) {
			t.Errorf("the archive lacks %q", want)
		}
	}
	// No secret.
	for _, s := range []string{"password_hash", "csrf", "token_gen"} {
		if strings.Contains(archive, `"`+s+`"`) {
			t.Errorf("the archive holds %q", s)
		}
	}
	if !strings.Contains(files["progress.csv"], "kokeilu,lesson,tervetuloa,") || !strings.Contains(files["statements.csv"], "kokeilu") {
		t.Errorf("tables:\n%s\n%s", files["progress.csv"], files["statements.csv"])
	}
	for _, lang := range []string{"suomeksi", "på svenska", "in English"} {
		if !strings.Contains(files["README.txt"], lang) {
			t.Errorf("README.txt has no part %s", lang)
		}
	}
}

// TestExportRequestAndDownload: a learner asks for her export, the background job prepares it
// once however many replicas run it, she gets an e-mail (with the privacy notice's link) and
// downloads it; nobody else can, and after 24 hours nobody can. A trainer cannot export another
// person; an admin can, for herself to download. Expiry and erasure delete archive and record.
func TestExportRequestAndDownload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newExportPilot(t)
	a := p.a

	if _, err := a.RequestExport(ctx, p.trainer, p.anna.UserID); apperr.KindOf(err) != apperr.KindForbidden {
		t.Errorf("a trainer exports a learner: %v", err)
	}
	if _, err := a.RequestExport(ctx, p.ben, p.anna.UserID); apperr.KindOf(err) != apperr.KindForbidden {
		t.Errorf("a learner exports another: %v", err)
	}
	if _, err := a.RequestExport(ctx, p.admin, "no-such-user"); !errors.Is(err, auth.ErrUserNotFound) {
		t.Errorf("an admin exports an unknown user: %v", err)
	}
	e, err := a.RequestExport(ctx, p.anna, p.anna.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.ID) < 22 || e.Status != app.ExportPending {
		t.Fatalf("export %+v", e)
	}
	if again, err := a.RequestExport(ctx, p.anna, p.anna.UserID); err != nil || again.ID != e.ID {
		t.Errorf("a second request while the first waits: %+v %v", again, err)
	}
	if _, _, err := a.DownloadExport(ctx, p.anna, e.ID); apperr.KindOf(err) != apperr.KindConflict {
		t.Errorf("download before it is ready: %v", err)
	}

	// Two replicas run the job at once: one archive, one e-mail.
	done := make(chan int, 2)
	for range 2 {
		go func() { n, err := a.PrepareExports(ctx); t.Log(err); done <- n }()
	}
	if n := <-done + <-done; n != 1 {
		t.Errorf("prepared %d exports, want 1", n)
	}
	mine, err := a.MyExports(ctx, p.anna)
	if err != nil || len(mine) != 1 || mine[0].Status != app.ExportReady || mine[0].Expires == nil || !mine[0].Expires.Equal(p.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("her exports %+v %v", mine, err)
	}
	var mail struct {
		Email struct{ To, Text, HTML string }
	}
	if err := p.db.Collection("outbox").FindOne(ctx, bson.D{{Key: "_id", Value: "export-ready:" + e.ID}}).Decode(&mail); err != nil {
		t.Fatal(err)
	}
	if mail.Email.To != p.annaEmail || !strings.Contains(mail.Email.Text, testenv.Issuer+"/profile") || !strings.Contains(mail.Email.Text, testenv.Issuer+"/privacy") ||
		!strings.Contains(mail.Email.HTML, `href="`+testenv.Issuer+`/privacy"`) {
		t.Errorf("the e-mail: %+v", mail.Email)
	}

	got, data, err := a.DownloadExport(ctx, p.anna, e.ID)
	if err != nil || got.Size != int64(len(data)) {
		t.Fatalf("download: %v (%d bytes, size %d)", err, len(data), got.Size)
	}
	if !strings.Contains(unzipExport(t, data)["account.json"], p.annaEmail) {
		t.Errorf("the archive is not hers")
	}
	for _, who := range []auth.Principal{p.ben, p.admin, p.trainer} {
		if _, _, err := a.DownloadExport(ctx, who, e.ID); apperr.KindOf(err) != apperr.KindNotFound {
			t.Errorf("%v downloads her export: %v", who.Roles, err)
		}
	}
	if _, _, err := a.DownloadExport(ctx, p.anna, "no-such-export-0000000000"); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("an unknown id: %v", err)
	}
	audits, err := a.Audit.About(ctx, p.anna.UserID)
	if err != nil {
		t.Fatal(err)
	}
	acts := map[string]int{}
	for _, en := range audits {
		acts[en.Act]++
	}
	if acts["privacy.export"] != 1 || acts["privacy.export.download"] != 1 {
		t.Errorf("audit acts %v", acts)
	}

	// An admin's export of Ben is hers to download, not his.
	adm, err := a.RequestExport(ctx, p.admin, p.ben.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := a.PrepareExports(ctx); n != 1 || err != nil {
		t.Fatalf("prepared %d: %v", n, err)
	}
	if _, data, err := a.DownloadExport(ctx, p.admin, adm.ID); err != nil || !strings.Contains(unzipExport(t, data)["account.json"], p.benEmail) {
		t.Errorf("the admin's download: %v", err)
	}
	if _, _, err := a.DownloadExport(ctx, p.ben, adm.ID); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("Ben downloads the admin's export of him: %v", err)
	}

	// A day later the link is dead, and the cleanup deletes archive and record.
	p.clock.Advance(24 * time.Hour)
	if _, _, err := a.DownloadExport(ctx, p.anna, e.ID); apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("download after 24 hours: %v", err)
	}
	if n, err := a.ExpireExports(ctx, p.clock.Now()); err != nil || n != 2 {
		t.Errorf("expired %d: %v", n, err)
	}
	if mine, _ := a.MyExports(ctx, p.anna); len(mine) != 0 {
		t.Errorf("after expiry: %+v", mine)
	}
	for _, id := range []string{e.ID, adm.ID} {
		if _, err := p.storage.GetObject(ctx, "privacy-exports/"+id+".zip", 1<<20); !errors.Is(err, media.ErrNoObject) {
			t.Errorf("the archive of %s after expiry: %v", id, err)
		}
	}

	// Erasure deletes her exports, waiting or ready, and those she asked for.
	later, err := a.RequestExport(ctx, p.anna, p.anna.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.PrepareExports(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteExportsOf(ctx, p.anna.UserID); err != nil {
		t.Fatal(err)
	}
	if mine, _ := a.MyExports(ctx, p.anna); len(mine) != 0 {
		t.Errorf("after DeleteExportsOf: %+v", mine)
	}
	if _, err := p.storage.GetObject(ctx, "privacy-exports/"+later.ID+".zip", 1<<20); !errors.Is(err, media.ErrNoObject) {
		t.Errorf("the archive after DeleteExportsOf: %v", err)
	}
}
