// Package cohort runs cohorts: a group of learners taking a course together on a schedule, with
// their trainers, membership and self-enrolment codes.
//
// It answers the other capabilities' membership questions (who may read a cohort-only course,
// whose wall a learner writes on, which dates unlock a module). It does not store progress; the
// learning projection does.
package cohort

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

// Cohort states.
const (
	StatusPlanned = "planned"
	StatusRunning = "running"
	StatusClosed  = "closed"
)

// Errors of cohorts.
var (
	ErrNotFound      = apperr.New(apperr.KindNotFound, "cohort not found")
	ErrClosed        = apperr.New(apperr.KindConflict, "the cohort is closed")
	ErrBadCode       = apperr.New(apperr.KindNotFound, "no open cohort has this code")
	ErrAlreadyMember = apperr.New(apperr.KindConflict, "already a member of this cohort")
)

// ModuleDates are a module's opening and due dates in a cohort.
type ModuleDates struct {
	Module string     `bson:"module" json:"module"`
	Opens  *time.Time `bson:"opens,omitempty" json:"opens,omitempty"`
	Due    *time.Time `bson:"due,omitempty" json:"due,omitempty"`
}

// Cohort is a group taking a course together.
type Cohort struct {
	ID       string        `bson:"_id"`
	Course   string        `bson:"course"`
	Name     string        `bson:"name"`
	Trainers []string      `bson:"trainers"`
	StartsOn *time.Time    `bson:"starts_on,omitempty"`
	Schedule []ModuleDates `bson:"schedule"`
	Status   string        `bson:"status"`
	JoinCode string        `bson:"join_code,omitempty"`
	// AutoReminderDays: remind members this many days before a module is due (0: off).
	AutoReminderDays int       `bson:"auto_reminder_days,omitempty"`
	CreatedBy        string    `bson:"created_by"`
	CreatedAt        time.Time `bson:"created_at"`
}

type enrolment struct {
	ID         string    `bson:"_id"` // cohort:user
	Cohort     string    `bson:"cohort"`
	User       string    `bson:"user"`
	Course     string    `bson:"course"`
	Status     string    `bson:"status"` // active | removed
	EnrolledAt time.Time `bson:"enrolled_at"`
}

// Service is the cohort capability.
type Service struct {
	cohorts, enrolments *mongo.Collection
	// memberships maps course:user to the learner's active cohort, so the questions asked on
	// every learner request are _id reads.
	memberships *mongo.Collection
	courses     *course.Service
	users       *auth.Service
	now         func() time.Time
	reports     Reports
	mail        Mail

	// memberCache remembers CohortOf answers for a short time: they are asked on every learner
	// request and change rarely. A replica forgets its own changes at once; another replica's
	// changes show within memberCacheTTL.
	memberMu    sync.Mutex
	memberCache map[string]cachedMembership
}

type cachedMembership struct {
	cohort string
	at     time.Time
}

const memberCacheTTL = 30 * time.Second

// NewService returns the cohort service over db.
func NewService(db *mongo.Database, courses *course.Service, users *auth.Service, now func() time.Time) *Service {
	return &Service{cohorts: db.Collection("cohorts"), enrolments: db.Collection("enrolments"), memberships: db.Collection("memberships"),
		courses: courses, users: users, now: now}
}

// EnsureIndexes creates the indexes cohorts need.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	for _, ix := range []struct {
		coll  *mongo.Collection
		model mongo.IndexModel
	}{
		{s.cohorts, mongo.IndexModel{Keys: bson.D{{Key: "join_code", Value: 1}}}},
		{s.cohorts, mongo.IndexModel{Keys: bson.D{{Key: "trainers", Value: 1}}}},
		{s.enrolments, mongo.IndexModel{Keys: bson.D{{Key: "user", Value: 1}, {Key: "course", Value: 1}}}},
		{s.enrolments, mongo.IndexModel{Keys: bson.D{{Key: "cohort", Value: 1}}}},
	} {
		if _, err := ix.coll.Indexes().CreateOne(ctx, ix.model); err != nil {
			return fmt.Errorf("%s indexes: %w", ix.coll.Name(), err)
		}
	}
	return nil
}

