package web

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
)

// The account's own pages: asking for a new password, setting one from the invitation's or the
// reset's link, the profile, stopping reminders, and the accessibility statement and privacy
// notice that everyone may read without signing in.
func (w *Web) moreAccountRoutes(r fiber.Router) {
	r.Get("/forgot-password", w.forgotGet)
	r.Post("/forgot-password", w.forgotPost)
	r.Get("/invitation", w.invitationGet)
	r.Post("/invitation", w.invitationPost)
	r.Get("/password-reset", w.resetGet)
	r.Post("/password-reset", w.resetPost)
	r.Get("/profile", w.signedIn, w.profileGet)
	r.Post("/profile", w.signedIn, w.profilePost)
	r.Post("/profile/password", w.signedIn, w.profilePassword)
	r.Post("/profile/sign-out-everywhere", w.signedIn, w.signOutEverywhere)
	r.Get("/unsubscribe", w.unsubscribeGet)
	r.Post("/unsubscribe", w.unsubscribePost)
	r.Get("/accessibility", w.accessibilityGet)
	r.Post("/accessibility/feedback", w.accessibilityFeedback)
	r.Get("/privacy", w.privacyGet)
}

// Limits of the account pages' forms.
const (
	maxTokenLength    = 200  // a link's token: longer is no token of ours
	maxFeedbackLength = 4000 // characters of accessibility feedback (the application's limit)
)

// ---- Forgot password ----

type forgotData struct {
	Sent bool // the request was taken: the same answer whatever the address
}

func (w *Web) forgotGet(c *fiber.Ctx) error {
	p := w.page(c, "forgot.title")
	p.Data = forgotData{}
	return w.render(c, "forgot", p)
}

// forgotPost asks for a link. The answer is the same whether or not the address has an account
// (an invited person without a password gets a new invitation): only its form and the rate
// limits are said.
func (w *Web) forgotPost(c *fiber.Ctx) error {
	p := w.page(c, "forgot.title")
	p.Data = forgotData{}
	email := strings.TrimSpace(c.FormValue("email"))
	p.Form["email"] = email
	if email == "" {
		p.Errors = []FieldError{{Field: "email", Message: p.T("account.email.missing")}}
		return w.render(c, "forgot", p.withStatus(fiber.StatusUnprocessableEntity))
	}
	if _, fe := auth.NormalizeEmail("email", email); fe != nil {
		if err := p.formErrors(apperr.Validation(*fe), nil); err != nil {
			return err
		}
		return w.render(c, "forgot", p)
	}
	if err := w.app.Auth.RequestPasswordReset(c.UserContext(), email, c.IP()); err != nil {
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		fieldless(p.Errors, "email")
		return w.render(c, "forgot", p)
	}
	p.Data = forgotData{Sent: true}
	p.Form = map[string]string{}
	return w.render(c, "forgot", p)
}

// fieldless gives the problems without a field to field, so that the summary links somewhere.
func fieldless(errs []FieldError, field string) {
	for i := range errs {
		if errs[i].Field == "" {
			errs[i].Field = field
		}
	}
}

// ---- Invitation and password reset: setting a password from an e-mail's link ----

type linkData struct {
	Token   string // kept in a hidden field, never in the page's links
	Expired bool   // the link has expired or was used
}

func (w *Web) linkPage(c *fiber.Ctx, p *Page, token string) *Page {
	p.Data = linkData{Token: token}
	return p
}

// expired shows the page of a link that no longer works, titled titleKey.
func (w *Web) expired(c *fiber.Ctx, p *Page, name, titleKey string) error {
	p.Data = linkData{Expired: true}
	p.Title = p.T(titleKey)
	p.Errors = nil
	p.Form = map[string]string{}
	return w.render(c, name, p.withStatus(fiber.StatusGone))
}

// tokenOf is a link's token as the form or the address carries it, "" when it cannot be one.
func tokenOf(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > maxTokenLength {
		return ""
	}
	return v
}

// checkNewPassword checks the new password and its confirmation before the application does,
// for the messages a person needs: both typed, and the same.
func checkNewPassword(p *Page, password, confirm string) {
	switch {
	case password == "":
		p.Errors = append(p.Errors, FieldError{Field: "password", Message: p.T("account.password.missing")})
	case confirm == "":
		p.Errors = append(p.Errors, FieldError{Field: "password_confirm", Message: p.T("account.password.confirm-missing")})
	case password != confirm:
		p.Errors = append(p.Errors, FieldError{Field: "password_confirm", Message: p.T("account.password.mismatch")})
	}
}

