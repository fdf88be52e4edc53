package httpapi_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/notify"
)

// readSemicolons reads a report written with semicolons and a byte-order mark.
func readSemicolons(body string) ([][]string, error) {
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
	r.Comma = ';'
	return r.ReadAll()
}

// TestReportsCountCertificates: the cohort's dashboard counts the learners who hold a
// certificate of the course and gives each one's issue date, and the report has a column with
// the day; a revoked certificate counts no more.
func TestReportsCountCertificates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := cohortFixture(t, e)
	e.completeCourse(t, "learner")
	e.mustSpeak(t, "trainer", "fi")
	trainer := e.token(t, "trainer")

	type dash struct {
		Learners []struct {
			Email       string
			Certificate string `json:"certificate_issued_at"`
		}
		Totals map[string]int
	}
	dashboard := func() dash {
		t.Helper()
		_, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/cohorts/" + id + "/dashboard?sort=name", token: trainer})
		var d dash
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	column := func() (string, string) {
		t.Helper()
		_, rows := reportRows(t, e, "/api/v1/cohorts/"+id+"/report.csv?sort=name&delimiter=semicolon", trainer)
		if len(rows) != 4 || rows[1][1] != "learner@example.fi" {
			t.Fatalf("report rows %q", rows)
		}
		return rows[0][7], rows[1][7]
	}

	if d := dashboard(); d.Totals["certificates"] != 0 || d.Learners[0].Certificate != "" {
		t.Errorf("before issuing: %+v", d)
	}
	if head, cell := column(); head != "Todistus myönnetty" || cell != "" {
		t.Errorf("before issuing: column %q, cell %q", head, cell)
	}

	if n := issueAll(t, e); n != 1 {
		t.Fatalf("issued %d", n)
	}
	day := notify.Date(e.clock.Now(), "fi")
	d := dashboard()
	if d.Totals["certificates"] != 1 || d.Learners[0].Email != "learner@example.fi" || d.Learners[0].Certificate == "" || d.Learners[1].Certificate != "" {
		t.Errorf("after issuing: %+v", d)
	}
	if _, cell := column(); cell != day {
		t.Errorf("after issuing: cell %q, want %q", cell, day)
	}
	// The web's report is written by the application layer: the same column there.
	cd, err := e.a.Cohorts.Dashboard(context.Background(), e.principal("trainer"), id, cohort.DashboardQuery{Sort: "name"})
	if err != nil {
		t.Fatal(err)
	}
	dl, err := app.CohortReportCSV(cd, "fi", "semicolon", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readSemicolons(dl.Body)
	if err != nil || len(rows) != 4 || rows[0][7] != "Todistus myönnetty" || rows[1][7] != day || rows[2][7] != "" {
		t.Errorf("the application's report: %v %q", err, rows)
	}
	creds := myCredentials(t, e, e.token(t, "learner"))
	if len(creds) != 1 {
		t.Fatalf("her certificates: %v", creds)
	}

	run(t, e.app, []scenario{{name: "revoke", method: "POST", path: "/api/v1/credentials/" + creds[0].ID + "/revoke", token: e.token(t, "admin"), body: `{"reason":"Väärä henkilö."}`, status: 200}})
	if d := dashboard(); d.Totals["certificates"] != 0 || d.Learners[0].Certificate != "" {
		t.Errorf("after revoking: %+v", d)
	}
	if _, cell := column(); cell != "" {
		t.Errorf("after revoking: cell %q", cell)
	}
}
