package learning

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
)

// Authorities: who asserts a statement. The projection credits what someone else judges (quiz
// attempts, posts and peer comments, submitted forms) only from AuthorityTaito; a learner's own
// statements (AuthorityLearner) count only for what she alone can report — viewed, time spent
// (bounded by the server's clock), media position and marked done — and otherwise stay in her
// log without counting.
const (
	AuthorityTaito   = "taito"
	AuthorityLearner = "learner"
)

// Time a client may report: credited per 30-second bucket of the server's receive time (never
// the statement's timestamp), at most the bucket and a little slack for a report that arrives
// late, and the largest report in a bucket wins ($max), so that any delivery order converges.
const (
	bucketSlack     = 5 * time.Second
	maxBucketCredit = bucket + bucketSlack
)

// Errors of the trust model.
var (
	// ErrLessonLocked is a locked lesson's content asked for by a learner.
	ErrLessonLocked = apperr.New(apperr.KindForbidden, "this lesson is locked")
)

// LockedError carries the lock behind ErrLocked (whose message says it in English) and
// ErrLessonLocked (in the reader's locale), so that a front door can say it in any of the
// lock's languages (Lock.Message).
type LockedError struct{ Lock *Lock }

func (e *LockedError) Error() string { return "locked: " + e.Lock.Reason }

// locked returns an instance of sentinel (ErrLocked or ErrLessonLocked) for lock, its message
// in locale (English when the lock has no text in it).
func locked(sentinel *apperr.Error, lock *Lock, locale string) error {
	e := sentinel.With(&LockedError{Lock: lock})
	msg := lock.Message[locale]
	if msg == "" {
		msg = lock.Message["en"]
	}
	e.Message = sentinel.Message + ": " + msg
	return e
}

// secretID is the document of the secrets collection that keeps the key of statement ids.
const secretID = "learning.statement-ids"

// statementKey returns the key statement ids of Taito's own statements are derived from: made
// once by whichever replica asks first and kept in the database, so that every replica (and a
// restored backup) derives the same ids, and no client, which never sees it, can compute one.
//
// Returns an error of apperr.KindUnavailable when the database cannot be reached.
func (s *Service) statementKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("make the statement-id key: %w", err)
	}
	v, err := s.store.secret(ctx, secretID, hex.EncodeToString(fresh))
	if err != nil {
		return nil, err
	}
	k, err := hex.DecodeString(v)
	if err != nil || len(k) < 16 {
		return nil, fmt.Errorf("the statement-id key in the database is malformed")
	}
	s.key = k
	return k, nil
}

// StatementID derives the id of a statement Taito writes from the names that make it unique
// (for example "quiz-result" and the attempt id): the same names give the same id on every
// replica, so a retry writes the statement once, and nobody without the database's key can
// compute it, so no client can claim it first.
func (s *Service) StatementID(ctx context.Context, names ...string) (string, error) {
	k, err := s.statementKey(ctx)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, k)
	for _, n := range names {
		mac.Write([]byte(n))
		mac.Write([]byte{0})
	}
	var id uuid.UUID
	copy(id[:], mac.Sum(nil))
	id[6] = id[6]&0x0f | 0x80 // version 8: application-defined
	id[8] = id[8]&0x3f | 0x80 // RFC 9562 variant
	return id.String(), nil
}

// RecordJudged records statements that Taito's own services write about what they judged — a
// quiz graded, a post or comment written, a self-assessment or safari log submitted — about
// user, who must be each statement's actor. Each statement needs its id from StatementID. These
// are the only statements that credit judged outcomes. The caller has decided that user may
// take part and checked the lock (CheckOpen); nothing is checked against her here.
//
// A statement id that the log has with other content is ErrConflict: it is logged and returned,
// never ignored. Returns validation errors (a bug of the caller) and the course package's
// not-found errors.
func (s *Service) RecordJudged(ctx context.Context, user string, entries []Entry) ([]Recorded, error) {
	for i := range entries {
		if entries[i].Statement.ID == "" {
			return nil, fmt.Errorf("record a judged statement of %s: it has no id (derive it with StatementID)", user)
		}
	}
	rec, _, err := s.record(ctx, writer{user: user, authority: AuthorityTaito}, entries)
	if errors.Is(err, ErrConflict) {
		s.log.Error("a statement Taito writes conflicts with the log", "user", user, "err", err)
	}
	return rec, err
}

// lockExempt says whether locks hold for the actor: they pace learners; trainers and admins
// preview and take part everywhere.
func lockExempt(actor auth.Principal) bool { return actor.IsTrainer() || actor.IsAdmin() }

