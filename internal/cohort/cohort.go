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
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cache"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/i18n"
	"github.com/taito-lms/taito/internal/links"
	"github.com/taito-lms/taito/internal/notify"
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
	ErrInOtherCohort = apperr.New(apperr.KindConflict, "already in another cohort of this course: its trainer moves you")
)

// ModuleDates are a module's opening and due dates in a cohort. The JSON API reads and writes
// them as they are (its tags); the store keeps them in its own document type.
type ModuleDates struct {
	Module string     `json:"module"`
	Opens  *time.Time `json:"opens,omitempty"`
	Due    *time.Time `json:"due,omitempty"`
}

// Cohort is a group taking a course together.
type Cohort struct {
	ID       string
	Course   string
	Name     string
	Trainers []string
	StartsOn *time.Time
	// EndsOn, when set, closes the cohort at that moment.
	EndsOn   *time.Time
	Schedule []ModuleDates
	// Status follows the dates (see statusAt); only an explicit closing is stored.
	Status   string
	JoinCode string
	// AutoReminderDays: remind members this many days before a module is due (0: off).
	AutoReminderDays int
	CreatedBy        string
	CreatedAt        time.Time
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

	// certificates counts the certificates issued (certificates.go); nil counts none.
	certificates Certificates
	// snapshots keep dashboards' learner data for their other pages (DashboardQuery.Snapshot).
	snapshots *cache.Cache[dashInputs]
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
	// ResendInvitation and InvitationLinks: see reminders.go.
	ResendInvitation(ctx context.Context, actor auth.Principal, id string) (auth.Invitation, error)
	InvitationLinks(ctx context.Context, users []auth.User) (map[string]string, error)
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
	CompletedAt  *time.Time      // when she completed the course
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
	return &Service{Directory: dir, courses: courses, users: users, progress: progress, skills: skills, mail: mail, now: now,
		snapshots: cache.New[dashInputs](dir.snapshotTTL, 16, now)}
}

// EnsureIndexes creates the indexes cohorts need.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	return s.store.ensureIndexes(ctx)
}

