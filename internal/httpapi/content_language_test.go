package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/course"
)

// fallbackAt checks the fallback object at a dotted path of a JSON body ("" for the top); a
// missing fallback is the empty one.
func fallbackAt(path string, want map[string]string) func(*testing.T, *http.Response, []byte) {
	return func(t *testing.T, _ *http.Response, body []byte) {
		t.Helper()
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		if path != "" {
			for _, part := range strings.Split(path, ".") {
				switch x := v.(type) {
				case map[string]any:
					v = x[part]
				case []any:
					i, err := strconv.Atoi(part)
					if err != nil || i >= len(x) {
						t.Fatalf("%s: no %s in %s", path, part, body)
					}
					v = x[i]
				default:
					t.Fatalf("%s: nothing at %s in %s", path, part, body)
				}
			}
		}
		obj, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s is no object: %s", path, body)
		}
		got := map[string]string{}
		if fb, ok := obj["fallback"].(map[string]any); ok {
			for k, lang := range fb {
				got[k], _ = lang.(string)
			}
		}
		if want == nil {
			want = map[string]string{}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s fallback (-want +got):\n%s", path, d)
		}
	}
}

// TestEnglishReaderSeesWhichTextsAreFinnish: an English reader of a course some of whose texts
// exist only in Finnish gets those in Finnish, each marked as Finnish where it is delivered —
// catalogue, outline, lesson, block and activity definitions — so that a page can give them
// lang="fi"; texts in English are not marked (issue 16, localised content).
func TestEnglishReaderSeesWhichTextsAreFinnish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	co, fsys := fixture(t)
	finnishOnly := func(ts ...course.Text) {
		for _, x := range ts {
			delete(x, "en")
		}
	}
	alku := &co.Modules[0]
	welcome, practice := &alku.Lessons[0], &co.Modules[1]
	finnishOnly(co.Summary, co.Outcomes[0], alku.Title, welcome.Title, welcome.Blocks[len(welcome.Blocks)-1].Items[1],
		co.Reflections[0].Prompt, co.Assessments[0].Items[0].Statement, co.Safaris[0].Instructions, co.Safaris[0].Steps[1].Task)
	if _, err := e.a.ImportCourse(context.Background(), co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	learner := e.token(t, "learner")
	e.finishStart(t, "learner") // the practice module opens after the first
	en := func(path string) string { return path + "?locale=en" }
	lastBlock := "blocks." + strconv.Itoa(len(welcome.Blocks)-1)
	run(t, e.app, []scenario{
		{name: "the catalogue marks the summary", method: "GET", path: en("/api/v1/courses"), token: learner, status: 200,
			want: []string{`"summary":"Lyhyt kurssi testejä varten."`, `"locale":"en"`}, check: fallbackAt("items.0", map[string]string{"summary": "fi"})},
		{name: "the outline marks the course's texts", method: "GET", path: en("/api/v1/courses/kokeilu"), token: learner, status: 200,
			want: []string{`"locale":"en"`, `"title":"Trial course"`}, check: fallbackAt("", map[string]string{"summary": "fi", "outcomes.0": "fi"})},
		{name: "a module's title", method: "GET", path: en("/api/v1/courses/kokeilu"), token: learner, status: 200,
			want: []string{`"title":"Alku"`}, check: fallbackAt("modules.0", map[string]string{"title": "fi"})},
		{name: "a lesson's title in the outline", method: "GET", path: en("/api/v1/courses/kokeilu"), token: learner, status: 200,
			check: fallbackAt("modules.0.lessons.0", map[string]string{"title": "fi"})},
		{name: "an English module is not marked", method: "GET", path: en("/api/v1/courses/kokeilu"), token: learner, status: 200,
			want: []string{`"title":"` + practice.Title["en"] + `"`}, check: fallbackAt("modules.1", nil)},
		{name: "the lesson's title", method: "GET", path: en("/api/v1/courses/kokeilu/lessons/tervetuloa"), token: learner, status: 200,
			want: []string{`"title":"Tervetuloa"`, "This is a **trial**."}, check: fallbackAt("", map[string]string{"title": "fi"})},
		{name: "an English block is not marked", method: "GET", path: en("/api/v1/courses/kokeilu/lessons/tervetuloa"), token: learner, status: 200,
			check: fallbackAt("blocks.0", nil)},
		{name: "a block's own texts, one item of a list", method: "GET", path: en("/api/v1/courses/kokeilu/lessons/tervetuloa"), token: learner, status: 200,
			want: []string{`"items":["One","Kaksi"]`}, check: fallbackAt(lastBlock, map[string]string{"title": "fi", "items.1": "fi"})},
		{name: "a reflection task in its lesson", method: "GET", path: en("/api/v1/courses/kokeilu/lessons/pohdinta"), token: learner, status: 200,
			want: []string{`"prompt":"Kerro kokemuksesi."`}, check: fallbackAt("blocks.0.reflection", map[string]string{"prompt": "fi", "prompt_html": "fi"})},
		{name: "a self-assessment's statement", method: "GET", path: en("/api/v1/assessments/forms/kokeilu:alkuarvio"), token: learner, status: 200,
			want: []string{`"statement":"Osaan neuvoa tunnistautumisessa."`, `"title":"Starting assessment"`}, check: fallbackAt("items.3", map[string]string{"statement": "fi"})},
		{name: "an English form is not marked", method: "GET", path: en("/api/v1/assessments/forms/kokeilu:alkuarvio"), token: learner, status: 200,
			check: fallbackAt("", nil)},
		{name: "a safari's instructions", method: "GET", path: en("/api/v1/safari-logs/forms/kokeilu:kela-safari"), token: learner, status: 200,
			want: []string{`"instructions":"Tee tehtävä asiakkaan kanssa."`}, check: fallbackAt("", map[string]string{"instructions": "fi", "instructions_html": "fi"})},
		{name: "a safari's step", method: "GET", path: en("/api/v1/safari-logs/forms/kokeilu:kela-safari"), token: learner, status: 200,
			want: []string{`"task":"Sign in."`, `"task":"Etsi hakemus."`}, check: fallbackAt("steps.1", map[string]string{"task": "fi"})},
		{name: "the same safari in a lesson", method: "GET", path: en("/api/v1/courses/kokeilu/lessons/safari"), token: learner, status: 200,
			check: fallbackAt("blocks.0.safari.steps.1", map[string]string{"task": "fi"})},
		{name: "a Finnish reader has nothing marked", method: "GET", path: "/api/v1/courses/kokeilu/lessons/tervetuloa?locale=fi", token: learner, status: 200,
			forbid: []string{`"fallback"`}},
	})
}

