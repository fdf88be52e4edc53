package web_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

// adminUpload posts a multipart form with a file, as a browser does from the invite page.
func adminUpload(b *browser, path string, fields map[string]string, filename, content string) response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if _, ok := fields["csrf"]; !ok {
		_ = mw.WriteField("csrf", b.csrf)
	}
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("file", filename)
		_, _ = fw.Write([]byte(content))
	}
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", testenv.Issuer)
	return b.do(req)
}

// sessionCookie is the raw session cookie of a browser.
func sessionCookie(t *testing.T, b *browser) string {
	t.Helper()
	for k, v := range b.cookies {
		if strings.HasSuffix(k, "taito_session") {
			return v
		}
	}
	t.Fatal("the browser has no session cookie")
	return ""
}

// sessionAlive reports whether a browser's session still works.
func sessionAlive(t *testing.T, e *env, raw string) bool {
	t.Helper()
	_, err := e.a.Auth.Browser(context.Background(), raw)
	if err != nil && !errors.Is(err, auth.ErrSessionEnded) {
		t.Fatal(err)
	}
	return err == nil
}

// rowsOf is the text of each body row of the page's tables.
func rowsOf(r response) []string {
	var out []string
	for _, tb := range find(r.doc, byTag("tbody")) {
		for _, tr := range find(tb, byTag("tr")) {
			out = append(out, text(tr))
		}
	}
	return out
}

func mustStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, want, r.body)
	}
}

// errorSummary is the text of the page's error summary, "" without one.
func errorSummary(r response) string {
	s := find(r.doc, byID("error-summary"))
	if len(s) == 0 {
		return ""
	}
	return text(s[0])
}

// TestAdminAccountsSearchFilterAndPage: the admin finds accounts by part of the name or address
// in any case, by role and by org unit, and pages through many; states and roles are in words.
func TestAdminAccountsSearchFilterAndPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var many []auth.NewUser
	for i := range 55 {
		many = append(many, auth.NewUser{Name: fmt.Sprintf("Kutsuttu %02d", i), Email: fmt.Sprintf("kutsuttu%02d@example.fi", i), Roles: []auth.Role{auth.RoleLearner}, OrgUnit: "Outokumpu / perhepalvelut"})
	}
	if _, err := e.a.Auth.InviteUsers(ctx, auth.Principal{UserID: e.users["admin"].ID, Roles: []auth.Role{auth.RoleAdmin}}, many); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(t, "admin")

	r := b.get("/admin/accounts?q=LEARNER")
	mustStatus(t, "search", r, http.StatusOK)
	mustBeWellFormed(t, "search", r)
	rows := rowsOf(r)
	if len(rows) != 2 || !strings.Contains(rows[0], "Learner Testinen") || !strings.Contains(rows[0], "Oppija") || !strings.Contains(rows[0], "Käytössä") ||
		!strings.Contains(rows[0], "Joensuu / aikuissosiaalityö") || !strings.Contains(rows[0], "Suomi") || !strings.Contains(rows[1], "Learner2 Testinen") {
		t.Errorf("search for LEARNER: %q", rows)
	}
	if got := rowsOf(b.get("/admin/accounts?q=trainer%40EXAMPLE")); len(got) != 1 || !strings.Contains(got[0], "Kouluttaja") {
		t.Errorf("search by address: %q", got)
	}
	if got := rowsOf(b.get("/admin/accounts?q=.%2A")); len(got) != 0 {
		t.Errorf("a pattern is searched as text: %q", got)
	}
	if got := rowsOf(b.get("/admin/accounts?role=trainer")); len(got) != 1 || !strings.Contains(got[0], "Trainer Testinen") {
		t.Errorf("role filter: %q", got)
	}
	r = b.get("/admin/accounts?org_unit=" + url.QueryEscape("Lieksa / aikuissosiaalityö"))
	if got := rowsOf(r); len(got) != 1 || !strings.Contains(got[0], "Learner2") {
		t.Errorf("org unit filter: %q", got)
	}
	if len(find(r.doc, func(n *html.Node) bool { return n.Data == "option" && attr(n, "value") == "Outokumpu / perhepalvelut" })) != 1 {
		t.Error("the org unit filter does not offer the units accounts have")
	}

	// Paging: 59 accounts, 50 a page; the filters stay on the next page.
	r = b.get("/admin/accounts?org_unit=" + url.QueryEscape("Outokumpu / perhepalvelut"))
	rows = rowsOf(r)
	if len(rows) != 50 || !strings.Contains(rows[0], "Kutsuttu, ei vielä aktivoitu") {
		t.Fatalf("first page: %d rows, first %q", len(rows), rows[0])
	}
	var next string
	for _, a := range find(r.doc, byTag("a")) {
		if text(a) == "Seuraava" {
			next = attr(a, "href")
		}
	}
	if !strings.Contains(next, "after=") || !strings.Contains(next, "org_unit=") {
		t.Fatalf("next page link %q", next)
	}
	r = b.get(next)
	mustBeWellFormed(t, "second page", r)
	if rows := rowsOf(r); len(rows) != 5 || !strings.Contains(rows[4], "Kutsuttu 54") {
		t.Errorf("second page: %q", rows)
	}

	// A search too long is the user's to fix: the summary, her words kept.
	long := strings.Repeat("a", 201)
	r = b.get("/admin/accounts?q=" + long)
	mustStatus(t, "long search", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "long search", r)
	if errorSummary(r) == "" || attr(find(r.doc, byID("f-q"))[0], "value") != long {
		t.Errorf("long search: summary %q", errorSummary(r))
	}
}