// NewCohort is a cohort to create.
type NewCohort struct {
	Course   string
	Name     string
	StartsOn *time.Time
	Schedule []ModuleDates
	Trainers []string
	JoinCode bool
}

func (s *Service) checkSchedule(f *apperr.Fields, co *course.Course, sched []ModuleDates) {
	seen := map[string]bool{}
	for i, d := range sched {
		p := fmt.Sprintf("schedule.%d", i)
		found := false
		for _, m := range co.Modules {
			found = found || m.ID == d.Module
		}
		if !found {
			f.Add(p+".module", fmt.Sprintf("the course has no module %q", d.Module))
		}
		if seen[d.Module] {
			f.Add(p+".module", "is scheduled twice")
		}
		seen[d.Module] = true
		if d.Opens != nil && d.Due != nil && !d.Due.After(*d.Opens) {
			f.Add(p+".due", "must be after the opening date")
		}
	}
}

func joinCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789" // no 0/O, 1/I
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Create starts a cohort; the creating trainer is one of its trainers.
//
// Returns ErrForbidden, validation errors and the course package's not-found errors.
func (s *Service) Create(ctx context.Context, actor auth.Principal, in NewCohort) (Cohort, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return Cohort{}, err
	}
	var f apperr.Fields
	if strings.TrimSpace(in.Name) == "" || utf8.RuneCountInString(in.Name) > 200 {
		f.Add("name", "is required, at most 200 characters")
	}
	pub, err := s.courses.Current(ctx, actor, in.Course)
	if errors.Is(err, course.ErrNotPublished) {
		f.Add("course", "no published course with this slug")
	} else if err != nil {
		return Cohort{}, err
	} else {
		s.checkSchedule(&f, pub.Course, in.Schedule)
	}
	trainers := []string{actor.UserID}
	for _, t := range in.Trainers {
		if !slices.Contains(trainers, t) {
			trainers = append(trainers, t)
		}
	}
	if err := f.Err(); err != nil {
		return Cohort{}, err
	}
	c := Cohort{ID: uuid.NewString(), Course: in.Course, Name: strings.TrimSpace(in.Name), Trainers: trainers, StartsOn: in.StartsOn,
		Schedule: in.Schedule, Status: StatusPlanned, CreatedBy: actor.UserID, CreatedAt: s.now().UTC()}
	if c.Schedule == nil {
		c.Schedule = []ModuleDates{}
	}
	if in.JoinCode {
		c.JoinCode = joinCode()
	}
	if _, err := s.cohorts.InsertOne(ctx, c); err != nil {
		return Cohort{}, fmt.Errorf("create cohort: %w", err)
	}
	return c, nil
}

func (s *Service) load(ctx context.Context, id string) (Cohort, error) {
	var c Cohort
	err := s.cohorts.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return c, ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("load cohort: %w", err)
	}
	return c, nil
}

// Get returns a cohort to its trainers and admins; to others it does not exist.
func (s *Service) Get(ctx context.Context, actor auth.Principal, id string) (Cohort, error) {
	c, err := s.load(ctx, id)
	if err != nil {
		return c, err
	}
	if !actor.IsAdmin() && !slices.Contains(c.Trainers, actor.UserID) {
		return Cohort{}, ErrNotFound
	}
	return c, nil
}

// List returns the actor's cohorts (admins: all).
func (s *Service) List(ctx context.Context, actor auth.Principal) ([]Cohort, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return nil, err
	}
	filter := bson.D{}
	if !actor.IsAdmin() {
		filter = bson.D{{Key: "trainers", Value: actor.UserID}}
	}
	cur, err := s.cohorts.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}).SetLimit(500))
	if err != nil {
		return nil, fmt.Errorf("list cohorts: %w", err)
	}
	out := []Cohort{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list cohorts: %w", err)
	}
	return out, nil
}

