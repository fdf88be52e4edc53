package httpapi_test

import (
	"testing"
	"time"
)

// createCohort creates a cohort of the fixture course as the trainer and returns its id.
func (e *env) createCohort(t *testing.T, trainer, body string) string {
	t.Helper()
	return e.mustCreate(t, scenario{method: "POST", path: "/api/v1/cohorts", token: trainer, body: body})
}

// cohortWith creates a cohort of the fixture course as the trainer, enrols the env's users named
// in who (by key: learner, learner2) and returns its id.
func (e *env) cohortWith(t *testing.T, trainer, name string, who ...string) string {
	t.Helper()
	id := e.createCohort(t, trainer, `{"course":"kokeilu","name":"`+name+`"}`)
	emails := make([]string, len(who))
	for i, w := range who {
		emails[i] = w + "@example.fi"
	}
	if resp, out := do(t, e.app, scenario{method: "POST", path: "/api/v1/cohorts/" + id + "/members", token: trainer, body: jsonBody(map[string]any{"emails": emails})}); resp.StatusCode != 200 {
		t.Fatalf("enrol %v: %d %s", who, resp.StatusCode, out)
	}
	return id
}

// TestEnrolmentIsVisibleBeforeAnyActivity: a learner enrolled by her trainer finds the course, her
// cohort, its schedule and her wall at once, before she has done anything; she reads her own
// cohorts and nobody else's (issue 16, finding 2).
func TestEnrolmentIsVisibleBeforeAnyActivity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	trainer, learner, learner2 := e.token(t, "trainer"), e.token(t, "learner"), e.token(t, "learner2")
	id := e.createCohort(t, trainer, `{"course":"kokeilu","name":"Joensuu kevät 2026","join_code":true,"schedule":[{"module":"harjoitus","opens":"2026-02-09","due":"2026-02-20"}]}`)
	run(t, e.app, []scenario{
		{name: "enrol", method: "POST", path: "/api/v1/cohorts/" + id + "/members", token: trainer, body: `{"emails":["learner@example.fi"]}`, status: 200},
		{name: "my courses list the course not started", method: "GET", path: "/api/v1/me/courses", token: learner, status: 200,
			want: []string{`"slug":"kokeilu"`, `"state":"not_started"`, `"wall":"` + id + `"`, `"cohort":{"id":"` + id + `","name":"Joensuu kevät 2026"`,
				`"opens":"2026-02-08T22:00:00Z"`, `"due":"2026-02-20T21:59:59Z"`}},
		{name: "the catalogue says enrolled", method: "GET", path: "/api/v1/courses", token: learner, status: 200, want: []string{`"enrolled":true`}},
		{name: "her cohorts with trainers' names and the schedule", method: "GET", path: "/api/v1/me/cohorts", token: learner, status: 200,
			want:   []string{`"id":"` + id + `"`, `"name":"Joensuu kevät 2026"`, `"trainers":["Trainer"]`, `"module":"harjoitus"`, `"status":"planned"`},
			forbid: []string{"join_code", e.users["trainer"].ID}},
		{name: "another learner sees no cohort", method: "GET", path: "/api/v1/me/cohorts", token: learner2, status: 200, want: []string{`"items":[]`}, forbid: []string{id}},
		{name: "another learner has no course", method: "GET", path: "/api/v1/me/courses", token: learner2, status: 200, want: []string{`"items":[]`}},
		{name: "nor is it enrolled for her", method: "GET", path: "/api/v1/courses", token: learner2, status: 200, want: []string{`"enrolled":false`}},
		{name: "another learner reads the cohort by id", method: "GET", path: "/api/v1/cohorts/" + id, token: learner2, status: 404},
		{name: "the member's trainer view stays the trainers'", method: "GET", path: "/api/v1/cohorts/" + id, token: learner, status: 404},
	})
}

