package learning

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/mongox"
	"github.com/taito-lms/taito/internal/outbox"
)

// Errors returned by the package.
var (
	ErrConflict = apperr.New(apperr.KindConflict, "a statement with this id exists with other content")
	ErrNotYours = apperr.New(apperr.KindForbidden, "the actor must be you: statements are written by the learner they are about")
	ErrLocked   = apperr.New(apperr.KindConflict, "this lesson is locked")
	ErrTooMany  = apperr.New(apperr.KindTooLarge, "at most 100 statements at a time")
)

// MaxBatch is the most statements one request may carry.
const MaxBatch = 100

// Service is the learning-record capability.
type Service struct {
	store      *store
	courses    *course.Service
	outbox     *outbox.Outbox
	publicURL  string
	now        func() time.Time
	log        *slog.Logger
	schedules  Schedules
	group      groupCommit
	cache      *factsCache
	soleWriter bool
	leased     atomic.Bool // projection writes take a lease (lease.go)

	keyMu sync.Mutex
	key   []byte // see statementKey
}

// Projection cache bounds: about 32 MB of learners' facts; an entry older than the TTL is read
// again, which bounds how long another replica's changes can go unseen by the lock check (a
// sole writer's entries are always current and only age out to make room).
const (
	factsCacheBytes = 32 << 20
	factsTTL        = 2 * time.Minute
	factsTTLSole    = 30 * time.Minute
)

// Schedules gives the module dates that apply to a learner in a course (her cohort's); the
// cohort capability answers it. A nil Schedule means no dates apply.
type Schedules interface {
	Schedule(ctx context.Context, user, slug string) (Schedule, error)
}

// Option adjusts a Service at construction.
type Option func(*settings)

type settings struct {
	maxCacheLifetime time.Duration
}

// MaxCacheLifetime bounds how long a learner's projection is kept in the projection cache: a
// change another replica made is seen here within d. Zero or less keeps the default (2
// minutes, 30 for a sole writer).
func MaxCacheLifetime(d time.Duration) Option {
	return func(o *settings) { o.maxCacheLifetime = d }
}

// NewService returns the learning service over db. schedules may be nil (no dates apply).
// soleWriter says that no other process writes the database (the embedded default, whose data
// directory is locked): then cached projections are known to be current, and an update that
// changes nothing on the cached copy is not written.
func NewService(db *mongo.Database, courses *course.Service, ob *outbox.Outbox, schedules Schedules, publicURL string, soleWriter bool, now func() time.Time, log *slog.Logger, opts ...Option) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var o settings
	for _, opt := range opts {
		opt(&o)
	}
	ttl := factsTTL
	if soleWriter {
		ttl = factsTTLSole
	}
	if o.maxCacheLifetime > 0 {
		ttl = min(ttl, o.maxCacheLifetime)
	}
	return &Service{store: newStore(db), courses: courses, outbox: ob, schedules: schedules,
		publicURL: strings.TrimRight(publicURL, "/"), soleWriter: soleWriter, now: now, log: log, cache: newFactsCache(factsCacheBytes, ttl)}
}

// EnsureIndexes creates the indexes the service needs and the key of its statement ids.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	if err := s.store.ensureIndexes(ctx); err != nil {
		return err
	}
	if err := s.checkWriters(ctx); err != nil {
		return err
	}
	_, err := s.statementKey(ctx)
	return err
}

// IRI returns the activity IRI of a thing in a course: kind "" is the course itself; otherwise
// modules, lessons, quizzes, reflections, assessments or safaris.
func (s *Service) IRI(slug, kind, id string) string {
	if kind == "" {
		return s.publicURL + "/courses/" + slug
	}
	return s.publicURL + "/courses/" + slug + "/" + kind + "/" + id
}

// Ext returns the IRI of one of Taito's xAPI extensions (ExtPosition, ExtAttempt, …).
func (s *Service) Ext(path string) string { return s.publicURL + path }

