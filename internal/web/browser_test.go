//go:build browser

package web_test

// The web app in a real browser: Chromium (headless, driven through the DevTools protocol by
// chromedp) takes a learner's journey through the shipped course, once with JavaScript and
// once without (emulation.setScriptExecutionDisabled), on Taito running in-process over the
// embedded servers and listening on a loopback port. Every page she reaches is checked with
// axe-core (the WCAG 2.0 and 2.1 A and AA rules), checked to reflow without sideways scrolling
// at 375 and 320 CSS pixels, and photographed 1280 and 375 pixels wide.
//
// Run it with the build tag and the tools:
//
//	TAITO_AXE_JS=$HOME/.cache/taito/axe-4.11.0/node_modules/axe-core/axe.min.js \
//	  go test -tags browser -count=1 -run '^TestBrowser' ./internal/web/
//
// TAITO_CHROMIUM names the browser (default /usr/bin/chromium); TAITO_SCREENSHOTS the folder
// for the screenshots (default: a temporary folder, logged). Without the browser or axe-core
// the test skips, unless CI=true or TAITO_TEST_REQUIRE_BROWSER=1, when it fails.
//
// Taito's public URL here is http://127.0.0.1:<port>, so the session cookie is Secure with the
// __Host- prefix, as on any loopback address: Chromium keeps such cookies over plain http on
// 127.0.0.1 (a loopback origin counts as secure), and the journey signs in with them.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/testenv"
	"github.com/taito-lms/taito/internal/web"
)

// The shipped course and what the journey does in it.
const (
	journeySlug       = "digiohjaus"
	journeyQuiz       = "digitalisaatio-visa"
	journeyTask       = "viikkotehtava-1"
	journeyAssessment = "alkuarvio"
	learnerPassword   = "Kesäkuun kolmas kahvitauko 2026"
	colleaguePost     = "Kollegan havainto: moni asiakas ei tiedä, että päätös odottaa OmaKelassa."
	learnerPost       = "Oma pohdintani: kysyn jatkossa asiakkaalta, miten hän hoitaa Kela-asiansa."
	learnerComment    = "Kiitos, tunnistan tämän omasta työstäni."
	cohortName        = "Joensuun kevään ryhmä"
)

// axeTags are the rule sets every page must pass: WCAG 2.0 and 2.1, levels A and AA.
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.map(String), summary: n.failureSummary || ''}))})))`

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []string `json:"target"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

// browserTools are the browser and axe-core's source. A missing tool skips the test, or fails
// it where the browser tests are required (CI=true, TAITO_TEST_REQUIRE_BROWSER=1).
type browserTools struct {
	chromium string
	axe      string
}

