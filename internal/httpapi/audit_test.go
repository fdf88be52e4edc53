package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/testenv"
)

type auditEntry struct {
	ID, Act, Actor, Subject, Target, Detail, IP string
	ActorEmail                                  string `json:"actor_email"`
	SubjectEmail                                string `json:"subject_email"`
	At                                          time.Time
}

// auditLog reads the audit log through the API as the admin, with query q.
func (e *env) auditLog(t *testing.T, admin, q string) ([]auditEntry, string) {
	t.Helper()
	resp, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/admin/audit?" + q, token: admin})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("audit log ?%s: %d %s", q, resp.StatusCode, body)
	}
	var page struct {
		Items []auditEntry
		Next  string
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatal(err)
	}
	return page.Items, page.Next
}

// mustFind returns the entries of act that match: at least one must.
func mustFind(t *testing.T, entries []auditEntry, act string, match func(auditEntry) bool) auditEntry {
	t.Helper()
	for _, en := range entries {
		if en.Act == act && match(en) {
			return en
		}
	}
	t.Fatalf("no %s entry as wanted among %+v", act, entries)
	return auditEntry{}
}

// TestAuditRecordsTheAPIsActs drives the API through every act it records and reads each back
// from the admins' audit endpoint: sign-ins and failures (an unknown address with no subject
// and without the address typed), sign-outs, role and status changes, invitations sent, resent
// and accepted, a trainer opening a learner's assessment and her learner view, report
// downloads and a course publication. A learner reading her own work is not recorded.
func TestAuditRecordsTheAPIsActs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cohortID := cohortFixture(t, e) // the trainer invites uusi.tulokas@example.fi into it
	learnerID, learner2ID, trainerID, adminID := e.users["learner"].ID, e.users["learner2"].ID, e.users["trainer"].ID, e.users["admin"].ID
	learner, trainer, admin := e.token(t, "learner"), e.token(t, "trainer"), e.token(t, "admin")
	assessmentID := e.mustCreate(t, scenario{method: "POST", path: "/api/v1/assessments", token: learner,
		body: `{"course":"kokeilu","assessment":"alkuarvio","ratings":{"1.1":3,"2.1":2,"4.2":4,"tunnistautuminen":2}}`})
	e.mustCreate(t, scenario{method: "POST", path: "/api/v1/safari-logs", token: learner,
		body: `{"course":"kokeilu","safari":"kela-safari","steps":[{"step":"kirjaudu","did_and_said":"Kirjautui.","observations":[]}],"debrief":"Sujui."}`})

	ctx := context.Background()
	draft, err := e.courses.GetDraft(ctx, e.principal("admin"), "kokeilu")
	if err != nil {
		t.Fatal(err)
	}
	draft.Course.Title["en"] = "Trial, second edition"
	if _, err := e.courses.SaveDraft(ctx, e.principal("admin"), "kokeilu", draft.ETag(), draft.Course); err != nil {
		t.Fatal(err)
	}
	tulokas, err := e.auth.UserByEmail(ctx, "uusi.tulokas@example.fi")
	if err != nil {
		t.Fatal(err)
	}
	run(t, e.app, []scenario{
		{name: "unknown address", method: "POST", path: "/api/v1/auth/login", body: `{"email":"kukaan.ei@example.fi","password":"arvaus"}`, status: 401},
		{name: "wrong password", method: "POST", path: "/api/v1/auth/login", body: `{"email":"learner2@example.fi","password":"arvaus"}`, status: 401},
		{name: "her own assessment", method: "GET", path: "/api/v1/assessments/" + assessmentID, token: learner, status: 200},
		{name: "the coach opens it", method: "GET", path: "/api/v1/assessments/" + assessmentID, token: trainer, status: 200},
		{name: "group's assessments", method: "GET", path: "/api/v1/cohorts/" + cohortID + "/assessments", token: trainer, status: 200},
		{name: "learner view", method: "GET", path: "/api/v1/cohorts/" + cohortID + "/learners/" + learnerID, token: trainer, status: 200},
		{name: "report", method: "GET", path: "/api/v1/cohorts/" + cohortID + "/report.csv", token: trainer, status: 200},
		{name: "safari summary", method: "GET", path: "/api/v1/safari-logs/summary?course=kokeilu&safari=kela-safari&format=csv", token: trainer, status: 200},
		{name: "completion report", method: "GET", path: "/api/v1/reports/completion?course=kokeilu", token: admin, status: 200},
		{name: "role", method: "PATCH", path: "/api/v1/users/" + learner2ID, token: admin, body: `{"roles":["learner","trainer"]}`, status: 200},
		{name: "disable", method: "PATCH", path: "/api/v1/users/" + learner2ID, token: admin, body: `{"disabled":true}`, status: 200},
		{name: "name only: no entry", method: "PATCH", path: "/api/v1/users/" + learnerID, token: admin, body: `{"name":"Learner Renamed"}`, status: 200},
		{name: "invite", method: "POST", path: "/api/v1/users", token: admin, body: `{"email":"kutsuttu@example.fi","name":"Kutsuttu","roles":["learner"],"locale":"fi"}`, status: 201},
		{name: "resend", method: "POST", path: "/api/v1/users/" + tulokas.ID + "/invitation", token: admin, status: 202},
		{name: "publish", method: "POST", path: "/api/v1/courses/kokeilu/publish", token: admin, status: 201},
	})
	tok := linkToken(t, e.outboxTo(t, "kutsuttu@example.fi")[0].Email.Text)
	run(t, e.app, []scenario{{name: "accept", method: "POST", path: "/api/v1/auth/invitations/accept", body: jsonBody(map[string]string{"token": tok, "password": testPassword}), status: 200}})
	kutsuttu, err := e.auth.UserByEmail(ctx, "kutsuttu@example.fi")
	if err != nil {
		t.Fatal(err)
	}
	session := e.login(t, "learner@example.fi", testPassword)
	run(t, e.app, []scenario{
		{name: "sign out", method: "POST", path: "/api/v1/auth/logout", body: jsonBody(map[string]string{"refresh_token": session.RefreshToken}), status: 204},
		{name: "sign out everywhere", method: "POST", path: "/api/v1/auth/logout-all", token: learner, status: 204},
	})

	all, _ := e.auditLog(t, admin, "limit=500")
	for _, en := range all {
		if strings.Contains(en.Detail+en.Target+en.Subject+en.Actor, "kukaan") {
			t.Errorf("an entry holds the typed address: %+v", en)
		}
		if strings.Contains(en.Detail+en.Target, learnerID) {
			t.Errorf("an entry holds a user id outside actor and subject (erasure would miss it): %+v", en)
		}
	}
	is := func(actor, subject string) func(auditEntry) bool {
		return func(en auditEntry) bool { return en.Actor == actor && en.Subject == subject }
	}
	signin := mustFind(t, all, audit.ActSignIn, is(learnerID, learnerID))
	if signin.IP == "" || signin.ActorEmail != "learner@example.fi" {
		t.Errorf("sign-in entry %+v", signin)
	}
	mustFind(t, all, audit.ActSignInFailed, func(en auditEntry) bool { return en.Subject == "" && en.Actor == "" && en.IP != "" })
	mustFind(t, all, audit.ActSignInFailed, is("", learner2ID))
	mustFind(t, all, audit.ActSignOut, func(en auditEntry) bool { return en.Actor == learnerID && en.Detail == "" && en.IP != "" })
	mustFind(t, all, audit.ActSignOut, func(en auditEntry) bool { return en.Actor == learnerID && en.Detail == "everywhere" })
	mustFind(t, all, audit.ActRoleChange, func(en auditEntry) bool {
		return en.Actor == adminID && en.Subject == learner2ID && en.Detail == "learner -> learner,trainer" && en.IP != ""
	})
	mustFind(t, all, audit.ActStatusChange, func(en auditEntry) bool {
		return en.Actor == adminID && en.Subject == learner2ID && en.Detail == "disabled"
	})
	for _, en := range all {
		if (en.Act == audit.ActRoleChange || en.Act == audit.ActStatusChange) && en.Subject == learnerID {
			t.Errorf("a change of name is recorded: %+v", en)
		}
		if (en.Act == audit.ActViewAssessment || en.Act == audit.ActViewSafari) && en.Actor == learnerID {
			t.Errorf("her own work read is recorded: %+v", en)
		}
	}
	mustFind(t, all, audit.ActInvitation, func(en auditEntry) bool {
		return en.Actor == trainerID && en.Subject == tulokas.ID && en.Detail == "sent"
	})
	mustFind(t, all, audit.ActInvitation, func(en auditEntry) bool {
		return en.Actor == adminID && en.Subject == tulokas.ID && en.Detail == "resent"
	})
	mustFind(t, all, audit.ActInvitation, func(en auditEntry) bool {
		return en.Actor == adminID && en.Subject == kutsuttu.ID && en.Detail == "sent"
	})
	mustFind(t, all, audit.ActInvitation, func(en auditEntry) bool { return en.Actor == kutsuttu.ID && en.Detail == "accepted" })
	mustFind(t, all, audit.ActViewAssessment, func(en auditEntry) bool {
		return en.Actor == trainerID && en.Subject == learnerID && en.Target == "kokeilu:alkuarvio"
	})
	mustFind(t, all, audit.ActViewAssessment, func(en auditEntry) bool {
		return en.Actor == trainerID && en.Subject == learnerID && en.Target == cohortID
	})
	mustFind(t, all, audit.ActViewAssessment, func(en auditEntry) bool {
		return en.Actor == trainerID && en.Subject == learnerID && en.Target == cohortID && en.Detail == "group list"
	})
	mustFind(t, all, audit.ActViewSafari, func(en auditEntry) bool {
		return en.Actor == trainerID && en.Subject == learnerID && en.Target == cohortID
	})
	mustFind(t, all, audit.ActReportDownload, func(en auditEntry) bool { return en.Actor == trainerID && en.Target == cohortID })
	mustFind(t, all, audit.ActReportDownload, func(en auditEntry) bool { return en.Actor == trainerID && en.Target == "kokeilu:kela-safari" })
	mustFind(t, all, audit.ActReportDownload, func(en auditEntry) bool { return en.Actor == adminID && en.Target == "kokeilu" })
	mustFind(t, all, audit.ActCoursePublish, func(en auditEntry) bool {
		return en.Actor == adminID && en.Target == "kokeilu" && en.Detail == "version 2"
	})
	mustFind(t, all, audit.ActCoursePublish, func(en auditEntry) bool { return en.Actor == "operator" && en.Detail == "version 1" })

	// Filters: by e-mail address or id, by act, by day; pages by the cursor.
	byEmail, _ := e.auditLog(t, admin, "actor=trainer%40example.fi&act=view.assessment")
	byID, _ := e.auditLog(t, admin, "actor="+trainerID+"&act=view.assessment")
	if len(byEmail) != 3 || len(byID) != 3 || byEmail[0].ID != byID[0].ID {
		t.Errorf("by address %+v, by id %+v", byEmail, byID)
	}
	about, _ := e.auditLog(t, admin, "subject=learner2%40example.fi")
	if len(about) < 3 {
		t.Errorf("about learner2: %+v", about)
	}
	for _, en := range about {
		if en.Subject != learner2ID {
			t.Errorf("about learner2: %+v", en)
		}
	}
	day := e.clock.Now().Format(time.DateOnly)
	today, _ := e.auditLog(t, admin, "from="+day+"&to="+day+"&limit=500")
	before, _ := e.auditLog(t, admin, "to="+e.clock.Now().AddDate(0, 0, -1).Format(time.DateOnly)+"&limit=500")
	if len(today)+len(before) != len(all) || len(today) == 0 || len(before) == 0 {
		t.Errorf("today %d + earlier %d, all %d", len(today), len(before), len(all))
	}
	var paged []auditEntry
	cursor := ""
	for range 100 {
		page, next := e.auditLog(t, admin, "limit=7&before="+url.QueryEscape(cursor))
		paged = append(paged, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(paged) != len(all) || paged[len(paged)-1].ID != all[len(all)-1].ID {
		t.Errorf("paged %d entries, all %d", len(paged), len(all))
	}

	run(t, e.app, []scenario{
		{name: "no token", method: "GET", path: "/api/v1/admin/audit", status: 401},
		{name: "a trainer", method: "GET", path: "/api/v1/admin/audit", token: trainer, status: 403},
		{name: "a trainer asking by address", method: "GET", path: "/api/v1/admin/audit?actor=admin%40example.fi", token: trainer, status: 403},
		{name: "a learner", method: "GET", path: "/api/v1/admin/audit", token: e.token(t, "learner"), status: 403},
		{name: "a bad day", method: "GET", path: "/api/v1/admin/audit?from=2026-13-01", token: admin, status: 400, want: []string{`"field":"from"`}},
		{name: "a bad time", method: "GET", path: "/api/v1/admin/audit?to=eilen", token: admin, status: 400, want: []string{`"field":"to"`}},
		{name: "to before from", method: "GET", path: "/api/v1/admin/audit?from=2026-02-10&to=2026-02-01", token: admin, status: 400, want: []string{`"field":"to"`}},
		{name: "limit zero", method: "GET", path: "/api/v1/admin/audit?limit=0", token: admin, status: 400, want: []string{`"field":"limit"`}},
		{name: "limit not a number", method: "GET", path: "/api/v1/admin/audit?limit=kaikki", token: admin, status: 400, want: []string{`"field":"limit"`}},
		{name: "limit too big", method: "GET", path: "/api/v1/admin/audit?limit=501", token: admin, status: 400},
		{name: "an unknown act", method: "GET", path: "/api/v1/admin/audit?act=lunch", token: admin, status: 422, want: []string{`"field":"act"`}},
		{name: "an unknown address", method: "GET", path: "/api/v1/admin/audit?subject=kukaan.ei%40example.fi", token: admin, status: 422, want: []string{`"field":"subject"`}},
		{name: "a cursor too long", method: "GET", path: "/api/v1/admin/audit?before=" + strings.Repeat("f", 101), token: admin, status: 400},
	})
}

// TestSignInGoesOnWithoutTheAuditLog: with the audit log's database gone, signing in, failing
// to and reading a learner's work still answer as usual.
func TestSignInGoesOnWithoutTheAuditLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.a.Audit = audit.New(goneDatabase(t), e.clock.Now, quietLog())
	run(t, e.app, []scenario{
		{name: "sign in", method: "POST", path: "/api/v1/auth/login", body: `{"email":"learner@example.fi","password":"` + testPassword + `"}`, status: 200},
		{name: "fail to", method: "POST", path: "/api/v1/auth/login", body: `{"email":"learner@example.fi","password":"arvaus"}`, status: 401},
	})
}

// goneDatabase is a database whose client has disconnected: every command fails.
func goneDatabase(t *testing.T) *mongo.Database {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Disconnect(context.Background()); err != nil {
		t.Fatal(err)
	}
	return client.Database("gone")
}
