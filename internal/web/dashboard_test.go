package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/testenv"
	"github.com/taito-lms/taito/internal/web"
)

// groupOf is the id of the trainer's group of withActivities.
func groupOf(t testing.TB, e *env) string {
	t.Helper()
	cs, err := e.a.Cohorts.List(context.Background(), e.principal("trainer"))
	if err != nil || len(cs) != 1 {
		t.Fatalf("the trainer's groups: %v %v", cs, err)
	}
	return cs[0].ID
}

// progress gives who some time on the course's first lesson: she is in progress.
func progress(t testing.TB, e *env, who auth.Principal) {
	t.Helper()
	ctx := context.Background()
	pub, err := e.a.Courses.Published(ctx, shipped)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.a.Learning.LessonEvent(ctx, who, shipped, pub.Course.Modules[0].Lessons[0].ID, learning.Event{Type: learning.EventProgressed, Seconds: 60}); err != nil {
		t.Fatal(err)
	}
}

// otherTrainer signs in a trainer who runs no group of the test.
func otherTrainer(t *testing.T, e *env) *browser {
	t.Helper()
	if _, _, err := e.a.AddUser(context.Background(), auth.NewUser{Email: "trainer2@example.fi", Name: "Toinen Kouluttaja", Roles: []auth.Role{auth.RoleTrainer},
		Password: testPassword, Locale: "fi"}); err != nil {
		t.Fatal(err)
	}
	return e.signedIn(t, "trainer2")
}

// learnerNames are the names in the learners' table, in order.
func learnerNames(r response) []string {
	var out []string
	for _, table := range find(r.doc, byTag("table")) {
		if attr(table, "class") != "learners" {
			continue
		}
		for _, th := range find(table, byTag("th")) {
			if attr(th, "scope") == "row" {
				for _, a := range find(th, byTag("a")) {
					out = append(out, text(a))
				}
			}
		}
	}
	return out
}

func sortedColumn(r response) (string, string) {
	for _, th := range find(r.doc, byTag("th")) {
		if s := attr(th, "aria-sort"); s != "" {
			return strings.Join(strings.Fields(text(th)), " "), s
		}
	}
	return "", ""
}

func TestGroupDashboard(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	id := groupOf(t, e)
	path := "/groups/" + id

	r := e.browser(t).get(path)
	if r.status != http.StatusSeeOther || r.location != "/sign-in?next="+url.QueryEscape(path) {
		t.Fatalf("no session: %d %q", r.status, r.location)
	}
	anna := e.signedIn(t, "learner")
	r = anna.get(path)
	actStatus(t, "a learner", r, http.StatusForbidden)
	mustBeWellFormed(t, "a learner", r)

	progress(t, e, e.principal("learner"))
	tina := e.signedIn(t, "trainer")
	r = tina.get(path)
	actStatus(t, "the dashboard", r, 200)
	mustBeWellFormed(t, "the dashboard", r)
	actSay(t, "the dashboard", r, "Kevät 2026", "Learner Testinen", "Learner2 Testinen", "Kesken", "Aloittamatta", "Organisaatioyksikkö",
		"Joensuu / aikuissosiaalityö", "Lataa (CSV)")
	if got := strings.Join(learnerNames(r), "|"); got != "Learner Testinen|Learner2 Testinen" {
		t.Errorf("learners: %s", got)
	}
	if len(find(r.doc, byTag("progress"))) != 2 {
		t.Errorf("no progress bar per learner")
	}
	if len(find(r.doc, byTag("caption"))) < 2 {
		t.Errorf("the tables have no captions")
	}
	if col, s := sortedColumn(r); !strings.HasPrefix(col, "Nimi") || s != "ascending" {
		t.Errorf("sorted by %q %q, want the name ascending", col, s)
	}

	// Filters: her state, the other's organisation unit.
	r = tina.get(path + "?state=in_progress")
	mustBeWellFormed(t, "filtered by state", r)
	if got := strings.Join(learnerNames(r), "|"); got != "Learner Testinen" {
		t.Errorf("in progress: %s", got)
	}
	r = tina.get(path + "?org_unit=" + url.QueryEscape("Lieksa / aikuissosiaalityö"))
	if got := strings.Join(learnerNames(r), "|"); got != "Learner2 Testinen" {
		t.Errorf("Lieksa: %s", got)
	}
	// The unit filter still offers every unit of the group.
	if n := len(find(r.doc, byTag("option"))); n < 2+5 {
		t.Errorf("%d options with a filter on", n)
	}

	// Sorting by any column, both ways, with aria-sort on the sorted heading.
	r = tina.get(path + "?sort=-name")
	if got := strings.Join(learnerNames(r), "|"); got != "Learner2 Testinen|Learner Testinen" {
		t.Errorf("by name descending: %s", got)
	}
	if col, s := sortedColumn(r); !strings.HasPrefix(col, "Nimi") || s != "descending" {
		t.Errorf("sorted by %q %q", col, s)
	}
	r = tina.get(path + "?sort=-last_activity")
	if got := strings.Join(learnerNames(r), "|"); got != "Learner Testinen|Learner2 Testinen" {
		t.Errorf("by last activity descending: %s", got)
	}
	r = tina.get(path + "?sort=state")
	mustBeWellFormed(t, "by state", r)
	if got := strings.Join(learnerNames(r), "|"); got != "Learner2 Testinen|Learner Testinen" {
		t.Errorf("by state: %s", got)
	}
	if col, s := sortedColumn(r); !strings.HasPrefix(col, "Tila") || s != "ascending" {
		t.Errorf("sorted by %q %q", col, s)
	}

	// Another trainer's group does not exist to her.
	other := otherTrainer(t, e)
	r = other.get(path)
	actStatus(t, "another trainer", r, http.StatusNotFound)
	mustBeWellFormed(t, "another trainer", r)
}

