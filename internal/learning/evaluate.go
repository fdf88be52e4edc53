package learning

import (
	"slices"
	"time"

	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/notify"
)

// Lesson and course states.
const (
	StateNotStarted = "not_started"
	StateInProgress = "in_progress"
	StateCompleted  = "completed"
)

// Lock reasons.
const (
	LockPrerequisite = "prerequisite" // a module must be completed first
	LockSequence     = "sequence"     // the previous lesson must be completed first
	LockSchedule     = "schedule"     // the module opens on a date
)

// Lock says why something cannot be opened yet, for machines and, localised, for people.
type Lock struct {
	Reason  string            `json:"reason"`
	Module  string            `json:"module,omitempty"` // the prerequisite module
	Lesson  string            `json:"lesson,omitempty"` // the previous lesson
	Opens   *time.Time        `json:"opens,omitempty"`
	Message map[string]string `json:"message"` // fi, sv, en
}

// LessonProgress is a lesson's state for one learner.
type LessonProgress struct {
	ID          string     `json:"id"`
	State       string     `json:"state"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	Seconds     int        `json:"seconds"`
	BestScore   *float64   `json:"best_score,omitempty"`
	Attempts    int        `json:"attempts"`
	Optional    bool       `json:"optional"`
	Lock        *Lock      `json:"lock,omitempty"`
}

// ModuleProgress is a module's state for one learner.
type ModuleProgress struct {
	ID          string           `json:"id"`
	State       string           `json:"state"`
	CompletedAt *time.Time       `json:"completed_at,omitempty"`
	Required    int              `json:"required"`
	Completed   int              `json:"completed"`
	Opens       *time.Time       `json:"opens,omitempty"`
	Due         *time.Time       `json:"due,omitempty"`
	Lock        *Lock            `json:"lock,omitempty"`
	Lessons     []LessonProgress `json:"lessons"`
}

// Progress is one learner's whole state in a course version.
type Progress struct {
	Course      string           `json:"course"`
	Version     int              `json:"version"`
	State       string           `json:"state"`
	Percent     int              `json:"percent"`
	CompletedAt *time.Time       `json:"completed_at,omitempty"`
	FirstAt     *time.Time       `json:"first_activity,omitempty"`
	LastAt      *time.Time       `json:"last_activity,omitempty"`
	Seconds     int              `json:"seconds"`
	Resume      *ResumePoint     `json:"resume,omitempty"`
	Next        string           `json:"next_lesson,omitempty"`
	Modules     []ModuleProgress `json:"modules"`
}

// ResumePoint is where the learner left off.
type ResumePoint struct {
	Lesson   string  `json:"lesson"`
	Position float64 `json:"position"`
}

// Schedule gives modules opening and due dates (from a cohort); nil means self-paced.
type Schedule map[string]ModuleDates

// ModuleDates are one module's dates.
type ModuleDates struct {
	Opens time.Time
	Due   time.Time
}

func ptr[T any](v T) *T { return &v }

func prerequisiteLock(m course.Module) *Lock {
	return &Lock{Reason: LockPrerequisite, Module: m.ID, Message: map[string]string{
		"fi": "Suorita ensin moduuli " + m.Title.Get("fi") + ".",
		"sv": "Slutför först modulen " + m.Title.Get("sv") + ".",
		"en": "Complete the module " + m.Title.Get("en") + " first.",
	}}
}

func sequenceLock(l course.Lesson) *Lock {
	return &Lock{Reason: LockSequence, Lesson: l.ID, Message: map[string]string{
		"fi": "Suorita ensin oppitunti " + l.Title.Get("fi") + ".",
		"sv": "Slutför först lektionen " + l.Title.Get("sv") + ".",
		"en": "Complete the lesson " + l.Title.Get("en") + " first.",
	}}
}

func scheduleLock(opens time.Time) *Lock {
	return &Lock{Reason: LockSchedule, Opens: ptr(opens), Message: map[string]string{
		"fi": "Avautuu " + notify.Date(opens, "fi") + ".",
		"sv": "Öppnas " + notify.Date(opens, "sv") + ".",
		"en": "Opens on " + notify.Date(opens, "en") + ".",
	}}
}

// lessonDone reports whether and when a lesson's completion rule is met.
func lessonDone(co *course.Course, l course.Lesson, f *Facts) (time.Time, bool) {
	lf := f.Lessons[l.ID]
	r := l.Completion
	switch r.Rule {
	case course.RuleViewed:
		if lf != nil && !lf.ViewedAt.IsZero() {
			return lf.ViewedAt, true
		}
	case course.RuleViewedSeconds:
		if lf != nil {
			return lf.secondsReachedAt(r.Seconds)
		}
	case course.RuleMarkedDone:
		if lf != nil && !lf.DoneAt.IsZero() {
			return lf.DoneAt, true
		}
	case course.RuleQuizPassed:
		q := f.Quizzes[r.Quiz]
		if q == nil {
			return time.Time{}, false
		}
		threshold := r.Score
		if threshold == 0 {
			if def, ok := co.QuizByID(r.Quiz); ok {
				threshold = def.PassScore
			}
		}
		var best time.Time
		for _, a := range q.Attempts {
			if a.Scaled >= threshold-1e-9 && (best.IsZero() || a.At.Before(best)) {
				best = a.At
			}
		}
		return best, !best.IsZero()
	case course.RuleReflectionPosted:
		t := f.Tasks[r.Task]
		if t == nil || len(t.Posts) == 0 {
			return time.Time{}, false
		}
		posts := sortedTimes(t.Posts)
		done := posts[0]
		if r.Comments > 0 {
			comments := sortedTimes(t.Comments)
			if len(comments) < r.Comments {
				return time.Time{}, false
			}
			if c := comments[r.Comments-1]; c.After(done) {
				done = c
			}
		}
		return done, true
	case course.RuleAssessmentSubmitted:
		if ff := f.Forms[r.Assessment]; ff != nil && !ff.SubmittedAt.IsZero() {
			return ff.SubmittedAt, true
		}
	case course.RuleSafariSubmitted:
		if ff := f.Forms[r.Safari]; ff != nil && !ff.SubmittedAt.IsZero() {
			return ff.SubmittedAt, true
		}
	}
	return time.Time{}, false
}

// activityStarted reports whether the learner has begun the activity a lesson's rule is about.
func activityStarted(r course.Rule, f *Facts) bool {
	switch r.Rule {
	case course.RuleReflectionPosted:
		t := f.Tasks[r.Task]
		return t != nil && (len(t.Posts) > 0 || len(t.Comments) > 0)
	}
	return false
}

func sortedTimes(m map[string]time.Time) []time.Time {
	out := make([]time.Time, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// Evaluate computes a learner's progress in a course version from her facts: lesson, module and
// course completion with the time each happened, locks with their reasons, percent, time spent,
// and where to resume. Lessons the version no longer has are ignored. f may be nil (not started).
func Evaluate(co *course.Course, version int, f *Facts, sched Schedule, now time.Time) Progress {
	if f == nil {
		f = &Facts{}
	}
	p := Progress{Course: co.Slug, Version: version, State: StateNotStarted, Modules: make([]ModuleProgress, 0, len(co.Modules))}
	if !f.FirstAt.IsZero() {
		p.FirstAt, p.LastAt = ptr(f.FirstAt), ptr(f.LastAt)
	}
	moduleDone := map[string]time.Time{}
	totalRequired, totalDone := 0, 0
	courseDone := time.Time{}
	allModulesDone := true
	for _, m := range co.Modules {
		mp := ModuleProgress{ID: m.ID, State: StateNotStarted, Lessons: make([]LessonProgress, 0, len(m.Lessons))}
		if d, ok := sched[m.ID]; ok {
			if !d.Opens.IsZero() {
				mp.Opens = ptr(d.Opens)
			}
			if !d.Due.IsZero() {
				mp.Due = ptr(d.Due)
			}
		}
		for _, pre := range m.Prerequisites {
			if _, ok := moduleDone[pre]; !ok {
				for _, pm := range co.Modules {
					if pm.ID == pre {
						mp.Lock = prerequisiteLock(pm)
					}
				}
				break
			}
		}
		if mp.Lock == nil && mp.Opens != nil && now.Before(*mp.Opens) {
			mp.Lock = scheduleLock(*mp.Opens)
		}
		var doneTimes []time.Time
		prevDone := true
		var prev course.Lesson
		for i, l := range m.Lessons {
			lp := LessonProgress{ID: l.ID, State: StateNotStarted, Optional: l.Optional}
			if lf := f.Lessons[l.ID]; lf != nil {
				lp.State = StateInProgress
				lp.Seconds = lf.Seconds()
				p.Seconds += lp.Seconds
			}
			if l.Completion.Rule == course.RuleQuizPassed {
				if q := f.Quizzes[l.Completion.Quiz]; q != nil {
					lp.Attempts = len(q.Attempts)
					for _, a := range q.Attempts {
						if lp.BestScore == nil || a.Scaled > *lp.BestScore {
							lp.BestScore = ptr(a.Scaled)
						}
					}
					if lp.State == StateNotStarted {
						lp.State = StateInProgress
					}
				}
			}
			if lp.State == StateNotStarted && activityStarted(l.Completion, f) {
				lp.State = StateInProgress
			}
			if at, ok := lessonDone(co, l, f); ok {
				lp.State, lp.CompletedAt = StateCompleted, ptr(at)
				if !l.Optional {
					doneTimes = append(doneTimes, at)
				}
			}
			switch {
			case mp.Lock != nil:
				lp.Lock = mp.Lock
			case m.Sequential && i > 0 && !prevDone:
				lp.Lock = sequenceLock(prev)
			}
			if !l.Optional {
				prevDone = lp.State == StateCompleted
				prev = l
				mp.Required++
			}
			if lp.State != StateNotStarted && mp.State == StateNotStarted {
				mp.State = StateInProgress
			}
			mp.Lessons = append(mp.Lessons, lp)
		}
		need := mp.Required
		if m.Required > 0 {
			need = m.Required
		}
		mp.Completed = len(doneTimes)
		totalRequired += need
		totalDone += min(len(doneTimes), need)
		if len(doneTimes) >= need {
			slices.SortFunc(doneTimes, func(a, b time.Time) int { return a.Compare(b) })
			at := time.Time{}
			if need > 0 {
				at = doneTimes[need-1]
			}
			mp.State, mp.CompletedAt = StateCompleted, ptr(at)
			moduleDone[m.ID] = at
			if at.After(courseDone) {
				courseDone = at
			}
		} else {
			allModulesDone = false
		}
		p.Modules = append(p.Modules, mp)
	}
	if totalRequired > 0 {
		p.Percent = totalDone * 100 / totalRequired
	}
	switch {
	case allModulesDone && len(co.Modules) > 0:
		p.State, p.CompletedAt, p.Percent = StateCompleted, ptr(courseDone), 100
	case !f.FirstAt.IsZero():
		p.State = StateInProgress
	}
	if f.Resume != "" {
		if l, pos := resumePoint(f.Resume); l != "" {
			if _, _, ok := co.Lesson(l); ok {
				p.Resume = &ResumePoint{Lesson: l, Position: pos}
			}
		}
	}
	for _, m := range p.Modules {
		for _, l := range m.Lessons {
			if p.Next == "" && l.State != StateCompleted && l.Lock == nil {
				p.Next = l.ID
			}
		}
	}
	return p
}

// LockOf returns the lock of a lesson in p, or nil.
func (p Progress) LockOf(lesson string) *Lock {
	for _, m := range p.Modules {
		for _, l := range m.Lessons {
			if l.ID == lesson {
				return l.Lock
			}
		}
	}
	return nil
}
