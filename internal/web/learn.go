package web

import (
	"errors"
	"html/template"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/i18n"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/links"
)

// learnRoutes are a learner's own pages: her courses, a course's outline, a lesson, and the
// lesson's media.
func (w *Web) learnRoutes(r fiber.Router) {
	r.Get("/", w.signedIn, w.home)
	r.Get("/courses/:slug", w.signedIn, w.coursePage)
	r.Get("/courses/:slug/lessons/:lesson", w.signedIn, w.lessonPage)
	r.Post("/courses/:slug/lessons/:lesson/done", w.signedIn, w.lessonDone)
	r.Post("/courses/:slug/lessons/:lesson/heartbeat", w.signedIn, w.lessonHeartbeat)
	r.Get("/media/:id", w.signedIn, w.mediaFile)
}

// maxOpenCourses bounds the open courses the home page offers.
const maxOpenCourses = 100

// homeCourse is one of her courses on the home page.
type homeCourse struct {
	Slug, Title, TitleLang string
	State                  string
	Percent                int
	Done, Total            int
	Due                    *time.Time // the next due date of a module she has not completed
	Overdue                bool
	Resume                 string // the lesson to continue from
	Cohort                 string
}

// openCourse is a self-paced course she may start.
type openCourse struct {
	Slug, Title, TitleLang, Summary, SummaryLang string
	Minutes                                      int
}

type homeData struct {
	Courses []homeCourse
	Open    []openCourse
}

// home is "My courses": her courses with progress, and the open courses she has not started.
func (w *Web) home(c *fiber.Ctx) error {
	ctx, pr := c.UserContext(), principal(c)
	p := w.page(c, "learn.home.title")
	list, err := w.app.MyCourses(ctx, pr)
	if err != nil {
		return err
	}
	now := w.now()
	d := homeData{}
	mine := map[string]bool{}
	for _, mc := range list {
		co := mc.Published.Course
		mine[co.Slug] = true
		l := course.Localizer{Locale: p.Lang}
		hc := homeCourse{Slug: co.Slug, Title: l.Text("title", co.Title), TitleLang: l.Fallback["title"], State: mc.Progress.State, Percent: mc.Progress.Percent,
			Cohort: mc.Cohort.Name}
		hc.Done, hc.Total = lessonCounts(mc.Progress)
		hc.Due, hc.Overdue = nextDue(mc.Progress, now)
		hc.Resume = resumeLesson(co, mc.Progress)
		d.Courses = append(d.Courses, hc)
	}
	entries, _, err := w.app.Courses.Catalog(ctx, pr, "", "", maxOpenCourses)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Course == nil || e.Course.Access != course.AccessOpen || mine[e.Slug] {
			continue
		}
		l := course.Localizer{Locale: p.Lang}
		oc := openCourse{Slug: e.Slug, Title: l.Text("title", e.Course.Title), Summary: l.Text("summary", e.Course.Summary), Minutes: e.Course.DurationMinutes()}
		oc.TitleLang, oc.SummaryLang = l.Fallback["title"], l.Fallback["summary"]
		d.Open = append(d.Open, oc)
	}
	p.Data = d
	return w.render(c, "home", p)
}

// lessonCounts are the required lessons she has completed and all of them.
func lessonCounts(pg learning.Progress) (done, total int) {
	for _, m := range pg.Modules {
		for _, l := range m.Lessons {
			if l.Optional {
				continue
			}
			total++
			if l.State == learning.StateCompleted {
				done++
			}
		}
	}
	return done, total
}

// nextDue is the earliest due date of a module she has not completed, and whether it has passed.
func nextDue(pg learning.Progress, now time.Time) (*time.Time, bool) {
	var due *time.Time
	for _, m := range pg.Modules {
		if m.Due == nil || m.State == learning.StateCompleted {
			continue
		}
		if due == nil || m.Due.Before(*due) {
			due = m.Due
		}
	}
	return due, due != nil && due.Before(now)
}