func needBrowserTools(t *testing.T) browserTools {
	t.Helper()
	required := os.Getenv("CI") == "true" || os.Getenv("TAITO_TEST_REQUIRE_BROWSER") == "1"
	missing := func(format string, args ...any) {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if required {
			t.Fatal(msg + " (the browser tests are required here: CI=true or TAITO_TEST_REQUIRE_BROWSER=1)")
		}
		t.Skip(msg + " (set TAITO_TEST_REQUIRE_BROWSER=1 to make this a failure)")
	}
	var tools browserTools
	tools.chromium = os.Getenv("TAITO_CHROMIUM")
	if tools.chromium == "" {
		tools.chromium = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(tools.chromium); err != nil {
		missing("no Chromium at %s (TAITO_CHROMIUM): apt-get install chromium", tools.chromium)
	}
	path := os.Getenv("TAITO_AXE_JS")
	if path == "" {
		missing("TAITO_AXE_JS does not name axe-core's axe.min.js: npm install --prefix ~/.cache/taito/axe-4.11.0 axe-core@4.11.0")
	}
	src, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(src, []byte("axe")) {
		missing("TAITO_AXE_JS=%s is not axe-core's axe.min.js: %v", path, err)
	}
	tools.axe = string(src)
	return tools
}

// site is Taito listening on a loopback port, with the shipped course published, a group
// (cohort) of it with a trainer, the learner (invited, without a password yet) and a colleague
// who has posted on the first weekly task's wall.
type site struct {
	base       string // http://127.0.0.1:<port>
	a          *app.App
	co         *course.Course
	invitation string // the path and query of the learner's invitation link
	postID     string // the colleague's post
	learner    auth.Principal
	logs       *syncBuffer
}

func startSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	a, _ := testenv.App(t, nil)
	s := &site{a: a, logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.base = "http://" + ln.Addr().String()
	f := httpapi.New(a, httpapi.Options{Log: log}).App()
	web.Mount(f, a, web.Options{Log: log, PublicURL: s.base})
	go func() { _ = f.Listener(ln) }()
	t.Cleanup(func() {
		_ = f.ShutdownWithTimeout(5 * time.Second)
		if t.Failed() && s.logs.Len() > 0 {
			t.Logf("Taito's log:\n%s", s.logs.String())
		}
	})

	fsys := os.DirFS("../..")
	co, problems := course.Load(fsys, "courses/"+journeySlug)
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ImportCourse(ctx, co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	s.co = co

	add := func(email, name string, role auth.Role, password string) (auth.User, auth.Invitation) {
		u, inv, err := a.AddUser(ctx, auth.NewUser{Email: email, Name: name, Roles: []auth.Role{role}, OrgUnit: "Joensuu / aikuissosiaalityö", Locale: "fi", Password: password})
		if err != nil {
			t.Fatal(err)
		}
		return u, inv
	}
	trainer, _ := add("tuula.kouluttaja@example.fi", "Tuula Kouluttaja", auth.RoleTrainer, testPassword)
	colleague, _ := add("pekka.kollega@example.fi", "Pekka Kollega", auth.RoleLearner, testPassword)
	learner, inv := add("liisa.oppija@example.fi", "Liisa Oppija", auth.RoleLearner, "")
	s.learner = auth.Principal{UserID: learner.ID, Roles: learner.Roles}
	link, err := url.Parse(inv.URL)
	if err != nil || link.Query().Get("token") == "" {
		t.Fatalf("invitation link %q: %v", inv.URL, err)
	}
	s.invitation = link.RequestURI()

	tp := auth.Principal{UserID: trainer.ID, Roles: trainer.Roles}
	started := time.Now().Add(-24 * time.Hour)
	c, err := a.Cohorts.Create(ctx, tp, cohort.NewCohort{Course: journeySlug, Name: cohortName, StartsOn: &started})
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Cohorts.AddMembers(ctx, tp, c.ID, []string{"liisa.oppija@example.fi", "pekka.kollega@example.fi"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != "enrolled" {
			t.Fatalf("enrol %s: %s %s", r.Email, r.Status, r.Reason)
		}
	}
	var post activity.Post
	post, err = a.Walls.CreatePost(ctx, auth.Principal{UserID: colleague.ID, Roles: colleague.Roles}, c.ID, journeyTask, colleaguePost, false)
	if err != nil {
		t.Fatal(err)
	}
	s.postID = post.ID
	return s
}

// lessonWith is the first lesson of the course whose completion rule is rule (and, for
// activities, names the activity).
func (s *site) lessonWith(t *testing.T, rule, activity string) course.Lesson {
	t.Helper()
	for _, m := range s.co.Modules {
		for _, l := range m.Lessons {
			r := l.Completion
			if r.Rule == rule && (activity == "" || activity == r.Quiz || activity == r.Task || activity == r.Assessment || activity == r.Safari) {
				return l
			}
		}
	}
	t.Fatalf("the course has no lesson with the rule %s %s", rule, activity)
	return course.Lesson{}
}

// TestBrowserJourney is the learner's journey in Chromium, with JavaScript and without.
func TestBrowserJourney(t *testing.T) {
	tools := needBrowserTools(t)
	shots := os.Getenv("TAITO_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	t.Logf("screenshots in %s", shots)
	for _, mode := range []struct {
		name string
		js   bool
	}{{"javascript", true}, {"no-javascript", false}} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(shots, mode.name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			old, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9]-*-*.png")) // an earlier run's
			for _, f := range old {
				_ = os.Remove(f)
			}
			s := startSite(t)
			j := &journey{t: t, s: s, js: mode.js, axe: tools.axe, shots: dir, ctx: newChromium(t, tools.chromium, mode.js)}
			j.walk()
		})
	}
}

// newChromium starts a headless Chromium with a fresh profile, offline but for Taito, and
// returns the context of its tab. Dialogs (a form's confirmation) are accepted.
func newChromium(t *testing.T, path string, js bool) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("force-color-profile", "srgb"), chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "fi-FI"), chromedp.Flag("accept-lang", "fi-FI,fi"), // a Finnish office computer
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no deadline
		t.Fatalf("start Chromium %s: %v", path, err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	if err := setScripts(ctx, js); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// setScripts turns the page's JavaScript on or off (the DevTools protocol's own evaluations
// work either way).
func setScripts(ctx context.Context, on bool) error {
	_, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
	return err
}

// journey is one run of the learner's journey in one browser.
type journey struct {
	t     *testing.T
	ctx   context.Context
	s     *site
	js    bool
	axe   string
	shots string
	pages int
}

// walk takes the journey. Each step is a subtest; a step that fails leaves the next ones to
// start from their own page.
func (j *journey) walk() {
	j.checksFindFaults()
	steps := []struct {
		name string
		do   func(*journey)
	}{
		{"set password from the invitation", (*journey).acceptInvitation},
		{"find the group's course", (*journey).findCourse},
		{"read a lesson", (*journey).readLesson},
		{"pass a quiz", (*journey).passQuiz},
		{"post and comment on the wall", (*journey).wall},
		{"submit the self-assessment", (*journey).selfAssessment},
		{"open the service safari", (*journey).safari},
		{"open the profile", (*journey).profile},
		{"sign out", (*journey).signOut},
	}
	for i, st := range steps {
		outer := j.t
		ok := outer.Run(st.name, func(t *testing.T) {
			j.t = t
			defer func() { j.t = outer }()
			st.do(j)
		})
		if i == 0 && !ok {
			j.signInInstead()
		}
	}
	j.recorded()
}

// recorded checks through the application that what she did in the browser was recorded: the
// quiz and the self-assessment complete their lessons; the weekly task, which asks for two
// comments, is in progress with her post and comment.
func (j *journey) recorded() {
	j.t.Helper()
	p, err := j.s.a.Learning.Progress(context.Background(), j.s.learner, journeySlug)
	if err != nil {
		j.t.Fatal(err)
	}
	states := map[string]string{}
	for _, m := range p.Modules {
		for _, l := range m.Lessons {
			states[l.ID] = l.State
		}
	}
	for _, want := range []struct{ lesson, state string }{
		{j.s.lessonWith(j.t, course.RuleQuizPassed, journeyQuiz).ID, "completed"},
		{j.s.lessonWith(j.t, course.RuleAssessmentSubmitted, journeyAssessment).ID, "completed"},
		{j.s.lessonWith(j.t, course.RuleReflectionPosted, journeyTask).ID, "in_progress"},
	} {
		if states[want.lesson] != want.state {
			j.t.Errorf("lesson %s is %q after the journey, want %s", want.lesson, states[want.lesson], want.state)
		}
	}
}

// signInInstead gets her in when the invitation page failed, so that the other steps still
// tell what they find: her password is set through the application, and she signs in.
func (j *journey) signInInstead() {
	j.t.Helper()
	j.t.Log("the invitation failed: setting her password through the application and signing in on /sign-in")
	u, _ := url.Parse(j.s.invitation)
	if _, err := j.s.a.Auth.AcceptInvitation(context.Background(), u.Query().Get("token"), learnerPassword, nil); err != nil {
		j.t.Logf("accept the invitation: %v", err)
	}
	j.open("/sign-in")
	j.do("sign in", chromedp.SendKeys(chromedp.ID("f-email"), "liisa.oppija@example.fi"), chromedp.SendKeys(chromedp.ID("f-password"), learnerPassword))
	j.submit(`main form[action="/sign-in"] button[type=submit]`)
}

// --- the steps ---

func (j *journey) acceptInvitation() {
	j.open(j.s.invitation)
	j.page("invitation", "/invitation")
	form := `main form[action="/invitation"]`
	// Sent without a password: the form again, with the error summary (focused by the script).
	j.submitExpecting(form+` button[type=submit]`, 422)
	j.page("invitation-errors", "/invitation")
	if j.count(`#error-summary a[href="#f-password"]`) == 0 || j.count(`#f-password[aria-invalid=true]`) == 0 {
		j.t.Errorf("no error summary linking to the password field:\n%.800s", j.text("main"))
	}
	var focused string
	j.eval("read the focus", `document.activeElement ? document.activeElement.id : ''`, &focused)
	if j.js && focused != "error-summary" {
		j.t.Errorf("with JavaScript the error summary has no focus (the focus is on %q)", focused)
	}
	for _, id := range j.strings(`Array.from(document.querySelectorAll('main form[action="/invitation"] input[type=password]')).map(e => e.id)`) {
		j.do("type the new password", chromedp.SendKeys(chromedp.ID(id), learnerPassword))
	}
	j.submit(form + ` button[type=submit]`)
	j.page("my-courses", "/")
}

func (j *journey) findCourse() {
	if j.path() != "/" {
		j.open("/")
	}
	if main := j.text("main"); !strings.Contains(main, j.s.co.Title.Get("fi")) {
		j.t.Errorf("my courses does not name the course %q:\n%.600s", j.s.co.Title.Get("fi"), main)
	}
	j.follow(`main a[href="/courses/` + journeySlug + `"]`)
	j.page("course", "/courses/"+journeySlug)
}

func (j *journey) readLesson() {
	l := j.s.co.Modules[0].Lessons[0]
	j.toCourse()
	j.follow(`main a[href="/courses/` + journeySlug + `/lessons/` + l.ID + `"]`)
	j.page("lesson", "/courses/"+journeySlug+"/lessons/"+l.ID)
	if h1 := j.text("h1"); !strings.Contains(h1, l.Title.Get("fi")) {
		j.t.Errorf("the lesson's heading is %q, want %q", h1, l.Title.Get("fi"))
	}
}

func (j *journey) passQuiz() {
	l := j.s.lessonWith(j.t, course.RuleQuizPassed, journeyQuiz)
	q, ok := j.s.co.QuizByID(journeyQuiz)
	if !ok {
		j.t.Fatalf("no quiz %s", journeyQuiz)
	}
	quiz := "/quizzes/" + journeySlug + ":" + journeyQuiz
	j.toLesson(l)
	j.follow(`main a[href^="` + quiz + `"]`)
	j.page("quiz", quiz)
	j.submit(`main form[action="` + quiz + `/attempts"] button[type=submit]`)
	j.page("quiz-attempt", "/attempts/")
	j.answer(q)
	j.submit(`#attempt-form button[type=submit]:not([name]):not([formaction])`)
	j.page("quiz-result", "/attempts/")
	if got := j.text(".quiz-outcome"); !strings.Contains(got, "Hyväksytty") || strings.Contains(got, "Ei hyväksytty") {
		j.t.Errorf("the quiz answered from its key is not passed: %q", got)
	}
}

func (j *journey) wall() {
	l := j.s.lessonWith(j.t, course.RuleReflectionPosted, journeyTask)
	wall := "/courses/" + journeySlug + "/walls/" + journeyTask
	j.toLesson(l)
	j.follow(`main a[href^="` + wall + `"]`)
	j.page("wall", wall)
	j.do("write a post", chromedp.SendKeys(chromedp.ID("f-body"), learnerPost))
	j.submit(`main form[action="` + wall + `"] button[name=action][value=publish]`)
	j.page("wall-posted", wall)
	if !strings.Contains(j.text("main"), learnerPost) {
		j.t.Errorf("her post is not on the wall")
	}
	post := "#post-" + j.s.postID
	if !strings.Contains(j.text(post), colleaguePost) {
		j.t.Fatalf("the colleague's post is not on the wall")
	}
	j.do("write a comment", chromedp.SendKeys(chromedp.CSS(post+` form[action$="/comments"] textarea`), learnerComment))
	j.submit(post + ` form[action$="/comments"] button[type=submit]`)
	j.page("wall-commented", wall)
	if !strings.Contains(j.text(post), learnerComment) {
		j.t.Errorf("her comment is not under the colleague's post:\n%.600s", j.text(post))
	}
}

func (j *journey) selfAssessment() {
	l := j.s.lessonWith(j.t, course.RuleAssessmentSubmitted, journeyAssessment)
	path := "/courses/" + journeySlug + "/assessments/"
	j.toLesson(l)
	j.follow(`main a[href^="` + path + `"]`)
	j.page("self-assessment", path)
	// One rating for each item: the middle of its scale.
	groups := j.strings(`(() => {
	  const names = [...new Set(Array.from(document.querySelectorAll('main form input[type=radio]')).map(e => e.name))];
	  return names.map(n => {
	    const rs = Array.from(document.querySelectorAll('main form input[type=radio]')).filter(e => e.name === n);
	    return rs[Math.floor(rs.length / 2)].id;
	  });
	})()`)
	if len(groups) == 0 {
		j.t.Fatal("the self-assessment has no ratings to choose")
	}
	for _, id := range groups {
		j.do("choose a level", chromedp.Click(chromedp.CSS(`label[for="`+id+`"]`)))
	}
	j.submit(`main form button[type=submit][name=action][value=submit], main form button[type=submit][value=submit]`)
	j.page("self-assessment-submitted", path)
}

func (j *journey) safari() {
	l := j.s.lessonWith(j.t, course.RuleSafariSubmitted, "")
	path := "/courses/" + journeySlug + "/safaris/"
	j.toLesson(l)
	j.follow(`main a[href^="` + path + `"]`)
	j.page("safari", path)
}

func (j *journey) profile() {
	j.follow(`nav a[href="/profile"]`)
	j.page("profile", "/profile")
	if !strings.Contains(j.text("main"), "liisa.oppija@example.fi") {
		j.t.Errorf("the profile does not show her e-mail address")
	}
	// She asks for a copy of her data: it is being prepared, and the page says so.
	j.submit(`main form[action="/profile/exports"] button[type=submit]`)
	j.page("profile-export", "/profile")
	if main := j.text("main"); !strings.Contains(main, "Valmistellaan") {
		j.t.Errorf("after asking for her data, the profile does not say it is being prepared:\n%.1500s", main)
	}
}

func (j *journey) signOut() {
	// Back on my courses, her progress shows the two lessons she completed.
	j.follow(`nav a[href="/"]`)
	j.page("my-courses-progress", "/")
	total := 0
	for _, m := range j.s.co.Modules {
		total += len(m.Lessons)
	}
	if got, want := j.text("main"), fmt.Sprintf("2/%d", total); !strings.Contains(got, want) {
		j.t.Errorf("my courses does not show %s lessons completed:\n%.600s", want, got)
	}
	j.submit(`form[action="/sign-out"] button[type=submit]`)
	j.page("signed-out", "/sign-in")
	j.open("/")
	if p := j.path(); p != "/sign-in" {
		j.t.Errorf("after signing out, / is %s, want the sign-in page", p)
	}
}

// answer answers the attempt on the page from the quiz's answer key, finding each question by
// its prompt and each choice by its text, as she reads them.
func (j *journey) answer(q *course.Quiz) {
	j.t.Helper()
	var controls []quizControl
	j.eval("read the attempt's questions", `(() => {
	  const norm = s => (s || '').replace(/\s+/g, ' ').trim();
	  return Array.from(document.querySelectorAll('#attempt-form input, #attempt-form select')).filter(e => !['hidden', 'submit', 'button'].includes(e.type)).map(e => {
	    const lab = e.id ? document.querySelector('label[for="' + CSS.escape(e.id) + '"]') : null;
	    let block = e.closest('.quiz-question');
	    return {kind: e.tagName === 'SELECT' ? 'select' : e.type, id: e.id, name: e.name, value: e.value, label: norm(lab && lab.textContent),
	      block: norm(block && block.textContent),
	      options: e.tagName === 'SELECT' ? Array.from(e.options).map(o => ({value: o.value, text: norm(o.textContent)})) : []};
	  });
	})()`, &controls)
	for _, qd := range q.Questions {
		prompt := normalize(stripMarkdown(qd.Prompt.Get("fi")))
		key := prompt[:min(len(prompt), 60)]
		var mine []quizControl
		for _, c := range controls {
			if strings.Contains(c.Block, key) {
				mine = append(mine, c)
			}
		}
		if len(mine) == 0 {
			j.t.Errorf("question %s (%q) is not on the attempt page", qd.ID, key)
			continue
		}
		answered := 0
		switch qd.Type {
		case course.QuestionSingle, course.QuestionMultiple:
			for _, o := range qd.Options {
				if !o.Correct {
					continue
				}
				for _, c := range mine {
					if c.Label == normalize(stripMarkdown(o.Text.Get("fi"))) {
						j.do("choose "+c.Label, chromedp.Click(chromedp.CSS(`label[for="`+c.ID+`"]`)))
						answered++
					}
				}
			}
		case course.QuestionTrueFalse:
			want := fmt.Sprint(*qd.Answer)
			for _, c := range mine {
				if c.Value == want {
					j.do("choose "+c.Label, chromedp.Click(chromedp.CSS(`label[for="`+c.ID+`"]`)))
					answered++
				}
			}
		case course.QuestionShortText:
			for _, c := range mine {
				if c.Kind == "text" {
					j.do("type the answer", chromedp.SendKeys(chromedp.ID(c.ID), qd.Accepted["fi"][0]))
					answered++
				}
			}
		case course.QuestionMatching:
			for _, p := range qd.Pairs {
				for _, c := range mine {
					if c.Kind != "select" || c.Label != normalize(p.Left.Get("fi")) {
						continue
					}
					for _, o := range c.Options {
						if o.Text == normalize(p.Right.Get("fi")) {
							j.do("match "+c.Label, chromedp.SetValue(chromedp.ID(c.ID), o.Value))
							answered++
						}
					}
				}
			}
		}
		if answered == 0 {
			j.t.Errorf("question %s (%s): none of its controls matched the answer key: %+v", qd.ID, qd.Type, mine)
		}
	}
}

type quizControl struct {
	Kind, ID, Name, Value, Label, Block string
	Options                             []struct{ Value, Text string }
}

// --- moving about ---

// open goes to a path of Taito's, as typing it into the address bar does.
func (j *journey) open(path string) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(j.s.base+path))
	if err != nil {
		j.t.Fatalf("open %s: %v", path, err)
	}
	if resp.Status >= 400 {
		j.t.Fatalf("open %s: status %d\n%.800s", path, resp.Status, j.text("main"))
	}
}

