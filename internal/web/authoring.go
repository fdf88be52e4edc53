package web

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/course"
)

// packageUploadPath is where a course package is posted. The API's bodyLimit leaves this one
// path's body streaming (httpapi.PackageUploadPath, the same path), so that a package is read
// here under maxPackageBytes instead of the JSON body limit. The form's first part is its CSRF
// token, which checkPost reads from the stream (streamedToken); the handler reads on.
const packageUploadPath = "/authoring/upload"

// maxPackageBytes bounds an uploaded package (course.MaxPackageSize, 200 MB); a test lowers it.
var maxPackageBytes int64 = course.MaxPackageSize

// Bounds of the upload besides its size: the form's parts, how long the connection may stay
// idle while the file arrives, and how long checking and storing it may take.
const (
	maxUploadParts    = 10
	uploadIdleTimeout = time.Minute
	importTimeout     = 10 * time.Minute
)

// authoringRoutes are the pages of a course's team: her courses, uploading a package (checked,
// then stored as the draft), the draft's outline and preview, publishing, archiving, the
// package download and the co-editors. The application decides who edits which course.
func (w *Web) authoringRoutes(r fiber.Router) {
	r.Get("/authoring", w.signedIn, w.trainerOnly, w.authoringList)
	r.Get(packageUploadPath, w.signedIn, w.trainerOnly, w.uploadForm)
	r.Post(packageUploadPath, w.signedIn, w.trainerOnly, w.uploadPackage)
	r.Get("/authoring/:slug", w.signedIn, w.trainerOnly, w.authoringCourse)
	r.Get("/authoring/:slug/draft/lessons/:lesson", w.signedIn, w.trainerOnly, w.previewLesson)
	r.Get("/authoring/:slug/publish", w.signedIn, w.trainerOnly, w.publishConfirm)
	r.Post("/authoring/:slug/publish", w.signedIn, w.trainerOnly, w.publishCourse)
	r.Get("/authoring/:slug/archive", w.signedIn, w.trainerOnly, w.archiveConfirm)
	r.Post("/authoring/:slug/archive", w.signedIn, w.trainerOnly, w.archiveCourse)
	r.Get("/authoring/:slug/package.zip", w.signedIn, w.trainerOnly, w.downloadPackage)
	r.Get("/authoring/:slug/team", w.signedIn, w.trainerOnly, w.teamPage)
	r.Post("/authoring/:slug/team", w.signedIn, w.trainerOnly, w.addEditor)
	r.Post("/authoring/:slug/team/remove", w.signedIn, w.trainerOnly, w.removeEditor)
}

// authoredView is one of her courses in the list.
type authoredView struct {
	Slug, Title, TitleLang, Status string
	Version                        int
	Published                      *time.Time
	DraftAt                        time.Time
	Owner                          bool
}

