package httpapi_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"strings"
	"testing"
)

// attemptOptions are the ids an attempt shows, by question and option text.
func attemptOptions(t *testing.T, attempt []byte) map[string]map[string]string {
	t.Helper()
	var a struct {
		Questions []struct {
			ID      string `json:"id"`
			Options []struct{ ID, Text string }
		} `json:"questions"`
	}
	if err := json.Unmarshal(attempt, &a); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, q := range a.Questions {
		out[q.ID] = map[string]string{}
		for _, o := range q.Options {
			out[q.ID][o.Text] = o.ID
		}
	}
	return out
}

// TestQuizOptionIDsDoNotGiveTheAnswerAway: the option ids an attempt shows are drawn for that
// attempt and mean nothing, so that neither their names nor their order tell which is right;
// the author's ids are not accepted as answers (issue 16, finding 7).
func TestQuizOptionIDsDoNotGiveTheAnswerAway(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	learner, learner2 := e.token(t, "learner"), e.token(t, "learner2")
	start := func(tok string) []byte {
		t.Helper()
		do(t, e.app, scenario{method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: tok, body: `{"type":"viewed"}`})
		resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: tok})
		if resp.StatusCode != 201 {
			t.Fatalf("start: %d %s", resp.StatusCode, body)
		}
		return body
	}
	first, second := start(learner), start(learner2)
	mine, theirs := attemptOptions(t, first), attemptOptions(t, second)
	for _, q := range []string{"q1", "q2"} {
		for text, id := range mine[q] {
			if len(id) < 8 {
				t.Errorf("%s: option %q shown as %q, an id that means something", q, text, id)
			}
			if theirs[q][text] == id {
				t.Errorf("%s: option %q has the id %q in two attempts", q, text, id)
			}
		}
	}
	id, right := answerAll(t, first, true)
	run(t, e.app, []scenario{
		{name: "the author's id is no answer", method: "PUT", path: "/api/v1/attempts/" + id + "/answers", token: learner, body: `{"answers":{"q1":["a"]}}`, status: 422, want: []string{`"field":"answers.q1"`}},
		{name: "answers by the ids shown are kept as shown", method: "PUT", path: "/api/v1/attempts/" + id + "/answers", token: learner, body: jsonBody(map[string]any{"answers": right}), status: 200,
			want: []string{`"q1":["` + mine["q1"]["Palvelu"] + `"]`}},
		{name: "and graded", method: "POST", path: "/api/v1/attempts/" + id + "/submit", token: learner, status: 200,
			want: []string{`"passed":true`, `"score":1`, `"answer":["` + mine["q1"]["Palvelu"] + `"]`}, forbid: []string{`"answer":["a"]`}},
	})
}

// TestRightAnswersNeverGetWrongAnswersFeedback: a question's feedback may differ for right and
// wrong answers, and each answer gets only its own (issue 16, finding 7).
func TestRightAnswersNeverGetWrongAnswersFeedback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	learner := e.token(t, "learner")
	do(t, e.app, scenario{method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"type":"viewed"}`})
	const rightText, wrongText = "Aivan oikein, väite on tosi.", "Ei aivan, väite on tosi."
	for _, tc := range []struct {
		name         string
		right        bool
		want, forbid string
	}{
		{"a wrong answer", false, wrongText, rightText},
		{"a right answer", true, rightText, wrongText},
	} {
		_, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: learner})
		id, answers := answerAll(t, body, tc.right)
		run(t, e.app, []scenario{{name: tc.name, method: "POST", path: "/api/v1/attempts/" + id + "/submit", token: learner, body: jsonBody(map[string]any{"answers": answers}),
			status: 200, want: []string{`"id":"q3","correct":` + map[bool]string{true: "true", false: "false"}[tc.right], tc.want}, forbid: []string{tc.forbid}}})
	}
}

// TestShippedShortTextQuestionsAcceptInflectedFinnish: a learner who writes the answer in the
// form a Finnish speaker would naturally use is not marked wrong (issue 16, finding 7).
func TestShippedShortTextQuestionsAcceptInflectedFinnish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	co := importShippedCourse(t, e)
	learner := e.token(t, "learner")
	for _, answer := range []string{"digisyrjäytymistä", "Digisyrjäytymisen", "digisyrjäytymiseen"} {
		resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/" + co.Slug + ":digitalisaatio-visa/attempts", token: learner})
		if resp.StatusCode != 201 {
			t.Fatalf("start: %d %s", resp.StatusCode, body)
		}
		var a struct{ ID string }
		_ = json.Unmarshal(body, &a)
		run(t, e.app, []scenario{{name: answer, method: "POST", path: "/api/v1/attempts/" + a.ID + "/submit", token: learner,
			body: jsonBody(map[string]any{"answers": map[string][]string{"q7": {answer}}}), status: 200, want: []string{`"id":"q7","correct":true`}}})
	}
}

// TestSafariRecordsWhatWentWell: besides usability problems and skill gaps, a safari log keeps
// what went well, and the trainers' summary counts it (issue 16, finding 11).
func TestSafariRecordsWhatWentWell(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	e.makeEditor(t, "trainer")
	learner, trainer := e.token(t, "learner"), e.token(t, "trainer")
	e.finishStart(t, "learner")
	log := `{"course":"kokeilu","safari":"kela-safari","submitted":true,"steps":[{"step":"kirjaudu","did_and_said":"Valitsi pankin heti.","observations":[{"type":"went_well","note":"Löysi tunnistautumisen itse"},{"type":"usability","severity":2,"note":"Pieni painike"}]}],"debrief":"Kirjautuminen sujui."}`
	run(t, e.app, []scenario{
		{name: "an unknown kind", method: "POST", path: "/api/v1/safari-logs", token: learner, body: strings.Replace(log, `"went_well"`, `"nice"`, 1), status: 422,
			want: []string{`"field":"steps.0.observations.0.type"`, "went_well"}},
		{name: "what went well", method: "POST", path: "/api/v1/safari-logs", token: learner, body: log, status: 201, want: []string{`"type":"went_well"`}},
		{name: "in the summary", method: "GET", path: "/api/v1/safari-logs/summary?course=kokeilu&safari=kela-safari", token: trainer, status: 200,
			want: []string{`"type":"went_well"`, "Löysi tunnistautumisen itse"}},
		{name: "in the spreadsheet", method: "GET", path: "/api/v1/safari-logs/summary?course=kokeilu&safari=kela-safari&format=csv", token: trainer, status: 200,
			want: []string{"went_well", "Löysi tunnistautumisen itse", "went well"}},
		{name: "in the spreadsheet in the reader's words", method: "GET", path: "/api/v1/safari-logs/summary?course=kokeilu&safari=kela-safari&format=csv&locale=fi", token: trainer, status: 200,
			want: []string{"went_well", "Sujui hyvin", "Käytettävyysongelma", "Havainto"}},
	})
}

// TestAStrayQuoteSpoilsOnlyItsOwnRow: a CSV row with a stray quote is reported as that row's
// problem, naming its line, while the other rows are enrolled (issue 16, finding 13).
func TestAStrayQuoteSpoilsOnlyItsOwnRow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	trainer := e.token(t, "trainer")
	id := e.createCohort(t, trainer, `{"course":"kokeilu","name":"CSV"}`)
	file := func(content string) (string, map[string]string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		fw, _ := w.CreateFormFile("file", "osallistujat.csv")
		_, _ = fw.Write([]byte(content))
		_ = w.Close()
		return b.String(), map[string]string{"Content-Type": w.FormDataContentType()}
	}
	for _, tc := range []struct {
		name, csv    string
		want, forbid []string
	}{
		{"an unclosed quote in the middle row",
			"email;name;org_unit\nlearner@example.fi;Liisa;Joensuu\n\"rikki@example.fi;Rikki;Lieksa\nlearner2@example.fi;Lauri;Lieksa\n",
			[]string{`"email":"learner@example.fi","status":"enrolled"`, `"email":"rikki@example.fi","status":"invalid","reason":"line 3 `, `"email":"learner2@example.fi","status":"enrolled"`}, nil},
		{"a quote inside a field",
			"email,name,org_unit\nuusi@example.fi,Anna \"Anski\" Virtanen,Outokumpu\nkolmas@example.fi,Kolmas,Ilomantsi\n",
			[]string{`"status":"invalid","reason":"line 2 `, `"email":"kolmas@example.fi","status":"invited"`}, []string{`"email":"uusi@example.fi","status":"invited"`}},
	} {
		body, headers := file(tc.csv)
		run(t, e.app, []scenario{{name: tc.name, method: "POST", path: "/api/v1/cohorts/" + id + "/members", token: trainer, body: body, headers: headers, status: 200, want: tc.want, forbid: tc.forbid}})
	}
}

// TestDiagramsSpeakTheLessonsLanguage: a diagram with labels has a version per language, and
// the English lesson shows the English one (issue 16, finding 13).
func TestDiagramsSpeakTheLessonsLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	co := importShippedCourse(t, e)
	admin := e.token(t, "admin")
	media := func(lesson, loc string) string {
		t.Helper()
		_, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/courses/" + co.Slug + "/lessons/" + lesson + "?locale=" + loc, token: admin})
		var l struct {
			Blocks []struct {
				Kind    string `json:"kind"`
				MediaID string `json:"media_id"`
			} `json:"blocks"`
		}
		_ = json.Unmarshal(body, &l)
		for _, b := range l.Blocks {
			if b.Kind == "image" {
				return b.MediaID
			}
		}
		t.Fatalf("%s has no image in %s: %.300s", lesson, loc, body)
		return ""
	}
	for _, lesson := range []string{"palvelusafari", "dialoginen-kartoitus", "tukiverkosto"} {
		t.Run(lesson, func(t *testing.T) {
			if fi, en := media(lesson, "fi"), media(lesson, "en"); fi == en {
				t.Errorf("the English lesson shows the Finnish diagram %s", fi)
			}
		})
	}
}