func (w *Web) invitationGet(c *fiber.Ctx) error {
	p := w.page(c, "invitation.title")
	tok := tokenOf(c.Query("token"))
	if tok == "" {
		return w.expired(c, p, "invitation", "invitation.expired.title")
	}
	return w.render(c, "invitation", w.linkPage(c, p, tok))
}

// invitationPost sets the invited person's password (and name, when she gives one), signs her
// in on this browser and welcomes her on the front page.
func (w *Web) invitationPost(c *fiber.Ctx) error {
	p := w.page(c, "invitation.title")
	tok := tokenOf(c.FormValue("token"))
	if tok == "" {
		return w.expired(c, p, "invitation", "invitation.expired.title")
	}
	name := c.FormValue("name")
	password, confirm := c.FormValue("password"), c.FormValue("password_confirm")
	p.Form["name"] = name
	w.linkPage(c, p, tok)
	checkNewPassword(p, password, confirm)
	if len(p.Errors) > 0 {
		return w.render(c, "invitation", p.withStatus(fiber.StatusUnprocessableEntity))
	}
	var namePtr *string
	if strings.TrimSpace(name) != "" {
		namePtr = &name
	}
	raw, b, err := w.app.Auth.AcceptInvitationInBrowser(c.UserContext(), tok, password, namePtr)
	if errors.Is(err, auth.ErrInvalidToken) {
		return w.expired(c, p, "invitation", "invitation.expired.title")
	}
	if err != nil {
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		fieldless(p.Errors, "password")
		return w.render(c, "invitation", p)
	}
	if old := c.Cookies(w.cookie.name); old != "" {
		_ = w.app.Auth.EndBrowser(c.UserContext(), old)
	}
	w.setSessionCookie(c, raw, b)
	return w.redirectWithNotice(c, "/", "invitation.welcome")
}

func (w *Web) resetGet(c *fiber.Ctx) error {
	p := w.page(c, "reset.title")
	tok := tokenOf(c.Query("token"))
	if tok == "" {
		return w.expired(c, p, "reset", "reset.expired.title")
	}
	return w.render(c, "reset", w.linkPage(c, p, tok))
}

// resetPost sets a new password from the reset link. Every session of the account ends, this
// browser's too: she signs in with the new password.
func (w *Web) resetPost(c *fiber.Ctx) error {
	p := w.page(c, "reset.title")
	tok := tokenOf(c.FormValue("token"))
	if tok == "" {
		return w.expired(c, p, "reset", "reset.expired.title")
	}
	password, confirm := c.FormValue("password"), c.FormValue("password_confirm")
	w.linkPage(c, p, tok)
	checkNewPassword(p, password, confirm)
	if len(p.Errors) > 0 {
		return w.render(c, "reset", p.withStatus(fiber.StatusUnprocessableEntity))
	}
	err := w.app.Auth.ConfirmPasswordReset(c.UserContext(), tok, password)
	if errors.Is(err, auth.ErrInvalidToken) {
		return w.expired(c, p, "reset", "reset.expired.title")
	}
	if err != nil {
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		fieldless(p.Errors, "password")
		return w.render(c, "reset", p)
	}
	if sessionOf(c) != nil {
		w.clearSessionCookie(c)
	}
	return w.redirectWithNotice(c, "/sign-in", "reset.done")
}

// ---- Profile ----

type profileData struct {
	Roles        []string // her roles in words
	RemindersOff bool
	Exports      []exportRow // the data exports she asked for (privacy_export.go)
}

// profilePage is the profile of the signed-in user with the values of p.Form (her account's
// where the form has none).
func (w *Web) profilePage(c *fiber.Ctx, p *Page) error {
	if p.User == nil {
		return auth.ErrUserNotFound
	}
	if _, ok := p.Form["name"]; !ok {
		p.Form["name"] = p.User.Name
	}
	if _, ok := p.Form["locale"]; !ok {
		p.Form["locale"] = p.User.Locale
	}
	d := profileData{RemindersOff: p.User.RemindersOff}
	for _, r := range p.User.Roles {
		switch r {
		case auth.RoleLearner:
			d.Roles = append(d.Roles, p.T("account.role.learner"))
		case auth.RoleTrainer:
			d.Roles = append(d.Roles, p.T("account.role.trainer"))
		case auth.RoleAdmin:
			d.Roles = append(d.Roles, p.T("account.role.admin"))
		}
	}
	exports, err := w.exportRows(c, p)
	if err != nil {
		return err
	}
	d.Exports = exports
	p.Data = d
	return w.render(c, "profile", p)
}

