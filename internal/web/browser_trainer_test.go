//go:build browser

package web_test

// The trainer's journey in Chromium: she signs in, uploads the shipped course as a package and
// publishes it, creates a group with weekly dates, enrols ten people from a CSV file, follows
// them on the group's dashboard once some have made progress (through the application layer),
// opens one learner and fills in the coach form, reminds those who have not started, and
// downloads the report. Every page is checked as the learner's journey checks hers (axe-core,
// one h1, reflow at 375 and 320 px, screenshots 1280 and 375 px wide); see browser_test.go.
//
// TAITO_DASHBOARD_SHOT, when set, names a file where the dashboard's screenshot (1280 px wide,
// the top of the page) is written: the README's docs/web-dashboard.png.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/testenv"
	"github.com/taito-lms/taito/internal/web"
)

// staffSite is Taito listening on a loopback port with no course yet, an admin, a trainer and
// four learners who have accounts (all with testPassword, in Finnish).
type staffSite struct {
	*site
	clock   *testenv.Clock // nil: the real time
	admin   auth.User
	trainer auth.User
	people  []auth.User // the learners with accounts
}

// staffPeople are the accounts of a staff site: e-mail, name, organisation unit.
var staffPeople = []struct{ email, name, org string }{
	{"sanna.sosiaali@example.fi", "Sanna Sosiaaliohjaaja", "Joensuu / aikuissosiaalityö"},
	{"mikko.tyo@example.fi", "Mikko Työvalmentaja", "Joensuu / työllisyyspalvelut"},
	{"anneli.etuus@example.fi", "Anneli Etuuskäsittelijä", "Lieksa / aikuissosiaalityö"},
	{"pekka.kollega@example.fi", "Pekka Kollega", "Lieksa / työllisyyspalvelut"},
}

