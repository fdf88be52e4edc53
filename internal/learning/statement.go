// Package learning is the learning record: an append-only log of xAPI statements (the source of
// truth), the per-learner progress projection updated from it with single-document atomic
// operators, completion rules, unlocking, resume, and rebuilding projections from the log.
//
// It never loses or double-counts a learner's work: statement ids make every write idempotent,
// and every projection update converges whatever the order or number of times it is applied.
//
// Every statement has an authority (trust.go). What someone else judges — a quiz passed and its
// score, a post, a comment on a peer's post, a submitted self-assessment or safari log, a
// completed course — counts only from statements Taito's own services write (RecordJudged,
// authority "taito"); a learner's client (Record, LessonEvent) may report only what she alone
// knows: viewed, time (bounded by the server's clock), media position and marked done. Her other
// statements stay in her log without counting. Every write that can advance progress passes one
// lock check (CheckOpen).
//
// The log and the projections do not depend on the public URL (TAITO_PUBLIC_URL), which may
// change: a pilot moves from its first address to its real one, a backup is restored under
// another. Statements keep the IRIs they were recorded with, as xAPI wants, and each log entry
// also keeps what the statement is about in Taito's terms (course, kind and id: targetDoc), so
// that a rebuild reads its target instead of parsing the object's IRI against today's URL.
// Extension values are looked up under the statement's own base, the actor's account home page,
// which was the public URL when it was recorded; so is the target of an entry logged before
// targets were kept. This was chosen over remembering every URL the deployment has had: it needs
// nothing beside the log itself, so a log restored elsewhere or copied between databases
// rebuilds the same projections, and no list can miss an address used by a replica that was
// configured differently. Only new statements must be about the current public URL.
//
// It does not run quizzes or walls (internal/activity writes their statements through
// RecordJudged) nor know about cohorts beyond the opening dates they hand it.
package learning

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/apperr"
)

// Verbs Taito records, from the ADL vocabulary.
const (
	VerbExperienced = "http://adlnet.gov/expapi/verbs/experienced"
	VerbProgressed  = "http://adlnet.gov/expapi/verbs/progressed"
	VerbCompleted   = "http://adlnet.gov/expapi/verbs/completed"
	VerbPassed      = "http://adlnet.gov/expapi/verbs/passed"
	VerbFailed      = "http://adlnet.gov/expapi/verbs/failed"
	VerbAnswered    = "http://adlnet.gov/expapi/verbs/answered"
	VerbCommented   = "http://adlnet.gov/expapi/verbs/commented"
	VerbAttempted   = "http://adlnet.gov/expapi/verbs/attempted"
	VerbVoided      = "http://adlnet.gov/expapi/verbs/voided"
)

var verbs = map[string]string{
	VerbExperienced: "experienced", VerbProgressed: "progressed", VerbCompleted: "completed", VerbPassed: "passed",
	VerbFailed: "failed", VerbAnswered: "answered", VerbCommented: "commented", VerbAttempted: "attempted", VerbVoided: "voided",
}

// VerbName returns the short name of a known verb IRI ("completed"), or "".
func VerbName(iri string) string { return verbs[iri] }

// VerbIRI returns the IRI of a short verb name.
func VerbIRI(name string) string {
	for iri, n := range verbs {
		if n == name {
			return iri
		}
	}
	return ""
}

// XAPIVersion is the version statements are stored as.
const XAPIVersion = "1.0.3"