func (w *Web) profileGet(c *fiber.Ctx) error {
	return w.profilePage(c, w.page(c, "profile.title"))
}

// profilePost saves her name and language.
func (w *Web) profilePost(c *fiber.Ctx) error {
	p := w.page(c, "profile.title")
	name, locale := c.FormValue("name"), c.FormValue("locale")
	p.Form["name"], p.Form["locale"] = name, locale
	u, err := w.app.Auth.UpdateMe(c.UserContext(), principal(c), auth.MeUpdate{Name: &name, Locale: &locale})
	if err != nil {
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		fieldless(p.Errors, "name")
		return w.profilePage(c, p)
	}
	c.Cookie(&fiber.Cookie{Name: langCookie, Value: u.Locale, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	return w.redirectWithNotice(c, "/profile", "profile.saved")
}

// profilePassword changes her password. The change ends every session of the account, this
// one too; this browser gets a new session at once, so that she stays signed in here only.
func (w *Web) profilePassword(c *fiber.Ctx) error {
	p := w.page(c, "profile.title")
	current, password, confirm := c.FormValue("current_password"), c.FormValue("password"), c.FormValue("password_confirm")
	if current == "" {
		p.Errors = append(p.Errors, FieldError{Field: "current_password", Message: p.T("profile.password.current-missing")})
	}
	checkNewPassword(p, password, confirm)
	if len(p.Errors) > 0 {
		p.status = fiber.StatusUnprocessableEntity
		return w.profilePage(c, p)
	}
	if p.User == nil {
		return auth.ErrUserNotFound
	}
	email := p.User.Email
	if _, err := w.app.Auth.UpdateMe(c.UserContext(), principal(c), auth.MeUpdate{Password: &password, CurrentPassword: current}); err != nil {
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		fieldless(p.Errors, "password")
		return w.profilePage(c, p)
	}
	raw, b, err := w.app.Auth.SignInBrowser(c.UserContext(), email, password, c.IP())
	if err != nil {
		// The password is changed; only the new session failed (a sign-in limit): she signs in.
		w.log.Info("no new session after a password change", "user", principal(c).UserID, "err", err)
		w.clearSessionCookie(c)
		return w.redirectWithNotice(c, "/sign-in", "profile.password.changed-sign-in")
	}
	w.setSessionCookie(c, raw, b)
	return w.redirectWithNotice(c, "/profile", "profile.password.changed")
}

// signOutEverywhere ends every session of her account: browsers, apps and this one.
func (w *Web) signOutEverywhere(c *fiber.Ctx) error {
	if err := w.app.Auth.LogoutAll(c.UserContext(), principal(c)); err != nil {
		return err
	}
	w.clearSessionCookie(c)
	return w.redirectWithNotice(c, "/sign-in", "profile.signed-out-everywhere")
}

// ---- Unsubscribe from reminders ----

type unsubscribeData struct {
	Token   string
	Done    bool // reminders are off
	Invalid bool // the link is not a working one
}

// unsubscribeGet asks: opening the link changes nothing, because mail scanners follow links.
func (w *Web) unsubscribeGet(c *fiber.Ctx) error {
	p := w.page(c, "unsubscribe.title")
	tok := tokenOf(c.Query("token"))
	if tok == "" {
		p.Data = unsubscribeData{Invalid: true}
		return w.render(c, "unsubscribe", p.withStatus(fiber.StatusBadRequest))
	}
	p.Data = unsubscribeData{Token: tok}
	return w.render(c, "unsubscribe", p)
}

func (w *Web) unsubscribePost(c *fiber.Ctx) error {
	p := w.page(c, "unsubscribe.title")
	tok := tokenOf(c.FormValue("token"))
	var err error = auth.ErrInvalidToken
	if tok != "" {
		err = w.app.Auth.Unsubscribe(c.UserContext(), tok)
	}
	switch {
	case errors.Is(err, auth.ErrInvalidToken):
		p.Data = unsubscribeData{Invalid: true}
		return w.render(c, "unsubscribe", p.withStatus(fiber.StatusBadRequest))
	case err != nil:
		return err
	}
	p.Data = unsubscribeData{Done: true}
	return w.render(c, "unsubscribe", p)
}

// ---- Accessibility statement and feedback ----

// accessibilityPrepared is the day the accessibility statement was prepared.
var accessibilityPrepared = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

type accessibilityData struct {
	Prepared time.Time
	Max      int
}

func (w *Web) accessibilityPage(c *fiber.Ctx, p *Page) error {
	p.Data = accessibilityData{Prepared: accessibilityPrepared, Max: maxFeedbackLength}
	return w.render(c, "accessibility", p)
}

func (w *Web) accessibilityGet(c *fiber.Ctx) error {
	return w.accessibilityPage(c, w.page(c, "a11y.title"))
}

// accessibilityFeedback passes feedback on to the admins. Anyone may send it, so a client
// address may send a few an hour; the text is kept on every error.
func (w *Web) accessibilityFeedback(c *fiber.Ctx) error {
	p := w.page(c, "a11y.title")
	message, email := c.FormValue("message"), strings.TrimSpace(c.FormValue("email"))
	p.Form["message"], p.Form["email"] = message, email
	if strings.TrimSpace(message) == "" {
		p.Errors = append(p.Errors, FieldError{Field: "message", Message: p.T("a11y.feedback.message-missing")})
	} else if n := len([]rune(message)); n > maxFeedbackLength {
		p.Errors = append(p.Errors, FieldError{Field: "message", Message: p.T("a11y.feedback.too-long", "max", maxFeedbackLength, "count", n)})
	}
	if email != "" {
		if _, fe := auth.NormalizeEmail("email", email); fe != nil {
			p.Errors = append(p.Errors, FieldError{Field: "email", Message: p.T("a11y.feedback.email-invalid")})
		}
	}
	if len(p.Errors) > 0 {
		p.status = fiber.StatusUnprocessableEntity
		return w.accessibilityPage(c, p)
	}
	if wait := feedbackLimiter.take(w, c.IP(), w.now()); wait > 0 {
		c.Set(fiber.HeaderRetryAfter, itoaSeconds(wait))
		p.Errors = append(p.Errors, FieldError{Field: "message", Message: p.T("a11y.feedback.too-many")})
		p.status = fiber.StatusTooManyRequests
		return w.accessibilityPage(c, p)
	}
	if err := w.app.AccessibilityFeedback(c.UserContext(), message, email, p.Lang); err != nil {
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		fieldless(p.Errors, "message")
		return w.accessibilityPage(c, p)
	}
	return w.redirectWithNotice(c, "/accessibility", "a11y.feedback.sent")
}

func itoaSeconds(d time.Duration) string {
	return strconv.Itoa(int((d + time.Second - 1) / time.Second))
}

// feedbackPerHour is how much feedback one client address may send in an hour.
const feedbackPerHour = 5

// rateLimiter counts posts per web app and client address in a sliding hour. It lives in the
// process: with several replicas an address may send a few more, which is fine for its purpose
// (keeping a flood of e-mail from the admins).
type rateLimiter struct {
	mu   sync.Mutex
	seen map[string][]time.Time
}

var feedbackLimiter = &rateLimiter{seen: map[string][]time.Time{}}

// take counts one post of ip on w at now; it returns how long to wait when the post is over
// the limit (and then does not count it), else 0.
func (l *rateLimiter) take(w *Web, ip string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := fmt.Sprintf("%p|%s", w, ip)
	kept := l.seen[key][:0]
	for _, t := range l.seen[key] {
		if now.Sub(t) < time.Hour {
			kept = append(kept, t)
		}
	}
	if len(kept) >= feedbackPerHour {
		l.seen[key] = kept
		return time.Hour - now.Sub(kept[0])
	}
	l.seen[key] = append(kept, now)
	if len(l.seen) > 10000 { // forget the oldest addresses rather than grow without bound
		for k := range l.seen {
			delete(l.seen, k)
			if len(l.seen) <= 5000 {
				break
			}
		}
	}
	return 0
}

// ---- Privacy notice ----

type privacyData struct {
	Org       string // the controller's name, or words for it when it is not configured
	Contact   string
	DPO       string         // the data protection officer's contact ("" when not configured)
	Retention []retentionRow // how long each kind of record is kept, in words (privacy_export.go)
}

func (w *Web) privacyGet(c *fiber.Ctx) error {
	p := w.page(c, "privacy.title")
	d := privacyData{Org: strings.TrimSpace(w.opts.OrgName), Contact: strings.TrimSpace(w.opts.PrivacyContact)}
	if d.Org == "" {
		d.Org = p.T("privacy.org.unnamed")
	}
	d.DPO, d.Retention = strings.TrimSpace(w.opts.DPOContact), w.retentionWords(p)
	p.Data = d
	return w.render(c, "privacy", p)
}
