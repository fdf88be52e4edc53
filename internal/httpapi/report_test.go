package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Issue 16, finding 9: reports people open in Excel.

// completeCourse takes the rest of the fixture course as who after finishStart: the
// self-assessment and the service safari complete the second module, and with it the course.
func (e *env) completeCourse(t *testing.T, who string) {
	t.Helper()
	tok := e.token(t, who)
	for _, sc := range []scenario{
		{method: "POST", path: "/api/v1/assessments", token: tok, body: `{"course":"kokeilu","assessment":"alkuarvio","ratings":{"1.1":3,"2.1":2,"4.2":4,"tunnistautuminen":2}}`},
		{method: "POST", path: "/api/v1/safari-logs", token: tok, body: `{"course":"kokeilu","safari":"kela-safari","submitted":true,"steps":[{"step":"kirjaudu","did_and_said":"Kirjautui.","observations":[]}],"debrief":"Sujui."}`},
	} {
		if resp, out := do(t, e.app, sc); resp.StatusCode != 201 {
			t.Fatalf("%s: %d %s", sc.path, resp.StatusCode, out)
		}
	}
	run(t, e.app, []scenario{{name: who + " completed the course", method: "GET", path: "/api/v1/me/progress/kokeilu", token: tok, status: 200, want: []string{`"course":"kokeilu","version":1,"state":"completed"`}}})
}

// reportRows fetches a cohort's report and returns its rows, checking that it is what Excel
// opens as UTF-8.
func reportRows(t *testing.T, e *env, path, token string) (*http.Response, [][]string) {
	t.Helper()
	resp, body := do(t, e.app, scenario{method: "GET", path: path, token: token})
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Fatalf("report: %d %q", resp.StatusCode, body[:min(60, len(body))])
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
	if strings.Contains(path, "delimiter=semicolon") {
		r.Comma = ';'
	}
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return resp, rows
}

