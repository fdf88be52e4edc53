// Package outbox is Taito's durable job queue in MongoDB: messages (e-mail today) are written
// here in the same request that causes them, and delivered later, retried until done.
//
// A job's _id is its idempotency key, so queueing the same message twice stores it once. This
// package stores and lists jobs; it does not decide who may read them (callers check with
// internal/auth) and it has no in-memory queue.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/mongox"
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

// Outbox is the jobs collection.
type Outbox struct {
	coll *mongo.Collection
	now  func() time.Time
}

// New returns the outbox stored in db.
func New(db *mongo.Database, now func() time.Time) *Outbox {
	return &Outbox{coll: db.Collection("outbox"), now: now}
}

// EnsureIndexes creates the indexes the outbox needs.
func (o *Outbox) EnsureIndexes(ctx context.Context) error {
	_, err := o.coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "state", Value: 1}, {Key: "next_run_at", Value: 1}}})
	if err != nil {
		return fmt.Errorf("outbox indexes: %w", err)
	}
	_, err = o.coll.Database().Collection("outbox_claims").Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "expires_at", Value: 1}}})
	if err != nil {
		return fmt.Errorf("outbox claim indexes: %w", err)
	}
	return nil
}

// EnqueueEmail stores an e-mail job. key makes it idempotent: a second call with the same key
// stores nothing and succeeds. An empty key gets a fresh time-ordered id.
func (o *Outbox) EnqueueEmail(ctx context.Context, key string, e Email) error {
	if key == "" {
		key = uuid.Must(uuid.NewV7()).String()
	}
	now := o.now().UTC()
	_, err := o.coll.InsertOne(ctx, Job{ID: key, Kind: "email", Email: &e, State: StatePending, NextRunAt: now, CreatedAt: now, UpdatedAt: now})
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("queue e-mail: %w", err)
	}
	return nil
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
	now := o.now().UTC()
	docs := make([]any, len(es))
	for i, e := range es {
		docs[i] = Job{ID: e.Key, Kind: "email", Email: &e.Email, State: StatePending, NextRunAt: now, CreatedAt: now, UpdatedAt: now}
	}
	if _, err := mongox.InsertAll(ctx, o.coll, docs); err != nil { // a duplicate key is a job queued before
		return fmt.Errorf("queue e-mails: %w", err)
	}
	return nil
}

// EnqueueJob stores a job of another kind with its payload, idempotently by key.
func (o *Outbox) EnqueueJob(ctx context.Context, key, kind string, payload map[string]string) error {
	now := o.now().UTC()
	_, err := o.coll.InsertOne(ctx, Job{ID: key, Kind: kind, Payload: payload, State: StatePending, NextRunAt: now, CreatedAt: now, UpdatedAt: now})
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("queue %s job: %w", kind, err)
	}
	return nil
}

// Cleanup deletes send claims that expired more than a day ago.
func (o *Outbox) Cleanup(ctx context.Context) error {
	_, err := o.coll.Database().Collection("outbox_claims").DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: o.now().Add(-24 * time.Hour)}}}})
	if err != nil {
		return fmt.Errorf("clean up outbox claims: %w", err)
	}
	return nil
}

// List returns up to limit jobs with ids greater than after, in id order, and the cursor for the
// next page ("" at the end).
func (o *Outbox) List(ctx context.Context, after string, limit int) ([]Job, string, error) {
	filter := bson.D{}
	if after != "" {
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	}
	cur, err := o.coll.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit+1)))
	if err != nil {
		return nil, "", fmt.Errorf("list outbox: %w", err)
	}
	var jobs []Job
	if err := cur.All(ctx, &jobs); err != nil {
		return nil, "", fmt.Errorf("list outbox: %w", err)
	}
	next := ""
	if len(jobs) > limit {
		jobs = jobs[:limit]
		next = jobs[limit-1].ID
	}
	return jobs, next, nil
}

// Get returns one job.
func (o *Outbox) Get(ctx context.Context, id string) (Job, error) {
	var j Job
	err := o.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&j)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return j, ErrNotFound
	}
	return j, err
}

// ErrNotFound is returned by Get for an unknown id.
var ErrNotFound = apperr.New(apperr.KindNotFound, "message not found")
