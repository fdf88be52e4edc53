package httpapi

import (
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/cohort"
)

type learnerRowOut struct {
	UserID        string             `json:"user_id"`
	Name          string             `json:"name"`
	Email         string             `json:"email"`
	OrgUnit       string             `json:"org_unit"`
	Invited       bool               `json:"invited"`
	Percent       int                `json:"percent"`
	State         string             `json:"state"`
	CurrentModule string             `json:"current_module,omitempty"`
	LastActivity  *time.Time         `json:"last_activity,omitempty"`
	Overdue       []string           `json:"overdue"`
	AtRisk        bool               `json:"at_risk"`
	RiskReasons   []string           `json:"risk_reasons"`
	QuizBest      map[string]float64 `json:"quiz_best"`
	Posts         int                `json:"posts"`
	Comments      int                `json:"comments"`
	SkillChange   *float64           `json:"skill_change,omitempty"`
	Modules       map[string]string  `json:"modules"`
}

type moduleCountsOut struct {
	ID         string     `json:"id"`
	Due        *time.Time `json:"due,omitempty"`
	NotStarted int        `json:"not_started"`
	InProgress int        `json:"in_progress"`
	Completed  int        `json:"completed"`
	Overdue    int        `json:"overdue"`
}

type totalsOut struct {
	Learners       int `json:"learners"`
	NotStarted     int `json:"not_started"`
	InProgress     int `json:"in_progress"`
	Completed      int `json:"completed"`
	AtRisk         int `json:"at_risk"`
	AveragePercent int `json:"average_percent"`
}

type dashboardOut struct {
	Cohort   cohortOut         `json:"cohort"`
	Modules  []moduleCountsOut `json:"modules"`
	Learners []learnerRowOut   `json:"learners"`
	Totals   totalsOut         `json:"totals"`
}

func (s *Server) dashboardOf(c *fiber.Ctx) (cohort.Dashboard, error) {
	q := cohort.DashboardQuery{State: c.Query("state"), OrgUnit: c.Query("org_unit"), Sort: c.Query("sort")}
	if v := c.Query("inactive_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return cohort.Dashboard{}, apperr.Validation(apperr.FieldError{Field: "inactive_days", Message: "must be a whole number"})
		}
		q.InactiveDays = n
	}
	return s.cohorts.Dashboard(c.UserContext(), principal(c), c.Params("id"), q)
}

func newDashboardOut(d cohort.Dashboard) dashboardOut {
	out := dashboardOut{Cohort: newCohortOut(d.Cohort), Modules: []moduleCountsOut{}, Learners: []learnerRowOut{}, Totals: totalsOut(d.Totals)}
	for _, m := range d.Modules {
		out.Modules = append(out.Modules, moduleCountsOut(m))
	}
	for _, r := range d.Learners {
		lr := learnerRowOut(r)
		if lr.Overdue == nil {
			lr.Overdue = []string{}
		}
		if lr.RiskReasons == nil {
			lr.RiskReasons = []string{}
		}
		out.Learners = append(out.Learners, lr)
	}
	return out
}

func (s *Server) dashboard(c *fiber.Ctx) error {
	d, err := s.dashboardOf(c)
	if err != nil {
		return err
	}
	return c.JSON(newDashboardOut(d))
}

// report exports the dashboard: CSV (UTF-8 with BOM, ?delimiter=semicolon for Finnish Excel)
// with one row per learner and a column per module, or ?format=json.
func (s *Server) report(c *fiber.Ctx) error {
	d, err := s.dashboardOf(c)
	if err != nil {
		return err
	}
	if c.Query("format") == "json" {
		return c.JSON(newDashboardOut(d))
	}
	var b strings.Builder
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	switch c.Query("delimiter") {
	case "", "comma":
	case "semicolon":
		w.Comma = ';'
	default:
		return apperr.Validation(apperr.FieldError{Field: "delimiter", Message: "must be comma or semicolon"})
	}
	head := []string{"name", "email", "org_unit", "state", "percent", "last_activity", "at_risk", "posts", "comments"}
	for _, m := range d.Modules {
		head = append(head, "module:"+m.ID)
	}
	_ = w.Write(head)
	for _, r := range d.Learners {
		last := ""
		if r.LastActivity != nil {
			last = r.LastActivity.UTC().Format(time.RFC3339)
		}
		row := []string{csvSafe(r.Name), csvSafe(r.Email), csvSafe(r.OrgUnit), r.State, strconv.Itoa(r.Percent), last, strings.Join(r.RiskReasons, " "), strconv.Itoa(r.Posts), strconv.Itoa(r.Comments)}
		for _, m := range d.Modules {
			row = append(row, r.Modules[m.ID])
		}
		_ = w.Write(row)
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, attachment("cohort", d.Cohort.ID, "csv"))
	return c.SendString(b.String())
}

// attachment is a Content-Disposition for a download named prefix-<name>.ext (RFC 6266): the name
// keeps only lower-case letters, digits and '-', so nothing a request carries can end the
// quoted value or add a parameter, and filename* says the same for clients that read it.
func attachment(prefix, name, ext string) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, name)
	file := prefix + "-" + strings.Trim(safe, "-") + "." + ext
	return `attachment; filename="` + file + `"; filename*=UTF-8''` + file
}

type learnerProgressOut struct {
	UserID   string `json:"user_id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	OrgUnit  string `json:"org_unit"`
	Progress any    `json:"progress"`
}

func (s *Server) learnerProgress(c *fiber.Ctx) error {
	p, u, err := s.app.LearnerProgress(c.UserContext(), principal(c), c.Params("id"), c.Params("user"))
	if err != nil {
		return err
	}
	return c.JSON(learnerProgressOut{UserID: u.ID, Name: u.Name, Email: u.Email, OrgUnit: u.OrgUnit, Progress: p})
}

type orgUnitOut struct {
	OrgUnit    string `json:"org_unit"`
	Learners   int    `json:"learners"`
	NotStarted int    `json:"not_started"`
	InProgress int    `json:"in_progress"`
	Completed  int    `json:"completed"`
}

func (s *Server) completionReport(c *fiber.Ctx) error {
	if c.Query("course") == "" {
		return apperr.Validation(apperr.FieldError{Field: "course", Message: "is required"})
	}
	rows, err := s.cohorts.CompletionReport(c.UserContext(), principal(c), c.Query("course"), c.Query("org_unit"))
	if err != nil {
		return err
	}
	out := make([]orgUnitOut, len(rows))
	for i, r := range rows {
		out[i] = orgUnitOut(r)
	}
	return c.JSON(newList(out, ""))
}
