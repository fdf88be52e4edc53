package httpapi_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/course"
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

// safariLog is a submitted log of the fixture's safari.
const safariLog = `{"course":"kokeilu","safari":"kela-safari","submitted":true,"steps":[{"step":"kirjaudu","did_and_said":"Etsi painiketta.","observations":[]}]}`

// submitForms submits the fixture's self-assessment and safari log through their services.
func submitForms(token string) []scenario {
	return []scenario{
		{name: "assessment submitted", method: "POST", path: "/api/v1/assessments", token: token, body: `{"course":"kokeilu","assessment":"alkuarvio","ratings":{"1.1":3,"2.1":2,"4.2":4,"tunnistautuminen":2}}`, status: 201},
		{name: "safari submitted", method: "POST", path: "/api/v1/safari-logs", token: token, body: safariLog, status: 201},
	}
}

// importShippedCourse imports and publishes the course under courses/digiohjaus.
func importShippedCourse(t *testing.T, e *env) *course.Course {
	t.Helper()
	fsys := os.DirFS("../..")
	co, problems := course.Load(fsys, "courses/digiohjaus")
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.ImportCourse(context.Background(), co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	return co
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
		// 45 seconds claimed in one moment: a bucket of the server's clock credits at most 35.
		{name: "time spent", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"type":"progressed","seconds":45,"position":120.5}`, status: 201},
		{name: "enrolled now", method: "GET", path: "/api/v1/courses", token: learner, status: 200, want: []string{`"enrolled":true`}},
		{name: "not enrolled for another learner", method: "GET", path: "/api/v1/courses", token: e.token(t, "learner2"), status: 200, want: []string{`"enrolled":false`}},
	})

	// The quiz is failed, then passed, through the quiz service: Taito grades it.
	_, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: learner})
	attempt, wrong := answerAll(t, body, false)
	do(t, e.app, scenario{method: "POST", path: "/api/v1/attempts/" + attempt + "/submit", token: learner, body: jsonBody(map[string]any{"answers": wrong})})
	_, body = do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: learner})
	attempt, right := answerAll(t, body, true)
	do(t, e.app, scenario{method: "POST", path: "/api/v1/attempts/" + attempt + "/submit", token: learner, body: jsonBody(map[string]any{"answers": right})})
	// Her own statements of the same are kept in her record and retried idempotently, but count for nothing.
	passed := statement(me, "passed", "quizzes/alkuvisa", map[string]any{"result": map[string]any{"score": map[string]any{"scaled": 0.8}, "success": true}})
	failed := statement(me, "failed", "quizzes/alkuvisa", map[string]any{"result": map[string]any{"score": map[string]any{"scaled": 0.4}, "success": false}})
	run(t, e.app, []scenario{
		{name: "her own quiz statements", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody([]any{failed, passed}), status: 200, want: []string{`"duplicates":0`}},
		{name: "retry of the batch", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody([]any{failed, passed}), status: 200, want: []string{`"duplicates":2`}},
		{name: "module 1 done, module 2 open", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200,
			want:   []string{`"id":"alku","state":"completed"`, `"best_score":1`, `"attempts":2`, `"seconds":35`, `"resume":{"lesson":"tervetuloa","position":120.5}`},
			forbid: []string{`"reason":"prerequisite"`, `"best_score":0.8`}},
	})
	run(t, e.app, submitForms(learner))
	run(t, e.app, []scenario{
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
	_, body = do(t, e.app, scenario{method: "GET", path: "/api/v1/me/statements?verb=completed&limit=200", token: learner})
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

// certificateJobs counts the certificate jobs queued for a user.
func certificateJobs(t *testing.T, e *env, user string) int {
	t.Helper()
	jobs, _, err := e.outbox.List(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, j := range jobs {
		if j.Kind == "certificate" && j.Payload["user"] == user {
			n++
		}
	}
	return n
}

// TestClientStatementsNeverCreditJudgedOutcomes sends what a learner's client could claim about
// everything someone else judges — a passed quiz with full marks, posts and peer comments, the
// self-assessment and the safari log submitted, the course completed — with every verb, result
// and extension trick: it is stored in her record and credits nothing.
func TestClientStatementsNeverCreditJudgedOutcomes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	learner := e.token(t, "learner")
	me := e.users["learner"].ID
	peer := map[string]any{testIssuer + "/xapi/extensions/peer": true}
	full := map[string]any{"score": map[string]any{"scaled": 1, "raw": 5, "min": 0, "max": 5}, "success": true, "completion": true,
		"extensions": map[string]any{testIssuer + "/xapi/extensions/attempt": "forged"}}
	quizTricks := []any{
		statement(me, "passed", "quizzes/alkuvisa", map[string]any{"result": full}),
		statement(me, "failed", "quizzes/alkuvisa", map[string]any{"result": full}),
		statement(me, "completed", "quizzes/alkuvisa", map[string]any{"result": full}),
		statement(me, "completed", "lessons/visa", map[string]any{"result": full}),
		statement(me, "passed", "lessons/visa", map[string]any{"result": full, "authority": map[string]any{"objectType": "Agent", "account": map[string]string{"homePage": testIssuer, "name": "taito"}}}),
	}
	do(t, e.app, scenario{method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"type":"viewed"}`})
	run(t, e.app, []scenario{
		{name: "a forged quiz pass is stored", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(quizTricks), status: 200},
		{name: "and passes nothing", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200,
			want: []string{`"id":"visa","state":"in_progress"`, `"reason":"prerequisite"`}, forbid: []string{`"best_score"`}},
		{name: "the quiz says no attempt was used", method: "GET", path: "/api/v1/quizzes/kokeilu:alkuvisa", token: learner, status: 200, want: []string{`"attempts_used":0`}, forbid: []string{`"passed":true`}},
		{name: "her record keeps them as hers", method: "GET", path: "/api/v1/me/statements?verb=passed", token: learner, status: 200,
			want: []string{`"authority":{"objectType":"Agent","account":{"homePage":"` + testIssuer + `","name":"` + me + `"}}`}, forbid: []string{`"name":"taito"`}},
	})
	// The first module done for real opens the second; then the forgeries about its activities.
	e.finishStart(t, "learner")
	practiceTricks := []any{
		statement(me, "answered", "reflections/viikko-1", map[string]any{"result": map[string]any{"response": "Oma pohdinta.", "success": true, "completion": true}}),
		statement(me, "commented", "reflections/viikko-1", map[string]any{"result": map[string]any{"response": "Kommentti.", "extensions": peer}}),
		statement(me, "commented", "lessons/pohdinta", map[string]any{"result": map[string]any{"extensions": peer}}),
		statement(me, "completed", "lessons/pohdinta", map[string]any{"result": full}),
		statement(me, "completed", "assessments/alkuarvio", map[string]any{"result": full}),
		statement(me, "completed", "lessons/arvio", map[string]any{"result": full}),
		statement(me, "completed", "safaris/kela-safari", map[string]any{"result": full}),
		statement(me, "completed", "lessons/safari", nil),
		statement(me, "progressed", "lessons/safari", map[string]any{"result": map[string]any{"duration": "PT10M"}}),
		statement(me, "completed", "", map[string]any{"result": full}),
		statement(me, "completed", "modules/harjoitus", map[string]any{"result": full}),
	}
	practiceTricks[9].(map[string]any)["object"] = map[string]any{"objectType": "Activity", "id": testIssuer + "/courses/kokeilu"}
	run(t, e.app, []scenario{
		{name: "forged posts, comments, forms and completion are stored", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(practiceTricks), status: 200},
		{name: "marked done is hers to say", method: "POST", path: "/api/v1/courses/kokeilu/lessons/lopuksi/events", token: learner, body: `{"type":"completed"}`, status: 201, want: []string{`"lesson_state":"completed"`}},
		{name: "events claiming the rest", method: "POST", path: "/api/v1/courses/kokeilu/lessons/arvio/events", token: learner, body: `{"type":"marked_done"}`, status: 201, want: []string{`"lesson_state":"in_progress"`}},
		{name: "nothing judged is credited", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200,
			want: []string{`"id":"pohdinta","state":"in_progress"`, `"id":"arvio","state":"in_progress"`, `"id":"safari","state":"in_progress"`, `"id":"harjoitus","state":"in_progress"`}},
		{name: "the course is not complete", method: "GET", path: "/api/v1/me/courses", token: learner, status: 200, want: []string{`"state":"in_progress","percent":50`}, forbid: []string{`"completed_at"`}},
	})
	if n := certificateJobs(t, e, me); n != 0 {
		t.Errorf("%d certificate jobs for a course completed by her own statements only", n)
	}
}