// startStaffSite starts Taito for a trainer's or an admin's journey. With a clock, Taito's
// time is the clock's (set to the real time here).
func startStaffSite(t *testing.T, clock *testenv.Clock) *staffSite {
	t.Helper()
	ctx := context.Background()
	var now func() time.Time
	if clock != nil {
		clock.Set(time.Now())
		now = clock.Now
	}
	a, _ := testenv.App(t, now)
	s := &staffSite{site: &site{a: a, logs: &syncBuffer{}}, clock: clock}
	log := slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.base = "http://" + ln.Addr().String()
	api := httpapi.New(a, httpapi.Options{Log: log, Now: now})
	f := api.App()
	web.Mount(f, a, web.Options{Log: log, Now: now, PublicURL: s.base, Media: api.ServeMedia})
	go func() { _ = f.Listener(ln) }()
	t.Cleanup(func() {
		_ = f.ShutdownWithTimeout(5 * time.Second)
		if t.Failed() && s.logs.Len() > 0 {
			t.Logf("Taito's log:\n%s", s.logs.String())
		}
	})
	add := func(email, name, org string, role auth.Role) auth.User {
		u, _, err := a.AddUser(ctx, auth.NewUser{Email: email, Name: name, Roles: []auth.Role{role}, OrgUnit: org, Locale: "fi", Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	s.admin = add("aino.admin@example.fi", "Aino Ylläpitäjä", "Pohjois-Karjala / hallinto", auth.RoleAdmin)
	s.trainer = add("tuula.kouluttaja@example.fi", "Tuula Kouluttaja", "Joensuu / työllisyyspalvelut", auth.RoleTrainer)
	for _, p := range staffPeople {
		s.people = append(s.people, add(p.email, p.name, p.org, auth.RoleLearner))
	}
	return s
}

func principalOf(u auth.User) auth.Principal { return auth.Principal{UserID: u.ID, Roles: u.Roles} }

// signIn signs in on the sign-in page and checks where she lands.
func (j *journey) signIn(email string) {
	j.t.Helper()
	j.open("/sign-in")
	j.do("sign in", chromedp.SendKeys(chromedp.ID("f-email"), email), chromedp.SendKeys(chromedp.ID("f-password"), testPassword))
	j.submit(`main form[action="/sign-in"] button[type=submit]`)
	if p := j.path(); p == "/sign-in" {
		j.t.Fatalf("%s is still on the sign-in page:\n%.800s", email, j.text("main"))
	}
}

// coursePackage zips a course as a course package is laid out: courses/<slug>/… and the files
// under assets/ that its lessons use, as the repository holds them.
func coursePackage(t *testing.T, slug string) string {
	t.Helper()
	root := os.DirFS("../..")
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	add := func(name string) {
		data, err := fs.ReadFile(root, name)
		if err != nil {
			t.Fatal(err)
		}
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	assets := map[string]bool{}
	err := fs.WalkDir(root, "courses/"+slug, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		add(name)
		if !strings.HasSuffix(name, ".md") {
			return nil
		}
		text, err := fs.ReadFile(root, name)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(text), "\n") {
			// src: ../../../../assets/… and Markdown images ](../../../../assets/…)
			for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '(' || r == ')' || r == '"' || r == '\'' }) {
				if i := strings.Index(f, "assets/"); i >= 0 && strings.Contains(f, "../") {
					assets[path.Clean(path.Join(path.Dir(name), f))] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(assets) == 0 {
		t.Fatalf("courses/%s uses no assets: the package would test less than it should", slug)
	}
	for name := range assets {
		add(name)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), slug+".zip")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// fetch fetches a path of Taito's from the page, with the browser's cookies, and returns the
// status, the Content-Type and Content-Disposition and the body as text (a download the
// browser would save).
type fetched struct {
	Status      int    `json:"status"`
	Type        string `json:"type"`
	Disposition string `json:"disposition"`
	Body        string `json:"body"`
	Size        int    `json:"size"`
}

func (j *journey) fetch(path string) fetched {
	j.t.Helper()
	var out fetched
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`fetch(`+jsString(path)+`, {credentials: 'same-origin'}).then(async r => {
	  const buf = await r.arrayBuffer();
	  return {status: r.status, type: r.headers.get('Content-Type') || '', disposition: r.headers.get('Content-Disposition') || '',
	    body: new TextDecoder('utf-8', {ignoreBOM: true}).decode(buf), size: buf.byteLength};
	})`, chromedp.EvalAwaitPromise))
	if err == nil {
		err = json.Unmarshal(raw, &out)
	}
	if err != nil {
		j.t.Fatalf("fetch %s: %v", path, err)
	}
	return out
}

// fetchBytes fetches a binary download (a zip) with the browser's cookies, as base64 decoded.
func (j *journey) fetchBytes(path string) (int, []byte) {
	j.t.Helper()
	var out struct {
		Status int    `json:"status"`
		Data   []byte `json:"data"` // base64 in JSON
	}
	ctx, cancel := context.WithTimeout(j.ctx, 60*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](`fetch(`+jsString(path)+`, {credentials: 'same-origin'}).then(async r => {
	  const b = new Uint8Array(await r.arrayBuffer());
	  let s = '';
	  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192));
	  return {status: r.status, data: btoa(s)};
	})`, chromedp.EvalAwaitPromise))
	if err == nil {
		err = json.Unmarshal(raw, &out)
	}
	if err != nil {
		j.t.Fatalf("fetch %s: %v", path, err)
	}
	return out.Status, out.Data
}

// readCSV reads a report: UTF-8 with a BOM, ';' or ',' between cells.
func readCSV(t *testing.T, text string) [][]string {
	t.Helper()
	text = strings.TrimPrefix(text, "\ufeff")
	first, _, _ := strings.Cut(text, "\n")
	r := csv.NewReader(strings.NewReader(text))
	if strings.Count(first, ";") > strings.Count(first, ",") {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the report is not CSV: %v\n%.600s", err, text)
	}
	return rows
}

// shotTop writes the top of the page, width px wide and height px high, as a PNG compressed as
// far as Go's encoder goes (the README's screenshot).
func (j *journey) shotTop(file string, width, height int64) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	raw, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
		if _, err := chromedp.EmulateViewport(width, height)(ctx, tg); err != nil {
			return nil, err
		}
		if _, err := chromedp.Sleep(150*time.Millisecond)(ctx, tg); err != nil {
			return nil, err
		}
		return chromedp.CaptureScreenshot()(ctx, tg)
	})
	if err != nil {
		j.t.Fatalf("screenshot: %v", err)
	}
	img, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		j.t.Fatal(err)
	}
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, img); err != nil {
		j.t.Fatal(err)
	}
	if err := os.WriteFile(file, out.Bytes(), 0o644); err != nil {
		j.t.Fatal(err)
	}
	j.t.Logf("the dashboard's screenshot: %s (%d KB)", file, out.Len()/1024)
	if err := chromedp.Do(j.ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		j.t.Fatal(err)
	}
}

