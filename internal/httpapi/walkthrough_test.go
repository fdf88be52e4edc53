package httpapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/course"
)

// The parts of API responses the walkthrough reads. Activity definitions are kept as decoded
// JSON too, to compare the lesson block's copy with the activity's own read route.
type (
	walkOutline struct {
		Access  string   `json:"access"`
		Locales []string `json:"locales"`
		Modules []struct {
			Lessons []struct {
				ID string `json:"id"`
			} `json:"lessons"`
		} `json:"modules"`
	}
	walkLesson struct {
		Title      string      `json:"title"`
		Completion course.Rule `json:"completion"`
		Blocks     []walkBlock `json:"blocks"`
	}
	walkBlock struct {
		Kind         string          `json:"kind"`
		QuizID       string          `json:"quiz_id"`
		TaskID       string          `json:"task_id"`
		AssessmentID string          `json:"assessment_id"`
		SafariID     string          `json:"safari_id"`
		Reflection   json.RawMessage `json:"reflection"`
		Assessment   json.RawMessage `json:"assessment"`
		Safari       json.RawMessage `json:"safari"`
	}
	walkReflection struct {
		ID, Task, Title, Prompt string
		Completion              *struct{ Posts, Comments int }
	}
	walkAssessment struct {
		ID, Title, Instructions, Round string
		Scale                          struct {
			Min, Max int
			Levels   []struct {
				Level              int
				Group, Description string
			}
		}
		Items []struct {
			ID, Statement string
			Required      bool
		}
		Notes []struct{ ID, Label string }
	}
	walkSafari struct {
		ID, Title, Instructions string
		Service                 struct{ Name string }
		Steps                   []struct{ ID, Task string }
	}
)

