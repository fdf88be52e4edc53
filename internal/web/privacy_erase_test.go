package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdminErasesAPerson: the account page links to a confirmation page that says what goes and
// what stays; a wrong address erases nothing and says so; the right one erases her, ends her
// session and shows the result; her account is then gone. An admin cannot erase herself, and
// only admins reach the pages.
func TestAdminErasesAPerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	learner := e.signedIn(t, "learner")
	raw := sessionCookie(t, learner)
	b := e.signedIn(t, "admin")
	target := e.users["learner"]
	id := target.ID

	r := b.get("/admin/accounts/" + id)
	mustStatus(t, "account", r, http.StatusOK)
	if !strings.Contains(r.body, "/admin/accounts/"+id+"/erase") || !strings.Contains(r.body, "Poista henkilö ja hänen tietonsa") {
		t.Error("the account page does not offer the erasure")
	}
	r = b.get("/admin/accounts/" + id + "/erase")
	mustStatus(t, "confirm", r, http.StatusOK)
	mustBeWellFormed(t, "confirm", r)
	for _, want := range []string{target.Email, "Mitä poistetaan", "Mitä jää", "Poistoa ei voi perua", "Varmuuskopioissa"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the confirmation page does not say %q", want)
		}
	}

	r = b.post("/admin/accounts/"+id+"/erase", url.Values{"confirm": {"joku.muu@example.fi"}})
	mustStatus(t, "wrong address", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "wrong address", r)
	if !strings.Contains(errorSummary(r), "Mitään ei poistettu") {
		t.Errorf("wrong address: summary %q", errorSummary(r))
	}
	if !sessionAlive(t, e, raw) {
		t.Fatal("a refused erasure ended her session")
	}

	r = b.post("/admin/accounts/"+id+"/erase", url.Values{"confirm": {" " + strings.ToUpper(target.Email) + " "}})
	mustStatus(t, "erase", r, http.StatusSeeOther)
	if !strings.HasPrefix(r.location, "/admin/erasures/erased-") {
		t.Fatalf("after the erasure: %q", r.location)
	}
	if sessionAlive(t, e, raw) {
		t.Error("the erased person's session goes on")
	}
	resultPath := r.location
	done := b.get(resultPath)
	mustStatus(t, "result", done, http.StatusOK)
	mustBeWellFormed(t, "result", done)
	if !strings.Contains(done.body, "Henkilö ja hänen tietonsa on poistettu") || !strings.Contains(done.body, "Valmis") || strings.Contains(done.body, target.Email) {
		t.Error("the result page does not say she is erased (or names her)")
	}
	if r := b.get("/admin/accounts/" + id); r.status != http.StatusNotFound {
		t.Errorf("her account after the erasure: %d", r.status)
	}
	if r := b.post("/admin/accounts/"+id+"/erase", url.Values{"confirm": {target.Email}}); r.status != http.StatusNotFound {
		t.Errorf("erasing her twice: %d", r.status)
	}
	if _, err := e.a.Auth.UserByEmail(context.Background(), target.Email); err == nil {
		t.Error("her account is still there")
	}

	// Herself: the page explains and offers no form; a post is refused.
	self := e.users["admin"].ID
	r = b.get("/admin/accounts/" + self + "/erase")
	mustStatus(t, "herself", r, http.StatusOK)
	mustBeWellFormed(t, "herself", r)
	if !strings.Contains(r.body, "Et voi poistaa itseäsi") || strings.Contains(r.body, `name="confirm"`) {
		t.Error("the page lets an admin erase herself")
	}
	r = b.post("/admin/accounts/"+self+"/erase", url.Values{"confirm": {e.users["admin"].Email}})
	mustStatus(t, "erase herself", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "erase herself", r)

	// Others: without a session she is sent to sign in; a trainer is refused; the token is required.
	id2 := e.users["learner2"].ID
	anon := e.browser(t)
	for _, p := range []string{"/admin/accounts/" + id2 + "/erase", resultPath} {
		if r := anon.get(p); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/sign-in?next=") {
			t.Errorf("%s without a session: %d %q", p, r.status, r.location)
		}
	}
	trainer := e.signedIn(t, "trainer")
	for _, p := range []string{"/admin/accounts/" + id2 + "/erase", resultPath} {
		r := trainer.get(p)
		mustStatus(t, p+" as a trainer", r, http.StatusForbidden)
		mustBeWellFormed(t, p+" as a trainer", r)
	}
	if r := trainer.post("/admin/accounts/"+id2+"/erase", url.Values{"confirm": {e.users["learner2"].Email}}); r.status != http.StatusForbidden {
		t.Errorf("a trainer erases: %d", r.status)
	}
	if r := b.postRaw("/admin/accounts/"+id2+"/erase", url.Values{"confirm": {e.users["learner2"].Email}}); r.status != http.StatusForbidden {
		t.Errorf("a post without the token: %d", r.status)
	}
	if _, err := e.a.Auth.UserByEmail(context.Background(), e.users["learner2"].Email); err != nil {
		t.Errorf("a refused erasure erased learner2: %v", err)
	}
}

// TestWallShowsErasedAuthorAsDeleted: after a learner is erased, her post keeps its place on the
// wall with the comment on it, shown as deleted, without her name or text.
func TestWallShowsErasedAuthorAsDeleted(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	anna, ben := e.signedIn(t, "learner"), e.signedIn(t, "learner2")
	id := postIDFrom(t, anna.post(wallPath, url.Values{"body": {"Asiakkaani ei löytänyt lomaketta."}, "action": {"publish"}}))
	if r := ben.post(wallPath+"/posts/"+id+"/comments", url.Values{"comment-" + id: {"Sama kokemus minulla."}}); r.status != http.StatusSeeOther {
		t.Fatalf("comment: %d", r.status)
	}
	if _, err := e.a.EraseUser(context.Background(), e.principal("admin"), e.users["learner"].ID); err != nil {
		t.Fatal(err)
	}
	r := ben.get(wallPath)
	actStatus(t, "the wall", r, 200)
	mustBeWellFormed(t, "the wall", r)
	actSay(t, "the wall", r, "Poistettu", "Teksti on poistettu, koska kirjoittajan tiedot on poistettu.", "Sama kokemus minulla.")
	actNotSay(t, "the wall", r, "Asiakkaani ei löytänyt lomaketta.", e.users["learner"].Name)
	if len(find(r.doc, byID("post-"+id))) != 1 {
		t.Error("her post lost its place on the wall")
	}

	// The group's dashboard counts her row under the words for an erased person.
	groups, err := e.a.Cohorts.List(context.Background(), e.principal("trainer"))
	if err != nil || len(groups) != 1 {
		t.Fatalf("groups %v, %v", groups, err)
	}
	r = e.signedIn(t, "trainer").get("/groups/" + groups[0].ID)
	actStatus(t, "the dashboard", r, 200)
	mustBeWellFormed(t, "the dashboard", r)
	actSay(t, "the dashboard", r, "Poistettu henkilö", e.users["learner2"].Name)
	actNotSay(t, "the dashboard", r, e.users["learner"].Name)
}
