package web_test

import (
	"context"
	"encoding/json"
	"fmt"
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
	"github.com/taito-lms/taito/internal/testenv"
)

const (
	shipped  = "digiohjaus"
	wallPath = "/courses/digiohjaus/walls/viikkotehtava-1"
)

// withActivities is the web app with the shipped course published (its last module's
// prerequisites left out, so that the end round of the self-assessment can be done in a test)
// and a group of it that the trainer runs, with learner and learner2 in it.
func withActivities(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	fsys := os.DirFS("../..")
	co, problems := course.Load(fsys, "courses/"+shipped)
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	for i := range co.Modules {
		co.Modules[i].Prerequisites = nil
	}
	for i := range co.Reflections {
		co.Reflections[i].Anonymous = co.Reflections[i].ID == "viikkotehtava-2" // one task where posts may be anonymous
	}
	if _, err := e.a.ImportCourse(ctx, co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	c, err := e.a.Cohorts.Create(ctx, e.principal("trainer"), cohort.NewCohort{Course: shipped, Name: "Kevät 2026"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.a.Cohorts.AddMembers(ctx, e.principal("trainer"), c.ID, []string{"learner@example.fi", "learner2@example.fi"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != "enrolled" {
			t.Fatalf("enrol %s: %s %s", r.Email, r.Status, r.Reason)
		}
	}
	return e
}

func (e *env) principal(who string) auth.Principal {
	u := e.users[who]
	return auth.Principal{UserID: u.ID, Roles: u.Roles, Locale: "fi"}
}

func actStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d\n%.3000s", what, r.status, want, r.body)
	}
}

// actSay checks that the page's text holds each of words.
func actSay(t *testing.T, what string, r response, words ...string) {
	t.Helper()
	page := strings.Join(strings.Fields(text(r.doc)), " ")
	for _, w := range words {
		if !strings.Contains(page, w) {
			t.Errorf("%s: the page does not say %q", what, w)
		}
	}
}

func actNotSay(t *testing.T, what string, r response, words ...string) {
	t.Helper()
	page := strings.Join(strings.Fields(text(r.doc)), " ")
	for _, w := range words {
		if strings.Contains(page, w) {
			t.Errorf("%s: the page says %q", what, w)
		}
	}
}

// textareaValue is the text of the textarea with the id.
// textareaValue is the text of the textarea with the id, its spaces as text() leaves them.
func textareaValue(r response, id string) string {
	for _, n := range find(r.doc, byID(id)) {
		return text(n)
	}
	return "<none>"
}

func sameText(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}

// postIDFrom is the post id of a redirect to "…#post-<id>".
func postIDFrom(t *testing.T, r response) string {
	t.Helper()
	_, id, ok := strings.Cut(r.location, "#post-")
	if r.status != http.StatusSeeOther || !ok || id == "" {
		t.Fatalf("not a redirect to a post: %d %q\n%.2000s", r.status, r.location, r.body)
	}
	return id
}

func TestWallPages(t *testing.T) {
	t.Parallel()
	e := withActivities(t)

	// Without a session: to sign in and back.
	r := e.browser(t).get(wallPath)
	if r.status != http.StatusSeeOther || r.location != "/sign-in?next="+url.QueryEscape(wallPath) {
		t.Fatalf("no session: %d %q", r.status, r.location)
	}

	anna := e.signedIn(t, "learner")
	r = anna.get(wallPath)
	actStatus(t, "the wall", r, 200)
	mustBeWellFormed(t, "the wall", r)
	actSay(t, "the wall", r, "Viikkotehtävä · Keskusteluseinä", "Viikkotehtävä 1", "Vielä 1 julkaisu ja 2 kommenttia muiden julkaisuihin.", "Seinällä ei ole vielä julkaisuja")

	// The preview renders her Markdown through the wall's sanitising renderer and keeps her text.
	typed := "**Asiakas** pärjäsi hyvin.\n\n<script>alert(1)</script>"
	r = anna.post(wallPath, url.Values{"body": {typed}, "action": {"preview"}})
	actStatus(t, "preview", r, 200)
	mustBeWellFormed(t, "preview", r)
	if !strings.Contains(r.body, "<strong>Asiakas</strong>") || strings.Contains(r.body, "<script>alert") {
		t.Errorf("preview not rendered or not sanitised:\n%.3000s", r.body)
	}
	if got := textareaValue(r, "f-body"); !sameText(got, typed) {
		t.Errorf("preview lost her text: %q", got)
	}

	// Bad input: an empty post, a post too long, a form without its token.
	r = anna.post(wallPath, url.Values{"body": {"  "}, "action": {"publish"}})
	actStatus(t, "empty post", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "empty post", r)
	if len(find(r.doc, byID("error-summary"))) != 1 || !strings.HasPrefix(text(find(r.doc, byTag("title"))[0]), "Virhe:") {
		t.Errorf("empty post: no error summary")
	}
	long := strings.Repeat("a", 10001)
	r = anna.post(wallPath, url.Values{"body": {long}, "action": {"publish"}})
	actStatus(t, "too long", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "too long", r)
	if textareaValue(r, "f-body") != long || len(find(r.doc, byID("f-body-error"))) != 1 {
		t.Errorf("too long: the text or the field's message is missing")
	}
	r = anna.postRaw(wallPath, url.Values{"body": {"Hei"}, "action": {"publish"}})
	actStatus(t, "no CSRF token", r, http.StatusForbidden)

	// She posts: one post done, the comments on others' posts still to do.
	anna.get(wallPath)
	post := postIDFrom(t, anna.post(wallPath, url.Values{"body": {"Kysyn asiakkaalta, miten hän asioi verkossa."}, "action": {"publish"}}))
	r = anna.get(wallPath)
	mustBeWellFormed(t, "after posting", r)
	actSay(t, "after posting", r, "Julkaisusi on nyt seinällä.", "Vielä 2 kommenttia muiden julkaisuihin.", "Learner Testinen", "Kysyn asiakkaalta")
	if len(find(r.doc, byID("post-"+post))) != 1 {
		t.Fatal("her post is not on the wall")
	}
	// A comment on her own post does not count.
	r = anna.post(wallPath+"/posts/"+post+"/comments", url.Values{"comment-" + post: {"Lisään vielä yhden asian."}})
	if r.status != http.StatusSeeOther || !strings.HasSuffix(r.location, "#post-"+post) {
		t.Fatalf("own comment: %d %q", r.status, r.location)
	}
	actSay(t, "own comment", anna.get(wallPath), "Vielä 2 kommenttia muiden julkaisuihin.", "Lisään vielä yhden asian.")

	// Her colleague comments on it: the colleague's count changes, an empty comment comes back.
	bea := e.signedIn(t, "learner2")
	r = bea.get(wallPath)
	actSay(t, "colleague's wall", r, "Learner Testinen", "Vielä 1 julkaisu ja 2 kommenttia muiden julkaisuihin.")
	r = bea.post(wallPath+"/posts/"+post+"/comments", url.Values{"comment-" + post: {""}})
	actStatus(t, "empty comment", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "empty comment", r)
	if len(find(r.doc, byID("f-comment-"+post+"-error"))) != 1 {
		t.Error("empty comment: no message beside the comment field")
	}
	r = bea.post(wallPath+"/posts/"+post+"/comments", url.Values{"comment-" + post: {"Hyvä kysymys, otan käyttöön."}})
	actStatus(t, "comment", r, http.StatusSeeOther)
	r = bea.get(wallPath)
	actSay(t, "after commenting", r, "Vielä 1 julkaisu ja 1 kommentti muiden julkaisuihin.", "Hyvä kysymys, otan käyttöön.", "Kommenttisi on lisätty.")

	// Another learner's post cannot be edited: it does not exist for her.
	r = bea.get(wallPath + "/posts/" + post + "/edit")
	actStatus(t, "another's post edit", r, http.StatusNotFound)
	mustBeWellFormed(t, "another's post edit", r)
	r = bea.post(wallPath+"/posts/"+post+"/edit", url.Values{"body": {"Muutettu"}})
	actStatus(t, "another's post edit post", r, http.StatusNotFound)

	// A reaction without scripts: back to the post, pressed and counted.
	r = bea.post(wallPath+"/posts/"+post+"/reactions", url.Values{"kind": {"heart"}, "on": {"1"}})
	if r.status != http.StatusSeeOther || !strings.HasSuffix(r.location, wallPath+"#post-"+post) {
		t.Fatalf("reaction: %d %q", r.status, r.location)
	}
	r = bea.get(wallPath)
	if !reactionIs(r, post, "Sydän", "true", "1") {
		t.Errorf("the heart is not pressed and counted:\n%s", r.body)
	}
	// … and with the script: JSON with the new count; sent twice, nothing changes.
	for range 2 {
		got := reactJSON(t, anna, wallPath+"/posts/"+post+"/reactions", "thumbs_up", "1")
		if got["count"] != float64(1) || got["pressed"] != true {
			t.Fatalf("reaction by script: %v", got)
		}
	}
	got := reactJSON(t, anna, wallPath+"/posts/"+post+"/reactions", "thumbs_up", "0")
	if got["count"] != float64(0) || got["pressed"] != false {
		t.Fatalf("reaction taken back by script: %v", got)
	}
	r = anna.get(wallPath)
	if !reactionIs(r, post, "Sydän", "false", "1") || !reactionIs(r, post, "Peukku", "false", "0") {
		t.Errorf("reactions as she sees them:\n%s", r.body)
	}

	// She edits her post within 30 minutes, previews the change, and saves it.
	r = anna.get(wallPath + "/posts/" + post + "/edit")
	actStatus(t, "edit", r, 200)
	mustBeWellFormed(t, "edit", r)
	if textareaValue(r, "f-body") != "Kysyn asiakkaalta, miten hän asioi verkossa." {
		t.Errorf("edit form without her text")
	}
	r = anna.post(wallPath+"/posts/"+post+"/edit", url.Values{"body": {"Kysyn *aina*."}, "action": {"preview"}})
	mustBeWellFormed(t, "edit preview", r)
	if !strings.Contains(r.body, "<em>aina</em>") || textareaValue(r, "f-body") != "Kysyn *aina*." {
		t.Errorf("edit preview:\n%.3000s", r.body)
	}
	r = anna.post(wallPath+"/posts/"+post+"/edit", url.Values{"body": {""}, "action": {"save"}})
	actStatus(t, "empty edit", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "empty edit", r)
	r = anna.post(wallPath+"/posts/"+post+"/edit", url.Values{"body": {"Kysyn aina ensin."}, "action": {"save"}})
	if postIDFrom(t, r) != post {
		t.Fatalf("edit went elsewhere: %q", r.location)
	}
	actSay(t, "edited", anna.get(wallPath), "Kysyn aina ensin.", "muokattu")

	// After 30 minutes the post stays as it is.
	e.clock.Advance(31 * time.Minute)
	r = anna.get(wallPath + "/posts/" + post + "/edit")
	actStatus(t, "edit too late", r, 200)
	mustBeWellFormed(t, "edit too late", r)
	actSay(t, "edit too late", r, "Muokkausaika on päättynyt")
	r = anna.post(wallPath+"/posts/"+post+"/edit", url.Values{"body": {"Myöhässä"}, "action": {"save"}})
	actStatus(t, "edit post too late", r, http.StatusConflict)
	mustBeWellFormed(t, "edit post too late", r)
	if len(find(r.doc, byID("error-summary"))) != 1 {
		t.Error("edit too late: no error summary")
	}
	if r = anna.get(wallPath); len(find(r.doc, func(n *html.Node) bool { return attr(n, "href") == wallPath+"/posts/"+post+"/edit" })) != 0 {
		t.Error("the edit link stays after 30 minutes")
	}
}

// Where the task allows it she posts anonymously: her colleague sees "Anonymous" in her own
// language, she herself her name and that the post is anonymous to others.
func TestWallAnonymousInOtherLanguages(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	const task2 = "/courses/digiohjaus/walls/viikkotehtava-2"

	anna := e.signedIn(t, "learner")
	r := anna.get(wallPath)
	if len(find(r.doc, byID("f-anonymous"))) != 0 {
		t.Error("a task without anonymous posts offers them")
	}
	r = anna.post(wallPath, url.Values{"body": {"Nimellä"}, "anonymous": {"on"}, "action": {"publish"}})
	actStatus(t, "anonymous where not allowed", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "anonymous where not allowed", r)

	r = anna.get(task2)
	actStatus(t, "task 2", r, 200)
	mustBeWellFormed(t, "task 2", r)
	if len(find(r.doc, byID("f-anonymous"))) != 1 {
		t.Fatal("no anonymous choice where the task allows it")
	}
	// The preview keeps the choice.
	r = anna.post(task2, url.Values{"body": {"Nimetön ajatus"}, "anonymous": {"on"}, "action": {"preview"}})
	if box := find(r.doc, byID("f-anonymous")); len(box) != 1 || !hasAttr(box[0], "checked") {
		t.Error("the preview lost the anonymous choice")
	}
	post := postIDFrom(t, anna.post(task2, url.Values{"body": {"Nimetön ajatus"}, "anonymous": {"on"}, "action": {"publish"}}))
	r = anna.get(task2)
	actSay(t, "her anonymous post", r, "Learner Testinen", "julkaistu nimettömänä")

	for _, tc := range []struct{ lang, anonymous, remaining string }{
		{"en", "Anonymous", "Still to do: 1 post and 2 comments on others' posts."},
		{"sv", "Anonym", "Kvar: 1 inlägg och 2 kommentarer på andras inlägg."},
	} {
		bea := e.signedIn(t, "learner2")
		bea.post("/language", url.Values{"lang": {tc.lang}, "back": {task2}})
		r = bea.get(task2)
		mustBeWellFormed(t, tc.lang, r)
		if html := find(r.doc, byTag("html")); attr(html[0], "lang") != tc.lang {
			t.Errorf("%s: the page is in %s", tc.lang, attr(html[0], "lang"))
		}
		art := find(r.doc, byID("post-"+post))
		if len(art) != 1 || text(find(art[0], byTag("h3"))[0]) != tc.anonymous || strings.Contains(text(art[0]), "Learner Testinen") {
			t.Errorf("%s: the anonymous post shows its author", tc.lang)
		}
		actSay(t, tc.lang, r, tc.remaining)
	}
}

// A wall of many posts comes in pages, newest first; a reaction on an older page comes back there.
func TestWallPaging(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	ctx := context.Background()
	mine, err := e.a.MyCourses(ctx, e.principal("learner2"))
	if err != nil || len(mine) != 1 || mine[0].Wall == "" {
		t.Fatalf("learner2's courses: %+v %v", mine, err)
	}
	for i := range 21 {
		if _, err := e.a.Walls.CreatePost(ctx, e.principal("learner2"), mine[0].Wall, "viikkotehtava-1", fmt.Sprintf("Julkaisu numero %d", i+1), false); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(time.Second)
	}
	anna := e.signedIn(t, "learner")
	r := anna.get(wallPath)
	mustBeWellFormed(t, "first page", r)
	if n := len(find(r.doc, byTag("article"))); n != 20 {
		t.Fatalf("%d posts on the first page, want 20", n)
	}
	actSay(t, "first page", r, "Julkaisu numero 21", "Vanhemmat julkaisut")
	actNotSay(t, "first page", r, "Julkaisu numero 1 ", "Uusimmat julkaisut")
	var older string
	for _, a := range find(r.doc, byTag("a")) {
		if text(a) == "Vanhemmat julkaisut" {
			older = attr(a, "href")
		}
	}
	r = anna.get(older)
	mustBeWellFormed(t, "older page", r)
	arts := find(r.doc, byTag("article"))
	if len(arts) != 1 || !strings.Contains(text(arts[0]), "Julkaisu numero 1") {
		t.Fatalf("the older page: %d posts", len(arts))
	}
	actSay(t, "older page", r, "Uusimmat julkaisut")
	id := strings.TrimPrefix(attr(arts[0], "id"), "post-")
	r = anna.post(wallPath+"/posts/"+id+"/reactions", url.Values{"kind": {"clap"}, "on": {"1"}, "before": {strings.TrimPrefix(older, wallPath+"?before=")}})
	if r.status != http.StatusSeeOther || r.location != older+"#post-"+id {
		t.Fatalf("reaction on an older page: %d %q, want %q", r.status, r.location, older+"#post-"+id)
	}
}

// reactionIs reports whether the post's reaction button labelled label is pressed as pressed with
// the count.
func reactionIs(r response, post, label, pressed, count string) bool {
	art := find(r.doc, byID("post-"+post))
	if len(art) != 1 {
		return false
	}
	for _, b := range find(art[0], byTag("button")) {
		if strings.HasPrefix(strings.TrimSpace(text(b)), label) {
			return attr(b, "aria-pressed") == pressed && strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text(b)), label)) == count
		}
	}
	return false
}