// CheckOpen is the one lock check of every write that can advance a learner's progress: it
// refuses, with ErrLocked whose LockedError says why, a write about something of a course's
// current version that is locked for the actor. kind "lessons" names a lesson; "quizzes",
// "reflections", "assessments" or "safaris" an activity, which is open while any lesson that
// uses it is open (one no lesson uses is open). Trainers and admins are not held by locks.
//
// Returns ErrLocked and the course package's access and not-found errors.
func (s *Service) CheckOpen(ctx context.Context, actor auth.Principal, slug, kind, id string) error {
	lock, err := s.lockFor(ctx, actor, slug, kind, id)
	if err != nil || lock == nil {
		return err
	}
	return locked(ErrLocked, lock, "en")
}

// CheckReadable refuses a locked lesson's content to a learner with ErrLessonLocked, whose
// message gives the reason in locale. Trainers and admins read everything.
//
// Returns ErrLessonLocked, course.ErrLessonNotFound and the course package's access errors.
func (s *Service) CheckReadable(ctx context.Context, actor auth.Principal, slug, lesson, locale string) error {
	lock, err := s.lockFor(ctx, actor, slug, "lessons", lesson)
	if err != nil || lock == nil {
		return err
	}
	return locked(ErrLessonLocked, lock, locale)
}

// lockFor returns the lock of a lesson or activity of a course's current version for the actor,
// or nil when it is open (always to trainers and admins).
func (s *Service) lockFor(ctx context.Context, actor auth.Principal, slug, kind, id string) (*Lock, error) {
	if lockExempt(actor) {
		return nil, nil
	}
	pub, err := s.courses.Current(ctx, actor, slug)
	if err != nil {
		return nil, err
	}
	if _, _, ok := pub.Course.Lesson(id); kind == "lessons" && !ok {
		return nil, course.ErrLessonNotFound
	}
	return s.firstLock(ctx, actor.UserID, pub, []target{{slug: slug, kind: kind, id: id}}, nil)
}

// firstLock returns the lock of the first of ts (things of pub's course) that is locked for the
// learner, or nil when all are open. When us is given, us[i] (which may be nil) is applied to a
// copy of her progress after ts[i] is checked, so that a batch may open what its later
// statements need. It checks her cached projection first; a refusal is checked again against
// the current one, so that it never rests on a copy that may be behind.
func (s *Service) firstLock(ctx context.Context, user string, pub course.Published, ts []target, us []*update) (*Lock, error) {
	sched, err := s.scheduleOf(ctx, user, pub.Course.Slug)
	if err != nil {
		return nil, err
	}
	now := s.now()
	// Locks only open as facts are added, so what is open to a learner with none is open to her.
	if lock, err := lockAmong(pub, user, nil, sched, now, ts, us); err != nil || lock == nil {
		return nil, err
	}
	if f, ok := s.cache.get(progressID(user, pub.Course.Slug), time.Now()); ok {
		lock, err := lockAmong(pub, user, f, sched, now, ts, us)
		if err != nil || lock == nil {
			return nil, err
		}
	}
	f, err := s.current(ctx, user, pub.Course.Slug)
	if err != nil {
		return nil, err
	}
	return lockAmong(pub, user, f, sched, now, ts, us)
}

func lockAmong(pub course.Published, user string, f *Facts, sched Schedule, now time.Time, ts []target, us []*update) (*Lock, error) {
	if us != nil {
		f = f.clone(user, pub.Course.Slug)
	}
	var p Progress
	stale := true
	for i, t := range ts {
		if t.kind != "" && t.kind != "modules" {
			if stale {
				p, stale = Evaluate(pub.Course, pub.Version, f, sched, now), false
			}
			if lock := targetLock(pub.Course, p, t); lock != nil {
				return lock, nil
			}
		}
		if us != nil && us[i] != nil {
			changed, err := us[i].applyTo(f)
			if err != nil {
				return nil, err
			}
			stale = stale || changed
		}
	}
	return nil, nil
}

// targetLock is the lock of a lesson or activity in p: an activity is locked only when every
// lesson that uses it is.
func targetLock(co *course.Course, p Progress, t target) *Lock {
	if t.kind == "lessons" {
		return p.LockOf(t.id)
	}
	var first *Lock
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			if !uses(l, t.kind, t.id) {
				continue
			}
			lock := p.LockOf(l.ID)
			if lock == nil {
				return nil
			}
			if first == nil {
				first = lock
			}
		}
	}
	return first
}

// uses reports whether a lesson uses an activity: its completion rule or one of its blocks
// names it.
func uses(l course.Lesson, kind, id string) bool {
	names := func(quiz, task, assessment, safari string) bool {
		switch kind {
		case "quizzes":
			return quiz == id
		case "reflections":
			return task == id
		case "assessments":
			return assessment == id
		case "safaris":
			return safari == id
		}
		return false
	}
	r := l.Completion
	if names(r.Quiz, r.Task, r.Assessment, r.Safari) {
		return true
	}
	for _, b := range l.Blocks {
		if names(b.Quiz, b.Task, b.Assessment, b.Safari) {
			return true
		}
	}
	return false
}