// TestAdminChangesAccount: roles, org unit and language change; a change of roles ends her
// sessions; the app's rules come back in the summary; disabling asks first and ends her
// sessions; enabling lets her in again.
func TestAdminChangesAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	learner := e.signedIn(t, "learner")
	raw := sessionCookie(t, learner)
	b := e.signedIn(t, "admin")
	id := e.users["learner"].ID

	r := b.get("/admin/accounts/" + id)
	mustStatus(t, "account", r, http.StatusOK)
	mustBeWellFormed(t, "account", r)

	// No role: the form again, her values kept.
	r = b.post("/admin/accounts/"+id, url.Values{"org_unit": {"Ilomantsi / sosiaalityö"}, "locale": {"sv"}})
	mustStatus(t, "no roles", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "no roles", r)
	if !strings.Contains(errorSummary(r), "Valitse vähintään yksi rooli") || attr(find(r.doc, byID("f-org_unit"))[0], "value") != "Ilomantsi / sosiaalityö" ||
		!hasAttr(find(r.doc, byID("f-locale-sv"))[0], "checked") {
		t.Errorf("no roles: summary %q", errorSummary(r))
	}
	if !sessionAlive(t, e, raw) {
		t.Fatal("a refused change ended her session")
	}

	r = b.post("/admin/accounts/"+id, url.Values{"role-learner": {"on"}, "role-trainer": {"on"}, "org_unit": {"Ilomantsi / sosiaalityö"}, "locale": {"sv"}})
	mustStatus(t, "save", r, http.StatusSeeOther)
	u, err := e.a.Auth.GetUser(ctx, auth.Principal{UserID: "x", Roles: []auth.Role{auth.RoleAdmin}}, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Roles) != 2 || u.OrgUnit != "Ilomantsi / sosiaalityö" || u.Locale != "sv" {
		t.Errorf("saved %+v", u)
	}
	if sessionAlive(t, e, raw) {
		t.Error("her session goes on after her roles changed")
	}
	if r := b.get(r.location); !strings.Contains(r.body, "Muutokset tallennettiin") {
		t.Error("no notice after saving")
	}

	// Her own admin role she cannot drop: the rule of auth, in words.
	self := e.users["admin"].ID
	b.get("/admin/accounts/" + self)
	r = b.post("/admin/accounts/"+self, url.Values{"role-learner": {"on"}, "org_unit": {""}, "locale": {"fi"}})
	mustStatus(t, "own admin role", r, http.StatusConflict)
	mustBeWellFormed(t, "own admin role", r)
	if errorSummary(r) == "" {
		t.Errorf("own admin role: %q", errorSummary(r))
	}
	r = b.post("/admin/accounts/"+self+"/disable", nil)
	mustStatus(t, "disable herself", r, http.StatusConflict)
	mustBeWellFormed(t, "disable herself", r)

	// Disabling asks first, says her sessions end, and ends them.
	learner2 := e.signedIn(t, "learner2")
	raw2 := sessionCookie(t, learner2)
	id2 := e.users["learner2"].ID
	r = b.get("/admin/accounts/" + id2 + "/disable")
	mustStatus(t, "confirm", r, http.StatusOK)
	mustBeWellFormed(t, "confirm", r)
	if !strings.Contains(r.body, "kirjataan heti ulos") {
		t.Error("the confirmation does not say her sessions end")
	}
	r = b.post("/admin/accounts/"+id2+"/disable", nil)
	mustStatus(t, "disable", r, http.StatusSeeOther)
	if sessionAlive(t, e, raw2) {
		t.Error("a disabled account's session goes on")
	}
	r = b.get("/admin/accounts/" + id2)
	mustBeWellFormed(t, "disabled account", r)
	if !strings.Contains(r.body, "Poistettu käytöstä") || !strings.Contains(r.body, "Ota käyttöön") {
		t.Error("the disabled account does not say so")
	}
	if r := learner2.get("/"); r.status != http.StatusSeeOther {
		t.Errorf("the disabled learner's browser: %d", r.status)
	}
	r = b.post("/admin/accounts/"+id2+"/enable", nil)
	mustStatus(t, "enable", r, http.StatusSeeOther)
	if u, _ := e.a.Auth.GetUser(ctx, auth.Principal{UserID: "x", Roles: []auth.Role{auth.RoleAdmin}}, id2); u.Disabled {
		t.Error("still disabled")
	}
	e.signedIn(t, "learner2")

	// Unknown account: 404.
	if r := b.get("/admin/accounts/no-such-id"); r.status != http.StatusNotFound {
		t.Errorf("unknown account: %d", r.status)
	}
}

