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