func TestGroupDashboardRisk(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	id := groupOf(t, e)
	progress(t, e, e.principal("learner"))
	e.clock.Advance(15 * 24 * time.Hour)
	r := e.signedIn(t, "trainer").get("/groups/" + id + "?state=at_risk")
	actStatus(t, "at risk", r, 200)
	mustBeWellFormed(t, "at risk", r)
	actSay(t, "at risk", r, "Tarvitsee tukea: ei aktiivisuutta 15 päivään")
}

func TestGroupDashboardPaging(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	id := groupOf(t, e)
	var emails []string
	for i := range 60 {
		emails = append(emails, fmt.Sprintf("osallistuja%02d@example.fi", i))
	}
	if _, err := e.a.Cohorts.AddMembers(context.Background(), e.principal("trainer"), id, emails, nil, nil); err != nil {
		t.Fatal(err)
	}
	tina := e.signedIn(t, "trainer")
	r := tina.get("/groups/" + id)
	mustBeWellFormed(t, "page 1", r)
	if n := len(learnerNames(r)); n != 50 {
		t.Errorf("page 1 lists %d", n)
	}
	actSay(t, "page 1", r, "Näytetään 1–50 / 62 osallistujaa", "Sivu 1 / 2", "Seuraava")
	r = tina.get("/groups/" + id + "?page=2&sort=-name")
	mustBeWellFormed(t, "page 2", r)
	if n := len(learnerNames(r)); n != 12 {
		t.Errorf("page 2 lists %d", n)
	}
	actSay(t, "page 2", r, "Sivu 2 / 2", "Edellinen")
	for _, a := range find(r.doc, byTag("a")) {
		if attr(a, "rel") == "prev" && !strings.Contains(attr(a, "href"), "sort=-name") {
			t.Errorf("the pager forgets the order: %s", attr(a, "href"))
		}
	}
	r = tina.get("/groups/" + id + "?page=99")
	actStatus(t, "past the end", r, 200)
	actSay(t, "past the end", r, "Sivu 2 / 2")
}