// resumeLesson is where she continues: where she left off, else her next lesson, else the first.
func resumeLesson(co *course.Course, pg learning.Progress) string {
	if pg.Resume != nil && pg.Resume.Lesson != "" {
		return pg.Resume.Lesson
	}
	if pg.Next != "" {
		return pg.Next
	}
	if ids := co.LessonIDs(); len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// lockView is a lock in the page's language.
type lockView struct {
	Label  string // "Lukittu · Avautuu 3.2.2026"
	Reason string
}

func lockIn(l *learning.Lock, p *Page) *lockView {
	if l == nil {
		return nil
	}
	why := l.Message[p.Lang]
	if why == "" {
		why = l.Message[i18n.Default]
	}
	v := &lockView{Label: p.T("learn.locked"), Reason: why}
	if l.Opens != nil {
		v.Label = p.T("learn.locked-opens", "date", p.Date(l.Opens))
	}
	return v
}

type outlineLessonView struct {
	ID, Title, TitleLang string
	State                string
	Lock                 *lockView
	Optional             bool
	Minutes              int
}

type outlineModuleView struct {
	ID, Title, TitleLang, Summary, SummaryLang string
	State                                      string
	Lock                                       *lockView
	Opens, Due                                 *time.Time
	Overdue                                    bool
	Done, Total                                int
	Lessons                                    []outlineLessonView
}

type courseData struct {
	Slug, Summary, SummaryLang string
	State                      string
	Percent                    int
	Done, Total                int
	Resume                     string
	Cohort                     string
	Modules                    []outlineModuleView
}

// coursePage is a course's modules and lessons with her states, locks and her group's dates.
func (w *Web) coursePage(c *fiber.Ctx) error {
	ctx, pr, slug := c.UserContext(), principal(c), c.Params("slug")
	pub, err := w.app.Courses.Current(ctx, pr, slug)
	if err != nil {
		return err
	}
	pg, err := w.app.Learning.Progress(ctx, pr, slug)
	if err != nil {
		return err
	}
	p := w.page(c, "")
	co := pub.Course
	lc := course.Localizer{Locale: p.Lang}
	p.Title = lc.Text("title", co.Title)
	p.Course, p.H1Lang = p.Title, lc.Fallback["title"]
	d := courseData{Slug: slug, Summary: lc.Text("summary", co.Summary), SummaryLang: lc.Fallback["summary"], State: pg.State, Percent: pg.Percent,
		Resume: resumeLesson(co, pg)}
	d.Done, d.Total = lessonCounts(pg)
	if mine, err := w.app.Cohorts.Mine(ctx, pr); err == nil {
		for _, m := range mine {
			if m.Cohort.Course == slug {
				d.Cohort = m.Cohort.Name
				break
			}
		}
	}
	now := w.now()
	for i, m := range co.Modules {
		lm := course.Localizer{Locale: p.Lang}
		mv := outlineModuleView{ID: m.ID, Title: lm.Text("title", m.Title), Summary: lm.Text("summary", m.Summary)}
		mv.TitleLang, mv.SummaryLang = lm.Fallback["title"], lm.Fallback["summary"]
		var mp learning.ModuleProgress
		if i < len(pg.Modules) && pg.Modules[i].ID == m.ID {
			mp = pg.Modules[i]
		}
		mv.State, mv.Lock, mv.Opens, mv.Due = stateOr(mp.State), lockIn(mp.Lock, p), mp.Opens, mp.Due
		mv.Overdue = mp.Due != nil && mp.Due.Before(now) && mp.State != learning.StateCompleted
		for j, l := range m.Lessons {
			ll := course.Localizer{Locale: p.Lang}
			lv := outlineLessonView{ID: l.ID, Title: ll.Text("title", l.Title), TitleLang: ll.Fallback["title"], Optional: l.Optional, Minutes: l.DurationMinutes,
				State: learning.StateNotStarted}
			if j < len(mp.Lessons) && mp.Lessons[j].ID == l.ID {
				lv.State, lv.Lock = stateOr(mp.Lessons[j].State), lockIn(mp.Lessons[j].Lock, p)
			}
			if !l.Optional {
				mv.Total++
				if lv.State == learning.StateCompleted {
					mv.Done++
				}
			}
			mv.Lessons = append(mv.Lessons, lv)
		}
		d.Modules = append(d.Modules, mv)
	}
	p.Data = d
	return w.render(c, "course", p)
}

func stateOr(s string) string {
	if s == "" {
		return learning.StateNotStarted
	}
	return s
}

// blockView is one block of a lesson as the page shows it.
type blockView struct {
	Kind         string
	Lang         string // the block's language when it fell back from the page's
	HTML         template.HTML
	MediaURL     string
	CaptionsURL  string
	CaptionsLang string
	Alt, Caption string
	Title        string
	Transcript   string
	URL, Text    string
	Instructions string
	Items        []string
	// ActivityURL and ActivityTitle are the page of the lesson's activity.
	ActivityURL, ActivityTitle string
}

type pagerLink struct{ ID, Title, TitleLang string }

type lessonData struct {
	Slug, Lesson string
	Module       string
	State        string
	Minutes      int
	Rule         string
	Seconds      int // a timed rule's seconds
	TimedMinutes int // the same in whole minutes, rounded up
	Spent        int // seconds of her time on the lesson
	MarkDone     bool
	Blocks       []blockView
	Previous     *pagerLink
	Next         *pagerLink
}

// lessonPage shows a lesson, records that she viewed it and notes it open so that the time until
// her next page counts without scripts. A locked lesson is refused with the lock's reason.
func (w *Web) lessonPage(c *fiber.Ctx) error {
	ctx, pr, slug, lesson := c.UserContext(), principal(c), c.Params("slug"), c.Params("lesson")
	p := w.page(c, "")
	v, _, err := w.app.Lesson(ctx, pr, slug, lesson, p.Lang)
	if err != nil {
		return err
	}
	pub, err := w.app.Courses.Current(ctx, pr, slug)
	if err != nil {
		return err
	}
	_, pg, err := w.app.Learning.LessonEvent(ctx, pr, slug, lesson, learning.Event{Type: learning.EventViewed})
	if err != nil {
		w.log.Info("lesson view not recorded", "user", pr.UserID, "err", err)
		if pg, err = w.app.Learning.Progress(ctx, pr, slug); err != nil {
			return err
		}
	}
	w.markLessonOpen(c, slug, lesson)
	co := pub.Course
	lc := course.Localizer{Locale: p.Lang}
	p.Course = lc.Text("title", co.Title)
	p.Title, p.H1Lang = v.Title, v.Fallback["title"]
	d := lessonData{Slug: slug, Lesson: lesson, Minutes: v.DurationMinutes, Rule: v.Completion.Rule, State: learning.StateNotStarted}
	if v.Completion.Rule == course.RuleViewedSeconds {
		d.Seconds = v.Completion.Seconds
		d.TimedMinutes = (d.Seconds + 59) / 60
	}
	for _, m := range pg.Modules {
		if m.ID == v.Module {
			for _, l := range m.Lessons {
				if l.ID == lesson {
					d.State, d.Spent = stateOr(l.State), l.Seconds
				}
			}
		}
	}
	for _, m := range co.Modules {
		if m.ID == v.Module {
			lm := course.Localizer{Locale: p.Lang}
			d.Module = lm.Text("title", m.Title)
		}
	}
	d.MarkDone = v.Completion.Rule == course.RuleMarkedDone && d.State != learning.StateCompleted
	d.Blocks = lessonBlocks(v, slug, p.Lang)
	pager := func(id string) *pagerLink {
		if id == "" {
			return nil
		}
		_, l, ok := co.Lesson(id)
		if !ok {
			return nil
		}
		ll := course.Localizer{Locale: p.Lang}
		return &pagerLink{ID: id, Title: ll.Text("title", l.Title), TitleLang: ll.Fallback["title"]}
	}
	d.Previous, d.Next = pager(v.Previous), pager(v.Next)
	p.Data = d
	p.Scripts = []string{"lesson.js"}
	return w.render(c, "lesson", p)
}

// lessonBlocks turns a lesson's blocks into what the page shows: the course's own sanitised HTML
// with its headings shifted under the page's h1, media through the web app's media route, and
// the activity's page.
func lessonBlocks(v *course.LessonView, slug, lang string) []blockView {
	shift, prev := headingShift(v.Blocks), 1
	out := make([]blockView, 0, len(v.Blocks))
	for _, b := range v.Blocks {
		bv := blockView{Kind: b.Kind, Alt: b.Alt, Caption: b.Caption, Title: b.Title, Transcript: b.Transcript, URL: b.URL, Text: b.Text,
			Instructions: b.Instructions, Items: b.Items, MediaURL: pageMediaURL(b.MediaURL), CaptionsURL: pageMediaURL(b.CaptionsURL)}
		bv.Lang = fallbackLang(b.Fallback, lang)
		bv.CaptionsLang = v.Locale
		if l := b.Fallback["transcript"]; l != "" {
			bv.CaptionsLang = l
		} else if l := b.Fallback["media"]; l != "" {
			bv.CaptionsLang = l
		}
		if b.Kind == course.KindMarkdown {
			// The course package rendered and sanitised it (course.Renderer.HTML); only the heading
			// levels change here.
			bv.HTML = template.HTML(shiftHeadings(b.HTML, shift, &prev)) //nolint:gosec // sanitised by the course renderer
		}
		if (b.Kind == course.KindChecklist && b.Title != "") || isActivity(b.Kind) {
			prev = 2 // the page's own h2 of the block
		}
		switch b.Kind {
		case course.KindQuiz:
			if b.QuizID != "" {
				bv.ActivityURL = "/quizzes/" + b.QuizID
			}
		case course.KindReflection:
			if id := localID(b.TaskID); id != "" {
				bv.ActivityURL = "/courses/" + slug + "/walls/" + id
			}
			if b.Reflection != nil {
				bv.ActivityTitle = b.Reflection.Title
			}
		case course.KindSelfAssessment:
			if id := localID(b.AssessmentID); id != "" {
				bv.ActivityURL = "/courses/" + slug + "/assessments/" + id
			}
			if b.Assessment != nil {
				bv.ActivityTitle = b.Assessment.Title
			}
		case course.KindServiceSafari:
			if id := localID(b.SafariID); id != "" {
				bv.ActivityURL = "/courses/" + slug + "/safaris/" + id
			}
			if b.Safari != nil {
				bv.ActivityTitle = b.Safari.Title
			}
		}
		out = append(out, bv)
	}
	return out
}

func isActivity(kind string) bool {
	return kind == course.KindQuiz || kind == course.KindReflection || kind == course.KindSelfAssessment || kind == course.KindServiceSafari
}

// fallbackLang is the language a block's texts fell back to, "" when they are in lang.
func fallbackLang(f course.Fallback, lang string) string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if f[k] != "" && f[k] != lang {
			return f[k]
		}
	}
	return ""
}

