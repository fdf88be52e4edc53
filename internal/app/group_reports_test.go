package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
)

func TestCohortReportCSV(t *testing.T) {
	at := time.Date(2026, 2, 3, 12, 0, 0, 0, time.UTC)
	d := cohort.Dashboard{Cohort: cohort.Cohort{Course: "digiohjaus", Name: "Kevät 2026"},
		Modules: []cohort.ModuleCounts{{ID: "m1", Title: course.Text{"fi": "Alku"}}},
		Learners: []cohort.LearnerRow{{Name: "=Hyökkääjä", Email: "a@example.fi", State: "in_progress", Percent: 40, LastActivity: &at,
			RiskReasons: []string{"inactive"}, Modules: map[string]string{"m1": "in_progress"}}}}
	dl, err := app.CohortReportCSV(d, "fi", "semicolon", at)
	if err != nil {
		t.Fatal(err)
	}
	if dl.ContentType != "text/csv; charset=utf-8" || dl.Disposition != `attachment; filename="digiohjaus-kevat-2026-2026-02-03.csv"; filename*=UTF-8''digiohjaus-kevat-2026-2026-02-03.csv` {
		t.Errorf("headers: %q %q", dl.ContentType, dl.Disposition)
	}
	lines := strings.Split(strings.TrimSpace(dl.Body), "\n")
	if !strings.HasPrefix(dl.Body, "\ufeff") || len(lines) != 2 || !strings.HasPrefix(lines[1], "'=Hyökkääjä;a@example.fi;;") || !strings.Contains(lines[1], ";40;3.2.2026 klo 14.00;") {
		t.Errorf("report:\n%s", dl.Body)
	}
	if _, err := app.CohortReportCSV(d, "fi", "tab", at); err == nil {
		t.Errorf("an unknown delimiter is accepted")
	}
}
