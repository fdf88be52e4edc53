package httpapi_test

import (
	"encoding/csv"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// answerAll builds answers for an attempt from the fixture quiz's key: right ones when right
// is true. Choices are found by their text: the ids an attempt shows mean nothing.
func answerAll(t *testing.T, attempt []byte, right bool) (string, map[string][]string) {
	t.Helper()
	var a struct {
		ID        string `json:"id"`
		Questions []struct {
			ID    string `json:"id"`
			Type  string `json:"type"`
			Left  []struct{ ID, Text string }
			Right []struct{ ID, Text string }
		} `json:"questions"`
	}
	if err := json.Unmarshal(attempt, &a); err != nil {
		t.Fatal(err)
	}
	key := map[string][]string{"q1": {"Palvelu"}, "q2": {"Kela", "OmaKanta"}, "q3": {"true"}, "q5": {" Vahva  tunnistautuminen "}}
	wrong := map[string][]string{"q1": {"Peli"}, "q2": {"Leipä"}, "q3": {"false"}, "q5": {"en tiedä"}}
	shown := attemptOptions(t, attempt)
	for q, byText := range shown {
		for _, texts := range [][]string{key[q], wrong[q]} {
			for i, text := range texts {
				if id, ok := byText[text]; ok {
					texts[i] = id
				}
			}
		}
	}
	out := map[string][]string{}
	for _, q := range a.Questions {
		if q.Type == "matching" {
			pairs := map[string]string{"Kela": "etuudet", "Kanta": "terveystiedot"}
			for _, l := range q.Left {
				for _, r := range q.Right {
					if (pairs[l.Text] == r.Text) == right {
						out[q.ID] = append(out[q.ID], l.ID+"="+r.ID)
						break
					}
				}
			}
			continue
		}
		if right {
			out[q.ID] = key[q.ID]
		} else {
			out[q.ID] = wrong[q.ID]
		}
	}
	return a.ID, out
}

// optionID is the id an attempt shows for the option of question qid with the given text.
func optionID(t *testing.T, attempt []byte, qid, text string) string {
	t.Helper()
	id := attemptOptions(t, attempt)[qid][text]
	if id == "" {
		t.Fatalf("no option %q in %s: %s", text, qid, attempt)
	}
	return id
}

func TestQuizzes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	e.makeEditor(t, "trainer") // she moderates the open wall, coaches and counts the learners without a cohort
	learner, learner2, trainer := e.token(t, "learner"), e.token(t, "learner2"), e.token(t, "trainer")
	do(t, e.app, scenario{method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"type":"viewed"}`})

	run(t, e.app, []scenario{
		{name: "quiz without answers", method: "GET", path: "/api/v1/quizzes/kokeilu:alkuvisa?locale=en", token: learner, status: 200,
			want: []string{`"title":"Starting quiz"`, `"attempts_allowed":3`, `"questions":5`}, forbid: []string{"correct", "Palvelu"}},
		{name: "unknown quiz", method: "GET", path: "/api/v1/quizzes/kokeilu:ei-ole", token: learner, status: 404},
		{name: "malformed quiz id", method: "GET", path: "/api/v1/quizzes/nothing", token: learner, status: 404},
		{name: "learner reads statistics", method: "GET", path: "/api/v1/quizzes/kokeilu:alkuvisa/stats", token: learner, status: 403},
	})
	resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: learner})
	if resp.StatusCode != 201 || strings.Contains(string(body), "correct") || strings.Contains(string(body), "accepted") {
		t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	id, wrong := answerAll(t, body, false)
	run(t, e.app, []scenario{
		{name: "resume the open attempt", method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: learner, status: 201, want: []string{`"id":"` + id + `"`}},
		{name: "someone else's attempt", method: "GET", path: "/api/v1/attempts/" + id, token: learner2, status: 404},
		{name: "answer to a question not in the attempt", method: "PUT", path: "/api/v1/attempts/" + id + "/answers", token: learner, body: `{"answers":{"q9":["a"]}}`, status: 422, want: []string{`"field":"answers.q9"`}},
		{name: "an option the question does not have", method: "PUT", path: "/api/v1/attempts/" + id + "/answers", token: learner, body: `{"answers":{"q1":["z"]}}`, status: 422},
		{name: "two answers to a single-choice question", method: "PUT", path: "/api/v1/attempts/" + id + "/answers", token: learner, body: `{"answers":{"q1":["a","b"]}}`, status: 422},
		{name: "save for later", method: "PUT", path: "/api/v1/attempts/" + id + "/answers", token: learner, body: jsonBody(map[string]any{"answers": wrong}), status: 200, want: []string{`"q3":["false"]`}},
		{name: "submit wrong answers", method: "POST", path: "/api/v1/attempts/" + id + "/submit", token: learner, status: 200, want: []string{`"passed":false`, `"score":0`, `"answer":["` + optionID(t, body, "q1", "Palvelu") + `"]`, `"Suomi.fi on palvelu."`}},
		{name: "submit twice", method: "POST", path: "/api/v1/attempts/" + id + "/submit", token: learner, status: 409},
		{name: "still locked... no: quiz lesson not complete", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"id":"visa","state":"in_progress"`, `"attempts":1`}},
	})
	_, body = do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: learner})
	id2, right := answerAll(t, body, true)
	run(t, e.app, []scenario{
		{name: "submit right answers", method: "POST", path: "/api/v1/attempts/" + id2 + "/submit", token: learner, status: 200, body: jsonBody(map[string]any{"answers": right}), want: []string{`"passed":true`, `"score":1`}},
		{name: "quiz lesson complete", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"id":"visa","state":"completed"`, `"best_score":1`}},
		{name: "statistics", method: "GET", path: "/api/v1/quizzes/kokeilu:alkuvisa/stats", token: trainer, status: 200, want: []string{`"attempts":2`, `"id":"q1","answered":2,"correct":1,"difficulty":0.5,"common_wrong":"b"`}},
	})
	do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: learner})
	_, body = do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: learner})
	id3, _ := answerAll(t, body, true)
	do(t, e.app, scenario{method: "POST", path: "/api/v1/attempts/" + id3 + "/submit", token: learner})
	run(t, e.app, []scenario{{name: "no attempts left", method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: learner, status: 409, want: []string{"no attempts left"}}})

	// The quiz has a 30-minute limit: a submission after it is refused, and nothing is graded.
	do(t, e.app, scenario{method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner2, body: `{"type":"viewed"}`}) // opens the quiz lesson
	_, body = do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: learner2})
	late, lateAnswers := answerAll(t, body, true)
	if !strings.Contains(string(body), `"deadline"`) {
		t.Fatalf("a time-limited attempt without a deadline: %s", body)
	}
	e.clock.Advance(32 * time.Minute)
	run(t, e.app, []scenario{
		{name: "submission past the time limit", method: "POST", path: "/api/v1/attempts/" + late + "/submit", token: e.token(t, "learner2"), body: jsonBody(map[string]any{"answers": lateAnswers}), status: 409, want: []string{"time limit"}},
		{name: "not graded", method: "GET", path: "/api/v1/attempts/" + late, token: e.token(t, "learner2"), status: 200, forbid: []string{`"result"`}},
	})
}

func TestReflectionWall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	e.makeEditor(t, "trainer") // she moderates the open wall, coaches and counts the learners without a cohort
	learner, learner2, trainer := e.token(t, "learner"), e.token(t, "learner2"), e.token(t, "trainer")
	e.finishStart(t, "learner") // the wall's lesson waits for the first module
	e.finishStart(t, "learner2")
	wall := "/api/v1/cohorts/open.kokeilu/walls/viikko-1/posts"
	resp, body := do(t, e.app, scenario{method: "POST", path: wall, token: learner, body: `{"body":"Huomasin, että **moni asiakas** jää kirjautumiseen. <script>x</script>"}`})
	if resp.StatusCode != 201 {
		t.Fatalf("post: %d %s", resp.StatusCode, body)
	}
	var post struct{ ID string }
	_ = json.Unmarshal(body, &post)
	p := wall + "/" + post.ID
	run(t, e.app, []scenario{
		{name: "the post is rendered and sanitised", method: "GET", path: wall, token: learner2, status: 200, want: []string{`\u003cstrong\u003emoni asiakas\u003c/strong\u003e jää kirjautumiseen. x\u003c/p\u003e`, `"mine":false`}},
		{name: "anonymous to peers", method: "POST", path: wall, token: learner, body: `{"body":"Nimetön havainto."}`, status: 201},
		{name: "empty post", method: "POST", path: wall, token: learner, body: `{"body":"  "}`, status: 422},
		{name: "oversize post", method: "POST", path: wall, token: learner, body: jsonBody(map[string]string{"body": strings.Repeat("a", 10001)}), status: 422},
		{name: "unknown task", method: "GET", path: "/api/v1/cohorts/open.kokeilu/walls/ei-ole/posts", token: learner, status: 404},
		{name: "own comment does not count", method: "POST", path: p + "/comments", token: learner, body: `{"body":"Lisäys omaan."}`, status: 201},
		{name: "reflection lesson waits for a peer comment", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"id":"pohdinta","state":"in_progress"`}},
		{name: "comment on someone else's post", method: "POST", path: p + "/comments", token: learner2, body: `{"body":"Sama havainto täällä."}`, status: 201},
		{name: "react", method: "PUT", path: p + "/reactions/heart", token: learner2, status: 204},
		{name: "react twice", method: "PUT", path: p + "/reactions/heart", token: learner2, status: 409},
		{name: "unknown reaction", method: "PUT", path: p + "/reactions/angry", token: learner2, status: 422},
		{name: "reactions counted", method: "GET", path: wall, token: learner, status: 200, want: []string{`"reactions":{"heart":1}`, `"body":"Sama havainto täällä."`}},
		{name: "take the reaction back", method: "DELETE", path: p + "/reactions/heart", token: learner2, status: 204},
		{name: "take it back again", method: "DELETE", path: p + "/reactions/heart", token: learner2, status: 404},
		{name: "someone else edits", method: "PATCH", path: p, token: learner2, body: `{"body":"muokattu"}`, status: 403},
		{name: "a learner hides", method: "PATCH", path: p, token: learner2, body: `{"hidden":true}`, status: 403},
		{name: "edit own within the window", method: "PATCH", path: p, token: learner, body: `{"body":"Korjattu teksti."}`, status: 200, want: []string{"Korjattu teksti.", `"edited_at"`}},
		{name: "trainer features", method: "PATCH", path: p, token: trainer, body: `{"featured":true}`, status: 200, want: []string{`"featured":true`}},
		{name: "unknown post", method: "POST", path: wall + "/01890000-0000-7000-8000-000000000000/comments", token: learner, body: `{"body":"x"}`, status: 404},
	})
	// An anonymous post: peers do not see who wrote it, trainers do.
	resp, body = do(t, e.app, scenario{method: "POST", path: wall, token: learner, body: `{"body":"Kukaan ei tiedä.","anonymous":true}`})
	if resp.StatusCode != 201 {
		t.Fatalf("anonymous post: %d %s", resp.StatusCode, body)
	}
	me := e.users["learner"].ID
	for who, shows := range map[string]bool{"learner2": false, "trainer": true, "learner": true} {
		_, list := do(t, e.app, scenario{method: "GET", path: wall, token: e.token(t, who)})
		var l struct {
			Items []struct {
				Body, Author string
				Anonymous    bool
			}
		}
		_ = json.Unmarshal(list, &l)
		for _, it := range l.Items {
			if it.Body == "Kukaan ei tiedä." && (it.Author == me) != shows {
				t.Errorf("%s sees the anonymous author: %v, want %v", who, it.Author == me, shows)
			}
		}
	}
	// learner2 commented on learner's post; learner needs a comment on someone else's post.
	_, body = do(t, e.app, scenario{method: "POST", path: wall, token: learner2, body: `{"body":"Oma havaintoni."}`})
	var other struct{ ID string }
	_ = json.Unmarshal(body, &other)
	run(t, e.app, []scenario{
		{name: "comment on a peer's post", method: "POST", path: wall + "/" + other.ID + "/comments", token: learner, body: `{"body":"Hyvä huomio."}`, status: 201},
		{name: "reflection lesson complete", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"id":"pohdinta","state":"completed"`}},
		{name: "trainer hides a post", method: "PATCH", path: wall + "/" + other.ID, token: trainer, body: `{"hidden":true}`, status: 200},
		{name: "hidden from other learners", method: "GET", path: wall, token: learner, status: 200, forbid: []string{"Oma havaintoni."}},
		{name: "still shown to its author", method: "GET", path: wall, token: learner2, status: 200, want: []string{"Oma havaintoni.", `"hidden":true`}},
		{name: "delete own", method: "DELETE", path: p, token: learner, status: 204},
		{name: "deleted is gone", method: "GET", path: wall, token: learner, status: 200, forbid: []string{"Korjattu teksti."}},
	})
	e.clock.Advance(31 * time.Minute)
	run(t, e.app, []scenario{{name: "edit after the window", method: "PATCH", path: wall + "/" + other.ID, token: e.token(t, "learner2"), body: `{"body":"myöhässä"}`, status: 409}})
}

func TestAssessmentAndSafari(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	e.makeEditor(t, "trainer") // she moderates the open wall, coaches and counts the learners without a cohort
	learner, learner2, trainer := e.token(t, "learner"), e.token(t, "learner2"), e.token(t, "trainer")
	e.finishStart(t, "learner") // the assessment's and the safari's lessons wait for the first module
	ratings := `{"1.1":3,"2.1":2,"4.2":4,"tunnistautuminen":2}`
	resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/assessments", token: learner, body: `{"course":"kokeilu","assessment":"alkuarvio","ratings":` + ratings + `,"notes":{"2":"Kirjautuminen jännittää."}}`})
	if resp.StatusCode != 201 {
		t.Fatalf("assessment: %d %s", resp.StatusCode, body)
	}
	var a struct{ ID string }
	_ = json.Unmarshal(body, &a)
	run(t, e.app, []scenario{
		{name: "DigComp", method: "GET", path: "/api/v1/frameworks/digcomp?locale=en", token: learner, status: 200, want: []string{`"id":"5.4"`, `"name":"Safety"`, `"from":7,"to":8`}},
		{name: "missing ratings", method: "POST", path: "/api/v1/assessments", token: learner, body: `{"course":"kokeilu","assessment":"alkuarvio","ratings":{"1.1":3}}`, status: 422, want: []string{`"field":"ratings.2.1"`}},
		{name: "rating off the scale", method: "POST", path: "/api/v1/assessments", token: learner, body: `{"course":"kokeilu","assessment":"alkuarvio","ratings":{"1.1":9,"2.1":2,"4.2":4,"tunnistautuminen":2}}`, status: 422},
		{name: "a competence not in it", method: "POST", path: "/api/v1/assessments", token: learner, body: `{"course":"kokeilu","assessment":"alkuarvio","ratings":{"1.1":3,"2.1":2,"4.2":4,"tunnistautuminen":2,"3.4":1}}`, status: 422},
		{name: "unknown assessment", method: "POST", path: "/api/v1/assessments", token: learner, body: `{"course":"kokeilu","assessment":"ei-ole","ratings":{}}`, status: 404},
		{name: "another learner reads it", method: "GET", path: "/api/v1/assessments/" + a.ID, token: learner2, status: 404},
		{name: "another learner coaches it", method: "PUT", path: "/api/v1/assessments/" + a.ID + "/coach", token: learner2, body: `{"ratings":{"1.1":1}}`, status: 404},
		{name: "coach's view", method: "PUT", path: "/api/v1/assessments/" + a.ID + "/coach", token: trainer, body: `{"ratings":{"1.1":4,"2.1":4},"notes":{"general":"Osaat enemmän kuin arvioit."}}`, status: 200,
			want: []string{`"id":"1.1"`, `"self":3,"coach":4,"gap":1`, `"coach_notes":{"general"`}},
		{name: "own list", method: "GET", path: "/api/v1/assessments?course=kokeilu", token: learner, status: 200, want: []string{`"round":"start"`}},
		{name: "another learner's list", method: "GET", path: "/api/v1/assessments", token: learner2, status: 200, want: []string{`"items":[]`}},
		{name: "assessment lesson complete", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"id":"arvio","state":"completed"`}},
	})

	log := `{"course":"kokeilu","safari":"kela-safari","steps":[{"step":"kirjaudu","did_and_said":"Etsi painiketta pitkään.","observations":[{"type":"usability","severity":3,"competence":"2.3","note":"Kirjaudu-painike huomaamaton"},{"type":"skill_gap","severity":2,"note":"Ei tunnistanut pankkitunnusten valintaa"}]}],"debrief":"Kirjautuminen oli vaikein kohta."}`
	resp, body = do(t, e.app, scenario{method: "POST", path: "/api/v1/safari-logs", token: learner, body: log})
	if resp.StatusCode != 201 {
		t.Fatalf("safari: %d %s", resp.StatusCode, body)
	}
	var sl struct{ ID string }
	_ = json.Unmarshal(body, &sl)
	run(t, e.app, []scenario{
		{name: "an unknown step", method: "POST", path: "/api/v1/safari-logs", token: learner, body: strings.Replace(log, `"step":"kirjaudu"`, `"step":"lenda"`, 1), status: 422, want: []string{`"field":"steps.0.step"`}},
		{name: "severity off the scale", method: "POST", path: "/api/v1/safari-logs", token: learner, body: strings.Replace(log, `"severity":3`, `"severity":4`, 1), status: 422},
		{name: "the author is the server's to say", method: "POST", path: "/api/v1/safari-logs", token: learner, body: strings.Replace(log, `"debrief"`, `"user":"someone","debrief"`, 1), status: 422, want: []string{`"field":"user"`}},
		{name: "the submission time is the server's to say", method: "POST", path: "/api/v1/safari-logs", token: learner, body: strings.Replace(log, `"debrief"`, `"submitted_at":"2026-01-01T00:00:00Z","debrief"`, 1), status: 422,
			want: []string{`"field":"submitted_at"`}, forbid: []string{`"field":"user"`}},
		{name: "a saved log keeps its safari", method: "PUT", path: "/api/v1/safari-logs/" + sl.ID, token: learner, body: strings.Replace(log, `"kela-safari"`, `"toinen"`, 1), status: 422, want: []string{`"field":"safari"`}},
		{name: "own logs", method: "GET", path: "/api/v1/safari-logs", token: learner, status: 200, want: []string{`"id":"` + sl.ID + `"`, `"did_and_said":"Etsi painiketta pitkään."`, `"competence":"2.3"`}},
		{name: "no logs of one's own", method: "GET", path: "/api/v1/safari-logs", token: learner2, status: 200, want: []string{`"items":[]`}},
		{name: "not yet submitted: lesson open", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"id":"safari","state":"not_started"`}},
		{name: "someone else's log", method: "GET", path: "/api/v1/safari-logs/" + sl.ID, token: learner2, status: 404},
		{name: "someone else updates it", method: "PUT", path: "/api/v1/safari-logs/" + sl.ID, token: learner2, body: log, status: 404},
		{name: "submit", method: "PUT", path: "/api/v1/safari-logs/" + sl.ID, token: learner, body: strings.Replace(log, `"debrief"`, `"submitted":true,"debrief"`, 1), status: 200, want: []string{`"submitted":true`}},
		{name: "safari lesson complete", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"id":"safari","state":"completed"`}},
		{name: "learner reads the summary", method: "GET", path: "/api/v1/safari-logs/summary?course=kokeilu&safari=kela-safari", token: learner, status: 403},
		{name: "summary", method: "GET", path: "/api/v1/safari-logs/summary?course=kokeilu&safari=kela-safari", token: trainer, status: 200, want: []string{`"logs":1`, `"type":"usability","competence":"2.3","count":1,"max_severity":3`}},
	})
	resp, body = do(t, e.app, scenario{method: "GET", path: "/api/v1/safari-logs/summary?course=kokeilu&safari=kela-safari&format=csv", token: trainer})
	rows, err := semicolonCSV(strings.TrimPrefix(string(body), "\ufeff"))
	if resp.StatusCode != 200 || err != nil || len(rows) != 3 || rows[0][0] != "step" {
		t.Fatalf("csv: %d %v %q", resp.StatusCode, err, body)
	}
}