// TestShippedCourseWalkthrough takes the shipped course as a learner, through the API, on the
// embedded servers, knowing nothing of it but its slug (and, for quizzes, the answer key, which
// the API rightly never tells): it finds the lessons in the outline and the activities in the
// lesson blocks, renders every activity from what the API returns — the lesson block's copy
// and the activity's own read route agree — in Finnish and in English, with every prompt,
// instruction, item and step present in the language asked for, does each activity the way
// its lesson asks, and completion reaches 100 %.
func TestShippedCourseWalkthrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	key := importShippedCourse(t, e)
	slug := key.Slug
	tok := func(who string) string { return e.token(t, who) }
	learner := tok("learner")
	must := func(sc scenario, status int) []byte {
		t.Helper()
		resp, body := do(t, e.app, sc)
		if resp.StatusCode != status {
			t.Fatalf("%s %s: %d, want %d: %.500s", sc.method, sc.path, resp.StatusCode, status, body)
		}
		return body
	}
	get := func(path string, into any) []byte {
		t.Helper()
		body := must(scenario{method: "GET", path: path, token: learner}, 200)
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return body
	}

	var outline walkOutline
	get("/api/v1/courses/"+slug+"?locale=fi", &outline)
	english := slices.Contains(outline.Locales, "en") // the course has every text in English
	// text checks that a text a learner reads is there, and in English when the course has it.
	text := func(where, loc, fi, got string) {
		t.Helper()
		if strings.TrimSpace(got) == "" {
			t.Errorf("%s: empty in %s", where, loc)
		}
		if loc == "en" && english && got == fi {
			t.Errorf("%s: the Finnish text %.60q in English", where, fi)
		}
	}
	wall := func(taskID string) string {
		if outline.Access != course.AccessOpen {
			t.Fatalf("the walkthrough takes an open course; %s is %s", slug, outline.Access)
		}
		return "/api/v1/cohorts/open." + slug + "/walls/" + taskID + "/posts"
	}
	// definition reads an activity's definition from its own route, checks that the lesson block
	// carries the same, and decodes it and the Finnish block's.
	definition := func(what, path string, block, fiBlock json.RawMessage, into, fi any) {
		t.Helper()
		var form json.RawMessage
		get(path, &form)
		sameJSON(t, what+": route and lesson block", block, form)
		decode(t, form, into)
		decode(t, fiBlock, fi)
	}
	activities := 0

	for _, m := range outline.Modules {
		for _, ol := range m.Lessons {
			learner = tok("learner") // the clock moves on: a fresh access token per lesson
			lessons := map[string]walkLesson{}
			for _, loc := range []string{"fi", "en"} {
				var l walkLesson
				get("/api/v1/courses/"+slug+"/lessons/"+ol.ID+"?locale="+loc, &l)
				lessons[loc] = l
				text(ol.ID+" title", loc, lessons["fi"].Title, l.Title)
			}
			// Every activity block renders from the API in both languages.
			for bi, b := range lessons["fi"].Blocks {
				where := fmt.Sprintf("%s block %d (%s)", ol.ID, bi, b.Kind)
				for _, loc := range []string{"fi", "en"} {
					lb := lessons[loc].Blocks[bi]
					switch b.Kind {
					case course.KindQuiz:
						activities++
						var q struct{ Title string }
						get("/api/v1/quizzes/"+b.QuizID+"?locale="+loc, &q)
						var fiQ struct{ Title string }
						get("/api/v1/quizzes/"+b.QuizID+"?locale=fi", &fiQ)
						text(where+" quiz title", loc, fiQ.Title, q.Title)
					case course.KindReflection:
						activities++
						var fromWall struct{ Task json.RawMessage }
						get(wall(b.TaskID)+"?locale="+loc, &fromWall)
						sameJSON(t, where+" task on the wall and in the lesson, "+loc, lb.Reflection, fromWall.Task)
						var r, fr walkReflection
						decode(t, lb.Reflection, &r)
						decode(t, b.Reflection, &fr)
						if r.ID != b.TaskID || r.Completion == nil {
							t.Errorf("%s: task %q, completion %v", where, r.ID, r.Completion)
						}
						text(where+" title", loc, fr.Title, r.Title)
						text(where+" prompt", loc, fr.Prompt, r.Prompt)
					case course.KindSelfAssessment:
						activities++
						var a, fa walkAssessment
						definition(where+", "+loc, "/api/v1/assessments/forms/"+b.AssessmentID+"?locale="+loc, lb.Assessment, b.Assessment, &a, &fa)
						text(where+" title", loc, fa.Title, a.Title)
						text(where+" instructions", loc, fa.Instructions, a.Instructions)
						if len(a.Items) == 0 || len(a.Scale.Levels) != a.Scale.Max-a.Scale.Min+1 || len(a.Notes) == 0 {
							t.Errorf("%s: %d items, scale %+v, %d notes", where, len(a.Items), a.Scale, len(a.Notes))
						}
						for i, it := range a.Items {
							text(fmt.Sprintf("%s item %s", where, it.ID), loc, fa.Items[i].Statement, it.Statement)
						}
						for i, lv := range a.Scale.Levels {
							text(fmt.Sprintf("%s level %d", where, lv.Level), loc, fa.Scale.Levels[i].Description, lv.Description)
							text(fmt.Sprintf("%s level %d group", where, lv.Level), loc, fa.Scale.Levels[i].Group, lv.Group)
						}
						for i, n := range a.Notes {
							text(where+" note "+n.ID, loc, fa.Notes[i].Label, n.Label)
						}
					case course.KindServiceSafari:
						activities++
						var s, fs walkSafari
						definition(where+", "+loc, "/api/v1/safari-logs/forms/"+b.SafariID+"?locale="+loc, lb.Safari, b.Safari, &s, &fs)
						text(where+" title", loc, fs.Title, s.Title)
						text(where+" instructions", loc, fs.Instructions, s.Instructions)
						text(where+" service", loc, fs.Service.Name, s.Service.Name)
						if len(s.Steps) == 0 {
							t.Errorf("%s: no steps", where)
						}
						for i, st := range s.Steps {
							text(where+" step "+st.ID, loc, fs.Steps[i].Task, st.Task)
						}
					}
				}
			}

			// Do what the lesson asks, with what the API gave.
			l := lessons["fi"]
			block := func(kind string) walkBlock {
				t.Helper()
				for _, b := range l.Blocks {
					if b.Kind == kind {
						return b
					}
				}
				t.Fatalf("lesson %s asks for %s but has no %s block", ol.ID, l.Completion.Rule, kind)
				return walkBlock{}
			}
			lessonPath := "/api/v1/courses/" + slug + "/lessons/" + ol.ID + "/events"
			switch r := l.Completion; r.Rule {
			case course.RuleViewed:
				must(scenario{method: "POST", path: lessonPath, token: learner, body: `{"type":"viewed"}`}, 201)
			case course.RuleViewedSeconds:
				for spent := 0; spent < r.Seconds; spent += 30 {
					must(scenario{method: "POST", path: lessonPath, token: learner, body: `{"type":"progressed","seconds":30}`}, 201)
					e.clock.Advance(30 * time.Second)
				}
			case course.RuleMarkedDone:
				must(scenario{method: "POST", path: lessonPath, token: learner, body: `{"type":"marked_done"}`}, 201)
			case course.RuleQuizPassed:
				id := block(course.KindQuiz).QuizID
				_, local, _ := course.ParseActivityID(id)
				q, _ := key.QuizByID(local)
				attempt := must(scenario{method: "POST", path: "/api/v1/quizzes/" + id + "/attempts", token: learner}, 201)
				aid, answers := correctAnswers(t, q, attempt)
				res := must(scenario{method: "POST", path: "/api/v1/attempts/" + aid + "/submit", token: learner, body: jsonBody(map[string]any{"answers": answers})}, 200)
				if !strings.Contains(string(res), `"passed":true`) || !strings.Contains(string(res), `"score":1`) {
					t.Errorf("quiz %s not passed with the key's answers: %.400s", id, res)
				}
			case course.RuleReflectionPosted:
				var task walkReflection
				decode(t, block(course.KindReflection).Reflection, &task)
				posts := wall(task.ID)
				must(scenario{method: "POST", path: posts, token: learner, body: `{"body":"Oma pohdintani."}`}, 201)
				for i := 0; i < task.Completion.Comments; i++ {
					peer := must(scenario{method: "POST", path: posts, token: tok("learner2"), body: fmt.Sprintf(`{"body":"Kollegan havainto %d."}`, i)}, 201)
					var p struct{ ID string }
					_ = json.Unmarshal(peer, &p)
					must(scenario{method: "POST", path: posts + "/" + p.ID + "/comments", token: learner, body: `{"body":"Kiitos, tunnistan tämän."}`}, 201)
				}
			case course.RuleAssessmentSubmitted:
				var form walkAssessment
				decode(t, block(course.KindSelfAssessment).Assessment, &form)
				ratings := map[string]int{}
				for i, it := range form.Items {
					if it.Required {
						ratings[it.ID] = form.Scale.Min + i%(form.Scale.Max-form.Scale.Min+1)
					}
				}
				must(scenario{method: "POST", path: "/api/v1/assessments", token: learner, body: jsonBody(map[string]any{"assessment": form.ID, "ratings": ratings})}, 201)
			case course.RuleSafariSubmitted:
				var form walkSafari
				decode(t, block(course.KindServiceSafari).Safari, &form)
				var steps []map[string]any
				for _, st := range form.Steps {
					steps = append(steps, map[string]any{"step": st.ID, "did_and_said": "Eteni rauhallisesti.", "observations": []any{}})
				}
				must(scenario{method: "POST", path: "/api/v1/safari-logs", token: learner, body: jsonBody(map[string]any{"safari": form.ID, "steps": steps, "debrief": "Sujui.", "submitted": true})}, 201)
			default:
				t.Fatalf("lesson %s: rule %s not walked", ol.ID, r.Rule)
			}
			prog := must(scenario{method: "GET", path: "/api/v1/me/progress/" + slug, token: learner}, 200)
			if !strings.Contains(string(prog), `"id":"`+ol.ID+`","state":"completed"`) {
				t.Fatalf("lesson %s not completed after its activity: %.300s", ol.ID, prog)
			}
		}
	}
	if activities == 0 {
		t.Fatal("no activity found in the lessons")
	}
	final := must(scenario{method: "GET", path: "/api/v1/me/courses", token: learner}, 200)
	if !strings.Contains(string(final), `"state":"completed","percent":100`) {
		t.Fatalf("the course is not complete: %s", final)
	}
	// The end-round self-assessment is compared with the start round.
	ends := must(scenario{method: "GET", path: "/api/v1/assessments?course=" + slug, token: learner}, 200)
	if !strings.Contains(string(ends), `"round":"end"`) || !strings.Contains(string(ends), `"change":0`) {
		t.Errorf("end round without its change since the start: %.400s", ends)
	}
}

