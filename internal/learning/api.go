package learning

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
)

// Event types of the simple lesson-event path.
const (
	EventViewed     = "viewed"
	EventProgressed = "progressed"
	EventCompleted  = "completed"
	EventMarkedDone = "marked_done"
)

// Event is what a Taito client reports about a lesson; the server builds the statement.
type Event struct {
	ID       string   `json:"id,omitempty"`
	Type     string   `json:"type"`
	Seconds  int      `json:"seconds,omitempty"`
	Position *float64 `json:"position,omitempty"`
}

// maxEventSeconds bounds one progressed event: clients report time in short steps.
const maxEventSeconds = 600

// LessonEvent records an event on a lesson of the current published version, as a statement of
// the learner's own (see Record: what she may report counts, the lock is checked). A locked
// lesson refuses events with the lock's reason.
//
// Returns validation errors, ErrLocked, ErrConflict and the course package's not-found errors.
func (s *Service) LessonEvent(ctx context.Context, actor auth.Principal, slug, lesson string, ev Event) (Recorded, Progress, error) {
	var f apperr.Fields
	verb := ""
	switch ev.Type {
	case EventViewed:
		verb = VerbExperienced
	case EventProgressed:
		verb = VerbProgressed
		if ev.Seconds < 1 || ev.Seconds > maxEventSeconds {
			f.Add("seconds", "must be from 1 to {max} for a progressed event", apperr.Params{"max": strconv.Itoa(maxEventSeconds)})
		}
	case EventCompleted, EventMarkedDone:
		verb = VerbCompleted
	default:
		f.Add("type", "must be viewed, progressed, completed or marked_done")
	}
	if ev.Type != EventProgressed && ev.Seconds != 0 {
		f.Add("seconds", "only a progressed event carries seconds")
	}
	if ev.Position != nil && (*ev.Position < 0 || *ev.Position > 1e7) {
		f.Add("position", "must be from 0 to 10000000")
	}
	if err := f.Err(); err != nil {
		return Recorded{}, Progress{}, err
	}
	pub, err := s.courses.Current(ctx, actor, slug)
	if err != nil {
		return Recorded{}, Progress{}, err
	}
	m, l, ok := pub.Course.Lesson(lesson)
	if !ok {
		return Recorded{}, Progress{}, course.ErrLessonNotFound
	}
	st := Statement{ID: ev.ID, Actor: s.Actor(actor.UserID), Verb: Verb{ID: verb, Display: map[string]string{"en": VerbName(verb)}},
		Object: Object{ObjectType: "Activity", ID: s.IRI(slug, "lessons", lesson), Definition: &Definition{Name: map[string]string(l.Title), Type: "http://adlnet.gov/expapi/activities/lesson"}},
		Context: &Context{ContextActivities: &ContextActivities{
			Parent:   []Object{{ObjectType: "Activity", ID: s.IRI(slug, "modules", m.ID)}},
			Grouping: []Object{{ObjectType: "Activity", ID: s.IRI(slug, "", "")}},
		}}}
	if ev.Type == EventProgressed || ev.Position != nil {
		st.Result = &Result{}
		if ev.Seconds > 0 {
			st.Result.Duration = "PT" + strconv.Itoa(ev.Seconds) + "S"
		}
		if ev.Position != nil {
			st.Result.Extensions = map[string]any{s.publicURL + ExtPosition: *ev.Position}
		}
	}
	if ev.Type == EventCompleted || ev.Type == EventMarkedDone {
		st.Result = &Result{Completion: ptr(true)}
	}
	rec, after, err := s.record(ctx, writer{user: actor.UserID, actor: actor, authority: AuthorityLearner}, []Entry{{Statement: st, Hash: HashOf([]any{slug, lesson, ev})}})
	if err != nil {
		return Recorded{}, Progress{}, err
	}
	return rec[0], after[slug], nil
}

// Progress evaluates the actor's progress in a course's current published version.
func (s *Service) Progress(ctx context.Context, actor auth.Principal, slug string) (Progress, error) {
	pub, err := s.courses.Current(ctx, actor, slug)
	if err != nil {
		return Progress{}, err
	}
	return s.progressIn(ctx, actor.UserID, pub)
}

// ProgressFor evaluates a learner's progress in a course's current published version, for a
// trainer's view of her: the caller has decided that the trainer may see it.
func (s *Service) ProgressFor(ctx context.Context, user, slug string) (Progress, error) {
	pub, err := s.courses.Published(ctx, slug)
	if err != nil {
		return Progress{}, err
	}
	return s.progressIn(ctx, user, pub)
}

