package activity

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

// ErrSafariNotFound is returned for an unknown safari log or one the actor may not see.
var ErrSafariNotFound = apperr.New(apperr.KindNotFound, "safari log not found")

// Observation types.
const (
	ObsUsability = "usability" // a problem of the service, for anyone
	ObsSkillGap  = "skill_gap" // something the client could learn
	ObsWentWell  = "went_well" // something that went well, worth keeping
)

// Observation is one thing the coach saw during a step.
type Observation struct {
	Type       string // ObsUsability, ObsSkillGap or ObsWentWell
	Severity   int    // 1 minor, 2 slowed down, 3 stopped the task; for what went well 0 or how much it helped
	Competence string // a DigComp competence, or ""
	Note       string
}

// StepLog is what happened in one step of the safari.
type StepLog struct {
	Step         string
	DidAndSaid   string
	Observations []Observation
}

// SafariLog is one service-safari observation log.
type SafariLog struct {
	ID          string
	User        string
	Course      string
	Safari      string
	WithPeer    bool // done with a colleague acting as the client
	Steps       []StepLog
	Debrief     string
	Submitted   bool
	SubmittedAt *time.Time
	UpdatedAt   time.Time
}

// SafariInput is what a learner writes in a log. Course and Safari name the safari of a new log
// (required); a saved log keeps its own (they may be left empty). Submitted, once true, stays
// so.
type SafariInput struct {
	Course    string
	Safari    string
	WithPeer  bool
	Steps     []StepLog
	Debrief   string
	Submitted bool
}

// Safaris runs the service-safari observation logs and their summaries for trainers.
type Safaris struct {
	store    safariStore
	courses  *course.Service
	learning *learning.Service
	now      func() time.Time
}

// NewSafaris returns the safari service over db.
func NewSafaris(db *mongo.Database, courses *course.Service, lrn *learning.Service, now func() time.Time) *Safaris {
	return &Safaris{store: newSafariStore(db), courses: courses, learning: lrn, now: now}
}

// EnsureIndexes creates the indexes of safari logs.
func (s *Safaris) EnsureIndexes(ctx context.Context) error { return s.store.ensureIndexes(ctx) }

func safariDef(co *course.Course, id string) (*course.Safari, bool) {
	for i := range co.Safaris {
		if co.Safaris[i].ID == id {
			return &co.Safaris[i], true
		}
	}
	return nil, false
}

func checkLog(def *course.Safari, l *SafariLog) error {
	var f apperr.Fields
	steps := map[string]bool{}
	for _, st := range def.Steps {
		steps[st.ID] = true
	}
	seen := map[string]bool{}
	for i, sl := range l.Steps {
		p := "steps." + strconv.Itoa(i)
		if !steps[sl.Step] {
			f.Add(p+".step", "{value} is not a step of this safari", apperr.Params{"value": strconv.Quote(sl.Step)})
		}
		if seen[sl.Step] {
			f.Add(p+".step", "is logged twice")
		}
		seen[sl.Step] = true
		if utf8.RuneCountInString(sl.DidAndSaid) > 4000 {
			f.Add(p+".did_and_said", "is longer than 4000 characters")
		}
		if len(sl.Observations) > 50 {
			f.Add(p+".observations", "at most 50 per step")
		}
		for j, o := range sl.Observations {
			op := p + ".observations." + strconv.Itoa(j)
			if o.Type != ObsUsability && o.Type != ObsSkillGap && o.Type != ObsWentWell {
				f.Add(op+".type", "must be usability, skill_gap or went_well")
			}
			if (o.Severity < 1 || o.Severity > 3) && (o.Type != ObsWentWell || o.Severity != 0) {
				f.Add(op+".severity", "must be 1, 2 or 3")
			}
			if _, ok := competence(o.Competence); o.Competence != "" && !ok {
				f.Add(op+".competence", "is not a DigComp 2.2 competence (1.1 to 5.4)")
			}
			if o.Note == "" || utf8.RuneCountInString(o.Note) > 2000 {
				f.Add(op+".note", "is required, at most 2000 characters")
			}
		}
	}
	if len(l.Steps) > len(def.Steps) {
		f.Add("steps", "more steps than the safari has")
	}
	if utf8.RuneCountInString(l.Debrief) > 8000 {
		f.Add("debrief", "is longer than 8000 characters")
	}
	if l.Submitted && len(l.Steps) == 0 {
		f.Add("steps", "a submitted log records at least one step")
	}
	return f.Err()
}