func semicolonCSV(s string) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(s))
	r.Comma = ';'
	return r.ReadAll()
}

// TestOpenWallsOnlyForOpenCourses: a course open to its cohorts' members only has no open wall,
// so no one posts on open.<slug> around her cohort (issue 15, case 7).
func TestOpenWallsOnlyForOpenCourses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishCohortOnlyFixture(t)
	trainer, learner := e.token(t, "trainer"), e.token(t, "learner")
	id := e.mustCreate(t, scenario{method: "POST", path: "/api/v1/cohorts", token: trainer, body: `{"course":"kokeilu","name":"Ryhmä"}`})
	do(t, e.app, scenario{method: "POST", path: "/api/v1/cohorts/" + id + "/members", token: trainer, body: `{"emails":["learner@example.fi"]}`})
	e.finishStart(t, "learner")
	open := "/api/v1/cohorts/open.kokeilu/walls/viikko-1/posts"
	run(t, e.app, []scenario{
		{name: "a member posts on the open wall", method: "POST", path: open, token: learner, body: `{"body":"Ohi ryhmän."}`, status: 404},
		{name: "a member reads it", method: "GET", path: open, token: learner, status: 404},
		{name: "a trainer posts on it", method: "POST", path: open, token: trainer, body: `{"body":"Ohi ryhmän."}`, status: 404},
		{name: "her cohort's wall", method: "POST", path: "/api/v1/cohorts/" + id + "/walls/viikko-1/posts", token: learner, body: `{"body":"Ryhmässä."}`, status: 201},
		{name: "her courses name her cohort's wall", method: "GET", path: "/api/v1/me/courses", token: learner, status: 200, want: []string{`"wall":"` + id + `"`}},
	})
}