// TestAdminInvites: one by the form, many by a CSV file or pasted rows, each row with its
// result; a pending account's invitation is re-sent.
func TestAdminInvites(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	b := e.signedIn(t, "admin")
	r := b.get("/admin/accounts/invite")
	mustStatus(t, "invite page", r, http.StatusOK)
	mustBeWellFormed(t, "invite page", r)

	// Bad address: the form again with what she typed.
	form := url.Values{"name": {"Maija Virtanen"}, "email": {"maija@"}, "role": {"trainer"}, "org_unit": {"Joensuu / työllisyyspalvelut"}, "locale": {"en"}}
	r = b.post("/admin/accounts/invite", form)
	mustStatus(t, "bad address", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "bad address", r)
	if errorSummary(r) == "" || attr(find(r.doc, byID("f-name"))[0], "value") != "Maija Virtanen" || !hasAttr(find(r.doc, byID("f-role-trainer"))[0], "checked") {
		t.Errorf("bad address: %q", errorSummary(r))
	}
	// An address that has an account already.
	form.Set("email", "learner@example.fi")
	r = b.post("/admin/accounts/invite", form)
	mustStatus(t, "taken", r, http.StatusConflict)
	mustBeWellFormed(t, "taken", r)

	form.Set("email", "maija.virtanen@example.fi")
	r = b.post("/admin/accounts/invite", form)
	mustStatus(t, "invite", r, http.StatusSeeOther)
	maija, err := e.a.Auth.UserByEmail(ctx, "maija.virtanen@example.fi")
	if err != nil || !maija.Pending || maija.Locale != "en" || maija.Roles[0] != auth.RoleTrainer {
		t.Fatalf("invited %+v %v", maija, err)
	}
	if r := b.get(r.location); !strings.Contains(r.body, "Kutsu lähetettiin") || !strings.Contains(r.body, "Lähetä kutsu uudelleen") {
		t.Error("the new account's page has no notice or no resend")
	}

	// Re-send: a new invitation e-mail to her; an active account has none to re-send.
	before := invitationsTo(t, e, "maija.virtanen@example.fi")
	r = b.post("/admin/accounts/"+maija.ID+"/invitation", nil)
	mustStatus(t, "resend", r, http.StatusSeeOther)
	if got := invitationsTo(t, e, "maija.virtanen@example.fi"); got != before+1 {
		t.Errorf("%d invitations after re-sending, want %d", got, before+1)
	}
	b.get("/admin/accounts/" + e.users["learner"].ID)
	r = b.post("/admin/accounts/"+e.users["learner"].ID+"/invitation", nil)
	mustStatus(t, "resend to active", r, http.StatusConflict)
	mustBeWellFormed(t, "resend to active", r)

	// Many by a file: the good rows are invited, the others listed with the reason.
	b.get("/admin/accounts/invite")
	csv := "\ufeffnimi;sähköposti;rooli;yksikkö;kieli\nAino Aalto;aino.aalto@example.fi;Kouluttaja;Joensuu;sv\nLearner Testinen;learner@example.fi;;;\nEi Osoitetta;ei-osoite;oppija;;\nVäärä Rooli;vaara@example.fi;pomo;;\n"
	r = adminUpload(b, "/admin/accounts/invite/file", nil, "kutsut.csv", csv)
	mustStatus(t, "file", r, http.StatusOK)
	mustBeWellFormed(t, "file", r)
	rows := rowsOf(r)
	if len(rows) != 4 || !strings.Contains(rows[0], "Kutsuttu") || !strings.Contains(rows[1], "Tili on jo olemassa") ||
		!strings.Contains(rows[2], "Virheellinen") || !strings.Contains(rows[2], "Sähköpostiosoite") || !strings.Contains(rows[3], "Virheellinen") {
		t.Errorf("results %q", rows)
	}
	if u, err := e.a.Auth.UserByEmail(ctx, "aino.aalto@example.fi"); err != nil || u.Roles[0] != auth.RoleTrainer || u.Locale != "sv" || u.OrgUnit != "Joensuu" {
		t.Errorf("Aino: %+v %v", u, err)
	}
	// Pasted rows do the same.
	r = b.post("/admin/accounts/invite/file", url.Values{"rows": {"Pekka Puu;pekka.puu@example.fi"}})
	mustStatus(t, "pasted", r, http.StatusOK)
	if rows := rowsOf(r); len(rows) != 1 || !strings.Contains(rows[0], "Kutsuttu") {
		t.Errorf("pasted: %q", rows)
	}
	// Nothing sent: the summary.
	r = b.post("/admin/accounts/invite/file", url.Values{"rows": {" "}})
	mustStatus(t, "empty", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "empty", r)
}