// TestEnglishReaderSeesWhichActivityTextsAreFinnish: the quiz, its attempt and result, the
// course in her own list, the rows of her self-assessment and the DigComp framework mark the
// texts an English (or Swedish) reader gets in Finnish, as course delivery does (issue 16,
// localised content).
func TestEnglishReaderSeesWhichActivityTextsAreFinnish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	co, fsys := fixture(t)
	quiz := &co.Quizzes[0]
	q1, q3, q4, q5 := &quiz.Questions[0], &quiz.Questions[2], &quiz.Questions[3], &quiz.Questions[4]
	for _, x := range []course.Text{co.Title, quiz.Title, q1.Prompt, q1.Options[1].Text, q1.Options[0].Feedback, q3.FeedbackCorrect,
		q4.Pairs[0].Right, q4.Pairs[1].Right, co.Assessments[0].Items[0].Statement} {
		delete(x, "en")
	}
	delete(q5.Accepted, "en")
	if _, err := e.a.ImportCourse(context.Background(), co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	learner := e.token(t, "learner")
	e.finishStart(t, "learner") // in Finnish; the practice module opens after the first
	if resp, out := do(t, e.app, scenario{method: "POST", path: "/api/v1/assessments", token: learner,
		body: `{"course":"kokeilu","assessment":"alkuarvio","ratings":{"1.1":3,"2.1":2,"4.2":4,"tunnistautuminen":2}}`}); resp.StatusCode != 201 {
		t.Fatalf("assessment: %d %s", resp.StatusCode, out)
	}
	_, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts?locale=en", token: learner})
	var attempt struct {
		ID        string
		Questions []struct{ Options []struct{ ID string } }
	}
	if err := json.Unmarshal(body, &attempt); err != nil || len(attempt.Questions) < 3 || len(attempt.Questions[0].Options) < 2 {
		t.Fatalf("attempt: %v %s", err, body)
	}
	right := map[string][]string{"q1": {attempt.Questions[0].Options[0].ID}, "q3": {"true"}} // no shuffle: the right option first
	if resp, out := do(t, e.app, scenario{method: "POST", path: "/api/v1/attempts/" + attempt.ID + "/submit", token: learner, body: jsonBody(map[string]any{"answers": right})}); resp.StatusCode != 200 {
		t.Fatalf("submit: %d %s", resp.StatusCode, out)
	}
	en := func(path string) string { return path + "?locale=en" }
	theAttempt := "/api/v1/attempts/" + attempt.ID
	run(t, e.app, []scenario{
		{name: "the quiz's title", method: "GET", path: en("/api/v1/quizzes/kokeilu:alkuvisa"), token: learner, status: 200,
			want: []string{`"title":"Alkuvisa"`, `"locale":"en"`}, check: fallbackAt("", map[string]string{"title": "fi"})},
		{name: "a question's prompt and one option", method: "GET", path: theAttempt, token: learner, status: 200,
			want:  []string{`"locale":"en"`, `"prompt":"Mikä on Suomi.fi?"`, `"text":"A service"`, `"text":"Peli"`},
			check: fallbackAt("questions.0", map[string]string{"prompt": "fi", "options.1": "fi"})},
		{name: "an English question is not marked", method: "GET", path: theAttempt, token: learner, status: 200,
			check: fallbackAt("questions.1", nil)},
		{name: "the right side of a matching question", method: "GET", path: theAttempt, token: learner, status: 200,
			check: fallbackAt("questions.3", map[string]string{"right.0": "fi", "right.1": "fi"})},
		{name: "an option's feedback in the result", method: "GET", path: theAttempt, token: learner, status: 200,
			want: []string{`"feedback":["Oikein.","Suomi.fi is a service."]`}, check: fallbackAt("result.questions.0", map[string]string{"feedback.0": "fi"})},
		{name: "the feedback for a right answer", method: "GET", path: theAttempt, token: learner, status: 200,
			check: fallbackAt("result.questions.2", map[string]string{"feedback.0": "fi"})},
		{name: "accepted short answers shown in review", method: "GET", path: theAttempt, token: learner, status: 200,
			want: []string{`"answer":["vahva tunnistautuminen"]`}, check: fallbackAt("result.questions.4", map[string]string{"answer.0": "fi"})},
		{name: "the course's title in her courses", method: "GET", path: en("/api/v1/me/courses"), token: learner, status: 200,
			want: []string{`"title":"Kokeilukurssi"`, `"locale":"en"`}, check: fallbackAt("items.0", map[string]string{"title": "fi"})},
		{name: "a row of her self-assessment", method: "GET", path: "/api/v1/assessments?course=kokeilu&locale=en", token: learner, status: 200,
			want: []string{`"label":"Osaan neuvoa tunnistautumisessa."`}, check: fallbackAt("items.0.rows.3", map[string]string{"label": "fi"})},
		{name: "an English row is not marked", method: "GET", path: "/api/v1/assessments?course=kokeilu&locale=en", token: learner, status: 200,
			check: fallbackAt("items.0.rows.0", nil)},
		{name: "DigComp for a Swedish reader", method: "GET", path: "/api/v1/frameworks/digcomp?locale=sv", token: learner, status: 200,
			want: []string{`"locale":"sv"`}, check: fallbackAt("areas.0.competences.0", map[string]string{"name": "fi", "description": "fi"})},
		{name: "a DigComp area for a Swedish reader", method: "GET", path: "/api/v1/frameworks/digcomp?locale=sv", token: learner, status: 200,
			check: fallbackAt("areas.0", map[string]string{"name": "fi"})},
		{name: "a DigComp level for a Swedish reader", method: "GET", path: "/api/v1/frameworks/digcomp?locale=sv", token: learner, status: 200,
			check: fallbackAt("levels.0", map[string]string{"name": "fi"})},
		{name: "DigComp in English is not marked", method: "GET", path: en("/api/v1/frameworks/digcomp"), token: learner, status: 200,
			check: fallbackAt("areas.0.competences.0", nil)},
		{name: "a Finnish reader has nothing marked", method: "GET", path: "/api/v1/quizzes/kokeilu:alkuvisa?locale=fi", token: learner, status: 200,
			forbid: []string{`"fallback"`}},
	})
}
