package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"golang.org/x/net/html"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/testenv"
)

// learnCourse is a small open course of three lessons in a sequence: one she marks done, one
// that completes after two minutes on it, and one she views. kuva.svg is its image.
var learnCourse = map[string]string{
	"courses/ajastettu/course.yaml": `title: {fi: "Ajastettu kurssi", en: "Timed course"}
summary: {fi: "Kurssi sivujen testejä varten.", en: "A course for the pages' tests."}
access: open
`,
	"courses/ajastettu/modules/01-alku/module.yaml": `title: {fi: "Alku", en: "Start"}
sequential: true
`,
	"courses/ajastettu/modules/01-alku/01-luku.fi.md": `---
title: Luku
duration_minutes: 5
completion: {rule: marked_done}
---
# Iso otsikko

Tekstiä. <script>alert(1)</script>

### Pieni otsikko

` + "```taito\nkind: image\nsrc: ../../../../assets/ajastettu/kuva.svg\nalt: Kaavio kurssista\ncaption: Kuvateksti\n```\n",
	"courses/ajastettu/modules/01-alku/02-aika.fi.md": `---
title: Aika
duration_minutes: 3
completion: {rule: viewed_seconds, seconds: 120}
---
Lue rauhassa.
`,
	"courses/ajastettu/modules/01-alku/03-loppu.fi.md": `---
title: Loppu
duration_minutes: 1
completion: {rule: viewed}
---
Kiitos.
`,
	"assets/ajastettu/kuva.svg": `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>Kaavio</title><rect width="10" height="10"/></svg>`,
}

