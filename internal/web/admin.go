package web

import (
	"errors"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/feedback"
	"github.com/taito-lms/taito/internal/i18n"
	"github.com/taito-lms/taito/internal/outbox"
)

// The admin's pages: accounts (search, invite one or many, change roles, org unit and
// language, disable and enable, re-send invitations), the outbox with its failed messages, and
// the accessibility feedback. auth and the application layer decide; these pages ask.
func (w *Web) adminRoutes(r fiber.Router) {
	r.Get("/admin/accounts", w.signedIn, w.adminOnly, w.adminAccounts)
	r.Get("/admin/accounts/invite", w.signedIn, w.adminOnly, w.adminInviteGet)
	r.Post("/admin/accounts/invite", w.signedIn, w.adminOnly, w.adminInviteOne)
	r.Post("/admin/accounts/invite/file", w.signedIn, w.adminOnly, w.adminInviteFile)
	r.Get("/admin/accounts/:id", w.signedIn, w.adminOnly, w.adminAccountGet)
	r.Post("/admin/accounts/:id", w.signedIn, w.adminOnly, w.adminAccountPost)
	r.Get("/admin/accounts/:id/disable", w.signedIn, w.adminOnly, w.adminDisableGet)
	r.Post("/admin/accounts/:id/disable", w.signedIn, w.adminOnly, w.adminDisablePost)
	r.Post("/admin/accounts/:id/enable", w.signedIn, w.adminOnly, w.adminEnablePost)
	r.Post("/admin/accounts/:id/invitation", w.signedIn, w.adminOnly, w.adminResend)
	r.Get("/admin/outbox", w.signedIn, w.adminOnly, w.adminOutbox)
	r.Post("/admin/outbox/:id/retry", w.signedIn, w.adminOnly, w.adminRetry)
	r.Get("/admin/feedback", w.signedIn, w.adminOnly, w.adminFeedback)
	r.Post("/admin/feedback/:id/handled", w.signedIn, w.adminOnly, w.adminFeedbackHandled)
}

// Limits of the admin's pages.
const (
	adminPageSize  = 50
	adminMaxUpload = 2 << 20 // a CSV of accounts
	adminMaxCursor = 200     // a paging cursor: longer is none of ours
)

// cursorOf is a paging cursor from the query, "" when it cannot be one.
func cursorOf(v string) string {
	if len(v) > adminMaxCursor {
		return ""
	}
	return v
}

// adminSection is the admin's sub-navigation: which of the three pages this is.
type adminSection struct{ Current string }

// ---- Accounts ----

// accountRow is one account as the list and the edit page show it: roles and state in words.
type accountRow struct {
	auth.User
	RoleWords  []string
	State      string // active | pending | disabled
	LocaleName string
}

func (p *Page) accountRow(u auth.User) accountRow {
	r := accountRow{User: u, State: "active", LocaleName: p.languageName(u.Locale)}
	switch {
	case u.Disabled:
		r.State = "disabled"
	case u.Pending:
		r.State = "pending"
	}
	for _, role := range u.Roles {
		r.RoleWords = append(r.RoleWords, p.T(roleWord[role]))
	}
	return r
}

// languageWord is the catalogue key of each language's name in the page's language.
var languageWord = map[string]string{"fi": "admin.language.fi", "sv": "admin.language.sv", "en": "admin.language.en"}

// languageName is a language's name in the page's language, the code when it is none of ours.
func (p *Page) languageName(code string) string {
	if k, ok := languageWord[code]; ok {
		return p.T(k)
	}
	return code
}

// roleWord is the catalogue key of each role's name.
var roleWord = map[auth.Role]string{auth.RoleLearner: "account.role.learner", auth.RoleTrainer: "account.role.trainer", auth.RoleAdmin: "account.role.admin"}

type accountsData struct {
	adminSection
	Accounts []accountRow
	OrgUnits []string
	Roles    []string
	FirstURL string // the first page with the same filters; "" on the first page
	NextURL  string // the next page; "" on the last
}

