package web

import (
	"github.com/gofiber/fiber/v2"
)

// activityRoutes are the pages of a course's activities besides quizzes: the reflection wall
// (wall.go), the self-assessment (assessment.go) and the service-safari log (safari.go). Each
// route has w.signedIn of its own: a group's middleware would reach other areas' pages under
// the same prefix.
func (w *Web) activityRoutes(r fiber.Router) {
	const wall = "/courses/:slug/walls/:task"
	r.Get(wall, w.signedIn, w.wallGet)
	r.Post(wall, w.signedIn, w.wallPost)
	r.Get(wall+"/posts/:post/edit", w.signedIn, w.wallEditGet)
	r.Post(wall+"/posts/:post/edit", w.signedIn, w.wallEditPost)
	r.Post(wall+"/posts/:post/comments", w.signedIn, w.wallComment)
	r.Post(wall+"/posts/:post/reactions", w.signedIn, w.wallReact)

	r.Get("/courses/:slug/assessments/:id", w.signedIn, w.assessmentGet)
	r.Post("/courses/:slug/assessments/:id", w.signedIn, w.assessmentPost)

	r.Get("/courses/:slug/safaris/:id", w.signedIn, w.safariGet)
	r.Post("/courses/:slug/safaris/:id", w.signedIn, w.safariPost)
}

// redirectToAnchor answers a successful post: to the page at to, at the element with the id
// anchor, showing the notice key (redirectWithNotice without losing the fragment).
func (w *Web) redirectToAnchor(c *fiber.Ctx, to, anchor, noticeKey string) error {
	if noticeKey != "" {
		c.Cookie(&fiber.Cookie{Name: noticeCookie, Value: noticeKey, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
	}
	loc := localPath(to)
	if anchor != "" {
		loc += "#" + anchor
	}
	return c.Redirect(loc, fiber.StatusSeeOther)
}