// The trainer's group and its people.
const (
	trainerGroup   = "Pohjois-Karjalan kevään ryhmä"
	reminderText   = "Hei! Kurssin ensimmäinen osio on auki. Aloita, kun ehdit – vie noin tunnin."
	coachNoteText  = "Keskusteltiin tunnistautumisesta: harjoitellaan yhdessä ensi viikolla."
	feedbackText   = "Kuvien tekstivastineet puuttuvat palvelusafarin ohjeesta."
	invitedTrainer = "kaisa.kouluttaja@example.fi"
)

// newcomers are the six people of the enrolment file who have no account yet: they are invited.
var newcomers = []struct{ email, name, org string }{
	{"helena.uusi@example.fi", "Helena Uusitalo", "Joensuu / aikuissosiaalityö"},
	{"jari.virta@example.fi", "Jari Virtanen", "Joensuu / työllisyyspalvelut"},
	{"leena.koski@example.fi", "Leena Koskinen", "Lieksa / aikuissosiaalityö"},
	{"olli.mets@example.fi", "Olli Metsäranta", "Lieksa / työllisyyspalvelut"},
	{"riikka.salo@example.fi", "Riikka Salo", "Outokumpu / aikuissosiaalityö"},
	{"timo.harju@example.fi", "Timo Harju", "Outokumpu / työllisyyspalvelut"},
}

// enrolmentFile is the CSV file a trainer saves from Excel: a header, ten people, ';'.
func enrolmentFile(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("\ufeffemail;name;org_unit\r\n")
	for _, p := range staffPeople {
		fmt.Fprintf(&b, "%s;%s;%s\r\n", p.email, p.name, p.org)
	}
	for _, p := range newcomers {
		fmt.Fprintf(&b, "%s;%s;%s\r\n", p.email, p.name, p.org)
	}
	file := filepath.Join(t.TempDir(), "osallistujat.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// TestBrowserTrainerJourney is the trainer's journey in Chromium, with JavaScript and without.
func TestBrowserTrainerJourney(t *testing.T) {
	tools := needBrowserTools(t)
	shots := os.Getenv("TAITO_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	t.Logf("screenshots in %s", shots)
	for _, mode := range staffModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := staffShots(t, shots, "trainer-"+mode.name)
			s := startStaffSite(t, nil)
			j := &journey{t: t, s: s.site, js: mode.js, axe: tools.axe, shots: dir, ctx: newChromium(t, tools.chromium, mode.js)}
			tj := &trainerJourney{journey: j, st: s, shot: mode.js && os.Getenv("TAITO_DASHBOARD_SHOT") != ""}
			tj.walk()
		})
	}
}

// staffModes are the two ways the staff journeys are taken: with JavaScript and without.
var staffModes = []struct {
	name string
	js   bool
}{{"javascript", true}, {"no-javascript", false}}

// staffShots makes (and empties of an earlier run's) the folder for a journey's screenshots.
func staffShots(t *testing.T, root, name string) string {
	t.Helper()
	dir := filepath.Join(root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9]-*-*.png"))
	for _, f := range old {
		_ = os.Remove(f)
	}
	return dir
}

// trainerJourney is one run of the trainer's journey.
type trainerJourney struct {
	*journey
	st    *staffSite
	shot  bool   // write the README's dashboard screenshot
	group string // the group's id, once created
}

// steps runs each step as a subtest. A step that finds faults and goes on to its end lets the
// journey go on; one that cannot finish stops it (each step needs what the ones before made).
func (j *journey) steps(steps []staffStep) {
	for _, st := range steps {
		outer := j.t
		finished := false
		outer.Run(st.name, func(t *testing.T) {
			j.t = t
			defer func() { j.t = outer }()
			st.do()
			finished = true
		})
		if !finished {
			outer.Errorf("the journey stopped at %q", st.name)
			return
		}
	}
}

type staffStep struct {
	name string
	do   func()
}

func (j *trainerJourney) walk() {
	j.checksFindFaults()
	j.steps([]staffStep{
		{"sign in as the trainer", func() { j.signIn(j.st.trainer.Email) }},
		{"upload and publish the course", j.uploadCourse},
		{"create a group with weekly dates", j.createGroup},
		{"enrol ten people from a CSV file", j.enrol},
		{"learners make progress", j.progress},
		{"follow the group on its dashboard", j.dashboard},
		{"fill in the coach form", j.coach},
		{"remind those who have not started", j.remind},
		{"download the report", j.report},
	})
}