// Summary is a learner's progress with the counts dashboards show beside it.
type Summary struct {
	Progress Progress
	QuizBest map[string]float64 // quiz id → best scaled score of her attempts
	Posts    int
	Comments int
}

// Summaries evaluates many learners' progress in a course against one schedule (their
// cohort's), from their projections read in one pass: for dashboards and reports, after the
// caller has decided who may see them. Every user gets a summary, not_started when she has no
// projection.
func (s *Service) Summaries(ctx context.Context, slug string, users []string, sched Schedule) (map[string]Summary, error) {
	pub, err := s.courses.Published(ctx, slug)
	if err != nil {
		return nil, err
	}
	facts, err := s.FactsOf(ctx, slug, users)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make(map[string]Summary, len(users))
	for _, u := range users {
		f := facts[u]
		sum := Summary{Progress: Evaluate(pub.Course, pub.Version, f, sched, now), QuizBest: map[string]float64{}}
		if f != nil {
			for qid, qf := range f.Quizzes {
				for _, a := range qf.Attempts {
					if best, ok := sum.QuizBest[qid]; !ok || a.Scaled > best {
						sum.QuizBest[qid] = a.Scaled
					}
				}
			}
			for _, t := range f.Tasks {
				sum.Posts += len(t.Posts)
				sum.Comments += len(t.Comments)
			}
		}
		out[u] = sum
	}
	return out, nil
}

func (s *Service) progressIn(ctx context.Context, user string, pub course.Published) (Progress, error) {
	return s.progressAt(ctx, user, pub, s.now())
}

// progressAt reads a learner's facts and her schedule and evaluates them at now.
func (s *Service) progressAt(ctx context.Context, user string, pub course.Published, now time.Time) (Progress, error) {
	f, err := s.current(ctx, user, pub.Course.Slug)
	if err != nil {
		return Progress{}, err
	}
	return s.evaluate(ctx, user, pub, f, now)
}

// current returns a learner's projection in a course as it is now: a sole writer's cached
// copy, otherwise the stored document (which is then cached for the next write).
func (s *Service) current(ctx context.Context, user, slug string) (*Facts, error) {
	id := progressID(user, slug)
	if s.soleWriter {
		if f, ok := s.cache.get(id, time.Now()); ok {
			return f, nil
		}
	}
	defer s.cache.lock(id)()
	f, err := s.Facts(ctx, user, slug)
	if err != nil {
		return nil, err
	}
	s.cache.put(id, f, time.Now())
	return f, nil
}

// evaluate evaluates a learner's facts against the course's rules and her schedule at now.
func (s *Service) evaluate(ctx context.Context, user string, pub course.Published, f *Facts, now time.Time) (Progress, error) {
	sched, err := s.scheduleOf(ctx, user, pub.Course.Slug)
	if err != nil {
		return Progress{}, err
	}
	return Evaluate(pub.Course, pub.Version, f, sched, now), nil
}

