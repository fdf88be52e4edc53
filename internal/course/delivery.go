package course

import (
	"context"
	"errors"
	"slices"
	"strconv"

	"github.com/taito-lms/taito/internal/auth"
)

// Published is a course's current published version.
type Published struct {
	Course  *Course
	Version int
	Hash    string
	Status  string
}

// pointer returns the course document, from a cache at most a few seconds old.
func (s *Service) pointer(ctx context.Context, slug string) (courseDoc, error) {
	if cd, ok := s.current.Get(slug); ok {
		return cd, nil
	}
	cd, err := s.store.course(ctx, slug)
	if err != nil {
		return cd, err
	}
	s.current.Put(slug, cd)
	return cd, nil
}

// outline returns a published version, from a cache: published versions never change.
func (s *Service) outline(ctx context.Context, slug string, version int) (*versionDoc, error) {
	id := versionID(slug, version)
	if v, ok := s.outlines.Get(id); ok {
		return v, nil
	}
	d, err := s.store.version(ctx, id)
	if err != nil {
		return nil, err
	}
	s.outlines.Put(id, &d)
	return &d, nil
}

// CanRead checks that actor may study a course: open courses any signed-in user, cohort
// courses their cohorts' members, trainers and admins.
func (s *Service) CanRead(ctx context.Context, actor auth.Principal, slug, access string) error {
	if access != AccessCohort || actor.IsTrainer() {
		return nil
	}
	if s.members == nil {
		return ErrNotAvailable
	}
	ok, err := s.members.IsEnrolled(ctx, actor.UserID, slug)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotAvailable
	}
	return nil
}

// Current returns the current published version of a course the actor may read. Archived and
// never-published courses are not found (trainers read drafts through GetDraft).
//
// Returns ErrNotPublished and ErrNotAvailable.
func (s *Service) Current(ctx context.Context, actor auth.Principal, slug string) (Published, error) {
	pub, access, err := s.published(ctx, slug)
	if err != nil {
		return Published{}, err
	}
	if pub.Status == StatusArchived && !actor.IsTrainer() {
		return Published{}, ErrNotPublished
	}
	if err := s.CanRead(ctx, actor, slug, access); err != nil {
		return Published{}, err
	}
	return pub, nil
}

// Published returns the current published version of a course, archived or not, without
// asking who reads it: for the capabilities that report on a course (cohort dashboards,
// reminders, assessments) after they have made their own access decision.
//
// Returns ErrNotPublished.
func (s *Service) Published(ctx context.Context, slug string) (Published, error) {
	pub, _, err := s.published(ctx, slug)
	return pub, err
}

// Version returns one published version of a course, current or not, without asking who
// reads it: for the certificate of a version completed before a later one was published.
//
// Returns ErrNotPublished.
func (s *Service) Version(ctx context.Context, slug string, version int) (Published, error) {
	if !ValidSlug(slug) || version < 1 {
		return Published{}, ErrNotPublished
	}
	cd, err := s.pointer(ctx, slug)
	if errors.Is(err, ErrCourseNotFound) || (err == nil && version > cd.CurrentVersion) {
		return Published{}, ErrNotPublished
	}
	if err != nil {
		return Published{}, err
	}
	v, err := s.outline(ctx, slug, version)
	if err != nil {
		return Published{}, err
	}
	return Published{Course: &v.Outline, Version: v.Version, Hash: v.ContentHash, Status: cd.Status}, nil
}

func (s *Service) published(ctx context.Context, slug string) (Published, string, error) {
	if !ValidSlug(slug) {
		return Published{}, "", ErrNotPublished
	}
	cd, err := s.pointer(ctx, slug)
	if errors.Is(err, ErrCourseNotFound) || (err == nil && cd.CurrentVersion == 0) {
		return Published{}, "", ErrNotPublished
	}
	if err != nil {
		return Published{}, "", err
	}
	v, err := s.outline(ctx, slug, cd.CurrentVersion)
	if err != nil {
		return Published{}, "", err
	}
	return Published{Course: &v.Outline, Version: v.Version, Hash: v.ContentHash, Status: cd.Status}, cd.Access, nil
}