// uploadCourse uploads the shipped course as a package, and publishes it.
func (j *trainerJourney) uploadCourse() {
	zipped := coursePackage(j.t, journeySlug)
	co, problems := course.Load(os.DirFS("../.."), "courses/"+journeySlug)
	if err := problems.Err(); err != nil {
		j.t.Fatal(err)
	}
	j.s.co = co
	j.open("/authoring")
	j.page("authoring", "/authoring")
	j.follow(`main a[href="/authoring/upload"]`)
	j.page("authoring-upload", "/authoring/upload")
	j.do("choose the package", chromedp.SetUploadFiles(chromedp.CSS(`main form[action="/authoring/upload"] input[type=file]`), []string{zipped}))
	j.submit(`main form[action="/authoring/upload"] button[type=submit]`)
	draft := "/authoring/" + journeySlug
	j.page("authoring-uploaded", draft)
	if !strings.Contains(j.text("main"), co.Modules[0].Lessons[0].Title.Get("fi")) {
		j.t.Errorf("the draft's outline does not list its first lesson:\n%.1500s", j.text("main"))
	}

	// Preview a lesson as a learner will see it.
	l := co.Modules[0].Lessons[1]
	j.follow(`main a[href="` + draft + `/draft/lessons/` + l.ID + `"]`)
	j.page("authoring-preview", draft+"/draft/lessons/"+l.ID)
	if got := j.text("h1"); !strings.Contains(got, l.Title.Get("fi")) {
		j.t.Errorf("the preview's heading is %q, want %q", got, l.Title.Get("fi"))
	}

	// Publish: the page asks first.
	j.open(draft)
	j.follow(`main a[href="` + draft + `/publish"]`)
	j.page("authoring-publish", draft+"/publish")
	j.do("confirm", chromedp.Click(chromedp.CSS(`main label[for="f-confirm"]`)))
	j.submit(`main form[action="` + draft + `/publish"] button[type=submit]`)
	j.page("authoring-published", draft)
	pub, err := j.s.a.Courses.Published(context.Background(), journeySlug)
	if err != nil {
		j.t.Fatalf("the course is not published: %v", err)
	}
	if pub.Version != 1 || len(pub.Course.Modules) != len(co.Modules) || pub.Course.Title.Get("fi") != co.Title.Get("fi") {
		j.t.Errorf("published: version %d with %d modules, %q", pub.Version, len(pub.Course.Modules), pub.Course.Title.Get("fi"))
	}

	// Download the draft as a package: the same course, with its assets.
	href := j.attr(`main a[href="`+draft+`/package.zip"]`, "href")
	if href == "" {
		j.t.Fatalf("no link to download the package")
	}
	status, data := j.fetchBytes(href)
	if status != 200 {
		j.t.Fatalf("download the package: status %d", status)
	}
	fsys, dir, err := course.OpenPackage(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		j.t.Fatalf("the downloaded package: %v", err)
	}
	again, problems := course.Load(fsys, dir)
	if err := problems.Err(); err != nil {
		j.t.Fatalf("the downloaded package does not load: %v", err)
	}
	if course.ContentHash(again) != course.ContentHash(co) {
		j.t.Errorf("the downloaded package is not the course uploaded")
	}
	if _, err := app.CheckCourse(again, fsys, nil); err != nil {
		j.t.Errorf("the downloaded package's assets: %v", err)
	}
}

