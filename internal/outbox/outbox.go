// Package outbox is Taito's durable job queue in MongoDB: messages (e-mail today) are written
// here in the same request that causes them, and delivered later, retried until done.
//
// A job's _id is its idempotency key, so queueing the same message twice stores it once. This
// package stores and lists jobs; it does not decide who may read them (callers check with
// internal/auth) and it has no in-memory queue.
package outbox

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
)

// Email is a message to one recipient, already rendered in the recipient's language.
type Email struct {
	To      string `bson:"to"`
	Subject string `bson:"subject"`
	Text    string `bson:"text"`
	HTML    string `bson:"html,omitempty"`
	Locale  string `bson:"locale"`
	// Unsubscribe, when set, is the link that stops reminders (List-Unsubscribe header).
	Unsubscribe string `bson:"unsubscribe,omitempty"`
}

// Job states.
const (
	StatePending = "pending"
	StateDone    = "done"
	StateFailed  = "failed"
)

// Job is one unit of durable work.
type Job struct {
	ID        string            `bson:"_id"`
	Kind      string            `bson:"kind"` // "email"
	Email     *Email            `bson:"email,omitempty"`
	Payload   map[string]string `bson:"payload,omitempty"`
	State     string            `bson:"state"`
	Attempts  int               `bson:"attempts"`
	NextRunAt time.Time         `bson:"next_run_at"`
	LastError string            `bson:"last_error,omitempty"`
	CreatedAt time.Time         `bson:"created_at"`
	UpdatedAt time.Time         `bson:"updated_at"`
}

// Outbox is the jobs collection. Its methods return apperr.KindUnavailable when the database
// cannot be reached and apperr.KindTimeout when ctx's deadline passes first.
type Outbox struct {
	store  *store
	now    func() time.Time
	finish func(Email) Email // applied to every e-mail queued (nil: none)
}

// New returns the outbox stored in db.
func New(db *mongo.Database, now func() time.Time) *Outbox {
	return &Outbox{store: newStore(db), now: now}
}

// NewFinishing returns the outbox stored in db that passes every e-mail through finish before
// storing it: the footer every message carries (a link to the privacy notice).
func NewFinishing(db *mongo.Database, now func() time.Time, finish func(Email) Email) *Outbox {
	return &Outbox{store: newStore(db), now: now, finish: finish}
}

// finished is e with the outbox's finish applied.
func (o *Outbox) finished(e Email) Email {
	if o.finish == nil {
		return e
	}
	return o.finish(e)
}

// EnsureIndexes creates the indexes the outbox needs.
func (o *Outbox) EnsureIndexes(ctx context.Context) error { return o.store.ensureIndexes(ctx) }

// pending is a new job due at once.
func (o *Outbox) pending(key, kind string) Job {
	now := o.now().UTC()
	return Job{ID: key, Kind: kind, State: StatePending, NextRunAt: now, CreatedAt: now, UpdatedAt: now}
}

// EnqueueEmail stores an e-mail job. key makes it idempotent: a second call with the same key
// stores nothing and succeeds. An empty key gets a fresh time-ordered id.
func (o *Outbox) EnqueueEmail(ctx context.Context, key string, e Email) error {
	if key == "" {
		key = uuid.Must(uuid.NewV7()).String()
	}
	j := o.pending(key, "email")
	e = o.finished(e)
	j.Email = &e
	return o.store.add(ctx, j)
}

// Keyed is an e-mail with its idempotency key, for EnqueueEmails.
type Keyed struct {
	Key   string
	Email Email
}

// EnqueueEmails stores many e-mail jobs in one write, each idempotently by its key as
// EnqueueEmail does.
func (o *Outbox) EnqueueEmails(ctx context.Context, es []Keyed) error {
	if len(es) == 0 {
		return nil
	}
	jobs := make([]Job, len(es))
	for i, e := range es {
		jobs[i] = o.pending(e.Key, "email")
		m := o.finished(e.Email)
		jobs[i].Email = &m
	}
	return o.store.addAll(ctx, jobs)
}

// EnqueueJob stores a job of another kind with its payload, idempotently by key.
func (o *Outbox) EnqueueJob(ctx context.Context, key, kind string, payload map[string]string) error {
	j := o.pending(key, kind)
	j.Payload = payload
	return o.store.add(ctx, j)
}

// claimsKept is how long an expired send claim is kept before Cleanup deletes it.
const claimsKept = 24 * time.Hour

// Cleanup deletes send claims that expired more than a day ago. Jobs themselves, sent or not,
// are kept.
func (o *Outbox) Cleanup(ctx context.Context) error {
	return o.store.deleteClaimsExpiredBefore(ctx, o.now().Add(-claimsKept))
}

// List returns up to limit jobs with ids greater than after, in id order, and the cursor for the
// next page ("" at the end).
func (o *Outbox) List(ctx context.Context, after string, limit int) ([]Job, string, error) {
	jobs, err := o.store.page(ctx, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(jobs) > limit {
		jobs = jobs[:limit]
		next = jobs[limit-1].ID
	}
	return jobs, next, nil
}

// Get returns one job.
//
// Returns ErrNotFound.
func (o *Outbox) Get(ctx context.Context, id string) (Job, error) { return o.store.job(ctx, id) }

// ErrNotFound is returned by Get for an unknown id.
var ErrNotFound = apperr.New(apperr.KindNotFound, "message not found")
