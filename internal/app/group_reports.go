package app

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/i18n"
	"github.com/taito-lms/taito/internal/notify"
)

// GroupEngagement is a cohort's participation on its walls per ISO week (posts, comments,
// reactions), oldest week first, to the cohort's trainers and admins.
//
// Returns cohort.ErrNotFound (also for a cohort the actor does not run).
func (a *App) GroupEngagement(ctx context.Context, actor auth.Principal, cohortID string) ([]activity.WeekEngagement, error) {
	c, err := a.Cohorts.Get(ctx, actor, cohortID)
	if err != nil {
		return nil, err
	}
	return a.Walls.EngagementOf(ctx, c.ID)
}

// Download is a file to send: its bytes, Content-Type and Content-Disposition.
type Download struct {
	Body        string
	ContentType string
	Disposition string
}

// CohortReportCSV writes a cohort's dashboard for a spreadsheet, as the API's report.csv does:
// UTF-8 with a BOM, delimiter "comma" (or "") or "semicolon" (Finnish Excel), one row per
// learner with headings, states and risk reasons in locale, times in Helsinki time, the day her
// certificate was issued (empty without one), a column per
// quiz (her best score) and per module; named after the course, the cohort and the day of now.
func CohortReportCSV(d cohort.Dashboard, loc, delimiter string, now time.Time) (Download, error) {
	var b strings.Builder
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	switch delimiter {
	case "", "comma":
	case "semicolon":
		w.Comma = ';'
	default:
		return Download{}, apperr.Validation(apperr.FieldError{Field: "delimiter", Message: "must be comma or semicolon"})
	}
	text := func(key string, params map[string]string) string { return i18n.Text(loc, "report."+key, params) }
	word := func(kind, code string) string {
		if key := "report." + kind + "." + code; i18n.Has(loc, key) {
			return i18n.Text(loc, key, nil)
		}
		return code
	}
	when := func(t *time.Time, f func(time.Time, string) string) string {
		if t == nil {
			return ""
		}
		return f(*t, loc)
	}
	var head []string
	for _, key := range []string{"name", "email", "org_unit", "state", "percent", "last_activity", "completed_on", "certificate_issued", "at_risk", "posts", "comments", "skill_change"} {
		head = append(head, text(key, nil))
	}
	for _, q := range d.Quizzes {
		title, _ := q.Title.In(loc)
		head = append(head, CSVSafe(text("quiz", map[string]string{"title": title})))
	}
	for _, m := range d.Modules {
		title, _ := m.Title.In(loc)
		head = append(head, CSVSafe(text("module", map[string]string{"title": title})))
	}
	_ = w.Write(head)
	for _, r := range d.Learners {
		reasons := make([]string, len(r.RiskReasons))
		for i, code := range r.RiskReasons {
			reasons[i] = word("reason", code)
		}
		skill := ""
		if r.SkillChange != nil {
			skill = excelNumber(*r.SkillChange, 2, loc)
		}
		row := []string{CSVSafe(r.Name), CSVSafe(r.Email), CSVSafe(r.OrgUnit), word("state", r.State), strconv.Itoa(r.Percent),
			when(r.LastActivity, notify.DateTime), when(r.CompletedAt, notify.Date), when(r.CertificateIssuedAt, notify.Date), strings.Join(reasons, " / "),
			strconv.Itoa(r.Posts), strconv.Itoa(r.Comments), skill}
		for _, q := range d.Quizzes {
			best := ""
			if v, ok := r.QuizBest[q.ID]; ok {
				best = excelNumber(v*100, 0, loc)
			}
			row = append(row, best)
		}
		for _, m := range d.Modules {
			row = append(row, word("state", r.Modules[m.ID]))
		}
		_ = w.Write(row)
	}
	w.Flush()
	day := now.In(notify.Helsinki()).Format("2006-01-02")
	return Download{Body: b.String(), ContentType: "text/csv; charset=utf-8", Disposition: Attachment(d.Cohort.Course, d.Cohort.Name+"-"+day, "csv")}, nil
}

// SafariSummaryCSV writes a safari's summary as the API's safari summary CSV does: UTF-8 with
// a BOM, semicolons, one row per finding.
func SafariSummaryCSV(slug, safari string, fs []activity.Finding, loc string) Download {
	var b strings.Builder
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Comma = ';'
	_ = w.Write([]string{"step", "type", "competence", "count", "max_severity", "notes", i18n.Text(loc, "safari.type", nil)})
	for _, f := range fs {
		_ = w.Write([]string{f.Step, f.Type, f.Competence, strconv.Itoa(f.Count), strconv.Itoa(f.MaxSeverity), CSVSafe(strings.Join(f.Notes, " | ")),
			i18n.Text(loc, "safari.type."+f.Type, nil)})
	}
	w.Flush()
	return Download{Body: b.String(), ContentType: "text/csv; charset=utf-8", Disposition: Attachment("safari", slug+"-"+safari, "csv")}
}

// excelNumber writes a number as Excel reads it in locale: a decimal comma in Finnish and Swedish.
func excelNumber(v float64, decimals int, locale string) string {
	n := strconv.FormatFloat(v, 'f', decimals, 64)
	if locale != "en" {
		n = strings.Replace(n, ".", ",", 1)
	}
	return n
}

// CSVSafe keeps spreadsheet programs from reading a cell as a formula.
func CSVSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// Attachment is a Content-Disposition for a download named prefix-<name>.ext (RFC 6266): the
// name keeps only lower-case letters, digits and '-' (å, ä and ö as a and o, runs of anything
// else as one '-').
func Attachment(prefix, name, ext string) string {
	var safe strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch r {
		case 'å', 'ä':
			r = 'a'
		case 'ö':
			r = 'o'
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			safe.WriteRune(r)
			dash = false
		} else if !dash {
			safe.WriteByte('-')
			dash = true
		}
	}
	file := prefix + "-" + strings.Trim(safe.String(), "-") + "." + ext
	return `attachment; filename="` + file + `"; filename*=UTF-8''` + file
}