func (w *Web) adminAccounts(c *fiber.Ctx) error {
	p := w.page(c, "admin.accounts.title")
	q, role, org, after := c.Query("q"), c.Query("role"), c.Query("org_unit"), cursorOf(c.Query("after"))
	p.Form["q"], p.Form["role"], p.Form["org_unit"] = q, role, org
	d := accountsData{adminSection: adminSection{"accounts"}}
	for _, r := range auth.Roles {
		d.Roles = append(d.Roles, string(r))
	}
	units, err := w.app.Auth.OrgUnits(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	d.OrgUnits = units
	users, next, err := w.app.Auth.SearchUsers(c.UserContext(), principal(c), auth.UserSearch{Text: q, Role: auth.Role(role), OrgUnit: org, After: after, Limit: adminPageSize})
	if err != nil {
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
	}
	for _, u := range users {
		d.Accounts = append(d.Accounts, p.accountRow(u))
	}
	v := url.Values{}
	for k, x := range map[string]string{"q": q, "role": role, "org_unit": org} {
		if x != "" {
			v.Set(k, x)
		}
	}
	base := "/admin/accounts"
	if len(v) > 0 {
		base += "?" + v.Encode()
	}
	if after != "" {
		d.FirstURL = base
	}
	if next != "" {
		v.Set("after", next)
		d.NextURL = "/admin/accounts?" + v.Encode()
	}
	p.Data = d
	return w.render(c, "admin-accounts", p)
}

type accountData struct {
	adminSection
	Account accountRow
	Roles   []string
	Self    bool
}

// adminAccountPage shows an account with its form: the values of p.Form where it has them.
func (w *Web) adminAccountPage(c *fiber.Ctx, p *Page, u auth.User) error {
	if _, ok := p.Form["org_unit"]; !ok {
		p.Form["org_unit"] = u.OrgUnit
		p.Form["locale"] = u.Locale
		for _, r := range u.Roles {
			p.Form["role-"+string(r)] = "on"
		}
	}
	p.H1 = u.Name
	d := accountData{adminSection: adminSection{"accounts"}, Account: p.accountRow(u), Self: u.ID == principal(c).UserID}
	for _, r := range auth.Roles {
		d.Roles = append(d.Roles, string(r))
	}
	p.Data = d
	return w.render(c, "admin-account", p)
}

func (w *Web) adminAccountGet(c *fiber.Ctx) error {
	u, err := w.app.Auth.GetUser(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return w.adminAccountPage(c, w.page(c, "admin.account.title"), u)
}

// adminAccountPost saves roles, org unit and language. Changing the roles ends her sessions
// (auth's rule), so that she signs in again with the new ones.
func (w *Web) adminAccountPost(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	u, err := w.app.Auth.GetUser(ctx, actor, c.Params("id"))
	if err != nil {
		return err
	}
	p := w.page(c, "admin.account.title")
	var roles []auth.Role
	for _, r := range auth.Roles {
		if c.FormValue("role-"+string(r)) != "" {
			roles = append(roles, r)
			p.Form["role-"+string(r)] = "on"
		}
	}
	org, locale := c.FormValue("org_unit"), c.FormValue("locale")
	p.Form["org_unit"], p.Form["locale"] = org, locale
	if len(roles) == 0 {
		p.Errors = append(p.Errors, FieldError{Field: "roles", Message: p.T("admin.roles.missing")})
	}
	if !slices.Contains(i18n.Locales, locale) {
		p.Errors = append(p.Errors, FieldError{Field: "locale", Message: p.T("admin.locale.missing")})
	}
	if len(p.Errors) > 0 {
		p.status = fiber.StatusUnprocessableEntity
		return w.adminAccountPage(c, p, u)
	}
	fields := map[string]string{"roles.0": "roles", "roles.1": "roles", "roles.2": "roles"}
	if _, err := w.app.Auth.UpdateUser(ctx, actor, u.ID, auth.UserPatch{Roles: &roles, OrgUnit: &org}); err != nil {
		if err := p.formErrors(err, fields); err != nil {
			return err
		}
		fieldless(p.Errors, "roles")
		return w.adminAccountPage(c, p, u)
	}
	if locale != u.Locale {
		if _, err := w.app.Auth.SetUserLocale(ctx, actor, u.ID, locale); err != nil {
			if err := p.formErrors(err, nil); err != nil {
				return err
			}
			return w.adminAccountPage(c, p, u)
		}
	}
	return w.redirectWithNotice(c, "/admin/accounts/"+url.PathEscape(u.ID), "admin.account.saved")
}

func (w *Web) adminDisableGet(c *fiber.Ctx) error {
	u, err := w.app.Auth.GetUser(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	p := w.page(c, "admin.disable.title")
	p.Data = accountData{adminSection: adminSection{"accounts"}, Account: p.accountRow(u), Self: u.ID == principal(c).UserID}
	return w.render(c, "admin-disable", p)
}

// adminDisablePost disables the account: her sessions end (auth's rule) and she cannot sign in.
func (w *Web) adminDisablePost(c *fiber.Ctx) error { return w.adminSetDisabled(c, true) }

// adminEnablePost lets the account sign in again; the sessions that ended stay ended.
func (w *Web) adminEnablePost(c *fiber.Ctx) error { return w.adminSetDisabled(c, false) }

func (w *Web) adminSetDisabled(c *fiber.Ctx, off bool) error {
	ctx, actor := c.UserContext(), principal(c)
	u, err := w.app.Auth.GetUser(ctx, actor, c.Params("id"))
	if err != nil {
		return err
	}
	if _, err := w.app.Auth.UpdateUser(ctx, actor, u.ID, auth.UserPatch{Disabled: &off}); err != nil {
		p := w.page(c, "admin.account.title")
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		fieldless(p.Errors, "roles")
		return w.adminAccountPage(c, p, u)
	}
	notice := "admin.account.enabled"
	if off {
		notice = "admin.account.disabled"
	}
	return w.redirectWithNotice(c, "/admin/accounts/"+url.PathEscape(u.ID), notice)
}

// adminResend sends a pending account a new invitation; the earlier links stop working.
func (w *Web) adminResend(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	u, err := w.app.Auth.GetUser(ctx, actor, c.Params("id"))
	if err != nil {
		return err
	}
	if _, err := w.app.Cohorts.ResendInvitation(ctx, actor, u.ID); err != nil {
		p := w.page(c, "admin.account.title")
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		fieldless(p.Errors, "roles")
		return w.adminAccountPage(c, p, u)
	}
	return w.redirectWithNotice(c, "/admin/accounts/"+url.PathEscape(u.ID), "admin.account.resent")
}

// ---- Inviting ----

// inviteResult is one row of an invitation file (or the one form) with its outcome.
type inviteResult struct {
	Line    int
	Name    string
	Email   string
	Outcome string // invited | exists | invalid
	Reason  string // in words, for invalid rows
}

type inviteData struct {
	adminSection
	Roles   []string
	Results []inviteResult
	Counts  map[string]int
}

func (w *Web) invitePage(c *fiber.Ctx, p *Page, res []inviteResult) error {
	d := inviteData{adminSection: adminSection{"accounts"}, Results: res, Counts: map[string]int{}}
	for _, r := range auth.Roles {
		d.Roles = append(d.Roles, string(r))
	}
	for _, r := range res {
		d.Counts[r.Outcome]++
	}
	if _, ok := p.Form["role"]; !ok {
		p.Form["role"] = string(auth.RoleLearner)
	}
	if _, ok := p.Form["locale"]; !ok {
		p.Form["locale"] = i18n.Default
	}
	p.Data = d
	return w.render(c, "admin-invite", p)
}

func (w *Web) adminInviteGet(c *fiber.Ctx) error {
	return w.invitePage(c, w.page(c, "admin.invite.title"), nil)
}

// adminInviteOne creates one pending account and queues its invitation.
func (w *Web) adminInviteOne(c *fiber.Ctx) error {
	p := w.page(c, "admin.invite.title")
	in := auth.NewUser{Name: c.FormValue("name"), Email: c.FormValue("email"), OrgUnit: c.FormValue("org_unit"), Locale: c.FormValue("locale"),
		Roles: []auth.Role{auth.Role(c.FormValue("role"))}}
	for k, v := range map[string]string{"name": in.Name, "email": in.Email, "org_unit": in.OrgUnit, "locale": in.Locale, "role": c.FormValue("role")} {
		p.Form[k] = v
	}
	u, _, err := w.app.Auth.CreateUser(c.UserContext(), principal(c), in)
	if err != nil {
		if errors.Is(err, auth.ErrEmailTaken) {
			p.Errors = append(p.Errors, FieldError{Field: "email", Message: errorText(auth.ErrEmailTaken, err, p.Lang)})
			return w.invitePage(c, p.withStatus(fiber.StatusConflict), nil)
		}
		if err := p.formErrors(err, map[string]string{"roles": "role", "roles.0": "role"}); err != nil {
			return err
		}
		fieldless(p.Errors, "email")
		return w.invitePage(c, p, nil)
	}
	return w.redirectWithNotice(c, "/admin/accounts/"+url.PathEscape(u.ID), "admin.invite.sent")
}

// adminInviteFile invites the rows of an uploaded or pasted CSV and shows each row's result:
// the good rows are invited, the others listed with the reason.
func (w *Web) adminInviteFile(c *fiber.Ctx) error {
	p := w.page(c, "admin.invite.title")
	var data []byte
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
			if fh.Size > adminMaxUpload {
				p.Errors = append(p.Errors, FieldError{Field: "file", Message: p.T("admin.invite.file.too-large")})
			} else {
				f, err := fh.Open()
				if err != nil {
					return err
				}
				data, err = io.ReadAll(io.LimitReader(f, adminMaxUpload+1))
				f.Close()
				if err != nil {
					return err
				}
			}
		}
	}
	if len(data) == 0 && len(p.Errors) == 0 {
		text := c.FormValue("rows")
		p.Form["rows"] = text
		if strings.TrimSpace(text) == "" {
			p.Errors = append(p.Errors, FieldError{Field: "file", Message: p.T("admin.invite.file.missing")})
		}
		data = []byte(text)
	}
	if len(p.Errors) > 0 {
		return w.invitePage(c, p.withStatus(fiber.StatusUnprocessableEntity), nil)
	}
	rows, err := auth.ParseInviteRows(data)
	if err != nil {
		if err := p.formErrors(err, map[string]string{"file": "file"}); err != nil {
			return err
		}
		fieldless(p.Errors, "file")
		return w.invitePage(c, p, nil)
	}
	var users []auth.NewUser
	var at []int
	res := make([]inviteResult, len(rows))
	for i, r := range rows {
		res[i] = inviteResult{Line: r.Line, Name: r.User.Name, Email: r.User.Email}
		if r.Bad != nil {
			res[i].Outcome, res[i].Reason = "invalid", errorText(r.Bad, r.Bad, p.Lang)
			continue
		}
		users, at = append(users, r.User), append(at, i)
	}
	created, err := w.app.Auth.InviteUsers(c.UserContext(), principal(c), users)
	if err != nil {
		return err
	}
	for j, cr := range created {
		r := &res[at[j]]
		switch {
		case cr.Err == nil:
			r.Outcome = "invited"
		case errors.Is(cr.Err, auth.ErrEmailTaken):
			r.Outcome = "exists"
		default:
			r.Outcome, r.Reason = "invalid", p.reasonOf(cr.Err)
		}
	}
	return w.invitePage(c, p, res)
}

// reasonOf is an application error in words: its fields' messages, or its own.
func (p *Page) reasonOf(err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return p.T("error.problem.text")
	}
	if len(ae.Fields) == 0 {
		return errorText(ae, err, p.Lang)
	}
	var parts []string
	for _, f := range ae.Fields {
		name := f.Field
		if k := "admin.field." + strings.SplitN(name, ".", 2)[0]; hasWord(k) {
			name = p.T(k)
		}
		parts = append(parts, name+": "+i18n.Text(p.Lang, f.MessageKey(), f.Params))
	}
	return strings.Join(parts, "; ")
}