// Save creates (id "") or updates one of the actor's safari logs. Submitting writes its
// completed statement once; a submitted log can still be corrected.
//
// Returns validation errors, ErrSafariNotFound, learning.ErrLocked and the course package's
// access errors.
func (s *Safaris) Save(ctx context.Context, actor auth.Principal, id string, in SafariInput) (SafariLog, error) {
	now := s.now().UTC()
	l := SafariLog{ID: id, User: actor.UserID, Course: in.Course, Safari: in.Safari, WithPeer: in.WithPeer, Steps: in.Steps, Debrief: in.Debrief,
		Submitted: in.Submitted, UpdatedAt: now}
	var f apperr.Fields
	if id != "" {
		prev, err := s.Get(ctx, actor, id)
		if err != nil {
			return SafariLog{}, err
		}
		if in.Course != "" && in.Course != prev.Course {
			f.Add("course", "a saved log keeps its course")
		}
		if in.Safari != "" && in.Safari != prev.Safari {
			f.Add("safari", "a saved log keeps its safari")
		}
		l.Course, l.Safari, l.SubmittedAt = prev.Course, prev.Safari, prev.SubmittedAt
		l.Submitted = l.Submitted || prev.Submitted
	} else {
		if in.Course == "" {
			f.Add("course", "is required")
		}
		if in.Safari == "" {
			f.Add("safari", "is required")
		}
		l.ID = uuid.NewString()
	}
	if err := f.Err(); err != nil {
		return SafariLog{}, err
	}
	pub, err := s.courses.Current(ctx, actor, l.Course)
	if err != nil {
		return SafariLog{}, err
	}
	def, ok := safariDef(pub.Course, l.Safari)
	if !ok {
		return SafariLog{}, apperr.Validation(apperr.FieldError{Field: "safari", Message: "no such safari in this course"})
	}
	if err := s.learning.CheckOpen(ctx, actor, l.Course, "safaris", l.Safari); err != nil {
		return SafariLog{}, err
	}
	l.Steps = slices.Clone(l.Steps)
	if l.Steps == nil {
		l.Steps = []StepLog{}
	}
	for i := range l.Steps {
		if l.Steps[i].Observations == nil {
			l.Steps[i].Observations = []Observation{}
		}
	}
	if err := checkLog(def, &l); err != nil {
		return SafariLog{}, err
	}
	if l.Submitted && l.SubmittedAt == nil {
		l.SubmittedAt = &now
	}
	if err := s.store.put(ctx, l); err != nil {
		return SafariLog{}, err
	}
	if l.Submitted {
		if err := recordCompleted(ctx, s.learning, actor, "safari", l.ID, l.Course, "safaris", l.Safari); err != nil {
			return SafariLog{}, err
		}
	}
	return l, nil
}

// ErrNoSafari is a service safari the course does not define.
var ErrNoSafari = apperr.New(apperr.KindNotFound, "safari not found")

// Form returns service safari id ("course:safari") in locale, from the current published
// version the actor may read: the e-service, the instructions and the steps a log records.
//
// Returns ErrNoSafari and the course package's access errors.
func (s *Safaris) Form(ctx context.Context, actor auth.Principal, id, locale string) (*course.SafariForm, error) {
	return readForm(ctx, s.courses, actor, id, locale, s.courses.Renderer().SafariForm, ErrNoSafari)
}

// Get returns one of the actor's own logs.
//
// Returns ErrSafariNotFound.
func (s *Safaris) Get(ctx context.Context, actor auth.Principal, id string) (SafariLog, error) {
	l, err := s.store.get(ctx, id)
	if err != nil {
		return SafariLog{}, err
	}
	if l.User != actor.UserID {
		return SafariLog{}, ErrSafariNotFound
	}
	return l, nil
}

// Mine lists the actor's logs, last updated first.
func (s *Safaris) Mine(ctx context.Context, actor auth.Principal) ([]SafariLog, error) {
	return s.store.mine(ctx, actor.UserID, "")
}

// OfLearner lists a learner's logs in a course, drafts and submitted ones, last updated first,
// for her coach: the caller has decided that the actor coaches her (her cohort's trainers).
func (s *Safaris) OfLearner(ctx context.Context, slug, user string) ([]SafariLog, error) {
	return s.store.mine(ctx, user, slug)
}

// Finding is one kind of observation on one step, summed over submitted logs.
type Finding struct {
	Step        string
	Type        string
	Competence  string
	Count       int
	MaxSeverity int
	Notes       []string // up to five, most severe first
}

// Summary aggregates submitted logs of one safari for trainers: the most frequent usability
// problems, skill gaps and things that went well per step, over the given learners (all when users is nil), and
// counts the logs.
//
// Returns auth.ErrForbidden.
func (s *Safaris) Summary(ctx context.Context, actor auth.Principal, slug, safari string, users []string) ([]Finding, int, error) {
	return s.SummaryFor(ctx, actor, slug, safari, Audience{Users: users})
}

// SummaryFor is Summary over an audience.
func (s *Safaris) SummaryFor(ctx context.Context, actor auth.Principal, slug, safari string, aud Audience) ([]Finding, int, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return nil, 0, err
	}
	logs, err := s.store.submitted(ctx, slug, safari, aud.Users)
	if err != nil {
		return nil, 0, err
	}
	logs = among(aud, logs, func(l SafariLog) string { return l.User })
	type key struct{ step, typ, comp string }
	agg := map[key]*Finding{}
	type note struct {
		sev  int
		text string
	}
	notes := map[key][]note{}
	for _, l := range logs {
		for _, st := range l.Steps {
			for _, o := range st.Observations {
				k := key{st.Step, o.Type, o.Competence}
				f := agg[k]
				if f == nil {
					f = &Finding{Step: st.Step, Type: o.Type, Competence: o.Competence}
					agg[k] = f
				}
				f.Count++
				f.MaxSeverity = max(f.MaxSeverity, o.Severity)
				notes[k] = append(notes[k], note{o.Severity, o.Note})
			}
		}
	}
	out := make([]Finding, 0, len(agg))
	for k, f := range agg {
		ns := notes[k]
		slices.SortStableFunc(ns, func(a, b note) int { return b.sev - a.sev })
		for i := 0; i < len(ns) && i < 5; i++ {
			f.Notes = append(f.Notes, ns[i].text)
		}
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b Finding) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if a.MaxSeverity != b.MaxSeverity {
			return b.MaxSeverity - a.MaxSeverity
		}
		return strings.Compare(a.Step+a.Type+a.Competence, b.Step+b.Type+b.Competence)
	})
	return out, len(logs), nil
}