// decode unmarshals an activity definition the API returned.
func decode(t *testing.T, raw json.RawMessage, into any) {
	t.Helper()
	if len(raw) == 0 {
		t.Fatalf("no definition where one belongs (%T)", into)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		t.Fatal(err)
	}
}

// sameJSON checks that two responses carry the same JSON value.
func sameJSON(t *testing.T, what string, a, b json.RawMessage) {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("%s: %v: %s", what, err, a)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("%s: %v: %s", what, err, b)
	}
	if diff := cmp.Diff(va, vb); diff != "" {
		t.Errorf("%s differ (-lesson +route):\n%s", what, diff)
	}
}

// correctAnswers answers an attempt from the quiz's answer key, by the texts the attempt shows:
// its option and item ids are its own.
func correctAnswers(t *testing.T, q *course.Quiz, attempt []byte) (string, map[string][]string) {
	t.Helper()
	var a struct {
		ID        string `json:"id"`
		Questions []struct {
			ID      string `json:"id"`
			Options []struct{ ID, Text string }
			Left    []struct{ ID, Text string }
			Right   []struct{ ID, Text string }
		} `json:"questions"`
	}
	if err := json.Unmarshal(attempt, &a); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, aq := range a.Questions {
		var def *course.Question
		for i := range q.Questions {
			if q.Questions[i].ID == aq.ID {
				def = &q.Questions[i]
			}
		}
		switch def.Type {
		case course.QuestionSingle, course.QuestionMultiple:
			for _, o := range def.Options {
				for _, shown := range aq.Options {
					if o.Correct && shown.Text == o.Text.Get("fi") {
						out[aq.ID] = append(out[aq.ID], shown.ID)
					}
				}
			}
		case course.QuestionTrueFalse:
			out[aq.ID] = []string{fmt.Sprint(*def.Answer)}
		case course.QuestionShortText:
			out[aq.ID] = []string{def.Accepted["fi"][0]}
		case course.QuestionMatching:
			for _, p := range def.Pairs {
				for _, l := range aq.Left {
					for _, r := range aq.Right {
						if l.Text == p.Left.Get("fi") && r.Text == p.Right.Get("fi") {
							out[aq.ID] = append(out[aq.ID], l.ID+"="+r.ID)
						}
					}
				}
			}
		}
	}
	return a.ID, out
}

