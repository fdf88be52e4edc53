package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
)

// Locals the middleware leaves for handlers.
const (
	localSession  = "web.session"  // *auth.BrowserSession, absent without one
	localFormKey  = "web.formkey"  // the anonymous form token of this request
	localCredited = "web.credited" // the page mark whose time this request credited (creditPageTime)
)

// localBodyTooLarge is the request value httpapi's body limit leaves on a page's post it did not
// read (httpapi.BodyTooLarge; the same string, as web does not import httpapi).
const localBodyTooLarge = "httpapi.body-too-large"

// csrfField is the name of the hidden field every state-changing form carries; scripts send the
// same token in the csrfHeader.
const (
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
)

// markLesson prefixes the page mark of an open lesson page ("lesson:<slug>/<lesson>").
const markLesson = "lesson:"

// session reads the session cookie: a live session puts its principal in the request; an ended
// one is forgotten (the cookie cleared). Every post is then checked for its origin and CSRF
// token before any handler runs.
func (w *Web) session(c *fiber.Ctx) error {
	ended := false
	if raw := c.Cookies(w.cookie.name); raw != "" {
		b, err := w.app.Auth.Browser(c.UserContext(), raw)
		switch {
		case err == nil:
			c.Locals(localSession, &b)
		case errors.Is(err, auth.ErrSessionEnded):
			w.clearSessionCookie(c)
			ended = true
		default:
			return err
		}
	}
	if limit, ok := c.Locals(localBodyTooLarge).(int); ok {
		// The API's body limit refused to read this post (httpapi.BodyTooLarge): say so in words.
		return apperr.New(apperr.KindTooLarge, "what you sent is too large: at most {size} at a time",
			apperr.Params{"size": strconv.Itoa(max(limit>>20, 1)) + " MB"})
	}
	if c.Method() == fiber.MethodPost {
		if err := w.checkPost(c); err != nil {
			if ended {
				// Her session timed out while she wrote: nothing is changed, and what she wrote
				// is shown back with the sign-in form instead of a refusal.
				return w.signInPage(c, signInForm{Next: w.refererPath(c), Kept: keptFields(c)}, fiber.StatusUnauthorized, "signin.ended")
			}
			return err
		}
	}
	return c.Next()
}

// errForbiddenPost is a form post from another site or without its token.
var errForbiddenPost = apperr.New(apperr.KindForbidden, "the form could not be accepted: open the page again and send it from there")

// checkPost refuses a post that a browser says came from another site (Sec-Fetch-Site, Origin)
// and one without the session's CSRF token (or, before sign-in, the form cookie's).
func (w *Web) checkPost(c *fiber.Ctx) error {
	if site := c.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return errForbiddenPost
	}
	if o := c.Get(fiber.HeaderOrigin); o != "" && o != w.origin && o != c.BaseURL() {
		return errForbiddenPost
	}
	var got string
	if c.Request().IsBodyStream() {
		// A body the API's bodyLimit left streaming (the course package upload): only the form's
		// first part is read here (streamedToken); the rest is the handler's, under its own limit.
		got = streamedToken(c)
	} else {
		got = c.FormValue(csrfField)
	}
	if got == "" {
		got = c.Get(csrfHeader)
	}
	want := ""
	if b := sessionOf(c); b != nil {
		want = b.CSRF
	} else {
		want = c.Cookies(w.formCookieName())
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return errForbiddenPost
	}
	return nil
}

// sessionOf is the request's browser session, nil when she is not signed in.
func sessionOf(c *fiber.Ctx) *auth.BrowserSession {
	b, _ := c.Locals(localSession).(*auth.BrowserSession)
	return b
}

// principal is the signed-in user of the request (the zero principal when nobody is).
func principal(c *fiber.Ctx) auth.Principal {
	if b := sessionOf(c); b != nil {
		return b.Principal
	}
	return auth.Principal{}
}

// signedIn sends a browser without a session to sign in, and back here afterwards. A post's
// text fields are shown on the sign-in page so that nothing she wrote is lost.
func (w *Web) signedIn(c *fiber.Ctx) error {
	if sessionOf(c) != nil {
		return c.Next()
	}
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return c.Redirect("/sign-in?next="+url.QueryEscape(localPath(string(c.Request().RequestURI()))), fiber.StatusSeeOther)
	}
	return w.signInPage(c, signInForm{Next: w.refererPath(c), Kept: keptFields(c)}, fiber.StatusUnauthorized, "signin.ended")
}

// refererPath is the page of this site a post came from, "/" when unknown.
func (w *Web) refererPath(c *fiber.Ctx) string {
	u, err := url.Parse(c.Get(fiber.HeaderReferer))
	if err != nil || (u.Host != "" && u.Scheme+"://"+u.Host != w.origin && u.Scheme+"://"+u.Host != c.BaseURL()) {
		return "/"
	}
	return localPath(u.RequestURI())
}