// voidable returns the statement a voiding statement of user's voids: hers, in the log, and
// neither a voiding, a consequence Taito recorded, nor a statement Taito judged.
//
// Returns errNoStatement and an error of apperr.KindConflict.
func (s *Service) voidable(ctx context.Context, user string, e *Entry) (statementDoc, error) {
	target, err := s.store.statement(ctx, e.Statement.Object.ID)
	if err == nil && target.User != user {
		err = errNoStatement
	}
	if err != nil {
		return target, err
	}
	if target.Verb == "voided" || target.System || target.authority() == AuthorityTaito {
		return target, apperr.New(apperr.KindConflict, "this statement cannot be voided")
	}
	return target, nil
}

// authorityAgent is the xAPI authority of a statement: Taito for its own, the learner for hers.
func (s *Service) authorityAgent(user, authority string) *Agent {
	if authority == AuthorityTaito {
		return &Agent{ObjectType: "Agent", Name: "Taito", Account: &Account{HomePage: s.publicURL, Name: "taito"}}
	}
	a := s.Actor(user)
	return &a
}

// MaxPageSpan bounds the time one page view credits without a script (CreditPageTime): a page
// left open on a shared computer does not count for longer.
const MaxPageSpan = 30 * time.Minute

// CreditPageTime credits the time a learner had a lesson's page open, measured by the server's
// clock from since (when Taito served the page) to now (her next page): for browsers without
// scripts, which send no heartbeats. It is a statement Taito asserts, crediting each 30-second
// bucket of the span with at most its own length, the same bound heartbeats have, so that a span
// and heartbeats over the same time count it once ($max per bucket). A span longer than
// MaxPageSpan counts its last MaxPageSpan. The same page view (user, lesson, since) is credited
// once, however often it is sent.
//
// Returns ErrLocked and the course package's access and not-found errors.
func (s *Service) CreditPageTime(ctx context.Context, actor auth.Principal, slug, lesson string, since time.Time) error {
	now := s.now().UTC()
	since = since.UTC()
	if !since.Before(now.Add(-time.Second)) {
		return nil
	}
	since = later(since, now.Add(-MaxPageSpan))
	if err := s.CheckOpen(ctx, actor, slug, "lessons", lesson); err != nil {
		return err
	}
	pub, err := s.courses.Current(ctx, actor, slug)
	if err != nil {
		return err
	}
	m, l, ok := pub.Course.Lesson(lesson)
	if !ok {
		return course.ErrLessonNotFound
	}
	stamp := since.Format(time.RFC3339Nano)
	id, err := s.StatementID(ctx, "page-time", actor.UserID, slug, lesson, stamp)
	if err != nil {
		return err
	}
	secs := int(now.Sub(since) / time.Second)
	st := Statement{ID: id, Actor: s.Actor(actor.UserID), Verb: Verb{ID: VerbProgressed, Display: map[string]string{"en": VerbName(VerbProgressed)}},
		Object: Object{ObjectType: "Activity", ID: s.IRI(slug, "lessons", lesson), Definition: &Definition{Name: map[string]string(l.Title), Type: "http://adlnet.gov/expapi/activities/lesson"}},
		Context: &Context{ContextActivities: &ContextActivities{
			Parent:   []Object{{ObjectType: "Activity", ID: s.IRI(slug, "modules", m.ID)}},
			Grouping: []Object{{ObjectType: "Activity", ID: s.IRI(slug, "", "")}},
		}},
		Result: &Result{Duration: "PT" + strconv.Itoa(secs) + "S", Extensions: map[string]any{s.publicURL + ExtSince: stamp}}}
	_, err = s.RecordJudged(ctx, actor.UserID, []Entry{{Statement: st, Hash: HashOf([]any{"page-time", slug, lesson, stamp})}})
	return err
}

// spanStart is the start of a page-time span (CreditPageTime): only Taito's own statements
// carry one that counts.
func spanStart(st *Statement, judged bool) (time.Time, bool) {
	if !judged {
		return time.Time{}, false
	}
	v, ok := resultExt(st, ExtSince)
	if !ok {
		return time.Time{}, false
	}
	str, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, str)
	if err != nil || !t.Before(st.receivedAt()) {
		return time.Time{}, false
	}
	return t, true
}

// spanCredit credits each 30-second bucket of the server's clock from since to until with the
// seconds of the span inside it, at most MaxPageSpan in all.
func spanCredit(prefix string, since, until time.Time) []field {
	since = later(since, until.Add(-MaxPageSpan))
	var out []field
	for start := since.Truncate(bucket); start.Before(until); start = start.Add(bucket) {
		from, to := later(start, since), start.Add(bucket)
		if until.Before(to) {
			to = until
		}
		if secs := int(to.Sub(from) / time.Second); secs > 0 {
			out = append(out, field{prefix + bucketKey(start), secs})
		}
	}
	return out
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