// NewCohort is a cohort to create.
type NewCohort struct {
	Course   string
	Name     string
	StartsOn *time.Time
	EndsOn   *time.Time
	Schedule []ModuleDates
	Trainers []string
	JoinCode bool
	// AutoReminderDays: remind members this many days before a module is due (0: off).
	AutoReminderDays int
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
			f.Add(p+".module", "the course has no module {value}", apperr.Params{"value": strconv.Quote(d.Module)})
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

// checkDates refuses an end that does not come after the start.
func checkDates(f *apperr.Fields, starts, ends *time.Time) {
	if starts != nil && ends != nil && !ends.After(*starts) {
		f.Add("ends_on", "must be after starts_on")
	}
}

// ParseDate reads a date a person gives: an RFC 3339 moment, or a local day in Finnish time
// ("2026-12-10") that means the start of the day (00:00) or, with endOfDay, its last second
// (23:59:59), as due and end dates do. ok is false for anything else.
func ParseDate(text string, endOfDay bool) (t time.Time, ok bool) {
	if t, err := time.Parse(time.RFC3339, text); err == nil {
		return t, true
	}
	day, err := time.ParseInLocation(time.DateOnly, text, notify.Helsinki())
	if err != nil {
		return time.Time{}, false
	}
	if endOfDay {
		day = day.AddDate(0, 0, 1).Add(-time.Second)
	}
	return day.UTC(), true
}

// statusAt is a cohort's status at now, computed from its dates on every read: closed when a
// trainer closed it or its end date has passed; running when a trainer started it or its start
// date has come; planned before that.
func (c Cohort) statusAt(now time.Time) string {
	switch {
	case c.Status == StatusClosed, c.EndsOn != nil && !now.Before(*c.EndsOn):
		return StatusClosed
	case c.Status == StatusRunning, c.StartsOn != nil && now.After(*c.StartsOn):
		return StatusRunning
	}
	return StatusPlanned
}

// checkReminderDays checks how many days before a due date members are reminded.
func checkReminderDays(f *apperr.Fields, days int) {
	if days < 0 || days > 30 {
		f.Add("auto_reminder_days", "must be from 0 (off) to 30")
	}
}

func checkName(f *apperr.Fields, name string) {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 200 {
		f.Add("name", "is required, at most 200 characters")
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
	checkName(&f, in.Name)
	pub, err := s.courses.Current(ctx, actor, in.Course)
	if errors.Is(err, course.ErrNotPublished) {
		f.Add("course", "no published course with this slug")
	} else if err != nil {
		return Cohort{}, err
	} else {
		s.checkSchedule(&f, pub.Course, in.Schedule)
	}
	checkDates(&f, in.StartsOn, in.EndsOn)
	checkReminderDays(&f, in.AutoReminderDays)
	trainers := []string{actor.UserID}
	for _, t := range in.Trainers {
		if !slices.Contains(trainers, t) {
			trainers = append(trainers, t)
		}
	}
	if err := f.Err(); err != nil {
		return Cohort{}, err
	}
	c := Cohort{ID: uuid.NewString(), Course: in.Course, Name: strings.TrimSpace(in.Name), Trainers: trainers, StartsOn: in.StartsOn, EndsOn: in.EndsOn,
		Schedule: in.Schedule, Status: StatusPlanned, AutoReminderDays: in.AutoReminderDays, CreatedBy: actor.UserID, CreatedAt: s.now().UTC()}
	if c.Schedule == nil {
		c.Schedule = []ModuleDates{}
	}
	if in.JoinCode {
		c.JoinCode = joinCode()
	}
	if err := s.store.insertCohort(ctx, c); err != nil {
		return Cohort{}, err
	}
	c.Status = c.statusAt(s.now())
	return c, nil
}

// Get returns a cohort to its trainers and admins; to others it does not exist.
//
// Returns ErrNotFound.
func (s *Service) Get(ctx context.Context, actor auth.Principal, id string) (Cohort, error) {
	c, err := s.store.cohort(ctx, id)
	if err != nil {
		return c, err
	}
	if !actor.IsAdmin() && !slices.Contains(c.Trainers, actor.UserID) {
		return Cohort{}, ErrNotFound
	}
	return c, nil
}

// List returns the actor's newest 500 cohorts (admins: everyone's).
//
// Returns ErrForbidden to learners.
func (s *Service) List(ctx context.Context, actor auth.Principal) ([]Cohort, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return nil, err
	}
	trainer := actor.UserID
	if actor.IsAdmin() {
		trainer = ""
	}
	return s.store.cohortsOf(ctx, trainer)
}

// Patch changes a cohort; nil fields are left alone.
type Patch struct {
	Name             *string
	Status           *string
	Schedule         *[]ModuleDates
	Trainers         *[]string
	StartsOn         *time.Time
	EndsOn           *time.Time
	AutoReminderDays *int
}

// Update changes a cohort, for its trainers and admins. This replica forgets the cohort's
// cached schedule at once.
//
// Returns ErrNotFound, validation errors and the course package's not-found errors.
func (s *Service) Update(ctx context.Context, actor auth.Principal, id string, p Patch) (Cohort, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return c, err
	}
	var f apperr.Fields
	if p.Name != nil {
		checkName(&f, *p.Name)
		name := strings.TrimSpace(*p.Name)
		p.Name = &name
	}
	if p.Status != nil && !slices.Contains([]string{StatusPlanned, StatusRunning, StatusClosed}, *p.Status) {
		f.Add("status", "must be planned, running or closed")
	}
	if p.Schedule != nil {
		pub, err := s.courses.Published(ctx, c.Course)
		if err != nil {
			return c, err
		}
		s.checkSchedule(&f, pub.Course, *p.Schedule)
	}
	starts, ends := c.StartsOn, c.EndsOn
	if p.StartsOn != nil {
		starts = p.StartsOn
	}
	if p.EndsOn != nil {
		ends = p.EndsOn
	}
	checkDates(&f, starts, ends)
	if p.Trainers != nil && len(*p.Trainers) == 0 {
		f.Add("trainers", "a cohort needs at least one trainer")
	}
	if p.AutoReminderDays != nil {
		checkReminderDays(&f, *p.AutoReminderDays)
	}
	if err := f.Err(); err != nil {
		return c, err
	}
	if p == (Patch{}) {
		return c, apperr.New(apperr.KindInvalid, "nothing to change")
	}
	defer s.schedules.Forget(id)
	return s.store.updateCohort(ctx, id, p)
}

// What enrolling did to one user.
const (
	joined    = iota
	already   // an active member already
	elsewhere // active in another cohort of the course that the actor does not run
)

