package course

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
)

// Draft is the editable outline of a course.
type Draft struct {
	Course   *Course
	Revision int
	Hash     string
	Problems Problems
	At       time.Time
	By       string
}

// ETag identifies the draft's revision for optimistic concurrency.
func (d Draft) ETag() string { return `"r` + strconv.Itoa(d.Revision) + "-" + d.Hash[:12] + `"` }

// CreateCourse starts a new course as an empty draft.
//
// Returns ErrForbidden (auth), validation errors and ErrCourseExists.
func (s *Service) CreateCourse(ctx context.Context, actor auth.Principal, slug string, title Text, access string) (Draft, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return Draft{}, err
	}
	var f apperr.Fields
	if !ValidSlug(slug) {
		f.Add("slug", "must be 2-64 lower-case letters, digits or '-', starting with a letter")
	}
	if strings.TrimSpace(title[SourceLocale]) == "" {
		f.Add("title.fi", "Finnish title is required")
	}
	for loc, v := range title {
		if !slices.Contains(Locales, loc) {
			f.Add("title."+loc, "unknown locale")
		}
		if len(v) > maxShortText {
			f.Add("title."+loc, "too long")
		}
	}
	if access == "" {
		access = AccessOpen
	}
	if access != AccessOpen && access != AccessCohort {
		f.Add("access", "must be open or cohort")
	}
	if err := f.Err(); err != nil {
		return Draft{}, err
	}
	now := s.now().UTC()
	if err := s.store.insertCourse(ctx, courseDoc{ID: slug, Title: title, Status: StatusDraft, Access: access, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}); err != nil {
		return Draft{}, err
	}
	co := &Course{Slug: slug, Title: title, Access: access, Modules: []Module{}}
	d := versionDoc{ID: draftID(slug), Slug: slug, Revision: 1, Outline: *co, ContentHash: ContentHash(co), By: actor.UserID, At: now}
	if err := s.store.replaceDraft(ctx, d, 0); err != nil {
		return Draft{}, err
	}
	return draftOf(d), nil
}

func draftOf(d versionDoc) Draft {
	co := d.Outline
	return Draft{Course: &co, Revision: d.Revision, Hash: d.ContentHash, Problems: Validate(&co), At: d.At, By: d.By}
}

// GetDraft returns a course's draft, for trainers.
//
// Returns ErrForbidden and ErrCourseNotFound.
func (s *Service) GetDraft(ctx context.Context, actor auth.Principal, slug string) (Draft, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return Draft{}, err
	}
	d, err := s.store.version(ctx, draftID(slug))
	if errors.Is(err, ErrVersionNotFound) {
		return Draft{}, ErrCourseNotFound
	}
	if err != nil {
		return Draft{}, err
	}
	return draftOf(d), nil
}

// SaveDraft replaces the draft's outline if ifMatch is the draft's current ETag. A draft may be
// saved with problems (work in progress); they are returned, and publishing refuses errors.
//
// Returns ErrForbidden, ErrCourseNotFound, ErrIfMatchRequired, ErrStaleDraft and validation
// errors for an outline of another course.
func (s *Service) SaveDraft(ctx context.Context, actor auth.Principal, slug, ifMatch string, co *Course) (Draft, error) {
	cur, err := s.GetDraft(ctx, actor, slug)
	if err != nil {
		return Draft{}, err
	}
	if ifMatch == "" {
		return Draft{}, ErrIfMatchRequired
	}
	if ifMatch != cur.ETag() {
		return Draft{}, ErrStaleDraft
	}
	if co.Slug == "" {
		co.Slug = slug
	}
	if co.Slug != slug {
		return Draft{}, apperr.Validation(apperr.FieldError{Field: "slug", Message: "is the course's and cannot change"})
	}
	if co.Modules == nil {
		co.Modules = []Module{}
	}
	d := versionDoc{ID: draftID(slug), Slug: slug, Revision: cur.Revision + 1, Outline: *co, ContentHash: ContentHash(co), By: actor.UserID, At: s.now().UTC()}
	if err := s.store.replaceDraft(ctx, d, cur.Revision); err != nil {
		return Draft{}, err
	}
	return draftOf(d), nil
}

// PreviewLesson renders a lesson of the draft exactly as a learner would see it, for trainers.
func (s *Service) PreviewLesson(ctx context.Context, actor auth.Principal, slug, lessonID, locale string) (*LessonView, error) {
	d, err := s.GetDraft(ctx, actor, slug)
	if err != nil {
		return nil, err
	}
	v, ok := s.renderer.View(d.Course, 0, lessonID, normLocale(locale))
	if !ok {
		return nil, ErrLessonNotFound
	}
	return v, nil
}