func TestGroupEngagementByWeek(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	id := groupOf(t, e)
	ctx := context.Background()
	anna, bea := e.principal("learner"), e.principal("learner2")
	const task = "viikkotehtava-1"
	e.clock.Set(time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)) // week 6
	post, err := e.a.Walls.CreatePost(ctx, anna, id, task, "Ensimmäinen ajatus.", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Walls.Comment(ctx, bea, id, task, post.ID, "Hyvä huomio."); err != nil {
		t.Fatal(err)
	}
	if err := e.a.Walls.React(ctx, bea, id, task, post.ID, "heart", true); err != nil {
		t.Fatal(err)
	}
	if err := e.a.Walls.React(ctx, anna, id, task, post.ID, "clap", true); err != nil {
		t.Fatal(err)
	}
	if err := e.a.Walls.React(ctx, anna, id, task, post.ID, "clap", false); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(time.Date(2026, 2, 8, 22, 30, 0, 0, time.UTC)) // Monday 00.30 in Helsinki: week 7
	if _, err := e.a.Walls.CreatePost(ctx, bea, id, task, "Toisen viikon ajatus.", false); err != nil {
		t.Fatal(err)
	}
	weeks, err := e.a.GroupEngagement(ctx, e.principal("trainer"), id)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, w := range weeks {
		got += fmt.Sprintf("%s %s p%d c%d r%d;", w.Week, w.Monday.In(time.UTC).Format("2006-01-02"), w.Posts, w.Comments, w.Reactions)
	}
	if want := "2026-W06 2026-02-01 p1 c1 r1;2026-W07 2026-02-08 p1 c0 r0;"; got != want {
		t.Errorf("weeks: %s, want %s", got, want)
	}
	if _, err := e.a.GroupEngagement(ctx, e.principal("learner"), id); err == nil {
		t.Errorf("a learner reads the group's engagement")
	}
	r := e.signedIn(t, "trainer").get("/groups/" + id)
	mustBeWellFormed(t, "with engagement", r)
	actSay(t, "with engagement", r, "Osallistuminen keskusteluseinillä", "2026-W06", "2026-W07")
}

func TestGroupLearnerCoach(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	id := groupOf(t, e)
	ctx := context.Background()
	anna := e.principal("learner")
	form, err := e.a.Assessments.Form(ctx, anna, course.ActivityID(shipped, "alkuarvio"), "fi")
	if err != nil {
		t.Fatal(err)
	}
	ratings := map[string]int{}
	for _, it := range form.Items {
		ratings[it.ID] = 3
	}
	if _, err := e.a.Assessments.Submit(ctx, anna, shipped, "alkuarvio", ratings, map[string]string{"general": "Haluan oppia lisää."}); err != nil {
		t.Fatal(err)
	}
	path := "/groups/" + id + "/learners/" + e.users["learner"].ID

	r := e.browser(t).get(path)
	if r.status != http.StatusSeeOther {
		t.Fatalf("no session: %d", r.status)
	}
	r = e.signedIn(t, "learner2").get(path)
	actStatus(t, "a learner", r, http.StatusForbidden)
	r = otherTrainer(t, e).get(path)
	actStatus(t, "another trainer", r, http.StatusNotFound)
	mustBeWellFormed(t, "another trainer", r)

	tina := e.signedIn(t, "trainer")
	r = tina.get("/groups/" + id + "/learners/" + e.users["admin"].ID)
	actStatus(t, "someone not in the group", r, http.StatusNotFound)

	progress(t, e, anna)
	r = tina.get(path)
	actStatus(t, "her page", r, 200)
	mustBeWellFormed(t, "her page", r)
	actSay(t, "her page", r, "Learner Testinen", "Oppitunnit", "Kesken", "Kouluttajan arvio", "Osallistujan oma arvio: 3", "Haluan oppia lisää.")
	n := 0
	for _, f := range find(r.doc, byTag("fieldset")) {
		if strings.Contains(attr(f, "class"), "rating") {
			n++
		}
	}
	if n != len(form.Items) {
		t.Errorf("%d radio groups, want %d", n, len(form.Items))
	}
	var action string
	for _, f := range find(r.doc, byTag("form")) {
		if strings.HasSuffix(attr(f, "action"), "/coach") {
			action = attr(f, "action")
		}
	}
	if action == "" {
		t.Fatal("no coach form")
	}
	coach := url.Values{}
	for _, it := range form.Items {
		coach.Set("rating-"+it.ID, "5")
	}
	coach.Set("note-general", "Hyvä pohja.")

	r = tina.postRaw(action, coach)
	actStatus(t, "no CSRF token", r, http.StatusForbidden)

	bad := url.Values{}
	for k, v := range coach {
		bad[k] = v
	}
	first, second := "rating-"+form.Items[0].ID, "rating-"+form.Items[1].ID
	bad.Set(first, "9")
	bad.Set(second, "6")
	tina.get(path)
	r = tina.post(action, bad)
	actStatus(t, "off the scale", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "off the scale", r)
	actSay(t, "off the scale", r, "Tarkista seuraavat kohdat")
	if checkedRadio(r, second) != "6" || !sameText(textareaValue(r, "f-note-general"), "Hyvä pohja.") {
		t.Errorf("the values she typed are lost")
	}
	if len(find(r.doc, byID("f-"+first+"-error"))) != 1 {
		t.Errorf("no message beside the item")
	}

	r = tina.post(action, coach)
	if r.status != http.StatusSeeOther {
		t.Fatalf("coach: %d\n%.2000s", r.status, r.body)
	}
	r = tina.get(r.location)
	mustBeWellFormed(t, "coached", r)
	actSay(t, "coached", r, "Arviosi on tallennettu.", "kouluttaja arvioi 2 tasoa korkeammalle")
	if checkedRadio(r, first) != "5" {
		t.Errorf("the saved rating is not on the form")
	}

	// She sees the trainer's rating beside hers.
	r = e.signedIn(t, "learner").get("/courses/digiohjaus/assessments/alkuarvio")
	mustBeWellFormed(t, "her assessment", r)
	actSay(t, "her assessment", r, "Kouluttajan arvio", "Hyvä pohja.")
}