// Enrolled reports which of the given courses the user has started (has a projection in) or is
// enrolled in (is an active member of a cohort of), when the schedules also answer membership.
func (s *Service) Enrolled(ctx context.Context, user string, slugs []string) (map[string]bool, error) {
	started, err := s.store.startedIn(ctx, user, slugs)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, slug := range started {
		out[slug] = true
	}
	if m, ok := s.schedules.(memberships); ok {
		for _, slug := range slugs {
			if out[slug] {
				continue
			}
			if out[slug], err = m.IsEnrolled(ctx, user, slug); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// memberships is what the schedules may also answer: whether a learner is in a cohort of a
// course, before she has done anything there.
type memberships interface {
	IsEnrolled(ctx context.Context, user, slug string) (bool, error)
}

// MyCourse is one of a learner's courses.
type MyCourse struct {
	Published course.Published
	Progress  Progress
}

// maxMyCourses bounds the courses MyCourses reads.
const maxMyCourses = 500

// MyCourses lists the courses the actor has started and those of enrolled (the courses of her
// cohorts, not_started until she does something), most recently active first.
func (s *Service) MyCourses(ctx context.Context, actor auth.Principal, enrolled []string) ([]MyCourse, error) {
	facts, err := s.store.projectionsOf(ctx, actor.UserID, maxMyCourses)
	if err != nil {
		return nil, err
	}
	bySlug := map[string]*Facts{}
	var slugs []string
	for i := range facts {
		bySlug[facts[i].Course] = &facts[i]
		slugs = append(slugs, facts[i].Course)
	}
	for _, slug := range enrolled {
		if _, ok := bySlug[slug]; !ok {
			bySlug[slug] = nil
			slugs = append(slugs, slug)
		}
	}
	var out []MyCourse
	for _, slug := range slugs {
		pub, err := s.courses.Current(ctx, actor, slug)
		var ae *apperr.Error
		if errors.As(err, &ae) && (ae.Kind == apperr.KindNotFound || ae.Kind == apperr.KindForbidden) {
			continue // archived, not published yet or no longer open to her
		}
		if err != nil {
			return nil, err
		}
		sched, err := s.scheduleOf(ctx, actor.UserID, pub.Course.Slug)
		if err != nil {
			return nil, err
		}
		out = append(out, MyCourse{Published: pub, Progress: Evaluate(pub.Course, pub.Version, bySlug[slug], sched, s.now())})
	}
	slices.SortStableFunc(out, func(a, b MyCourse) int {
		var ta, tb time.Time
		if a.Progress.LastAt != nil {
			ta = *a.Progress.LastAt
		}
		if b.Progress.LastAt != nil {
			tb = *b.Progress.LastAt
		}
		return tb.Compare(ta)
	})
	return out, nil
}

// StatementFilter selects a learner's statements.
type StatementFilter struct {
	Course string
	Verb   string // short name, e.g. completed
	Since  time.Time
	After  string // cursor
	Limit  int
}

// MyStatements lists the actor's own statements in the order they were stored.
func (s *Service) MyStatements(ctx context.Context, actor auth.Principal, f StatementFilter) ([]Statement, string, error) {
	q := statementQuery{user: actor.UserID, course: f.Course, verb: f.Verb, since: f.Since, limit: f.Limit + 1}
	var fe apperr.Fields
	if f.Course != "" && !course.ValidSlug(f.Course) {
		fe.Add("course", "is not a course slug")
	}
	if f.Verb != "" && VerbIRI(f.Verb) == "" {
		fe.Add("verb", "must be a verb name such as completed or progressed")
	}
	if f.After != "" {
		ts, id, ok := strings.Cut(f.After, "_")
		n, err := strconv.ParseInt(ts, 10, 64)
		if !ok || err != nil {
			fe.Add("after", "is not a cursor this API gave out")
		}
		q.after = &logPosition{stored: time.Unix(0, n).UTC(), id: id}
	}
	if err := fe.Err(); err != nil {
		return nil, "", err
	}
	docs, err := s.store.statementsOf(ctx, q)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > f.Limit {
		docs = docs[:f.Limit]
		last := docs[len(docs)-1]
		next = strconv.FormatInt(last.Stored.UnixNano(), 10) + "_" + last.ID
	}
	out := make([]Statement, len(docs))
	for i := range docs {
		st, err := docs[i].statement()
		if err != nil {
			return nil, "", err
		}
		out[i] = st
	}
	return out, next, nil
}

// FactsOf returns the projections of several learners in a course, by user id; learners who
// have not started are missing. It reads the course's projections in one query on the indexed
// course field and keeps the asked-for learners' ones: a server that cannot use the index
// (FerretDB over SQLite reads whole tables for any filter but _id) then reads the collection
// once, where one _id $in per chunk of learners would read it once per chunk and compare each
// document with the whole list.
//
// A sole writer's cached copies are current, so it answers from them and reads the database
// only when some learner has none, caching what it read for the next time.
func (s *Service) FactsOf(ctx context.Context, slug string, users []string) (map[string]*Facts, error) {
	want := make(map[string]bool, len(users))
	out := make(map[string]*Facts, len(users))
	now := time.Now()
	gen := s.cache.generation()
	for _, u := range users {
		if s.soleWriter {
			if f, ok := s.cache.get(progressID(u, slug), now); ok {
				if f != nil {
					out[u] = f
				}
				continue
			}
		}
		want[u] = true
	}
	if len(want) == 0 {
		return out, nil
	}
	read, err := s.store.projectionsIn(ctx, slug, want)
	if err != nil {
		return nil, err
	}
	maps.Copy(out, read)
	if s.soleWriter {
		for u := range want {
			id := progressID(u, slug)
			unlock := s.cache.lock(id)
			s.cache.putIfAbsent(id, out[u], now, gen)
			unlock()
		}
	}
	return out, nil
}
