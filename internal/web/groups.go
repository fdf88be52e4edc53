package web

import (
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/notify"
)

// The trainer's group pages: her groups, creating one, its settings and closing it, its
// participants (adding by pasting or a CSV file, removing, re-sending invitations) and its
// reminders. A group is the application's cohort; the application decides which groups she
// reaches (another trainer's group is not found).
func (w *Web) groupRoutes(r fiber.Router) {
	r.Get("/groups", w.signedIn, w.trainerOnly, w.groupsList)
	r.Get("/groups/new", w.signedIn, w.trainerOnly, w.groupNewGet)
	r.Post("/groups/new", w.signedIn, w.trainerOnly, w.groupNewPost)
	r.Get("/groups/:id/settings", w.signedIn, w.trainerOnly, w.groupSettingsGet)
	r.Post("/groups/:id/settings", w.signedIn, w.trainerOnly, w.groupSettingsPost)
	r.Post("/groups/:id/close", w.signedIn, w.trainerOnly, w.groupClose)
	r.Get("/groups/:id/participants", w.signedIn, w.trainerOnly, w.groupParticipantsGet)
	r.Post("/groups/:id/participants", w.signedIn, w.trainerOnly, w.groupParticipantsPost)
	r.Post("/groups/:id/participants/result.csv", w.signedIn, w.trainerOnly, w.groupResultCSV)
	r.Post("/groups/:id/participants/:user/remove", w.signedIn, w.trainerOnly, w.groupRemoveMember)
	r.Post("/groups/:id/participants/:user/invitation", w.signedIn, w.trainerOnly, w.groupResendInvitation)
	r.Get("/groups/:id/reminders", w.signedIn, w.trainerOnly, w.groupRemindersGet)
	r.Post("/groups/:id/reminders", w.signedIn, w.trainerOnly, w.groupRemindersPost)
}

// Limits of the group pages.
const (
	groupMaxUpload  = 900 << 10 // an enrolment CSV file: under the server's body limit (1 MB by default), so that the page can say it
	groupWeek       = 7         // days between modules' default dates
	groupDateLayout = time.DateOnly
)

// ---- My groups ----

type groupRow struct {
	ID, Name, CourseTitle, CourseLang, Status string
	StartsOn                                  *time.Time
	Members, Completed                        int
	Counted                                   bool // the course could be read for the counts
}

type groupsListData struct{ Groups []groupRow }

func (w *Web) groupsList(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	p := w.page(c, "groups.title")
	list, err := w.app.Cohorts.List(ctx, actor)
	if err != nil {
		return err
	}
	d := groupsListData{Groups: []groupRow{}}
	for _, co := range list {
		row := groupRow{ID: co.ID, Name: co.Name, CourseTitle: co.Course, Status: co.Status, StartsOn: co.StartsOn}
		if dash, err := w.app.Cohorts.Dashboard(ctx, actor, co.ID, cohort.DashboardQuery{}); err == nil {
			row.CourseTitle, row.CourseLang = groupText(dash.CourseTitle, p.Lang)
			row.Members, row.Completed, row.Counted = dash.Totals.Learners, dash.Totals.Completed, true
		} else if !errors.Is(err, course.ErrNotPublished) {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Kind != apperr.KindNotFound {
				return err
			}
		}
		d.Groups = append(d.Groups, row)
	}
	p.Data = d
	return w.render(c, "groups", p)
}

// groupText is a course text in lang, and its language when it fell back to another ("" when
// it is in lang).
func groupText(t course.Text, lang string) (string, string) {
	v, in := t.In(lang)
	if in == lang {
		in = ""
	}
	return v, in
}

// ---- Creating a group and its settings ----

type groupModule struct {
	Index              int
	ID, Title, Lang    string
	OpensName, DueName string
}

type groupFormData struct {
	Group   *cohort.Cohort // nil when creating
	Courses []groupCourse  // to choose from, when creating
	Course  *groupCourse   // the chosen course
	Modules []groupModule
	Closed  bool
}

type groupCourse struct {
	Slug, Title, Lang string
	Selected          bool
	modules           []course.Module
}