func TestGroupModeration(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	id := groupOf(t, e)
	ctx := context.Background()
	const task = "viikkotehtava-2" // anonymous posts allowed
	post, err := e.a.Walls.CreatePost(ctx, e.principal("learner"), id, task, "Salainen ajatus jota ei allekirjoiteta.", true)
	if err != nil {
		t.Fatal(err)
	}
	path := "/groups/" + id + "/walls/" + task
	r := e.signedIn(t, "learner2").get(path)
	actStatus(t, "a learner", r, http.StatusForbidden)
	r = otherTrainer(t, e).get(path)
	actStatus(t, "another trainer", r, http.StatusNotFound)

	bea := e.signedIn(t, "learner2")
	r = bea.get("/courses/digiohjaus/walls/" + task)
	actSay(t, "her peer's wall", r, "Salainen ajatus", "Nimetön")
	actNotSay(t, "her peer's wall", r, "Learner Testinen")

	tina := e.signedIn(t, "trainer")
	r = tina.get(path)
	actStatus(t, "moderation", r, 200)
	mustBeWellFormed(t, "moderation", r)
	actSay(t, "moderation", r, "Salainen ajatus", "Learner Testinen", "Julkaistu nimettömänä", "Piilota julkaisu", "Nosta esiin")

	hide := path + "/posts/" + post.ID + "/hide"
	r = tina.postRaw(hide, url.Values{"hidden": {"true"}})
	actStatus(t, "no CSRF token", r, http.StatusForbidden)
	r = bea.post(hide, url.Values{"hidden": {"true"}})
	actStatus(t, "a learner hides", r, http.StatusForbidden)
	r = tina.post(hide, url.Values{"hidden": {"true"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("hide: %d\n%.2000s", r.status, r.body)
	}
	r = tina.get(path)
	actSay(t, "hidden", r, "Piilotettu", "Näytä julkaisu")
	r = bea.get("/courses/digiohjaus/walls/" + task)
	actNotSay(t, "hidden from her", r, "Salainen ajatus")

	r = tina.post(path+"/posts/"+post.ID+"/feature", url.Values{"featured": {"true"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("feature: %d", r.status)
	}
	r = tina.get(path)
	actSay(t, "featured", r, "Nostettu", "Poista nosto")
}

func TestGroupReports(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	id := groupOf(t, e)
	progress(t, e, e.principal("learner"))
	if r := e.signedIn(t, "learner").get("/groups/" + id + "/report.csv"); r.status != http.StatusForbidden {
		t.Errorf("a learner downloads the report: %d", r.status)
	}
	tina := e.signedIn(t, "trainer")
	r := tina.get("/groups/" + id + "/report.csv")
	actStatus(t, "report.csv", r, 200)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="digiohjaus-kevat-2026-2026-02-02.csv"`) {
		t.Errorf("disposition %q", cd)
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(r.body, "\ufeff")), "\n")
	if !strings.HasPrefix(r.body, "\ufeff") || len(lines) != 3 {
		t.Fatalf("report:\n%s", r.body)
	}
	if !strings.HasPrefix(lines[0], "Nimi;") || !strings.HasPrefix(lines[1], "Learner Testinen;learner@example.fi;Joensuu / aikuissosiaalityö;kesken;") ||
		!strings.HasPrefix(lines[2], "Learner2 Testinen;") {
		t.Errorf("report rows:\n%s", r.body)
	}
	// The same file as the API's report.csv.
	if api := apiReport(t, e, id); api != r.body {
		t.Errorf("the API's report differs:\n%s\nthe page's:\n%s", api, r.body)
	}
	if r := otherTrainer(t, e).get("/groups/" + id + "/report.csv"); r.status != http.StatusNotFound {
		t.Errorf("another trainer's report: %d", r.status)
	}

	r = tina.get("/groups/" + id + "/reports")
	actStatus(t, "reports", r, 200)
	mustBeWellFormed(t, "reports", r)
	actSay(t, "reports", r, "Suoritukset organisaatioyksiköittäin", "Joensuu / aikuissosiaalityö", "Lieksa / aikuissosiaalityö", "Palvelusafarit",
		"Tietovisojen kysymykset", "Lataa (CSV)")
	var safariCSV string
	for _, a := range find(r.doc, byTag("a")) {
		if strings.HasSuffix(attr(a, "href"), "/summary.csv") {
			safariCSV = attr(a, "href")
		}
	}
	if safariCSV == "" {
		t.Fatal("no safari CSV link")
	}
	r = tina.get(safariCSV)
	actStatus(t, "safari csv", r, 200)
	if !strings.HasPrefix(r.body, "\ufeffstep;type;") {
		t.Errorf("safari csv: %q", r.body)
	}
}

// BenchmarkDashboardPage loads a page of the dashboard of a group of 2,000 learners, half of
// them in progress, in ten organisation units: sorted by the application (by progress) and by
// the web layer (by state), and filtered (a second pass for the units of the filter).
func BenchmarkDashboardPage(b *testing.B) {
	clk := testenv.NewClock(time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC))
	a, _ := testenv.App(b, clk.Now)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := httpapi.New(a, httpapi.Options{Log: log, Now: clk.Now})
	f := api.App()
	web.Mount(f, a, web.Options{Log: log, Now: clk.Now, PublicURL: testenv.Issuer, Media: api.ServeMedia})
	e := &env{a: a, fiber: f, clock: clk, users: map[string]auth.User{}}
	ctx := context.Background()
	trainer, _, err := a.AddUser(ctx, auth.NewUser{Email: "trainer@example.fi", Name: "Trainer", Roles: []auth.Role{auth.RoleTrainer}, Password: testPassword, Locale: "fi"})
	if err != nil {
		b.Fatal(err)
	}
	e.users["trainer"] = trainer
	publishShipped(b, e)
	c, err := a.Cohorts.Create(ctx, e.principal("trainer"), cohortNamed(shipped, "Iso ryhmä"))
	if err != nil {
		b.Fatal(err)
	}
	emails, units := []string{}, map[string]string{}
	for i := range 2000 {
		m := fmt.Sprintf("oppija%04d@example.fi", i)
		emails = append(emails, m)
		units[m] = fmt.Sprintf("Yksikkö %d", i%10)
	}
	res, err := a.Cohorts.AddMembers(ctx, e.principal("trainer"), c.ID, emails, nil, units)
	if err != nil {
		b.Fatal(err)
	}
	pub, _ := a.Courses.Published(ctx, shipped)
	for i, r := range res {
		if i%2 == 0 && r.UserID != "" {
			if _, _, err := a.Learning.LessonEvent(ctx, auth.Principal{UserID: r.UserID, Roles: []auth.Role{auth.RoleLearner}}, shipped, pub.Course.Modules[0].Lessons[0].ID,
				learning.Event{Type: learning.EventProgressed, Seconds: 60}); err != nil {
				b.Fatal(err)
			}
		}
	}
	cookies := benchSignIn(b, f, "trainer@example.fi")
	// The application's dashboard alone, what every page of it reads once.
	b.Run("app.Cohorts.Dashboard", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Cohorts.Dashboard(ctx, e.principal("trainer"), c.ID, cohortQuery("-percent")); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The first page reads every learner; the links of its other pages, sorts and filters carry
	// its snapshot and reuse that data.
	snap, err := a.Cohorts.Dashboard(ctx, e.principal("trainer"), c.ID, cohortQuery("name"))
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range []string{"?sort=-percent&page=3", "?sort=state&page=20", "?org_unit=" + url.QueryEscape("Yksikkö 3") + "&page=2",
		"?sort=-percent&page=3&snap=" + snap.Snapshot, "?sort=state&page=20&snap=" + snap.Snapshot} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/groups/"+c.ID+q, nil)
				for k, v := range cookies {
					req.AddCookie(&http.Cookie{Name: k, Value: v})
				}
				res, err := f.Test(req, 60_000)
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("%v %v", res.StatusCode, err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
}

// benchSignIn signs in with the sign-in form and returns the browser's cookies.
func benchSignIn(b *testing.B, f interface {
	Test(*http.Request, ...int) (*http.Response, error)
}, email string) map[string]string {
	cookies := map[string]string{}
	do := func(req *http.Request) *http.Response {
		for k, v := range cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		res, err := f.Test(req, 30_000)
		if err != nil {
			b.Fatal(err)
		}
		for _, c := range res.Cookies() {
			cookies[c.Name] = c.Value
		}
		return res
	}
	res := do(httptest.NewRequest(http.MethodGet, "/sign-in", nil))
	doc, err := html.Parse(res.Body)
	res.Body.Close()
	if err != nil {
		b.Fatal(err)
	}
	form := url.Values{"email": {email}, "password": {testPassword}, "csrf": {csrfOf(doc)}}
	req := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", testenv.Issuer)
	if res := do(req); res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: %d", res.StatusCode)
	}
	return cookies
}

// apiReport is the group's report.csv from the API, as the trainer, in Finnish with semicolons.
func apiReport(t *testing.T, e *env, id string) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", strings.NewReader(`{"email":"trainer@example.fi","password":"`+testPassword+`"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := e.fiber.Test(req, 30_000)
	if err != nil {
		t.Fatal(err)
	}
	var tk struct {
		Access string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tk); err != nil || tk.Access == "" {
		t.Fatalf("API login: %d %v", res.StatusCode, err)
	}
	res.Body.Close()
	req = httptest.NewRequest(http.MethodGet, "/api/v1/cohorts/"+id+"/report.csv?delimiter=semicolon&locale=fi", nil)
	req.Header.Set("Authorization", "Bearer "+tk.Access)
	res, err = e.fiber.Test(req, 30_000)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("API report: %v %v", res.StatusCode, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// publishShipped publishes the shipped course as withActivities does.
func publishShipped(tb testing.TB, e *env) {
	tb.Helper()
	fsys := os.DirFS("../..")
	co, problems := course.Load(fsys, "courses/"+shipped)
	if err := problems.Err(); err != nil {
		tb.Fatal(err)
	}
	for i := range co.Modules {
		co.Modules[i].Prerequisites = nil
	}
	if _, err := e.a.ImportCourse(context.Background(), co, fsys, course.ImportOptions{Publish: true}); err != nil {
		tb.Fatal(err)
	}
}

func cohortQuery(sort string) cohort.DashboardQuery { return cohort.DashboardQuery{Sort: sort} }

func cohortNamed(slug, name string) cohort.NewCohort {
	return cohort.NewCohort{Course: slug, Name: name}
}