// createGroup creates a group of the course whose first module opened eight days ago, a week
// for each module: the first is past its due date, the second open.
func (j *trainerJourney) createGroup() {
	j.follow(`nav a[href="/groups"]`)
	j.page("groups", "/groups")
	j.follow(`main a[href="/groups/new"]`)
	j.page("group-new", "/groups/new")
	j.do("name the group", chromedp.SendKeys(chromedp.ID("f-name"), trainerGroup))
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		j.t.Fatal(err)
	}
	first := time.Now().In(helsinki).AddDate(0, 0, -8)
	names := j.strings(`Array.from(document.querySelectorAll('main form input[type=date][name^="opens-"]')).map(e => e.name)`)
	if len(names) != len(j.s.co.Modules) {
		j.t.Fatalf("the form has %d opening dates, the course %d modules", len(names), len(j.s.co.Modules))
	}
	for i := range names {
		opens := first.AddDate(0, 0, 7*i)
		j.setValue(fmt.Sprintf("opens-%d", i), opens.Format(time.DateOnly))
		j.setValue(fmt.Sprintf("due-%d", i), opens.AddDate(0, 0, 7).Format(time.DateOnly))
	}
	j.submit(`main form[action="/groups/new"] button[type=submit]`)
	j.page("group-created", "/groups/")
	parts := strings.Split(strings.Trim(j.path(), "/"), "/")
	if len(parts) != 3 || parts[2] != "participants" {
		j.t.Fatalf("after creating the group the browser is on %s, want /groups/<id>/participants", j.path())
	}
	j.group = parts[1]
	g, err := j.s.a.Cohorts.Get(context.Background(), principalOf(j.st.trainer), j.group)
	if err != nil {
		j.t.Fatal(err)
	}
	if g.Name != trainerGroup || len(g.Schedule) != len(j.s.co.Modules) {
		j.t.Fatalf("the group made is %q with %d module dates", g.Name, len(g.Schedule))
	}
	for i, d := range g.Schedule {
		if d.Opens == nil || d.Due == nil || d.Opens.In(helsinki).Format(time.DateOnly) != first.AddDate(0, 0, 7*i).Format(time.DateOnly) {
			j.t.Errorf("module %d (%s) opens %v, due %v; want %s, a week apart", i+1, d.Module, d.Opens, d.Due, first.AddDate(0, 0, 7*i).Format(time.DateOnly))
		}
	}
}

// setValue sets a form control's value (a date input takes the ISO date whatever the
// browser's language shows).
func (j *journey) setValue(name, value string) {
	j.t.Helper()
	j.do("set "+name, chromedp.SetValue(chromedp.CSS(`main form [name="`+name+`"]`), value))
}

// enrol uploads the CSV file of ten people: the four with accounts are enrolled, the six new
// ones invited.
func (j *trainerJourney) enrol() {
	path := "/groups/" + j.group + "/participants"
	form := `main form[action="` + path + `"][enctype="multipart/form-data"]`
	j.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS(form+` input[type=file]`), []string{enrolmentFile(j.t)}))
	j.submit(form + ` button[type=submit]`)
	j.page("participants-added", path)
	if n := j.count(`main tr.result-enrolled`); n != len(staffPeople) {
		j.t.Errorf("%d rows enrolled, want %d:\n%.1500s", n, len(staffPeople), j.text("main"))
	}
	if n := j.count(`main tr.result-invited`); n != len(newcomers) {
		j.t.Errorf("%d rows invited, want %d:\n%.1500s", n, len(newcomers), j.text("main"))
	}
	members, err := j.s.a.Cohorts.Members(context.Background(), j.group)
	if err != nil {
		j.t.Fatal(err)
	}
	if len(members) != 10 {
		j.t.Fatalf("the group has %d members, want 10", len(members))
	}
	main := j.text("main")
	for _, p := range newcomers {
		if !strings.Contains(main, p.name) {
			j.t.Errorf("the participants list does not name %s", p.name)
		}
	}
}

// progress lets two learners make progress, through the application as their own pages would:
// Sanna reads a lesson of the first module and submits the start self-assessment of the
// second; Mikko reads a lesson. The others have not started.
func (j *trainerJourney) progress() {
	ctx := context.Background()
	read := j.s.co.Modules[0].Lessons[1] // completed by viewing it
	if read.Completion.Rule != course.RuleViewed {
		j.t.Fatalf("lesson %s completes by %s, want viewed", read.ID, read.Completion.Rule)
	}
	for _, u := range j.st.people[:2] {
		if _, _, err := j.s.a.Learning.LessonEvent(ctx, principalOf(u), journeySlug, read.ID, learning.Event{Type: learning.EventViewed}); err != nil {
			j.t.Fatalf("%s reads %s: %v", u.Name, read.ID, err)
		}
	}
	def, ok := j.s.co.AssessmentByID(journeyAssessment)
	if !ok {
		j.t.Fatalf("no assessment %s", journeyAssessment)
	}
	ratings := map[string]int{}
	for i, it := range def.Rated("fi") {
		ratings[it.ID] = 2 + i%4
	}
	if _, err := j.s.a.Assessments.Submit(ctx, principalOf(j.st.people[0]), journeySlug, journeyAssessment, ratings, nil); err != nil {
		j.t.Fatalf("submit the self-assessment: %v", err)
	}
}

