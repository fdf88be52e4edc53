package app

import (
	"context"
	"io/fs"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/outbox"
)

// MyCourse is one of a learner's courses with where her reflection posts go.
type MyCourse struct {
	learning.MyCourse
	// Wall is her cohort's id, or open.<slug> when she studies the course self-paced.
	Wall string
}

// MyCourses lists the actor's courses, most recently active first, each with her wall.
func (a *App) MyCourses(ctx context.Context, actor auth.Principal) ([]MyCourse, error) {
	list, err := a.Learning.MyCourses(ctx, actor)
	if err != nil {
		return nil, err
	}
	out := make([]MyCourse, len(list))
	for i, mc := range list {
		slug := mc.Published.Course.Slug
		wall, err := a.Cohorts.CohortOf(ctx, actor.UserID, slug)
		if err != nil {
			return nil, err
		}
		if wall == "" {
			wall = activity.OpenScope(slug)
		}
		out[i] = MyCourse{MyCourse: mc, Wall: wall}
	}
	return out, nil
}

// MediaItem returns a media item and a short-lived URL it is delivered from. Trainers may read
// every item, learners those of courses they may study; to anyone else the item does not exist
// (not "forbidden": nothing confirms what exists).
//
// Returns media.ErrNotFound.
func (a *App) MediaItem(ctx context.Context, actor auth.Principal, id string) (media.Item, media.Delivery, error) {
	if a.Media == nil || !media.ValidID(id) {
		return media.Item{}, media.Delivery{}, media.ErrNotFound
	}
	ok, err := a.Courses.UsesMedia(ctx, actor, id)
	if err != nil {
		return media.Item{}, media.Delivery{}, err
	}
	if !ok {
		return media.Item{}, media.Delivery{}, media.ErrNotFound
	}
	item, err := a.Media.Get(ctx, id)
	if err != nil {
		return media.Item{}, media.Delivery{}, err
	}
	d, err := a.Media.DeliveryURL(ctx, item)
	return item, d, err
}

// OutboxJobs lists queued messages and jobs, to admins: without SMTP, this is where
// invitations wait.
//
// Returns auth.ErrForbidden.
func (a *App) OutboxJobs(ctx context.Context, actor auth.Principal, after string, limit int) ([]outbox.Job, string, error) {
	if err := auth.RequireAdmin(actor); err != nil {
		return nil, "", err
	}
	return a.Outbox.List(ctx, after, limit)
}

// audience is whose answers a trainer's statistics cover: the members of one cohort she runs,
// or (cohort "") everyone, for trainers and admins.
func (a *App) audience(ctx context.Context, actor auth.Principal, cohortID string) ([]string, error) {
	if cohortID == "" {
		if !actor.IsAdmin() && !actor.IsTrainer() {
			return nil, auth.ErrForbidden
		}
		return nil, nil
	}
	if _, err := a.Cohorts.Get(ctx, actor, cohortID); err != nil {
		return nil, err
	}
	users, err := a.Cohorts.Members(ctx, cohortID)
	if users == nil {
		users = []string{}
	}
	return users, err
}

// QuizStats are a quiz's item statistics over one cohort's attempts (cohortID "": everyone's).
func (a *App) QuizStats(ctx context.Context, actor auth.Principal, quiz, cohortID string) ([]activity.QuestionStats, int, error) {
	users, err := a.audience(ctx, actor, cohortID)
	if err != nil {
		return nil, 0, err
	}
	return a.Quizzes.Stats(ctx, actor, quiz, users)
}

// SafariSummary sums a safari's observations over one cohort's logs (cohortID "": everyone's).
func (a *App) SafariSummary(ctx context.Context, actor auth.Principal, slug, safari, cohortID string) ([]activity.Finding, int, error) {
	users, err := a.audience(ctx, actor, cohortID)
	if err != nil {
		return nil, 0, err
	}
	return a.Safaris.Summary(ctx, actor, slug, safari, users)
}

// LearnerProgress is one member's whole progress, for her cohort's trainers and admins.
//
// Returns cohort.ErrNotFound and cohort.ErrNotMember.
func (a *App) LearnerProgress(ctx context.Context, actor auth.Principal, cohortID, user string) (learning.Progress, auth.User, error) {
	c, u, err := a.Cohorts.Member(ctx, actor, cohortID, user)
	if err != nil {
		return learning.Progress{}, auth.User{}, err
	}
	p, err := a.Learning.ProgressFor(ctx, user, c.Course)
	return p, u, err
}

// The command line acts as the operator: whoever runs it holds the data directory or the
// database credentials, and so every right.
func operator() auth.Principal {
	return auth.Principal{UserID: "operator", Roles: []auth.Role{auth.RoleAdmin, auth.RoleTrainer}}
}

// ImportCourse checks a course read from files and stores it (see course.Service.Import), as
// the operator.
func (a *App) ImportCourse(ctx context.Context, co *course.Course, fsys fs.FS, opt course.ImportOptions) (course.ImportResult, error) {
	return a.Courses.Import(ctx, operator(), co, fsys, opt)
}

// CheckCourse checks a course read from files, its media included, without storing anything
// and without any server.
func CheckCourse(co *course.Course, fsys fs.FS, progress func(done, total int, name string)) (course.ImportResult, error) {
	return course.Check(co, fsys, media.Allowed, progress)
}

// HasCourses reports whether any course has been stored.
func (a *App) HasCourses(ctx context.Context) (bool, error) {
	entries, _, err := a.Courses.Catalog(ctx, operator(), "all", "", 1)
	return len(entries) > 0, err
}

// AddUser creates an account as the operator; without a password in the request she is
// invited (the invitation is returned and queued as e-mail).
func (a *App) AddUser(ctx context.Context, in auth.NewUser) (auth.User, auth.Invitation, error) {
	return a.Auth.CreateUser(ctx, operator(), in)
}

// Users lists accounts for the operator.
func (a *App) Users(ctx context.Context, f auth.UserFilter) ([]auth.User, string, error) {
	return a.Auth.ListUsers(ctx, operator(), f)
}