// Patch changes a cohort; nil fields are left alone.
type Patch struct {
	Name             *string
	Status           *string
	Schedule         *[]ModuleDates
	Trainers         *[]string
	StartsOn         *time.Time
	AutoReminderDays *int
}

// Update changes a cohort, for its trainers and admins.
func (s *Service) Update(ctx context.Context, actor auth.Principal, id string, p Patch) (Cohort, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return c, err
	}
	var f apperr.Fields
	set := bson.D{}
	if p.Name != nil {
		if strings.TrimSpace(*p.Name) == "" || utf8.RuneCountInString(*p.Name) > 200 {
			f.Add("name", "is required, at most 200 characters")
		}
		set = append(set, bson.E{Key: "name", Value: strings.TrimSpace(*p.Name)})
	}
	if p.Status != nil {
		if !slices.Contains([]string{StatusPlanned, StatusRunning, StatusClosed}, *p.Status) {
			f.Add("status", "must be planned, running or closed")
		}
		set = append(set, bson.E{Key: "status", Value: *p.Status})
	}
	if p.Schedule != nil {
		pub, err := s.courses.Current(ctx, auth.System, c.Course)
		if err != nil {
			return c, err
		}
		s.checkSchedule(&f, pub.Course, *p.Schedule)
		set = append(set, bson.E{Key: "schedule", Value: *p.Schedule})
	}
	if p.Trainers != nil {
		if len(*p.Trainers) == 0 {
			f.Add("trainers", "a cohort needs at least one trainer")
		}
		set = append(set, bson.E{Key: "trainers", Value: *p.Trainers})
	}
	if p.StartsOn != nil {
		set = append(set, bson.E{Key: "starts_on", Value: *p.StartsOn})
	}
	if p.AutoReminderDays != nil {
		if *p.AutoReminderDays < 0 || *p.AutoReminderDays > 30 {
			f.Add("auto_reminder_days", "must be from 0 (off) to 30")
		}
		set = append(set, bson.E{Key: "auto_reminder_days", Value: *p.AutoReminderDays})
	}
	if err := f.Err(); err != nil {
		return c, err
	}
	if len(set) == 0 {
		return c, apperr.New(apperr.KindInvalid, "nothing to change")
	}
	if _, err := s.cohorts.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}}); err != nil {
		return c, fmt.Errorf("update cohort: %w", err)
	}
	return s.load(ctx, id)
}

func enrolmentID(cohort, user string) string { return cohort + ":" + user }

// enrol makes a user a member; an existing active membership is ErrAlreadyMember.
func (s *Service) enrol(ctx context.Context, c Cohort, user string) error {
	if c.Status == StatusClosed {
		return ErrClosed
	}
	now := s.now().UTC()
	// Inserts are cheap and a new member is the common case; a former member comes back through
	// the conditional update.
	_, err := s.enrolments.InsertOne(ctx, enrolment{ID: enrolmentID(c.ID, user), Cohort: c.ID, User: user, Course: c.Course, Status: "active", EnrolledAt: now})
	if mongo.IsDuplicateKeyError(err) {
		res, uerr := s.enrolments.UpdateOne(ctx, bson.D{{Key: "_id", Value: enrolmentID(c.ID, user)}, {Key: "status", Value: bson.D{{Key: "$ne", Value: "active"}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: "active"}, {Key: "enrolled_at", Value: now}}}})
		if uerr != nil {
			return fmt.Errorf("enrol: %w", uerr)
		}
		if res.MatchedCount == 0 {
			return ErrAlreadyMember
		}
		err = nil
	}
	if err != nil {
		return fmt.Errorf("enrol: %w", err)
	}
	mid := c.Course + ":" + user
	defer s.forgetMembership(c.Course, user)
	_, err = s.memberships.InsertOne(ctx, bson.D{{Key: "_id", Value: mid}, {Key: "cohort", Value: c.ID}, {Key: "at", Value: now}})
	if mongo.IsDuplicateKeyError(err) {
		_, err = s.memberships.UpdateOne(ctx, bson.D{{Key: "_id", Value: mid}}, bson.D{{Key: "$set", Value: bson.D{{Key: "cohort", Value: c.ID}, {Key: "at", Value: now}}}})
	}
	if err != nil {
		return fmt.Errorf("record membership: %w", err)
	}
	return nil
}

