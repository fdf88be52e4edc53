package httpapi

import (
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

// locale picks the reader's language: ?locale=, else the first of fi/sv/en in
// Accept-Language, else Finnish.
func locale(c *fiber.Ctx) string {
	if l := c.Query("locale"); slices.Contains(course.Locales, l) {
		return l
	}
	for _, part := range strings.Split(c.Get(fiber.HeaderAcceptLanguage), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if slices.Contains(course.Locales, base) {
			return base
		}
	}
	return course.SourceLocale
}

func checkLocaleParam(c *fiber.Ctx) error {
	if l := c.Query("locale"); l != "" && !slices.Contains(course.Locales, l) {
		return apperr.Validation(apperr.FieldError{Field: "locale", Message: "must be fi, sv or en"})
	}
	return nil
}

type catalogItem struct {
	Slug            string   `json:"slug"`
	Status          string   `json:"status"`
	Version         int      `json:"version"`
	Title           string   `json:"title"`
	Summary         string   `json:"summary"`
	Modules         int      `json:"modules"`
	DurationMinutes int      `json:"duration_minutes"`
	Locales         []string `json:"locales"`
	Enrolled        bool     `json:"enrolled"`
	// Locale is the reader's language; Fallback names the texts in another one.
	Locale   string          `json:"locale"`
	Fallback course.Fallback `json:"fallback,omitempty"`
}

func (s *Server) listCourses(c *fiber.Ctx) error {
	if err := checkLocaleParam(c); err != nil {
		return err
	}
	limit, after, err := pageParams(c)
	if err != nil {
		return err
	}
	status := c.Query("status")
	if status != "" && !slices.Contains([]string{course.StatusPublished, course.StatusDraft, course.StatusArchived, "all"}, status) {
		return apperr.Validation(apperr.FieldError{Field: "status", Message: "must be published, draft, archived or all"})
	}
	entries, next, err := s.courses.Catalog(c.UserContext(), principal(c), status, after, limit)
	if err != nil {
		return err
	}
	loc := locale(c)
	enrolled := map[string]bool{}
	if s.learning != nil && len(entries) > 0 {
		slugs := make([]string, len(entries))
		for i, e := range entries {
			slugs[i] = e.Slug
		}
		if enrolled, err = s.learning.Enrolled(c.UserContext(), principal(c).UserID, slugs); err != nil {
			return err
		}
	}
	items := make([]catalogItem, 0, len(entries))
	for _, e := range entries {
		it := catalogItem{Slug: e.Slug, Status: e.Status, Version: e.Version, Locales: []string{}, Enrolled: enrolled[e.Slug], Locale: loc}
		if e.Course != nil {
			l := course.Localizer{Locale: loc}
			it.Title, it.Summary = l.Text("title", e.Course.Title), l.Text("summary", e.Course.Summary)
			it.Fallback = l.Fallback
			it.Modules, it.DurationMinutes, it.Locales = len(e.Course.Modules), e.Course.DurationMinutes(), e.Course.CompleteLocales()
		}
		items = append(items, it)
	}
	return c.JSON(newList(items, next))
}

type createCourseRequest struct {
	Slug   string      `json:"slug"`
	Title  course.Text `json:"title"`
	Access string      `json:"access"`
}

func (s *Server) createCourse(c *fiber.Ctx) error {
	var req createCourseRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := s.courses.CreateCourse(c.UserContext(), principal(c), req.Slug, req.Title, req.Access)
	if err != nil {
		return err
	}
	c.Location("/api/v1/courses/" + req.Slug + "/draft")
	c.Set(fiber.HeaderETag, d.ETag())
	return c.Status(fiber.StatusCreated).JSON(newDraftResponse(d, messageLocale(c)))
}

type draftResponse struct {
	Course    *course.Course   `json:"course"`
	Revision  int              `json:"revision"`
	ETag      string           `json:"etag"`
	Problems  []course.Problem `json:"problems"`
	UpdatedAt time.Time        `json:"updated_at"`
	UpdatedBy string           `json:"updated_by"`
}

// newDraftResponse answers with the draft and its problems in the reader's language.
func newDraftResponse(d course.Draft, locale string) draftResponse {
	ps := d.Problems.In(locale)
	return draftResponse{Course: d.Course, Revision: d.Revision, ETag: d.ETag(), Problems: ps, UpdatedAt: d.At, UpdatedBy: d.By}
}

func (s *Server) getDraft(c *fiber.Ctx) error {
	d, err := s.courses.GetDraft(c.UserContext(), principal(c), c.Params("slug"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, d.ETag())
	return c.JSON(newDraftResponse(d, messageLocale(c)))
}

func (s *Server) saveDraft(c *fiber.Ctx) error {
	var co course.Course
	if err := decodeJSON(c, &co); err != nil {
		return err
	}
	d, err := s.courses.SaveDraft(c.UserContext(), principal(c), c.Params("slug"), c.Get(fiber.HeaderIfMatch), &co)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, d.ETag())
	return c.JSON(newDraftResponse(d, messageLocale(c)))
}

type publishResponse struct {
	Version        int      `json:"version"`
	ContentHash    string   `json:"content_hash"`
	RemovedLessons []string `json:"removed_lessons"`
}

func (s *Server) publishCourse(c *fiber.Ctx) error {
	res, err := s.app.PublishCourse(c.UserContext(), principal(c), c.Params("slug"))
	if err != nil {
		return err
	}
	if res.RemovedLessons == nil {
		res.RemovedLessons = []string{}
	}
	return c.Status(fiber.StatusCreated).JSON(publishResponse{Version: res.Version, ContentHash: res.Hash, RemovedLessons: res.RemovedLessons})
}

type versionItem struct {
	Version     int       `json:"version"`
	ContentHash string    `json:"content_hash"`
	PublishedBy string    `json:"published_by"`
	PublishedAt time.Time `json:"published_at"`
	Current     bool      `json:"current"`
}

func (s *Server) listVersions(c *fiber.Ctx) error {
	vs, err := s.courses.Versions(c.UserContext(), principal(c), c.Params("slug"))
	if err != nil {
		return err
	}
	items := make([]versionItem, len(vs))
	for i, v := range vs {
		items[i] = versionItem{Version: v.Version, ContentHash: v.Hash, PublishedBy: v.PublishedBy, PublishedAt: v.PublishedAt, Current: v.Current}
	}
	return c.JSON(newList(items, ""))
}

type archiveRequest struct {
	Archived *bool `json:"archived"`
}

type statusResponse struct {
	Slug   string `json:"slug"`
	Status string `json:"status"`
}

// archiveCourse archives a course; {"archived": false} restores it. The body is optional.
func (s *Server) archiveCourse(c *fiber.Ctx) error {
	archived := true
	if len(c.Body()) > 0 {
		var req archiveRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.Archived != nil {
			archived = *req.Archived
		}
	}
	if err := s.courses.SetArchived(c.UserContext(), principal(c), c.Params("slug"), archived); err != nil {
		return err
	}
	status := course.StatusArchived
	if !archived {
		status = "restored"
	}
	return c.JSON(statusResponse{Slug: c.Params("slug"), Status: status})
}

// teamBody is a course's team as a client sends and reads it.
type teamBody struct {
	Owners  []string `json:"owners"`
	Editors []string `json:"editors"`
}

type teamResponse struct {
	Slug string `json:"slug"`
	teamBody
}

func (s *Server) getTeam(c *fiber.Ctx) error {
	t, err := s.app.CourseTeam(c.UserContext(), principal(c), c.Params("slug"))
	if err != nil {
		return err
	}
	return c.JSON(teamResponse{Slug: c.Params("slug"), teamBody: teamBody(t)})
}

// setTeam replaces the course's owners and editors: both lists are required (empty for none).
func (s *Server) setTeam(c *fiber.Ctx) error {
	var req teamBody
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	if req.Owners == nil {
		f.Add("owners", "is required")
	}
	if req.Editors == nil {
		f.Add("editors", "is required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	t, err := s.app.SetCourseTeam(c.UserContext(), principal(c), c.Params("slug"), course.Team(req))
	if err != nil {
		return err
	}
	return c.JSON(teamResponse{Slug: c.Params("slug"), teamBody: teamBody(t)})
}

type outlineLesson struct {
	ID              string          `json:"id"`
	Title           string          `json:"title"`
	DurationMinutes int             `json:"duration_minutes"`
	Optional        bool            `json:"optional"`
	Completion      course.Rule     `json:"completion"`
	State           string          `json:"state,omitempty"`
	Lock            *learning.Lock  `json:"lock,omitempty"`
	Fallback        course.Fallback `json:"fallback,omitempty"`
}

type outlineModule struct {
	ID              string          `json:"id"`
	Title           string          `json:"title"`
	Summary         string          `json:"summary"`
	Outcomes        []string        `json:"outcomes"`
	Prerequisites   []string        `json:"prerequisites"`
	Sequential      bool            `json:"sequential"`
	DurationMinutes int             `json:"duration_minutes"`
	Lessons         []outlineLesson `json:"lessons"`
	State           string          `json:"state,omitempty"`
	Lock            *learning.Lock  `json:"lock,omitempty"`
	Fallback        course.Fallback `json:"fallback,omitempty"`
}

type outlineResponse struct {
	Slug            string           `json:"slug"`
	Version         int              `json:"version"`
	Locale          string           `json:"locale"`
	Title           string           `json:"title"`
	Summary         string           `json:"summary"`
	Audience        string           `json:"audience"`
	Outcomes        []string         `json:"outcomes"`
	Credits         *course.Credits  `json:"credits,omitempty"`
	Licence         string           `json:"licence"`
	Access          string           `json:"access"`
	Locales         []string         `json:"locales"`
	DurationMinutes int              `json:"duration_minutes"`
	Modules         []outlineModule  `json:"modules"`
	Progress        *outlineProgress `json:"progress,omitempty"`
	// Fallback names the course's own texts not in Locale; modules and lessons carry their own.
	Fallback course.Fallback `json:"fallback,omitempty"`
}

func newOutline(co *course.Course, version int, loc string) outlineResponse {
	lc := course.Localizer{Locale: loc}
	o := outlineResponse{Slug: co.Slug, Version: version, Locale: loc, Title: lc.Text("title", co.Title), Summary: lc.Text("summary", co.Summary),
		Audience: lc.Text("audience", co.Audience), Outcomes: lc.Texts("outcomes", co.Outcomes), Credits: co.Credits, Licence: co.Licence, Access: co.Access,
		Locales: co.CompleteLocales(), DurationMinutes: co.DurationMinutes(), Modules: make([]outlineModule, len(co.Modules))}
	o.Fallback = lc.Fallback
	for i, m := range co.Modules {
		lm := course.Localizer{Locale: loc}
		om := outlineModule{ID: m.ID, Title: lm.Text("title", m.Title), Summary: lm.Text("summary", m.Summary), Outcomes: lm.Texts("outcomes", m.Outcomes),
			Prerequisites: m.Prerequisites, Sequential: m.Sequential, DurationMinutes: m.DurationMinutes(), Lessons: make([]outlineLesson, len(m.Lessons))}
		om.Fallback = lm.Fallback
		if om.Prerequisites == nil {
			om.Prerequisites = []string{}
		}
		for j, l := range m.Lessons {
			ll := course.Localizer{Locale: loc}
			om.Lessons[j] = outlineLesson{ID: l.ID, Title: ll.Text("title", l.Title), DurationMinutes: l.DurationMinutes, Optional: l.Optional, Completion: l.Completion}
			om.Lessons[j].Fallback = ll.Fallback
		}
		o.Modules[i] = om
	}
	return o
}

// getCourse returns the outline of the current published version.
func (s *Server) getCourse(c *fiber.Ctx) error {
	if err := checkLocaleParam(c); err != nil {
		return err
	}
	pub, err := s.courses.Current(c.UserContext(), principal(c), c.Params("slug"))
	if err != nil {
		return err
	}
	o := newOutline(pub.Course, pub.Version, locale(c))
	if err := s.withProgress(c, &o, pub); err != nil {
		return err
	}
	return c.JSON(o)
}

// getLesson serves published content with an ETag; a matching If-None-Match gets 304. A lesson
// locked for a learner is 403 with the reason in her language.
func (s *Server) getLesson(c *fiber.Ctx) error {
	if err := checkLocaleParam(c); err != nil {
		return err
	}
	v, etag, err := s.app.Lesson(c.UserContext(), principal(c), c.Params("slug"), c.Params("lesson"), locale(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "private, no-cache")
	c.Set(fiber.HeaderVary, "Accept-Language")
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && etagMatches(inm, etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	return c.JSON(v)
}

func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

func (s *Server) previewLesson(c *fiber.Ctx) error {
	if err := checkLocaleParam(c); err != nil {
		return err
	}
	v, err := s.courses.PreviewLesson(c.UserContext(), principal(c), c.Params("slug"), c.Params("lesson"), locale(c))
	if err != nil {
		return err
	}
	return c.JSON(v)
}
