package learning

import (
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Facts is the progress projection of one learner in one course: only facts that single-document
// operators ($min, $max, $set of a value keyed by its statement) can keep, so that applying the
// same statements in any order, any number of times, gives the same document. Completion, locks
// and percentages are computed from it against the course's rules when read.
type Facts struct {
	ID      string                  `bson:"_id"` // user:course
	User    string                  `bson:"user"`
	Course  string                  `bson:"course"`
	FirstAt time.Time               `bson:"first_at"`
	LastAt  time.Time               `bson:"last_at"`
	Resume  string                  `bson:"resume,omitempty"` // "timestamp|lesson|position": the latest wins by $max
	Lessons map[string]*LessonFacts `bson:"lessons,omitempty"`
	Quizzes map[string]*QuizFacts   `bson:"quizzes,omitempty"`
	Tasks   map[string]*TaskFacts   `bson:"tasks,omitempty"`
	Forms   map[string]*FormFacts   `bson:"forms,omitempty"` // self-assessments and safari logs
}

// LessonFacts are what happened on one lesson.
type LessonFacts struct {
	FirstAt  time.Time      `bson:"first_at"`
	LastAt   time.Time      `bson:"last_at"`
	ViewedAt time.Time      `bson:"viewed_at,omitempty"`
	DoneAt   time.Time      `bson:"done_at,omitempty"`
	Time     map[string]int `bson:"time,omitempty"` // 30-second bucket → seconds spent in it (max)
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

// update is the projection change one statement makes.
type update struct {
	min, max, set bson.D
}

func (u *update) doc(user, course string) bson.D {
	d := bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "user", Value: user}, {Key: "course", Value: course}}}}
	if len(u.min) > 0 {
		d = append(d, bson.E{Key: "$min", Value: u.min})
	}
	if len(u.max) > 0 {
		d = append(d, bson.E{Key: "$max", Value: u.max})
	}
	if len(u.set) > 0 {
		d = append(d, bson.E{Key: "$set", Value: u.set})
	}
	return d
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }
