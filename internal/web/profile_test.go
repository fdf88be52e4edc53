package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/net/html"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/testenv"
	"github.com/taito-lms/taito/internal/web"
)

// acctStatus fails the test when r is not status, showing the page's text.
func acctStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		body := r.body
		if r.doc != nil {
			body = text(r.doc)
		}
		t.Fatalf("%s: status %d, want %d (→ %q)\n%.1500s", what, r.status, want, r.location, body)
	}
}

// acctSays fails the test when the page's text lacks any of words.
func acctSays(t *testing.T, what string, r response, words ...string) {
	t.Helper()
	if r.doc == nil {
		t.Fatalf("%s: not a page", what)
	}
	got := text(r.doc)
	for _, w := range words {
		if !strings.Contains(got, w) {
			t.Errorf("%s: the page does not say %q:\n%.2000s", what, w, got)
		}
	}
}

// acctSummary is the targets of the error summary's links ("#f-email"), nil without a summary.
func acctSummary(r response) []string {
	var out []string
	for _, s := range find(r.doc, byID("error-summary")) {
		for _, a := range find(s, byTag("a")) {
			out = append(out, attr(a, "href"))
		}
	}
	return out
}

// acctMustSummarise fails unless the page has an error summary linking to each of fields.
func acctMustSummarise(t *testing.T, what string, r response, fields ...string) {
	t.Helper()
	got := strings.Join(acctSummary(r), " ")
	for _, f := range fields {
		if !strings.Contains(got, "#f-"+f) {
			t.Errorf("%s: the error summary links to %q, not to #f-%s", what, got, f)
		}
	}
	if in := find(r.doc, byID("f-"+fields[0])); len(in) == 1 && in[0].Data == "input" && attr(in[0], "aria-invalid") != "true" {
		t.Errorf("%s: #f-%s is not marked aria-invalid", what, fields[0])
	}
}

func acctValue(r response, id string) string {
	for _, n := range find(r.doc, byID(id)) {
		if n.Data == "textarea" {
			if n.FirstChild != nil {
				return n.FirstChild.Data
			}
			return ""
		}
		return attr(n, "value")
	}
	return ""
}