// localID is an activity's id in its course, from its API id ("course:activity").
func localID(apiID string) string {
	_, id, ok := strings.Cut(apiID, ":")
	if !ok {
		return ""
	}
	return id
}

// pageMediaURL maps the API's media URL to the web app's, which takes the session cookie.
func pageMediaURL(u string) string {
	if id, ok := strings.CutPrefix(u, links.Media("")); ok && id != "" {
		return "/media/" + id
	}
	return u
}

var headingTag = regexp.MustCompile(`<(/?)h([1-6])([\s>])`)

// headingShift is how many levels the lesson's headings move so that the highest becomes h2,
// under the page's h1.
func headingShift(blocks []course.BlockView) int {
	top := 0
	for _, b := range blocks {
		for _, m := range headingTag.FindAllStringSubmatch(b.HTML, -1) {
			if l, _ := strconv.Atoi(m[2]); top == 0 || l < top {
				top = l
			}
		}
	}
	if top == 0 {
		return 0
	}
	return 2 - top
}

// shiftHeadings moves the heading tags of sanitised HTML by shift levels, within h2–h6, and
// closes any gap after the heading before (*prev, the page's level so far: a course's h1 followed
// by an h3 becomes h2 and h3), so that the page's heading order stays valid. Text in sanitised
// HTML has its "<" escaped, so only tags match.
func shiftHeadings(s string, shift int, prev *int) string {
	open := 0 // the level the open heading was given, for its end tag
	return headingTag.ReplaceAllStringFunc(s, func(t string) string {
		m := headingTag.FindStringSubmatch(t)
		if m[1] == "/" {
			return "</h" + strconv.Itoa(max(open, 2)) + m[3]
		}
		l, _ := strconv.Atoi(m[2])
		l = min(max(l+shift, 2), *prev+1, 6)
		open, *prev = l, l
		return "<h" + strconv.Itoa(l) + m[3]
	})
}

