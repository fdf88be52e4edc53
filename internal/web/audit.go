package web

import (
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
)

// The admin's audit log page: who signed in, changed whose account, opened whose work,
// downloaded which report, published which course; filtered by person, act and days, newest
// first, page by page.
func (w *Web) auditRoutes(r fiber.Router) {
	r.Get("/admin/audit", w.signedIn, w.adminOnly, w.adminAudit)
}

// auditActWord is the catalogue key of each act's plain name.
var auditActWord = map[string]string{
	audit.ActSignIn:          "audit.act.signin",
	audit.ActSignInFailed:    "audit.act.signin-failed",
	audit.ActSignOut:         "audit.act.signout",
	audit.ActRoleChange:      "audit.act.role",
	audit.ActStatusChange:    "audit.act.status",
	audit.ActInvitation:      "audit.act.invitation",
	audit.ActExport:          "audit.act.export",
	audit.ActExportDownload:  "audit.act.export-download",
	audit.ActErasure:         "audit.act.erasure",
	audit.ActViewAssessment:  "audit.act.view-assessment",
	audit.ActViewReflections: "audit.act.view-reflections",
	audit.ActViewSafari:      "audit.act.view-safari",
	audit.ActReportDownload:  "audit.act.report",
	audit.ActCoursePublish:   "audit.act.publish",
	audit.ActRetention:       "audit.act.retention",
}

// auditDetailWord is the catalogue key of the details the log records in fixed words.
var auditDetailWord = map[string]string{
	"disabled":           "audit.detail.disabled",
	"enabled":            "audit.detail.enabled",
	"sent":               "audit.detail.sent",
	"resent":             "audit.detail.resent",
	"accepted":           "audit.detail.accepted",
	"everywhere":         "audit.detail.everywhere",
	"web":                "audit.detail.web",
	"cohort report csv":  "audit.detail.cohort-report",
	"cohort report json": "audit.detail.cohort-report",
	"safari summary csv": "audit.detail.safari-summary",
	"completion report":  "audit.detail.completion-report",
	"group list":         "audit.detail.group-list",
}

// auditOption is one act of the filter's select.
type auditOption struct {
	Value, Label string
	Selected     bool
}

// auditRow is one entry as the table shows it: everything already in the page's words.
type auditRow struct {
	At                          time.Time
	Who, WhoEmail, Whom         string
	WhomEmail, What, Detail, IP string
}

type auditData struct {
	adminSection
	Acts  []auditOption
	Rows  []auditRow
	Older string // the link to the next page, "" at the end
	Newer string // on a page after the first: the link back to the newest of the same search
}

func (w *Web) adminAudit(c *fiber.Ctx) error {
	p := w.page(c, "audit.title")
	who, act, before := strings.TrimSpace(c.Query("who")), c.Query("act"), cursorOf(c.Query("before"))
	p.Form["who"], p.Form["from"], p.Form["to"] = who, c.Query("from"), c.Query("to")
	d := auditData{adminSection: adminSection{"audit"}}
	if before != "" {
		d.Newer = auditLink(who, act, c.Query("from"), c.Query("to"), "")
	}
	d.Acts = append(d.Acts, auditOption{Value: "", Label: p.T("audit.what.any"), Selected: act == ""})
	for _, a := range audit.Acts {
		d.Acts = append(d.Acts, auditOption{Value: a, Label: p.T(auditActWord[a]), Selected: a == act})
	}
	p.Data = &d
	from, to, err := app.AuditDates(c.Query("from"), c.Query("to"))
	if err == nil {
		var page app.AuditPage
		page, err = w.app.AuditLog(c.UserContext(), principal(c), app.AuditQuery{Actor: who, Act: act, From: from, To: to, Before: before, Limit: adminPageSize})
		if err == nil {
			d.Rows = auditRows(p, page)
			if page.Next != "" {
				d.Older = auditLink(who, act, c.Query("from"), c.Query("to"), page.Next)
			}
		}
	}
	if err != nil {
		if err := p.formErrors(err, map[string]string{"actor": "who"}); err != nil {
			return err
		}
	}
	return w.render(c, "admin-audit", p)
}

