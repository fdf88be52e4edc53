package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/auth"
)

// accountRoutes are the pages of getting in and out, the profile, and the pages everyone may
// read without signing in.
func (w *Web) accountRoutes(r fiber.Router) {
	r.Get("/sign-in", w.signInGet)
	r.Post("/sign-in", w.signInPost)
	r.Post("/sign-out", w.signOut)
	r.Post("/language", w.language)
	w.moreAccountRoutes(r)
}

type signInForm struct {
	Next  string
	Ended bool
	Kept  []keptField
}

func (w *Web) signInGet(c *fiber.Ctx) error {
	if sessionOf(c) != nil {
		return c.Redirect(localPath(c.Query("next", "/")), fiber.StatusSeeOther)
	}
	return w.signInPage(c, signInForm{Next: c.Query("next")}, fiber.StatusOK, "")
}

// signInPage shows the sign-in form; ended says that she was signed out by a timeout.
func (w *Web) signInPage(c *fiber.Ctx, f signInForm, status int, why string) error {
	p := w.page(c, "signin.title").withStatus(status)
	f.Next = localPath(f.Next)
	f.Ended = why == "signin.ended"
	p.Data = f
	return w.render(c, "signin", p)
}

func (w *Web) signInPost(c *fiber.Ctx) error {
	email, password, next := c.FormValue("email"), c.FormValue("password"), localPath(c.FormValue("next"))
	p := w.page(c, "signin.title")
	p.Form["email"] = email
	p.Data = signInForm{Next: next}
	switch {
	case email == "" && password == "":
		p.Errors = []FieldError{{Field: "email", Message: p.T("signin.email.missing")}, {Field: "password", Message: p.T("signin.password.missing")}}
	case email == "":
		p.Errors = []FieldError{{Field: "email", Message: p.T("signin.email.missing")}}
	case password == "":
		p.Errors = []FieldError{{Field: "password", Message: p.T("signin.password.missing")}}
	}
	if len(p.Errors) > 0 {
		return w.render(c, "signin", p.withStatus(fiber.StatusUnprocessableEntity))
	}
	raw, b, err := w.app.Auth.SignInBrowser(c.UserContext(), email, password, c.IP())
	if err != nil {
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		// The problem belongs to both fields; the summary links to the first.
		for i := range p.Errors {
			if p.Errors[i].Field == "" {
				p.Errors[i].Field = "email"
			}
		}
		return w.render(c, "signin", p)
	}
	// A session started before sign-in (another user's on a shared computer) ends here.
	if old := c.Cookies(w.cookie.name); old != "" {
		_ = w.app.Auth.EndBrowser(c.UserContext(), old)
	}
	w.setSessionCookie(c, raw, b)
	return c.Redirect(next, fiber.StatusSeeOther)
}

// signOut ends this browser's session.
func (w *Web) signOut(c *fiber.Ctx) error {
	w.recordSignOut(c)
	if raw := c.Cookies(w.cookie.name); raw != "" {
		if err := w.app.Auth.EndBrowser(c.UserContext(), raw); err != nil {
			return err
		}
	}
	w.clearSessionCookie(c)
	return w.redirectWithNotice(c, "/sign-in", "signout.done")
}

// language switches the pages' language: her account's when she is signed in (e-mails follow
// it), else this browser's.
func (w *Web) language(c *fiber.Ctx) error {
	l := trimLocale(c.FormValue("lang"))
	back := localPath(c.FormValue("back"))
	if l == "" {
		return c.Redirect(back, fiber.StatusSeeOther)
	}
	if b := sessionOf(c); b != nil {
		if _, err := w.app.Auth.UpdateMe(c.UserContext(), b.Principal, meLocale(l)); err != nil {
			return err
		}
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: l, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	return c.Redirect(back, fiber.StatusSeeOther)
}

func meLocale(l string) auth.MeUpdate { return auth.MeUpdate{Locale: &l} }
