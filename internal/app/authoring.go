package app

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
)

// PackageReport is what reading a course package found and did.
type PackageReport struct {
	Slug string
	// Problems are every problem found, errors and warnings, each with its file and line where
	// it has one. With any error, nothing was stored.
	Problems course.Problems
	// Stored says the package became the course's draft; Result says how.
	Stored bool
	Result course.ImportResult
}

// ImportPackage checks a course package (OpenPackage's file system and course directory) and,
// when it has no errors, stores it as the course's draft, its files in the media library, as
// the actor: the same importer as `taito import`. Everything is checked before anything is
// stored: that she may change the course (a new course becomes hers; an existing one takes
// only its team's packages), every file of the course and every asset by its content.
//
// Returns auth.ErrForbidden, course.ErrNotOnTeam and errors of storage.
func (a *App) ImportPackage(ctx context.Context, actor auth.Principal, fsys fs.FS, dir string) (PackageReport, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return PackageReport{}, err
	}
	rep := PackageReport{Slug: path.Base(dir)}
	if course.ValidSlug(rep.Slug) {
		if _, err := a.Courses.GetDraft(ctx, actor, rep.Slug); err != nil && !errors.Is(err, course.ErrCourseNotFound) {
			return rep, err
		}
	}
	co, ps := course.Load(fsys, dir)
	rep.Problems = ps
	if len(ps.Errors()) > 0 || co == nil {
		return rep, nil
	}
	if _, err := a.Courses.Import(ctx, actor, co, fsys, course.ImportOptions{DryRun: true}); err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.KindValidation {
			return rep, err
		}
		for _, f := range ae.Fields {
			rep.Problems = append(rep.Problems, course.Problem{Severity: course.SeverityError, Path: f.Field, Where: f.Field, Message: f.Message, Key: f.Key, Params: f.Params})
		}
		return rep, nil
	}
	res, err := a.Courses.Import(ctx, actor, co, fsys, course.ImportOptions{})
	if err != nil {
		return rep, err
	}
	rep.Stored, rep.Result = true, res
	return rep, nil
}

// AuthoredCourse is a course the actor edits, as her list of courses shows it.
type AuthoredCourse struct {
	Slug   string
	Status string // draft | published | archived
	// Title is the draft's title; Version the current published version (0: none) and
	// Published when the newest version was published.
	Title     course.Text
	Version   int
	Published *time.Time
	DraftAt   time.Time
	Owner     bool // she owns it (admins: every course)
}

// maxAuthored bounds the courses AuthoredCourses looks through.
const maxAuthored = 1000

// AuthoredCourses lists the courses the actor owns or edits (admins: every course) in slug
// order, with their state, the draft's title and the last publication.
//
// Returns auth.ErrForbidden.
func (a *App) AuthoredCourses(ctx context.Context, actor auth.Principal) ([]AuthoredCourse, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return nil, err
	}
	var out []AuthoredCourse
	after := ""
	for seen := 0; seen < maxAuthored; {
		entries, next, err := a.Courses.Catalog(ctx, actor, "all", after, 100)
		if err != nil {
			return nil, err
		}
		seen += len(entries)
		for _, e := range entries {
			d, err := a.Courses.GetDraft(ctx, actor, e.Slug)
			if errors.Is(err, course.ErrNotOnTeam) || errors.Is(err, course.ErrCourseNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			t, err := a.Courses.Team(ctx, actor, e.Slug)
			if err != nil {
				return nil, err
			}
			ac := AuthoredCourse{Slug: e.Slug, Status: e.Status, Title: d.Course.Title, Version: e.Version, DraftAt: d.At,
				Owner: actor.IsAdmin() || slices.Contains(t.Owners, actor.UserID)}
			vs, err := a.Courses.Versions(ctx, actor, e.Slug)
			if err != nil {
				return nil, err
			}
			if len(vs) > 0 {
				at := vs[0].PublishedAt
				ac.Published = &at
			}
			out = append(out, ac)
		}
		if next == "" {
			break
		}
		after = next
	}
	return out, nil
}

