package learning

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"
)

// Facts is the progress projection of one learner in one course: only facts that single-document
// operators ($min, $max, $set of a value keyed by its statement) can keep, so that applying the
// same statements in any order, any number of times, gives the same document. Completion, locks
// and percentages are computed from it against the course's rules when read.
//
// Each fact keeps its authority by where it lives: Lessons, Resume and the first and last
// activity are what a learner may report herself (her client's statements and Taito's alike);
// Quizzes, Tasks and Forms are judged facts, written only from statements of AuthorityTaito
// (see updateFor), so a rebuild from the log, which keeps each statement's authority, gives them
// back exactly.
type Facts struct {
	ID      string                  `bson:"_id"` // user:course
	User    string                  `bson:"user"`
	Course  string                  `bson:"course"`
	FirstAt time.Time               `bson:"first_at"`
	LastAt  time.Time               `bson:"last_at"`
	Resume  string                  `bson:"resume,omitempty"`  // "timestamp|lesson|position": the latest wins by $max
	Lessons map[string]*LessonFacts `bson:"lessons,omitempty"` // self-reported
	Quizzes map[string]*QuizFacts   `bson:"quizzes,omitempty"` // judged
	Tasks   map[string]*TaskFacts   `bson:"tasks,omitempty"`   // judged
	Forms   map[string]*FormFacts   `bson:"forms,omitempty"`   // judged: self-assessments and safari logs
	// Rev changes with every write Taito makes to the document: a write made on the strength of
	// a cached copy names the revision it saw, so that a copy another writer has overtaken is
	// noticed rather than trusted.
	Rev string `bson:"rev,omitempty"`
}

// LessonFacts are what happened on one lesson.
type LessonFacts struct {
	FirstAt  time.Time      `bson:"first_at"`
	LastAt   time.Time      `bson:"last_at"`
	ViewedAt time.Time      `bson:"viewed_at,omitempty"`
	DoneAt   time.Time      `bson:"done_at,omitempty"`
	Time     map[string]int `bson:"time,omitempty"` // 30-second bucket of the server's receive time → seconds credited in it (max, at most maxBucketCredit)
	Resume   string         `bson:"resume,omitempty"`
}

// QuizFacts are a learner's graded attempts at a quiz, by attempt id.
type QuizFacts struct {
	Attempts map[string]AttemptFacts `bson:"attempts"`
}

// AttemptFacts is one graded attempt.
type AttemptFacts struct {
	Scaled  float64   `bson:"scaled"`
	Success bool      `bson:"success"`
	At      time.Time `bson:"at"`
}

// TaskFacts are a learner's posts on a reflection wall and comments on other people's posts,
// by statement id.
type TaskFacts struct {
	Posts    map[string]time.Time `bson:"posts,omitempty"`
	Comments map[string]time.Time `bson:"comments,omitempty"`
}

// FormFacts is when a self-assessment or safari log was first submitted.
type FormFacts struct {
	SubmittedAt time.Time `bson:"submitted_at"`
}

// bucket is the 30-second slot a moment falls in.
const bucket = 30 * time.Second

func bucketKey(t time.Time) string { return strconv.FormatInt(t.Unix()/int64(bucket/time.Second), 10) }

// Seconds sums the time spent on a lesson.
func (l *LessonFacts) Seconds() int {
	n := 0
	for _, s := range l.Time {
		n += s
	}
	return n
}

// secondsReachedAt returns when the summed time first reached want, walking the buckets in time
// order, or false.
func (l *LessonFacts) secondsReachedAt(want int) (time.Time, bool) {
	keys := make([]int64, 0, len(l.Time))
	for k := range l.Time {
		n, _ := strconv.ParseInt(k, 10, 64)
		keys = append(keys, n)
	}
	sortInt64(keys)
	sum := 0
	for _, k := range keys {
		sum += l.Time[strconv.FormatInt(k, 10)]
		if sum >= want {
			return time.Unix(k*int64(bucket/time.Second), 0).UTC().Add(bucket), true
		}
	}
	return time.Time{}, false
}

func sortInt64(a []int64) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// resumePoint splits a "timestamp|lesson|position" string.
func resumePoint(s string) (lesson string, position float64) {
	parts := strings.SplitN(s, "|", 3)
	if len(parts) < 2 {
		return "", 0
	}
	if len(parts) == 3 {
		position, _ = strconv.ParseFloat(parts[2], 64)
	}
	return parts[1], position
}

// update is the projection change one statement makes: the fields it lowers ($min), raises
// ($max) and sets, by field path of the stored document. The store writes it (see updateDoc);
// applyTo makes the same change on an in-process copy.
type update struct {
	min, max, set []field
}

// field is one field of the projection, by its dotted path, and the value an update gives it.
type field struct {
	path  string
	value any
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// clone returns a deep copy of f (a new empty projection when f is nil).
func (f *Facts) clone(user, course string) *Facts {
	if f == nil {
		return &Facts{ID: progressID(user, course), User: user, Course: course}
	}
	c := *f
	c.Lessons = cloneMap(f.Lessons, func(l *LessonFacts) *LessonFacts {
		x := *l
		x.Time = maps.Clone(l.Time)
		return &x
	})
	c.Quizzes = cloneMap(f.Quizzes, func(q *QuizFacts) *QuizFacts { return &QuizFacts{Attempts: maps.Clone(q.Attempts)} })
	c.Tasks = cloneMap(f.Tasks, func(t *TaskFacts) *TaskFacts {
		return &TaskFacts{Posts: maps.Clone(t.Posts), Comments: maps.Clone(t.Comments)}
	})
	c.Forms = cloneMap(f.Forms, func(x *FormFacts) *FormFacts { y := *x; return &y })
	return &c
}

func cloneMap[V any](m map[string]V, cp func(V) V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = cp(v)
	}
	return out
}

