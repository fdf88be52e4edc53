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

// CreateCourse starts a new course as an empty draft, with the actor as its owner. The command
// line imports as the operator, whose id is no account's: such a course has no owner who signs
// in, so only admins edit it until one of them names its team.
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
	if err := s.store.insertCourse(ctx, courseDoc{ID: slug, Title: title, Status: StatusDraft, Access: access, Owners: []string{actor.UserID}, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}); err != nil {
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

// GetDraft returns a course's draft, for its team and admins.
//
// Returns ErrForbidden, ErrCourseNotFound and ErrNotOnTeam.
func (s *Service) GetDraft(ctx context.Context, actor auth.Principal, slug string) (Draft, error) {
	if _, err := s.editable(ctx, actor, slug); err != nil {
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
// Returns ErrForbidden, ErrCourseNotFound, ErrNotOnTeam, ErrIfMatchRequired, ErrStaleDraft and
// validation errors for an outline of another course or with language-map keys that are not
// locales.
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
	if err := checkKeys(co); err != nil {
		return Draft{}, err
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

// PreviewLesson renders a lesson of the draft exactly as a learner would see it, for the course's
// team and admins.
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

// Team is who edits a course besides admins: its owners, who also name the team, and its
// editors. Both list user ids of accounts that may act as trainers. Other trainers read the
// course's published versions and run cohorts on them; they never see or change its draft,
// publish or archive it.
type Team struct {
	Owners  []string
	Editors []string
}

// MaxTeam bounds a course's owners and editors together.
const MaxTeam = 50

// Trainers tells which of some user ids are accounts that may act as trainers; the accounts
// capability answers it.
type Trainers func(ctx context.Context, ids []string) (map[string]bool, error)

func teamOf(cd courseDoc) Team {
	t := Team{Owners: cd.Owners, Editors: cd.Editors}
	if t.Owners == nil {
		t.Owners = []string{}
	}
	if t.Editors == nil {
		t.Editors = []string{}
	}
	return t
}

// onTeam reports whether actor edits the course: admins every course, trainers those whose
// owners or editors name them.
func onTeam(cd courseDoc, actor auth.Principal) bool {
	if actor.IsAdmin() {
		return true
	}
	return actor.IsTrainer() && (slices.Contains(cd.Owners, actor.UserID) || slices.Contains(cd.Editors, actor.UserID))
}

// editable loads a course the actor may edit.
//
// Returns ErrForbidden (auth) to learners, ErrCourseNotFound and ErrNotOnTeam.
func (s *Service) editable(ctx context.Context, actor auth.Principal, slug string) (courseDoc, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return courseDoc{}, err
	}
	cd, err := s.store.course(ctx, slug)
	if err != nil {
		return cd, err
	}
	if !onTeam(cd, actor) {
		return cd, ErrNotOnTeam
	}
	return cd, nil
}

// OnTeam reports whether actor edits the course (admins every course), which also makes her a
// moderator of its open wall and the coach of the learners who study it without a cohort. An
// unknown course has no team. The answer may be a few seconds old.
func (s *Service) OnTeam(ctx context.Context, actor auth.Principal, slug string) (bool, error) {
	if actor.IsAdmin() {
		return true, nil
	}
	if !actor.IsTrainer() || !ValidSlug(slug) {
		return false, nil
	}
	cd, err := s.pointer(ctx, slug)
	if errors.Is(err, ErrCourseNotFound) {
		return false, nil
	}
	return err == nil && onTeam(cd, actor), err
}

// Team returns a course's team, to trainers.
//
// Returns ErrForbidden and ErrCourseNotFound.
func (s *Service) Team(ctx context.Context, actor auth.Principal, slug string) (Team, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return Team{}, err
	}
	cd, err := s.store.course(ctx, slug)
	if err != nil {
		return Team{}, err
	}
	return teamOf(cd), nil
}

// SetTeam replaces a course's team, for its owners and admins. A course keeps at least one
// owner; every id must be an account that trainers says may act as a trainer, named once. This
// replica sees the new team at once, others within a few seconds.
//
// Returns ErrForbidden, ErrCourseNotFound, ErrNotOwner and validation errors.
func (s *Service) SetTeam(ctx context.Context, actor auth.Principal, slug string, t Team, trainers Trainers) (Team, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return Team{}, err
	}
	cd, err := s.store.course(ctx, slug)
	if err != nil {
		return Team{}, err
	}
	if !actor.IsAdmin() && !slices.Contains(cd.Owners, actor.UserID) {
		return Team{}, ErrNotOwner
	}
	if t.Owners == nil {
		t.Owners = []string{}
	}
	if t.Editors == nil {
		t.Editors = []string{}
	}
	var f apperr.Fields
	if len(t.Owners) == 0 {
		f.Add("owners", "a course needs at least one owner")
	}
	if len(t.Owners)+len(t.Editors) > MaxTeam {
		f.Add("editors", "a team has at most {max} people", apperr.Params{"max": strconv.Itoa(MaxTeam)})
	}
	if err := f.Err(); err != nil {
		return Team{}, err
	}
	known, err := trainers(ctx, append(slices.Clone(t.Owners), t.Editors...))
	if err != nil {
		return Team{}, err
	}
	seen := map[string]bool{}
	for _, list := range []struct {
		field string
		ids   []string
	}{{"owners", t.Owners}, {"editors", t.Editors}} {
		for i, id := range list.ids {
			p := list.field + "." + strconv.Itoa(i)
			switch {
			case seen[id]:
				f.Add(p, "names someone twice")
			case !known[id]:
				f.Add(p, "is not the id of a trainer's account")
			}
			seen[id] = true
		}
	}
	if err := f.Err(); err != nil {
		return Team{}, err
	}
	if err := s.store.setTeam(ctx, slug, t.Owners, t.Editors, s.now().UTC()); err != nil {
		return Team{}, err
	}
	s.current.Forget(slug)
	return t, nil
}
