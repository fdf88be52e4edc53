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
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/links"
	"github.com/taito-lms/taito/internal/mongox"
	"github.com/taito-lms/taito/internal/outbox"
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
	ErrNotMember     = apperr.New(apperr.KindNotFound, "not a member of this cohort")
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
	*Directory
	courses  Courses
	users    Users
	progress Progress
	skills   Skills
	mail     Mail
	now      func() time.Time
}

// Courses is what cohorts need of the course capability.
type Courses interface {
	// Current is the published course as the actor may read it (creating a cohort).
	Current(ctx context.Context, actor auth.Principal, slug string) (course.Published, error)
	// Published is the current version for reporting on a cohort the actor may see.
	Published(ctx context.Context, slug string) (course.Published, error)
}

// Users is what cohorts need of accounts: names on dashboards, invitations of new members,
// unsubscribe links.
type Users interface {
	UsersByIDs(ctx context.Context, ids []string) (map[string]auth.User, error)
	UsersByEmails(ctx context.Context, emails []string) (map[string]auth.User, error)
	UserByEmail(ctx context.Context, email string) (auth.User, error)
	InviteUsers(ctx context.Context, actor auth.Principal, users []auth.NewUser) ([]auth.Created, error)
	UnsubscribeToken(user string) string
}

// Progress gives dashboards each learner's progress in a course, evaluated against the
// cohort's schedule; the learning record answers it.
type Progress interface {
	Summaries(ctx context.Context, slug string, users []string, schedule []ModuleDates) (map[string]Summary, error)
}

// Summary is one learner's progress in a course as dashboards and reports show it.
type Summary struct {
	State        string // not_started | in_progress | completed
	Percent      int
	LastActivity *time.Time
	Modules      []ModuleSummary // in the course's order
	QuizBest     map[string]float64
	Posts        int
	Comments     int
}

// ModuleSummary is one module's state for one learner.
type ModuleSummary struct {
	ID     string
	State  string
	Due    *time.Time
	Locked bool
}

// Progress states, as the learning record reports them.
const (
	StateNotStarted = "not_started"
	StateInProgress = "in_progress"
	StateCompleted  = "completed"
)

// Skills gives dashboards each learner's change in self-assessed digital skills; the
// assessments answer it.
type Skills interface {
	SkillChanges(ctx context.Context, slug string, users []string) (map[string]float64, error)
}

// Mail is how cohorts send reminders: the outbox and the links people follow.
type Mail struct {
	Outbox *outbox.Outbox
	Links  links.Links
}

// NewService returns the cohort service over the directory's database. skills may be nil.
func NewService(dir *Directory, courses Courses, users Users, progress Progress, skills Skills, mail Mail, now func() time.Time) *Service {
	return &Service{Directory: dir, courses: courses, users: users, progress: progress, skills: skills, mail: mail, now: now}
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
		{s.memberships, mongo.IndexModel{Keys: bson.D{{Key: "cohort", Value: 1}}}},
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
		pub, err := s.courses.Published(ctx, c.Course)
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
	_, err = s.cohorts.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	s.schedules.Forget(id)
	if err != nil {
		return c, fmt.Errorf("update cohort: %w", err)
	}
	return s.load(ctx, id)
}

func enrolmentID(cohort, user string) string { return cohort + ":" + user }

// enrol makes a user a member; an existing active membership is ErrAlreadyMember.
func (s *Service) enrol(ctx context.Context, c Cohort, user string) error {
	already, err := s.enrolMany(ctx, c, []string{user})
	if err == nil && already[0] {
		return ErrAlreadyMember
	}
	return err
}