// trainerOnly lets trainers and admins on (signedIn first): anyone else gets a 403 page in
// words with a way back. The rule is auth's (RequireTrainer); the application layer checks
// again, and decides which groups and courses she reaches.
func (w *Web) trainerOnly(c *fiber.Ctx) error {
	if err := auth.RequireTrainer(principal(c)); err != nil {
		return err
	}
	return c.Next()
}

// adminOnly lets admins on (signedIn first), by auth's rule RequireAdmin.
func (w *Web) adminOnly(c *fiber.Ctx) error {
	if err := auth.RequireAdmin(principal(c)); err != nil {
		return err
	}
	return c.Next()
}

// localPath is p when it is a path of this site ("/courses/x?y"), else "/": a sign-in never
// sends anyone elsewhere.
func localPath(p string) string {
	if u, err := url.Parse(p); err == nil && u.Host == "" && u.Scheme == "" {
		p = u.RequestURI()
	} else {
		return "/"
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}

// setSessionCookie gives the browser its session.
func (w *Web) setSessionCookie(c *fiber.Ctx, raw string, b auth.BrowserSession) {
	c.Cookie(&fiber.Cookie{Name: w.cookie.name, Value: raw, Path: "/", HTTPOnly: true, Secure: w.cookie.secure, SameSite: fiber.CookieSameSiteLaxMode,
		Expires: b.ExpiresAt})
}

func (w *Web) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: w.cookie.name, Value: "", Path: "/", HTTPOnly: true, Secure: w.cookie.secure, SameSite: fiber.CookieSameSiteLaxMode,
		Expires: time.Unix(0, 0), MaxAge: -1})
}

func (w *Web) formCookieName() string {
	if w.cookie.secure {
		return "__Host-taito_form"
	}
	return "taito_form"
}

// csrfToken is the token the forms of this page carry: the session's, or before sign-in that
// of a form cookie set here when the browser has none.
func (w *Web) csrfToken(c *fiber.Ctx) string {
	if b := sessionOf(c); b != nil {
		return b.CSRF
	}
	if v, ok := c.Locals(localFormKey).(string); ok {
		return v
	}
	v := c.Cookies(w.formCookieName())
	if len(v) < 20 || len(v) > 100 {
		buf := make([]byte, 24)
		_, _ = rand.Read(buf)
		v = base64.RawURLEncoding.EncodeToString(buf)
		c.Cookie(&fiber.Cookie{Name: w.formCookieName(), Value: v, Path: "/", HTTPOnly: true, Secure: w.cookie.secure, SameSite: fiber.CookieSameSiteLaxMode})
	}
	c.Locals(localFormKey, v)
	return v
}

// creditPageTime credits the lesson page she had open until this request (noted by
// markLessonOpen), so that time on a lesson counts without scripts. A failure is only logged:
// it must never stop the page she asked for.
func (w *Web) creditPageTime(c *fiber.Ctx) error {
	b := sessionOf(c)
	if b == nil || b.Mark == nil || !strings.HasPrefix(b.Mark.Key, markLesson) {
		return c.Next()
	}
	m, err := w.app.Auth.TakeMark(c.UserContext(), *b)
	if err == nil && m != nil {
		slug, lesson, _ := strings.Cut(strings.TrimPrefix(m.Key, markLesson), "/")
		err = w.app.Learning.CreditPageTime(c.UserContext(), b.Principal, slug, lesson, m.At)
		if err == nil {
			c.Locals(localCredited, m.Key) // the span reaches now: a heartbeat of this request is in it
		}
	}
	if err != nil {
		w.log.Info("page time not credited", "user", b.Principal.UserID, "err", err)
	}
	b.Mark = nil
	return c.Next()
}

// markLessonOpen notes that she opened a lesson's page now; her next page credits the time.
func (w *Web) markLessonOpen(c *fiber.Ctx, slug, lesson string) {
	b := sessionOf(c)
	if b == nil {
		return
	}
	if err := w.app.Auth.SetMark(c.UserContext(), *b, markLesson+slug+"/"+lesson); err != nil {
		w.log.Info("lesson page not noted", "user", b.Principal.UserID, "err", err)
	}
}

// keptFields are a post's text fields but secrets and tokens, to show back to her.
func keptFields(c *fiber.Ctx) []keptField {
	var out []keptField
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		name := string(k)
		if name == csrfField || strings.Contains(name, "password") || len(v) == 0 {
			return
		}
		out = append(out, keptField{Name: name, Value: string(v)})
	})
	return out
}

type keptField struct{ Name, Value string }