// follow clicks a link and waits for the page it leads to.
func (j *journey) follow(sel string) {
	j.t.Helper()
	if got := j.navigateBy("follow the link "+sel, sel); got != 200 {
		j.t.Fatalf("follow the link %s: status %d", sel, got)
	}
}

// submit clicks a form's button and waits for the page the form leads to.
func (j *journey) submit(sel string) {
	j.t.Helper()
	if got := j.navigateBy("send the form with "+sel, sel); got != 200 {
		j.t.Fatalf("send the form with %s: status %d on %s\n%.1500s", sel, got, j.path(), j.text("main"))
	}
}

// submitExpecting sends a form that must come back with a status (422: the form again with its
// errors).
func (j *journey) submitExpecting(sel string, status int64) {
	j.t.Helper()
	if got := j.navigateBy("send the form with "+sel, sel); got != status {
		j.t.Fatalf("send the form with %s: status %d, want %d", sel, got, status)
	}
}

func (j *journey) navigateBy(what, sel string) int64 {
	j.t.Helper()
	if n := j.count(sel); n == 0 {
		j.t.Fatalf("%s: no such element on %s\n%.1500s", what, j.path(), j.text("main"))
	}
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		j.t.Fatalf("%s on %s: %v", what, j.path(), err)
	}
	if resp.Status >= 400 && resp.Status != 422 {
		j.t.Fatalf("%s: status %d on %s\n%.1500s", what, resp.Status, j.path(), j.text("main"))
	}
	return resp.Status
}