// nested is sanitised HTML (from the course renderer) whose headings start at level top and stay
// in order, for a place under a heading of level top-1.
func nested(sanitised string, top int) template.HTML {
	high := 0
	for _, m := range headingTag.FindAllStringSubmatch(sanitised, -1) {
		if l, _ := strconv.Atoi(m[2]); high == 0 || l < high {
			high = l
		}
	}
	prev := top - 1
	return template.HTML(shiftHeadings(sanitised, top-high, &prev)) //nolint:gosec // sanitised by the course renderer
}

// lessonDone marks a lesson done, where its rule asks for it.
func (w *Web) lessonDone(c *fiber.Ctx) error {
	ctx, pr, slug, lesson := c.UserContext(), principal(c), c.Params("slug"), c.Params("lesson")
	if _, _, err := w.app.Learning.LessonEvent(ctx, pr, slug, lesson, learning.Event{Type: learning.EventMarkedDone}); err != nil {
		return err
	}
	return w.redirectWithNotice(c, "/courses/"+slug+"/lessons/"+lesson, "learn.lesson.marked")
}

// heartbeatSlack is how much more than the script's 30-second step one heartbeat may report.
const (
	heartbeatStep  = 30
	heartbeatSlack = 5
)

type heartbeatResponse struct {
	Percent     int    `json:"percent"`
	LessonState string `json:"lesson_state"`
	StateText   string `json:"state_text"`
}

