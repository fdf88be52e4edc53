package activity

import (
	"context"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

// Assessment errors.
var (
	// ErrAssessmentNotFound is an unknown assessment or one the actor may not see.
	ErrAssessmentNotFound = apperr.New(apperr.KindNotFound, "assessment not found")
	// ErrOtherCohort is a trainer coaching a learner of a cohort she does not train.
	ErrOtherCohort = apperr.New(apperr.KindForbidden, "this learner is in another trainer's cohort")
)

// Rating levels are DigComp's proficiency levels.
const (
	MinLevel = 1
	MaxLevel = 8
)

// Assessments runs the dialogic digital-skills self-assessment: a learner rates herself, her
// coach (a trainer of her cohort) adds a view beside it, and a start and an end round show the
// change.
type Assessments struct {
	store    assessmentStore
	courses  *course.Service
	learning *learning.Service
	members  Members
	now      func() time.Time
}

// NewAssessments returns the assessment service over db. members may be nil where no cohorts
// exist (every learner is then coached by the course's team).
func NewAssessments(db *mongo.Database, courses *course.Service, lrn *learning.Service, members Members, now func() time.Time) *Assessments {
	return &Assessments{store: newAssessmentStore(db), courses: courses, learning: lrn, members: members, now: now}
}

// EnsureIndexes creates the indexes of assessments.
func (s *Assessments) EnsureIndexes(ctx context.Context) error { return s.store.ensureIndexes(ctx) }

// Assessment is a self-assessment with the coach's view beside it.
type Assessment struct {
	ID          string
	User        string
	Course      string
	Assessment  string
	Round       string
	Rows        []AssessmentRow
	SelfNotes   map[string]string
	CoachNotes  map[string]string
	SubmittedAt time.Time
	CoachedAt   *time.Time
	CoachedBy   string
	Locale      string // the language of the rows' labels asked for; each row names a fallback
}

// AssessmentRow is one competence or item: the learner's rating, the coach's, the gap between
// them, and the change since the start round.
type AssessmentRow struct {
	ID     string
	Label  string
	Self   int
	Coach  *int
	Gap    *int // coach − self
	Start  *int // the learner's own rating in the start round
	Change *int // self − start
	// Fallback names the label when it is not in the language asked for.
	Fallback course.Fallback
}

func assessmentID(user, slug, id string) string { return user + ":" + slug + ":" + id }

// rateables lists the competences and items an assessment definition rates: the rows of its
// form (course.Assessment.Rated).
func rateables(a *course.Assessment, loc string) []Choice {
	return each(a.Rated(loc), func(it course.FormItem) Choice { return Choice{ID: it.ID, Text: it.Statement} })
}

func definition(co *course.Course, id string) (*course.Assessment, bool) {
	for i := range co.Assessments {
		if co.Assessments[i].ID == id {
			return &co.Assessments[i], true
		}
	}
	return nil, false
}

func checkView(a *course.Assessment, ratings map[string]int, notes map[string]string, requireAll bool) error {
	var f apperr.Fields
	allowed := map[string]bool{}
	for _, r := range rateables(a, "fi") {
		allowed[r.ID] = true
		if _, ok := ratings[r.ID]; requireAll && !ok {
			f.Add("ratings."+r.ID, "is required")
		}
	}
	for k, v := range ratings {
		if !allowed[k] {
			f.Add("ratings."+k, "is not rated in this assessment")
		} else if v < MinLevel || v > MaxLevel {
			f.Add("ratings."+k, "must be a level from {min} to {max}", apperr.Params{"min": strconv.Itoa(MinLevel), "max": strconv.Itoa(MaxLevel)})
		}
	}
	for k, v := range notes {
		if k != "1" && k != "2" && k != "3" && k != "4" && k != "5" && k != "general" {
			f.Add("notes."+k, "notes are per DigComp area (1–5) or general")
		}
		if utf8.RuneCountInString(v) > 4000 {
			f.Add("notes."+k, "is longer than 4000 characters")
		}
	}
	return f.Err()
}

// Submit records a learner's self-assessment (submitting again replaces her ratings) and writes
// its completed statement once.
//
// Returns ErrAssessmentNotFound, learning.ErrLocked, validation errors and the course package's
// access errors.
func (s *Assessments) Submit(ctx context.Context, actor auth.Principal, slug, id string, ratings map[string]int, notes map[string]string) (Assessment, error) {
	pub, err := s.courses.Current(ctx, actor, slug)
	if err != nil {
		return Assessment{}, err
	}
	def, ok := definition(pub.Course, id)
	if !ok {
		return Assessment{}, ErrAssessmentNotFound
	}
	if err := s.learning.CheckOpen(ctx, actor, slug, "assessments", id); err != nil {
		return Assessment{}, err
	}
	if err := checkView(def, ratings, notes, true); err != nil {
		return Assessment{}, err
	}
	did := assessmentID(actor.UserID, slug, id)
	d := assessmentDoc{ID: did, User: actor.UserID, Course: slug, Assessment: id, Round: def.Round, Self: newView(ratings, notes, actor.UserID, s.now().UTC())}
	if err := s.store.putSelf(ctx, d); err != nil {
		return Assessment{}, err
	}
	if err := s.store.dropDraft(ctx, did); err != nil {
		return Assessment{}, err
	}
	if err := recordCompleted(ctx, s.learning, actor, "assessment", did, slug, "assessments", id); err != nil {
		return Assessment{}, err
	}
	return s.Get(ctx, actor, did, readerLocale(actor))
}

// AssessmentDraft is a learner's unfinished self-assessment: kept for her alone to come back
// to. A draft is not an assessment: her coach does not see it and it writes no statement, so it
// never counts toward completion.
type AssessmentDraft struct {
	Ratings map[string]int
	Notes   map[string]string
	SavedAt time.Time
}

// SaveDraft keeps a learner's unfinished self-assessment (any items rated, none required) until
// she submits it; saving again replaces the draft, and Submit removes it.
//
// Returns ErrAssessmentNotFound, learning.ErrLocked, validation errors and the course package's
// access errors.
func (s *Assessments) SaveDraft(ctx context.Context, actor auth.Principal, slug, id string, ratings map[string]int, notes map[string]string) (AssessmentDraft, error) {
	pub, err := s.courses.Current(ctx, actor, slug)
	if err != nil {
		return AssessmentDraft{}, err
	}
	def, ok := definition(pub.Course, id)
	if !ok {
		return AssessmentDraft{}, ErrAssessmentNotFound
	}
	if err := s.learning.CheckOpen(ctx, actor, slug, "assessments", id); err != nil {
		return AssessmentDraft{}, err
	}
	if err := checkView(def, ratings, notes, false); err != nil {
		return AssessmentDraft{}, err
	}
	v := newView(ratings, notes, actor.UserID, s.now().UTC())
	if err := s.store.putDraft(ctx, assessmentID(actor.UserID, slug, id), actor.UserID, slug, id, v); err != nil {
		return AssessmentDraft{}, err
	}
	return AssessmentDraft{Ratings: v.ratings(), Notes: v.Notes, SavedAt: v.At}, nil
}

// Draft returns the actor's draft of self-assessment id of a course, nil when she has none.
func (s *Assessments) Draft(ctx context.Context, actor auth.Principal, slug, id string) (*AssessmentDraft, error) {
	v, err := s.store.draft(ctx, assessmentID(actor.UserID, slug, id))
	if err != nil || v == nil {
		return nil, err
	}
	return &AssessmentDraft{Ratings: v.ratings(), Notes: v.Notes, SavedAt: v.At}, nil
}

// Form returns the form of self-assessment id ("course:assessment") in locale, from the current
// published version the actor may read: the rated items, the scale and the notes.
//
// Returns ErrAssessmentNotFound and the course package's access errors.
func (s *Assessments) Form(ctx context.Context, actor auth.Principal, id, locale string) (*course.AssessmentForm, error) {
	return readForm(ctx, s.courses, actor, id, locale, s.courses.Renderer().AssessmentForm, ErrAssessmentNotFound)
}

// readForm renders the definition of activity id ("course:activity") from the current published
// version the actor may read, or returns notFound when the course does not define it.
func readForm[T any](ctx context.Context, courses *course.Service, actor auth.Principal, id, locale string,
	render func(co *course.Course, id, locale string) (T, bool), notFound error) (T, error) {
	var zero T
	pub, local, err := courses.Activity(ctx, actor, id)
	if err != nil {
		return zero, err
	}
	f, ok := render(pub.Course, local, locale)
	if !ok {
		return zero, notFound
	}
	return f, nil
}

// Coach adds the coach's or trainer's view to a learner's assessment.
//
// Returns ErrAssessmentNotFound (also to whoever may not coach the learner), auth.ErrForbidden
// (a learner coaching herself) and validation errors.
func (s *Assessments) Coach(ctx context.Context, actor auth.Principal, did string, ratings map[string]int, notes map[string]string) (Assessment, error) {
	d, def, err := s.load(ctx, actor, did)
	if err != nil {
		return Assessment{}, err
	}
	if err := s.mayCoach(ctx, actor, d.User, d.Course); err != nil {
		return Assessment{}, err
	}
	if err := checkView(def, ratings, notes, false); err != nil {
		return Assessment{}, err
	}
	if err := s.store.putCoach(ctx, did, newView(ratings, notes, actor.UserID, s.now().UTC())); err != nil {
		return Assessment{}, err
	}
	return s.Get(ctx, actor, did, readerLocale(actor))
}

// mayCoach: the trainers of the learner's cohort in the course, or, for a learner who studies it
// without a cohort, the course's owners and editors; admins everyone.
func (s *Assessments) mayCoach(ctx context.Context, actor auth.Principal, learner, slug string) error {
	if actor.IsAdmin() {
		return nil
	}
	if !actor.IsTrainer() {
		return auth.ErrForbidden
	}
	cohort := ""
	if s.members != nil {
		var err error
		if cohort, err = s.members.CohortOf(ctx, learner, slug); err != nil {
			return err
		}
	}
	if cohort == "" {
		team, err := s.courses.OnTeam(ctx, actor, slug)
		if err != nil || team {
			return err
		}
		return auth.ErrForbidden
	}
	ok, err := s.members.IsTrainerOf(ctx, actor.UserID, cohort)
	if err != nil {
		return err
	}
	if !ok {
		return ErrOtherCohort
	}
	return nil
}

// load returns an assessment the actor may see (her own, or one she may coach) with its
// definition; to anyone else it does not exist.
func (s *Assessments) load(ctx context.Context, actor auth.Principal, did string) (assessmentDoc, *course.Assessment, error) {
	d, err := s.store.get(ctx, did)
	if err != nil {
		return d, nil, err
	}
	if d.User != actor.UserID {
		if err := s.mayCoach(ctx, actor, d.User, d.Course); apperr.KindOf(err) == apperr.KindForbidden {
			return d, nil, ErrAssessmentNotFound
		} else if err != nil {
			return d, nil, err
		}
	}
	pub, err := s.courses.Published(ctx, d.Course)
	if err != nil {
		return d, nil, err
	}
	def, ok := definition(pub.Course, d.Assessment)
	if !ok {
		return d, nil, ErrAssessmentNotFound
	}
	return d, def, nil
}

// Get returns an assessment side by side: self, coach, gaps and the change since the start
// round. Learners see their own; trainers their cohorts'.
//
// Returns ErrAssessmentNotFound.
func (s *Assessments) Get(ctx context.Context, actor auth.Principal, did, loc string) (Assessment, error) {
	d, def, err := s.load(ctx, actor, did)
	if err != nil {
		return Assessment{}, err
	}
	var starts []assessmentDoc
	if d.Round == "end" {
		if starts, err = s.store.round(ctx, d.User, d.Course, "start"); err != nil {
			return Assessment{}, err
		}
	}
	return assessmentView(d, def, starts, loc), nil
}

// Mine returns the actor's assessments, each as Get shows it, in one course or (slug "") all.
// An assessment whose course no longer defines it is left out.
func (s *Assessments) Mine(ctx context.Context, actor auth.Principal, slug, loc string) ([]Assessment, error) {
	docs, err := s.store.mine(ctx, actor.UserID, slug)
	if err != nil {
		return nil, err
	}
	courses := map[string]*course.Course{}
	out := make([]Assessment, 0, len(docs))
	for _, d := range docs {
		co, ok := courses[d.Course]
		if !ok {
			pub, err := s.courses.Published(ctx, d.Course)
			if err != nil {
				return nil, err
			}
			co, courses[d.Course] = pub.Course, pub.Course
		}
		def, ok := definition(co, d.Assessment)
		if !ok {
			continue
		}
		// The actor's start rounds of this course are among docs.
		out = append(out, assessmentView(d, def, docs, loc))
	}
	return out, nil
}

// Assessment states for a coach's list.
const (
	AssessmentSubmitted = "submitted" // waiting for the coach's view
	AssessmentCoached   = "coached"
)

// LearnerFilter selects learners' assessments for their coach: one assessment of the course
// ("": all) and one state ("": both).
type LearnerFilter struct {
	Assessment string
	State      string
}

// OfLearners lists the assessments of the users in a course, each as Get shows it, newest first,
// for their coach: the caller has decided that the actor coaches them (her cohort's members).
//
// Returns validation errors for an unknown state and the course package's not-found errors.
func (s *Assessments) OfLearners(ctx context.Context, slug string, users []string, f LearnerFilter, loc string) ([]Assessment, error) {
	if f.State != "" && f.State != AssessmentSubmitted && f.State != AssessmentCoached {
		return nil, apperr.Validation(apperr.FieldError{Field: "state", Message: "must be submitted or coached"})
	}
	if len(users) == 0 {
		return []Assessment{}, nil
	}
	pub, err := s.courses.Published(ctx, slug)
	if err != nil {
		return nil, err
	}
	docs, err := s.store.ofUsers(ctx, slug, users)
	if err != nil {
		return nil, err
	}
	out := []Assessment{}
	for _, d := range docs {
		def, ok := definition(pub.Course, d.Assessment)
		coached := d.Coach != nil
		if !ok || (f.Assessment != "" && d.Assessment != f.Assessment) ||
			(f.State == AssessmentSubmitted && coached) || (f.State == AssessmentCoached && !coached) {
			continue
		}
		out = append(out, assessmentView(d, def, docs, loc))
	}
	slices.SortStableFunc(out, func(a, b Assessment) int { return b.SubmittedAt.Compare(a.SubmittedAt) })
	return out, nil
}

// assessmentView shows an assessment beside its coach's view and, in the end round, the change
// since the learner's start round of the same course: the first by id among others.
func assessmentView(d assessmentDoc, def *course.Assessment, others []assessmentDoc, loc string) Assessment {
	out := Assessment{ID: d.ID, User: d.User, Course: d.Course, Assessment: d.Assessment, Round: d.Round, SelfNotes: d.Self.Notes, SubmittedAt: d.Self.At, Locale: loc}
	var start map[string]int
	if d.Round == "end" {
		for _, o := range others {
			if o.User == d.User && o.Course == d.Course && o.Round == "start" {
				start = o.Self.ratings()
				break
			}
		}
	}
	var coach map[string]int
	if d.Coach != nil {
		out.CoachNotes, out.CoachedAt, out.CoachedBy = d.Coach.Notes, &d.Coach.At, d.Coach.By
		coach = d.Coach.ratings()
	}
	self := d.Self.ratings()
	for _, r := range def.Rated(loc) {
		row := AssessmentRow{ID: r.ID, Label: r.Statement, Self: self[r.ID]}
		if lang, ok := r.Fallback["statement"]; ok {
			row.Fallback = course.Fallback{"label": lang}
		}
		if v, ok := coach[r.ID]; ok {
			row.Coach, row.Gap = ptr(v), ptr(v-row.Self)
		}
		if v, ok := start[r.ID]; ok {
			row.Start, row.Change = ptr(v), ptr(row.Self-v)
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

// SkillChanges returns, per learner, the mean change of her own ratings from the start round to
// the end round of a course, for learners who have both.
func (s *Assessments) SkillChanges(ctx context.Context, slug string, users []string) (map[string]float64, error) {
	docs, err := s.store.ofUsers(ctx, slug, users)
	if err != nil {
		return nil, err
	}
	start, end := map[string]map[string]int{}, map[string]map[string]int{}
	for _, d := range docs {
		switch d.Round {
		case "start":
			start[d.User] = d.Self.ratings()
		case "end":
			end[d.User] = d.Self.ratings()
		}
	}
	out := map[string]float64{}
	for u, e := range end {
		st, ok := start[u]
		if !ok {
			continue
		}
		sum, n := 0, 0
		for k, v := range e {
			if sv, ok := st[k]; ok {
				sum += v - sv
				n++
			}
		}
		if n > 0 {
			out[u] = float64(sum) / float64(n)
		}
	}
	return out, nil
}

// readerLocale is the language a write's answer is shown in: the account's, else Finnish.
func readerLocale(actor auth.Principal) string {
	if actor.Locale == "" {
		return "fi"
	}
	return actor.Locale
}