// MemberResult is what happened to one address of an enrolment request.
type MemberResult struct {
	Email  string
	Status string // enrolled | invited | already_member | invalid
	Reason string
	UserID string
}

// AddMembers enrols existing users by e-mail and invites new ones (as learners). A bad address
// never stops the good ones.
func (s *Service) AddMembers(ctx context.Context, actor auth.Principal, id string, emails []string, names map[string]string, orgUnits map[string]string) ([]MemberResult, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if c.Status == StatusClosed {
		return nil, ErrClosed
	}
	if len(emails) > 10000 {
		return nil, apperr.New(apperr.KindTooLarge, "at most 10000 people at a time")
	}
	// One read for every address that has an account, instead of one per row.
	norm := make([]string, len(emails))
	var valid []string
	for i, raw := range emails {
		if e, fe := auth.NormalizeEmail("email", raw); fe == nil {
			norm[i] = e
			valid = append(valid, e)
		}
	}
	known, err := s.users.UsersByEmails(ctx, valid)
	if err != nil {
		return nil, err
	}
	out := make([]MemberResult, 0, len(emails))
	for i, raw := range emails {
		email := norm[i]
		if email == "" {
			out = append(out, MemberResult{Email: raw, Status: "invalid", Reason: "not an e-mail address"})
			continue
		}
		r := MemberResult{Email: email}
		u, ok := known[email]
		if !ok {
			name := names[email]
			if name == "" {
				name = strings.Split(email, "@")[0]
			}
			nu, _, err := s.users.CreateUser(ctx, actor, auth.NewUser{Email: email, Name: name, Roles: []auth.Role{auth.RoleLearner}, OrgUnit: orgUnits[email]})
			if errors.Is(err, auth.ErrEmailTaken) { // invited by someone else a moment ago
				nu, err = s.users.UserByEmail(ctx, email)
			}
			if err != nil {
				var ae *apperr.Error
				if !errors.As(err, &ae) || ae.Kind == apperr.KindInternal || ae.Kind == apperr.KindUnavailable {
					return out, err
				}
				r.Status, r.Reason = "invalid", describe(err)
				out = append(out, r)
				continue
			}
			u, r.Status = nu, "invited"
			known[email] = nu
		} else {
			r.Status = "enrolled"
		}
		r.UserID = u.ID
		if err := s.enrol(ctx, c, u.ID); errors.Is(err, ErrAlreadyMember) {
			r.Status = "already_member"
		} else if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func describe(err error) string {
	var ae *apperr.Error
	if errors.As(err, &ae) {
		msg := ae.Message
		for _, f := range ae.Fields {
			msg += "; " + f.Field + " " + f.Message
		}
		return msg
	}
	return "could not be added"
}

// RemoveMember ends a membership; the learner's progress stays.
func (s *Service) RemoveMember(ctx context.Context, actor auth.Principal, id, user string) error {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return err
	}
	res, err := s.enrolments.UpdateOne(ctx, bson.D{{Key: "_id", Value: enrolmentID(id, user)}, {Key: "status", Value: "active"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: "removed"}}}})
	if err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	if res.MatchedCount == 0 {
		return apperr.New(apperr.KindNotFound, "not a member of this cohort")
	}
	c, err := s.load(ctx, id)
	if err != nil {
		return err
	}
	defer s.forgetMembership(c.Course, user)
	if _, err := s.memberships.DeleteOne(ctx, bson.D{{Key: "_id", Value: c.Course + ":" + user}, {Key: "cohort", Value: id}}); err != nil {
		return fmt.Errorf("remove membership: %w", err)
	}
	return nil
}