// groupFieldIDs maps the application's field names to the form's.
func groupFieldIDs(n int) map[string]string {
	m := map[string]string{"auto_reminder_days": "reminder_days", "starts_on": "opens-0", "course": "name"}
	for i := 0; i < n; i++ {
		p := "schedule." + strconv.Itoa(i) + "."
		m[p+"opens"], m[p+"due"], m[p+"module"] = "opens-"+strconv.Itoa(i), "due-"+strconv.Itoa(i), "opens-"+strconv.Itoa(i)
	}
	return m
}

// publishedCourses are the published courses she may start a group on.
func (w *Web) publishedCourses(c *fiber.Ctx, lang, selected string) ([]groupCourse, error) {
	entries, _, err := w.app.Courses.Catalog(c.UserContext(), principal(c), course.StatusPublished, "", 100)
	if err != nil {
		return nil, err
	}
	var out []groupCourse
	for _, e := range entries {
		if e.Course == nil {
			continue
		}
		title, in := groupText(e.Course.Title, lang)
		out = append(out, groupCourse{Slug: e.Slug, Title: title, Lang: in, Selected: e.Slug == selected, modules: e.Course.Modules})
	}
	return out, nil
}

func groupModules(mods []course.Module, lang string) []groupModule {
	out := make([]groupModule, len(mods))
	for i, m := range mods {
		title, in := groupText(m.Title, lang)
		out[i] = groupModule{Index: i, ID: m.ID, Title: title, Lang: in, OpensName: "opens-" + strconv.Itoa(i), DueName: "due-" + strconv.Itoa(i)}
	}
	return out
}

// groupDay is a moment as a date input's value: its day in Helsinki.
func groupDay(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(notify.Helsinki()).Format(groupDateLayout)
}

// groupDefaults fills the dates a week apart from today (Helsinki): module 1 opens today, each
// next a week later, each due a week after it opens.
func (w *Web) groupDefaults(p *Page, mods []groupModule) {
	today := w.now().In(notify.Helsinki())
	day := time.Date(today.Year(), today.Month(), today.Day(), 12, 0, 0, 0, notify.Helsinki())
	for i, m := range mods {
		opens := day.AddDate(0, 0, groupWeek*i)
		p.Form[m.OpensName] = opens.Format(groupDateLayout)
		p.Form[m.DueName] = opens.AddDate(0, 0, groupWeek).Format(groupDateLayout)
	}
}

// groupSchedule reads the module dates of the form; a date that cannot be read is a problem of
// its field.
func groupSchedule(c *fiber.Ctx, p *Page, mods []groupModule) ([]cohort.ModuleDates, *time.Time) {
	out := make([]cohort.ModuleDates, 0, len(mods))
	var first *time.Time
	read := func(name string, endOfDay bool) *time.Time {
		v := strings.TrimSpace(c.FormValue(name))
		p.Form[name] = v
		if v == "" {
			return nil
		}
		t, ok := cohort.ParseDate(v, endOfDay)
		if !ok {
			p.Errors = append(p.Errors, FieldError{Field: name, Message: p.T("groups.date.invalid")})
			return nil
		}
		return &t
	}
	for _, m := range mods {
		d := cohort.ModuleDates{Module: m.ID, Opens: read(m.OpensName, false), Due: read(m.DueName, true)}
		if d.Opens != nil && (first == nil || d.Opens.Before(*first)) {
			first = d.Opens
		}
		out = append(out, d)
	}
	return out, first
}

// groupReminderDays reads the automatic reminders: off, or days before a due date.
func groupReminderDays(c *fiber.Ctx, p *Page) int {
	on := c.FormValue("reminders") == "on"
	v := strings.TrimSpace(c.FormValue("reminder_days"))
	p.Form["reminder_days"] = v
	if on {
		p.Form["reminders"] = "on"
	}
	if !on {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.Errors = append(p.Errors, FieldError{Field: "reminder_days", Message: p.T("groups.reminder-days.invalid")})
		return 0
	}
	return n
}

func (w *Web) groupNewGet(c *fiber.Ctx) error {
	p := w.page(c, "groups.new.title")
	courses, err := w.publishedCourses(c, p.Lang, c.Query("course"))
	if err != nil {
		return err
	}
	d := groupFormData{Courses: courses}
	if len(courses) == 1 {
		courses[0].Selected = true
	}
	for i := range courses {
		if courses[i].Selected {
			d.Course = &courses[i]
			d.Modules = groupModules(courses[i].modules, p.Lang)
		}
	}
	if c.Query("course") != "" && d.Course == nil {
		p.Errors = append(p.Errors, FieldError{Field: "course", Message: p.T("groups.course.unknown")})
		p.withStatus(fiber.StatusUnprocessableEntity)
	}
	w.groupDefaults(p, d.Modules)
	p.Form["reminder_days"] = "2"
	p.Data = d
	return w.render(c, "group-new", p)
}

