package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// TestIdleSessionsEndAndPagesSendHerToSignIn: after two hours without a page the session has
// ended: a page sends her to sign in and back, and the cookie is cleared.
func TestIdleSessionsEndAndPagesSendHerToSignIn(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "learner")
	e.clock.Advance(2*time.Hour + time.Minute)
	r := b.get("/profile?tab=1")
	if r.status != http.StatusSeeOther || r.location != "/sign-in?next="+url.QueryEscape("/profile?tab=1") {
		t.Fatalf("after the idle limit: %d → %q", r.status, r.location)
	}
	if _, ok := b.cookies["taito_session"]; ok {
		t.Error("the ended session's cookie was not cleared")
	}
}

// TestWorkPostedAfterTheSessionEndedIsShownBack: a post whose session ended while she wrote is
// not a refusal: the sign-in page shows what she wrote, to copy, and nothing is changed.
func TestWorkPostedAfterTheSessionEndedIsShownBack(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "learner")
	token := b.csrf
	e.clock.Advance(3 * time.Hour)
	wrote := "Asiakas tarvitsi apua Omakannan kanssa; ohjasin hänet digitukeen."
	r := b.post("/courses/x/walls/y/posts", url.Values{"csrf": {token}, "body": {wrote}})
	if r.status != http.StatusUnauthorized {
		t.Fatalf("post after the session ended: %d", r.status)
	}
	mustBeWellFormed(t, "sign-in with kept text", r)
	kept := find(r.doc, byTag("textarea"))
	if len(kept) != 1 || !strings.Contains(text(kept[0]), "Omakannan") {
		t.Fatalf("her text is not shown back: %d textareas", len(kept))
	}
	if len(find(r.doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == "password" })) != 1 {
		t.Error("no password field to sign in again")
	}
}

// TestSigningInEndsTheSessionBefore: on a shared computer, signing in as someone else ends the
// earlier session on the server, not only in the browser; a GET signs nobody out.
func TestSigningInEndsTheSessionBefore(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "learner")
	old := b.cookies["taito_session"]
	b.get("/sign-out")
	if _, err := e.a.Auth.Browser(t.Context(), old); err != nil {
		t.Fatalf("a GET of /sign-out ended the session: %v", err)
	}
	r := b.post("/sign-in", url.Values{"email": {"learner2@example.fi"}, "password": {testPassword}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("signing in as another: %d", r.status)
	}
	if _, err := e.a.Auth.Browser(t.Context(), old); err == nil {
		t.Fatal("the earlier session is still live after another sign-in on the same browser")
	}
}

// TestOversizePostsToPagesAreAnsweredInWords: a form post over the service's body limit is not
// read, and the page says in her language what happened (not the API's JSON problem).
func TestOversizePostsToPagesAreAnsweredInWords(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "learner")
	big := strings.Repeat("a", 2<<20)
	r := b.post("/profile", url.Values{"name": {big}})
	if r.status != http.StatusRequestEntityTooLarge || r.doc == nil {
		t.Fatalf("oversize post: %d %q", r.status, r.header.Get("Content-Type"))
	}
	mustBeWellFormed(t, "413 page", r)
	if !strings.Contains(r.body, "liian suuret") {
		t.Errorf("the page does not say the post was too large in Finnish")
	}
}