// enrolMany makes the users active members of the cohort and reports which of them were
// already; one write per collection for the common case of new members, a former member
// comes back through a conditional update.
func (s *Service) enrolMany(ctx context.Context, c Cohort, users []string) ([]bool, error) {
	if c.Status == StatusClosed {
		return nil, ErrClosed
	}
	now := s.now().UTC()
	already := make([]bool, len(users))
	docs := make([]any, len(users))
	for i, u := range users {
		docs[i] = enrolment{ID: enrolmentID(c.ID, u), Cohort: c.ID, User: u, Course: c.Course, Status: "active", EnrolledAt: now}
	}
	dups, err := mongox.InsertAll(ctx, s.enrolments, docs)
	if err != nil {
		return nil, fmt.Errorf("enrol: %w", err)
	}
	if len(dups) > 0 {
		// Former members come back; the others are members already.
		ids := make([]string, len(dups))
		for k, i := range dups {
			ids[k] = enrolmentID(c.ID, users[i])
		}
		notActive := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "status", Value: bson.D{{Key: "$ne", Value: "active"}}}}
		cur, err := s.enrolments.Find(ctx, notActive, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
		if err != nil {
			return nil, fmt.Errorf("enrol: %w", err)
		}
		var former []struct {
			ID string `bson:"_id"`
		}
		if err := cur.All(ctx, &former); err != nil {
			return nil, fmt.Errorf("enrol: %w", err)
		}
		back := map[string]bool{}
		for _, f := range former {
			back[f.ID] = true
		}
		if len(back) > 0 {
			if _, err := s.enrolments.UpdateMany(ctx, notActive, bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: "active"}, {Key: "enrolled_at", Value: now}}}}); err != nil {
				return nil, fmt.Errorf("enrol: %w", err)
			}
		}
		for k, i := range dups {
			already[i] = !back[ids[k]]
		}
	}
	var mdocs []any
	var mids []string
	seen := map[string]bool{}
	for i, u := range users {
		if already[i] || seen[u] {
			continue
		}
		seen[u] = true
		mids = append(mids, c.Course+":"+u)
		mdocs = append(mdocs, bson.D{{Key: "_id", Value: c.Course + ":" + u}, {Key: "cohort", Value: c.ID}, {Key: "at", Value: now}})
		defer s.forgetMembership(c.Course, u)
	}
	if dups, err = mongox.InsertAll(ctx, s.memberships, mdocs); err != nil {
		return nil, fmt.Errorf("record membership: %w", err)
	}
	if len(dups) > 0 { // members of another cohort of the course move to this one
		moved := make([]string, len(dups))
		for k, i := range dups {
			moved[k] = mids[i]
		}
		if _, err := s.memberships.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: moved}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "cohort", Value: c.ID}, {Key: "at", Value: now}}}}); err != nil {
			return nil, fmt.Errorf("record membership: %w", err)
		}
	}
	return already, nil
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
	// Accounts for the addresses that have none, in one write.
	var newUsers []auth.NewUser
	asked := map[string]bool{}
	for _, email := range valid {
		if _, ok := known[email]; !ok && !asked[email] {
			asked[email] = true
			name := names[email]
			if name == "" {
				name = strings.Split(email, "@")[0]
			}
			newUsers = append(newUsers, auth.NewUser{Email: email, Name: name, Roles: []auth.Role{auth.RoleLearner}, OrgUnit: orgUnits[email]})
		}
	}
	created, err := s.users.InviteUsers(ctx, actor, newUsers)
	if err != nil {
		return nil, err
	}
	invited, refused := map[string]bool{}, map[string]error{}
	for j, cr := range created {
		email := newUsers[j].Email
		err := cr.Err
		if err == nil {
			known[email], invited[email] = cr.User, true
			continue
		}
		if errors.Is(err, auth.ErrEmailTaken) { // invited by someone else a moment ago
			var u auth.User
			if u, err = s.users.UserByEmail(ctx, email); err == nil {
				known[email] = u
				continue
			}
		}
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind == apperr.KindInternal || ae.Kind == apperr.KindUnavailable {
			return nil, err
		}
		refused[email] = err
	}
	out := make([]MemberResult, 0, len(emails))
	var ids []string
	var rows []int
	for i, raw := range emails {
		email := norm[i]
		switch {
		case email == "":
			out = append(out, MemberResult{Email: raw, Status: "invalid", Reason: "not an e-mail address"})
		case refused[email] != nil:
			out = append(out, MemberResult{Email: email, Status: "invalid", Reason: describe(refused[email])})
		default:
			r := MemberResult{Email: email, UserID: known[email].ID, Status: "enrolled"}
			if invited[email] {
				r.Status, invited[email] = "invited", false
			}
			ids, rows = append(ids, r.UserID), append(rows, len(out))
			out = append(out, r)
		}
	}
	already, err := s.enrolMany(ctx, c, ids)
	if err != nil {
		return nil, err
	}
	for k, row := range rows {
		if already[k] {
			out[row].Status = "already_member"
		}
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
		return ErrNotMember
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