// Statement is an xAPI statement, limited to the fields Taito accepts.
type Statement struct {
	ID          string    `json:"id,omitempty" bson:"id"`
	Actor       Agent     `json:"actor" bson:"actor"`
	Verb        Verb      `json:"verb" bson:"verb"`
	Object      Object    `json:"object" bson:"object"`
	Result      *Result   `json:"result,omitempty" bson:"result,omitempty"`
	Context     *Context  `json:"context,omitempty" bson:"context,omitempty"`
	Timestamp   string    `json:"timestamp,omitempty" bson:"timestamp"`
	Stored      string    `json:"stored,omitempty" bson:"stored"`
	Authority   *Agent    `json:"authority,omitempty" bson:"authority,omitempty"`
	Version     string    `json:"version,omitempty" bson:"version"`
	Attachments []any     `json:"attachments,omitempty" bson:"-"`
	timestamp   time.Time // parsed
	stored      time.Time // when the server received it: the clock time is credited by
}

// Agent identifies a person by an account on this Taito.
type Agent struct {
	ObjectType string   `json:"objectType,omitempty" bson:"objectType,omitempty"`
	Name       string   `json:"name,omitempty" bson:"name,omitempty"`
	Account    *Account `json:"account,omitempty" bson:"account,omitempty"`
	Mbox       string   `json:"mbox,omitempty" bson:"mbox,omitempty"`
}

// Account is an xAPI account: the user id on this Taito's public URL.
type Account struct {
	HomePage string `json:"homePage" bson:"homePage"`
	Name     string `json:"name" bson:"name"`
}

// Verb is an xAPI verb.
type Verb struct {
	ID      string            `json:"id" bson:"id"`
	Display map[string]string `json:"display,omitempty" bson:"display,omitempty"`
}

// Object is an activity or, for voiding, a statement reference.
type Object struct {
	ObjectType string      `json:"objectType,omitempty" bson:"objectType,omitempty"`
	ID         string      `json:"id" bson:"id"`
	Definition *Definition `json:"definition,omitempty" bson:"definition,omitempty"`
}

// Definition describes an activity.
type Definition struct {
	Name        map[string]string `json:"name,omitempty" bson:"name,omitempty"`
	Description map[string]string `json:"description,omitempty" bson:"description,omitempty"`
	Type        string            `json:"type,omitempty" bson:"type,omitempty"`
}

// Result is the outcome of an experience.
type Result struct {
	Score      *Score         `json:"score,omitempty" bson:"score,omitempty"`
	Success    *bool          `json:"success,omitempty" bson:"success,omitempty"`
	Completion *bool          `json:"completion,omitempty" bson:"completion,omitempty"`
	Response   string         `json:"response,omitempty" bson:"response,omitempty"`
	Duration   string         `json:"duration,omitempty" bson:"duration,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty" bson:"extensions,omitempty"`
}

// Score is a result's score.
type Score struct {
	Scaled *float64 `json:"scaled,omitempty" bson:"scaled,omitempty"`
	Raw    *float64 `json:"raw,omitempty" bson:"raw,omitempty"`
	Min    *float64 `json:"min,omitempty" bson:"min,omitempty"`
	Max    *float64 `json:"max,omitempty" bson:"max,omitempty"`
}

// Context places a statement: the registration (enrolment) and the parent activities.
type Context struct {
	Registration      string             `json:"registration,omitempty" bson:"registration,omitempty"`
	ContextActivities *ContextActivities `json:"contextActivities,omitempty" bson:"contextActivities,omitempty"`
	Platform          string             `json:"platform,omitempty" bson:"platform,omitempty"`
	Language          string             `json:"language,omitempty" bson:"language,omitempty"`
	Extensions        map[string]any     `json:"extensions,omitempty" bson:"extensions,omitempty"`
}

// ContextActivities are related activities.
type ContextActivities struct {
	Parent   []Object `json:"parent,omitempty" bson:"parent,omitempty"`
	Grouping []Object `json:"grouping,omitempty" bson:"grouping,omitempty"`
	Category []Object `json:"category,omitempty" bson:"category,omitempty"`
	Other    []Object `json:"other,omitempty" bson:"other,omitempty"`
}

