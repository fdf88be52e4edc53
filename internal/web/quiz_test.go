package web_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/testenv"
)

// The fixture's quiz (courses/kokeilu, alkuvisa): five questions, one of every kind (single,
// multiple, true/false, matching, short text), pass mark 75 %, three attempts, 30 minutes.
const quizPath = "/quizzes/kokeilu:alkuvisa"

// quizEnv is an env with the fixture course published, its locks taken off so that the quiz
// lesson is open at once (the locks are the learning package's to test).
func quizEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	co, fsys := testenv.Fixture(t)
	for i := range co.Modules {
		co.Modules[i].Prerequisites, co.Modules[i].Sequential = nil, false
	}
	if _, err := e.a.ImportCourse(context.Background(), co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	return e
}

// quizKey is the fixture quiz's answers as its Finnish texts: the right ones and wrong ones.
var quizKey = map[bool]map[string][]string{
	true: {"q-q1": {"Palvelu"}, "q-q2": {"Kela", "OmaKanta"}, "q-q3": {"Tosi"}, "q-q5": {"Vahva tunnistautuminen"},
		"Kela": {"etuudet"}, "Kanta": {"terveystiedot"}},
	false: {"q-q1": {"Peli"}, "q-q2": {"Leipä"}, "q-q3": {"Epätosi"}, "q-q5": {"en tiedä"},
		"Kela": {"terveystiedot"}, "Kanta": {"etuudet"}},
}

// quizForm fills the attempt's form from the page alone: the options' values are read from
// the inputs whose labels carry the wanted texts; only is the fields to answer (all when nil).
func quizForm(t *testing.T, doc *html.Node, right bool, only ...string) url.Values {
	t.Helper()
	key := quizKey[right]
	labels := map[string]string{}
	for _, l := range find(doc, byTag("label")) {
		labels[attr(l, "for")] = text(l)
	}
	want := func(name string) bool { return len(only) == 0 || slices.Contains(only, name) }
	out := url.Values{}
	for _, in := range find(doc, byTag("input")) {
		name := attr(in, "name")
		if !strings.HasPrefix(name, "q-") || !want(name) {
			continue
		}
		switch attr(in, "type") {
		case "radio", "checkbox":
			if slices.Contains(key[name], labels[attr(in, "id")]) {
				out.Add(name, attr(in, "value"))
			}
		case "text":
			out.Set(name, key[name][0])
		}
	}
	for _, sel := range find(doc, byTag("select")) {
		name := attr(sel, "name")
		if !want(name) {
			continue
		}
		pair := key[labels[attr(sel, "id")]]
		for _, o := range find(sel, byTag("option")) {
			if len(pair) == 1 && text(o) == pair[0] {
				out.Add(name, attr(o, "value"))
			}
		}
	}
	if len(only) == 0 && len(out) != 5 {
		t.Fatalf("the form has answers for %d questions, want 5: %v", len(out), out)
	}
	return out
}

func quizStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, want, r.body)
	}
}

func quizSays(t *testing.T, what string, r response, words ...string) {
	t.Helper()
	page := text(r.doc)
	for _, w := range words {
		if !strings.Contains(page, w) {
			t.Errorf("%s does not say %q:\n%s", what, w, page)
		}
	}
}

// quizStart starts (or resumes) an attempt from the quiz page and returns its path.
func quizStart(t *testing.T, b *browser) string {
	t.Helper()
	b.get(quizPath)
	r := b.post(quizPath+"/attempts", nil)
	quizStatus(t, "start", r, http.StatusSeeOther)
	if !strings.HasPrefix(r.location, "/attempts/") {
		t.Fatalf("start goes to %q", r.location)
	}
	return r.location
}

func TestQuizPassedThroughTheFormsAlone(t *testing.T) {
	e := quizEnv(t)
	b := e.signedIn(t, "learner")

	r := b.get(quizPath)
	quizStatus(t, "quiz page", r, http.StatusOK)
	mustBeWellFormed(t, "quiz page", r)
	// The time limit is told before she starts, in words.
	quizSays(t, "the quiz page", r, "Alkuvisa", "Tietovisa", "5 kysymystä", "75 % oikein", "Olet käyttänyt 0/3 yritystä", "Aikaa on 30 minuuttia", "Aloita tietovisa")
	if title := text(find(r.doc, byTag("title"))[0]); title != "Alkuvisa – Kokeilukurssi – Taito" {
		t.Errorf("title %q", title)
	}
	if len(find(r.doc, func(n *html.Node) bool {
		return n.Data == "a" && attr(n, "href") == "/courses/kokeilu/lessons/"+quizLesson(t)
	})) == 0 {
		t.Error("no link back to the quiz's lesson")
	}

	attempt := quizStart(t, b)
	// While the attempt is open, the quiz page leads back to it.
	r = b.get(quizPath)
	quizSays(t, "the quiz page with an open attempt", r, "Jatka keskeneräistä yritystä", "Kesken")
	if len(find(r.doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == attempt })) == 0 {
		t.Error("no link to resume the open attempt")
	}
	r = b.get(attempt)
	quizStatus(t, "attempt", r, http.StatusOK)
	mustBeWellFormed(t, "attempt", r)
	// The deadline in Helsinki time (9.00 UTC + 30 min), the time left, the timer for the script.
	quizSays(t, "the attempt", r, "2.2.2026 klo 11.30", "Aikaa jäljellä: 30 minuuttia", "Kysymys 1/5", "Lähetä vastaukset", "Tallenna ja jatka myöhemmin")
	timer := find(r.doc, byID("time-left"))
	if len(timer) != 1 || attr(timer[0], "role") != "timer" || hasAttr(timer[0], "aria-live") || attr(timer[0], "data-seconds") != "1800" {
		t.Errorf("the timer is not a role=timer element with the seconds left: %v", timer)
	}
	if alert := find(r.doc, byID("time-alert")); len(alert) != 1 || attr(alert[0], "aria-live") != "assertive" {
		t.Error("no assertive region for the one-minute warning")
	}
	if len(find(r.doc, func(n *html.Node) bool { return n.Data == "script" && attr(n, "src") == "/static/quiz.js" })) != 1 {
		t.Error("the attempt page does not load quiz.js")
	}
	// Every kind as its own control: radios and checkboxes in fieldsets, a select per item, a
	// text input.
	kinds := map[string]string{}
	for _, in := range find(r.doc, func(n *html.Node) bool { return n.Data == "input" || n.Data == "select" }) {
		if n := attr(in, "name"); strings.HasPrefix(n, "q-") {
			kinds[n] = in.Data + ":" + attr(in, "type")
		}
	}
	if want := map[string]string{"q-q1": "input:radio", "q-q2": "input:checkbox", "q-q3": "input:radio", "q-q4": "select:", "q-q5": "input:text"}; !maps.Equal(kinds, want) {
		t.Errorf("controls %v, want %v", kinds, want)
	}
	if n := len(find(r.doc, func(n *html.Node) bool { return n.Data == "select" && attr(n, "name") == "q-q4" })); n != 2 {
		t.Errorf("%d selects for the matching question, want one per item (2)", n)
	}

	// Save and continue later keeps what she chose.
	r = b.post(attempt+"/save", quizForm(t, r.doc, true, "q-q1", "q-q5"))
	quizStatus(t, "save", r, http.StatusSeeOther)
	r = b.get(r.location)
	mustBeWellFormed(t, "attempt after saving", r)
	quizSays(t, "the attempt after saving", r, "Vastauksesi on tallennettu")
	if !quizChecked(r.doc, "q-q1", "Palvelu") {
		t.Error("the saved choice is not checked")
	}
	if in := find(r.doc, byID("f-q5")); len(in) != 1 || attr(in[0], "value") != "Vahva tunnistautuminen" {
		t.Error("the saved text answer is not kept")
	}

	// Sending with questions unanswered asks first: the errors link to the questions, the
	// answers are kept (and saved).
	partial := quizForm(t, r.doc, true, "q-q1", "q-q2", "q-q5")
	r = b.post(attempt+"/submit", partial)
	quizStatus(t, "submit with unanswered questions", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "attempt with unanswered questions", r)
	var links []string
	for _, a := range find(find(r.doc, byID("error-summary"))[0], byTag("a")) {
		links = append(links, attr(a, "href"))
	}
	if !slices.Equal(links, []string{"#f-q3", "#f-q4"}) {
		t.Errorf("the summary links to %v, want the unanswered questions' first controls", links)
	}
	if !quizChecked(r.doc, "q-q2", "Kela") || !quizChecked(r.doc, "q-q2", "OmaKanta") {
		t.Error("the answers sent are not kept")
	}
	if len(find(r.doc, func(n *html.Node) bool { return n.Data == "button" && attr(n, "name") == "unanswered" })) != 1 {
		t.Error("no way to send anyway")
	}

	r = b.post(attempt+"/submit", quizForm(t, r.doc, true))
	quizStatus(t, "submit", r, http.StatusSeeOther)
	if r.location != attempt+"/result" {
		t.Fatalf("submit goes to %q", r.location)
	}
	r = b.get(r.location)
	quizStatus(t, "result", r, http.StatusOK)
	mustBeWellFormed(t, "result", r)
	quizSays(t, "the result", r, "Pisteet", "5/5 oikein (100 %)", "Hyväksytty", "Oikein", "Suomi.fi on palvelu.", "Aivan oikein, väite on tosi.", "Yritä uudelleen")
	if strings.Contains(text(r.doc), "Väärin") || strings.Contains(text(r.doc), "Ei hyväksytty") {
		t.Error("a passed attempt says Väärin or Ei hyväksytty")
	}

	// A submitted attempt shows its result.
	r = b.get(attempt)
	quizStatus(t, "the submitted attempt", r, http.StatusSeeOther)
	if r.location != attempt+"/result" {
		t.Errorf("the submitted attempt goes to %q", r.location)
	}
	r = b.get(quizPath)
	mustBeWellFormed(t, "quiz page after an attempt", r)
	quizSays(t, "the quiz page after an attempt", r, "Yritys 1", "100 %", "Hyväksytty", "Olet käyttänyt 1/3 yritystä", "Aloita uusi yritys")
}