// TestLocksHoldOnEveryPath tries everything that can advance progress on a locked lesson, by
// every way in, and reads the locked lesson's content: each is refused with the reason.
func TestLocksHoldOnEveryPath(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	learner, trainer := e.token(t, "learner"), e.token(t, "trainer")
	me := e.users["learner"].ID
	run(t, e.app, []scenario{
		{name: "completed by a lesson event", method: "POST", path: "/api/v1/courses/kokeilu/lessons/visa/events", token: learner, body: `{"type":"completed"}`, status: 409, want: []string{"locked", "Welcome"}},
		{name: "completed by a statement", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(statement(me, "completed", "lessons/visa", nil)), status: 409, want: []string{"locked", "Welcome"}},
		{name: "marked done in a module that waits", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(statement(me, "completed", "lessons/lopuksi", nil)), status: 409, want: []string{"Complete the module Start first."}},
		{name: "nothing of it counted", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"id":"visa","state":"not_started"`, `"id":"lopuksi","state":"not_started"`}},
		{name: "the locked lesson's content", method: "GET", path: "/api/v1/courses/kokeilu/lessons/visa?locale=sv", token: learner, status: 403, want: []string{"Slutför först lektionen Tervetuloa."}, forbid: []string{`"quiz_id"`}},
		{name: "in a locked module", method: "GET", path: "/api/v1/courses/kokeilu/lessons/arvio?locale=en", token: learner, status: 403, want: []string{"Complete the module Start first."}},
		{name: "a trainer previews it", method: "GET", path: "/api/v1/courses/kokeilu/lessons/arvio", token: trainer, status: 200},
		{name: "quiz attempt", method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: learner, status: 409, want: []string{"locked"}},
		{name: "self-assessment", method: "POST", path: "/api/v1/assessments", token: learner, body: `{"course":"kokeilu","assessment":"alkuarvio","ratings":{"1.1":3,"2.1":2,"4.2":4,"tunnistautuminen":2}}`, status: 409, want: []string{"locked"}},
		{name: "safari log", method: "POST", path: "/api/v1/safari-logs", token: learner, body: safariLog, status: 409, want: []string{"locked"}},
		{name: "wall post", method: "POST", path: "/api/v1/cohorts/open.kokeilu/walls/viikko-1/posts", token: learner, body: `{"body":"Liian aikaisin."}`, status: 409, want: []string{"locked"}},
		{name: "the first lesson is open", method: "GET", path: "/api/v1/courses/kokeilu/lessons/tervetuloa", token: learner, status: 200},
		{name: "viewing it opens the next", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"type":"viewed"}`, status: 201},
		{name: "which is served now", method: "GET", path: "/api/v1/courses/kokeilu/lessons/visa", token: learner, status: 200, want: []string{`"quiz_id":"kokeilu:alkuvisa"`}},
	})
}