// Join enrols the actor with a cohort's self-enrolment code.
func (s *Service) Join(ctx context.Context, actor auth.Principal, code string) (Cohort, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 8 {
		return Cohort{}, ErrBadCode
	}
	var c Cohort
	err := s.cohorts.FindOne(ctx, bson.D{{Key: "join_code", Value: code}}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && c.Status == StatusClosed) {
		return Cohort{}, ErrBadCode
	}
	if err != nil {
		return Cohort{}, fmt.Errorf("find cohort: %w", err)
	}
	return c, s.enrol(ctx, c, actor.UserID)
}

// Members returns the active members' user ids.
func (s *Service) Members(ctx context.Context, id string) ([]string, error) {
	cur, err := s.enrolments.Find(ctx, bson.D{{Key: "cohort", Value: id}, {Key: "status", Value: "active"}})
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	var rows []enrolment
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.User
	}
	return out, nil
}

// CohortOf returns the learner's active cohort in a course (the latest she joined), or "".
func (s *Service) CohortOf(ctx context.Context, user, slug string) (string, error) {
	key := slug + ":" + user
	now := s.now()
	s.memberMu.Lock()
	c, ok := s.memberCache[key]
	s.memberMu.Unlock()
	if ok && now.Sub(c.at) < memberCacheTTL && !now.Before(c.at) {
		return c.cohort, nil
	}
	var m struct {
		Cohort string `bson:"cohort"`
	}
	err := s.memberships.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&m)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return "", fmt.Errorf("find cohort: %w", err)
	}
	s.memberMu.Lock()
	if s.memberCache == nil || len(s.memberCache) > 50000 {
		s.memberCache = map[string]cachedMembership{}
	}
	s.memberCache[key] = cachedMembership{cohort: m.Cohort, at: now}
	s.memberMu.Unlock()
	return m.Cohort, nil
}

// forgetMembership drops a cached CohortOf answer after this replica changed it.
func (s *Service) forgetMembership(slug, user string) {
	s.memberMu.Lock()
	delete(s.memberCache, slug+":"+user)
	s.memberMu.Unlock()
}

// IsMember reports whether the user is an active member of the cohort.
func (s *Service) IsMember(ctx context.Context, user, cohort string) (bool, error) {
	err := s.enrolments.FindOne(ctx, bson.D{{Key: "_id", Value: enrolmentID(cohort, user)}, {Key: "status", Value: "active"}}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, err
}

// IsTrainerOf reports whether the user is a trainer of the cohort.
func (s *Service) IsTrainerOf(ctx context.Context, user, cohort string) (bool, error) {
	c, err := s.load(ctx, cohort)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil && slices.Contains(c.Trainers, user), err
}

// CourseOf returns a cohort's course.
func (s *Service) CourseOf(ctx context.Context, cohort string) (string, error) {
	c, err := s.load(ctx, cohort)
	return c.Course, err
}

// IsEnrolled answers the course package: may this user read a cohort-only course?
func (s *Service) IsEnrolled(ctx context.Context, user, slug string) (bool, error) {
	id, err := s.CohortOf(ctx, user, slug)
	return id != "", err
}

// Schedule answers the learning package: the module dates of the learner's cohort.
func (s *Service) Schedule(ctx context.Context, user, slug string) (learning.Schedule, error) {
	id, err := s.CohortOf(ctx, user, slug)
	if err != nil || id == "" {
		return nil, err
	}
	c, err := s.load(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.learningSchedule(), nil
}

// learningSchedule is the cohort's schedule as the learning package evaluates it.
func (c Cohort) learningSchedule() learning.Schedule {
	out := learning.Schedule{}
	for _, d := range c.Schedule {
		md := learning.ModuleDates{}
		if d.Opens != nil {
			md.Opens = *d.Opens
		}
		if d.Due != nil {
			md.Due = *d.Due
		}
		out[d.Module] = md
	}
	return out
}