// invitationsTo counts the invitation e-mails queued to an address.
func invitationsTo(t *testing.T, e *env, to string) int {
	t.Helper()
	n := 0
	after := ""
	for {
		jobs, next, err := e.a.Outbox.List(context.Background(), after, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.Email != nil && j.Email.To == to && strings.HasPrefix(j.ID, "invitation:") {
				n++
			}
		}
		if next == "" {
			return n
		}
		after = next
	}
}

// TestAdminRetriesFailedMessage: a message that failed ten times shows its reason, and a retry
// puts it back in the queue, due at once with its attempts counted from zero.
func TestAdminRetriesFailedMessage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if err := e.a.Outbox.EnqueueEmail(ctx, "test:failing", outbox.Email{To: "nobody@example.fi", Subject: "Tervetuloa Taitoon", Text: "Hei", Locale: "fi"}); err != nil {
		t.Fatal(err)
	}
	cl := e.a.Outbox.NewClaimer("email")
	for range 10 {
		jobs, err := cl.Claim(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if err := cl.Finish(ctx, j, errors.New("550 5.1.1 mailbox unavailable")); err != nil {
				t.Fatal(err)
			}
		}
		e.clock.Advance(7 * time.Hour)
	}
	if j, _ := e.a.Outbox.Get(ctx, "test:failing"); j.State != outbox.StateFailed {
		t.Fatalf("the job is %s after ten failures", j.State)
	}
	b := e.signedIn(t, "admin")
	r := b.get("/admin/outbox?state=failed")
	mustStatus(t, "failed", r, http.StatusOK)
	mustBeWellFormed(t, "failed", r)
	rows := rowsOf(r)
	if len(rows) != 1 || !strings.Contains(rows[0], "mailbox unavailable") || !strings.Contains(rows[0], "Epäonnistui") || !strings.Contains(rows[0], "10") {
		t.Fatalf("failed messages: %q", rows)
	}
	r = b.get("/admin/outbox")
	mustBeWellFormed(t, "all", r)
	r = b.post("/admin/outbox/test:failing/retry", url.Values{"state": {"failed"}})
	mustStatus(t, "retry", r, http.StatusSeeOther)
	if r.location != "/admin/outbox?state=failed" {
		t.Errorf("back to %q", r.location)
	}
	j, _ := e.a.Outbox.Get(ctx, "test:failing")
	if j.State != outbox.StatePending || j.Attempts != 0 || j.NextRunAt.After(e.clock.Now()) {
		t.Errorf("after retry: %+v", j)
	}
	if r := b.get(r.location); !strings.Contains(r.body, "palautettiin jonoon") || len(rowsOf(r)) != 0 {
		t.Error("no notice, or the message is still listed as failed")
	}
	// The worker takes it at once.
	if jobs, err := cl.Claim(ctx, 10); err != nil || len(jobs) != 1 {
		t.Errorf("claimed %d after the retry, %v", len(jobs), err)
	}
	if r := b.post("/admin/outbox/no-such/retry", nil); r.status != http.StatusNotFound {
		t.Errorf("unknown message: %d", r.status)
	}
}