// TestCohortStatusFollowsItsDates: a cohort is planned before its start date, running from it and
// closed at its end date or when its trainer closes it; a closed cohort takes no members (issue
// 16, finding 6).
func TestCohortStatusFollowsItsDates(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // the clock stands at 2026-02-02 09:00 UTC
	e.publishFixture(t)
	trainer := e.token(t, "trainer")
	id := e.createCohort(t, trainer, `{"course":"kokeilu","name":"Kevät","starts_on":"2026-02-10","ends_on":"2026-03-31"}`)
	running := e.createCohort(t, trainer, `{"course":"kokeilu","name":"Käynnissä","starts_on":"2026-02-01T08:00:00+02:00"}`)
	path := "/api/v1/cohorts/" + id
	run(t, e.app, []scenario{
		{name: "planned before the start date", method: "GET", path: path, token: trainer, status: 200, want: []string{`"status":"planned"`, `"starts_on":"2026-02-09T22:00:00Z"`, `"ends_on":"2026-03-31T20:59:59Z"`}},
		{name: "running once the start date has passed", method: "GET", path: "/api/v1/cohorts/" + running, token: trainer, status: 200, want: []string{`"status":"running"`}},
	})
	e.clock.Set(time.Date(2026, 2, 9, 22, 1, 0, 0, time.UTC)) // 10.2. 00:01 in Helsinki
	trainer = e.token(t, "trainer")
	run(t, e.app, []scenario{
		{name: "running from the start date", method: "GET", path: path, token: trainer, status: 200, want: []string{`"status":"running"`}},
		{name: "enrolment while running", method: "POST", path: path + "/members", token: trainer, body: `{"emails":["learner@example.fi"]}`, status: 200},
		{name: "in the trainer's list too", method: "GET", path: "/api/v1/cohorts", token: trainer, status: 200, want: []string{`"status":"running"`}, forbid: []string{`"status":"planned"`}},
	})
	e.clock.Set(time.Date(2026, 3, 31, 21, 0, 0, 0, time.UTC)) // 1.4. 00:00 in Helsinki (summer time): past the end
	trainer = e.token(t, "trainer")
	run(t, e.app, []scenario{
		{name: "closed after the end date", method: "GET", path: path, token: trainer, status: 200, want: []string{`"status":"closed"`}},
		{name: "no enrolment after the end date", method: "POST", path: path + "/members", token: trainer, body: `{"emails":["learner2@example.fi"]}`, status: 409},
		{name: "closing by hand", method: "PATCH", path: "/api/v1/cohorts/" + running, token: trainer, body: `{"status":"closed"}`, status: 200, want: []string{`"status":"closed"`}},
		{name: "another trainer's cohort", method: "GET", path: path, token: e.tokenOfNewTrainer(t), status: 404},
	})
}

// TestCohortDatesTakeLocalDays: dates are local days in Finnish time (an opening starts the day, a
// due date ends it) or RFC 3339 moments; a bad one is named by its field with the formats
// expected, not "malformed JSON" (issue 16, finding 6).
func TestCohortDatesTakeLocalDays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	trainer := e.token(t, "trainer")
	id := e.createCohort(t, trainer, `{"course":"kokeilu","name":"Syksy"}`)
	run(t, e.app, []scenario{
		{name: "local days", method: "POST", path: "/api/v1/cohorts", token: trainer, status: 201,
			body: `{"course":"kokeilu","name":"Joulu","schedule":[{"module":"harjoitus","opens":"2026-12-10","due":"2026-12-17"}]}`,
			want: []string{`"opens":"2026-12-09T22:00:00Z"`, `"due":"2026-12-17T21:59:59Z"`}},
		{name: "summer time", method: "PATCH", path: "/api/v1/cohorts/" + id, token: trainer, status: 200,
			body: `{"schedule":[{"module":"harjoitus","opens":"2026-06-01","due":"2026-06-30"}]}`,
			want: []string{`"opens":"2026-05-31T21:00:00Z"`, `"due":"2026-06-30T20:59:59Z"`}},
		{name: "RFC 3339 as before", method: "PATCH", path: "/api/v1/cohorts/" + id, token: trainer, status: 200,
			body: `{"starts_on":"2026-09-01T08:00:00Z"}`, want: []string{`"starts_on":"2026-09-01T08:00:00Z"`}},
		{name: "Finnish notation is named with the formats", method: "POST", path: "/api/v1/cohorts", token: trainer, status: 422,
			body: `{"course":"kokeilu","name":"X","starts_on":"1.9.2026","schedule":[{"module":"harjoitus","opens":"10.12.2026","due":42}]}`,
			want: []string{`"field":"starts_on"`, `"field":"schedule.0.opens"`, `"field":"schedule.0.due"`, "2026-12-10", "RFC 3339"}, forbid: []string{"malformed JSON"}},
		{name: "an end before the start", method: "PATCH", path: "/api/v1/cohorts/" + id, token: trainer, status: 422,
			body: `{"ends_on":"2026-08-01"}`, want: []string{`"field":"ends_on"`}},
		{name: "another trainer's cohort", method: "PATCH", path: "/api/v1/cohorts/" + id, token: e.tokenOfNewTrainer(t), body: `{"ends_on":"2027-01-01"}`, status: 404},
	})
}