// toCourse goes to the course page, by the navigation when she is elsewhere in Taito.
func (j *journey) toCourse() {
	j.t.Helper()
	if j.path() != "/courses/"+journeySlug {
		j.open("/courses/" + journeySlug)
	}
}

// toLesson goes to a lesson from the course page, by its link.
func (j *journey) toLesson(l course.Lesson) {
	j.t.Helper()
	j.toCourse()
	j.follow(`main a[href="/courses/` + journeySlug + `/lessons/` + l.ID + `"]`)
	if want := "/courses/" + journeySlug + "/lessons/" + l.ID; j.path() != want {
		j.t.Fatalf("the lesson link led to %s, want %s", j.path(), want)
	}
}

// --- checks on every page ---

// page checks the page the browser is on: its path starts with want; it is in Finnish with
// one h1; scripts ran or did not as the journey asks; axe-core finds no WCAG 2.1 A or AA
// violation; and it is photographed 1280 and 375 pixels wide.
func (j *journey) page(name, want string) {
	j.t.Helper()
	j.pages++
	path := j.path()
	if !strings.HasPrefix(path, want) || (want == "/" && path != "/") {
		j.t.Fatalf("%s: the browser is on %s, want %s\n%.1500s", name, path, want, j.text("main"))
	}
	var facts struct {
		Lang    string `json:"lang"`
		H1      int    `json:"h1"`
		Scripts bool   `json:"scripts"`
		Title   string `json:"title"`
	}
	j.eval("read the page", `({lang: document.documentElement.lang, h1: document.querySelectorAll('h1').length,
	  scripts: typeof window.taito === 'object', title: document.title})`, &facts)
	if facts.Lang != "fi" || facts.H1 != 1 || !strings.HasSuffix(facts.Title, "Taito") {
		j.t.Errorf("%s: lang %q, %d h1, title %q; want fi, one h1, a title ending in Taito", name, facts.Lang, facts.H1, facts.Title)
	}
	if facts.Scripts != j.js {
		j.t.Errorf("%s: Taito's script ran: %v, want %v", name, facts.Scripts, j.js)
	}
	j.checkAxe(name)
	j.screenshot(name)
}