// TestAdminReadsFeedback: feedback from the accessibility statement is kept and listed newest
// first, and marked handled.
func TestAdminReadsFeedback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if err := e.a.AccessibilityFeedback(ctx, "Videossa ei ole tekstitystä.\nToinen rivi", "liisa@example.fi", "sv"); err != nil {
		t.Fatal(err)
	}
	if err := e.a.AccessibilityFeedback(ctx, "Painike on liian pieni", "", "fi"); err != nil {
		t.Fatal(err)
	}
	b := e.signedIn(t, "admin")
	r := b.get("/admin/feedback")
	mustStatus(t, "feedback", r, http.StatusOK)
	mustBeWellFormed(t, "feedback", r)
	arts := find(r.doc, byTag("article"))
	if len(arts) != 2 || !strings.Contains(text(arts[0]), "Painike on liian pieni") || !strings.Contains(text(arts[1]), "liisa@example.fi") ||
		!strings.Contains(text(arts[1]), "Ruotsi") || !strings.Contains(text(arts[1]), "Käsittelemättä") {
		t.Fatalf("feedback: %d articles", len(arts))
	}
	action := attr(find(arts[1], byTag("form"))[0], "action")
	r = b.post(action, nil)
	mustStatus(t, "mark", r, http.StatusSeeOther)
	r = b.get("/admin/feedback")
	if arts := find(r.doc, byTag("article")); !strings.Contains(text(arts[1]), "Käsitelty") || strings.Contains(text(arts[0]), "Käsitelty ") {
		t.Errorf("after marking: %q", text(arts[1]))
	}
}

// TestAdminPagesRefuseOthers: no session goes to sign in, a trainer gets 403, a post without
// its token 403.
func TestAdminPagesRefuseOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.users["learner"].ID
	pages := []string{"/admin/accounts", "/admin/accounts/invite", "/admin/accounts/" + id, "/admin/accounts/" + id + "/disable", "/admin/outbox", "/admin/feedback"}
	anon := e.browser(t)
	for _, p := range pages {
		if r := anon.get(p); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/sign-in?next=") {
			t.Errorf("%s without a session: %d %q", p, r.status, r.location)
		}
	}
	trainer := e.signedIn(t, "trainer")
	for _, p := range pages {
		r := trainer.get(p)
		if r.status != http.StatusForbidden {
			t.Errorf("%s as a trainer: %d", p, r.status)
			continue
		}
		mustBeWellFormed(t, p+" as a trainer", r)
	}
	if r := trainer.post("/admin/accounts/"+id+"/disable", nil); r.status != http.StatusForbidden {
		t.Errorf("trainer disables: %d", r.status)
	}
	admin := e.signedIn(t, "admin")
	for _, p := range []string{"/admin/accounts/" + id, "/admin/accounts/" + id + "/disable", "/admin/accounts/invite", "/admin/outbox/x/retry"} {
		if r := admin.postRaw(p, url.Values{"role-learner": {"on"}, "locale": {"fi"}}); r.status != http.StatusForbidden {
			t.Errorf("%s without the token: %d", p, r.status)
		}
	}
	if u, _ := e.a.Auth.UserByEmail(context.Background(), "learner@example.fi"); u.Disabled {
		t.Error("a refused post disabled her")
	}
}