func (w *Web) authoringList(c *fiber.Ctx) error {
	p := w.page(c, "authoring.title")
	list, err := w.app.AuthoredCourses(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := make([]authoredView, 0, len(list))
	for _, ac := range list {
		l := course.Localizer{Locale: p.Lang}
		out = append(out, authoredView{Slug: ac.Slug, Title: l.Text("title", ac.Title), TitleLang: l.Fallback["title"], Status: ac.Status, Version: ac.Version,
			Published: ac.Published, DraftAt: ac.DraftAt, Owner: ac.Owner})
	}
	p.Data = out
	return w.render(c, "authoring", p)
}

// problemView is one problem of a package: file and line, and the message.
type problemView struct {
	File, Line, Severity, Message string
}

type uploadData struct {
	MaxMB    int
	Slug     string
	Problems []problemView
	Errors   int
}

func (w *Web) uploadData(p *Page) *uploadData {
	return &uploadData{MaxMB: int(maxPackageBytes >> 20)}
}

func (w *Web) uploadForm(c *fiber.Ctx) error {
	p := w.page(c, "authoring.upload.title")
	p.Data = w.uploadData(p)
	return w.render(c, "authoring-upload", p)
}

// packageRefused is a package refused as a whole, with the reason's words.
type packageRefused struct {
	key    string
	name   string
	status int
}

func (e *packageRefused) Error() string { return "package refused: " + e.key }

// uploadPackage reads the posted package into a temporary file (at most maxPackageBytes), checks
// it as `taito import` does and, when nothing is wrong, stores it as the course's draft at once;
// otherwise it lists every problem by file and line and stores nothing.
func (w *Web) uploadPackage(c *fiber.Ctx) error {
	p := w.page(c, "authoring.upload.title")
	d := w.uploadData(p)
	p.Data = d
	refuse := func(r *packageRefused) error {
		c.Context().SetConnectionClose() // what is left of the body is not read
		msg := p.T(r.key)
		if r.name != "" {
			msg = p.T(r.key, "name", r.name)
		}
		p.Errors = append(p.Errors, FieldError{Field: "package", Message: msg})
		p.status = r.status
		return w.render(c, "authoring-upload", p)
	}
	f, err := w.receivePackage(c)
	var r *packageRefused
	if errors.As(err, &r) {
		return refuse(r)
	}
	if err != nil {
		return err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	fsys, dir, err := course.OpenPackage(f, fi.Size())
	var pe *course.PackageError
	if errors.As(err, &pe) {
		status := fiber.StatusUnprocessableEntity
		if pe.Reason == course.PackageTooLarge {
			status = fiber.StatusRequestEntityTooLarge
		}
		return refuse(&packageRefused{key: "authoring.package." + pe.Reason, name: pe.Name, status: status})
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), importTimeout)
	defer cancel()
	rep, err := w.app.ImportPackage(ctx, principal(c), fsys, dir)
	if err != nil {
		if errors.Is(err, course.ErrNotOnTeam) {
			return refuse(&packageRefused{key: "authoring.package.not-yours", name: rep.Slug, status: fiber.StatusForbidden})
		}
		return err
	}
	if rep.Stored {
		return w.redirectWithNotice(c, "/authoring/"+rep.Slug, "authoring.upload.stored")
	}
	d.Slug = rep.Slug
	d.Problems, d.Errors = problemViews(rep.Problems, p.Lang)
	p.Errors = append(p.Errors, FieldError{Field: "package", Message: p.T("authoring.upload.has-problems", "n", d.Errors)})
	p.status = fiber.StatusUnprocessableEntity
	return w.render(c, "authoring-upload", p)
}

// problemViews are problems as the table shows them, errors first, and how many are errors.
func problemViews(ps course.Problems, lang string) ([]problemView, int) {
	var out []problemView
	errs := 0
	for _, sev := range []string{course.SeverityError, course.SeverityWarning} {
		for _, pr := range ps.In(lang) {
			if pr.Severity != sev {
				continue
			}
			pv := problemView{File: pr.Where, Severity: pr.Severity, Message: pr.Message}
			if i := lastColon(pr.Where); i > 0 {
				if _, err := strconv.Atoi(pr.Where[i+1:]); err == nil {
					pv.File, pv.Line = pr.Where[:i], pr.Where[i+1:]
				}
			}
			if pv.File == "" {
				pv.File = pr.Path
			}
			if sev == course.SeverityError {
				errs++
			}
			out = append(out, pv)
		}
	}
	return out, errs
}

func lastColon(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == ':' {
			return i
		}
	}
	return -1
}

// receivePackage streams the form's "package" file into a temporary file, at most
// maxPackageBytes. The caller removes the file.
func (w *Web) receivePackage(c *fiber.Ctx) (*os.File, error) {
	if n := c.Request().Header.ContentLength(); n > 0 && int64(n) > maxPackageBytes+64<<10 {
		return nil, &packageRefused{key: "authoring.package.too-large", status: fiber.StatusRequestEntityTooLarge}
	}
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, &packageRefused{key: "authoring.package.missing", status: fiber.StatusBadRequest}
	}
	mr, part := streamedForm(c, params["boundary"])
	for range maxUploadParts {
		var err error
		if part == nil {
			part, err = mr.NextPart()
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &packageRefused{key: "authoring.package.missing", status: fiber.StatusBadRequest}
		}
		if part.FormName() != "package" || part.FileName() == "" {
			_, _ = io.Copy(io.Discard, io.LimitReader(part, 4<<10))
			part = nil
			continue
		}
		f, err := os.CreateTemp("", "taito-package-*.zip")
		if err != nil {
			return nil, err
		}
		n, err := io.Copy(f, io.LimitReader(part, maxPackageBytes+1))
		switch {
		case err != nil:
			f.Close()
			os.Remove(f.Name())
			return nil, &packageRefused{key: "authoring.package.broken", status: fiber.StatusBadRequest}
		case n > maxPackageBytes:
			f.Close()
			os.Remove(f.Name())
			return nil, &packageRefused{key: "authoring.package.too-large", status: fiber.StatusRequestEntityTooLarge}
		case n == 0:
			f.Close()
			os.Remove(f.Name())
			return nil, &packageRefused{key: "authoring.package.missing", status: fiber.StatusUnprocessableEntity}
		}
		return f, nil
	}
	return nil, &packageRefused{key: "authoring.package.missing", status: fiber.StatusUnprocessableEntity}
}