// dashboard opens the group's dashboard: every learner by name, with her state in words.
func (j *trainerJourney) dashboard() {
	path := "/groups/" + j.group
	j.follow(`main nav a[href="` + path + `"]`)
	j.page("dashboard", path)
	if j.shot { // down to the second learner's row
		j.do("1280 wide", chromedp.EmulateViewport(1280, 900))
		var bottom float64
		j.eval("measure the table", `(() => {
		  const rows = Array.from(document.querySelectorAll('main tr')).filter(r => r.querySelector('a[href*="/learners/"]'));
		  const r = rows[Math.min(1, rows.length - 1)];
		  return r ? r.getBoundingClientRect().bottom + window.scrollY : 1000;
		})()`, &bottom)
		j.shotTop(os.Getenv("TAITO_DASHBOARD_SHOT"), 1280, int64(bottom)+1)
	}
	main := j.text("main")
	for _, p := range staffPeople {
		if !strings.Contains(main, p.name) {
			j.t.Errorf("the dashboard does not name %s", p.name)
		}
	}
	for _, p := range newcomers {
		if !strings.Contains(main, p.name) {
			j.t.Errorf("the dashboard does not name %s", p.name)
		}
	}
	for _, state := range []string{"Kesken", "Aloittamatta"} {
		if !strings.Contains(main, state) {
			j.t.Errorf("the dashboard does not say %q:\n%.2000s", state, main)
		}
	}
	row := j.text(`main tr:has(a[href="` + path + `/learners/` + j.st.people[0].ID + `"])`)
	if !strings.Contains(row, "Kesken") {
		j.t.Errorf("Sanna's row does not say she is in progress: %q", row)
	}
}

// coach opens Sanna's page and fills in the coach form of her start self-assessment.
func (j *trainerJourney) coach() {
	sanna := j.st.people[0]
	path := "/groups/" + j.group + "/learners/" + sanna.ID
	j.follow(`main a[href="` + path + `"]`)
	j.page("learner", path)
	if !strings.Contains(j.text("h1"), sanna.Name) && !strings.Contains(j.text("main"), sanna.Name) {
		j.t.Errorf("the learner's page does not name her")
	}
	form := `main form[action$="/coach"]`
	if j.count(form) == 0 {
		j.t.Fatalf("no coach form on her page:\n%.2000s", j.text("main"))
	}
	// One rating for each item: the highest of its scale.
	radios := j.strings(`(() => {
	  const rs = Array.from(document.querySelectorAll('main form[action$="/coach"] input[type=radio]'));
	  const names = [...new Set(rs.map(e => e.name))];
	  return names.map(n => { const g = rs.filter(e => e.name === n); return g[g.length - 1].id; });
	})()`)
	if len(radios) == 0 {
		j.t.Fatal("the coach form has no ratings to choose")
	}
	for _, id := range radios {
		j.do("choose a level", chromedp.Click(chromedp.CSS(`label[for="`+id+`"]`)))
	}
	notes := j.strings(`Array.from(document.querySelectorAll('main form[action$="/coach"] textarea')).map(e => e.id)`)
	if len(notes) > 0 {
		j.do("write a note", chromedp.SendKeys(chromedp.ID(notes[len(notes)-1]), coachNoteText))
	}
	j.submit(form + ` button[type=submit]`)
	j.page("learner-coached", path)
	list, err := j.s.a.Assessments.Mine(context.Background(), principalOf(sanna), journeySlug, "fi")
	if err != nil {
		j.t.Fatal(err)
	}
	coached := false
	for _, a := range list {
		if a.Assessment != journeyAssessment || a.CoachedAt == nil {
			continue
		}
		rated := 0
		for _, r := range a.Rows {
			if r.Coach != nil {
				rated++
			}
		}
		coached = rated == len(radios) && len(radios) == len(a.Rows)
		if len(notes) > 0 && !slices.Contains(slices.Collect(maps.Values(a.CoachNotes)), coachNoteText) {
			j.t.Errorf("the coach's note was not saved: %v", a.CoachNotes)
		}
	}
	if !coached {
		j.t.Errorf("the coach's ratings were not saved: %+v", list)
	}
}