// CourseStatus is a course's state (draft, published or archived) for its team and admins.
//
// Returns auth.ErrForbidden, course.ErrCourseNotFound and course.ErrNotOnTeam.
func (a *App) CourseStatus(ctx context.Context, actor auth.Principal, slug string) (string, error) {
	if _, err := a.Courses.GetDraft(ctx, actor, slug); err != nil {
		return "", err
	}
	// The catalogue lists in slug order after a slug: start just before this one.
	after := slug[:len(slug)-1]
	for range maxAuthored / 100 {
		entries, next, err := a.Courses.Catalog(ctx, actor, "all", after, 100)
		if err != nil {
			return "", err
		}
		for _, e := range entries {
			if e.Slug == slug {
				return e.Status, nil
			}
			if e.Slug > slug {
				return "", course.ErrCourseNotFound
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	return "", course.ErrCourseNotFound
}

// PublishPlan is what publishing a course's draft would do: the version it replaces and the
// lessons of that version the draft no longer has (learners lose them).
type PublishPlan struct {
	Draft   course.Draft
	Current int             // the current published version, 0 when none
	Dropped []course.Lesson // lessons of the current version that the draft drops
}

// PlanPublish tells the course's team what publishing the draft now would drop, to confirm.
//
// Returns auth.ErrForbidden, course.ErrCourseNotFound and course.ErrNotOnTeam.
func (a *App) PlanPublish(ctx context.Context, actor auth.Principal, slug string) (PublishPlan, error) {
	d, err := a.Courses.GetDraft(ctx, actor, slug)
	if err != nil {
		return PublishPlan{}, err
	}
	plan := PublishPlan{Draft: d}
	pub, err := a.Courses.Current(ctx, actor, slug)
	switch {
	case errors.Is(err, course.ErrNotPublished) || errors.Is(err, course.ErrCourseNotFound):
		return plan, nil
	case err != nil:
		return plan, err
	}
	plan.Current = pub.Version
	for _, id := range course.DroppedLessons(pub.Course, d.Course) {
		if _, l, ok := pub.Course.Lesson(id); ok {
			plan.Dropped = append(plan.Dropped, *l)
		}
	}
	return plan, nil
}

// errNoMedia is a package asked for where no media library is.
var errNoMedia = apperr.New(apperr.KindUnavailable, "media storage is not available: a course's files cannot be checked or stored")

// DraftPackage writes a course's draft as a package (course.WritePackage), with the files it
// uses from the media library, for the course's team and admins.
//
// Returns auth.ErrForbidden, course.ErrCourseNotFound and course.ErrNotOnTeam.
func (a *App) DraftPackage(ctx context.Context, actor auth.Principal, slug string, w io.Writer) error {
	d, err := a.Courses.GetDraft(ctx, actor, slug)
	if err != nil {
		return err
	}
	return course.WritePackage(w, d.Course, func(id string) (io.ReadCloser, error) {
		if a.Media == nil {
			return nil, errNoMedia
		}
		item, err := a.Media.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return a.Media.Read(ctx, item, 0, -1)
	})
}

// AddCourseEditor names a trainer, by her e-mail address, an editor of a course, for its
// owners and admins. Someone on the team already is left as she is.
//
// Returns auth.ErrForbidden, course.ErrCourseNotFound, course.ErrNotOwner and validation errors
// (email: no trainer's account with this address).
func (a *App) AddCourseEditor(ctx context.Context, actor auth.Principal, slug, email string) (course.Team, error) {
	t, err := a.Courses.Team(ctx, actor, slug)
	if err != nil {
		return t, err
	}
	if !actor.IsAdmin() && !slices.Contains(t.Owners, actor.UserID) {
		return t, course.ErrNotOwner // before looking anyone up: no one learns who has an account
	}
	addr, fe := auth.NormalizeEmail("email", email)
	if fe != nil {
		return t, apperr.Validation(*fe)
	}
	u, err := a.userByEmail(ctx, addr)
	if err != nil {
		return t, err
	}
	if slices.Contains(t.Owners, u.ID) || slices.Contains(t.Editors, u.ID) {
		return a.SetCourseTeam(ctx, actor, slug, t) // still only for owners
	}
	t.Editors = append(slices.Clone(t.Editors), u.ID)
	return a.SetCourseTeam(ctx, actor, slug, t)
}

// RemoveCourseEditor takes an editor off a course's team, for its owners and admins.
//
// Returns auth.ErrForbidden, course.ErrCourseNotFound and course.ErrNotOwner.
func (a *App) RemoveCourseEditor(ctx context.Context, actor auth.Principal, slug, userID string) (course.Team, error) {
	t, err := a.Courses.Team(ctx, actor, slug)
	if err != nil {
		return t, err
	}
	t.Editors = slices.DeleteFunc(slices.Clone(t.Editors), func(id string) bool { return id == userID })
	return a.SetCourseTeam(ctx, actor, slug, t)
}

// errNoTrainer is an editor's address that is no trainer's account.
func errNoTrainer() error {
	return apperr.Validation(apperr.FieldError{Field: "email", Message: "is not the id of a trainer's account"})
}

// userByEmail finds the account with an address (the team check that follows is the course's).
func (a *App) userByEmail(ctx context.Context, email string) (auth.User, error) {
	u, err := a.Auth.UserByEmail(ctx, email)
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind == apperr.KindNotFound {
		return auth.User{}, errNoTrainer()
	}
	return u, err
}

// TeamPeople are the accounts of a course's team, for showing names and addresses.
func (a *App) TeamPeople(ctx context.Context, actor auth.Principal, t course.Team) (map[string]auth.User, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return nil, err
	}
	return a.Auth.UsersByIDs(ctx, append(slices.Clone(t.Owners), t.Editors...))
}