// localForm keeps a streamed multipart form between checkPost and the handler.
const localForm = "web.streamedform"

// streamedPart is a streamed form with the part read first, when that was not the token.
type streamedPart struct {
	mr    *multipart.Reader
	first *multipart.Part
}

// streamedToken reads the CSRF token of a streamed multipart post from its first part (a form
// puts its hidden csrf field first), leaving the rest of the form to the handler. "" when the
// first part is something else (then the header may carry the token).
func streamedToken(c *fiber.Ctx) string {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return ""
	}
	mr, _ := streamedForm(c, params["boundary"])
	part, err := mr.NextPart()
	if err != nil {
		return ""
	}
	if part.FormName() != csrfField {
		c.Locals(localForm, &streamedPart{mr: mr, first: part})
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(part, 256))
	return string(b)
}

// streamedForm is the request's multipart form as a stream: the one checkPost started, with the
// part it read and did not use, or a new one.
func streamedForm(c *fiber.Ctx, boundary string) (*multipart.Reader, *multipart.Part) {
	if sp, ok := c.Locals(localForm).(*streamedPart); ok {
		first := sp.first
		sp.first = nil
		return sp.mr, first
	}
	var body io.Reader = bytes.NewReader(c.Body())
	if c.Request().IsBodyStream() {
		body = c.Context().RequestBodyStream()
	}
	if conn := c.Context().Conn(); conn != nil {
		body = &idleReader{r: body, deadline: conn.SetReadDeadline}
	}
	mr := multipart.NewReader(body, boundary)
	c.Locals(localForm, &streamedPart{mr: mr})
	return mr, nil
}

// idleReader pushes the connection's read deadline forward as the package arrives, so a large
// file on a slow line goes on while bytes keep moving.
type idleReader struct {
	r        io.Reader
	deadline func(time.Time) error
}

func (i *idleReader) Read(p []byte) (int, error) {
	_ = i.deadline(time.Now().Add(uploadIdleTimeout))
	return i.r.Read(p)
}

// draftLessonView is a lesson of the draft's outline.
type draftLessonView struct {
	ID, Title, TitleLang string
	Minutes              int
	Optional             bool
}

type draftModuleView struct {
	ID, Title, TitleLang string
	Lessons              []draftLessonView
}

type versionView struct {
	Version     int
	PublishedAt time.Time
	PublishedBy string
	Current     bool
}

type authoringCourseData struct {
	Slug, Status string
	Revision     int
	DraftAt      time.Time
	Modules      []draftModuleView
	Versions     []versionView
	Problems     []problemView
	Errors       int
	Owner        bool
}

// draftOutline is the draft's modules and lessons in the page's language.
func draftOutline(co *course.Course, lang string) []draftModuleView {
	var out []draftModuleView
	for _, m := range co.Modules {
		lm := course.Localizer{Locale: lang}
		mv := draftModuleView{ID: m.ID, Title: lm.Text("title", m.Title), TitleLang: lm.Fallback["title"]}
		for _, l := range m.Lessons {
			ll := course.Localizer{Locale: lang}
			mv.Lessons = append(mv.Lessons, draftLessonView{ID: l.ID, Title: ll.Text("title", l.Title), TitleLang: ll.Fallback["title"], Minutes: l.DurationMinutes, Optional: l.Optional})
		}
		out = append(out, mv)
	}
	return out
}

