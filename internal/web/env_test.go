package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/net/html"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/testenv"
	"github.com/taito-lms/taito/internal/web"
)

const testPassword = "correct horse battery staple"

// env is Taito's API and web app over a fresh database, with accounts of every role (their
// pages in Finnish unless a test says otherwise).
type env struct {
	a     *app.App
	fiber *fiber.App
	clock *testenv.Clock
	users map[string]auth.User // admin, trainer, learner, learner2
}

func newEnv(t *testing.T) *env {
	t.Helper()
	clk := testenv.NewClock(time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC))
	a, _ := testenv.App(t, clk.Now)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := httpapi.New(a, httpapi.Options{Log: log, Now: clk.Now})
	f := api.App()
	web.Mount(f, a, web.Options{Log: log, Now: clk.Now, PublicURL: testenv.Issuer, Media: api.ServeMedia})
	e := &env{a: a, fiber: f, clock: clk, users: map[string]auth.User{}}
	for _, u := range []struct {
		key   string
		roles []auth.Role
		org   string
	}{
		{"admin", []auth.Role{auth.RoleAdmin}, "Pohjois-Karjala / hallinto"},
		{"trainer", []auth.Role{auth.RoleTrainer}, "Joensuu / työllisyyspalvelut"},
		{"learner", []auth.Role{auth.RoleLearner}, "Joensuu / aikuissosiaalityö"},
		{"learner2", []auth.Role{auth.RoleLearner}, "Lieksa / aikuissosiaalityö"},
	} {
		created, _, err := a.AddUser(context.Background(), auth.NewUser{Email: u.key + "@example.fi", Name: strings.ToUpper(u.key[:1]) + u.key[1:] + " Testinen",
			Roles: u.roles, OrgUnit: u.org, Password: testPassword, Locale: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		e.users[u.key] = created
	}
	return e
}

// browser is one browser: its cookies, and the CSRF token of the last page it loaded.
type browser struct {
	t       *testing.T
	e       *env
	cookies map[string]string
	csrf    string
	header  http.Header // sent with every request (Accept-Language)
}

func (e *env) browser(t *testing.T) *browser {
	return &browser{t: t, e: e, cookies: map[string]string{}, header: http.Header{}}
}

// signedIn is a browser signed in as who.
func (e *env) signedIn(t *testing.T, who string) *browser {
	t.Helper()
	b := e.browser(t)
	b.get("/sign-in")
	r := b.post("/sign-in", url.Values{"email": {who + "@example.fi"}, "password": {testPassword}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d\n%s", who, r.status, r.body)
	}
	b.get(r.location) // the page after signing in carries the session's token
	return b
}

// response is a page as the test sees it.
type response struct {
	status   int
	header   http.Header
	body     string
	location string
	doc      *html.Node // nil unless the response is HTML
}

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	for k, v := range b.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for k, vs := range b.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	res, err := b.e.fiber.Test(req, 30_000)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	r := response{status: res.StatusCode, header: res.Header, body: string(body), location: res.Header.Get("Location")}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		doc, err := html.Parse(bytes.NewReader(body))
		if err != nil {
			b.t.Fatalf("%s %s: HTML does not parse: %v", req.Method, req.URL, err)
		}
		r.doc = doc
		if tok := csrfOf(doc); tok != "" {
			b.csrf = tok
		}
	}
	return r
}

// get loads a page.
func (b *browser) get(path string) response {
	b.t.Helper()
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends a form as a browser does from one of Taito's pages: with the CSRF token of the
// last page unless the form has one.
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	return b.postRaw(path, form)
}

// postRaw sends a form as it is.
func (b *browser) postRaw(path string, form url.Values) response {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if b.header.Get("Origin") == "" {
		req.Header.Set("Origin", testenv.Issuer)
	}
	return b.do(req)
}

// csrfOf is the value of the first hidden csrf field of a page.
func csrfOf(doc *html.Node) string {
	var tok string
	walk(doc, func(n *html.Node) bool {
		if n.Type == html.ElementNode && n.Data == "input" && attr(n, "name") == "csrf" {
			tok = attr(n, "value")
			return false
		}
		return true
	})
	return tok
}

// walk visits n and its descendants in document order while f returns true.
func walk(n *html.Node, f func(*html.Node) bool) bool {
	if !f(n) {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if !walk(c, f) {
			return false
		}
	}
	return true
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, name string) bool {
	for _, a := range n.Attr {
		if a.Key == name {
			return true
		}
	}
	return false
}

// text is the text content of n.
func text(n *html.Node) string {
	var sb strings.Builder
	walk(n, func(c *html.Node) bool {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
		return true
	})
	return strings.Join(strings.Fields(sb.String()), " ")
}

// find returns the elements of doc that match.
func find(doc *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	walk(doc, func(n *html.Node) bool {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		return true
	})
	return out
}

// byTag matches elements by tag name.
func byTag(tag string) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Data == tag }
}

// byID matches the element with an id.
func byID(id string) func(*html.Node) bool {
	return func(n *html.Node) bool { return attr(n, "id") == id }
}