// TestReportOpensInExcelInTheTrainersLanguage: the cohort report has headings and states in the
// trainer's language, Helsinki times, the completion date, best quiz scores by quiz title, and
// a file name after the course, the cohort and the day; the dashboard carries module titles.
func TestReportOpensInExcelInTheTrainersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := cohortFixture(t, e)
	e.completeCourse(t, "learner")
	e.mustSpeak(t, "trainer", "fi")
	trainer := e.token(t, "trainer")
	path := "/api/v1/cohorts/" + id + "/report.csv?sort=name"

	for _, tc := range []struct {
		name, query  string
		head, row    []string
		disposition  string
		learner2Risk string
	}{
		{
			name: "Finnish, the trainer's language", query: "&delimiter=semicolon",
			head: []string{"Nimi", "Sähköposti", "Yksikkö", "Tila", "Edistyminen (%)", "Viimeksi aktiivinen", "Suoritettu", "Todistus myönnetty", "Tuen tarve", "Kirjoitukset", "Kommentit", "Digitaitojen muutos", "Alkuvisa: paras tulos (%)", "Moduuli: Alku", "Moduuli: Harjoitus"},
			row:  []string{"Learner", "learner@example.fi", "Joensuu / aikuissosiaalityö", "suoritettu", "100", "12.2.2026 klo 11.00", "12.2.2026", "", "", "0", "0", "", "100", "suoritettu", "suoritettu"},
			// Hours and minutes in Helsinki time: 09.00 UTC is 11.00 in winter.
			disposition:  `attachment; filename="kokeilu-pilotti-2026-02-12.csv"; filename*=UTF-8''kokeilu-pilotti-2026-02-12.csv`,
			learner2Risk: "ei viime aikoina aktiivinen / myöhässä",
		},
		{
			name: "English on request", query: "&locale=en",
			head:         []string{"Name", "E-mail", "Unit", "State", "Progress (%)", "Last active", "Completed on", "Certificate issued", "Needs support", "Posts", "Comments", "Change in digital skills", "Starting quiz: best score (%)", "Module: Start", "Module: Practice"},
			row:          []string{"Learner", "learner@example.fi", "Joensuu / aikuissosiaalityö", "completed", "100", "12 Feb 2026, 11:00 (Finnish time)", "12 Feb 2026", "", "", "0", "0", "", "100", "completed", "completed"},
			learner2Risk: "not active lately / overdue",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, rows := reportRows(t, e, path+tc.query, trainer)
			if len(rows) != 4 {
				t.Fatalf("%d rows: %q", len(rows), rows)
			}
			if diff := cmp.Diff(tc.head, rows[0]); diff != "" {
				t.Errorf("headings (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.row, rows[1]); diff != "" {
				t.Errorf("the row of the learner who completed (-want +got):\n%s", diff)
			}
			if rows[2][8] != tc.learner2Risk {
				t.Errorf("learner2's reasons = %q, want %q", rows[2][8], tc.learner2Risk)
			}
			if tc.disposition != "" && resp.Header.Get("Content-Disposition") != tc.disposition {
				t.Errorf("Content-Disposition = %q, want %q", resp.Header.Get("Content-Disposition"), tc.disposition)
			}
		})
	}

	// Her account's language decides when she asks for none; a title the course lacks in it
	// falls back to Finnish.
	do(t, e.app, scenario{method: "PATCH", path: "/api/v1/me", token: trainer, body: `{"locale":"sv"}`})
	_, rows := reportRows(t, e, path, trainer)
	if rows[0][0] != "Namn" || rows[0][13] != "Modul: Alku" || rows[1][3] != "avklarad" || rows[3][3] != "inte påbörjad" {
		t.Errorf("Swedish report: %q", rows[:2])
	}

	run(t, e.app, []scenario{
		{name: "dashboard with module titles and local times", method: "GET", path: "/api/v1/cohorts/" + id + "/dashboard?locale=fi&sort=name", token: trainer, status: 200,
			want: []string{`"locale":"fi"`, `"id":"alku","title":"Alku","title_locale":"fi"`, `"quizzes":[{"id":"alkuvisa","title":"Alkuvisa","title_locale":"fi"}]`,
				`"completed_at":"2026-02-12T09:00:00Z","completed_on_local":"12.2.2026"`, `"last_activity_local":"12.2.2026 klo 11.00"`}},
		{name: "dashboard in English", method: "GET", path: "/api/v1/cohorts/" + id + "/dashboard?locale=en", token: trainer, status: 200, want: []string{`"id":"harjoitus","title":"Practice","title_locale":"en"`}},
		{name: "dashboard in Swedish falls back to Finnish titles", method: "GET", path: "/api/v1/cohorts/" + id + "/dashboard", token: trainer, status: 200, want: []string{`"locale":"sv"`, `"title":"Alku","title_locale":"fi"`}},
		{name: "a language Taito does not speak", method: "GET", path: path + "&locale=de", token: trainer, status: 422, want: []string{`"field":"locale"`}},
		{name: "another trainer's report", method: "GET", path: path, token: e.tokenOfNewTrainer(t), status: 404},
		{name: "a learner's report", method: "GET", path: path, token: e.token(t, "learner"), status: 404},
	})
}

// TestReportNeutralisesFormulasInNames: a name that Excel would run as a formula stays text.
func TestReportNeutralisesFormulasInNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := cohortFixture(t, e)
	do(t, e.app, scenario{method: "PATCH", path: "/api/v1/me", token: e.token(t, "learner2"), body: `{"name":"=HYPERLINK(\"http://x\")"}`})
	_, rows := reportRows(t, e, "/api/v1/cohorts/"+id+"/report.csv?sort=email", e.token(t, "trainer"))
	if got := rows[1][0]; got != `'=HYPERLINK("http://x")` {
		t.Errorf("name cell = %q, want it to start with '", got)
	}
}