// auditLink is the page of the same search older than the entry before.
func auditLink(who, act, from, to, before string) string {
	q := url.Values{}
	for k, v := range map[string]string{"who": who, "act": act, "from": from, "to": to, "before": before} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return "/admin/audit?" + q.Encode()
}

func auditRows(p *Page, page app.AuditPage) []auditRow {
	rows := make([]auditRow, len(page.Entries))
	for i, e := range page.Entries {
		r := auditRow{At: e.At, IP: e.IP, What: e.Act, Detail: auditDetail(p, e)}
		if key, ok := auditActWord[e.Act]; ok {
			r.What = p.T(key)
		}
		r.Who, r.WhoEmail = auditPerson(p, page.People, e.Actor, "audit.nobody")
		r.Whom, r.WhomEmail = auditPerson(p, page.People, e.Subject, "")
		rows[i] = r
	}
	return rows
}

// auditPerson names a person of an entry: her name and address, "a removed person" for an
// erased one's pseudonym, none ("" or the word of key) when there is nobody.
func auditPerson(p *Page, people map[string]auth.User, id, none string) (name, email string) {
	switch {
	case id == "" && none != "":
		return p.T(none), ""
	case id == "":
		return "", ""
	case audit.IsPseudonym(id):
		return p.T("audit.erased"), ""
	case id == "operator":
		return p.T("audit.operator"), ""
	}
	if u, ok := people[id]; ok {
		return u.Name, u.Email
	}
	return id, ""
}

// auditDetail is an entry's detail and target in plain words: roles by their names, the fixed
// words of the log by theirs, anything else as recorded.
func auditDetail(p *Page, e audit.Entry) string {
	var parts []string
	switch d := e.Detail; {
	case d == "":
	case e.Act == audit.ActRoleChange && strings.Contains(d, " -> "):
		old, now, _ := strings.Cut(d, " -> ")
		parts = append(parts, p.T("audit.detail.roles", "old", roleWords(p, old), "new", roleWords(p, now)))
	case strings.HasPrefix(d, "version "):
		parts = append(parts, p.T("audit.detail.version", "n", strings.TrimPrefix(d, "version ")))
	case auditDetailWord[d] != "":
		parts = append(parts, p.T(auditDetailWord[d]))
	default:
		parts = append(parts, d)
	}
	if e.Target != "" {
		parts = append(parts, p.T("audit.detail.target", "target", e.Target))
	}
	return strings.Join(parts, "; ")
}

// roleWords names a comma-separated list of roles.
func roleWords(p *Page, roles string) string {
	if roles == "" {
		return p.T("audit.detail.no-roles")
	}
	var out []string
	for _, r := range strings.Split(roles, ",") {
		if key, ok := roleWord[auth.Role(r)]; ok {
			out = append(out, p.T(key))
		} else {
			out = append(out, r)
		}
	}
	return strings.Join(out, ", ")
}

// recordSignOut records that the browser's signed-in person signs out.
func (w *Web) recordSignOut(c *fiber.Ctx) {
	if b := sessionOf(c); b != nil {
		w.app.Audit.Record(c.UserContext(), audit.Entry{Actor: b.Principal.UserID, Act: audit.ActSignOut, Subject: b.Principal.UserID, Detail: "web", IP: c.IP()})
	}
}

// recordDownload records that the signed-in person downloads a report (detail) of target.
func (w *Web) recordDownload(c *fiber.Ctx, target, detail string) {
	w.app.Audit.Record(c.UserContext(), audit.Entry{Actor: principal(c).UserID, Act: audit.ActReportDownload, Target: target, Detail: detail, IP: c.IP()})
}
