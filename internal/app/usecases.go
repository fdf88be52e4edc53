package app

import (
	"context"
	"io/fs"
	"slices"
	"strings"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/outbox"
)

// MyCourse is one of a learner's courses with where her reflection posts go.
type MyCourse struct {
	learning.MyCourse
	// Wall is her cohort's id, or open.<slug> when she studies an open course self-paced ("" when
	// she has no cohort in a course for cohorts' members only, which has no open wall).
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
		if wall == "" && mc.Published.Course.Access != course.AccessCohort {
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

// audience is whose records a trainer's statistics of a course cover: with a cohort, its members
// (a cohort she runs; admins any); without one, every learner she reaches there — admins
// everyone, a trainer the members of the cohorts of the course she runs and, when she is on the
// course's team, the learners who study it without a cohort (never another trainer's cohort's).
func (a *App) audience(ctx context.Context, actor auth.Principal, slug, cohortID string) (activity.Audience, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return activity.Audience{}, err
	}
	if cohortID != "" {
		if _, err := a.Cohorts.Get(ctx, actor, cohortID); err != nil {
			return activity.Audience{}, err
		}
		users, err := a.Cohorts.Members(ctx, cohortID)
		if users == nil {
			users = []string{}
		}
		return activity.Audience{Users: users}, err
	}
	if actor.IsAdmin() {
		return activity.Audience{}, nil
	}
	reach, err := a.Cohorts.Reach(ctx, actor, slug)
	if err != nil {
		return activity.Audience{}, err
	}
	team, err := a.Courses.OnTeam(ctx, actor, slug)
	if err != nil {
		return activity.Audience{}, err
	}
	if team {
		return activity.Audience{Except: reach.Others}, nil
	}
	return activity.Audience{Users: reach.Mine}, nil
}

// QuizStats are a quiz's item statistics over one cohort's attempts (cohortID "": those of every
// learner the actor reaches in the course).
func (a *App) QuizStats(ctx context.Context, actor auth.Principal, quiz, cohortID string) ([]activity.QuestionStats, int, error) {
	slug, _, _ := strings.Cut(quiz, ":")
	aud, err := a.audience(ctx, actor, slug, cohortID)
	if err != nil {
		return nil, 0, err
	}
	return a.Quizzes.StatsFor(ctx, actor, quiz, aud)
}

// errNoSafari is a summary asked of a safari the course does not have.
var errNoSafari = apperr.New(apperr.KindNotFound, "the course has no such safari")

// SafariSummary sums a safari's observations over one cohort's logs (cohortID "": those of every
// learner the actor reaches in the course).
//
// Returns auth.ErrForbidden, course.ErrNotPublished, a not-found error for a safari the course
// does not have, and cohort.ErrNotFound.
func (a *App) SafariSummary(ctx context.Context, actor auth.Principal, slug, safari, cohortID string) ([]activity.Finding, int, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return nil, 0, err
	}
	pub, err := a.Courses.Current(ctx, actor, slug)
	if err != nil {
		return nil, 0, err
	}
	if !slices.ContainsFunc(pub.Course.Safaris, func(s course.Safari) bool { return s.ID == safari }) {
		return nil, 0, errNoSafari
	}
	aud, err := a.audience(ctx, actor, slug, cohortID)
	if err != nil {
		return nil, 0, err
	}
	return a.Safaris.SummaryFor(ctx, actor, slug, safari, aud)
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

// CourseTeam returns a course's owners and editors, to trainers.
func (a *App) CourseTeam(ctx context.Context, actor auth.Principal, slug string) (course.Team, error) {
	return a.Courses.Team(ctx, actor, slug)
}

// SetCourseTeam replaces a course's owners and editors, for its owners and admins; every one
// must be an enabled account (invited or active) that may act as a trainer.
//
// Returns auth.ErrForbidden, course.ErrCourseNotFound, course.ErrNotOwner and validation errors.
func (a *App) SetCourseTeam(ctx context.Context, actor auth.Principal, slug string, t course.Team) (course.Team, error) {
	return a.Courses.SetTeam(ctx, actor, slug, t, a.trainers)
}

// trainers tells which of the ids are enabled accounts that may act as trainers.
func (a *App) trainers(ctx context.Context, ids []string) (map[string]bool, error) {
	users, err := a.Auth.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(users))
	for id, u := range users {
		out[id] = !u.Disabled && (slices.Contains(u.Roles, auth.RoleTrainer) || slices.Contains(u.Roles, auth.RoleAdmin))
	}
	return out, nil
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