func TestQuizFailedAttemptsAndNoneLeft(t *testing.T) {
	e := quizEnv(t)
	b := e.signedIn(t, "learner")
	for i := range 2 {
		attempt := quizStart(t, b)
		r := b.get(attempt)
		r = b.post(attempt+"/submit", quizForm(t, r.doc, false))
		quizStatus(t, "submit wrong answers", r, http.StatusSeeOther)
		r = b.get(r.location)
		mustBeWellFormed(t, "failed result", r)
		quizSays(t, "the failed result", r, "0/5 oikein (0 %)", "Ei hyväksytty", "Väärin", "Ei aivan, väite on tosi.", "Oikea vastaus")
		if i == 0 {
			quizSays(t, "the failed result", r, "Yritä uudelleen")
		}
	}
	// The third attempt runs out of time: its page says so, and the quiz has no attempts left.
	attempt := quizStart(t, b)
	e.clock.Advance(32 * time.Minute)
	r := b.get(attempt)
	quizStatus(t, "expired attempt", r, http.StatusOK)
	mustBeWellFormed(t, "expired attempt", r)
	quizSays(t, "the expired attempt", r, "Aika loppui")
	if len(find(r.doc, byID("attempt-form"))) != 0 {
		t.Error("an expired attempt still shows its form")
	}
	r = b.get(quizPath)
	mustBeWellFormed(t, "quiz page with no attempts left", r)
	quizSays(t, "the quiz page", r, "Ei hyväksytty", "Aika loppui, vastauksia ei lähetetty", "Olet käyttänyt kaikki yrityksesi")
	r = b.post(quizPath+"/attempts", nil)
	quizStatus(t, "start with no attempts left", r, http.StatusConflict)
	mustBeWellFormed(t, "start refused", r)
	if len(find(r.doc, byID("error-summary"))) != 1 {
		t.Error("a refused start has no error summary")
	}
}