// publishLearnCourse publishes learnCourse, and the fixture course (kokeilu) made a course for
// cohorts' members only, which the learners are not in.
func publishLearnCourse(t *testing.T, e *env) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, data := range learnCourse {
		fsys[name] = &fstest.MapFile{Data: []byte(data), Mode: 0o644}
	}
	co, problems := course.Load(fsys, "courses/ajastettu")
	if err := problems.Err(); err != nil {
		t.Fatalf("test course: %v", problems)
	}
	if _, err := e.a.ImportCourse(context.Background(), co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	closed, cfs := testenv.Fixture(t)
	closed.Access = course.AccessCohort
	if _, err := e.a.ImportCourse(context.Background(), closed, cfs, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
}

func learnPrincipal(e *env, who string) auth.Principal {
	u := e.users[who]
	return auth.Principal{UserID: u.ID, Roles: u.Roles, Locale: u.Locale}
}

func lessonOf(t *testing.T, p learning.Progress, id string) learning.LessonProgress {
	t.Helper()
	for _, m := range p.Modules {
		for _, l := range m.Lessons {
			if l.ID == id {
				return l
			}
		}
	}
	t.Fatalf("no lesson %s in the progress", id)
	return learning.LessonProgress{}
}

func TestLearnPagesNeedASession(t *testing.T) {
	e := newEnv(t)
	publishLearnCourse(t, e)
	b := e.browser(t)
	for _, path := range []string{"/", "/courses/ajastettu", "/courses/ajastettu/lessons/luku", "/media/abc"} {
		r := b.get(path)
		if r.status != http.StatusSeeOther || r.location != "/sign-in?next="+url.QueryEscape(path) {
			t.Errorf("GET %s without a session: %d %q", path, r.status, r.location)
		}
	}
	for _, path := range []string{"/courses/ajastettu/lessons/luku/done", "/courses/ajastettu/lessons/luku/heartbeat"} {
		b.get("/sign-in")
		if r := b.post(path, url.Values{"seconds": {"30"}}); r.status != http.StatusUnauthorized {
			t.Errorf("POST %s without a session: %d", path, r.status)
		}
	}
}

func TestLearnerStudiesACourse(t *testing.T) {
	e := newEnv(t)
	publishLearnCourse(t, e)
	b := e.signedIn(t, "learner")

	// Home: nothing started yet; the open course is offered, the cohorts' course is not.
	r := b.get("/")
	learnStatus(t, "home", r, http.StatusOK)
	mustBeWellFormed(t, "home, nothing started", r)
	if !strings.Contains(r.body, "Sinulla ei ole vielä kursseja") || !strings.Contains(r.body, `href="/courses/ajastettu"`) {
		t.Errorf("home without courses: no empty state or no open course\n%s", r.body)
	}
	if strings.Contains(r.body, `href="/courses/kokeilu"`) {
		t.Error("home offers a course for cohorts' members to a learner in none")
	}

	// The course: states and the lock in words.
	r = b.get("/courses/ajastettu")
	learnStatus(t, "course", r, http.StatusOK)
	mustBeWellFormed(t, "course", r)
	for _, want := range []string{"<title>Ajastettu kurssi – Ajastettu kurssi – Taito</title>", "Aloittamatta", "Lukittu", "0/3 oppituntia suoritettu", `href="/courses/ajastettu/lessons/luku"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("course page lacks %q", want)
		}
	}
	if strings.Contains(r.body, `href="/courses/ajastettu/lessons/aika"`) {
		t.Error("the course page links to a locked lesson")
	}

	// A locked lesson: 403 with the reason in words.
	p, err := e.a.Learning.Progress(context.Background(), learnPrincipal(e, "learner"), "ajastettu")
	if err != nil {
		t.Fatal(err)
	}
	lock := lessonOf(t, p, "aika").Lock
	if lock == nil || lock.Message["fi"] == "" {
		t.Fatalf("lesson aika has no lock: %+v", lock)
	}
	r = b.get("/courses/ajastettu/lessons/aika")
	learnStatus(t, "locked lesson", r, http.StatusForbidden)
	mustBeWellFormed(t, "locked lesson", r)
	if !strings.Contains(html.UnescapeString(r.body), lock.Message["fi"]) {
		t.Errorf("the locked lesson's page does not say why (%q)\n%s", lock.Message["fi"], r.body)
	}

	// The lesson: content, headings under the h1, the image with its alt, the form.
	r = b.get("/courses/ajastettu/lessons/luku")
	learnStatus(t, "lesson", r, http.StatusOK)
	mustBeWellFormed(t, "lesson", r)
	if h1 := find(r.doc, byTag("h1")); len(h1) != 1 || text(h1[0]) != "Luku" {
		t.Errorf("the lesson's h1 is not its title")
	}
	if len(find(r.doc, func(n *html.Node) bool { return n.Data == "h2" && text(n) == "Iso otsikko" })) != 1 ||
		len(find(r.doc, func(n *html.Node) bool { return n.Data == "h3" && text(n) == "Pieni otsikko" })) != 1 {
		t.Errorf("the course's headings are not shifted under the page's h1")
	}
	if strings.Contains(r.body, "alert(1)") && strings.Contains(r.body, "<script>alert") {
		t.Error("the course's script reached the page")
	}
	imgs := find(r.doc, byTag("img"))
	if len(imgs) != 1 || attr(imgs[0], "alt") != "Kaavio kurssista" || !strings.HasPrefix(attr(imgs[0], "src"), "/media/") {
		t.Fatalf("the lesson's image: %v", imgs)
	}
	imgSrc := attr(imgs[0], "src")
	if !strings.Contains(r.body, `action="/courses/ajastettu/lessons/luku/done"`) || !strings.Contains(r.body, "Merkitse tehdyksi") {
		t.Error("the lesson has no mark-as-done form")
	}
	if !strings.Contains(r.body, `href="/courses/ajastettu/lessons/aika" rel="next"`) {
		t.Error("the lesson has no link to the next one")
	}
	if !strings.Contains(r.body, `src="/static/lesson.js"`) {
		t.Error("the lesson page has no heartbeat script")
	}

	// The image comes to her session from the web app's media route, and to nobody without one.
	m := b.get(imgSrc)
	switch {
	case m.status == http.StatusFound && strings.Contains(m.location, strings.TrimPrefix(imgSrc, "/media/")) && !strings.HasPrefix(m.location, "/sign-in"):
		// delivered by redirect to a short-lived S3 address of the item
	case m.status == http.StatusOK && strings.Contains(m.body, "<svg"):
		// delivered through Taito
	default:
		t.Errorf("GET %s signed in: %d %q", imgSrc, m.status, m.location)
	}
	if anon := e.browser(t).get(imgSrc); anon.status != http.StatusSeeOther || !strings.HasPrefix(anon.location, "/sign-in?next=") {
		t.Errorf("GET %s without a session: %d %q", imgSrc, anon.status, anon.location)
	}
	if r := b.get("/media/" + strings.Repeat("0", 64)); r.status != http.StatusNotFound {
		t.Errorf("an unknown media item: %d", r.status)
	}

	// Marking done: refused without the token, then done.
	if r := b.postRaw("/courses/ajastettu/lessons/luku/done", url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("mark done without CSRF: %d", r.status)
	}
	r = b.post("/courses/ajastettu/lessons/luku/done", nil)
	if r.status != http.StatusSeeOther || r.location != "/courses/ajastettu/lessons/luku" {
		t.Fatalf("mark done: %d %q\n%s", r.status, r.location, r.body)
	}
	r = b.get(r.location)
	mustBeWellFormed(t, "lesson, done", r)
	if !strings.Contains(r.body, "Oppitunti on merkitty tehdyksi.") || !strings.Contains(r.body, "Suoritettu") {
		t.Error("after marking done the lesson shows no notice or no completed state")
	}
	if strings.Contains(r.body, "/done\"") {
		t.Error("a completed lesson still offers mark as done")
	}

	// Progress shows on the course and at home.
	r = b.get("/courses/ajastettu")
	mustBeWellFormed(t, "course, in progress", r)
	if !strings.Contains(r.body, "1/3 oppituntia suoritettu") || !strings.Contains(r.body, "Kesken") {
		t.Errorf("the course page does not show her progress\n%s", r.body)
	}
	r = b.get("/")
	mustBeWellFormed(t, "home, in progress", r)
	if !strings.Contains(r.body, "1/3 oppituntia suoritettu") || !strings.Contains(r.body, "Jatka siitä, mihin jäit") {
		t.Errorf("home does not show her progress\n%s", r.body)
	}
	if ps := find(r.doc, byTag("progress")); len(ps) != 1 || attr(ps[0], "value") == "0" {
		t.Errorf("home has no progress bar of her course: %d", len(ps))
	}

	// Time on the timed lesson counts without any script: open it, and the next page credits it.
	r = b.get("/courses/ajastettu/lessons/aika")
	learnStatus(t, "timed lesson", r, http.StatusOK)
	mustBeWellFormed(t, "timed lesson", r)
	if strings.Contains(r.body, "Merkitse tehdyksi") {
		t.Error("a timed lesson offers mark as done")
	}
	e.clock.Advance(3 * time.Minute)
	r = b.get("/courses/ajastettu")
	p, err = e.a.Learning.Progress(context.Background(), learnPrincipal(e, "learner"), "ajastettu")
	if err != nil {
		t.Fatal(err)
	}
	if l := lessonOf(t, p, "aika"); l.Seconds < 170 || l.Seconds > 180 || l.State != learning.StateCompleted {
		t.Errorf("the timed lesson after 3 minutes on its page without scripts: %d s, %s", l.Seconds, l.State)
	}
	if !strings.Contains(r.body, "2/3 oppituntia suoritettu") || !strings.Contains(r.body, `href="/courses/ajastettu/lessons/loppu"`) {
		t.Errorf("the course page does not show the timed lesson completed\n%s", r.body)
	}
	// Reloading pages does not credit the same view again.
	b.get("/")
	p2, _ := e.a.Learning.Progress(context.Background(), learnPrincipal(e, "learner"), "ajastettu")
	if got := lessonOf(t, p2, "aika").Seconds; got != lessonOf(t, p, "aika").Seconds {
		t.Errorf("a page view credited twice: %d then %d s", lessonOf(t, p, "aika").Seconds, got)
	}
}

func TestLessonHeartbeat(t *testing.T) {
	e := newEnv(t)
	publishLearnCourse(t, e)
	b := e.signedIn(t, "learner")
	// A locked lesson's heartbeat is refused (the application's ErrLocked, a conflict).
	if r := b.postRaw("/courses/ajastettu/lessons/aika/heartbeat", url.Values{"seconds": {"30"}, "csrf": {b.csrf}}); r.status != http.StatusConflict {
		t.Errorf("heartbeat on a locked lesson: %d %s", r.status, r.body)
	}
	b.post("/courses/ajastettu/lessons/luku/done", nil)
	b.get("/courses/ajastettu/lessons/aika")
	seconds := func() int {
		p, err := e.a.Learning.Progress(context.Background(), learnPrincipal(e, "learner"), "ajastettu")
		if err != nil {
			t.Fatal(err)
		}
		return lessonOf(t, p, "aika").Seconds
	}
	beat := func(form url.Values, header bool) response {
		req := url.Values{}
		for k, v := range form {
			req[k] = v
		}
		if !header {
			return b.postRaw("/courses/ajastettu/lessons/aika/heartbeat", req)
		}
		req.Set("csrf", b.csrf)
		return b.postRaw("/courses/ajastettu/lessons/aika/heartbeat", req)
	}
	if r := beat(url.Values{"seconds": {"30"}}, false); r.status != http.StatusForbidden {
		t.Errorf("heartbeat without CSRF: %d", r.status)
	}
	// The refused post took no mark: the first heartbeat ends the page's mark, whose span covers
	// its seconds; they count once.
	e.clock.Advance(30 * time.Second)
	r := beat(url.Values{"seconds": {"30"}}, true)
	if r.status != http.StatusOK || !strings.Contains(r.body, `"lesson_state":"in_progress"`) || !strings.Contains(r.body, `"state_text":"Kesken"`) {
		t.Fatalf("first heartbeat: %d %s", r.status, r.body)
	}
	if got := seconds(); got != 30 {
		t.Errorf("after the first heartbeat 30 s later: %d s, want 30", got)
	}
	for i := 0; i < 4; i++ {
		e.clock.Advance(30 * time.Second)
		r = beat(url.Values{"seconds": {"30"}}, true)
	}
	if got := seconds(); got != 150 {
		t.Errorf("after 150 s of heartbeats: %d s", got)
	}
	if !strings.Contains(r.body, `"lesson_state":"completed"`) || !strings.Contains(r.body, `"state_text":"Suoritettu"`) {
		t.Errorf("the timed lesson is not completed by heartbeats: %s", r.body)
	}
	// A heartbeat reports at most its step and slack; nonsense is refused.
	e.clock.Advance(30 * time.Second)
	beat(url.Values{"seconds": {"500"}}, true)
	if got := seconds(); got > 150+35 {
		t.Errorf("one heartbeat credited %d s", got-150)
	}
	if r := beat(url.Values{"seconds": {"abc"}}, true); r.status != http.StatusBadRequest {
		t.Errorf("heartbeat of no seconds: %d", r.status)
	}
	// Heartbeats of a course she may not take, and of a locked lesson, are refused.
	if r := b.postRaw("/courses/kokeilu/lessons/tervetuloa/heartbeat", url.Values{"seconds": {"30"}, "csrf": {b.csrf}}); r.status != http.StatusForbidden {
		t.Errorf("heartbeat on a course she may not take: %d %s", r.status, r.body)
	}

}

func TestLearnPagesOfCoursesSheMayNotSee(t *testing.T) {
	e := newEnv(t)
	publishLearnCourse(t, e)
	if _, err := e.a.Courses.CreateCourse(context.Background(), learnPrincipal(e, "trainer"), "luonnos", course.Text{"fi": "Luonnos"}, course.AccessOpen); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(t, "learner")
	// A course never published, or no course at all, and a lesson that is not there: not found.
	for _, path := range []string{"/courses/luonnos", "/courses/luonnos/lessons/x", "/courses/nothing", "/courses/ajastettu/lessons/nothing"} {
		r := b.get(path)
		if r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, r.status)
			continue
		}
		mustBeWellFormed(t, path, r)
	}
	if r := b.post("/courses/luonnos/lessons/x/done", nil); r.status != http.StatusNotFound {
		t.Errorf("mark done in a course she may not see: %d", r.status)
	}
	// A course for cohorts' members only, which she is not in: the application refuses it, and
	// the page says why in words.
	for _, path := range []string{"/courses/kokeilu", "/courses/kokeilu/lessons/tervetuloa"} {
		r := b.get(path)
		if r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 403 or 404", path, r.status)
			continue
		}
		mustBeWellFormed(t, path, r)
		if r.status == http.StatusForbidden && len(find(r.doc, byTag("p"))) == 0 {
			t.Errorf("GET %s: a refusal without words", path)
		}
	}
	if r := b.post("/courses/kokeilu/lessons/lopuksi/done", nil); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
		t.Errorf("mark done in a course she may not take: %d", r.status)
	}
	// The fixture's image is not hers to read.
	tb := e.signedIn(t, "trainer")
	r := tb.get("/courses/kokeilu/lessons/tervetuloa")
	learnStatus(t, "trainer's preview", r, http.StatusOK)
	mustBeWellFormed(t, "trainer's preview", r)
	src := ""
	for _, img := range find(r.doc, byTag("img")) {
		src = attr(img, "src")
	}
	if src == "" {
		t.Fatal("the fixture's lesson has no image")
	}
	if r := b.get(src); r.status != http.StatusNotFound {
		t.Errorf("GET %s of a course she may not see: %d", src, r.status)
	}
}

// TestCohortDatesShowOnHerPages: her group's name, its module dates, overdue and a schedule lock
// in words.
func TestCohortDatesShowOnHerPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	testenv.PublishFixture(t, e.a)
	tp := learnPrincipal(e, "trainer")
	now := e.clock.Now()
	past := now.Add(-48 * time.Hour)
	opens, future := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), time.Date(2026, 3, 9, 20, 0, 0, 0, time.UTC)
	c, err := e.a.Cohorts.Create(ctx, tp, cohort.NewCohort{Course: "kokeilu", Name: "Kevään ryhmä", StartsOn: &past,
		Schedule: []cohort.ModuleDates{{Module: "alku", Due: &past}, {Module: "harjoitus", Opens: &opens, Due: &future}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Cohorts.AddMembers(ctx, tp, c.ID, []string{"learner@example.fi"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(t, "learner")
	r := b.get("/")
	mustBeWellFormed(t, "home with a group", r)
	for _, want := range []string{"Kevään ryhmä", "Kokeilukurssi", "Määräpäivä", "31.1.2026", "Myöhässä", `href="/courses/kokeilu/lessons/tervetuloa"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	r = b.get("/courses/kokeilu")
	mustBeWellFormed(t, "course with a group", r)
	for _, want := range []string{"Kevään ryhmä", "Avautuu", "2.3.2026", "Myöhässä", "Lukittu"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("course page lacks %q", want)
		}
	}
	// English: the same words in her language.
	en := e.browser(t)
	en.header.Set("Accept-Language", "en")
	if _, err := e.a.Auth.UpdateMe(ctx, learnPrincipal(e, "learner2"), auth.MeUpdate{Locale: learnPtr("en")}); err != nil {
		t.Fatal(err)
	}
	b2 := e.signedIn(t, "learner2")
	r = b2.get("/")
	mustBeWellFormed(t, "home in English", r)
	if !regexp.MustCompile(`<html lang="en"`).MatchString(r.body) || !strings.Contains(r.body, "My courses") || !strings.Contains(r.body, "Trial course") {
		t.Errorf("home in English\n%s", r.body)
	}
}

func learnPtr[T any](v T) *T { return &v }

func learnStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, want, r.body)
	}
}