// checkAxe runs axe-core on the page and reports every violation.
func (j *journey) checkAxe(name string) {
	j.t.Helper()
	for _, v := range j.runAxe(name) {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprintf("%s\n      %s", strings.Join(n.Target, " "), strings.ReplaceAll(n.Summary, "\n", "\n      ")))
		}
		j.t.Errorf("%s (%s): axe %s [%s] %s\n    %s", name, j.path(), v.ID, v.Impact, v.Help, strings.Join(where, "\n    "))
	}
}

// runAxe runs axe-core on the page. Its source is evaluated through the DevTools protocol,
// which the page's Content-Security-Policy does not govern; without JavaScript the page's
// scripts are switched on for the check only (axe-core needs timers) and off again: the
// page's own scripts, which run only as the page loads, stay unrun.
func (j *journey) runAxe(name string) []axeViolation {
	j.t.Helper()
	if !j.js {
		if err := setScripts(j.ctx, true); err != nil {
			j.t.Fatal(err)
		}
		defer func() {
			if err := setScripts(j.ctx, false); err != nil {
				j.t.Fatal(err)
			}
		}()
	}
	ctx, cancel := context.WithTimeout(j.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](j.axe)); err != nil {
		j.t.Fatalf("%s: inject axe-core: %v", name, err)
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		j.t.Fatalf("%s: axe-core: %v", name, err)
	}
	return violations
}