// Extension IRIs Taito defines, relative to the public URL.
const (
	ExtPosition = "/xapi/extensions/position" // media or scroll position to resume at (number)
	ExtAttempt  = "/xapi/extensions/attempt"  // quiz attempt id
	ExtPeer     = "/xapi/extensions/peer"     // a comment on another learner's post (true)
	ExtQuestion = "/xapi/extensions/question" // the quiz question an answered statement is about
	ExtSince    = "/xapi/extensions/since"    // the server's time a page-time span began (RFC 3339), Taito's own
)

// maxFuture is how far ahead of the server's clock a timestamp may be.
const maxFuture = 5 * time.Minute

var (
	langTagRE  = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
	durationRE = regexp.MustCompile(`^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)
)

// ParseDuration reads an ISO 8601 duration of days, hours, minutes and seconds.
func ParseDuration(s string) (time.Duration, bool) {
	m := durationRE.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" || strings.HasSuffix(s, "T") {
		return 0, false
	}
	var d float64
	for i, unit := range []float64{86400, 3600, 60, 1} {
		if m[i+1] != "" {
			v, err := strconv.ParseFloat(m[i+1], 64)
			if err != nil {
				return 0, false
			}
			d += v * unit
		}
	}
	if d > 1e7 {
		return 0, false
	}
	return time.Duration(d * float64(time.Second)), true
}

func validIRI(s string) bool {
	if len(s) > 2048 || !utf8.ValidString(s) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

func checkLangMap(f *apperr.Fields, field string, m map[string]string) {
	for k, v := range m {
		if !langTagRE.MatchString(k) {
			f.Add(field, "{value} is not a language tag", apperr.Params{"value": strconv.Quote(k)})
		}
		if len(v) > 2000 {
			f.Add(field+"."+k, "is longer than 2000 bytes")
		}
	}
}

func checkActivity(f *apperr.Fields, field string, o Object) {
	if o.ObjectType != "" && o.ObjectType != "Activity" {
		f.Add(field+".objectType", "must be Activity")
	}
	if !validIRI(o.ID) {
		f.Add(field+".id", "must be an IRI")
	}
	if o.Definition != nil {
		checkLangMap(f, field+".definition.name", o.Definition.Name)
		checkLangMap(f, field+".definition.description", o.Definition.Description)
		if o.Definition.Type != "" && !validIRI(o.Definition.Type) {
			f.Add(field+".definition.type", "must be an IRI")
		}
	}
}

// Check validates a statement by xAPI's rules for the fields Taito accepts and fills in its
// parsed timestamp; now is the server's clock. It does not check who may write it.
func (st *Statement) Check(now time.Time) error {
	var f apperr.Fields
	if st.ID != "" {
		if _, err := uuid.Parse(st.ID); err != nil || len(st.ID) != 36 {
			f.Add("id", "must be a UUID")
		}
	}
	if st.Actor.Account == nil && st.Actor.Mbox == "" {
		f.Add("actor", "must identify the learner by account")
	}
	if st.Actor.ObjectType != "" && st.Actor.ObjectType != "Agent" {
		f.Add("actor.objectType", "must be Agent")
	}
	if st.Actor.Account != nil && (st.Actor.Account.Name == "" || !validIRI(st.Actor.Account.HomePage)) {
		f.Add("actor.account", "needs homePage (an IRI) and name")
	}
	if VerbName(st.Verb.ID) == "" {
		f.Add("verb.id", "must be one of the ADL verbs experienced, progressed, completed, passed, failed, answered, commented, attempted, voided")
	}
	checkLangMap(&f, "verb.display", st.Verb.Display)
	switch {
	case st.Verb.ID == VerbVoided:
		if st.Object.ObjectType != "StatementRef" {
			f.Add("object.objectType", "a voiding statement's object is a StatementRef")
		} else if _, err := uuid.Parse(st.Object.ID); err != nil {
			f.Add("object.id", "must be the UUID of the statement to void")
		}
	case st.Object.ObjectType == "StatementRef":
		f.Add("object.objectType", "only voided takes a StatementRef")
	default:
		checkActivity(&f, "object", st.Object)
	}
	if r := st.Result; r != nil {
		if s := r.Score; s != nil {
			if s.Scaled != nil && (*s.Scaled < -1 || *s.Scaled > 1) {
				f.Add("result.score.scaled", "must be from -1 to 1")
			}
			if s.Min != nil && s.Max != nil && *s.Min > *s.Max {
				f.Add("result.score", "min must not exceed max")
			}
			if s.Raw != nil && ((s.Min != nil && *s.Raw < *s.Min) || (s.Max != nil && *s.Raw > *s.Max)) {
				f.Add("result.score.raw", "must be between min and max")
			}
		}
		if r.Duration != "" {
			if _, ok := ParseDuration(r.Duration); !ok {
				f.Add("result.duration", "must be an ISO 8601 duration such as PT1M30S")
			}
		}
		if len(r.Response) > 4096 {
			f.Add("result.response", "is longer than 4096 bytes")
		}
		for k := range r.Extensions {
			if !validIRI(k) {
				f.Add("result.extensions", "key {value} is not an IRI", apperr.Params{"value": strconv.Quote(k)})
			}
		}
	}
	if c := st.Context; c != nil {
		if c.Registration != "" {
			if _, err := uuid.Parse(c.Registration); err != nil {
				f.Add("context.registration", "must be a UUID")
			}
		}
		if ca := c.ContextActivities; ca != nil {
			for name, list := range map[string][]Object{"parent": ca.Parent, "grouping": ca.Grouping, "category": ca.Category, "other": ca.Other} {
				if len(list) > 20 {
					f.Add("context.contextActivities."+name, "at most 20 activities")
				}
				for i, o := range list {
					checkActivity(&f, fmt.Sprintf("context.contextActivities.%s.%d", name, i), o)
				}
			}
		}
		if c.Language != "" && !langTagRE.MatchString(c.Language) {
			f.Add("context.language", "must be a language tag")
		}
		for k := range c.Extensions {
			if !validIRI(k) {
				f.Add("context.extensions", "key {value} is not an IRI", apperr.Params{"value": strconv.Quote(k)})
			}
		}
	}
	if st.Timestamp != "" {
		ts, err := time.Parse(time.RFC3339Nano, st.Timestamp)
		switch {
		case err != nil:
			f.Add("timestamp", "must be an ISO 8601 date and time with a time zone")
		case ts.After(now.Add(maxFuture)):
			f.Add("timestamp", "is in the future")
		case ts.Year() < 2000:
			f.Add("timestamp", "is too far in the past")
		default:
			st.timestamp = ts.UTC().Truncate(time.Millisecond)
		}
	} else {
		st.timestamp = now.UTC().Truncate(time.Millisecond)
	}
	// The log keeps times to the millisecond (BSON dates), and a rebuild reads them from there:
	// the live projection is made from the same time, or its resume point would differ.
	if st.Version != "" && !strings.HasPrefix(st.Version, "1.0") {
		f.Add("version", "must be 1.0.x")
	}
	if len(st.Attachments) > 0 {
		f.Add("attachments", "are not accepted; upload media through the media API")
	}
	if b, _ := json.Marshal(st); len(b) > 64<<10 {
		f.Add("", "the statement is larger than 64 KiB")
	}
	return f.Err()
}

// base is the public URL the statement was recorded under: the home page of its actor's account,
// which record accepts only when it is the public URL of the moment. Taito's own activity and
// extension IRIs in the statement are built on it.
func (st *Statement) base() string {
	if st.Actor.Account == nil {
		return ""
	}
	return st.Actor.Account.HomePage
}

// Time is the statement's timestamp (when the experience happened).
func (st *Statement) Time() time.Time { return st.timestamp }

// receivedAt is when the server received the statement (its stored time).
func (st *Statement) receivedAt() time.Time { return st.stored }
