package httpapi

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/notify"
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
	LastLocal     string             `json:"last_activity_local,omitempty"`
	CompletedAt   *time.Time         `json:"completed_at,omitempty"`
	CompletedDay  string             `json:"completed_on_local,omitempty"`
	Certificate   *time.Time         `json:"certificate_issued_at,omitempty"`
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
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	TitleLocale string     `json:"title_locale"`
	Due         *time.Time `json:"due,omitempty"`
	DueLocal    string     `json:"due_local,omitempty"`
	NotStarted  int        `json:"not_started"`
	InProgress  int        `json:"in_progress"`
	Completed   int        `json:"completed"`
	Overdue     int        `json:"overdue"`
}

type quizColumnOut struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	TitleLocale string `json:"title_locale"`
}

type totalsOut struct {
	Learners       int `json:"learners"`
	NotStarted     int `json:"not_started"`
	InProgress     int `json:"in_progress"`
	Completed      int `json:"completed"`
	AtRisk         int `json:"at_risk"`
	AveragePercent int `json:"average_percent"`
	// Certificates: learners holding a certificate of the course that is not revoked.
	Certificates int `json:"certificates"`
}

type dashboardOut struct {
	Cohort   cohortOut         `json:"cohort"`
	Locale   string            `json:"locale"`
	Modules  []moduleCountsOut `json:"modules"`
	Quizzes  []quizColumnOut   `json:"quizzes"`
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

// readerLocale is the language of a trainer's dashboard and report: ?locale=, else her
// account's language, else Accept-Language, else Finnish.
func (s *Server) readerLocale(c *fiber.Ctx) (string, error) {
	if err := checkLocaleParam(c); err != nil {
		return "", err
	}
	if l := c.Query("locale"); l != "" {
		return l, nil
	}
	me, err := s.auth.Me(c.UserContext(), principal(c))
	if err != nil {
		return "", err
	}
	if slices.Contains(course.Locales, me.Locale) {
		return me.Locale, nil
	}
	return locale(c), nil
}

// textIn is a text in locale, falling back to Finnish, and the language it is in.
func textIn(t course.Text, locale string) (string, string) { return t.In(locale) }

// localTime is t as people read it in Helsinki time, or "" for no time.
func localTime(t *time.Time, locale string, format func(time.Time, string) string) string {
	if t == nil {
		return ""
	}
	return format(*t, locale)
}

func newDashboardOut(d cohort.Dashboard, loc string) dashboardOut {
	out := dashboardOut{Cohort: newCohortOut(d.Cohort), Locale: loc, Modules: []moduleCountsOut{}, Quizzes: []quizColumnOut{}, Learners: []learnerRowOut{}, Totals: totalsOut{
		Learners: d.Totals.Learners, NotStarted: d.Totals.NotStarted, InProgress: d.Totals.InProgress, Completed: d.Totals.Completed, AtRisk: d.Totals.AtRisk,
		AveragePercent: d.Totals.AveragePercent, Certificates: d.Certificates}}
	for _, m := range d.Modules {
		mo := moduleCountsOut{ID: m.ID, Due: m.Due, DueLocal: localTime(m.Due, loc, notify.DateTime), NotStarted: m.NotStarted, InProgress: m.InProgress, Completed: m.Completed, Overdue: m.Overdue}
		mo.Title, mo.TitleLocale = textIn(m.Title, loc)
		out.Modules = append(out.Modules, mo)
	}
	for _, q := range d.Quizzes {
		qo := quizColumnOut{ID: q.ID}
		qo.Title, qo.TitleLocale = textIn(q.Title, loc)
		out.Quizzes = append(out.Quizzes, qo)
	}
	for _, r := range d.Learners {
		lr := learnerRowOut{UserID: r.UserID, Name: r.Name, Email: r.Email, OrgUnit: r.OrgUnit, Invited: r.Invited, Percent: r.Percent, State: r.State,
			CurrentModule: r.CurrentModule, LastActivity: r.LastActivity, LastLocal: localTime(r.LastActivity, loc, notify.DateTime),
			CompletedAt: r.CompletedAt, CompletedDay: localTime(r.CompletedAt, loc, notify.Date), Certificate: r.CertificateIssuedAt, Overdue: r.Overdue, AtRisk: r.AtRisk,
			RiskReasons: r.RiskReasons, QuizBest: r.QuizBest, Posts: r.Posts, Comments: r.Comments, SkillChange: r.SkillChange, Modules: r.Modules}
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
	loc, err := s.readerLocale(c)
	if err != nil {
		return err
	}
	return c.JSON(newDashboardOut(d, loc))
}

// sendReminderText queues a cohort's reminder. The trainer's own text is a language map ({"fi": …,
// "sv": …, "en": …}; the cohort capability checks that fi is there) or, as before, a plain
// string, which is Finnish; absent or null is none.
func (s *Server) sendReminderText(c *fiber.Ctx, audience string, raw json.RawMessage) (cohort.ReminderResult, error) {
	ctx, actor, id := c.UserContext(), principal(c), c.Params("id")
	var plain string
	if len(raw) == 0 || string(raw) == "null" || json.Unmarshal(raw, &plain) == nil {
		return s.cohorts.SendReminder(ctx, actor, id, audience, plain)
	}
	var byLang course.Text
	if err := json.Unmarshal(raw, &byLang); err != nil {
		return cohort.ReminderResult{}, apperr.Validation(apperr.FieldError{Field: "message", Message: `must be a text, or a text per language such as {"fi": "…", "sv": "…"}`})
	}
	return s.cohorts.SendReminderText(ctx, actor, id, audience, byLang)
}

// report exports the dashboard for a spreadsheet: CSV (UTF-8 with BOM, ?delimiter=semicolon for
// Finnish Excel) with one row per learner, headings and states in the trainer's language, times
// in Helsinki time, the day her certificate was issued, a column per quiz (her best score) and
// per module; or ?format=json. The file is named after the course, the cohort and the day.
func (s *Server) report(c *fiber.Ctx) error {
	d, err := s.dashboardOf(c)
	if err != nil {
		return err
	}
	loc, err := s.readerLocale(c)
	if err != nil {
		return err
	}
	if c.Query("format") == "json" {
		s.record(c, audit.Entry{Act: audit.ActReportDownload, Target: c.Params("id"), Detail: "cohort report json"})
		return c.JSON(newDashboardOut(d, loc))
	}
	dl, err := app.CohortReportCSV(d, loc, c.Query("delimiter"), s.now())
	if err != nil {
		return err
	}
	s.record(c, audit.Entry{Act: audit.ActReportDownload, Target: c.Params("id"), Detail: "cohort report csv"})
	c.Set(fiber.HeaderContentType, dl.ContentType)
	c.Set(fiber.HeaderContentDisposition, dl.Disposition)
	return c.SendString(dl.Body)
}

type learnerProgressOut struct {
	UserID   string `json:"user_id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	OrgUnit  string `json:"org_unit"`
	Progress any    `json:"progress"`
	// QuizBest is her best scaled score per quiz she attempted.
	QuizBest    map[string]float64 `json:"quiz_best"`
	Posts       int                `json:"posts"`
	Comments    int                `json:"comments"`
	Assessments []assessmentOut    `json:"assessments"`
	Safaris     []safariLogOut     `json:"safaris"`
}

func (s *Server) learnerProgress(c *fiber.Ctx) error {
	v, err := s.app.LearnerProgress(c.UserContext(), principal(c), c.Params("id"), c.Params("user"), locale(c))
	if err != nil {
		return err
	}
	u, sum := v.User, v.Summary
	out := learnerProgressOut{UserID: u.ID, Name: u.Name, Email: u.Email, OrgUnit: u.OrgUnit, Progress: sum.Progress, QuizBest: sum.QuizBest, Posts: sum.Posts, Comments: sum.Comments,
		Assessments: []assessmentOut{}, Safaris: make([]safariLogOut, len(v.Safaris))}
	for i, l := range v.Safaris {
		out.Safaris[i] = newSafariLogOut(l)
	}
	if out.QuizBest == nil {
		out.QuizBest = map[string]float64{}
	}
	for _, a := range v.Assessments {
		out.Assessments = append(out.Assessments, newAssessmentOut(a))
	}
	return c.JSON(out)
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
	s.record(c, audit.Entry{Act: audit.ActReportDownload, Target: c.Query("course"), Detail: "completion report"})
	out := make([]orgUnitOut, len(rows))
	for i, r := range rows {
		out[i] = orgUnitOut(r)
	}
	return c.JSON(newList(out, ""))
}