// TestSafariCSVNamesItsFileSafely: the summary's file name is built from the course's and the
// safari's ids, never from the request as sent, and an unknown course or safari is not found
// rather than an empty file (issue 15, case 10).
func TestSafariCSVNamesItsFileSafely(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	admin := e.token(t, "admin")
	csvOf := func(course, safari string) string {
		return "/api/v1/safari-logs/summary?format=csv&course=" + url.QueryEscape(course) + "&safari=" + url.QueryEscape(safari)
	}
	noFile := func(t *testing.T, resp *http.Response, _ []byte) {
		if cd := resp.Header.Get("Content-Disposition"); cd != "" {
			t.Errorf("Content-Disposition %q on an error", cd)
		}
	}
	run(t, e.app, []scenario{
		{name: "a quote in the safari", method: "GET", path: csvOf("kokeilu", `x"; filename="evil.bat`), token: admin, status: 404, check: noFile},
		{name: "an unknown safari", method: "GET", path: csvOf("kokeilu", "ei-ole"), token: admin, status: 404, check: noFile},
		{name: "an unknown course", method: "GET", path: csvOf("ei-ole", "kela-safari"), token: admin, status: 404, check: noFile},
		{name: "an unknown course as JSON", method: "GET", path: "/api/v1/safari-logs/summary?course=ei-ole&safari=kela-safari", token: admin, status: 404},
		{name: "a safe, quoted file name", method: "GET", path: csvOf("kokeilu", "kela-safari"), token: admin, status: 200,
			check: func(t *testing.T, resp *http.Response, _ []byte) {
				want := `attachment; filename="safari-kokeilu-kela-safari.csv"; filename*=UTF-8''safari-kokeilu-kela-safari.csv`
				if got := resp.Header.Get("Content-Disposition"); got != want {
					t.Errorf("Content-Disposition %q, want %q", got, want)
				}
				if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err != nil || params["filename"] != "safari-kokeilu-kela-safari.csv" {
					t.Errorf("parsed: %v %v", params, err)
				}
			}},
	})
}