func (w *Web) groupNewPost(c *fiber.Ctx) error {
	p := w.page(c, "groups.new.title")
	slug := c.FormValue("course")
	courses, err := w.publishedCourses(c, p.Lang, slug)
	if err != nil {
		return err
	}
	d := groupFormData{Courses: courses}
	for i := range courses {
		if courses[i].Selected {
			d.Course = &courses[i]
			d.Modules = groupModules(courses[i].modules, p.Lang)
		}
	}
	p.Data = d
	if d.Course == nil {
		p.Errors = append(p.Errors, FieldError{Field: "course", Message: p.T("groups.course.unknown")})
		return w.render(c, "group-new", p.withStatus(fiber.StatusUnprocessableEntity))
	}
	name := c.FormValue("name")
	p.Form["name"] = name
	joinCode := c.FormValue("join_code") == "on"
	if joinCode {
		p.Form["join_code"] = "on"
	}
	sched, first := groupSchedule(c, p, d.Modules)
	days := groupReminderDays(c, p)
	if len(p.Errors) > 0 {
		return w.render(c, "group-new", p.withStatus(fiber.StatusUnprocessableEntity))
	}
	co, err := w.app.Cohorts.Create(c.UserContext(), principal(c), cohort.NewCohort{Course: slug, Name: name, StartsOn: first, Schedule: sched,
		JoinCode: joinCode, AutoReminderDays: days})
	if err != nil {
		if err := p.formErrors(err, groupFieldIDs(len(d.Modules))); err != nil {
			return err
		}
		return w.render(c, "group-new", p)
	}
	return w.redirectWithNotice(c, "/groups/"+co.ID+"/participants", "groups.created")
}

// groupSettingsPage is the settings form of a group the trainer reaches.
func (w *Web) groupSettingsPage(c *fiber.Ctx, p *Page) (*groupFormData, error) {
	ctx, actor := c.UserContext(), principal(c)
	co, err := w.app.Cohorts.Get(ctx, actor, c.Params("id"))
	if err != nil {
		return nil, err
	}
	pub, err := w.app.Courses.Published(ctx, co.Course)
	if err != nil {
		return nil, err
	}
	title, in := groupText(pub.Course.Title, p.Lang)
	d := &groupFormData{Group: &co, Course: &groupCourse{Slug: co.Course, Title: title, Lang: in}, Modules: groupModules(pub.Course.Modules, p.Lang),
		Closed: co.Status == cohort.StatusClosed}
	p.H1 = co.Name
	p.Data = d
	return d, nil
}

func (w *Web) groupSettingsGet(c *fiber.Ctx) error {
	p := w.page(c, "groups.settings.title")
	d, err := w.groupSettingsPage(c, p)
	if err != nil {
		return err
	}
	co := d.Group
	p.Form["name"] = co.Name
	for _, m := range d.Modules {
		for _, s := range co.Schedule {
			if s.Module == m.ID {
				p.Form[m.OpensName], p.Form[m.DueName] = groupDay(s.Opens), groupDay(s.Due)
			}
		}
	}
	p.Form["reminder_days"] = "2"
	if co.AutoReminderDays > 0 {
		p.Form["reminders"], p.Form["reminder_days"] = "on", strconv.Itoa(co.AutoReminderDays)
	}
	return w.render(c, "group-settings", p)
}

func (w *Web) groupSettingsPost(c *fiber.Ctx) error {
	p := w.page(c, "groups.settings.title")
	d, err := w.groupSettingsPage(c, p)
	if err != nil {
		return err
	}
	name := c.FormValue("name")
	p.Form["name"] = name
	sched, first := groupSchedule(c, p, d.Modules)
	days := groupReminderDays(c, p)
	if len(p.Errors) > 0 {
		return w.render(c, "group-settings", p.withStatus(fiber.StatusUnprocessableEntity))
	}
	patch := cohort.Patch{Name: &name, Schedule: &sched, StartsOn: first, AutoReminderDays: &days}
	if _, err := w.app.Cohorts.Update(c.UserContext(), principal(c), d.Group.ID, patch); err != nil {
		if err := p.formErrors(err, groupFieldIDs(len(d.Modules))); err != nil {
			return err
		}
		return w.render(c, "group-settings", p)
	}
	return w.redirectWithNotice(c, "/groups/"+d.Group.ID+"/settings", "groups.settings.saved")
}