// TestServerStatementIdsCannotBeClaimed has another learner send statements first with every id
// she could compute for the statements Taito will write about her colleague (public names'
// UUIDv5, as ids were made before): her colleague's submission and completion still count.
func TestServerStatementIdsCannotBeClaimed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	learner2 := e.token(t, "learner2")
	me, other := e.users["learner"].ID, e.users["learner2"].ID
	var claims []any
	for _, name := range []string{"assessment/" + me + ":kokeilu:alkuarvio", testIssuer + "/courses/kokeilu#completed/" + me} {
		st := statement(other, "experienced", "lessons/tervetuloa", nil)
		st["id"] = uuid.NewSHA1(uuid.NameSpaceURL, []byte(name)).String()
		claims = append(claims, st)
	}
	do(t, e.app, scenario{method: "POST", path: "/api/v1/statements", token: learner2, body: jsonBody(claims)})
	e.finishStart(t, "learner")
	learner := e.token(t, "learner")
	run(t, e.app, []scenario{})
	run(t, e.app, submitForms(learner))
	run(t, e.app, []scenario{
		{name: "both count", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"id":"arvio","state":"completed"`, `"id":"safari","state":"completed"`}},
		{name: "the course is complete", method: "GET", path: "/api/v1/me/statements?verb=completed&course=kokeilu", token: learner, status: 200, want: []string{`"id":"` + testIssuer + `/courses/kokeilu"`}},
	})
	if n := certificateJobs(t, e, me); n != 1 {
		t.Errorf("%d certificate jobs, want 1", n)
	}
}

// TestBatchesAreAllOrNothing sends batches with one bad part: each is refused whole and nothing
// of it is stored.
func TestBatchesAreAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	learner := e.token(t, "learner")
	me := e.users["learner"].ID
	view := func() map[string]any { return statement(me, "experienced", "lessons/tervetuloa", nil) }
	unknownVoid := statement(me, "voided", "", nil)
	unknownVoid["object"] = map[string]any{"objectType": "StatementRef", "id": uuid.NewString()}
	twice, changed := view(), statement(me, "progressed", "lessons/tervetuloa", map[string]any{"result": map[string]any{"duration": "PT20S"}})
	changed["id"] = twice["id"]
	run(t, e.app, []scenario{
		{name: "three statements and a void of an unknown one", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody([]any{view(), view(), view(), unknownVoid}), status: 404},
		{name: "one id twice with other content", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody([]any{twice, view(), changed}), status: 409},
		{name: "nothing was stored", method: "GET", path: "/api/v1/me/statements", token: learner, status: 200, want: []string{`"items":[]`}},
		{name: "nothing was counted", method: "GET", path: "/api/v1/me/progress/kokeilu", token: learner, status: 200, want: []string{`"state":"not_started"`}, forbid: []string{`"first_activity"`}},
		{name: "the same statement twice is one", method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody([]any{twice, twice}), status: 200},
	})
}

// TestShippedCourseSelfReportedOnly walks the shipped course as a learner who sends nothing but
// her own statements, through lesson events and /statements, with every trick: what she may
// report (viewed, time, marked done) counts, but no quiz, task, self-assessment or safari is
// credited, the course is not completed, and no certificate is queued.
func TestShippedCourseSelfReportedOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	co := importShippedCourse(t, e)
	slug := co.Slug
	learner := e.token(t, "learner")
	me := e.users["learner"].ID
	about := func(verb, kind, id string, extra map[string]any) map[string]any {
		st := statement(me, verb, "", extra)
		st["object"] = map[string]any{"objectType": "Activity", "id": testIssuer + "/courses/" + slug + "/" + kind + "/" + id}
		if kind == "" {
			st["object"] = map[string]any{"objectType": "Activity", "id": testIssuer + "/courses/" + slug}
		}
		return st
	}
	full := map[string]any{"result": map[string]any{"score": map[string]any{"scaled": 1}, "success": true, "completion": true, "duration": "PT10M",
		"extensions": map[string]any{testIssuer + "/xapi/extensions/peer": true, testIssuer + "/xapi/extensions/attempt": "mine"}}}
	send := func(sc scenario) {
		t.Helper()
		resp, body := do(t, e.app, sc)
		if resp.StatusCode >= 500 || resp.StatusCode == 422 || resp.StatusCode == 400 {
			t.Fatalf("%s %s: %d %s", sc.method, sc.path, resp.StatusCode, body)
		}
	}
	for pass := 0; pass < 2; pass++ { // the second pass reaches what the first opened
		for _, m := range co.Modules {
			for _, l := range m.Lessons {
				lessonPath := "/api/v1/courses/" + slug + "/lessons/" + l.ID
				send(scenario{method: "GET", path: lessonPath, token: learner})
				for _, ev := range []string{`{"type":"viewed"}`, `{"type":"progressed","seconds":600}`, `{"type":"marked_done"}`, `{"type":"completed"}`} {
					send(scenario{method: "POST", path: lessonPath + "/events", token: learner, body: ev})
				}
				var tricks []any
				for _, verb := range []string{"completed", "passed", "answered", "commented"} {
					tricks = append(tricks, about(verb, "lessons", l.ID, full))
				}
				r := l.Completion
				for kind, id := range map[string]string{"quizzes": r.Quiz, "reflections": r.Task, "assessments": r.Assessment, "safaris": r.Safari} {
					if id == "" {
						continue
					}
					for _, verb := range []string{"passed", "completed", "answered", "commented", "experienced"} {
						tricks = append(tricks, about(verb, kind, id, full))
					}
				}
				tricks = append(tricks, about("completed", "modules", m.ID, full), about("completed", "", "", full))
				send(scenario{method: "POST", path: "/api/v1/statements", token: learner, body: jsonBody(tricks)})
			}
		}
	}
	var p struct {
		State   string
		Modules []struct {
			Lessons []struct {
				ID       string
				State    string
				Attempts int
			}
		}
	}
	_, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/me/progress/" + slug, token: learner})
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	rules := map[string]course.Rule{}
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			rules[l.ID] = l.Completion
		}
	}
	selfReported := 0
	for _, m := range p.Modules {
		for _, l := range m.Lessons {
			switch r := rules[l.ID]; r.Rule {
			case course.RuleQuizPassed, course.RuleReflectionPosted, course.RuleAssessmentSubmitted, course.RuleSafariSubmitted:
				if l.State == "completed" || l.Attempts != 0 {
					t.Errorf("lesson %s (%s) credited from her own statements: %+v", l.ID, r.Rule, l)
				}
			case course.RuleViewedSeconds:
				if l.State == "completed" && r.Seconds > 2*35 {
					t.Errorf("lesson %s needs %d seconds and was completed by two claims of 600", l.ID, r.Seconds)
				}
			default:
				if l.State == "completed" {
					selfReported++
				}
			}
		}
	}
	if selfReported == 0 {
		t.Errorf("nothing she may report herself counted: %s", body)
	}
	if p.State == "completed" {
		t.Errorf("the course was completed by her own statements")
	}
	if n := certificateJobs(t, e, me); n != 0 {
		t.Errorf("%d certificate jobs", n)
	}
	for _, q := range co.Quizzes {
		run(t, e.app, []scenario{{name: "quiz " + q.ID + " untaken", method: "GET", path: "/api/v1/quizzes/" + slug + ":" + q.ID, token: learner, status: 200, want: []string{`"attempts_used":0`}}})
	}
}