// Actor returns the xAPI agent of a user.
func (s *Service) Actor(userID string) Agent {
	return Agent{ObjectType: "Agent", Account: &Account{HomePage: s.publicURL, Name: userID}}
}

// target is what a statement is about, in Taito's terms.
type target struct {
	slug, kind, id string
}

func (s *Service) parseIRI(iri string) (target, bool) { return parseIRI(s.publicURL, iri) }

// parseIRI reads the target of an activity IRI built (IRI) on the public URL base.
func parseIRI(base, iri string) (target, bool) {
	rest, ok := strings.CutPrefix(iri, base+"/courses/")
	if !ok || base == "" {
		return target{}, false
	}
	parts := strings.Split(rest, "/")
	switch len(parts) {
	case 1:
		return target{slug: parts[0]}, course.ValidSlug(parts[0])
	case 3:
		switch parts[1] {
		case "modules", "lessons", "quizzes", "reflections", "assessments", "safaris":
			return target{slug: parts[0], kind: parts[1], id: parts[2]}, course.ValidSlug(parts[0]) && parts[2] != ""
		}
	}
	return target{}, false
}

// exists checks a target against the course version.
func exists(co *course.Course, t target) bool {
	switch t.kind {
	case "":
		return true
	case "modules":
		for _, m := range co.Modules {
			if m.ID == t.id {
				return true
			}
		}
	case "lessons":
		_, _, ok := co.Lesson(t.id)
		return ok
	case "quizzes":
		_, ok := co.QuizByID(t.id)
		return ok
	case "reflections":
		for _, r := range co.Reflections {
			if r.ID == t.id {
				return true
			}
		}
	case "assessments":
		for _, a := range co.Assessments {
			if a.ID == t.id {
				return true
			}
		}
	case "safaris":
		for _, x := range co.Safaris {
			if x.ID == t.id {
				return true
			}
		}
	}
	return false
}

// Entry is a statement to record and the hash of what the client sent, which decides whether a
// retry with the same id is the same statement.
type Entry struct {
	Statement Statement
	Hash      string
}