// lessonHeartbeat records the seconds since the script's last heartbeat while the page was
// visible (at most the script's step and a little slack), and answers her lesson's state. The
// first heartbeat of a page view ends the page's mark (creditPageTime, before this handler),
// which credits the time from opening the page until now: that heartbeat's seconds lie in the
// span, and are not reported again (the span credits the buckets they fell in; a heartbeat is
// credited to the bucket it arrives in, so both would count). Later heartbeats count by
// themselves; buckets keep the largest credit ($max), so nothing is counted twice.
func (w *Web) lessonHeartbeat(c *fiber.Ctx) error {
	ctx, pr, slug, lesson := c.UserContext(), principal(c), c.Params("slug"), c.Params("lesson")
	secs, err := strconv.Atoi(strings.TrimSpace(c.FormValue("seconds")))
	if err != nil || secs < 1 {
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": "seconds must be a whole number from 1"})
	}
	secs = min(secs, heartbeatStep+heartbeatSlack)
	var pg learning.Progress
	if k, _ := c.Locals(localCredited).(string); k == markLesson+slug+"/"+lesson {
		// This request ended the page's mark and credited the time from opening the page until
		// now: the heartbeat's seconds lie in that span and are not reported again.
		pg, err = w.app.Learning.Progress(ctx, pr, slug)
	} else {
		_, pg, err = w.app.Learning.LessonEvent(ctx, pr, slug, lesson, learning.Event{Type: learning.EventProgressed, Seconds: secs})
	}
	if err != nil {
		status := fiber.StatusInternalServerError
		var ae *apperr.Error
		if errors.As(err, &ae) {
			status = kindStatus(ae.Kind)
		}
		return c.Status(status).JSON(fiber.Map{"error": err.Error()})
	}
	out := heartbeatResponse{Percent: pg.Percent, LessonState: learning.StateNotStarted}
	for _, m := range pg.Modules {
		for _, l := range m.Lessons {
			if l.ID == lesson {
				out.LessonState = stateOr(l.State)
			}
		}
	}
	out.StateText = say(w.locale(c), "learn.state."+out.LessonState)
	return c.JSON(out)
}

// mediaFile serves a lesson's media to the signed-in reader, as the API's media route does for a
// bearer token: the application decides who may read it, and the API's delivery (a redirect to
// S3, or the stream with Range support in proxy mode) sends it.
func (w *Web) mediaFile(c *fiber.Ctx) error {
	if w.media == nil {
		return fiber.ErrNotFound
	}
	return w.media(c, principal(c), c.Params("id"))
}