// ---- Outbox ----

type outboxData struct {
	adminSection
	Jobs   []outbox.Job
	Failed bool
	Next   string
	First  bool
}

func (w *Web) adminOutbox(c *fiber.Ctx) error {
	p := w.page(c, "admin.outbox.title")
	after, failed := cursorOf(c.Query("after")), c.Query("state") == "failed"
	list := w.app.OutboxJobs
	if failed {
		list = w.app.FailedOutboxJobs
	}
	jobs, next, err := list(c.UserContext(), principal(c), after, adminPageSize)
	if err != nil {
		return err
	}
	p.Data = outboxData{adminSection: adminSection{"outbox"}, Jobs: jobs, Failed: failed, Next: next, First: after == ""}
	return w.render(c, "admin-outbox", p)
}

// adminRetry puts a failed message back in the queue.
func (w *Web) adminRetry(c *fiber.Ctx) error {
	if _, err := w.app.RetryOutboxJob(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	back := "/admin/outbox"
	if c.FormValue("state") == "failed" {
		back += "?state=failed"
	}
	return w.redirectWithNotice(c, back, "admin.outbox.retried")
}

// ---- Feedback ----

// feedbackRow is a piece of feedback as the page shows it: its lines, its language's name.
type feedbackRow struct {
	feedback.Item
	Lines      []string
	LocaleName string
}

type feedbackData struct {
	adminSection
	Items []feedbackRow
	Next  string
	First bool
}

func (w *Web) adminFeedback(c *fiber.Ctx) error {
	p := w.page(c, "admin.feedback.title")
	before := cursorOf(c.Query("before"))
	items, next, err := w.app.Feedback.List(c.UserContext(), principal(c), before, adminPageSize)
	if err != nil {
		return err
	}
	d := feedbackData{adminSection: adminSection{"feedback"}, Next: next, First: before == ""}
	for _, it := range items {
		d.Items = append(d.Items, feedbackRow{Item: it, Lines: strings.FieldsFunc(it.Message, func(r rune) bool { return r == '\n' }), LocaleName: p.languageName(it.Locale)})
	}
	p.Data = d
	return w.render(c, "admin-feedback", p)
}

func (w *Web) adminFeedbackHandled(c *fiber.Ctx) error {
	handled := c.FormValue("handled") != "no"
	if _, err := w.app.Feedback.SetHandled(c.UserContext(), principal(c), c.Params("id"), handled); err != nil {
		return err
	}
	notice := "admin.feedback.marked"
	if !handled {
		notice = "admin.feedback.unmarked"
	}
	return w.redirectWithNotice(c, "/admin/feedback", notice)
}