// TestEveryActivityTextArrivesWithTheActivity: what a learner reads to do an activity — the
// reflection task's prompt and what counts toward completion, the self-assessment's items, scale
// and instructions, the safari's service, instructions and steps — comes with the activity, in
// her language with Finnish where a text lacks it: from the wall, from the activity's own read
// route and in the lesson block. Every activity is addressed as course:activity.
func TestEveryActivityTextArrivesWithTheActivity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	e.finishStart(t, "learner") // the activities' lessons wait for the first module
	e.makeEditor(t, "trainer")  // she reads the summaries of the learners without a cohort
	learner, trainer := e.token(t, "learner"), e.token(t, "trainer")
	ratings := map[string]int{"1.1": 3, "2.1": 4, "4.2": 2, "tunnistautuminen": 5}

	run(t, e.app, []scenario{
		{name: "the reflection prompt and its completion rule arrive with the wall", method: "GET", path: "/api/v1/cohorts/open.kokeilu/walls/viikko-1/posts?locale=en", token: learner, status: 200,
			want: []string{`"task":{"id":"kokeilu:viikko-1","task":"viikko-1","title":"Weekly task","prompt":"Tell about your experience.","prompt_html":"\u003cp\u003eTell about your experience.\u003c/p\u003e\n"`,
				`"anonymous":true,"completion":{"lesson":"pohdinta","posts":1,"comments":1}`, `"items":[]`}},
		{name: "the wall is addressed by the task's API id", method: "GET", path: "/api/v1/cohorts/open.kokeilu/walls/kokeilu:viikko-1/posts", token: learner, status: 200,
			want: []string{`"prompt":"Kerro kokemuksesi."`}},
		{name: "another course's task is not on this wall", method: "GET", path: "/api/v1/cohorts/open.kokeilu/walls/muu:viikko-1/posts", token: learner, status: 404},
		{name: "the reflection prompt arrives in the lesson block", method: "GET", path: "/api/v1/courses/kokeilu/lessons/pohdinta?locale=en", token: learner, status: 200,
			want: []string{`"task_id":"kokeilu:viikko-1"`, `"reflection":{"id":"kokeilu:viikko-1"`, `"prompt":"Tell about your experience."`}},
		{name: "the self-assessment form has its own read route", method: "GET", path: "/api/v1/assessments/forms/kokeilu:alkuarvio?locale=en", token: learner, status: 200,
			want: []string{`"id":"kokeilu:alkuarvio","assessment":"alkuarvio","title":"Starting assessment"`, `"round":"start"`,
				`{"id":"tunnistautuminen","kind":"statement","statement":"I can guide identification.","competence":"2.1","required":true}`,
				`{"id":"1.1","kind":"competence","statement":"1.1 Browsing, searching and filtering data, information and digital content"`,
				`"scale":{"min":1,"max":8,"levels":[{"level":1,"group":"foundation","description":"I can do simple tasks with guidance."}`,
				`{"id":"general","label":"General notes"}`}},
		{name: "the form falls back to Finnish per text", method: "GET", path: "/api/v1/assessments/forms/kokeilu:alkuarvio?locale=sv", token: learner, status: 200,
			want: []string{`"title":"Alkuarvio"`, `"statement":"Osaan neuvoa tunnistautumisessa."`, `"label":"Allmänna anteckningar"`}},
		{name: "the self-assessment form arrives in the lesson block", method: "GET", path: "/api/v1/courses/kokeilu/lessons/arvio", token: learner, status: 200,
			want: []string{`"assessment_id":"kokeilu:alkuarvio"`, `"statement":"Osaan neuvoa tunnistautumisessa."`, `"group":"perustaso"`}},
		{name: "an assessment the course does not define", method: "GET", path: "/api/v1/assessments/forms/kokeilu:ei-ole", token: learner, status: 404},
		{name: "an assessment id without its course", method: "GET", path: "/api/v1/assessments/forms/alkuarvio", token: learner, status: 404},
		{name: "the safari's steps and instructions have their own read route", method: "GET", path: "/api/v1/safari-logs/forms/kokeilu:kela-safari?locale=en", token: learner, status: 200,
			want: []string{`"id":"kokeilu:kela-safari","safari":"kela-safari","title":"Kela's online service","service":{"name":"Kela","url":"https://www.kela.fi"}`,
				`"instructions":"Do the task with a client."`, `"steps":[{"id":"kirjaudu","task":"Sign in."},{"id":"etsi","task":"Find the application."}]`}},
		{name: "the safari arrives in the lesson block", method: "GET", path: "/api/v1/courses/kokeilu/lessons/safari", token: learner, status: 200,
			want: []string{`"safari_id":"kokeilu:kela-safari"`, `{"id":"kirjaudu","task":"Kirjaudu sisään."}`}},
		{name: "a safari the course does not define", method: "GET", path: "/api/v1/safari-logs/forms/kokeilu:ei-ole", token: learner, status: 404},
		{name: "a self-assessment is submitted by its API id", method: "POST", path: "/api/v1/assessments", token: learner, status: 201,
			body: jsonBody(map[string]any{"assessment": "kokeilu:alkuarvio", "ratings": ratings}), want: []string{`"course":"kokeilu","assessment":"alkuarvio"`}},
		{name: "a course that contradicts the assessment's id", method: "POST", path: "/api/v1/assessments", token: learner, status: 422,
			body: jsonBody(map[string]any{"course": "muu", "assessment": "kokeilu:alkuarvio", "ratings": ratings}), want: []string{`"field":"course"`}},
		{name: "a safari log is started by the safari's API id", method: "POST", path: "/api/v1/safari-logs", token: learner, status: 201,
			body: `{"safari":"kokeilu:kela-safari","steps":[],"submitted":false}`, want: []string{`"course":"kokeilu","safari":"kela-safari"`}},
		{name: "a safari's summary is asked for by its API id", method: "GET", path: "/api/v1/safari-logs/summary?safari=kokeilu:kela-safari", token: trainer, status: 200,
			want: []string{`"logs":0`}},
	})
}