func (w *Web) authoringCourse(c *fiber.Ctx) error {
	ctx, pr, slug := c.UserContext(), principal(c), c.Params("slug")
	d, err := w.app.Courses.GetDraft(ctx, pr, slug)
	if err != nil {
		return err
	}
	vs, err := w.app.Courses.Versions(ctx, pr, slug)
	if err != nil {
		return err
	}
	t, err := w.app.CourseTeam(ctx, pr, slug)
	if err != nil {
		return err
	}
	status, err := w.app.CourseStatus(ctx, pr, slug)
	if err != nil {
		return err
	}
	p := w.page(c, "")
	lc := course.Localizer{Locale: p.Lang}
	p.Title, p.H1Lang = lc.Text("title", d.Course.Title), lc.Fallback["title"]
	if p.Title == "" {
		p.Title = slug
	}
	data := authoringCourseData{Slug: slug, Status: status, Revision: d.Revision, DraftAt: d.At, Modules: draftOutline(d.Course, p.Lang),
		Owner: pr.IsAdmin() || containsID(t.Owners, pr.UserID)}
	for _, v := range vs {
		data.Versions = append(data.Versions, versionView{Version: v.Version, PublishedAt: v.PublishedAt, Current: v.Current})
	}
	data.Problems, data.Errors = problemViews(d.Problems, p.Lang)
	p.Data = data
	return w.render(c, "authoring-course", p)
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

type previewData struct {
	Slug, Lesson string
	Module       string
	Minutes      int
	Blocks       []blockView
	Previous     *pagerLink
	Next         *pagerLink
}

// previewLesson shows a lesson of the draft as a learner would see it (the lesson page's own
// blocks), under a banner that says it is a draft.
func (w *Web) previewLesson(c *fiber.Ctx) error {
	ctx, pr, slug, lesson := c.UserContext(), principal(c), c.Params("slug"), c.Params("lesson")
	p := w.page(c, "")
	v, err := w.app.Courses.PreviewLesson(ctx, pr, slug, lesson, p.Lang)
	if err != nil {
		return err
	}
	d, err := w.app.Courses.GetDraft(ctx, pr, slug)
	if err != nil {
		return err
	}
	co := d.Course
	lc := course.Localizer{Locale: p.Lang}
	p.Course = lc.Text("title", co.Title)
	p.Title, p.H1Lang = v.Title, v.Fallback["title"]
	data := previewData{Slug: slug, Lesson: lesson, Minutes: v.DurationMinutes, Blocks: lessonBlocks(v, slug, p.Lang)}
	for _, m := range co.Modules {
		if m.ID == v.Module {
			lm := course.Localizer{Locale: p.Lang}
			data.Module = lm.Text("title", m.Title)
		}
	}
	pager := func(id string) *pagerLink {
		if id == "" {
			return nil
		}
		_, l, ok := co.Lesson(id)
		if !ok {
			return nil
		}
		ll := course.Localizer{Locale: p.Lang}
		return &pagerLink{ID: id, Title: ll.Text("title", l.Title), TitleLang: ll.Fallback["title"]}
	}
	data.Previous, data.Next = pager(v.Previous), pager(v.Next)
	p.Data = data
	return w.render(c, "authoring-preview", p)
}

type droppedView struct{ ID, Title, TitleLang string }

type publishData struct {
	Slug     string
	Current  int
	Dropped  []droppedView
	Problems []problemView
	Errors   int
}

func (w *Web) publishConfirm(c *fiber.Ctx) error {
	return w.publishPage(c, nil)
}

// publishPage asks her to confirm publishing: which version it replaces and the lessons the new
// version drops; a draft with errors lists them instead of the button.
func (w *Web) publishPage(c *fiber.Ctx, problem error) error {
	ctx, pr, slug := c.UserContext(), principal(c), c.Params("slug")
	plan, err := w.app.PlanPublish(ctx, pr, slug)
	if err != nil {
		return err
	}
	p := w.page(c, "authoring.publish.title")
	lc := course.Localizer{Locale: p.Lang}
	p.Course = lc.Text("title", plan.Draft.Course.Title)
	d := publishData{Slug: slug, Current: plan.Current}
	for _, l := range plan.Dropped {
		ll := course.Localizer{Locale: p.Lang}
		d.Dropped = append(d.Dropped, droppedView{ID: l.ID, Title: ll.Text("title", l.Title), TitleLang: ll.Fallback["title"]})
	}
	d.Problems, d.Errors = problemViews(plan.Draft.Problems, p.Lang)
	if problem != nil {
		if err := p.formErrors(problem, nil); err != nil {
			return err
		}
		for i := range p.Errors {
			if p.Errors[i].Field != "confirm" {
				p.Errors[i].Field = "" // a problem of the draft, not of this form: no field to go to
			}
		}
	}
	p.Data = d
	return w.render(c, "authoring-publish", p)
}

func (w *Web) publishCourse(c *fiber.Ctx) error {
	ctx, pr, slug := c.UserContext(), principal(c), c.Params("slug")
	if c.FormValue("confirm") != "yes" {
		return w.publishPage(c, apperr.Validation(apperr.FieldError{Field: "confirm", Message: "is required"}))
	}
	_, err := w.app.PublishCourse(ctx, pr, slug)
	switch {
	case errors.Is(err, course.ErrNothingToPublish):
		return w.redirectWithNotice(c, "/authoring/"+slug, "authoring.publish.nothing")
	case err != nil:
		var ae *apperr.Error
		if errors.As(err, &ae) && (ae.Kind == apperr.KindValidation || ae.Kind == apperr.KindConflict) {
			return w.publishPage(c, err)
		}
		return err
	}
	return w.redirectWithNotice(c, "/authoring/"+slug, "authoring.publish.done")
}

type archiveData struct {
	Slug     string
	Archived bool
}

func (w *Web) archiveConfirm(c *fiber.Ctx) error {
	ctx, pr, slug := c.UserContext(), principal(c), c.Params("slug")
	d, err := w.app.Courses.GetDraft(ctx, pr, slug)
	if err != nil {
		return err
	}
	status, err := w.app.CourseStatus(ctx, pr, slug)
	if err != nil {
		return err
	}
	p := w.page(c, "authoring.archive.title")
	if status == course.StatusArchived {
		p.Title = p.T("authoring.restore.title")
	}
	lc := course.Localizer{Locale: p.Lang}
	p.Course = lc.Text("title", d.Course.Title)
	p.Data = archiveData{Slug: slug, Archived: status == course.StatusArchived}
	return w.render(c, "authoring-archive", p)
}

// archiveCourse archives the course, or with restore=yes brings it back.
func (w *Web) archiveCourse(c *fiber.Ctx) error {
	ctx, pr, slug := c.UserContext(), principal(c), c.Params("slug")
	restore := c.FormValue("restore") == "yes"
	if err := w.app.Courses.SetArchived(ctx, pr, slug, !restore); err != nil {
		return err
	}
	if restore {
		return w.redirectWithNotice(c, "/authoring/"+slug, "authoring.restore.done")
	}
	return w.redirectWithNotice(c, "/authoring/"+slug, "authoring.archive.done")
}

// downloadPackage sends the draft as a package, the layout an upload takes.
func (w *Web) downloadPackage(c *fiber.Ctx) error {
	var buf bytes.Buffer
	if err := w.app.DraftPackage(c.UserContext(), principal(c), c.Params("slug"), &buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+c.Params("slug")+`.zip"`)
	return c.Send(buf.Bytes())
}

type teamMember struct {
	ID, Name, Email string
	Owner           bool
}

type teamData struct {
	Slug    string
	Members []teamMember
	CanEdit bool
}

func (w *Web) teamPage(c *fiber.Ctx) error { return w.renderTeam(c, nil) }

// renderTeam shows the course's owners and editors; owners add and remove editors.
func (w *Web) renderTeam(c *fiber.Ctx, problem error) error {
	ctx, pr, slug := c.UserContext(), principal(c), c.Params("slug")
	d, err := w.app.Courses.GetDraft(ctx, pr, slug)
	if err != nil {
		return err
	}
	t, err := w.app.CourseTeam(ctx, pr, slug)
	if err != nil {
		return err
	}
	people, err := w.app.TeamPeople(ctx, pr, t)
	if err != nil {
		return err
	}
	p := w.page(c, "authoring.team.title")
	lc := course.Localizer{Locale: p.Lang}
	p.Course = lc.Text("title", d.Course.Title)
	data := teamData{Slug: slug, CanEdit: pr.IsAdmin() || containsID(t.Owners, pr.UserID)}
	for _, id := range t.Owners {
		data.Members = append(data.Members, teamMember{ID: id, Name: people[id].Name, Email: people[id].Email, Owner: true})
	}
	for _, id := range t.Editors {
		data.Members = append(data.Members, teamMember{ID: id, Name: people[id].Name, Email: people[id].Email})
	}
	if problem != nil {
		if err := p.formErrors(problem, map[string]string{}); err != nil {
			return err
		}
		for i := range p.Errors {
			if p.Errors[i].Field != "" {
				p.Errors[i].Field = "email" // the address she gave is what to fix
			}
		}
		if len(p.Errors) > 0 && p.Errors[0].Field == "" && p.status != fiber.StatusForbidden {
			p.Errors[0].Field = "email"
		}
		p.Form["email"] = c.FormValue("email")
	}
	p.Data = data
	return w.render(c, "authoring-team", p)
}

func (w *Web) addEditor(c *fiber.Ctx) error {
	_, err := w.app.AddCourseEditor(c.UserContext(), principal(c), c.Params("slug"), c.FormValue("email"))
	if errors.Is(err, course.ErrNotOwner) {
		return err
	}
	if err != nil {
		return w.renderTeam(c, err)
	}
	return w.redirectWithNotice(c, "/authoring/"+c.Params("slug")+"/team", "authoring.team.added")
}

func (w *Web) removeEditor(c *fiber.Ctx) error {
	if _, err := w.app.RemoveCourseEditor(c.UserContext(), principal(c), c.Params("slug"), c.FormValue("user")); err != nil {
		if errors.Is(err, course.ErrNotOwner) {
			return err
		}
		return w.renderTeam(c, err)
	}
	return w.redirectWithNotice(c, "/authoring/"+c.Params("slug")+"/team", "authoring.team.removed")
}