// enrol makes the actor a member.
//
// Returns ErrClosed, ErrAlreadyMember and ErrInOtherCohort.
func (s *Service) enrol(ctx context.Context, actor auth.Principal, c Cohort) error {
	res, err := s.enrolMany(ctx, actor, c, []string{actor.UserID})
	switch {
	case err != nil:
		return err
	case res[0] == already:
		return ErrAlreadyMember
	case res[0] == elsewhere:
		return ErrInOtherCohort
	}
	return nil
}

// enrolMany makes the users active members of the cohort and reports what happened to each.
// Within a course a learner has at most one active cohort: one in another cohort of the course
// moves here only when the actor may manage that cohort (an admin, one of its trainers) or it is
// closed, and her membership there ends; otherwise she stays where she is (elsewhere).
//
// The learner's membership of the course is claimed first, with a condition on the cohort it
// may be taken from, so two trainers enrolling her at once cannot both win; a retry after a
// failure finishes what was started. The common case of new members is one write per
// collection.
func (s *Service) enrolMany(ctx context.Context, actor auth.Principal, c Cohort, users []string) ([]int, error) {
	if c.Status == StatusClosed {
		return nil, ErrClosed
	}
	now := s.now().UTC()
	current, err := s.store.membershipsOf(ctx, c.Course, users)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(users))
	movable := map[string]bool{}
	var from []string
	var leaving [][2]string
	for i, u := range users {
		old := current[u]
		if old == "" || old == c.ID {
			continue
		}
		ok, asked := movable[old]
		if !asked {
			if ok, err = s.mayTakeFrom(ctx, actor, old); err != nil {
				return nil, err
			}
			movable[old] = ok
			if ok {
				from = append(from, old)
			}
		}
		if !ok {
			out[i] = elsewhere
			continue
		}
		leaving = append(leaving, [2]string{old, u})
	}
	// Leaving first: if the move stops half-way, a retry still finds her membership in the old
	// cohort and ends nothing twice.
	if err := s.store.endEnrolments(ctx, leaving); err != nil {
		return nil, err
	}
	var coming []string
	seen := map[string]bool{}
	for i, u := range users {
		if out[i] == joined && !seen[u] {
			seen[u] = true
			coming = append(coming, u)
		}
	}
	for _, u := range users {
		defer s.forgetMembership(c.Course, u)
	}
	lost, err := s.store.claimMemberships(ctx, c, coming, from, now)
	if err != nil {
		return nil, err
	}
	var enrol []string
	var rows []int
	for i, u := range users {
		if out[i] == joined && slices.Contains(lost, u) {
			out[i] = elsewhere
		}
		if out[i] == joined {
			enrol, rows = append(enrol, u), append(rows, i)
		}
	}
	dups, err := s.store.insertEnrolments(ctx, c, enrol, now)
	if err != nil {
		return nil, err
	}
	if len(dups) > 0 {
		// Former members come back; the others are members already.
		again := make([]string, len(dups))
		for k, i := range dups {
			again[k] = enrol[i]
		}
		back, err := s.store.reactivateEnrolments(ctx, c.ID, again, now)
		if err != nil {
			return nil, err
		}
		for _, i := range dups {
			if !back[enrol[i]] {
				out[rows[i]] = already
			}
		}
	}
	return out, nil
}