func TestQuizPagesRefuseOthers(t *testing.T) {
	e := quizEnv(t)
	b := e.signedIn(t, "learner")
	attempt := quizStart(t, b)
	page := b.get(attempt)

	t.Run("no session", func(t *testing.T) {
		anon := e.browser(t)
		for _, p := range []string{quizPath, attempt, attempt + "/result"} {
			r := anon.get(p)
			if r.status != http.StatusSeeOther || r.location != "/sign-in?next="+url.QueryEscape(p) {
				t.Errorf("%s without a session: %d → %q", p, r.status, r.location)
			}
		}
	})
	t.Run("another learner's attempt", func(t *testing.T) {
		other := e.signedIn(t, "learner2")
		for _, p := range []string{attempt, attempt + "/result"} {
			r := other.get(p)
			quizStatus(t, p, r, http.StatusNotFound)
			mustBeWellFormed(t, "another's attempt", r)
		}
		r := other.post(attempt+"/submit", quizForm(t, page.doc, true))
		quizStatus(t, "submitting another's attempt", r, http.StatusNotFound)
		r = other.post(attempt+"/save", quizForm(t, page.doc, true))
		quizStatus(t, "saving another's attempt", r, http.StatusNotFound)
	})
	t.Run("no CSRF token", func(t *testing.T) {
		r := b.postRaw(attempt+"/submit", quizForm(t, page.doc, true))
		quizStatus(t, "submit without a token", r, http.StatusForbidden)
		mustBeWellFormed(t, "refused submit", r)
		r = b.postRaw(quizPath+"/attempts", url.Values{})
		quizStatus(t, "start without a token", r, http.StatusForbidden)
		if r := b.get(attempt); r.status != http.StatusOK {
			t.Fatalf("the attempt after a refused submit: %d", r.status)
		}
	})
	t.Run("an unknown quiz", func(t *testing.T) {
		r := b.get("/quizzes/kokeilu:eiole")
		quizStatus(t, "unknown quiz", r, http.StatusNotFound)
		mustBeWellFormed(t, "unknown quiz", r)
	})
}

// autosave posts the form as quiz.js does: URL-encoded fields, Accept JSON, the token in the
// header (when token is not empty).
func quizAutosave(t *testing.T, b *browser, path string, form url.Values, token string) (response, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Origin", testenv.Issuer)
	if token != "" {
		req.Header.Set("X-CSRF-Token", token)
	}
	r := b.do(req)
	var out map[string]any
	if strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			t.Fatalf("autosave answer %q: %v", r.body, err)
		}
	}
	return r, out
}

