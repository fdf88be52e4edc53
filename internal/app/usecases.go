package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/notify"
	"github.com/taito-lms/taito/internal/outbox"
)

// MyCourse is one of a learner's courses with her cohort and where her reflection posts go.
type MyCourse struct {
	learning.MyCourse
	// Cohort is her cohort in the course (zero when she has none).
	Cohort cohort.Cohort
	// Wall is her cohort's id, or open.<slug> when she studies an open course self-paced ("" when
	// she has no cohort in a course for cohorts' members only, which has no open wall).
	Wall string
}

// MyCourses lists the actor's courses — those she has started and those of her cohorts, which
// show at once as not_started — most recently active first, each with her cohort and wall.
func (a *App) MyCourses(ctx context.Context, actor auth.Principal) ([]MyCourse, error) {
	mine, err := a.Cohorts.Mine(ctx, actor)
	if err != nil {
		return nil, err
	}
	cohorts := map[string]cohort.Cohort{}
	var enrolled []string
	for _, m := range mine {
		if _, ok := cohorts[m.Cohort.Course]; !ok {
			cohorts[m.Cohort.Course] = m.Cohort
			enrolled = append(enrolled, m.Cohort.Course)
		}
	}
	list, err := a.Learning.MyCourses(ctx, actor, enrolled)
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
		var co cohort.Cohort
		if c, ok := cohorts[slug]; ok && c.ID == wall {
			co = c
		}
		if wall == "" && mc.Published.Course.Access != course.AccessCohort {
			wall = activity.OpenScope(slug)
		}
		out[i] = MyCourse{MyCourse: mc, Cohort: co, Wall: wall}
	}
	return out, nil
}

// NamePostAuthors gives a reader's posts and comments their authors' display names, or the
// "anonymous" label in her locale where the author is hidden from her (see activity.NameAuthors).
func (a *App) NamePostAuthors(ctx context.Context, posts []activity.Post, locale string) error {
	users, err := a.Auth.UsersByIDs(ctx, activity.Authors(posts))
	if err != nil {
		return err
	}
	names := make(map[string]string, len(users))
	for id, u := range users {
		names[id] = u.Name
	}
	activity.NameAuthors(posts, names, locale)
	return nil
}

// MediaItem returns a media item and a short-lived URL it is delivered from (a presigned S3 URL,
// or with TAITO_MEDIA_DELIVERY=proxy Taito's own media route). Trainers may read
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

// LearnerView is one member of a cohort as her coach sees her.
type LearnerView struct {
	User auth.User
	// Summary is her progress with her best quiz scores and how many posts and comments she wrote.
	Summary     learning.Summary
	Assessments []activity.Assessment // newest first, each opened by its id as the coach view
	Safaris     []activity.SafariLog  // her service-safari logs in the course, last updated first
}

// LearnerProgress is one member's whole work, for her cohort's trainers and admins: her lesson
// states evaluated against the cohort's schedule, her best quiz scores, how many posts and
// comments she wrote, her self-assessments (texts in loc) and her service-safari logs.
//
// Returns cohort.ErrNotFound and cohort.ErrNotMember.
func (a *App) LearnerProgress(ctx context.Context, actor auth.Principal, cohortID, user, loc string) (LearnerView, error) {
	c, u, err := a.Cohorts.Member(ctx, actor, cohortID, user)
	if err != nil {
		return LearnerView{}, err
	}
	var sched learning.Schedule
	if c.Schedule != nil {
		sched = learningSchedule(c.Schedule)
	}
	sums, err := a.Learning.Summaries(ctx, c.Course, []string{user}, sched)
	if err != nil {
		return LearnerView{}, err
	}
	as, err := a.Assessments.OfLearners(ctx, c.Course, []string{user}, activity.LearnerFilter{}, loc)
	if err != nil {
		return LearnerView{}, err
	}
	logs, err := a.Safaris.OfLearner(ctx, c.Course, user)
	if err != nil {
		return LearnerView{}, err
	}
	a.recordLearnerView(ctx, actor, cohortID, user, len(as), len(logs))
	return LearnerView{User: u, Summary: sums[user], Assessments: as, Safaris: logs}, nil
}

