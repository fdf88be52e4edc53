package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func TestCohorts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	trainer, learner, learner2, admin := e.token(t, "trainer"), e.token(t, "learner"), e.token(t, "learner2"), e.token(t, "admin")
	e.finishStart(t, "learner") // the wall's lesson waits for the first module
	e.finishStart(t, "learner2")
	opens := e.clock.Now().Add(-24 * time.Hour).Format(time.RFC3339) // module 2 opened yesterday: its wall takes posts
	due := e.clock.Now().Add(14 * 24 * time.Hour).Format(time.RFC3339)
	body := `{"course":"kokeilu","name":"Joensuu kevät 2026","join_code":true,"schedule":[{"module":"harjoitus","opens":"` + opens + `","due":"` + due + `"}]}`
	resp, out := do(t, e.app, scenario{method: "POST", path: "/api/v1/cohorts", token: trainer, body: body})
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, out)
	}
	var c struct {
		ID       string `json:"id"`
		JoinCode string `json:"join_code"`
	}
	_ = json.Unmarshal(out, &c)
	wall := "/api/v1/cohorts/" + c.ID + "/walls/viikko-1/posts"
	run(t, e.app, []scenario{
		{name: "learner creates", method: "POST", path: "/api/v1/cohorts", token: learner, body: body, status: 403},
		{name: "bad schedule", method: "POST", path: "/api/v1/cohorts", token: trainer, status: 422,
			body: `{"course":"kokeilu","name":"X","schedule":[{"module":"ei-ole"},{"module":"alku","opens":"` + due + `","due":"` + opens + `"}]}`,
			want: []string{`"field":"schedule.0.module"`, `"field":"schedule.1.due"`}},
		{name: "unknown course", method: "POST", path: "/api/v1/cohorts", token: trainer, body: `{"course":"ei-ole","name":"X"}`, status: 422, want: []string{`"field":"course"`}},
		{name: "another trainer's cohort is invisible", method: "GET", path: "/api/v1/cohorts/" + c.ID, token: e.tokenOfNewTrainer(t), status: 404},
		{name: "admin sees it", method: "GET", path: "/api/v1/cohorts/" + c.ID, token: admin, status: 200},
		{name: "trainer's list", method: "GET", path: "/api/v1/cohorts", token: trainer, status: 200, want: []string{c.ID}},
		{name: "learner lists cohorts", method: "GET", path: "/api/v1/cohorts", token: learner, status: 403},
		{name: "add members", method: "POST", path: "/api/v1/cohorts/" + c.ID + "/members", token: trainer, status: 200,
			body: `{"emails":["learner@example.fi","Uusi.Henkilo@example.fi","not-an-email","learner@example.fi"]}`,
			want: []string{`"status":"enrolled"`, `"status":"invited"`, `"status":"invalid"`, `"status":"already_member"`}},
		{name: "a learner adds members", method: "POST", path: "/api/v1/cohorts/" + c.ID + "/members", token: learner, body: `{"emails":["x@example.fi"]}`, status: 404},
		{name: "schedule of module 2", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"opens":"`, `"due":"`}},
		{name: "wall for members", method: "POST", path: wall, token: learner, body: `{"body":"Kohorttiseinä."}`, status: 201},
		{name: "non-member cannot post", method: "POST", path: wall, token: learner2, body: `{"body":"Ulkopuolinen."}`, status: 403},
		{name: "non-member cannot read", method: "GET", path: wall, token: learner2, status: 403},
		{name: "my courses show the cohort's wall", method: "GET", path: "/api/v1/me/courses", token: learner, status: 200, want: []string{`"wall":"` + c.ID + `"`}},
		{name: "join with a wrong code", method: "POST", path: "/api/v1/cohorts/join", token: learner2, body: `{"code":"AAAAAAAA"}`, status: 404},
		{name: "join", method: "POST", path: "/api/v1/cohorts/join", token: learner2, body: `{"code":"` + strings.ToLower(c.JoinCode) + `"}`, status: 200, want: []string{`"cohort":"` + c.ID + `"`}},
		{name: "join twice", method: "POST", path: "/api/v1/cohorts/join", token: learner2, body: `{"code":"` + c.JoinCode + `"}`, status: 409},
		{name: "remove a member", method: "DELETE", path: "/api/v1/cohorts/" + c.ID + "/members/" + e.users["learner2"].ID, token: trainer, status: 204},
		{name: "remove again", method: "DELETE", path: "/api/v1/cohorts/" + c.ID + "/members/" + e.users["learner2"].ID, token: trainer, status: 404},
		{name: "a removed member comes back", method: "POST", path: "/api/v1/cohorts/" + c.ID + "/members", token: trainer, status: 200,
			body: `{"emails":["learner2@example.fi"]}`, want: []string{`"status":"enrolled"`}},
		{name: "and may post again", method: "POST", path: wall, token: learner2, body: `{"body":"Takaisin."}`, status: 201},
		{name: "bad status", method: "PATCH", path: "/api/v1/cohorts/" + c.ID, token: trainer, body: `{"status":"paused"}`, status: 422},
		{name: "close", method: "PATCH", path: "/api/v1/cohorts/" + c.ID, token: trainer, body: `{"status":"closed"}`, status: 200, want: []string{`"status":"closed"`}},
		{name: "no enrolment into a closed cohort", method: "POST", path: "/api/v1/cohorts/" + c.ID + "/members", token: trainer, body: `{"emails":["learner2@example.fi"]}`, status: 409},
		{name: "no joining a closed cohort", method: "POST", path: "/api/v1/cohorts/join", token: learner2, body: `{"code":"` + c.JoinCode + `"}`, status: 404},
	})
}

// TestEnrolAnOrganisation adds a thousand new people in one request, within its deadline:
// each gets an account, one invitation and a membership, and a second cohort of the course
// takes them over.
func TestEnrolAnOrganisation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	trainer := e.token(t, "trainer")
	cohortOf := func(name string) string {
		resp, out := do(t, e.app, scenario{method: "POST", path: "/api/v1/cohorts", token: trainer, body: `{"course":"kokeilu","name":"` + name + `"}`})
		if resp.StatusCode != 201 {
			t.Fatalf("create: %d %s", resp.StatusCode, out)
		}
		var c struct{ ID string }
		_ = json.Unmarshal(out, &c)
		return c.ID
	}
	first, second := cohortOf("Koko kunta"), cohortOf("Syksy")
	emails := make([]string, 1000)
	for i := range emails {
		emails[i] = fmt.Sprintf("tyontekija%04d@hyvinvointialue.fi", i)
	}
	body, _ := json.Marshal(map[string]any{"emails": emails})
	type result struct {
		Status string `json:"status"`
		UserID string `json:"user_id"`
	}
	add := func(id string) []result {
		resp, out := do(t, e.app, scenario{method: "POST", path: "/api/v1/cohorts/" + id + "/members", token: trainer, body: string(body)})
		if resp.StatusCode != 200 {
			t.Fatalf("enrol: %d %.300s", resp.StatusCode, out)
		}
		var res struct{ Results []result }
		_ = json.Unmarshal(out, &res)
		if len(res.Results) != len(emails) {
			t.Fatalf("%d results for %d addresses", len(res.Results), len(emails))
		}
		return res.Results
	}
	for _, r := range add(first) {
		if r.Status != "invited" || r.UserID == "" {
			t.Fatalf("first enrolment: %+v", r)
		}
	}
	ctx := context.Background()
	for coll, want := range map[string]int64{"users": 1000, "enrolments": 1000, "memberships": 1000} {
		filter := bson.D{}
		if coll == "users" {
			filter = bson.D{{Key: "email", Value: bson.D{{Key: "$regex", Value: "@hyvinvointialue.fi$"}}}}
		}
		if n, err := e.db.Collection(coll).CountDocuments(ctx, filter); err != nil || n != want {
			t.Errorf("%s: %d documents (%v), want %d", coll, n, err, want)
		}
	}
	if n, err := e.db.Collection("outbox").CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^invitation:"}}}}); err != nil || n != 1000 {
		t.Errorf("%d invitations queued (%v), want 1000", n, err)
	}
	for _, r := range add(second) {
		if r.Status != "enrolled" {
			t.Fatalf("second cohort: %+v", r)
		}
	}
	if n, _ := e.db.Collection("memberships").CountDocuments(ctx, bson.D{{Key: "cohort", Value: second}}); n != 1000 {
		t.Errorf("%d memberships moved to the second cohort, want 1000", n)
	}
	for _, r := range add(second)[:3] {
		if r.Status != "already_member" {
			t.Errorf("again: %+v", r)
		}
	}
}

// tokenOfNewTrainer creates another trainer and signs her in.
func (e *env) tokenOfNewTrainer(t *testing.T) string {
	t.Helper()
	admin := e.token(t, "admin")
	do(t, e.app, scenario{method: "POST", path: "/api/v1/users", token: admin, body: `{"email":"toinen.kouluttaja@example.fi","name":"Toinen","roles":["trainer"],"locale":"en"}`})
	tok := linkToken(t, e.outboxTo(t, "toinen.kouluttaja@example.fi")[0].Email.Text)
	do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/invitations/accept", body: jsonBody(map[string]string{"token": tok, "password": testPassword})})
	return e.login(t, "toinen.kouluttaja@example.fi", testPassword).AccessToken
}

// finishStart takes the fixture's first module as who: the welcome lesson and its quiz, passed.
func (e *env) finishStart(t *testing.T, who string) {
	t.Helper()
	tok := e.token(t, who)
	do(t, e.app, scenario{method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: tok, body: `{"type":"viewed"}`})
	_, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: tok})
	id, right := answerAll(t, body, true)
	if resp, out := do(t, e.app, scenario{method: "POST", path: "/api/v1/attempts/" + id + "/submit", token: tok, body: jsonBody(map[string]any{"answers": right})}); resp.StatusCode != 200 {
		t.Fatalf("%s's quiz: %d %s", who, resp.StatusCode, out)
	}
}

// mustCreate sends a request that must create something and returns the new thing's id.
func (e *env) mustCreate(t *testing.T, sc scenario) string {
	t.Helper()
	resp, out := do(t, e.app, sc)
	if resp.StatusCode != 201 {
		t.Fatalf("%s %s: %d %s", sc.method, sc.path, resp.StatusCode, out)
	}
	var created struct{ ID string }
	_ = json.Unmarshal(out, &created)
	return created.ID
}

// TestTrainerScopeStaysWithTheirCohorts: another trainer cannot take a learner over by enrolling
// her, and sees neither her coach view, her progress, her safari notes, her quiz answers nor
// the authors of anonymous posts; her own trainer keeps her (issue 15, case 4).
func TestTrainerScopeStaysWithTheirCohorts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	trainer, other, learner, learner2, admin := e.token(t, "trainer"), e.tokenOfNewTrainer(t), e.token(t, "learner"), e.token(t, "learner2"), e.token(t, "admin")
	mine := e.mustCreate(t, scenario{method: "POST", path: "/api/v1/cohorts", token: trainer, body: `{"course":"kokeilu","name":"Kouluttajan ryhmä"}`})
	theirs := e.mustCreate(t, scenario{method: "POST", path: "/api/v1/cohorts", token: other, body: `{"course":"kokeilu","name":"Toisen ryhmä"}`})
	do(t, e.app, scenario{method: "POST", path: "/api/v1/cohorts/" + mine + "/members", token: trainer, body: `{"emails":["learner@example.fi"]}`})
	// She works in her cohort; learner2 studies the course on her own.
	for _, who := range []string{"learner", "learner2"} {
		e.finishStart(t, who)
	}
	assessment := e.mustCreate(t, scenario{method: "POST", path: "/api/v1/assessments", token: learner,
		body: `{"course":"kokeilu","assessment":"alkuarvio","ratings":{"1.1":3,"2.1":2,"4.2":4,"tunnistautuminen":2}}`})
	logWith := func(note string) string {
		return `{"course":"kokeilu","safari":"kela-safari","submitted":true,"steps":[{"step":"kirjaudu","did_and_said":"x","observations":[{"type":"usability","severity":2,"note":"` + note + `"}]}]}`
	}
	e.mustCreate(t, scenario{method: "POST", path: "/api/v1/safari-logs", token: learner, body: logWith("Ryhmäläisen havainto")})
	e.mustCreate(t, scenario{method: "POST", path: "/api/v1/safari-logs", token: learner2, body: logWith("Itsenäisen havainto")})
	openWall := "/api/v1/cohorts/open.kokeilu/walls/viikko-1/posts"
	post := e.mustCreate(t, scenario{method: "POST", path: openWall, token: learner2, body: `{"body":"Nimetön pohdinta.","anonymous":true}`})
	learnerID, learner2ID := e.users["learner"].ID, e.users["learner2"].ID
	summary := "/api/v1/safari-logs/summary?course=kokeilu&safari=kela-safari"
	run(t, e.app, []scenario{
		{name: "another trainer's enrolment leaves her where she is", method: "POST", path: "/api/v1/cohorts/" + theirs + "/members", token: other,
			body: `{"emails":["learner@example.fi"]}`, status: 200, want: []string{`"status":"in_other_cohort"`}, forbid: []string{`"status":"enrolled"`}},
		{name: "her wall stays her cohort's", method: "GET", path: "/api/v1/me/courses", token: learner, status: 200, want: []string{`"wall":"` + mine + `"`}},
		{name: "the other trainer has no coach view", method: "GET", path: "/api/v1/assessments/" + assessment, token: other, status: 404},
		{name: "nor coaches her", method: "PUT", path: "/api/v1/assessments/" + assessment + "/coach", token: other, body: `{"ratings":{"1.1":4}}`, status: 404},
		{name: "nor sees her progress", method: "GET", path: "/api/v1/cohorts/" + theirs + "/learners/" + learnerID, token: other, status: 404},
		{name: "nor removes her", method: "DELETE", path: "/api/v1/cohorts/" + theirs + "/members/" + learnerID, token: other, status: 404},
		{name: "safari notes without a cohort reach only the trainer's learners", method: "GET", path: summary, token: other, status: 200,
			want: []string{`"logs":0`}, forbid: []string{"Ryhmäläisen havainto", "Itsenäisen havainto"}},
		{name: "quiz statistics too", method: "GET", path: "/api/v1/quizzes/kokeilu:alkuvisa/stats", token: other, status: 200, want: []string{`"attempts":0`}},
		{name: "her trainer sees her notes and no one else's", method: "GET", path: summary, token: trainer, status: 200,
			want: []string{`"logs":1`, "Ryhmäläisen havainto"}, forbid: []string{"Itsenäisen havainto"}},
		{name: "her trainer coaches her", method: "PUT", path: "/api/v1/assessments/" + assessment + "/coach", token: trainer, body: `{"ratings":{"1.1":4}}`, status: 200},
		{name: "an admin sees everyone's notes", method: "GET", path: summary, token: admin, status: 200, want: []string{`"logs":2`, "Ryhmäläisen havainto", "Itsenäisen havainto"}},
		{name: "a trainer outside the course's team does not moderate its open wall", method: "PATCH", path: openWall + "/" + post, token: other, body: `{"hidden":true}`, status: 403},
		{name: "nor sees who wrote anonymously", method: "GET", path: openWall, token: other, status: 200, want: []string{"Nimetön pohdinta."}, forbid: []string{learner2ID}},
		{name: "her trainer removes her", method: "DELETE", path: "/api/v1/cohorts/" + mine + "/members/" + learnerID, token: trainer, status: 204},
		{name: "and adds her back", method: "POST", path: "/api/v1/cohorts/" + mine + "/members", token: trainer, body: `{"emails":["learner@example.fi"]}`, status: 200,
			want: []string{`"status":"enrolled"`}},
	})
	e.makeEditor(t, "trainer")
	run(t, e.app, []scenario{
		{name: "the course's editor moderates its open wall", method: "PATCH", path: openWall + "/" + post, token: trainer, body: `{"hidden":true}`, status: 200},
		{name: "and sees who wrote anonymously", method: "GET", path: openWall, token: trainer, status: 200, want: []string{learner2ID}},
		{name: "and reaches the learners without a cohort", method: "GET", path: summary, token: trainer, status: 200, want: []string{`"logs":2`}},
	})
}