func TestQuizAutosave(t *testing.T) {
	e := quizEnv(t)
	b := e.signedIn(t, "learner")
	attempt := quizStart(t, b)
	page := b.get(attempt)
	answers := quizForm(t, page.doc, true, "q-q2", "q-q4")

	r, out := quizAutosave(t, b, attempt+"/save", answers, b.csrf)
	if r.status != http.StatusOK || out["saved"] != true || out["message"] != "Vastauksesi on tallennettu." {
		t.Fatalf("autosave: %d %s", r.status, r.body)
	}
	page = b.get(attempt)
	if !quizChecked(page.doc, "q-q2", "Kela") || !quizChecked(page.doc, "q-q2", "OmaKanta") {
		t.Error("the autosaved choices are not checked")
	}
	selected := 0
	for _, o := range find(page.doc, byTag("option")) {
		if hasAttr(o, "selected") {
			selected++
		}
	}
	if selected != 2 {
		t.Errorf("%d matching items selected after the autosave, want 2", selected)
	}

	if r, _ := quizAutosave(t, b, attempt+"/save", answers, ""); r.status != http.StatusForbidden {
		t.Fatalf("autosave without a token: %d", r.status)
	}
	// A value the question does not have is refused in words.
	r, out = quizAutosave(t, b, attempt+"/save", url.Values{"q-q1": {"forged"}}, b.csrf)
	if r.status != http.StatusUnprocessableEntity || out["saved"] == true || out["message"] == "" {
		t.Fatalf("autosave of a forged value: %d %s", r.status, r.body)
	}
	// After the time is up the autosave says so.
	e.clock.Advance(31 * time.Minute)
	if r, out := quizAutosave(t, b, attempt+"/save", answers, b.csrf); r.status != http.StatusConflict || out["message"] == "" {
		t.Fatalf("autosave after the deadline: %d %s", r.status, r.body)
	}
}

func TestQuizFormWithAForgedValueComesBackWithErrors(t *testing.T) {
	e := quizEnv(t)
	b := e.signedIn(t, "learner")
	attempt := quizStart(t, b)
	page := b.get(attempt)
	form := quizForm(t, page.doc, true)
	form.Set("q-q1", "forged")
	r := b.post(attempt+"/save", form)
	quizStatus(t, "save a forged value", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "attempt with a forged value", r)
	if s := find(r.doc, byID("error-summary")); len(s) != 1 || len(find(s[0], func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "#f-q1" })) != 1 {
		t.Error("the summary does not link to the question")
	}
	if !quizChecked(r.doc, "q-q2", "Kela") {
		t.Error("the other answers are not kept")
	}
}

func TestQuizInSwedishAndEnglish(t *testing.T) {
	e := quizEnv(t)
	b := e.signedIn(t, "learner")
	b.post("/language", url.Values{"lang": {"en"}, "back": {quizPath}})
	r := b.get(quizPath)
	mustBeWellFormed(t, "quiz page in English", r)
	quizSays(t, "the English quiz page", r, "Starting quiz", "You have 30 minutes", "Start the quiz")
	attempt := quizStart(t, b)
	r = b.get(attempt)
	mustBeWellFormed(t, "attempt in English", r)
	quizSays(t, "the English attempt", r, "Submit answers", "What is Suomi.fi?")
	b.post("/language", url.Values{"lang": {"sv"}, "back": {attempt}})
	r = b.get(attempt)
	mustBeWellFormed(t, "attempt in Swedish", r)
	quizSays(t, "the Swedish attempt", r, "Skicka svaren")
	// The course has no Swedish: the questions are in the attempt's language, marked with it.
	if len(find(r.doc, func(n *html.Node) bool {
		return attr(n, "lang") == "en" && strings.Contains(text(n), "What is Suomi.fi?")
	})) == 0 {
		t.Error("the English question on a Swedish page has no lang=en")
	}
}

// quizLesson is the fixture's lesson that holds the quiz.
func quizLesson(t *testing.T) string {
	co, _ := testenv.Fixture(t)
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			if l.Completion.Quiz == "alkuvisa" {
				return l.ID
			}
		}
	}
	t.Fatal("no lesson holds the quiz")
	return ""
}

// quizChecked reports whether the input of name labelled with label is checked.
func quizChecked(doc *html.Node, name, label string) bool {
	labels := map[string]string{}
	for _, l := range find(doc, byTag("label")) {
		labels[attr(l, "for")] = text(l)
	}
	for _, in := range find(doc, byTag("input")) {
		if attr(in, "name") == name && labels[attr(in, "id")] == label {
			return hasAttr(in, "checked")
		}
	}
	return false
}