// LearnerAssessment is one assessment of a cohort's member, for her coach's list.
type LearnerAssessment struct {
	activity.Assessment
	Learner auth.User
}

// CohortAssessments lists the assessments of a cohort's members for its trainers and admins,
// newest first, filtered by assessment and state; each opens as the coach view
// (Assessments.Get). To anyone else the cohort does not exist.
//
// Returns cohort.ErrNotFound and validation errors.
func (a *App) CohortAssessments(ctx context.Context, actor auth.Principal, cohortID string, f activity.LearnerFilter, loc string) ([]LearnerAssessment, error) {
	c, err := a.Cohorts.Get(ctx, actor, cohortID)
	if err != nil {
		return nil, err
	}
	users, err := a.Cohorts.Members(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	list, err := a.Assessments.OfLearners(ctx, c.Course, users, f, loc)
	if err != nil {
		return nil, err
	}
	people, err := a.Auth.UsersByIDs(ctx, users)
	if err != nil {
		return nil, err
	}
	out := make([]LearnerAssessment, len(list))
	for i, as := range list {
		out[i] = LearnerAssessment{Assessment: as, Learner: people[as.User]}
	}
	a.recordGroupAssessmentsView(ctx, actor, c.ID, list)
	return out, nil
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
	res, err := a.Courses.Import(ctx, operator(), co, fsys, opt)
	if err == nil && res.Published > 0 {
		a.Audit.Record(ctx, audit.Entry{Actor: operator().UserID, Act: audit.ActCoursePublish, Target: res.Slug, Detail: "version " + strconv.Itoa(res.Published)})
	}
	return res, err
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

// maxFeedback bounds the text of accessibility feedback, in characters.
const maxFeedback = 4000

// AccessibilityFeedback passes feedback sent from the accessibility statement's form (by anyone,
// signed in or not) on to every enabled admin as an e-mail in the admin's language (else in
// locale, the sender's), and keeps it for them to read (Feedback). email, when given, is where
// the sender wants her answer. Sending the same words twice queues and keeps them once.
//
// Returns validation errors (message, email).
func (a *App) AccessibilityFeedback(ctx context.Context, message, email, locale string) error {
	var f apperr.Fields
	message = strings.TrimSpace(message)
	switch {
	case message == "":
		f.Add("message", "is required")
	case !utf8.ValidString(message):
		f.Add("message", "must be valid UTF-8 text")
	case utf8.RuneCountInString(message) > maxFeedback:
		f.Add("message", "must be at most {max} characters", apperr.Params{"max": strconv.Itoa(maxFeedback)})
	}
	if strings.TrimSpace(email) != "" {
		e, fe := auth.NormalizeEmail("email", email)
		if fe != nil {
			f = append(f, *fe)
		}
		email = e
	}
	if err := f.Err(); err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(email + "\x00" + message))
	key := "feedback:" + hex.EncodeToString(sum[:12])
	if err := a.Feedback.Add(ctx, key, message, email, locale); err != nil {
		return err
	}
	var mails []outbox.Keyed
	after := ""
	for {
		admins, next, err := a.Auth.ListUsers(ctx, operator(), auth.UserFilter{Role: auth.RoleAdmin, After: after, Limit: 100})
		if err != nil {
			return err
		}
		for _, u := range admins {
			if u.Disabled {
				continue
			}
			loc := u.Locale
			if loc == "" {
				loc = locale
			}
			m := notify.AccessibilityFeedback{Locale: loc, Name: u.Name, Message: message, ReplyTo: email, Link: a.links.Base() + "/accessibility"}.Email()
			m.To = u.Email
			mails = append(mails, outbox.Keyed{Key: key + ":" + u.ID, Email: m})
		}
		if next == "" {
			break
		}
		after = next
	}
	if len(mails) == 0 {
		a.log.Warn("accessibility feedback reached no admin: there is no enabled admin account")
		return nil
	}
	return a.Outbox.EnqueueEmails(ctx, mails)
}