// TestWallPostsNameTheirAuthors: posts and comments carry their authors' display names; peers of
// an anonymous author read "anonymous" in their language, her trainers read her name (issue 16,
// finding 3).
func TestWallPostsNameTheirAuthors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	trainer, learner, learner2 := e.token(t, "trainer"), e.token(t, "learner"), e.token(t, "learner2")
	id := e.cohortWith(t, trainer, "Seinä", "learner", "learner2")
	e.finishStart(t, "learner")
	e.finishStart(t, "learner2")
	wall := "/api/v1/cohorts/" + id + "/walls/viikko-1/posts"
	e.mustCreate(t, scenario{method: "POST", path: wall, token: learner, body: `{"body":"Oma pohdinta."}`})
	hidden := e.mustCreate(t, scenario{method: "POST", path: wall, token: learner2, body: `{"body":"Piilotettu kirjoittaja.","anonymous":true}`})
	in := func(lang string) map[string]string { return map[string]string{"Accept-Language": lang} }
	run(t, e.app, []scenario{
		{name: "a comment carries its author's name", method: "POST", path: wall + "/" + hidden + "/comments", token: learner, body: `{"body":"Hyvä huomio."}`, status: 201,
			want: []string{`"author_name":"Learner"`}},
		{name: "a peer reads the name", method: "GET", path: wall, token: learner2, status: 200, want: []string{`"author_name":"Learner"`}},
		{name: "an anonymous author is Nimetön to her peers", method: "GET", path: wall, token: learner, headers: in("fi"), status: 200,
			want: []string{`"author_name":"Nimetön"`}, forbid: []string{`"author_name":"Learner2"`, e.users["learner2"].ID}},
		{name: "Anonym in Swedish", method: "GET", path: wall, token: learner, headers: in("sv"), status: 200, want: []string{`"author_name":"Anonym"`}, forbid: []string{"Learner2"}},
		{name: "Anonymous in English", method: "GET", path: wall, token: learner, headers: in("en"), status: 200, want: []string{`"author_name":"Anonymous"`}, forbid: []string{"Learner2"}},
		{name: "the author reads her own name", method: "GET", path: wall, token: learner2, status: 200, want: []string{`"author_name":"Learner2"`}},
		{name: "the cohort's trainer reads every name", method: "GET", path: wall, token: trainer, status: 200, want: []string{`"author_name":"Learner2"`, `"author_name":"Learner"`}},
		{name: "someone else's cohort wall", method: "GET", path: "/api/v1/cohorts/" + e.createCohort(t, trainer, `{"course":"kokeilu","name":"Muu"}`) + "/walls/viikko-1/posts",
			token: learner, status: 403},
	})
}