type groupConfirmData struct {
	Action, Question, Button, Back string
	Name                           string // what the question is about
}

// groupClose asks first; the confirmation's form closes the group.
func (w *Web) groupClose(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	co, err := w.app.Cohorts.Get(ctx, actor, c.Params("id"))
	if err != nil {
		return err
	}
	if c.FormValue("confirm") != "yes" {
		p := w.page(c, "groups.close.title")
		p.Data = groupConfirmData{Action: "/groups/" + co.ID + "/close", Question: p.T("groups.close.question", "name", co.Name),
			Button: p.T("groups.close.button"), Back: "/groups/" + co.ID + "/settings"}
		return w.render(c, "group-confirm", p)
	}
	closed := cohort.StatusClosed
	if _, err := w.app.Cohorts.Update(ctx, actor, co.ID, cohort.Patch{Status: &closed}); err != nil {
		return err
	}
	return w.redirectWithNotice(c, "/groups", "groups.closed")
}

// ---- Participants ----

type groupResult struct {
	Email, Status, Reason string
}

type groupParticipantsData struct {
	Group   cohort.Cohort
	Members []cohort.LearnerRow
	Results []groupResult // the last addition's, on the page that answers it
	Counts  map[string]int
}

func (w *Web) groupParticipantsPage(c *fiber.Ctx, p *Page) (*groupParticipantsData, error) {
	dash, err := w.app.Cohorts.Dashboard(c.UserContext(), principal(c), c.Params("id"), cohort.DashboardQuery{Sort: "name"})
	if err != nil {
		return nil, err
	}
	d := &groupParticipantsData{Group: dash.Cohort, Members: dash.Learners}
	p.H1 = dash.Cohort.Name + " – " + p.T("groups.participants.title")
	p.Data = d
	return d, nil
}

func (w *Web) groupParticipantsGet(c *fiber.Ctx) error {
	p := w.page(c, "groups.participants.title")
	if _, err := w.groupParticipantsPage(c, p); err != nil {
		return err
	}
	return w.render(c, "group-participants", p)
}

// groupParticipantsPost adds the pasted addresses, or the rows of an uploaded CSV file, as the
// API's members endpoint does, and shows every row's result.
func (w *Web) groupParticipantsPost(c *fiber.Ctx) error {
	p := w.page(c, "groups.participants.title")
	d, err := w.groupParticipantsPage(c, p)
	if err != nil {
		return err
	}
	var data []byte
	field := "emails"
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		field = "file"
		fh, err := c.FormFile("file")
		switch {
		case err != nil || fh.Size == 0:
			p.Errors = append(p.Errors, FieldError{Field: "file", Message: p.T("groups.file.missing")})
		case fh.Size > groupMaxUpload:
			p.Errors = append(p.Errors, FieldError{Field: "file", Message: p.T("groups.file.too-large")})
		default:
			f, err := fh.Open()
			if err != nil {
				return err
			}
			data, err = io.ReadAll(io.LimitReader(f, groupMaxUpload+1))
			f.Close()
			if err != nil {
				return err
			}
		}
	} else {
		text := c.FormValue("emails")
		p.Form["emails"] = text
		if strings.TrimSpace(text) == "" {
			p.Errors = append(p.Errors, FieldError{Field: "emails", Message: p.T("groups.emails.missing")})
		}
	}
	if len(p.Errors) > 0 {
		return w.render(c, "group-participants", p.withStatus(fiber.StatusUnprocessableEntity))
	}
	var rows []cohort.MemberRow
	if field == "file" {
		rows, err = cohort.ParseMemberRows(data)
	} else {
		rows, err = cohort.ParsePastedMembers(p.Form["emails"])
	}
	var res []cohort.MemberResult
	if err == nil {
		res, err = w.app.Cohorts.AddMemberRows(c.UserContext(), principal(c), d.Group.ID, rows)
	}
	if err != nil {
		if err := p.formErrors(err, map[string]string{"file": field}); err != nil {
			return err
		}
		fieldless(p.Errors, field)
		return w.render(c, "group-participants", p)
	}
	d.Counts = map[string]int{}
	for _, r := range res {
		d.Results = append(d.Results, groupResult{Email: r.Email, Status: r.Status, Reason: r.ReasonIn(p.Lang)})
		d.Counts[r.Status]++
	}
	p.Form["emails"] = ""
	// The list as it is now, the new members on it.
	if _, err := w.groupParticipantsPage(c, p); err != nil {
		return err
	}
	p.Data.(*groupParticipantsData).Results, p.Data.(*groupParticipantsData).Counts = d.Results, d.Counts
	return w.render(c, "group-participants", p)
}

