package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/outbox"
)

func statement(actor, verb, object string, extra map[string]any) map[string]any {
	st := map[string]any{
		"id":     uuid.NewString(),
		"actor":  map[string]any{"objectType": "Agent", "account": map[string]string{"homePage": testIssuer, "name": actor}},
		"verb":   map[string]any{"id": "http://adlnet.gov/expapi/verbs/" + verb},
		"object": map[string]any{"objectType": "Activity", "id": testIssuer + "/courses/kokeilu/" + object},
	}
	for k, v := range extra {
		st[k] = v
	}
	return st
}

func TestLearningJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	learner := e.token(t, "learner")
	me := e.users["learner"].ID
	id := uuid.NewString()

	run(t, e.app, []scenario{
		{name: "locks before anything", method: "GET", path: "/api/v1/courses/kokeilu?locale=en", token: learner, status: 200,
			want: []string{`"reason":"sequence"`, `"reason":"prerequisite"`, `"en":"Complete the module Start first."`, `"fi":"Suorita ensin oppitunti Tervetuloa."`, `"state":"not_started"`}},
		{name: "not enrolled yet", method: "GET", path: "/api/v1/courses", token: learner, status: 200, want: []string{`"enrolled":false`}},
		{name: "locked lesson refuses events", method: "POST", path: "/api/v1/courses/kokeilu/lessons/visa/events", token: learner, body: `{"type":"viewed"}`, status: 409, want: []string{"locked", "Welcome"}},
		{name: "view", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"id":"` + id + `","type":"viewed"}`, status: 201, want: []string{`"lesson_state":"completed"`, `"course_state":"in_progress"`}},
		{name: "the same event again", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"id":"` + id + `","type":"viewed"}`, status: 200, want: []string{`"duplicate":true`}},
		{name: "the same id with other content", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"id":"` + id + `","type":"completed"}`, status: 409},
		{name: "time spent", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"type":"progressed","seconds":45,"position":120.5}`, status: 201},
		{name: "enrolled now", method: "GET", path: "/api/v1/courses", token: learner, status: 200, want: []string{`"enrolled":true`}},
		{name: "not enrolled for another learner", method: "GET", path: "/api/v1/courses", token: e.token(t, "learner2"), status: 200, want: []string{`"enrolled":false`}},
	})

	// The quiz is passed through the xAPI path (the activities package does this for real).
	passed := statement(me, "passed", "quizzes/alkuvisa", map[string]any{"result": map[string]any{"score": map[string]any{"scaled": 0.8}, "success": true}})
	failed := statement(me, "failed", "quizzes/alkuvisa", map[string]any{"result": map[string]any{"score": map[string]any{"scaled": 0.4}, "success": false}})
	run(t, e.app, []scenario{
		{name: "quiz failed then passed", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody([]any{failed, passed}), status: 200, want: []string{`"duplicates":0`}},
		{name: "retry of the batch", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody([]any{failed, passed}), status: 200, want: []string{`"duplicates":2`}},
		{name: "module 1 done, module 2 open", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200,
			want:   []string{`"id":"alku","state":"completed"`, `"best_score":0.8`, `"attempts":2`, `"seconds":45`, `"resume":{"lesson":"tervetuloa","position":120.5}`},
			forbid: []string{`"reason":"prerequisite"`}},
		{name: "assessment submitted", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(statement(me, "completed", "assessments/alkuarvio", nil)), status: 200},
		{name: "safari submitted", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(statement(me, "completed", "safaris/kela-safari", nil)), status: 200},
		{name: "course complete (2 of 3 required lessons in module 2)", method: "GET", path: "/api/v1/me/courses", token: learner, status: 200, want: []string{`"state":"completed"`, `"percent":100`, `"completed_at"`}},
		{name: "completion statement in the record", method: "GET", path: "/api/v1/me/statements?verb=completed&course=kokeilu", token: learner, status: 200, want: []string{`"id":"` + testIssuer + `/courses/kokeilu"`}},
		{name: "another learner's record is separate", method: "GET", path: "/api/v1/me/statements", token: e.token(t, "learner2"), status: 200, want: []string{`"items":[]`}},
	})
	jobs, _, _ := e.outbox.List(context.Background(), "", 100)
	certs := 0
	for _, j := range jobs {
		if j.Kind == "certificate" && j.Payload["user"] == me {
			certs++
		}
	}
	if certs != 1 {
		t.Errorf("%d certificate jobs, want exactly 1: %+v", certs, jobs)
	}
	// More activity after completion does not write a second completion.
	do(t, e.app, scenario{method: "POST", path: "/api/v1/courses/kokeilu/lessons/lopuksi/events", token: learner, body: `{"type":"marked_done"}`})
	_, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/me/statements?verb=completed&limit=200", token: learner})
	var list struct {
		Items []struct {
			Object struct {
				ID string `json:"id"`
			} `json:"object"`
		} `json:"items"`
	}
	_ = json.Unmarshal(body, &list)
	n := 0
	for _, it := range list.Items {
		if it.Object.ID == testIssuer+"/courses/kokeilu" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d course-completed statements, want 1: %s", n, body)
	}
	_ = outbox.StatePending
}

func TestStatementBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	learner := e.token(t, "learner")
	me, other := e.users["learner"].ID, e.users["learner2"].ID
	with := func(extra map[string]any) string {
		return jsonBody(statement(me, "experienced", "lessons/tervetuloa", extra))
	}
	many := make([]any, 101)
	for i := range many {
		many[i] = statement(me, "experienced", "lessons/tervetuloa", nil)
	}
	othersStatement := statement(other, "experienced", "lessons/tervetuloa", nil)
	run(t, e.app, []scenario{
		{name: "no token", method: "POST", path: "/api/v1/statements", body: with(nil), status: 401},
		{name: "actor spoofing", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(othersStatement), status: 403, want: []string{"actor must be you"}},
		{name: "unknown lesson", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(statement(me, "experienced", "lessons/ei-ole", nil)), status: 422, want: []string{`no lesson \"ei-ole\"`}},
		{name: "unknown course", method: "POST", path: "/api/v1/statements", token: learner, body: strings.Replace(with(nil), "/courses/kokeilu/", "/courses/ei-ole/", 1), status: 404},
		{name: "activity elsewhere", method: "POST", path: "/api/v1/statements", token: learner, body: strings.Replace(with(nil), testIssuer+"/courses", "https://example.com/x", 1), status: 422},
		{name: "unknown verb", method: "POST", path: "/api/v1/statements", token: learner, body: strings.Replace(with(nil), "verbs/experienced", "verbs/liked", 1), status: 422, want: []string{`"field":"verb.id"`}},
		{name: "scaled score out of range", method: "POST", path: "/api/v1/statements", token: learner, body: with(map[string]any{"result": map[string]any{"score": map[string]any{"scaled": 1.5}}}), status: 422, want: []string{"result.score.scaled"}},
		{name: "bad duration", method: "POST", path: "/api/v1/statements", token: learner, body: with(map[string]any{"result": map[string]any{"duration": "10 minutes"}}), status: 422, want: []string{"result.duration"}},
		{name: "future timestamp", method: "POST", path: "/api/v1/statements", token: learner, body: with(map[string]any{"timestamp": time.Now().Add(24 * time.Hour).Format(time.RFC3339)}), status: 422, want: []string{"in the future"}},
		{name: "not a uuid", method: "POST", path: "/api/v1/statements", token: learner, body: with(map[string]any{"id": "123"}), status: 422, want: []string{`"field":"id"`}},
		{name: "bad language tag", method: "POST", path: "/api/v1/statements", token: learner, body: with(map[string]any{"verb": map[string]any{"id": "http://adlnet.gov/expapi/verbs/experienced", "display": map[string]string{"not a tag": "x"}}}), status: 422},
		{name: "attachments", method: "POST", path: "/api/v1/statements", token: learner, body: with(map[string]any{"attachments": []any{map[string]any{"usageType": "x"}}}), status: 422},
		{name: "unknown field", method: "POST", path: "/api/v1/statements", token: learner, body: with(map[string]any{"mood": "happy"}), status: 422, want: []string{`"field":"mood"`}},
		{name: "malformed", method: "POST", path: "/api/v1/statements", token: learner, body: `{"actor":`, status: 400},
		{name: "too many", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(many), status: 413},
		{name: "one bad statement blocks the batch", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody([]any{statement(me, "experienced", "lessons/tervetuloa", nil), statement(me, "experienced", "lessons/ei-ole", nil)}), status: 422, want: []string{`"field":"1.object.id"`}},
		{name: "nothing of the bad batch was written", method: "GET", path: "/api/v1/me/statements", token: learner, status: 200, want: []string{`"items":[]`}},
		{name: "event of an unknown type", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"type":"liked"}`, status: 422},
		{name: "progressed without seconds", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"type":"progressed"}`, status: 422, want: []string{`"field":"seconds"`}},
		{name: "too many seconds", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"type":"progressed","seconds":100000}`, status: 422},
		{name: "event id not a uuid", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"id":"x","type":"viewed"}`, status: 422},
		{name: "event on an unknown lesson", method: "POST", path: "/api/v1/courses/kokeilu/lessons/ei-ole/events", token: learner, body: `{"type":"viewed"}`, status: 404},
		{name: "progress of an unknown course", method: "GET", path: "/api/v1/me/progress/ei-ole", token: learner, status: 404},
		{name: "bad verb filter", method: "GET", path: "/api/v1/me/statements?verb=liked", token: learner, status: 422},
		{name: "bad since", method: "GET", path: "/api/v1/me/statements?since=yesterday", token: learner, status: 422},
		{name: "bad cursor", method: "GET", path: "/api/v1/me/statements?after=zzz", token: learner, status: 422},
	})
}

func TestVoiding(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	learner, learner2 := e.token(t, "learner"), e.token(t, "learner2")
	me := e.users["learner"].ID
	view := statement(me, "experienced", "lessons/tervetuloa", nil)
	do(t, e.app, scenario{method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(view)})
	void := func(actor string) map[string]any {
		st := statement(actor, "voided", "", nil)
		st["object"] = map[string]any{"objectType": "StatementRef", "id": view["id"]}
		return st
	}
	run(t, e.app, []scenario{
		{name: "viewed", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"id":"tervetuloa","state":"completed"`}},
		{name: "someone else voids it", method: "POST", path: "/api/v1/statements", token: learner2, body: jsonBody(void(e.users["learner2"].ID)), status: 404},
		{name: "void", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(void(me)), status: 200},
		{name: "its effect is gone", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"id":"tervetuloa","state":"not_started"`}},
	})
	var out struct {
		Items []json.RawMessage `json:"items"`
	}
	_, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/me/statements", token: learner})
	_ = json.Unmarshal(body, &out)
	if len(out.Items) != 2 {
		t.Errorf("the record keeps both the statement and its voiding: %s", body)
	}
}