// applyTo makes on f the change u makes on the stored document, with the server's rules ($min
// and $max keep the smaller or larger value, a missing field takes any value, times are kept
// to the millisecond as the database keeps them), and reports whether anything changed. It
// knows every field path updateFor writes; an unknown path is an error, so that the in-process
// copy can never quietly drift from the stored one.
func (u *update) applyTo(f *Facts) (changed bool, err error) {
	for _, op := range []struct {
		fields []field
		kind   int
	}{{u.min, opMin}, {u.max, opMax}, {u.set, opSet}} {
		for _, e := range op.fields {
			c, err := f.applyField(e.path, e.value, op.kind)
			if err != nil {
				return changed, err
			}
			changed = changed || c
		}
	}
	return changed, nil
}

const (
	opMin = iota
	opMax
	opSet
)

func (f *Facts) applyField(path string, v any, op int) (bool, error) {
	parts := strings.Split(path, ".")
	bad := fmt.Errorf("projection field %q is not known to the in-process copy", path)
	switch {
	case len(parts) == 1:
		switch parts[0] {
		case "first_at":
			return setTime(&f.FirstAt, v, op)
		case "last_at":
			return setTime(&f.LastAt, v, op)
		case "resume":
			return setString(&f.Resume, v, op)
		}
	case parts[0] == "lessons" && len(parts) >= 3:
		if f.Lessons == nil {
			f.Lessons = map[string]*LessonFacts{}
		}
		l := f.Lessons[parts[1]]
		if l == nil {
			l = &LessonFacts{}
			f.Lessons[parts[1]] = l
		}
		switch {
		case len(parts) == 3 && parts[2] == "first_at":
			return setTime(&l.FirstAt, v, op)
		case len(parts) == 3 && parts[2] == "last_at":
			return setTime(&l.LastAt, v, op)
		case len(parts) == 3 && parts[2] == "viewed_at":
			return setTime(&l.ViewedAt, v, op)
		case len(parts) == 3 && parts[2] == "done_at":
			return setTime(&l.DoneAt, v, op)
		case len(parts) == 3 && parts[2] == "resume":
			return setString(&l.Resume, v, op)
		case len(parts) == 4 && parts[2] == "time":
			n, ok := v.(int)
			if !ok || op != opMax {
				return false, bad
			}
			if l.Time == nil {
				l.Time = map[string]int{}
			}
			if old, ok := l.Time[parts[3]]; ok && old >= n {
				return false, nil
			}
			l.Time[parts[3]] = n
			return true, nil
		}
	case parts[0] == "quizzes" && len(parts) == 4 && parts[2] == "attempts":
		a, ok := v.(AttemptFacts)
		if !ok || op != opSet {
			return false, bad
		}
		if f.Quizzes == nil {
			f.Quizzes = map[string]*QuizFacts{}
		}
		q := f.Quizzes[parts[1]]
		if q == nil {
			q = &QuizFacts{}
			f.Quizzes[parts[1]] = q
		}
		if q.Attempts == nil {
			q.Attempts = map[string]AttemptFacts{}
		}
		a.At = dbTime(a.At)
		if old, ok := q.Attempts[parts[3]]; ok && old.Scaled == a.Scaled && old.Success == a.Success && old.At.Equal(a.At) {
			return false, nil
		}
		q.Attempts[parts[3]] = a
		return true, nil
	case parts[0] == "tasks" && len(parts) == 4 && (parts[2] == "posts" || parts[2] == "comments"):
		t, ok := v.(time.Time)
		if !ok || op != opSet {
			return false, bad
		}
		if f.Tasks == nil {
			f.Tasks = map[string]*TaskFacts{}
		}
		tf := f.Tasks[parts[1]]
		if tf == nil {
			tf = &TaskFacts{}
			f.Tasks[parts[1]] = tf
		}
		m := &tf.Posts
		if parts[2] == "comments" {
			m = &tf.Comments
		}
		if *m == nil {
			*m = map[string]time.Time{}
		}
		t = dbTime(t)
		if old, ok := (*m)[parts[3]]; ok && old.Equal(t) {
			return false, nil
		}
		(*m)[parts[3]] = t
		return true, nil
	case parts[0] == "forms" && len(parts) == 3 && parts[2] == "submitted_at":
		if f.Forms == nil {
			f.Forms = map[string]*FormFacts{}
		}
		x := f.Forms[parts[1]]
		if x == nil {
			x = &FormFacts{}
			f.Forms[parts[1]] = x
		}
		return setTime(&x.SubmittedAt, v, op)
	}
	return false, bad
}

// dbTime is t as the database keeps it: UTC, to the millisecond.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func setTime(dst *time.Time, v any, op int) (bool, error) {
	t, ok := v.(time.Time)
	if !ok {
		return false, fmt.Errorf("projection value %v is not a time", v)
	}
	t = dbTime(t)
	switch {
	case dst.IsZero(),
		op == opMin && t.Before(*dst),
		op == opMax && t.After(*dst),
		op == opSet && !t.Equal(*dst):
		*dst = t
		return true, nil
	}
	return false, nil
}

func setString(dst *string, v any, op int) (bool, error) {
	s, ok := v.(string)
	if !ok {
		return false, fmt.Errorf("projection value %v is not a string", v)
	}
	switch {
	case *dst == "" && s != "",
		op == opMin && s < *dst,
		op == opMax && s > *dst,
		op == opSet && s != *dst:
		*dst = s
		return true, nil
	}
	return false, nil
}
