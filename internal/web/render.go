package web

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/i18n"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/notify"
)

// pageSet holds one template per page: the layout, the shared parts (templates/_*.html) and the
// page's own file, which defines "content".
type pageSet struct{ pages map[string]*template.Template }

var funcs = template.FuncMap{
	// seq lets a template loop n times (stars, levels).
	"seq": func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	},
	"add": func(a, b int) int { return a + b },
	// attr keeps a computed attribute name or value as it is (ids built from field names).
	"itoa": strconv.Itoa,
}

func mustParsePages() *pageSet {
	ps, err := parsePages(templateFS)
	if err != nil {
		panic(err)
	}
	return ps
}

func parsePages(fsys fs.FS) (*pageSet, error) {
	shared, err := fs.Glob(fsys, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	all, err := fs.Glob(fsys, "templates/*.html")
	if err != nil {
		return nil, err
	}
	ps := &pageSet{pages: map[string]*template.Template{}}
	for _, f := range all {
		base := path.Base(f)
		if strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(fsys, append(append([]string{}, shared...), f)...)
		if err != nil {
			return nil, err
		}
		ps.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return ps, nil
}

// Page is what every template gets: the words of the page's language (T), the signed-in user,
// the CSRF token, the form's values and errors, and the page's own data (Data).
type Page struct {
	Title string // the page's own title, in its language
	// H1 is the page's heading, which the layout writes before the error summary; Title when
	// empty. Page templates write no h1 of their own.
	H1 string
	// H1Lang is the heading's language when it is not the page's (a course's title that fell
	// back to Finnish).
	H1Lang string
	Course string // the course the page belongs to, for the title ("Page – Course – Taito")
	Lang   string
	Path   string // this page, for the language switch to come back to
	User   *auth.User
	CSRF   string
	Notice string // a message of the last action ("Saved"), in the page's language
	// Form is what she typed, shown back when the form has errors; Errors are its problems in
	// the order of the fields.
	Form   map[string]string
	Errors []FieldError
	// Wide lets the page use more of a large screen (tables of many columns).
	Wide bool
	// Scripts are the page's own scripts under /static/ besides taito.js.
	Scripts []string
	Data    any

	status int
	w      *Web
}

// FieldError is one problem of a form: the field's id and its message.
type FieldError struct {
	Field   string
	Message string
}

// T is the text of key in the page's language, with params as name, value pairs.
func (p *Page) T(key string, params ...any) string {
	s := make([]string, len(params))
	for i, v := range params {
		switch v := v.(type) {
		case string:
			s[i] = v
		case int:
			s[i] = strconv.Itoa(v)
		case int64:
			s[i] = strconv.FormatInt(v, 10)
		case float64:
			s[i] = strconv.FormatFloat(v, 'f', -1, 64)
		case time.Time:
			s[i] = notify.Date(v, p.Lang)
		case *time.Time:
			if v != nil {
				s[i] = notify.Date(*v, p.Lang)
			}
		default:
			s[i] = ""
		}
	}
	return say(p.Lang, key, s...)
}

// Date is a day in Finnish conventions for the page's language ("3.2.2026", "3 Feb 2026").
func (p *Page) Date(t any) string {
	switch v := t.(type) {
	case time.Time:
		return notify.Date(v, p.Lang)
	case *time.Time:
		if v != nil {
			return notify.Date(*v, p.Lang)
		}
	}
	return ""
}

// DateTime is a moment in Helsinki time ("3.2.2026 klo 14.30").
func (p *Page) DateTime(t any) string {
	switch v := t.(type) {
	case time.Time:
		return notify.DateTime(v, p.Lang)
	case *time.Time:
		if v != nil {
			return notify.DateTime(*v, p.Lang)
		}
	}
	return ""
}

// ISO is a moment as the datetime attribute of <time> wants it.
func (p *Page) ISO(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case *time.Time:
		if v != nil {
			return v.UTC().Format(time.RFC3339)
		}
	}
	return ""
}

// ErrorOf is the message of a field's problem, "" when it has none.
func (p *Page) ErrorOf(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Value is what she typed in a field.
func (p *Page) Value(field string) string { return p.Form[field] }

// Field describes a text input for the "field" template: its name, label key, type,
// autocomplete token and an optional hint key.
func (p *Page) Field(name, labelKey, typ, autocomplete, hintKey string) FieldView {
	f := FieldView{ID: "f-" + name, Name: name, Label: p.T(labelKey), Type: typ, Autocomplete: autocomplete, Value: p.Value(name), Error: p.ErrorOf(name)}
	if hintKey != "" {
		f.Hint = p.T(hintKey)
	}
	if typ == "password" {
		f.Value = "" // a password is never sent back
	}
	return f
}

// FieldView is one labelled input with its hint and error.
type FieldView struct {
	ID, Name, Label, Type, Autocomplete, Value, Error, Hint string
}

// Locales lists the languages for the language switch.
func (p *Page) Locales() []LocaleChoice {
	out := make([]LocaleChoice, 0, len(i18n.Locales))
	for _, l := range i18n.Locales {
		out = append(out, LocaleChoice{Code: l, Name: localeName[l], Current: l == p.Lang})
	}
	return out
}

// LocaleChoice is one language of the switch.
type LocaleChoice struct {
	Code, Name string
	Current    bool
}

// IsTrainer says whether the signed-in user may use the trainer's pages (auth's rule).
func (p *Page) IsTrainer() bool {
	return p.User != nil && auth.RequireTrainer(auth.Principal{UserID: p.User.ID, Roles: p.User.Roles}) == nil
}

// IsAdmin says whether the signed-in user may use the admin's pages (auth's rule).
func (p *Page) IsAdmin() bool {
	return p.User != nil && auth.RequireAdmin(auth.Principal{UserID: p.User.ID, Roles: p.User.Roles}) == nil
}

// Heading is the page's h1.
func (p *Page) Heading() string {
	if p.H1 != "" {
		return p.H1
	}
	return p.Title
}

// FullTitle is the page's <title>: "Page – Course – Taito", starting "Error: " when the form
// has errors.
func (p *Page) FullTitle() string {
	parts := []string{}
	if p.Title != "" {
		parts = append(parts, p.Title)
	}
	if p.Course != "" {
		parts = append(parts, p.Course)
	}
	parts = append(parts, "Taito")
	t := strings.Join(parts, " – ")
	if len(p.Errors) > 0 {
		t = p.T("error.title-prefix") + " " + t
	}
	return t
}

// page starts a page for the request: its language, user and token.
func (w *Web) page(c *fiber.Ctx, titleKey string) *Page {
	p := &Page{Lang: w.locale(c), Path: localPath(string(c.Request().RequestURI())), CSRF: w.csrfToken(c), Form: map[string]string{}, status: fiber.StatusOK, w: w}
	if titleKey != "" {
		p.Title = p.T(titleKey)
	}
	if b := sessionOf(c); b != nil {
		if u, err := w.app.Auth.Me(c.UserContext(), b.Principal); err == nil {
			p.User = &u
		}
	}
	if n := c.Cookies(noticeCookie); n != "" {
		if hasWord(n) {
			p.Notice = p.T(n)
		}
		c.Cookie(&fiber.Cookie{Name: noticeCookie, Value: "", Path: "/", Expires: time.Unix(0, 0), MaxAge: -1, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
	}
	return p
}

// noticeCookie carries the key of a message to show on the next page, after a redirect.
const noticeCookie = "taito_notice"

// redirectWithNotice answers a successful post: to the page at to, which shows the notice key.
func (w *Web) redirectWithNotice(c *fiber.Ctx, to, noticeKey string) error {
	if noticeKey != "" {
		c.Cookie(&fiber.Cookie{Name: noticeCookie, Value: noticeKey, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
	}
	return c.Redirect(localPath(to), fiber.StatusSeeOther)
}

// render writes page p with template name.
func (w *Web) render(c *fiber.Ctx, name string, p *Page) error {
	t, ok := w.pages.pages[name]
	if !ok {
		return errors.New("web: no template " + name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return err
	}
	c.Status(p.status)
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}

// withStatus sets the status the page is sent with.
func (p *Page) withStatus(s int) *Page { p.status = s; return p }

// formErrors turns an error of a form's post into its problems in the page's language: field
// errors to their fields (fieldIDs maps the application's field names to the form's, when they
// differ), any other error of the kinds a person can act on to one problem without a field.
// Errors she cannot act on (outages, bugs) are returned for the error page.
func (p *Page) formErrors(err error, fieldIDs map[string]string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.Kind {
	case apperr.KindValidation, apperr.KindInvalid, apperr.KindConflict, apperr.KindUnauthenticated, apperr.KindRateLimited, apperr.KindForbidden, apperr.KindTooLarge:
	default:
		return err
	}
	for _, f := range ae.Fields {
		id := f.Field
		if m, ok := fieldIDs[id]; ok {
			id = m
		}
		p.Errors = append(p.Errors, FieldError{Field: id, Message: i18n.Text(p.Lang, f.MessageKey(), f.Params)})
	}
	if len(ae.Fields) == 0 {
		p.Errors = append(p.Errors, FieldError{Message: errorText(ae, err, p.Lang)})
	}
	p.status = kindStatus(ae.Kind)
	return nil
}

// errorText is an application error's message in locale, a lock's reason added.
func errorText(ae *apperr.Error, err error, locale string) string {
	d := i18n.Text(locale, ae.MessageKey(), ae.Params)
	var le *learning.LockedError
	if errors.As(err, &le) && le.Lock != nil {
		if why := le.Lock.Message[locale]; why != "" {
			d += ": " + why
		} else if why := le.Lock.Message[i18n.Default]; why != "" {
			d += ": " + why
		}
	}
	return d
}

func kindStatus(k apperr.Kind) int {
	switch k {
	case apperr.KindInvalid:
		return http.StatusBadRequest
	case apperr.KindValidation:
		return http.StatusUnprocessableEntity
	case apperr.KindUnauthenticated:
		return http.StatusUnauthorized
	case apperr.KindForbidden:
		return http.StatusForbidden
	case apperr.KindNotFound:
		return http.StatusNotFound
	case apperr.KindConflict:
		return http.StatusConflict
	case apperr.KindPrecondition:
		return http.StatusPreconditionFailed
	case apperr.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.KindRateLimited:
		return http.StatusTooManyRequests
	case apperr.KindUnavailable, apperr.KindTimeout:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// locale is the language of the request's pages: her account's, else the language she chose on
// this browser before signing in, else the browser's (Accept-Language), else Finnish.
func (w *Web) locale(c *fiber.Ctx) string {
	if l := trimLocale(principal(c).Locale); l != "" {
		return l
	}
	if l := trimLocale(c.Cookies(langCookie)); l != "" {
		return l
	}
	return i18n.FromHeader(c.Get(fiber.HeaderAcceptLanguage))
}

// langCookie keeps the language chosen before signing in.
const langCookie = "taito_lang"

// errorData is what the error page shows.
type errorData struct {
	Message   string
	SignIn    bool
	RequestID string
}

// recoverPage turns an error of any page into an error page in her language: what happened in
// words, and what she can do. Internal errors are logged, and she sees only that something
// went wrong.
func (w *Web) recoverPage(c *fiber.Ctx) error {
	err := c.Next()
	if err == nil {
		return nil
	}
	return w.errorPage(c, err)
}

func (w *Web) errorPage(c *fiber.Ctx, err error) error {
	p := w.page(c, "")
	d := errorData{}
	var ae *apperr.Error
	var fe *fiber.Error
	status := http.StatusInternalServerError
	switch {
	case errors.As(err, &ae):
		status = kindStatus(ae.Kind)
		d.Message = errorText(ae, err, p.Lang)
		if ae.RetryAfter > 0 {
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int((ae.RetryAfter+time.Second-1)/time.Second)))
		}
	case errors.As(err, &fe):
		status = fe.Code
	case errors.Is(err, context.DeadlineExceeded):
		status = http.StatusServiceUnavailable
	}
	switch {
	case status == http.StatusNotFound:
		p.Title, d.Message = p.T("error.not-found.title"), p.T("error.not-found.text")
	case status == http.StatusServiceUnavailable:
		p.Title, d.Message = p.T("error.unavailable.title"), p.T("error.unavailable.text")
		if c.GetRespHeader(fiber.HeaderRetryAfter) == "" {
			c.Set(fiber.HeaderRetryAfter, "5")
		}
		w.log.Warn("page failed", "path", c.Path(), "err", err)
	case status >= 500:
		p.Title, d.Message = p.T("error.internal.title"), p.T("error.internal.text")
		w.log.Error("page failed", "path", c.Path(), "err", err)
	case status == http.StatusForbidden:
		p.Title = p.T("error.forbidden.title")
	case status == http.StatusUnauthorized:
		p.Title, d.SignIn = p.T("error.signin.title"), true
	default:
		p.Title = p.T("error.problem.title")
		if d.Message == "" {
			d.Message = p.T("error.problem.text")
		}
	}
	p.Data = d
	p.status = status
	return w.render(c, "error", p)
}

// notFound answers a path that is no page.
func (w *Web) notFound(c *fiber.Ctx) error { return fiber.ErrNotFound }