// HashOf hashes a value's JSON form.
func HashOf(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Recorded says what happened to one statement.
type Recorded struct {
	ID        string
	Duplicate bool // the same statement was recorded before; nothing was added
}

// Record records statements a learner's client sent about herself: all of them are checked —
// each statement, each voiding's target, an id the batch has twice with other content, and the
// lock of each thing they are about — before any is written, so that a batch is stored whole
// or not at all (but for an id that the log has with other content, which only the write finds). Each is stored in her log and applied to her progress as far as she may report it
// (see AuthorityLearner). A statement id seen before with the same content succeeds again
// without adding anything; with other content it is ErrConflict. When a write fails the error
// says so and the client retries with the same ids: nothing is lost or counted twice.
//
// Returns validation errors, ErrNotYours, ErrConflict, ErrLocked, ErrTooMany, the voiding errors
// and the course package's access errors.
func (s *Service) Record(ctx context.Context, actor auth.Principal, entries []Entry) ([]Recorded, error) {
	rec, _, err := s.record(ctx, writer{user: actor.UserID, actor: actor, authority: AuthorityLearner}, entries)
	return rec, err
}

// writer is who records: a learner's client (AuthorityLearner, with her principal for her
// course access and locks) or Taito's own services (AuthorityTaito).
type writer struct {
	user      string
	actor     auth.Principal
	authority string
}

func (w writer) judged() bool { return w.authority == AuthorityTaito }

// record is Record and RecordJudged; it also returns the learner's progress in each course it
// touched, as evaluated after the statements were applied.
func (s *Service) record(ctx context.Context, w writer, entries []Entry) ([]Recorded, map[string]Progress, error) {
	if len(entries) == 0 {
		return nil, nil, apperr.New(apperr.KindInvalid, "no statements")
	}
	if len(entries) > MaxBatch {
		return nil, nil, ErrTooMany
	}
	now := s.now().UTC()
	published := map[string]course.Published{}
	targets := make([]target, len(entries))
	hashes := map[string]string{} // id → hash: one id twice with other content refuses the batch
	var f apperr.Fields
	for i := range entries {
		st := &entries[i].Statement
		prefix := ""
		if len(entries) > 1 {
			prefix = strconv.Itoa(i) + "."
		}
		if err := st.Check(now); err != nil {
			var ae *apperr.Error
			if errors.As(err, &ae) {
				for _, fe := range ae.Fields {
					fe.Field = strings.TrimSuffix(prefix+fe.Field, ".")
					f = append(f, fe)
				}
				continue
			}
			return nil, nil, err
		}
		st.stored = now
		if st.Actor.Account == nil || st.Actor.Account.Name != w.user || st.Actor.Account.HomePage != s.publicURL {
			return nil, nil, ErrNotYours
		}
		if st.ID != "" {
			if h, seen := hashes[st.ID]; seen && h != entries[i].Hash {
				return nil, nil, ErrConflict.With(fmt.Errorf("statement %s twice in one batch with other content", st.ID))
			}
			hashes[st.ID] = entries[i].Hash
		}
		if st.Verb.ID == VerbVoided {
			if w.judged() {
				return nil, nil, fmt.Errorf("Taito voids no statement of %s", w.user)
			}
			continue
		}
		t, ok := s.parseIRI(st.Object.ID)
		if !ok {
			f.Add(prefix+"object.id", "is not an activity of this Taito (expected {url}/courses/…)", apperr.Params{"url": s.publicURL})
			continue
		}
		pub, ok := published[t.slug]
		if !ok {
			var p course.Published
			var err error
			if w.judged() {
				p, err = s.courses.Published(ctx, t.slug)
			} else {
				p, err = s.courses.Current(ctx, w.actor, t.slug)
			}
			if err != nil {
				return nil, nil, err
			}
			published[t.slug], pub = p, p
		}
		if !exists(pub.Course, t) {
			f.Add(prefix+"object.id", "{course} has no {kind} {value}", apperr.Params{"course": t.slug, "kind": strings.TrimSuffix(t.kind, "s"), "value": strconv.Quote(t.id)})
			continue
		}
		targets[i] = t
	}
	if err := f.Err(); err != nil {
		return nil, nil, err
	}
	voided := map[int]statementDoc{}
	for i := range entries {
		if entries[i].Statement.Verb.ID == VerbVoided {
			target, err := s.voidable(ctx, w.user, &entries[i])
			if err != nil {
				return nil, nil, err
			}
			voided[i] = target
		}
	}
	if !w.judged() && !lockExempt(w.actor) {
		if err := s.checkBatchLocks(ctx, w.user, published, entries, targets); err != nil {
			return nil, nil, err
		}
	}

	out := make([]Recorded, len(entries))
	var batch []*Entry
	var batchTargets []target
	var batchIdx []int
	for i := range entries {
		e := &entries[i]
		if e.Statement.ID == "" {
			e.Statement.ID = uuid.NewString()
		}
		out[i] = Recorded{ID: e.Statement.ID}
		if e.Statement.Verb.ID == VerbVoided {
			continue
		}
		batch, batchTargets, batchIdx = append(batch, e), append(batchTargets, targets[i]), append(batchIdx, i)
	}
	after := map[string]*Facts{}
	if len(batch) > 0 {
		dups, a, err := s.commit(ctx, w.user, w.authority, batchTargets, batch, now)
		if err != nil {
			return nil, nil, err
		}
		for j, i := range batchIdx {
			out[i].Duplicate = dups[j]
		}
		after = a
	}
	for i := range entries {
		if target, ok := voided[i]; ok {
			if err := s.void(ctx, w.user, &entries[i], target, now); err != nil {
				return nil, nil, err
			}
			delete(after, target.Course) // rebuilt: read it again
		}
	}
	progress := make(map[string]Progress, len(published))
	for slug, pub := range published {
		f, ok := after[slug]
		if !ok {
			var err error
			if f, err = s.Facts(ctx, w.user, slug); err != nil {
				return out, nil, err
			}
		}
		p, err := s.checkCourseCompletion(ctx, w.user, pub, f, now)
		if err != nil {
			return out, nil, err
		}
		progress[slug] = p
	}
	return out, progress, nil
}

// checkBatchLocks refuses a learner's batch with ErrLocked when one of its statements is about a
// lesson or activity locked for her, each checked as the statements before it leave her
// progress.
func (s *Service) checkBatchLocks(ctx context.Context, user string, published map[string]course.Published, entries []Entry, targets []target) error {
	for slug, pub := range published {
		var ts []target
		var us []*update
		for i := range entries {
			if targets[i].slug != slug || entries[i].Statement.Verb.ID == VerbVoided {
				continue
			}
			ts = append(ts, targets[i])
			us = append(us, s.updateFor(targets[i], &entries[i].Statement, false))
		}
		lock, err := s.firstLock(ctx, user, pub, ts, us)
		if err != nil {
			return err
		}
		if lock != nil {
			return locked(ErrLocked, lock, "en")
		}
	}
	return nil
}

// logOne appends a statement to the log; an existing one with the same hash, learner and
// authority is a duplicate.
// t is what it is about, nil for a voiding.
func (s *Service) logOne(ctx context.Context, user, slug string, t *target, e *Entry, now time.Time, authority string, system bool) (duplicate bool, err error) {
	doc, err := s.prepare(user, slug, t, e, now, authority, system)
	if err != nil {
		return false, err
	}
	err = s.store.insertStatement(ctx, doc)
	if !errors.Is(err, mongox.ErrDuplicate) {
		return false, err
	}
	return true, s.duplicate(ctx, user, authority, e)
}

// resultExt returns the value of one of Taito's result extensions (ExtPosition, …) in a
// statement: its key is the IRI built on the public URL the statement was recorded under (its
// base), whatever the public URL is now.
func resultExt(st *Statement, path string) (any, bool) {
	if st.Result == nil || st.Result.Extensions == nil {
		return nil, false
	}
	v, ok := st.Result.Extensions[st.base()+path]
	return v, ok
}

// updateFor builds the projection change of one statement; judged says that Taito's own
// services wrote it. Every operator is idempotent and order-independent: $min and $max of times,
// $max of 30-second buckets, $set of values keyed by the statement or attempt that gave them.
//
// What a statement may change is its authority's: anyone's statement about a lesson keeps when
// it was viewed, marked done, time spent in buckets of the server's clock and where to resume
// (the course's rule decides which of them completes the lesson); quiz attempts, posts, peer
// comments and submitted forms come from judged statements only, whatever a client's verb,
// result or extensions say.
func (s *Service) updateFor(t target, st *Statement, judged bool) *update {
	ts := st.Time()
	u := &update{min: []field{{"first_at", ts}}, max: []field{{"last_at", ts}}}
	verb := st.Verb.ID
	switch t.kind {
	case "lessons":
		p := "lessons." + t.id + "."
		u.min = append(u.min, field{p + "first_at", ts})
		u.max = append(u.max, field{p + "last_at", ts})
		position := ""
		if v, ok := resultExt(st, ExtPosition); ok {
			if n, ok := v.(float64); ok && n >= 0 {
				position = strconv.FormatFloat(n, 'f', -1, 64)
			}
		}
		resume := stamp(ts) + "|" + t.id + "|" + position
		u.max = append(u.max, field{"resume", resume}, field{p + "resume", resume})
		switch verb {
		case VerbExperienced:
			u.min = append(u.min, field{p + "viewed_at", ts})
		case VerbCompleted:
			u.min = append(u.min, field{p + "done_at", ts})
			u.min = append(u.min, field{p + "viewed_at", ts})
		case VerbProgressed:
			if since, ok := spanStart(st, judged); ok {
				u.max = append(u.max, spanCredit(p+"time.", since, st.receivedAt())...)
			} else if st.Result != nil && st.Result.Duration != "" {
				if d, ok := ParseDuration(st.Result.Duration); ok && d > 0 {
					secs := int(min(d, maxBucketCredit) / time.Second)
					u.max = append(u.max, field{p + "time." + bucketKey(st.receivedAt()), secs})
				}
			}
		}
	case "quizzes":
		if judged && (verb == VerbPassed || verb == VerbFailed) && st.Result != nil && st.Result.Score != nil && st.Result.Score.Scaled != nil {
			attempt := st.ID
			if v, ok := resultExt(st, ExtAttempt); ok {
				if a, ok := v.(string); ok && a != "" && !strings.ContainsAny(a, ".$") {
					attempt = a
				}
			}
			u.set = append(u.set, field{"quizzes." + t.id + ".attempts." + attempt,
				AttemptFacts{Scaled: *st.Result.Score.Scaled, Success: verb == VerbPassed, At: ts}})
		}
	case "reflections":
		switch {
		case !judged:
		case verb == VerbAnswered:
			u.set = append(u.set, field{"tasks." + t.id + ".posts." + st.ID, ts})
		case verb == VerbCommented:
			if v, ok := resultExt(st, ExtPeer); ok && v == true {
				u.set = append(u.set, field{"tasks." + t.id + ".comments." + st.ID, ts})
			}
		}
	case "assessments", "safaris":
		if judged && verb == VerbCompleted {
			u.min = append(u.min, field{"forms." + t.id + ".submitted_at", ts})
		}
	}
	return u
}

// Facts returns a learner's projection in a course, or nil when she has not started it.
func (s *Service) Facts(ctx context.Context, user, slug string) (*Facts, error) {
	f, err := s.store.projection(ctx, progressID(user, slug))
	if errors.Is(err, errNoProjection) {
		return nil, nil
	}
	return f, err
}

func (s *Service) scheduleOf(ctx context.Context, user, slug string) (Schedule, error) {
	if s.schedules == nil {
		return nil, nil
	}
	return s.schedules.Schedule(ctx, user, slug)
}

// checkCourseCompletion records the course's completion once it happens: a completed statement
// about the course, with an id derived (StatementID) from learner, course and published version
// so it is written once per version however often this runs, and an outbox job for the
// certificate keyed the same way ("certificate:<user>:<course>:<version>"): completing the same
// version again queues nothing new, completing a later version queues a new certificate.
func (s *Service) checkCourseCompletion(ctx context.Context, user string, pub course.Published, f *Facts, now time.Time) (Progress, error) {
	p, err := s.evaluate(ctx, user, pub, f, now)
	if err != nil {
		return Progress{}, err
	}
	pid := progressID(user, pub.Course.Slug)
	if p.State != StateCompleted {
		return p, nil
	}
	if v, done := s.cache.completed.Load(pid); done && v == pub.Version {
		return p, nil
	}
	ver := strconv.Itoa(pub.Version)
	id, err := s.StatementID(ctx, "course-completed", user, pub.Course.Slug, ver)
	if err != nil {
		return p, err
	}
	st := Statement{ID: id, Actor: s.Actor(user), Verb: Verb{ID: VerbCompleted, Display: map[string]string{"en": "completed", "fi": "suoritti"}},
		Object:    Object{ObjectType: "Activity", ID: s.IRI(pub.Course.Slug, "", ""), Definition: &Definition{Name: map[string]string(pub.Course.Title)}},
		Result:    &Result{Completion: ptr(true)},
		Timestamp: p.CompletedAt.UTC().Format(time.RFC3339Nano)}
	st.timestamp = p.CompletedAt.UTC()
	e := Entry{Statement: st, Hash: "course-completed:" + user + ":" + pub.Course.Slug + ":" + ver}
	if _, err := s.logOne(ctx, user, pub.Course.Slug, &target{slug: pub.Course.Slug}, &e, now, AuthorityTaito, true); err != nil {
		if errors.Is(err, ErrConflict) {
			s.log.Error("the course-completed statement conflicts with the log", "user", user, "course", pub.Course.Slug, "id", id, "err", err)
		}
		return p, fmt.Errorf("record the completion of %s by %s: %w", pub.Course.Slug, user, err)
	}
	if s.outbox != nil {
		key := "certificate:" + user + ":" + pub.Course.Slug + ":" + ver
		payload := map[string]string{"user": user, "course": pub.Course.Slug, "version": ver, "completed_at": p.CompletedAt.UTC().Format(time.RFC3339Nano)}
		if err := s.outbox.EnqueueJob(ctx, key, "certificate", payload); err != nil {
			return p, err
		}
	}
	s.cache.completed.Store(pid, pub.Version)
	return p, nil
}

// void logs a voiding statement of user's, marks its target (checked by voidable) voided and
// recomputes her projection in that course from the log. A marker (see CatchUp) lets a
// catch-up finish a voiding that reached the log when this does not.
func (s *Service) void(ctx context.Context, user string, e *Entry, target statementDoc, now time.Time) error {
	marker := uuid.NewString()
	if err := s.mark(ctx, marker, []statementDoc{{ID: e.Statement.ID, User: user, Course: target.Course}}, target.ID); err != nil {
		return err
	}
	if _, err := s.logOne(ctx, user, target.Course, nil, e, now, AuthorityLearner, false); err != nil {
		return err
	}
	if err := s.store.markVoided(ctx, target.ID); err != nil {
		return err
	}
	if err := s.Rebuild(ctx, user, target.Course); err != nil {
		return err
	}
	s.unmark(ctx, marker)
	return nil
}

// Rebuild recomputes one learner's projection in a course from the log, through the same
// updates as live recording (each with the authority and receive time it was logged with), in
// log order. Each statement's target is the one kept with it (statementDoc.target), so the
// rebuild does not depend on the public URL of the moment.
func (s *Service) Rebuild(ctx context.Context, user, slug string) error {
	id := progressID(user, slug)
	defer s.cache.lock(id)()
	release, err := s.leaseProjection(ctx, id)
	if err != nil {
		return err
	}
	defer release()
	s.cache.drop(id)
	defer s.cache.drop(id) // also what a reader cached while the rebuild was under way
	docs, err := s.store.logOf(ctx, user, slug)
	if err != nil {
		return err
	}
	if err := s.store.deleteProjection(ctx, id); err != nil {
		return err
	}
	for i := range docs {
		st, err := docs[i].statement()
		if err != nil {
			return err
		}
		if st.Verb.ID == VerbVoided {
			continue
		}
		t, ok := docs[i].target(&st, s.publicURL)
		if !ok || t.slug != slug {
			continue
		}
		if err := s.store.applyProjection(ctx, user, t.slug, s.updateFor(t, &st, docs[i].authority() == AuthorityTaito), newRev()); err != nil {
			return err
		}
	}
	return nil
}

// RebuildAll recomputes every projection of a course (every course when slug is empty) and
// returns how many it rebuilt.
func (s *Service) RebuildAll(ctx context.Context, slug string) (int, error) {
	pairs, err := s.store.learnerCourses(ctx, slug)
	if err != nil {
		return 0, err
	}
	for n, p := range pairs {
		if err := s.Rebuild(ctx, p.User, p.Course); err != nil {
			return n, err
		}
	}
	return len(pairs), nil
}