// groupStatusKeys are the words of the results of adding a person.
var groupStatusKeys = map[string]string{"enrolled": "groups.status.enrolled", "invited": "groups.status.invited",
	"already_member": "groups.status.already_member", "in_other_cohort": "groups.status.in_other_cohort", "invalid": "groups.status.invalid"}

// groupLocaleKeys are the names of the languages.
var groupLocaleKeys = map[string]string{"fi": "groups.locale.fi", "sv": "groups.locale.sv", "en": "groups.locale.en"}

// groupResultCSV sends back the result table the page showed (its rows come with the form, so
// nothing is kept on the server) as a CSV file as the API's report writes them: UTF-8 with BOM,
// semicolons.
func (w *Web) groupResultCSV(c *fiber.Ctx) error {
	co, err := w.app.Cohorts.Get(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	lang := w.locale(c)
	args := c.Request().PostArgs()
	emails, statuses, reasons := args.PeekMulti("r_email"), args.PeekMulti("r_status"), args.PeekMulti("r_reason")
	if len(emails) != len(statuses) || len(emails) != len(reasons) {
		return apperr.New(apperr.KindInvalid, "the form could not be accepted: open the page again and send it from there")
	}
	var b strings.Builder
	b.WriteString("\ufeff")
	cw := csv.NewWriter(&b)
	cw.Comma = ';'
	_ = cw.Write([]string{say(lang, "groups.result.email"), say(lang, "groups.result.status"), say(lang, "groups.result.reason")})
	for i := range emails {
		status := string(statuses[i])
		if groupStatusKeys[status] == "" {
			continue
		}
		_ = cw.Write([]string{groupCSVCell(string(emails[i])), say(lang, groupStatusKeys[status]), groupCSVCell(string(reasons[i]))})
	}
	cw.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, groupAttachment(co.Name, "csv"))
	return c.SendString(b.String())
}

// groupCSVCell keeps a spreadsheet from reading a cell as a formula (as the API's CSV files do).
func groupCSVCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// groupAttachment names a download after the group, keeping only letters a-z, digits and '-'.
func groupAttachment(name, ext string) string {
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
	file := "osallistujat-" + strings.Trim(safe.String(), "-") + "." + ext
	return `attachment; filename="` + file + `"`
}

// groupMember is a member of a group the trainer reaches.
func (w *Web) groupMember(c *fiber.Ctx) (cohort.Cohort, auth.User, error) {
	return w.app.Cohorts.Member(c.UserContext(), principal(c), c.Params("id"), c.Params("user"))
}

// groupRemoveMember asks first; the confirmation's form removes her (her progress stays).
func (w *Web) groupRemoveMember(c *fiber.Ctx) error {
	co, u, err := w.groupMember(c)
	if err != nil {
		return err
	}
	back := "/groups/" + co.ID + "/participants"
	if c.FormValue("confirm") != "yes" {
		p := w.page(c, "groups.remove.title")
		p.Data = groupConfirmData{Action: back + "/" + u.ID + "/remove", Question: p.T("groups.remove.question", "name", u.Name, "group", co.Name),
			Button: p.T("groups.remove.button"), Back: back}
		return w.render(c, "group-confirm", p)
	}
	if err := w.app.Cohorts.RemoveMember(c.UserContext(), principal(c), co.ID, u.ID); err != nil {
		return err
	}
	return w.redirectWithNotice(c, back, "groups.removed")
}

func (w *Web) groupResendInvitation(c *fiber.Ctx) error {
	co, u, err := w.groupMember(c)
	if err != nil {
		return err
	}
	back := "/groups/" + co.ID + "/participants"
	if _, err := w.app.Cohorts.ResendInvitation(c.UserContext(), principal(c), u.ID); err != nil {
		if errors.Is(err, auth.ErrAlreadyActive) {
			return w.redirectWithNotice(c, back, "groups.invitation.active")
		}
		return err
	}
	return w.redirectWithNotice(c, back, "groups.invitation.sent")
}

// ---- Reminders ----

var groupAudiences = []string{cohort.AudienceNotStarted, cohort.AudienceOverdue, cohort.AudienceAtRisk, cohort.AudienceAll}

type groupRecipient struct {
	Name, Email, Lang, LangName, Subject, Text string
	Fallback, Activate, NoMessage              bool
}

type groupRemindersData struct {
	Group      cohort.Cohort
	Audiences  []string
	Preview    *cohort.ReminderPreview
	Recipients []groupRecipient
	Sent       []cohort.SentReminder
	Closed     bool
}

func (w *Web) groupRemindersPage(c *fiber.Ctx, p *Page) (*groupRemindersData, error) {
	ctx, actor := c.UserContext(), principal(c)
	co, err := w.app.Cohorts.Get(ctx, actor, c.Params("id"))
	if err != nil {
		return nil, err
	}
	sent, err := w.app.Cohorts.RemindersSent(ctx, actor, co.ID)
	if err != nil {
		return nil, err
	}
	d := &groupRemindersData{Group: co, Audiences: groupAudiences, Sent: sent, Closed: co.Status == cohort.StatusClosed}
	p.H1 = co.Name + " – " + p.T("groups.reminders.title")
	p.Data = d
	return d, nil
}

func (w *Web) groupRemindersGet(c *fiber.Ctx) error {
	p := w.page(c, "groups.reminders.title")
	if _, err := w.groupRemindersPage(c, p); err != nil {
		return err
	}
	p.Form["audience"] = cohort.AudienceNotStarted
	return w.render(c, "reminders", p)
}

// groupRemindersPost previews the reminder as each recipient will get it (action=preview), or
// sends it (action=send).
func (w *Web) groupRemindersPost(c *fiber.Ctx) error {
	p := w.page(c, "groups.reminders.title")
	d, err := w.groupRemindersPage(c, p)
	if err != nil {
		return err
	}
	audience := c.FormValue("audience")
	p.Form["audience"] = audience
	msg := course.Text{}
	for _, l := range course.Locales {
		v := c.FormValue("message_" + l)
		p.Form["message_"+l] = v
		if strings.TrimSpace(v) != "" {
			msg[l] = v
		}
	}
	fields := map[string]string{"message.fi": "message_fi", "message.sv": "message_sv", "message.en": "message_en", "message": "message_fi"}
	if len(msg) > 0 && msg[course.SourceLocale] == "" {
		p.Errors = append(p.Errors, FieldError{Field: "message_fi", Message: p.T("groups.reminders.fi-required")})
		return w.render(c, "reminders", p.withStatus(fiber.StatusUnprocessableEntity))
	}
	ctx, actor := c.UserContext(), principal(c)
	if c.FormValue("action") == "send" {
		if _, err := w.app.Cohorts.SendReminderText(ctx, actor, d.Group.ID, audience, msg); err != nil {
			if err := p.formErrors(err, fields); err != nil {
				return err
			}
			return w.render(c, "reminders", p)
		}
		return w.redirectWithNotice(c, "/groups/"+d.Group.ID+"/reminders", "groups.reminders.sent")
	}
	pre, err := w.app.Cohorts.PreviewReminder(ctx, actor, d.Group.ID, audience, msg)
	if err != nil {
		if err := p.formErrors(err, fields); err != nil {
			return err
		}
		return w.render(c, "reminders", p)
	}
	d.Preview = &pre
	for _, r := range pre.Recipients {
		d.Recipients = append(d.Recipients, groupRecipient{Name: r.User.Name, Email: r.User.Email, Lang: r.Email.Locale, LangName: p.T(groupLocaleKeys[notify.Locale(r.Email.Locale)]), Subject: r.Email.Subject,
			Text: r.Email.Text, Fallback: r.Fallback, Activate: r.Activate, NoMessage: r.MessageLocale == ""})
	}
	return w.render(c, "reminders", p)
}