// reactJSON reacts as wall.js does: the token in a header, JSON asked for.
func reactJSON(t *testing.T, b *browser, path, kind, on string) map[string]any {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(url.Values{"kind": {kind}, "on": {on}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-CSRF-Token", b.csrf)
	req.Header.Set("Origin", testenv.Issuer)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	r := b.do(req)
	if r.status != 200 {
		t.Fatalf("react by script: %d %.1000s", r.status, r.body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(r.body), &out); err != nil {
		t.Fatalf("react by script: %v: %s", err, r.body)
	}
	return out
}

// assessmentAnswers rates every item of the page's form at level (the first radio of each group
// is level 1).
func assessmentAnswers(t *testing.T, r response, level string) url.Values {
	t.Helper()
	form := url.Values{}
	for _, n := range find(r.doc, byTag("input")) {
		if attr(n, "type") == "radio" && strings.HasPrefix(attr(n, "name"), "rating-") && attr(n, "value") == level {
			form.Set(attr(n, "name"), level)
		}
	}
	if len(form) < 10 {
		t.Fatalf("only %d rated items on the form", len(form))
	}
	return form
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func checkedRadio(r response, name string) string {
	for _, n := range find(r.doc, byTag("input")) {
		if attr(n, "type") == "radio" && attr(n, "name") == name && hasAttr(n, "checked") {
			return attr(n, "value")
		}
	}
	return ""
}

// tableHeaders are the column headers of the page's tables.
func tableHeaders(r response) []string {
	var out []string
	for _, th := range find(r.doc, byTag("th")) {
		if attr(th, "scope") == "col" {
			out = append(out, text(th))
		}
	}
	return out
}

func TestAssessmentPages(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	const start, end = "/courses/digiohjaus/assessments/alkuarvio", "/courses/digiohjaus/assessments/loppuarvio"

	r := e.browser(t).get(start)
	if r.status != http.StatusSeeOther || r.location != "/sign-in?next="+url.QueryEscape(start) {
		t.Fatalf("no session: %d %q", r.status, r.location)
	}
	anna := e.signedIn(t, "learner")
	r = anna.get(start)
	actStatus(t, "the form", r, 200)
	mustBeWellFormed(t, "the form", r)
	actSay(t, "the form", r, "Itsearviointi · Digitaitojen kartoitus", "Alkuarvio: omat digitaidot", "Tallenna luonnos", "Lähetä")
	if n := len(find(r.doc, byTag("fieldset"))); n < 19 {
		t.Errorf("%d radio groups, want one per item", n)
	}
	if actNotSay(t, "the form before submitting", r, "Kouluttajan arvio"); t.Failed() {
		return
	}
	all := assessmentAnswers(t, r, "3")

	// A draft with one item rated: saved, and there when she comes back.
	r = anna.post(start, url.Values{"rating-1.1": {"4"}, "note-general": {"Kesken vielä"}, "action": {"draft"}})
	if r.status != http.StatusSeeOther || r.location != start {
		t.Fatalf("save draft: %d %q\n%.2000s", r.status, r.location, r.body)
	}
	r = anna.get(start)
	mustBeWellFormed(t, "with a draft", r)
	actSay(t, "with a draft", r, "Luonnos on tallennettu.", "Lomakkeella on luonnos")
	if checkedRadio(r, "rating-1.1") != "4" || !sameText(textareaValue(r, "f-note-general"), "Kesken vielä") {
		t.Errorf("the draft is not on the form")
	}

	// Submitting with items missing: the summary names them, her choices stay.
	r = anna.post(start, url.Values{"rating-1.1": {"5"}, "action": {"submit"}})
	actStatus(t, "incomplete", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "incomplete", r)
	if checkedRadio(r, "rating-1.1") != "5" || len(find(r.doc, byID("f-rating-1.2-error"))) != 1 {
		t.Errorf("incomplete: her choice or the item's message is missing")
	}
	actSay(t, "incomplete", r, "Tarkista seuraavat kohdat")
	r = anna.post(start, url.Values{"rating-1.1": {"9"}, "action": {"draft"}})
	actStatus(t, "off the scale", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "off the scale", r)
	r = anna.postRaw(start, all)
	actStatus(t, "no CSRF token", r, http.StatusForbidden)

	// Submitted: her ratings, waiting for the trainer.
	anna.get(start)
	all.Set("action", "submit")
	all.Set("note-2", "Kirjautuminen jännittää.")
	r = anna.post(start, all)
	if r.status != http.StatusSeeOther || r.location != start+"#result" {
		t.Fatalf("submit: %d %q\n%.2000s", r.status, r.location, r.body)
	}
	r = anna.get(start)
	mustBeWellFormed(t, "submitted", r)
	actSay(t, "submitted", r, "Arviosi on lähetetty.", "Arviosi", "Kouluttaja käy arviosi läpi")
	actNotSay(t, "submitted", r, "Lomakkeella on luonnos")
	if h := strings.Join(tableHeaders(r), "|"); h != "Osaaminen|Oma arvio" {
		t.Errorf("columns before coaching: %s", h)
	}

	// The trainer's view beside hers.
	ctx := context.Background()
	mine, err := e.a.Assessments.Mine(ctx, e.principal("learner"), shipped, "fi")
	if err != nil || len(mine) != 1 {
		t.Fatalf("her assessments: %v %v", mine, err)
	}
	coach := map[string]int{}
	for _, row := range mine[0].Rows {
		coach[row.ID] = 5
	}
	if _, err := e.a.Assessments.Coach(ctx, e.principal("trainer"), mine[0].ID, coach, map[string]string{"general": "Hyvä pohja."}); err != nil {
		t.Fatal(err)
	}
	r = anna.get(start)
	mustBeWellFormed(t, "coached", r)
	actSay(t, "coached", r, "Oma arviosi ja kouluttajan arvio rinnakkain", "Kouluttajan huomiot", "Hyvä pohja.")
	if h := strings.Join(tableHeaders(r), "|"); h != "Osaaminen|Oma arvio|Kouluttajan arvio" {
		t.Errorf("columns after coaching: %s", h)
	}
	row := find(r.doc, byTag("tbody"))[0]
	if cells := find(row, byTag("td")); len(cells) < 2 || text(cells[0]) != "3" || text(cells[1]) != "5" {
		t.Errorf("the first row is not hers 3 beside the trainer's 5")
	}

	// The end round beside the start round.
	r = anna.get(end)
	actStatus(t, "end round", r, 200)
	ends := assessmentAnswers(t, r, "6")
	ends.Set("action", "submit")
	actStatus(t, "submit end round", anna.post(end, ends), http.StatusSeeOther)
	r = anna.get(end)
	mustBeWellFormed(t, "end round", r)
	actSay(t, "end round", r, "Alkuarvio ja loppuarvio rinnakkain")
	if h := strings.Join(tableHeaders(r), "|"); h != "Osaaminen|Alkuarvio|Loppuarvio" {
		t.Errorf("columns of the end round: %s", h)
	}

	// Her colleague sees only her own (empty) form, and an unknown assessment is not found.
	bea := e.signedIn(t, "learner2")
	r = bea.get(start)
	actStatus(t, "colleague", r, 200)
	actNotSay(t, "colleague", r, "Arviosi on lähetetty", "Kouluttajan arvio", "Hyvä pohja.")
	if checkedRadio(r, "rating-1.1") != "" {
		t.Error("the colleague's form holds learner's rating")
	}
	r = bea.get("/courses/digiohjaus/assessments/ei-ole")
	actStatus(t, "unknown assessment", r, http.StatusNotFound)
	mustBeWellFormed(t, "unknown assessment", r)
}

func TestSafariPage(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	const path = "/courses/digiohjaus/safaris/kela-safari"

	r := e.browser(t).get(path)
	if r.status != http.StatusSeeOther || r.location != "/sign-in?next="+url.QueryEscape(path) {
		t.Fatalf("no session: %d %q", r.status, r.location)
	}
	anna := e.signedIn(t, "learner")
	r = anna.get(path)
	actStatus(t, "the safari", r, 200)
	mustBeWellFormed(t, "the safari", r)
	actSay(t, "the safari", r, "Palvelusafari", "Kela – kela.fi ja OmaKela", "Vaihe 1", "Käytettävyysongelma", "Taitopuute", "Sujui hyvin")

	// A note without its kind: the form comes back with what she typed.
	bad := url.Values{"s0-count": {"1"}, "s0-did": {"Avasi kela.fi:n puhelimella."}, "s0-o0-note": {"Valikkoa ei löytynyt."}, "s0-o0-severity": {"2"},
		"debrief": {"Harjoitellaan tunnistautumista."}, "action": {"save"}}
	r = anna.post(path, cloneValues(bad))
	actStatus(t, "no kind", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "no kind", r)
	if !sameText(textareaValue(r, "f-s0-o0-note"), "Valikkoa ei löytynyt.") || !sameText(textareaValue(r, "f-s0-did"), "Avasi kela.fi:n puhelimella.") ||
		!sameText(textareaValue(r, "f-debrief"), "Harjoitellaan tunnistautumista.") || len(find(r.doc, byID("f-s0-o0-type-error"))) != 1 {
		t.Errorf("no kind: her text or the message is missing")
	}
	actSay(t, "no kind", r, "Vaihe 1, havainto 1: Valitse havainnon laji")
	r = anna.postRaw(path, bad)
	actStatus(t, "no CSRF token", r, http.StatusForbidden)

	// Saved: the summary shows it, and the step has room for another observation.
	anna.get(path)
	good := url.Values{"s0-count": {"1"}, "s0-did": {"Avasi kela.fi:n puhelimella."}, "s0-o0-type": {"usability"}, "s0-o0-note": {"Valikkoa ei löytynyt."},
		"s0-o0-severity": {"2"}, "s1-count": {"1"}, "s1-o0-type": {"went_well"}, "s1-o0-note": {"Kirjautui itse."}, "s1-o0-severity": {"1"},
		"debrief": {"Harjoitellaan tunnistautumista."}, "action": {"save"}}
	r = anna.post(path, good)
	if r.status != http.StatusSeeOther || r.location != path+"#summary" {
		t.Fatalf("save: %d %q\n%.3000s", r.status, r.location, r.body)
	}
	r = anna.get(path)
	mustBeWellFormed(t, "saved", r)
	actSay(t, "saved", r, "Loki on tallennettu.", "Yhteenveto havainnoistasi", "Käytettävyysongelma · Hidasti tekemistä: Valikkoa ei löytynyt.",
		"Sujui hyvin · Pieni haitta: Kirjautui itse.", "ei vielä lähetetty")
	if len(find(r.doc, byID("f-s0-o1-note"))) != 1 || !sameText(textareaValue(r, "f-s0-o0-note"), "Valikkoa ei löytynyt.") {
		t.Error("the saved log is not on the form with an empty slot")
	}

	// Submitted: the same log, now sent.
	good.Set("action", "submit")
	good.Set("s0-count", "2")
	good.Set("s0-o1-type", "skill_gap")
	good.Set("s0-o1-note", "Ei tunnistanut Suomi.fi-tunnistusta.")
	good.Set("s0-o1-severity", "3")
	actStatus(t, "submit", anna.post(path, good), http.StatusSeeOther)
	r = anna.get(path)
	mustBeWellFormed(t, "submitted", r)
	actSay(t, "submitted", r, "Loki on lähetetty.", "Lähetetty", "Taitopuute · Esti tehtävän: Ei tunnistanut Suomi.fi-tunnistusta.")
	logs, err := e.a.Safaris.Mine(context.Background(), e.principal("learner"))
	if err != nil || len(logs) != 1 || !logs[0].Submitted || len(logs[0].Steps) != 2 || len(logs[0].Steps[0].Observations) != 2 {
		t.Fatalf("her logs: %+v %v", logs, err)
	}

	// Her colleague's page holds nothing of hers; an unknown safari is not found.
	bea := e.signedIn(t, "learner2")
	r = bea.get(path)
	actNotSay(t, "colleague", r, "Valikkoa ei löytynyt.", "Yhteenveto havainnoistasi")
	actStatus(t, "unknown safari", bea.get("/courses/digiohjaus/safaris/ei-ole"), http.StatusNotFound)
}