// mayTakeFrom reports whether the actor may move a learner out of another cohort: an admin, one
// of its trainers, anyone when it is closed or gone.
func (s *Service) mayTakeFrom(ctx context.Context, actor auth.Principal, id string) (bool, error) {
	if actor.IsAdmin() {
		return true, nil
	}
	c, err := s.store.cohort(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	return c.Status == StatusClosed || slices.Contains(c.Trainers, actor.UserID), nil
}

// MemberResult is what happened to one address of an enrolment request.
type MemberResult struct {
	Email  string
	Status string        // enrolled | invited | already_member | in_other_cohort | invalid
	Reason string        // why it was not enrolled, in English; ReasonIn says it in any language
	Why    *apperr.Error // the same as a message key with params and field problems
	UserID string
}

// notEnrolled is the result of an address that was not enrolled, because of why.
func notEnrolled(r MemberResult, status string, why *apperr.Error) MemberResult {
	r.Status, r.Why = status, why
	r.Reason = r.ReasonIn("en")
	return r
}

// ReasonIn says why the address was not enrolled in locale, with the field problems of a
// refused invitation ("" when it was).
func (r MemberResult) ReasonIn(locale string) string {
	if r.Why == nil {
		return ""
	}
	msg := i18n.Text(locale, r.Why.MessageKey(), r.Why.Params)
	for _, f := range r.Why.Fields {
		msg += "; " + f.Field + " " + i18n.Text(locale, f.MessageKey(), f.Params)
	}
	return msg
}

// Reasons a row is not enrolled.
var (
	errNotAnAddress  = apperr.New(apperr.KindValidation, "not an e-mail address")
	errInOtherCohort = apperr.New(apperr.KindConflict, "active in another trainer's cohort of this course")
)

// AddMembers enrols existing users by e-mail and invites new ones (as learners). A bad address
// never stops the good ones: each address gets a result. Someone active in another cohort of
// the course that the actor does not run stays there (in_other_cohort); from the actor's own
// cohorts she moves here.
//
// Returns ErrNotFound, ErrClosed and apperr.KindTooLarge for more than 10000 addresses.
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
	invited, refused := map[string]bool{}, map[string]*apperr.Error{}
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
		refused[email] = ae
	}
	out := make([]MemberResult, 0, len(emails))
	var ids []string
	var rows []int
	for i, raw := range emails {
		email := norm[i]
		switch {
		case email == "":
			out = append(out, notEnrolled(MemberResult{Email: raw}, "invalid", errNotAnAddress))
		case refused[email] != nil:
			out = append(out, notEnrolled(MemberResult{Email: email}, "invalid", refused[email]))
		default:
			r := MemberResult{Email: email, UserID: known[email].ID, Status: "enrolled"}
			if invited[email] {
				r.Status, invited[email] = "invited", false
			}
			ids, rows = append(ids, r.UserID), append(rows, len(out))
			out = append(out, r)
		}
	}
	did, err := s.enrolMany(ctx, actor, c, ids)
	if err != nil {
		return nil, err
	}
	for k, row := range rows {
		switch did[k] {
		case already:
			out[row].Status = "already_member"
		case elsewhere:
			out[row] = notEnrolled(out[row], "in_other_cohort", errInOtherCohort)
		}
	}
	return out, nil
}

// RemoveMember ends a membership; the learner's progress stays. This replica forgets her
// cached cohort at once.
//
// Returns ErrNotFound and ErrNotMember.
func (s *Service) RemoveMember(ctx context.Context, actor auth.Principal, id, user string) error {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return err
	}
	if err := s.store.endEnrolment(ctx, id, user); err != nil {
		return err
	}
	defer s.forgetMembership(c.Course, user)
	return s.store.deleteMembership(ctx, c, user)
}

// Join enrols the actor with a cohort's self-enrolment code. Someone active in another cohort of
// the course stays there: her trainer moves her.
//
// Returns ErrBadCode (also for a closed cohort's code), ErrAlreadyMember and ErrInOtherCohort.
func (s *Service) Join(ctx context.Context, actor auth.Principal, code string) (Cohort, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if len(code) != 8 {
		return Cohort{}, ErrBadCode
	}
	c, err := s.store.cohortByCode(ctx, code)
	if errors.Is(err, ErrNotFound) || (err == nil && c.Status == StatusClosed) {
		return Cohort{}, ErrBadCode
	}
	if err != nil {
		return Cohort{}, err
	}
	return c, s.enrol(ctx, actor, c)
}

// Members returns the active members' user ids.
func (s *Service) Members(ctx context.Context, id string) ([]string, error) {
	return s.store.members(ctx, id)
}

// Membership is one of a learner's cohorts as she sees it: its trainers by name.
type Membership struct {
	Cohort       Cohort
	TrainerNames []string
}

// Mine returns the cohorts the actor is an active member of, newest first: a learner's own view
// of her schedule and trainers (nobody else's cohorts).
func (s *Service) Mine(ctx context.Context, actor auth.Principal) ([]Membership, error) {
	list, err := s.store.cohortsWith(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.Trainers...)
	}
	users, err := s.users.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Membership, len(list))
	for i, c := range list {
		out[i] = Membership{Cohort: c, TrainerNames: []string{}}
		for _, t := range c.Trainers {
			if u, ok := users[t]; ok {
				out[i].TrainerNames = append(out[i].TrainerNames, u.Name)
			}
		}
	}
	return out, nil
}
