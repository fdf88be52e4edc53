package web

import (
	"cmp"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

// The trainer's pages of one group: its dashboard, one learner's page with the coach form, the
// moderation of its walls and its reports. Who reaches a group is the application's decision
// (another trainer's group does not exist to her).

func (w *Web) dashboardRoutes(r fiber.Router) {
	r.Get("/groups/:id", w.signedIn, w.trainerOnly, w.groupDashboard)
	r.Get("/groups/:id/learners/:user", w.signedIn, w.trainerOnly, w.groupLearner)
	r.Post("/groups/:id/learners/:user/assessments/:assessment/coach", w.signedIn, w.trainerOnly, w.groupCoach)
	r.Get("/groups/:id/walls/:task", w.signedIn, w.trainerOnly, w.groupWall)
	r.Post("/groups/:id/walls/:task/posts/:post/hide", w.signedIn, w.trainerOnly, w.groupPostHide)
	r.Post("/groups/:id/walls/:task/posts/:post/feature", w.signedIn, w.trainerOnly, w.groupPostFeature)
	r.Get("/groups/:id/report.csv", w.signedIn, w.trainerOnly, w.groupReportCSV)
	r.Get("/groups/:id/reports", w.signedIn, w.trainerOnly, w.groupReports)
	r.Get("/groups/:id/safaris/:safari/summary.csv", w.signedIn, w.trainerOnly, w.groupSafariCSV)
}

// dashboardPageSize is how many learners a page of the dashboard lists.
const dashboardPageSize = 50

// dashText is a course text in the page's language, with its language when it fell back.
type dashText struct{ Text, Lang string }

func dashTextOf(t course.Text, locale string) dashText {
	s, lang := t.In(locale)
	if lang == locale {
		lang = ""
	}
	return dashText{Text: s, Lang: lang}
}

func dashGroupURL(id string) string { return "/groups/" + url.PathEscape(id) }

// dashStateKey is the word of a learner's or module's state.
func dashStateKey(state string) string {
	switch state {
	case cohort.StateCompleted, cohort.StateInProgress:
		return "learn.state." + state
	}
	return "learn.state.not_started"
}

// ---- the dashboard ----

type dashboardData struct {
	URL, ReportsURL, CSVURL string
	Snapshot                string // the learner data's snapshot, kept by the filter form
	Group                   cohort.Cohort
	CourseTitle             dashText
	Totals                  dashTotals
	Certificates            int // learners holding a certificate of the course (not revoked)
	Modules                 []moduleCountsView
	Rows                    []learnerRowView
	Columns                 []dashColumn
	States, OrgUnits        []dashOption
	Filtered                bool
	Shown                   int // learners matching the filter
	Page, Pages             int
	First, Last             int
	PrevURL, NextURL        string
	Engagement              []activity.WeekEngagement
	Walls                   []dashLink
}

type dashTotals struct {
	Learners, NotStarted, InProgress, Completed, AtRisk, AveragePercent int
}

type moduleCountsView struct {
	Title                                      dashText
	Due                                        *time.Time
	NotStarted, InProgress, Completed, Overdue int
}

type learnerRowView struct {
	URL, Name, Email, OrgUnit, StateKey string
	Invited                             bool
	Percent                             int
	Current                             dashText
	LastActivity                        *time.Time
	Overdue                             []dashText
	Risk                                string // "Tarvitsee tukea: …" or ""
}

type dashColumn struct {
	Key, Label, URL, Sort string // Sort: "ascending", "descending" or ""
}

type dashOption struct {
	Value, Label string
	Selected     bool
}

type dashLink struct {
	URL  string
	Text dashText
}

// dashboardColumns are the learners' table's columns, each sortable; appSorted are those the
// application sorts by itself.
var (
	dashboardColumns = []struct{ key, label string }{
		{"name", "dashboard.col.name"}, {"org_unit", "dashboard.col.org-unit"}, {"percent", "dashboard.col.percent"},
		{"state", "dashboard.col.state"}, {"current_module", "dashboard.col.current"}, {"last_activity", "dashboard.col.last-activity"},
		{"overdue", "dashboard.col.overdue"}, {"risk", "dashboard.col.risk"},
	}
	appSorted = []string{"name", "percent", "last_activity", "org_unit"}
)

var stateOrder = map[string]int{cohort.StateNotStarted: 0, cohort.StateInProgress: 1, cohort.StateCompleted: 2}

// sortDashboardRows orders the application's rows (sorted by name) by a column the application
// does not sort by: stable, so that names stay in order within a value.
func sortDashboardRows(rows []cohort.LearnerRow, by string, desc bool) {
	var f func(a, b cohort.LearnerRow) int
	switch by {
	case "state":
		f = func(a, b cohort.LearnerRow) int { return cmp.Compare(stateOrder[a.State], stateOrder[b.State]) }
	case "current_module":
		f = func(a, b cohort.LearnerRow) int { return cmp.Compare(a.CurrentModule, b.CurrentModule) }
	case "overdue":
		f = func(a, b cohort.LearnerRow) int { return cmp.Compare(len(a.Overdue), len(b.Overdue)) }
	case "risk":
		f = func(a, b cohort.LearnerRow) int { return cmp.Compare(len(a.RiskReasons), len(b.RiskReasons)) }
	default:
		return
	}
	if desc {
		slices.SortStableFunc(rows, func(a, b cohort.LearnerRow) int { return f(b, a) })
		return
	}
	slices.SortStableFunc(rows, f)
}

func (w *Web) groupDashboard(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	p := w.page(c, "dashboard.title")
	id := c.Params("id")
	state, orgUnit := c.Query("state"), c.Query("org_unit")
	sortBy := c.Query("sort", "name")
	desc := strings.HasPrefix(sortBy, "-")
	col := strings.TrimPrefix(sortBy, "-")
	if !slices.ContainsFunc(dashboardColumns, func(k struct{ key, label string }) bool { return k.key == col }) {
		col, desc = "name", false
	}
	// One pass over the whole group: the application sorts (by the columns it sorts by) and
	// the page filters its rows, so that the filter can offer every unit of the group.
	q := cohort.DashboardQuery{Sort: "name"}
	if slices.Contains(appSorted, col) {
		q.Sort = col
		if desc {
			q.Sort = "-" + col
		}
	}
	if !slices.Contains([]string{"", cohort.StateNotStarted, cohort.StateInProgress, cohort.StateCompleted, "at_risk"}, state) {
		state = "" // a state the filter does not offer: the whole group
	}
	// Other pages, sorts and filters of a dashboard reuse the learner data of its first page for
	// a while (cohort.SnapshotTTL): the links carry the snapshot's name.
	q.Snapshot = c.Query("snap")
	d, err := w.app.Cohorts.Dashboard(ctx, actor, id, q)
	if err != nil {
		return err
	}
	if !slices.Contains(appSorted, col) {
		sortDashboardRows(d.Learners, col, desc)
	}
	units := map[string]bool{}
	filtered := state != "" || orgUnit != ""
	rows := d.Learners[:0:0]
	for _, r := range d.Learners {
		if r.OrgUnit != "" {
			units[r.OrgUnit] = true
		}
		if (state == "" || state == r.State || (state == "at_risk" && r.AtRisk)) && (orgUnit == "" || orgUnit == r.OrgUnit) {
			rows = append(rows, r)
		}
	}
	d.Learners = rows
	engagement, err := w.app.GroupEngagement(ctx, actor, id)
	if err != nil {
		return err
	}
	pub, err := w.app.Courses.Current(ctx, actor, d.Cohort.Course)
	if err != nil {
		return err
	}

	base := dashGroupURL(d.Cohort.ID)
	v := dashboardData{URL: base, ReportsURL: base + "/reports", CSVURL: base + "/report.csv?delimiter=semicolon", Group: d.Cohort,
		CourseTitle: dashTextOf(d.CourseTitle, p.Lang), Totals: dashTotals(d.Totals), Certificates: d.Certificates, Snapshot: d.Snapshot, Filtered: filtered, Shown: len(d.Learners), Engagement: engagement}
	titles := map[string]dashText{}
	for _, m := range d.Modules {
		t := dashTextOf(m.Title, p.Lang)
		titles[m.ID] = t
		v.Modules = append(v.Modules, moduleCountsView{Title: t, Due: m.Due, NotStarted: m.NotStarted, InProgress: m.InProgress, Completed: m.Completed, Overdue: m.Overdue})
	}
	for _, r := range pub.Course.Reflections {
		v.Walls = append(v.Walls, dashLink{URL: base + "/walls/" + url.PathEscape(r.ID), Text: dashTextOf(r.Title, p.Lang)})
	}

	// Filters and sorting stay in every link: the query without the page.
	keep := url.Values{}
	if d.Snapshot != "" {
		keep.Set("snap", d.Snapshot)
	}
	if state != "" {
		keep.Set("state", state)
	}
	if orgUnit != "" {
		keep.Set("org_unit", orgUnit)
	}
	link := func(sort string, page int) string {
		q := url.Values{}
		for k, vs := range keep {
			q[k] = vs
		}
		if sort != "" && sort != "name" {
			q.Set("sort", sort)
		}
		if page > 1 {
			q.Set("page", strconv.Itoa(page))
		}
		if len(q) == 0 {
			return base
		}
		return base + "?" + q.Encode()
	}
	current := col
	if desc {
		current = "-" + col
	}
	for _, k := range dashboardColumns {
		cv := dashColumn{Key: k.key, Label: p.T(k.label), URL: link(k.key, 1)}
		if k.key == col {
			cv.Sort = "ascending"
			if desc {
				cv.Sort = "descending"
			} else {
				cv.URL = link("-"+k.key, 1)
			}
		}
		v.Columns = append(v.Columns, cv)
	}
	v.States = []dashOption{{Value: "", Label: p.T("dashboard.filter.all"), Selected: state == ""}}
	for _, s := range []string{cohort.StateNotStarted, cohort.StateInProgress, cohort.StateCompleted} {
		v.States = append(v.States, dashOption{Value: s, Label: p.T(dashStateKey(s)), Selected: state == s})
	}
	v.States = append(v.States, dashOption{Value: "at_risk", Label: p.T("dashboard.at-risk"), Selected: state == "at_risk"})
	v.OrgUnits = []dashOption{{Value: "", Label: p.T("dashboard.filter.all"), Selected: orgUnit == ""}}
	if orgUnit != "" {
		units[orgUnit] = true
	}
	names := make([]string, 0, len(units))
	for u := range units {
		names = append(names, u)
	}
	slices.Sort(names)
	for _, u := range names {
		v.OrgUnits = append(v.OrgUnits, dashOption{Value: u, Label: u, Selected: u == orgUnit})
	}

	// Paging: 50 a page; a page past the end shows the last.
	v.Pages = max(1, (len(d.Learners)+dashboardPageSize-1)/dashboardPageSize)
	v.Page, _ = strconv.Atoi(c.Query("page", "1"))
	v.Page = min(max(v.Page, 1), v.Pages)
	from := (v.Page - 1) * dashboardPageSize
	to := min(from+dashboardPageSize, len(d.Learners))
	if from < to {
		v.First, v.Last = from+1, to
	}
	if v.Page > 1 {
		v.PrevURL = link(current, v.Page-1)
	}
	if v.Page < v.Pages {
		v.NextURL = link(current, v.Page+1)
	}
	now := w.now()
	for _, r := range d.Learners[from:to] {
		row := learnerRowView{URL: base + "/learners/" + url.PathEscape(r.UserID), Name: nameOrErased(p, r.Name), Email: r.Email, OrgUnit: r.OrgUnit, StateKey: dashStateKey(r.State),
			Invited: r.Invited, Percent: r.Percent, LastActivity: r.LastActivity}
		if r.CurrentModule != "" {
			row.Current = titles[r.CurrentModule]
		}
		for _, m := range r.Overdue {
			row.Overdue = append(row.Overdue, titles[m])
		}
		row.Risk = riskText(p, r, titles, now)
		v.Rows = append(v.Rows, row)
	}
	p.H1 = d.Cohort.Name
	p.Title = p.T("dashboard.page-title", "group", d.Cohort.Name)
	p.Course = v.CourseTitle.Text
	p.Data = v
	p.Wide = true // the learners' table needs the room
	return w.render(c, "dashboard", p)
}

// riskText says in words why a learner needs support: "Tarvitsee tukea: ei aktiivisuutta 14
// päivään, myöhässä: Moduuli 2". The reasons are the application's.
func riskText(p *Page, r cohort.LearnerRow, titles map[string]dashText, now time.Time) string {
	if len(r.RiskReasons) == 0 {
		return ""
	}
	var parts []string
	for _, reason := range r.RiskReasons {
		switch reason {
		case "inactive":
			days := 0
			if r.LastActivity != nil {
				days = int(now.Sub(*r.LastActivity).Hours() / 24)
			}
			parts = append(parts, p.T("dashboard.reason.inactive", "days", days))
		case "not_started":
			parts = append(parts, p.T("dashboard.reason.not-started"))
		case "overdue":
			var ms []string
			for _, m := range r.Overdue {
				ms = append(ms, titles[m].Text)
			}
			parts = append(parts, p.T("dashboard.reason.overdue", "modules", strings.Join(ms, ", ")))
		default:
			parts = append(parts, reason)
		}
	}
	return p.T("dashboard.at-risk.because", "reasons", strings.Join(parts, ", "))
}

// ---- one learner ----

type learnerData struct {
	GroupURL, URL string
	Group         cohort.Cohort
	User          learnerUser
	Percent       int
	StateKey      string
	LastActivity  *time.Time
	Seconds       int
	Posts         int
	Comments      int
	Modules       []learnerModuleView
	Assessments   []assessmentLink
	Coach         *coachData
	Safaris       []safariLogView
}

type learnerUser struct{ Name, Email, OrgUnit string }

type learnerModuleView struct {
	Title    dashText
	StateKey string
	Due      *time.Time
	Lessons  []learnerLessonView
}

type learnerLessonView struct {
	Title       dashText
	StateKey    string
	CompletedAt *time.Time
	Minutes     int
	Attempts    int
	Score       string // best quiz score as a percentage, "" for none
}

type assessmentLink struct {
	URL, Title, RoundKey string
	SubmittedAt          time.Time
	CoachedAt            *time.Time
	Current              bool
}

type safariLogView struct {
	Title     dashText
	Submitted bool
	When      time.Time
	Steps     int
	Debrief   string
}

// coachData is the coach form of one assessment beside the learner's own ratings.
type coachData struct {
	Action    string
	Title     string
	RoundKey  string
	WithStart bool
	Coached   *time.Time
	Scale     []scaleLevel
	Items     []coachItem
	Notes     []FieldView
	SelfNotes []noteView
}

type coachItem struct {
	ratingItem
	Self     int
	Start    *int
	Gap      string // the gap between her rating and the coach's, in words
	HintID   string // her own ratings, which each radio group is described by
	Describe string
}

// learnerView reads one member of the group (404 for another trainer's group or someone not in
// it) and her course.
func (w *Web) learnerView(c *fiber.Ctx, p *Page) (app.LearnerView, cohort.Cohort, course.Published, error) {
	ctx, actor := c.UserContext(), principal(c)
	v, err := w.app.LearnerProgress(ctx, actor, c.Params("id"), c.Params("user"), p.Lang)
	if err != nil {
		return v, cohort.Cohort{}, course.Published{}, err
	}
	g, err := w.app.Cohorts.Get(ctx, actor, c.Params("id"))
	if err != nil {
		return v, g, course.Published{}, err
	}
	pub, err := w.app.Courses.Current(ctx, actor, g.Course)
	return v, g, pub, err
}

func (w *Web) groupLearner(c *fiber.Ctx) error {
	p := w.page(c, "learner.title")
	v, g, pub, err := w.learnerView(c, p)
	if err != nil {
		return err
	}
	return w.renderLearner(c, p, v, g, pub, c.Query("assessment"), false)
}

// renderLearner shows a learner's page with the coach form of the assessment chosen (the newest
// when none is); posted: p.Form holds what the trainer sent.
func (w *Web) renderLearner(c *fiber.Ctx, p *Page, v app.LearnerView, g cohort.Cohort, pub course.Published, chosen string, posted bool) error {
	ctx, actor := c.UserContext(), principal(c)
	base := dashGroupURL(g.ID)
	u := v.User
	d := learnerData{GroupURL: base, URL: base + "/learners/" + url.PathEscape(u.ID), Group: g, User: learnerUser{Name: u.Name, Email: u.Email, OrgUnit: u.OrgUnit},
		Percent: v.Summary.Progress.Percent, StateKey: dashStateKey(v.Summary.Progress.State), LastActivity: v.Summary.Progress.LastAt,
		Seconds: v.Summary.Progress.Seconds, Posts: v.Summary.Posts, Comments: v.Summary.Comments}
	modules := map[string]course.Module{}
	lessons := map[string]course.Lesson{}
	for _, m := range pub.Course.Modules {
		modules[m.ID] = m
		for _, l := range m.Lessons {
			lessons[l.ID] = l
		}
	}
	for _, m := range v.Summary.Progress.Modules {
		mv := learnerModuleView{Title: dashTextOf(modules[m.ID].Title, p.Lang), StateKey: dashStateKey(m.State), Due: m.Due}
		for _, l := range m.Lessons {
			lv := learnerLessonView{Title: dashTextOf(lessons[l.ID].Title, p.Lang), StateKey: dashStateKey(lessonState(l)), CompletedAt: l.CompletedAt,
				Minutes: (l.Seconds + 59) / 60, Attempts: l.Attempts}
			if l.BestScore != nil {
				lv.Score = strconv.Itoa(int(*l.BestScore*100+0.5)) + " %"
			}
			mv.Lessons = append(mv.Lessons, lv)
		}
		d.Modules = append(d.Modules, mv)
	}
	for _, s := range v.Safaris {
		title := course.Text{}
		for _, def := range pub.Course.Safaris {
			if def.ID == s.Safari {
				title = def.Title
			}
		}
		when := s.UpdatedAt
		if s.SubmittedAt != nil {
			when = *s.SubmittedAt
		}
		d.Safaris = append(d.Safaris, safariLogView{Title: dashTextOf(title, p.Lang), Submitted: s.Submitted, When: when, Steps: len(s.Steps), Debrief: s.Debrief})
	}
	var current *activity.Assessment
	for i := range v.Assessments {
		a := &v.Assessments[i]
		if (chosen == "" && current == nil) || a.ID == chosen {
			current = a
		}
	}
	for i := range v.Assessments {
		a := v.Assessments[i]
		link := assessmentLink{URL: d.URL + "?assessment=" + url.QueryEscape(a.ID) + "#coach", RoundKey: dashRoundKey(a.Round), SubmittedAt: a.SubmittedAt,
			CoachedAt: a.CoachedAt, Current: current != nil && a.ID == current.ID, Title: a.Assessment}
		if form, err := w.app.Assessments.Form(ctx, actor, course.ActivityID(g.Course, a.Assessment), p.Lang); err == nil {
			link.Title = form.Title
		}
		d.Assessments = append(d.Assessments, link)
	}
	if current != nil {
		cd, err := w.coachForm(c, p, g, d.URL, *current, posted)
		if err != nil {
			return err
		}
		d.Coach = cd
	}
	p.H1 = u.Name
	p.Title = p.T("learner.page-title", "name", u.Name)
	p.Course = g.Name
	p.Data = d
	return w.render(c, "learner", p)
}

func lessonState(l learning.LessonProgress) string { return l.State }

func dashRoundKey(round string) string {
	if round == "end" {
		return "assessment.round.end"
	}
	return "assessment.round.start"
}

// coachForm is the coach form of one assessment: the assessment page's scale and radio groups
// (its fill), each item with her own rating beside it.
func (w *Web) coachForm(c *fiber.Ctx, p *Page, g cohort.Cohort, learnerURL string, a activity.Assessment, posted bool) (*coachData, error) {
	form, err := w.app.Assessments.Form(c.UserContext(), principal(c), course.ActivityID(g.Course, a.Assessment), p.Lang)
	if err != nil {
		return nil, err
	}
	if !posted {
		for _, r := range a.Rows {
			if r.Coach != nil {
				p.Form[assessmentField(r.ID)] = strconv.Itoa(*r.Coach)
			}
		}
		for _, n := range form.Notes {
			p.Form[noteField(n.ID)] = a.CoachNotes[n.ID]
		}
	}
	ad := &assessmentData{Form: form}
	ad.fill(p, true)
	cd := &coachData{Action: learnerURL + "/assessments/" + url.PathEscape(a.ID) + "/coach", Title: form.Title, RoundKey: dashRoundKey(a.Round),
		Coached: a.CoachedAt, Scale: ad.Scale, Notes: ad.Notes}
	rows := map[string]activity.AssessmentRow{}
	for _, r := range a.Rows {
		rows[r.ID] = r
		cd.WithStart = cd.WithStart || r.Start != nil
	}
	for _, n := range form.Notes {
		if t := a.SelfNotes[n.ID]; t != "" {
			cd.SelfNotes = append(cd.SelfNotes, noteView{Label: n.Label, Text: t})
		}
	}
	for _, it := range ad.Items {
		id := strings.TrimPrefix(it.Name, "rating-")
		r := rows[id]
		ci := coachItem{ratingItem: it, Self: r.Self, Start: r.Start, HintID: it.ID + "-self"}
		if r.Start != nil {
			ci.Describe = p.T("coach.self-with-start", "self", r.Self, "start", *r.Start)
		} else {
			ci.Describe = p.T("coach.self", "self", r.Self)
		}
		if r.Gap != nil {
			switch g := *r.Gap; {
			case g == 0:
				ci.Gap = p.T("coach.gap.same")
			case g > 0:
				ci.Gap = p.T("coach.gap.higher", "n", g)
			default:
				ci.Gap = p.T("coach.gap.lower", "n", -g)
			}
		}
		cd.Items = append(cd.Items, ci)
	}
	return cd, nil
}

// groupCoach saves the trainer's ratings and notes of an assessment of her group's member.
func (w *Web) groupCoach(c *fiber.Ctx) error {
	p := w.page(c, "learner.title")
	v, g, pub, err := w.learnerView(c, p)
	if err != nil {
		return err
	}
	aid := c.Params("assessment")
	var a *activity.Assessment
	for i := range v.Assessments {
		if v.Assessments[i].ID == aid {
			a = &v.Assessments[i]
		}
	}
	if a == nil { // not hers, or not in this group's course
		return fiber.ErrNotFound
	}
	form, err := w.app.Assessments.Form(c.UserContext(), principal(c), course.ActivityID(g.Course, a.Assessment), p.Lang)
	if err != nil {
		return err
	}
	ratings, notes := map[string]int{}, map[string]string{}
	fields, labels := map[string]string{}, map[string]string{}
	for _, it := range form.Items {
		f := assessmentField(it.ID)
		fields["ratings."+it.ID] = f
		labels[f] = it.Statement
		val := c.FormValue(f)
		p.Form[f] = val
		if val == "" {
			continue
		}
		n, err := strconv.Atoi(val)
		if err != nil {
			n = 0 // off the scale: the application says so
		}
		ratings[it.ID] = n
	}
	for _, n := range form.Notes {
		f := noteField(n.ID)
		fields["notes."+n.ID] = f
		labels[f] = n.Label
		p.Form[f] = c.FormValue(f)
		if t := strings.TrimSpace(c.FormValue(f)); t != "" {
			notes[n.ID] = t
		}
	}
	if _, err := w.app.Assessments.Coach(c.UserContext(), principal(c), aid, ratings, notes); err != nil {
		if err := p.formErrors(err, fields); err != nil {
			return err
		}
		for i, e := range p.Errors {
			if l := labels[e.Field]; l != "" {
				p.Errors[i].Message = l + ": " + e.Message
			}
		}
		return w.renderLearner(c, p, v, g, pub, aid, true)
	}
	return w.redirectWithNotice(c, dashGroupURL(g.ID)+"/learners/"+url.PathEscape(v.User.ID)+"?assessment="+url.QueryEscape(aid), "coach.saved")
}

// ---- wall moderation ----

type moderationData struct {
	Group         cohort.Cohort
	GroupURL, URL string
	Task          *course.ReflectionView
	Posts         []moderatedPost
	Older         string
	Before        string
}

type moderatedPost struct {
	postView
	Action string // …/posts/<id>
}

func (w *Web) groupWall(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	g, err := w.app.Cohorts.Get(ctx, actor, c.Params("id"))
	if err != nil {
		return err
	}
	p := w.page(c, "moderation.title")
	task, err := w.app.Walls.Task(ctx, actor, g.ID, c.Params("task"), p.Lang)
	if err != nil {
		return err
	}
	before := c.Query("before")
	posts, next, err := w.app.Walls.ListPosts(ctx, actor, g.ID, c.Params("task"), before, wallPageSize)
	if err != nil {
		return err
	}
	if err := w.app.NamePostAuthors(ctx, posts, p.Lang); err != nil {
		return err
	}
	base := dashGroupURL(g.ID) + "/walls/" + url.PathEscape(c.Params("task"))
	d := moderationData{Group: g, GroupURL: dashGroupURL(g.ID), URL: base, Task: task, Older: next, Before: before}
	for _, post := range posts {
		d.Posts = append(d.Posts, moderatedPost{postView: w.postView(p, post, 4), Action: base + "/posts/" + url.PathEscape(post.ID)})
	}
	p.H1 = task.Title
	p.Title = p.T("moderation.page-title", "task", task.Title)
	p.Course = g.Name
	p.Data = d
	return w.render(c, "moderation", p)
}

func (w *Web) groupPostHide(c *fiber.Ctx) error {
	hidden := c.FormValue("hidden") != "false"
	notice := "moderation.hidden"
	if !hidden {
		notice = "moderation.shown"
	}
	return w.moderate(c, activity.PostChange{Hidden: &hidden}, notice)
}

func (w *Web) groupPostFeature(c *fiber.Ctx) error {
	featured := c.FormValue("featured") != "false"
	notice := "moderation.featured"
	if !featured {
		notice = "moderation.unfeatured"
	}
	return w.moderate(c, activity.PostChange{Featured: &featured}, notice)
}

func (w *Web) moderate(c *fiber.Ctx, ch activity.PostChange, notice string) error {
	ctx, actor := c.UserContext(), principal(c)
	g, err := w.app.Cohorts.Get(ctx, actor, c.Params("id"))
	if err != nil {
		return err
	}
	if _, err := w.app.Walls.EditPost(ctx, actor, g.ID, c.Params("task"), c.Params("post"), ch); err != nil {
		return err
	}
	return w.redirectWithNotice(c, dashGroupURL(g.ID)+"/walls/"+url.PathEscape(c.Params("task"))+"#post-"+c.Params("post"), notice)
}

// ---- reports ----

// groupReportCSV sends the group's report for a spreadsheet, the same file as the API's
// report.csv, in the trainer's language.
func (w *Web) groupReportCSV(c *fiber.Ctx) error {
	d, err := w.app.Cohorts.Dashboard(c.UserContext(), principal(c), c.Params("id"), cohort.DashboardQuery{})
	if err != nil {
		return err
	}
	dl, err := app.CohortReportCSV(d, w.locale(c), c.Query("delimiter", "semicolon"), w.now())
	if err != nil {
		return err
	}
	w.recordDownload(c, c.Params("id"), "cohort report csv")
	return dashDownload(c, dl)
}

func dashDownload(c *fiber.Ctx, dl app.Download) error {
	c.Set(fiber.HeaderContentType, dl.ContentType)
	c.Set(fiber.HeaderContentDisposition, dl.Disposition)
	return c.SendString(dl.Body)
}

func (w *Web) groupSafariCSV(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	g, err := w.app.Cohorts.Get(ctx, actor, c.Params("id"))
	if err != nil {
		return err
	}
	fs, _, err := w.app.SafariSummary(ctx, actor, g.Course, c.Params("safari"), g.ID)
	if err != nil {
		return err
	}
	w.recordDownload(c, g.Course+":"+c.Params("safari"), "safari summary csv")
	return dashDownload(c, app.SafariSummaryCSV(g.Course, c.Params("safari"), fs, w.locale(c)))
}

type reportsData struct {
	Group            cohort.Cohort
	GroupURL, CSVURL string
	OrgUnits         []cohort.OrgUnitRow
	Safaris          []safariReport
	Quizzes          []quizReport
}

type safariReport struct {
	Title    dashText
	Service  dashText
	Logs     int
	CSVURL   string
	Findings []findingView
}

type findingView struct {
	activity.Finding
	TypeKey string
	Step    string
}

type quizReport struct {
	Title     dashText
	Questions []questionStatsView
}

type questionStatsView struct {
	Prompt                  dashText
	Answered, Correct       int
	Difficulty, CommonWrong string
}

func (w *Web) groupReports(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	p := w.page(c, "reports.title")
	d, err := w.app.Cohorts.Dashboard(ctx, actor, c.Params("id"), cohort.DashboardQuery{})
	if err != nil {
		return err
	}
	pub, err := w.app.Courses.Current(ctx, actor, d.Cohort.Course)
	if err != nil {
		return err
	}
	base := dashGroupURL(d.Cohort.ID)
	v := reportsData{Group: d.Cohort, GroupURL: base, CSVURL: base + "/report.csv?delimiter=semicolon"}
	// Completion by organisation unit within the group, from the dashboard's rows.
	by := map[string]*cohort.OrgUnitRow{}
	for _, r := range d.Learners {
		row := by[r.OrgUnit]
		if row == nil {
			row = &cohort.OrgUnitRow{OrgUnit: r.OrgUnit}
			by[r.OrgUnit] = row
		}
		row.Learners++
		switch r.State {
		case cohort.StateCompleted:
			row.Completed++
		case cohort.StateInProgress:
			row.InProgress++
		default:
			row.NotStarted++
		}
	}
	for _, r := range by {
		v.OrgUnits = append(v.OrgUnits, *r)
	}
	slices.SortFunc(v.OrgUnits, func(a, b cohort.OrgUnitRow) int { return cmp.Compare(a.OrgUnit, b.OrgUnit) })
	for _, s := range pub.Course.Safaris {
		fs, n, err := w.app.SafariSummary(ctx, actor, d.Cohort.Course, s.ID, d.Cohort.ID)
		if err != nil {
			return err
		}
		steps := map[string]course.Text{}
		for _, st := range s.Steps {
			steps[st.ID] = st.Task
		}
		sr := safariReport{Title: dashTextOf(s.Title, p.Lang), Service: dashTextOf(s.Service.Name, p.Lang), Logs: n,
			CSVURL: base + "/safaris/" + url.PathEscape(s.ID) + "/summary.csv"}
		for _, f := range fs {
			step := f.Step
			if t, ok := steps[f.Step]; ok {
				step = dashTextOf(t, p.Lang).Text
			}
			sr.Findings = append(sr.Findings, findingView{Finding: f, TypeKey: "reports.finding." + f.Type, Step: step})
		}
		v.Safaris = append(v.Safaris, sr)
	}
	for _, q := range pub.Course.Quizzes {
		stats, _, err := w.app.QuizStats(ctx, actor, course.ActivityID(d.Cohort.Course, q.ID), d.Cohort.ID)
		if err != nil {
			return err
		}
		prompts := map[string]course.Text{}
		for _, qu := range q.Questions {
			prompts[qu.ID] = qu.Prompt
		}
		qr := quizReport{Title: dashTextOf(q.Title, p.Lang)}
		for _, s := range stats {
			qr.Questions = append(qr.Questions, questionStatsView{Prompt: dashTextOf(prompts[s.ID], p.Lang), Answered: s.Answered, Correct: s.Correct,
				Difficulty: strconv.Itoa(int(s.Difficulty*100+0.5)) + " %", CommonWrong: s.CommonWrong})
		}
		v.Quizzes = append(v.Quizzes, qr)
	}
	p.H1 = p.T("reports.page-title", "group", d.Cohort.Name)
	p.Title = p.H1
	p.Course = d.Cohort.Name
	p.Data = v
	return w.render(c, "reports", p)
}