// TestCoachSeesALearnersWholeWork: a member's view for her trainer carries, besides the lesson
// states, her best quiz scores, how many posts and comments she wrote, her self-assessments and
// her service-safari logs; another trainer still finds no such member (issue 16, finding 4).
func TestCoachSeesALearnersWholeWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	trainer, learner := e.token(t, "trainer"), e.token(t, "learner")
	id := e.cohortWith(t, trainer, "Valmennus", "learner")
	e.finishStart(t, "learner")
	e.mustCreate(t, scenario{method: "POST", path: "/api/v1/cohorts/" + id + "/walls/viikko-1/posts", token: learner, body: `{"body":"Ryhmän pohdinta."}`})
	assessment := e.mustCreate(t, scenario{method: "POST", path: "/api/v1/assessments", token: learner,
		body: `{"course":"kokeilu","assessment":"alkuarvio","ratings":{"1.1":3,"2.1":2,"4.2":4,"tunnistautuminen":2}}`})
	safari := e.mustCreate(t, scenario{method: "POST", path: "/api/v1/safari-logs", token: learner,
		body: `{"course":"kokeilu","safari":"kela-safari","steps":[{"step":"kirjaudu","did_and_said":"Asiakas kirjautui.","observations":[{"type":"went_well","note":"Pankkitunnukset sujuivat"}]}]}`})
	view := "/api/v1/cohorts/" + id + "/learners/"
	run(t, e.app, []scenario{
		{name: "quiz scores and posts", method: "GET", path: view + e.users["learner"].ID, token: trainer, status: 200,
			want: []string{`"name":"Learner"`, `"org_unit":"Joensuu / aikuissosiaalityö"`, `"quiz_best":{"`, `":1}`, `"posts":1`, `"comments":0`, `"assessments":[{"id":"` + assessment + `"`}},
		{name: "her safari log, a draft too", method: "GET", path: view + e.users["learner"].ID, token: trainer, status: 200,
			want: []string{`"safaris":[{"id":"` + safari + `"`, "Pankkitunnukset sujuivat", `"submitted":false`}},
		{name: "an admin sees it too", method: "GET", path: view + e.users["learner"].ID, token: e.token(t, "admin"), status: 200, want: []string{safari}},
		{name: "someone outside the cohort", method: "GET", path: view + e.users["learner2"].ID, token: trainer, status: 404},
		{name: "another trainer", method: "GET", path: view + e.users["learner"].ID, token: e.tokenOfNewTrainer(t), status: 404, forbid: []string{"Pankkitunnukset"}},
		{name: "the learner herself", method: "GET", path: view + e.users["learner"].ID, token: learner, status: 404},
	})
}

// TestCoachFindsHerCohortsAssessments: a trainer lists her cohort's members' self-assessments,
// by assessment and state, and opens each from there; nobody else lists them (issue 16,
// finding 4).
func TestCoachFindsHerCohortsAssessments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	trainer, learner, learner2 := e.token(t, "trainer"), e.token(t, "learner"), e.token(t, "learner2")
	id := e.cohortWith(t, trainer, "Valmennus", "learner")
	e.finishStart(t, "learner")
	e.finishStart(t, "learner2")
	rating := `{"course":"kokeilu","assessment":"alkuarvio","ratings":{"1.1":3,"2.1":2,"4.2":4,"tunnistautuminen":2}}`
	mine := e.mustCreate(t, scenario{method: "POST", path: "/api/v1/assessments", token: learner, body: rating})
	outside := e.mustCreate(t, scenario{method: "POST", path: "/api/v1/assessments", token: learner2, body: rating})
	list := "/api/v1/cohorts/" + id + "/assessments"
	run(t, e.app, []scenario{
		{name: "her members' assessments", method: "GET", path: list, token: trainer, status: 200,
			want: []string{`"id":"` + mine + `"`, `"name":"Learner"`, `"state":"submitted"`}, forbid: []string{outside}},
		{name: "by assessment", method: "GET", path: list + "?assessment=alkuarvio", token: trainer, status: 200, want: []string{mine}},
		{name: "another assessment", method: "GET", path: list + "?assessment=loppuarvio", token: trainer, status: 200, want: []string{`"items":[]`}},
		{name: "waiting for the coach", method: "GET", path: list + "?state=submitted", token: trainer, status: 200, want: []string{mine}},
		{name: "open it from there", method: "GET", path: "/api/v1/assessments/" + mine, token: trainer, status: 200, want: []string{mine}},
		{name: "coach it", method: "PUT", path: "/api/v1/assessments/" + mine + "/coach", token: trainer, body: `{"ratings":{"1.1":4}}`, status: 200},
		{name: "coached", method: "GET", path: list + "?state=coached", token: trainer, status: 200, want: []string{mine, `"state":"coached"`}},
		{name: "no longer waiting", method: "GET", path: list + "?state=submitted", token: trainer, status: 200, want: []string{`"items":[]`}},
		{name: "a bad state", method: "GET", path: list + "?state=done", token: trainer, status: 422, want: []string{`"field":"state"`}},
		{name: "another trainer", method: "GET", path: list, token: e.tokenOfNewTrainer(t), status: 404},
		{name: "a member", method: "GET", path: list, token: learner, status: 404},
		{name: "another learner", method: "GET", path: list, token: learner2, status: 404},
	})
}