// TestFallbackContentIsMarkedWithItsLanguage: a lesson with no English text shows in Finnish to
// an English reader, marked lang="fi" (titles in the outline, the page's heading, the content).
func TestFallbackContentIsMarkedWithItsLanguage(t *testing.T) {
	e := newEnv(t)
	publishLearnCourse(t, e)
	if _, err := e.a.Auth.UpdateMe(context.Background(), learnPrincipal(e, "learner2"), auth.MeUpdate{Locale: learnPtr("en")}); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(t, "learner2")
	r := b.get("/courses/ajastettu")
	learnStatus(t, "course in English", r, http.StatusOK)
	mustBeWellFormed(t, "course in English", r)
	if h1 := find(r.doc, byTag("h1")); len(h1) != 1 || text(h1[0]) != "Timed course" || hasAttr(h1[0], "lang") {
		t.Errorf("the course's English title is not the heading in the page's language")
	}
	if len(find(r.doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "lang") == "fi" && text(n) == "Luku" })) != 1 {
		t.Errorf("the Finnish lesson title in the English outline is not marked lang=fi")
	}
	r = b.get("/courses/ajastettu/lessons/luku")
	learnStatus(t, "lesson in English", r, http.StatusOK)
	mustBeWellFormed(t, "lesson in English", r)
	if h1 := find(r.doc, byTag("h1")); len(h1) != 1 || attr(h1[0], "lang") != "fi" {
		t.Errorf("the Finnish lesson's heading is not marked lang=fi")
	}
	if len(find(r.doc, func(n *html.Node) bool {
		return attr(n, "lang") == "fi" && strings.Contains(attr(n, "class"), "block-text")
	})) != 1 {
		t.Errorf("the Finnish text is not marked lang=fi")
	}
	if !strings.Contains(r.body, "Mark as done") {
		t.Error("the page's own words are not in English")
	}
}