// Lesson returns a lesson of the current published version rendered for locale, cached per
// version, and an ETag that changes with the version.
//
// Returns ErrNotPublished, ErrNotAvailable and ErrLessonNotFound.
func (s *Service) Lesson(ctx context.Context, actor auth.Principal, slug, lessonID, locale string) (*LessonView, string, error) {
	pub, err := s.Current(ctx, actor, slug)
	if err != nil {
		return nil, "", err
	}
	locale = normLocale(locale)
	key := slug + "@" + strconv.Itoa(pub.Version) + "/" + lessonID + "/" + locale
	etag := `"` + key + `"`
	if v, ok := s.lessons.Get(key); ok {
		return v, etag, nil
	}
	v, ok := s.renderer.View(pub.Course, pub.Version, lessonID, locale)
	if !ok {
		return nil, "", ErrLessonNotFound
	}
	s.lessons.Put(key, v)
	return v, etag, nil
}

// Activity resolves an API activity id ("course:activity") to the current published version of
// its course, which the actor may read, and the activity's id in it. Whether the course defines
// that activity is the caller's question.
//
// Returns ErrNotPublished (also for a malformed id) and ErrNotAvailable.
func (s *Service) Activity(ctx context.Context, actor auth.Principal, id string) (Published, string, error) {
	slug, local, ok := ParseActivityID(id)
	if !ok {
		return Published{}, "", ErrNotPublished
	}
	pub, err := s.Current(ctx, actor, slug)
	return pub, local, err
}

// CatalogEntry is a course in the catalogue.
type CatalogEntry struct {
	Slug    string
	Status  string
	Version int
	Course  *Course // nil for a course never published
}

// Catalog lists courses in slug order: published ones for everybody; trainers may ask for
// drafts and archived ones with status.
//
// Returns ErrForbidden when a learner asks for another status.
func (s *Service) Catalog(ctx context.Context, actor auth.Principal, status, after string, limit int) ([]CatalogEntry, string, error) {
	if status == "" {
		status = StatusPublished
	}
	if status != StatusPublished {
		if err := auth.RequireTrainer(actor); err != nil {
			return nil, "", err
		}
	}
	if status == "all" {
		status = ""
	}
	docs, err := s.store.listCourses(ctx, status, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		next = docs[limit-1].ID
	}
	var out []CatalogEntry
	for _, cd := range docs {
		e := CatalogEntry{Slug: cd.ID, Status: cd.Status, Version: cd.CurrentVersion}
		if cd.CurrentVersion > 0 {
			if cd.Access == AccessCohort && s.CanRead(ctx, actor, cd.ID, cd.Access) != nil {
				continue
			}
			v, err := s.outline(ctx, cd.ID, cd.CurrentVersion)
			if err != nil {
				return nil, "", err
			}
			e.Course = &v.Outline
		}
		out = append(out, e)
	}
	return out, next, nil
}

// mediaOf lists the media ids a course outline refers to.
func mediaOf(co *Course) []string {
	var out []string
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			for _, b := range l.Blocks {
				for _, id := range b.MediaIDs() {
					out = append(out, id)
				}
			}
		}
	}
	return out
}

// UsesMedia reports whether media id belongs to a published course the actor may read, or to a
// draft when the actor is a trainer (who may preview it).
func (s *Service) UsesMedia(ctx context.Context, actor auth.Principal, id string) (bool, error) {
	if actor.IsTrainer() {
		return true, nil
	}
	docs, err := s.store.listCourses(ctx, StatusPublished, "", 1000)
	if err != nil {
		return false, err
	}
	for _, cd := range docs {
		if cd.CurrentVersion == 0 || s.CanRead(ctx, actor, cd.ID, cd.Access) != nil {
			continue
		}
		v, err := s.outline(ctx, cd.ID, cd.CurrentVersion)
		if err != nil {
			return false, err
		}
		if slices.Contains(mediaOf(&v.Outline), id) {
			return true, nil
		}
	}
	return false, nil
}

// ReferencedMedia returns every media id any stored version or draft refers to.
func (s *Service) ReferencedMedia(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.store.eachVersion(ctx, func(d *versionDoc) {
		for _, id := range mediaOf(&d.Outline) {
			out[id] = true
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