// checksFindFaults checks the checks: on a page with an image without alt text, no language
// and a box wider than a phone, axe-core reports the first two and the reflow check the third,
// so that a journey without findings means something.
func (j *journey) checksFindFaults() {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	faulty := `data:text/html,<!DOCTYPE html><html><head><title>t</title></head><body><main><img src="x.png"><div id="wide" style="width:900px">x</div></main></body></html>`
	if err := chromedp.Do(ctx, chromedp.Navigate(faulty)); err != nil {
		j.t.Fatal(err)
	}
	var ids []string
	for _, v := range j.runAxe("a faulty page") {
		ids = append(ids, v.ID)
	}
	if !slices.Contains(ids, "image-alt") || !slices.Contains(ids, "html-has-lang") {
		j.t.Fatalf("axe-core did not find the faults of a faulty page: %v", ids)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 800)); err != nil {
		j.t.Fatal(err)
	}
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowing))
	if err != nil || !slices.Contains(wide, "div#wide") {
		j.t.Fatalf("the reflow check did not find the wide box at 375 px: %v %v", wide, err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		j.t.Fatal(err)
	}
}

// screenshot photographs the whole page 1280 and 375 CSS pixels wide, and checks that the page
// reflows without a horizontal scroll bar at 375 and at 320 pixels (WCAG 1.4.10).
func (j *journey) screenshot(name string) {
	j.t.Helper()
	for _, width := range []int64{1280, 375, 320} {
		ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
		var overflow []string
		png, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
			if _, err := chromedp.EmulateViewport(width, 800)(ctx, tg); err != nil {
				return nil, err
			}
			if _, err := chromedp.Sleep(100*time.Millisecond)(ctx, tg); err != nil {
				return nil, err
			}
			wide, err := chromedp.Evaluate[[]string](overflowing)(ctx, tg)
			if err != nil {
				return nil, err
			}
			overflow = wide
			if width == 320 {
				return nil, nil
			}
			return chromedp.FullScreenshot(100)(ctx, tg)
		})
		cancel()
		if err != nil {
			j.t.Fatalf("%s: screenshot %d px: %v", name, width, err)
		}
		if width < 1280 && len(overflow) > 0 {
			j.t.Errorf("%s (%s): wider than the screen at %d px (scrolls sideways): %v", name, j.path(), width, overflow)
		}
		if png == nil {
			continue
		}
		file := filepath.Join(j.shots, fmt.Sprintf("%02d-%s-%d.png", j.pages, name, width))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			j.t.Fatal(err)
		}
	}
	if err := chromedp.Do(j.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		j.t.Fatal(err)
	}
}