// remind previews a reminder to those who have not started, and sends it.
func (j *trainerJourney) remind() {
	path := "/groups/" + j.group + "/reminders"
	j.follow(`main nav a[href="` + path + `"]`)
	j.page("reminders", path)
	j.do("choose who", chromedp.Click(chromedp.CSS(`main label[for="`+j.attr(`main input[name=audience][value=not_started]`, "id")+`"]`)))
	j.do("write the message", chromedp.SendKeys(chromedp.ID("f-message_fi"), reminderText))
	j.submit(`main form[action="` + path + `"] button[name=action][value=preview]`)
	j.page("reminders-preview", path)
	notStarted := 8 // everyone but Sanna and Mikko
	if n := j.count(`main article.reminder-preview`); n != notStarted {
		j.t.Errorf("the preview shows %d recipients, want %d", n, notStarted)
	}
	preview := j.text("main")
	for _, u := range j.st.people[:2] {
		if strings.Contains(preview, u.Name) {
			j.t.Errorf("the preview names %s, who has started", u.Name)
		}
	}
	if !strings.Contains(preview, reminderText) {
		j.t.Errorf("the preview does not show her message")
	}
	j.submit(`main form[action="` + path + `"] button[name=action][value=send]`)
	j.page("reminders-sent", path)
	jobs, _, err := j.s.a.Outbox.List(context.Background(), "", 500)
	if err != nil {
		j.t.Fatal(err)
	}
	to := map[string]bool{}
	for _, job := range jobs {
		if job.Email != nil && strings.Contains(job.Email.Text, reminderText) {
			to[job.Email.To] = true
		}
	}
	if len(to) != notStarted || to[j.st.people[0].Email] || to[j.st.people[1].Email] {
		j.t.Errorf("the reminder was queued to %v, want the %d who have not started", to, notStarted)
	}
}

// report opens the reports page and downloads the report: a row for each of the ten.
func (j *trainerJourney) report() {
	path := "/groups/" + j.group + "/reports"
	j.open(path)
	j.page("reports", path)
	link := j.attr(`main a[href*="/report.csv"]`, "href")
	if link == "" {
		j.t.Fatalf("no link to the report's CSV on the reports page")
	}
	got := j.fetch(link)
	if got.Status != 200 || !strings.HasPrefix(got.Type, "text/csv") || !strings.HasPrefix(got.Disposition, "attachment") {
		j.t.Fatalf("the report: status %d, %q, %q", got.Status, got.Type, got.Disposition)
	}
	if !strings.HasPrefix(got.Body, "\ufeff") {
		j.t.Errorf("the report has no byte-order mark (Excel would garble ä and ö)")
	}
	rows := readCSV(j.t, got.Body)
	if len(rows) != 11 {
		j.t.Fatalf("the report has %d rows, want a header and 10:\n%.1500s", len(rows), got.Body)
	}
	byName := map[string][]string{}
	for _, r := range rows[1:] {
		for _, cell := range r {
			byName[cell] = r
		}
	}
	for _, p := range append(staffPeople[:0:0], staffPeople...) {
		if byName[p.name] == nil {
			j.t.Errorf("the report has no row for %s", p.name)
		}
	}
	for _, p := range newcomers {
		if byName[p.name] == nil {
			j.t.Errorf("the report has no row for %s", p.name)
		}
	}
	// The report's state column says, in the trainer's language, who has started.
	state := slices.IndexFunc(rows[0], func(h string) bool { return strings.EqualFold(h, "tila") })
	if state < 0 {
		j.t.Fatalf("the report has no column Tila: %q", rows[0])
	}
	for _, want := range []struct {
		who   auth.User
		state string
	}{{j.st.people[0], "kesken"}, {j.st.people[1], "kesken"}, {j.st.people[3], "ei aloitettu"}} {
		if r := byName[want.who.Name]; len(r) <= state || !strings.EqualFold(r[state], want.state) {
			j.t.Errorf("%s's row does not say %q in %q: %q", want.who.Name, want.state, rows[0][state], r)
		}
	}
}

// attr is an attribute of the first element matching a CSS selector ("" when none).
func (j *journey) attr(sel, name string) string {
	j.t.Helper()
	var s string
	j.eval("read "+sel, `(() => { const e = document.querySelector(`+jsString(sel)+`); return e ? (e.getAttribute(`+jsString(name)+`) || '') : ''; })()`, &s)
	return s
}