// acctMails is the text of every queued e-mail to an address.
func acctMails(t *testing.T, e *env, to string) []string {
	t.Helper()
	e.a.Auth.Wait()
	jobs, _, err := e.a.Outbox.List(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, j := range jobs {
		if j.Email != nil && j.Email.To == to {
			out = append(out, j.Email.Subject+"\n"+j.Email.Text)
		}
	}
	return out
}

// acctToken is the token of the last link to path in a text ("/invitation").
func acctToken(t *testing.T, text, path string) string {
	t.Helper()
	i := strings.LastIndex(text, path+"?token=")
	if i < 0 {
		t.Fatalf("no %s link in:\n%s", path, text)
	}
	tok := text[i+len(path+"?token="):]
	if j := strings.IndexAny(tok, "\n "); j >= 0 {
		tok = tok[:j]
	}
	tok, err := url.QueryUnescape(tok)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// invite creates a pending account and returns its invitation's token.
func (e *env) invite(t *testing.T, email string) string {
	t.Helper()
	admin := auth.Principal{UserID: e.users["admin"].ID, Roles: []auth.Role{auth.RoleAdmin}}
	_, inv, err := e.a.Auth.CreateUser(context.Background(), admin, auth.NewUser{Email: email, Name: "Kutsuttu Kokeilija", Roles: []auth.Role{auth.RoleLearner}, Locale: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(inv.URL)
	return u.Query().Get("token")
}

// acctNoTokenInLinks fails when a link or the form's action carries tok: it stays in a hidden
// field.
func acctNoTokenInLinks(t *testing.T, what string, r response, tok string) {
	t.Helper()
	for _, n := range find(r.doc, func(n *html.Node) bool { return n.Data == "a" || n.Data == "form" }) {
		if strings.Contains(attr(n, "href")+attr(n, "action"), url.QueryEscape(tok)) || (tok != "" && strings.Contains(attr(n, "href")+attr(n, "action"), tok)) {
			t.Errorf("%s: a link or form action carries the token", what)
		}
	}
}

func TestForgotPasswordAnswersTheSameForEveryAddress(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	r := b.get("/forgot-password")
	acctStatus(t, "page", r, http.StatusOK)
	mustBeWellFormed(t, "forgot password", r)
	acctSays(t, "page", r, "Unohtuiko salasana?", "Sähköpostiosoite")

	r = b.post("/forgot-password", url.Values{"email": {""}})
	acctStatus(t, "empty", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "forgot password, empty", r)
	acctMustSummarise(t, "empty", r, "email")

	r = b.post("/forgot-password", url.Values{"email": {"learner@"}})
	acctStatus(t, "not an address", r, http.StatusUnprocessableEntity)
	acctMustSummarise(t, "not an address", r, "email")
	if v := acctValue(r, "f-email"); v != "learner@" {
		t.Errorf("the address she typed is not kept: %q", v)
	}

	if r := b.postRaw("/forgot-password", url.Values{"email": {"learner@example.fi"}}); r.status != http.StatusForbidden {
		t.Errorf("without its token: %d", r.status)
	}

	known := b.post("/forgot-password", url.Values{"email": {"learner@example.fi"}})
	acctStatus(t, "known address", known, http.StatusOK)
	mustBeWellFormed(t, "forgot password, sent", known)
	unknown := b.post("/forgot-password", url.Values{"email": {"nobody@example.fi"}})
	acctStatus(t, "unknown address", unknown, http.StatusOK)
	main := func(r response) string { return text(find(r.doc, byTag("main"))[0]) }
	if main(known) != main(unknown) {
		t.Errorf("a known and an unknown address are answered differently:\n%s\n%s", main(known), main(unknown))
	}
	acctSays(t, "sent", known, "Jos osoitteella on Taito-tili, lähetimme siihen linkin.")
	if m := acctMails(t, e, "learner@example.fi"); len(m) != 1 || !strings.Contains(m[0], "/password-reset?token=") {
		t.Errorf("the learner's reset e-mail: %q", m)
	}

	// Five requests an hour per address; the sixth is refused in words, on the form.
	for range 4 {
		b.post("/forgot-password", url.Values{"email": {"learner@example.fi"}})
	}
	r = b.post("/forgot-password", url.Values{"email": {"learner@example.fi"}})
	acctStatus(t, "too many", r, http.StatusTooManyRequests)
	mustBeWellFormed(t, "forgot password, too many", r)
	acctMustSummarise(t, "too many", r, "email")
	acctSays(t, "too many", r, "Tarkista seuraavat kohdat")
}

func TestInvitationSetsThePasswordAndSignsIn(t *testing.T) {
	e := newEnv(t)
	tok := e.invite(t, "uusi@example.fi")
	b := e.browser(t)
	link := "/invitation?token=" + url.QueryEscape(tok)
	r := b.get(link)
	acctStatus(t, "page", r, http.StatusOK)
	mustBeWellFormed(t, "invitation", r)
	acctSays(t, "page", r, "Aseta salasana", "Nimesi (vapaaehtoinen)", "Vähintään "+strconv.Itoa(auth.MinPasswordLength)+" merkkiä")
	acctNoTokenInLinks(t, "invitation", r, tok)
	if acctValue(r, "f-password") != "" || len(find(r.doc, func(n *html.Node) bool { return attr(n, "name") == "token" && attr(n, "type") == "hidden" })) != 1 {
		t.Error("the token is not in a hidden field")
	}
	for _, id := range []string{"f-password", "f-password_confirm"} {
		if in := find(r.doc, byID(id)); len(in) != 1 || attr(in[0], "autocomplete") != "new-password" {
			t.Errorf("%s has no autocomplete=new-password", id)
		}
	}

	form := func(name, pw, confirm string) url.Values {
		return url.Values{"token": {tok}, "name": {name}, "password": {pw}, "password_confirm": {confirm}}
	}
	r = b.post("/invitation", form("Uusi Nimi", "pitkä hyvä salasana", "pitkä hyvä salasna"))
	acctStatus(t, "mismatch", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "invitation, mismatch", r)
	acctMustSummarise(t, "mismatch", r, "password_confirm")
	if v := acctValue(r, "f-name"); v != "Uusi Nimi" {
		t.Errorf("the name she typed is not kept: %q", v)
	}
	if acctValue(r, "f-password") != "" {
		t.Error("a password is sent back")
	}
	r = b.post("/invitation", form("", "lyhyt", "lyhyt"))
	acctStatus(t, "short", r, http.StatusUnprocessableEntity)
	acctMustSummarise(t, "short", r, "password")
	if r := b.postRaw("/invitation", form("", "pitkä hyvä salasana", "pitkä hyvä salasana")); r.status != http.StatusForbidden {
		t.Errorf("without its token: %d", r.status)
	}
	u, _ := e.a.Auth.UserByEmail(t.Context(), "uusi@example.fi")
	if !u.Pending {
		t.Fatal("a refused form activated the account")
	}

	r = b.post("/invitation", form("Uusi Nimi", "pitkä hyvä salasana", "pitkä hyvä salasana"))
	acctStatus(t, "set", r, http.StatusSeeOther)
	if r.location != "/" || b.cookies["taito_session"] == "" || b.cookies["taito_notice"] != "invitation.welcome" {
		t.Errorf("after setting the password: → %q, cookies %v", r.location, b.cookies)
	}
	u, _ = e.a.Auth.UserByEmail(t.Context(), "uusi@example.fi")
	if u.Pending || u.Name != "Uusi Nimi" {
		t.Errorf("account after the invitation: %+v", u)
	}
	if r := b.get("/profile"); r.status != http.StatusOK {
		t.Errorf("signed in after the invitation? /profile: %d", r.status)
	}

	// The link works once: then it says so in words and offers a new one.
	other := e.browser(t)
	other.get(link)
	r = other.post("/invitation", form("", "toinen pitkä salasana", "toinen pitkä salasana"))
	acctStatus(t, "used link", r, http.StatusGone)
	mustBeWellFormed(t, "invitation, used", r)
	acctSays(t, "used link", r, "Kutsulinkki ei enää toimi", "Lähetä uusi linkki")
	if f := find(r.doc, func(n *html.Node) bool { return n.Data == "form" && attr(n, "action") == "/forgot-password" }); len(f) != 1 {
		t.Error("the used link's page has no form to ask for a new link")
	}
	r = e.browser(t).get("/invitation")
	acctStatus(t, "no token", r, http.StatusGone)
	mustBeWellFormed(t, "invitation without a token", r)
}

func TestAnExpiredInvitationCanBeSentAgain(t *testing.T) {
	e := newEnv(t)
	tok := e.invite(t, "myohassa@example.fi")
	e.clock.Advance(auth.InvitationTTL + time.Minute)
	b := e.browser(t)
	b.get("/invitation?token=" + url.QueryEscape(tok))
	r := b.post("/invitation", url.Values{"token": {tok}, "password": {"pitkä hyvä salasana"}, "password_confirm": {"pitkä hyvä salasana"}})
	acctStatus(t, "expired", r, http.StatusGone)
	mustBeWellFormed(t, "invitation, expired", r)
	acctSays(t, "expired", r, "vanhentunut")
	r = b.post("/forgot-password", url.Values{"email": {"myohassa@example.fi"}})
	acctStatus(t, "send a new link", r, http.StatusOK)
	mails := acctMails(t, e, "myohassa@example.fi")
	if len(mails) != 2 {
		t.Fatalf("%d e-mails, want the invitation and a new one", len(mails))
	}
	fresh := acctToken(t, mails[len(mails)-1], "/invitation")
	if fresh == tok {
		mails[0], mails[1] = mails[1], mails[0]
		fresh = acctToken(t, mails[len(mails)-1], "/invitation")
	}
	b.get("/invitation?token=" + url.QueryEscape(fresh))
	r = b.post("/invitation", url.Values{"token": {fresh}, "password": {"pitkä hyvä salasana"}, "password_confirm": {"pitkä hyvä salasana"}})
	acctStatus(t, "the new link", r, http.StatusSeeOther)
}

func TestPasswordResetFromTheLink(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.get("/forgot-password")
	b.post("/forgot-password", url.Values{"email": {"learner@example.fi"}})
	mails := acctMails(t, e, "learner@example.fi")
	if len(mails) != 1 {
		t.Fatalf("%d e-mails", len(mails))
	}
	tok := acctToken(t, mails[0], "/password-reset")
	before := e.signedIn(t, "learner") // another browser, signed in before the reset

	r := b.get("/password-reset?token=" + url.QueryEscape(tok))
	acctStatus(t, "page", r, http.StatusOK)
	mustBeWellFormed(t, "password reset", r)
	acctNoTokenInLinks(t, "password reset", r, tok)
	r = b.post("/password-reset", url.Values{"token": {tok}, "password": {"uusi pitkä salasana"}, "password_confirm": {"uusi pitkä salasan"}})
	acctStatus(t, "mismatch", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "password reset, mismatch", r)
	acctMustSummarise(t, "mismatch", r, "password_confirm")
	r = b.post("/password-reset", url.Values{"token": {tok}, "password": {"", ""}})
	acctStatus(t, "empty", r, http.StatusUnprocessableEntity)
	acctMustSummarise(t, "empty", r, "password")
	if r := b.postRaw("/password-reset", url.Values{"token": {tok}, "password": {"uusi pitkä salasana"}, "password_confirm": {"uusi pitkä salasana"}}); r.status != http.StatusForbidden {
		t.Errorf("without its token: %d", r.status)
	}

	r = b.post("/password-reset", url.Values{"token": {tok}, "password": {"uusi pitkä salasana"}, "password_confirm": {"uusi pitkä salasana"}})
	acctStatus(t, "reset", r, http.StatusSeeOther)
	if r.location != "/sign-in" {
		t.Errorf("after the reset → %q", r.location)
	}
	r = b.get("/sign-in")
	acctSays(t, "sign-in after the reset", r, "Uusi salasanasi on tallennettu.")
	if r := before.get("/profile"); r.status != http.StatusSeeOther {
		t.Errorf("a session from before the reset still works: %d", r.status)
	}
	if _, _, err := e.a.Auth.SignInBrowser(t.Context(), "learner@example.fi", "uusi pitkä salasana", "192.0.2.1"); err != nil {
		t.Errorf("the new password does not work: %v", err)
	}

	r = b.post("/password-reset", url.Values{"token": {tok}, "password": {"kolmas pitkä salasana"}, "password_confirm": {"kolmas pitkä salasana"}})
	acctStatus(t, "used link", r, http.StatusGone)
	mustBeWellFormed(t, "password reset, used", r)
	acctSays(t, "used link", r, "Salasanalinkki ei enää toimi", "Pyydä uusi linkki")
	if len(find(r.doc, func(n *html.Node) bool { return n.Data == "a" && attr(n, "href") == "/forgot-password" })) == 0 {
		t.Error("no link to ask for a new one")
	}
}

func TestProfile(t *testing.T) {
	e := newEnv(t)
	if r := e.browser(t).get("/profile"); r.status != http.StatusSeeOther || r.location != "/sign-in?next=%2Fprofile" {
		t.Fatalf("without a session: %d → %q", r.status, r.location)
	}
	b := e.signedIn(t, "learner")
	r := b.get("/profile")
	acctStatus(t, "profile", r, http.StatusOK)
	mustBeWellFormed(t, "profile", r)
	acctSays(t, "profile", r, "Profiili", "learner@example.fi", "Joensuu / aikuissosiaalityö", "Oppija", "Tulevat", "Kieli", "Tallenna")
	if acctValue(r, "f-name") != "Learner Testinen" {
		t.Errorf("name field %q", acctValue(r, "f-name"))
	}
	if in := find(r.doc, byID("f-locale")); len(in) != 1 || !hasAttr(in[0], "checked") {
		t.Error("her language (fi) is not chosen")
	}

	// Name and language.
	r = b.post("/profile", url.Values{"name": {"  "}, "locale": {"sv"}})
	acctStatus(t, "empty name", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "profile, empty name", r)
	acctMustSummarise(t, "empty name", r, "name")
	if in := find(r.doc, byID("f-locale-sv")); len(in) != 1 || !hasAttr(in[0], "checked") {
		t.Error("the language she chose is not kept")
	}
	r = b.post("/profile", url.Values{"name": {"Liisa"}, "locale": {"de"}})
	acctStatus(t, "bad language", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "profile, bad language", r)
	acctMustSummarise(t, "bad language", r, "locale")
	if r := b.postRaw("/profile", url.Values{"name": {"Liisa"}, "locale": {"sv"}}); r.status != http.StatusForbidden {
		t.Errorf("without its token: %d", r.status)
	}
	r = b.post("/profile", url.Values{"name": {"Liisa Laine"}, "locale": {"sv"}})
	acctStatus(t, "save", r, http.StatusSeeOther)
	r = b.get(r.location)
	acctSays(t, "saved", r, "Uppgifterna har sparats.", "Profil")
	if got := attr(find(r.doc, byTag("html"))[0], "lang"); got != "sv" {
		t.Errorf("lang %q after choosing Swedish", got)
	}
	if u, _ := e.a.Auth.UserByEmail(t.Context(), "learner@example.fi"); u.Name != "Liisa Laine" || u.Locale != "sv" {
		t.Errorf("account %q %q", u.Name, u.Locale)
	}
	// Another learner's profile is her own page: nobody else's account shows.
	r = e.signedIn(t, "learner2").get("/profile")
	acctSays(t, "learner2", r, "learner2@example.fi")
	if strings.Contains(text(r.doc), "Liisa Laine") {
		t.Error("learner2's profile shows the learner's name")
	}
}

func TestProfilePasswordChangeKeepsOnlyThisBrowserSignedIn(t *testing.T) {
	e := newEnv(t)
	elsewhere := e.signedIn(t, "learner")
	b := e.signedIn(t, "learner")
	b.get("/profile")
	r := b.post("/profile/password", url.Values{"current_password": {testPassword}, "password": {"uusi pitkä salasana"}, "password_confirm": {"eri salasana"}})
	acctStatus(t, "mismatch", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "profile, mismatch", r)
	acctMustSummarise(t, "mismatch", r, "password_confirm")
	r = b.post("/profile/password", url.Values{"current_password": {""}, "password": {"uusi pitkä salasana"}, "password_confirm": {"uusi pitkä salasana"}})
	acctStatus(t, "no current", r, http.StatusUnprocessableEntity)
	acctMustSummarise(t, "no current", r, "current_password")
	r = b.post("/profile/password", url.Values{"current_password": {"väärä salasana tässä"}, "password": {"uusi pitkä salasana"}, "password_confirm": {"uusi pitkä salasana"}})
	acctStatus(t, "wrong current", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "profile, wrong current password", r)
	acctMustSummarise(t, "wrong current", r, "current_password")
	r = b.post("/profile/password", url.Values{"current_password": {testPassword}, "password": {"lyhyt"}, "password_confirm": {"lyhyt"}})
	acctStatus(t, "short", r, http.StatusUnprocessableEntity)
	acctMustSummarise(t, "short", r, "password")
	if r := b.postRaw("/profile/password", url.Values{"current_password": {testPassword}, "password": {"uusi pitkä salasana"}, "password_confirm": {"uusi pitkä salasana"}}); r.status != http.StatusForbidden {
		t.Errorf("without its token: %d", r.status)
	}
	if r := e.browser(t).post("/profile/password", url.Values{"current_password": {testPassword}}); r.status == http.StatusSeeOther || r.status == http.StatusOK {
		t.Errorf("without a session: %d", r.status)
	}

	r = b.post("/profile/password", url.Values{"current_password": {testPassword}, "password": {"uusi pitkä salasana"}, "password_confirm": {"uusi pitkä salasana"}})
	acctStatus(t, "change", r, http.StatusSeeOther)
	r = b.get(r.location)
	acctStatus(t, "this browser after the change", r, http.StatusOK)
	acctSays(t, "changed", r, "Salasana on vaihdettu.")
	if r := elsewhere.get("/profile"); r.status != http.StatusSeeOther {
		t.Errorf("the other browser is still signed in: %d", r.status)
	}
	// The new session's token works for the next form.
	r = b.post("/profile/sign-out-everywhere", nil)
	acctStatus(t, "sign out everywhere", r, http.StatusSeeOther)
	if r.location != "/sign-in" {
		t.Errorf("→ %q", r.location)
	}
	r = b.get("/sign-in")
	acctSays(t, "signed out everywhere", r, "Olet kirjautunut ulos kaikilta laitteilta.")
	if r := b.get("/profile"); r.status != http.StatusSeeOther {
		t.Errorf("still signed in after signing out everywhere: %d", r.status)
	}
}

func TestSignOutEverywhere(t *testing.T) {
	e := newEnv(t)
	a, b := e.signedIn(t, "learner"), e.signedIn(t, "learner")
	other := e.signedIn(t, "learner2")
	b.get("/profile")
	if r := b.postRaw("/profile/sign-out-everywhere", url.Values{}); r.status != http.StatusForbidden {
		t.Errorf("without its token: %d", r.status)
	}
	r := b.post("/profile/sign-out-everywhere", nil)
	acctStatus(t, "sign out everywhere", r, http.StatusSeeOther)
	if _, ok := b.cookies["taito_session"]; ok {
		t.Error("the cookie stays")
	}
	for who, br := range map[string]*browser{"this browser": b, "the other browser": a} {
		if r := br.get("/profile"); r.status != http.StatusSeeOther {
			t.Errorf("%s is still signed in: %d", who, r.status)
		}
	}
	if r := other.get("/profile"); r.status != http.StatusOK {
		t.Errorf("another person was signed out: %d", r.status)
	}
}

func TestUnsubscribeAsksFirst(t *testing.T) {
	e := newEnv(t)
	learner := e.users["learner"]
	tok := e.a.Auth.UnsubscribeToken(learner.ID)
	link := e.a.Links().Unsubscribe(tok)
	if !strings.HasPrefix(link, testenv.Issuer+"/unsubscribe?token=") {
		t.Fatalf("the reminder's link is %q", link)
	}
	b := e.browser(t)
	r := b.get(strings.TrimPrefix(link, testenv.Issuer))
	acctStatus(t, "page", r, http.StatusOK)
	mustBeWellFormed(t, "unsubscribe", r)
	acctSays(t, "page", r, "Haluatko lopettaa", "Lopeta muistutukset")
	acctNoTokenInLinks(t, "unsubscribe", r, tok)
	if u, _ := e.a.Auth.UserByEmail(t.Context(), learner.Email); u.RemindersOff {
		t.Fatal("opening the link unsubscribed her")
	}
	if r := b.postRaw("/unsubscribe", url.Values{"token": {tok}}); r.status != http.StatusForbidden {
		t.Errorf("without its token: %d", r.status)
	}
	r = b.post("/unsubscribe", url.Values{"token": {tok + "x"}})
	acctStatus(t, "tampered", r, http.StatusBadRequest)
	mustBeWellFormed(t, "unsubscribe, tampered", r)
	acctSays(t, "tampered", r, "Linkki ei toimi")
	r = b.post("/unsubscribe", url.Values{"token": {tok}})
	acctStatus(t, "unsubscribe", r, http.StatusOK)
	mustBeWellFormed(t, "unsubscribed", r)
	acctSays(t, "unsubscribed", r, "Muistutukset on lopetettu.")
	if u, _ := e.a.Auth.UserByEmail(t.Context(), learner.Email); !u.RemindersOff {
		t.Error("the button did not unsubscribe her")
	}
	r = e.signedIn(t, "learner").get("/profile")
	acctSays(t, "profile after unsubscribing", r, "Muistutussähköpostit", "Lopetettu")
	r = e.browser(t).get("/unsubscribe")
	acctStatus(t, "no token", r, http.StatusBadRequest)
	mustBeWellFormed(t, "unsubscribe without a token", r)
}

func TestAccessibilityStatementAndFeedback(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	r := b.get("/accessibility")
	acctStatus(t, "statement", r, http.StatusOK)
	mustBeWellFormed(t, "accessibility statement", r)
	acctSays(t, "statement", r, "Saavutettavuusseloste", "306/2019", "WCAG 2.1", "2.12.2026", "Etelä-Suomen aluehallintovirasto",
		"Lupa- ja valvontavirasto", "www.saavutettavuusvaatimukset.fi", "PDF")
	en := e.browser(t)
	en.header.Set("Accept-Language", "en")
	acctSays(t, "in English", en.get("/accessibility"), "Supervising authority", "www.webaccessibility.fi")

	long := strings.Repeat("å", 4001)
	r = b.post("/accessibility/feedback", url.Values{"message": {long}, "email": {"liisa@example.fi"}})
	acctStatus(t, "too long", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "feedback, too long", r)
	acctMustSummarise(t, "too long", r, "message")
	if acctValue(r, "f-message") != long || acctValue(r, "f-email") != "liisa@example.fi" {
		t.Error("the text she wrote is not kept")
	}
	r = b.post("/accessibility/feedback", url.Values{"message": {" "}})
	acctStatus(t, "empty", r, http.StatusUnprocessableEntity)
	acctMustSummarise(t, "empty", r, "message")
	r = b.post("/accessibility/feedback", url.Values{"message": {"Videossa ei ole tekstitystä."}, "email": {"liisa@"}})
	acctStatus(t, "bad address", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "feedback, bad address", r)
	acctMustSummarise(t, "bad address", r, "email")
	if acctValue(r, "f-message") != "Videossa ei ole tekstitystä." {
		t.Error("the text she wrote is not kept")
	}
	if r := b.postRaw("/accessibility/feedback", url.Values{"message": {"x"}}); r.status != http.StatusForbidden {
		t.Errorf("without its token: %d", r.status)
	}

	r = b.post("/accessibility/feedback", url.Values{"message": {"Videossa ei ole tekstitystä."}, "email": {"liisa@example.fi"}})
	acctStatus(t, "send", r, http.StatusSeeOther)
	acctSays(t, "sent", b.get(r.location), "Kiitos! Palautteesi on välitetty")
	mails := acctMails(t, e, "admin@example.fi")
	if len(mails) != 1 || !strings.Contains(mails[0], "Videossa ei ole tekstitystä.") || !strings.Contains(mails[0], "liisa@example.fi") {
		t.Errorf("the admin's e-mails: %q", mails)
	}
	if n := len(acctMails(t, e, "learner@example.fi")); n != 0 {
		t.Errorf("a learner got %d feedback e-mails", n)
	}

	// A signed-in person sends feedback too, and one address only a few an hour.
	s := e.signedIn(t, "learner")
	s.get("/accessibility")
	for i := range 4 {
		if r := s.post("/accessibility/feedback", url.Values{"message": {"palaute " + strconv.Itoa(i)}}); r.status != http.StatusSeeOther {
			t.Fatalf("feedback %d: %d", i+2, r.status)
		}
	}
	r = s.post("/accessibility/feedback", url.Values{"message": {"kuudes palaute"}})
	acctStatus(t, "too many", r, http.StatusTooManyRequests)
	mustBeWellFormed(t, "feedback, too many", r)
	acctMustSummarise(t, "too many", r, "message")
	if acctValue(r, "f-message") != "kuudes palaute" {
		t.Error("the text is lost when refused")
	}
}

func TestPrivacyNotice(t *testing.T) {
	e := newEnv(t)
	r := e.browser(t).get("/privacy")
	acctStatus(t, "notice", r, http.StatusOK)
	mustBeWellFormed(t, "privacy notice", r)
	acctSays(t, "notice", r, "Tietosuojaseloste", "organisaatio, joka ylläpitää tätä palvelua", "Tietosuojavaltuutetun toimisto",
		"Käyttäjätilisi", "Opintosi", "Kirjoittamasi tekstit", "Itsearvioinnit", "Oikeutesi")

	// With the organisation configured, it is named with its contact.
	f := fiber.New()
	web.Mount(f, e.a, web.Options{PublicURL: testenv.Issuer, Now: e.clock.Now, OrgName: "Esimerkin hyvinvointialue", PrivacyContact: "tietosuoja@esimerkki.fi"})
	named := &env{a: e.a, fiber: f, clock: e.clock, users: e.users}
	b := named.browser(t)
	b.header.Set("Accept-Language", "sv")
	r = b.get("/privacy")
	acctStatus(t, "named", r, http.StatusOK)
	mustBeWellFormed(t, "privacy notice, named", r)
	acctSays(t, "named", r, "Dataskyddsbeskrivning", "Esimerkin hyvinvointialue", "tietosuoja@esimerkki.fi", "Dataombudsmannens byrå")
}