// overflowing names (up to five of) the elements that reach past the right edge of the
// viewport when the page scrolls sideways; none when it does not.
const overflowing = `(() => {
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= w) return [];
  return Array.from(document.querySelectorAll('body *')).filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > w + 1;
  }).slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : ''));
})()`

// --- reading the page ---

func (j *journey) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		j.t.Fatalf("%s on %s: %v", what, j.path(), err)
	}
}

// eval evaluates an expression through the DevTools protocol (not as the page's own script)
// and decodes its value into out.
func (j *journey) eval(what, expr string, out any) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 20*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](expr))
	if err == nil {
		err = json.Unmarshal(raw, out)
	}
	if err != nil {
		j.t.Fatalf("%s: %v", what, err)
	}
}

func (j *journey) strings(expr string) []string {
	j.t.Helper()
	var out []string
	j.eval("read the page", expr, &out)
	return out
}

// path is the path (and query) of the page the browser shows.
func (j *journey) path() string {
	j.t.Helper()
	loc, err := chromedp.Run(j.ctx, chromedp.Location())
	if err != nil {
		j.t.Fatal(err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		j.t.Fatal(err)
	}
	return u.Path
}

// count is the number of elements matching a CSS selector.
func (j *journey) count(sel string) int {
	j.t.Helper()
	var n int
	j.eval("count "+sel, `document.querySelectorAll(`+jsString(sel)+`).length`, &n)
	return n
}

// text is the text of the first element matching a CSS selector, spaces normalised ("" when
// there is none).
func (j *journey) text(sel string) string {
	j.t.Helper()
	var s string
	j.eval("read "+sel, `(() => { const e = document.querySelector(`+jsString(sel)+`); return e ? e.innerText : ''; })()`, &s)
	return normalize(s)
}

var markdownMarks = regexp.MustCompile("[*_`]+")

func stripMarkdown(s string) string { return markdownMarks.ReplaceAllString(s, "") }

func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// syncBuffer is a log that the server's goroutines write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
