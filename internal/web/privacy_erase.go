package web

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/app"
)

// Erasing a person (GDPR Article 17) on the web: the account's page links to a page that says
// plainly what happens and asks the admin to type the person's e-mail address; the erasure's
// result page follows. The application layer decides; these pages ask.

func (w *Web) privacyEraseRoutes(r fiber.Router) {
	r.Get("/admin/accounts/:id/erase", w.signedIn, w.adminOnly, w.adminEraseGet)
	r.Post("/admin/accounts/:id/erase", w.signedIn, w.adminOnly, w.adminErasePost)
	r.Get("/admin/erasures/:id", w.signedIn, w.adminOnly, w.adminErasure)
}

// eraseData is the confirmation page's data.
type eraseData struct {
	adminSection
	Account accountRow
	Self    bool
}

// erasureData is the result page's data.
type erasureData struct {
	adminSection
	Erasure  app.Erasure
	Done     bool
	Started  string
	Finished string
}

func (w *Web) adminEraseGet(c *fiber.Ctx) error {
	u, err := w.app.Auth.GetUser(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	p := w.page(c, "erasure.title")
	p.Data = eraseData{adminSection: adminSection{"accounts"}, Account: p.accountRow(u), Self: u.ID == principal(c).UserID}
	return w.render(c, "admin-erase", p)
}

// adminErasePost erases the person when the typed address is hers; otherwise the page comes back
// with the error and nothing is erased.
func (w *Web) adminErasePost(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	u, err := w.app.Auth.GetUser(ctx, actor, c.Params("id"))
	if err != nil {
		return err
	}
	typed := c.FormValue("confirm")
	e, err := w.app.EraseUserConfirmed(ctx, actor, u.ID, typed)
	if err != nil {
		p := w.page(c, "erasure.title")
		p.Form["confirm"] = typed
		p.Data = eraseData{adminSection: adminSection{"accounts"}, Account: p.accountRow(u), Self: u.ID == actor.UserID}
		switch {
		case errors.Is(err, app.ErrEraseConfirm):
			p.Errors = append(p.Errors, FieldError{Field: "confirm", Message: p.T("erasure.confirm.wrong")})
		case errors.Is(err, app.ErrEraseSelf):
			p.Errors = append(p.Errors, FieldError{Message: p.T("erasure.self")})
		case errors.Is(err, app.ErrErasureUnderWay):
			p.Errors = append(p.Errors, FieldError{Message: p.T("erasure.under-way")})
			p.status = fiber.StatusConflict
			return w.render(c, "admin-erase", p)
		default:
			return err
		}
		p.status = fiber.StatusUnprocessableEntity
		return w.render(c, "admin-erase", p)
	}
	return w.redirectWithNotice(c, "/admin/erasures/"+url.PathEscape(e.ID), "erasure.done.notice")
}

// adminErasure shows where an erasure stands.
func (w *Web) adminErasure(c *fiber.Ctx) error {
	e, err := w.app.ErasureOf(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	p := w.page(c, "erasure.done.title")
	d := erasureData{adminSection: adminSection{"accounts"}, Erasure: e, Done: e.Status == app.ErasureDone, Started: p.DateTime(e.Started)}
	if e.Finished != nil {
		d.Finished = p.DateTime(*e.Finished)
	}
	p.Data = d
	return w.render(c, "admin-erase-done", p)
}

// nameOrErased is a learner's name in a group's lists, or the words for an erased person, whose
// record stays in the group's statistics without her name.
func nameOrErased(p *Page, name string) string {
	if name == "" {
		return p.T("erasure.row")
	}
	return name
}
