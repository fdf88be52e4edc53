package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestSignInAndOut(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	r := b.get("/sign-in")
	if r.status != http.StatusOK {
		t.Fatalf("sign-in page: %d", r.status)
	}
	mustBeWellFormed(t, "sign-in", r)
	if got := attr(find(r.doc, byTag("html"))[0], "lang"); got != "fi" {
		t.Errorf("lang %q, want fi by default", got)
	}
	r = b.post("/sign-in", url.Values{"email": {"learner@example.fi"}, "password": {testPassword}, "next": {"/profile"}})
	if r.status != http.StatusSeeOther || r.location != "/profile" {
		t.Fatalf("sign in: %d → %q", r.status, r.location)
	}
	if _, ok := b.cookies["taito_session"]; !ok {
		t.Fatalf("no session cookie: %v", b.cookies)
	}
	if sc := r.header.Get("Set-Cookie"); !strings.Contains(sc, "HttpOnly") || !strings.Contains(strings.ToLower(sc), "samesite=lax") || !strings.Contains(sc, "path=/") {
		t.Errorf("session cookie %q is not HttpOnly, SameSite=Lax, Path=/", sc)
	}
	b.get(r.location)
	r = b.post("/sign-out", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d %s", r.status, r.body)
	}
	if _, ok := b.cookies["taito_session"]; ok {
		t.Error("the session cookie stays after signing out")
	}
}

func TestSignInErrorsKeepTheEmailAndSayWhatIsWrong(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.get("/sign-in")
	r := b.post("/sign-in", url.Values{"email": {"learner@example.fi"}, "password": {"wrong password here"}})
	if r.status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", r.status)
	}
	mustBeWellFormed(t, "sign-in with an error", r)
	if s := find(r.doc, byID("error-summary")); len(s) != 1 {
		t.Fatal("no error summary")
	}
	if in := find(r.doc, byID("f-email")); len(in) != 1 || attr(in[0], "value") != "learner@example.fi" {
		t.Error("the e-mail she typed is not kept")
	}
	if title := text(find(r.doc, byTag("title"))[0]); !strings.HasPrefix(title, "Virhe:") {
		t.Errorf("title %q does not start with Virhe:", title)
	}
	r = b.post("/sign-in", url.Values{"email": {""}, "password": {""}})
	if r.status != http.StatusUnprocessableEntity || len(find(r.doc, byID("error-summary"))) != 1 {
		t.Fatalf("empty form: %d", r.status)
	}
}

func TestFormsWithoutTheirTokenAreRefused(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.get("/sign-in")
	r := b.postRaw("/sign-in", url.Values{"email": {"learner@example.fi"}, "password": {testPassword}})
	if r.status != http.StatusForbidden {
		t.Fatalf("sign-in without token: %d", r.status)
	}
	s := e.signedIn(t, "learner")
	if r := s.postRaw("/sign-out", url.Values{}); r.status != http.StatusForbidden {
		t.Fatalf("sign-out without token: %d", r.status)
	}
	if r := s.postRaw("/sign-out", url.Values{"csrf": {"forged"}}); r.status != http.StatusForbidden {
		t.Fatalf("sign-out with a forged token: %d", r.status)
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	e := newEnv(t)
	s := e.signedIn(t, "learner")
	s.header.Set("Sec-Fetch-Site", "cross-site")
	if r := s.post("/sign-out", nil); r.status != http.StatusForbidden {
		t.Fatalf("cross-site post: %d", r.status)
	}
	s.header.Del("Sec-Fetch-Site")
	s.header.Set("Origin", "https://evil.example")
	if r := s.post("/sign-out", nil); r.status != http.StatusForbidden {
		t.Fatalf("post from another origin: %d", r.status)
	}
}

func TestSignInRedirectsOnlyWithinTheSite(t *testing.T) {
	e := newEnv(t)
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example"} {
		b := e.browser(t)
		b.get("/sign-in")
		r := b.post("/sign-in", url.Values{"email": {"learner@example.fi"}, "password": {testPassword}, "next": {next}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/") || strings.HasPrefix(r.location, "//") || strings.HasPrefix(r.location, "/\\") {
			t.Errorf("next %q: %d → %q, want /", next, r.status, r.location)
		}
	}
}

func TestUnknownPagesAnswer404InWordsAndTheAPIKeepsItsOwn(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	r := b.get("/no-such-page")
	if r.status != http.StatusNotFound || r.doc == nil {
		t.Fatalf("unknown page: %d %q", r.status, r.header.Get("Content-Type"))
	}
	mustBeWellFormed(t, "404", r)
	r = b.get("/api/v1/no-such-thing")
	if r.status != http.StatusNotFound || !strings.Contains(r.header.Get("Content-Type"), "json") {
		t.Fatalf("unknown API path: %d %q", r.status, r.header.Get("Content-Type"))
	}
}

func TestPagesCarryTheirPolicy(t *testing.T) {
	e := newEnv(t)
	r := e.browser(t).get("/sign-in")
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "script-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

func TestLanguageSwitch(t *testing.T) {
	e := newEnv(t)
	b := e.browser(t)
	b.get("/sign-in")
	r := b.post("/language", url.Values{"lang": {"sv"}, "back": {"/sign-in"}})
	if r.status != http.StatusSeeOther || r.location != "/sign-in" {
		t.Fatalf("switch: %d → %q", r.status, r.location)
	}
	r = b.get("/sign-in")
	if got := attr(find(r.doc, byTag("html"))[0], "lang"); got != "sv" {
		t.Errorf("lang %q after switching to Swedish", got)
	}
	if h := text(find(r.doc, byTag("h1"))[0]); h != "Logga in" {
		t.Errorf("h1 %q", h)
	}
	// Signed in, the switch changes her account's language.
	s := e.signedIn(t, "learner")
	s.get("/no-such-page") // any page carries the switch
	s.post("/language", url.Values{"lang": {"en"}, "back": {"/"}})
	u, err := e.a.Auth.UserByEmail(t.Context(), "learner@example.fi")
	if err != nil || u.Locale != "en" {
		t.Fatalf("account language %q after switching to English (%v)", u.Locale, err)
	}
}
