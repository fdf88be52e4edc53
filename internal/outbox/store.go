package outbox

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// store is the outbox in MongoDB: the jobs, keyed by their idempotency key, and the claims
// that make one worker the sender of one attempt (see Worker.claim). Errors come back
// translated (mongox.Err) or as ErrNotFound.
type store struct {
	jobs, claims *mongo.Collection
}

func newStore(db *mongo.Database) *store {
	return &store{jobs: db.Collection("outbox"), claims: db.Collection("outbox_claims")}
}

// ensureIndexes creates the indexes of the due-jobs query and of the claims' cleanup.
func (s *store) ensureIndexes(ctx context.Context) error {
	_, err := s.jobs.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "state", Value: 1}, {Key: "next_run_at", Value: 1}}})
	if err != nil {
		return mongox.Err(ctx, "outbox indexes", err)
	}
	_, err = s.claims.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "expires_at", Value: 1}}})
	return mongox.Err(ctx, "outbox claim indexes", err)
}

// add stores a job. A job with the same id is there already: it is left as it is, and that is
// not an error (the id is the job's idempotency key).
func (s *store) add(ctx context.Context, j Job) error {
	_, err := s.jobs.InsertOne(ctx, j)
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return mongox.Err(ctx, "queue "+j.Kind+" job "+j.ID, err)
}

// addAll stores jobs in one write, each as add does.
func (s *store) addAll(ctx context.Context, jobs []Job) error {
	docs := make([]any, len(jobs))
	for i, j := range jobs {
		docs[i] = j
	}
	_, err := mongox.InsertAll(ctx, s.jobs, docs) // the duplicates are jobs queued before
	return err
}

// job returns one job; ErrNotFound when there is none.
func (s *store) job(ctx context.Context, id string) (Job, error) {
	var j Job
	err := s.jobs.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&j)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Job{}, ErrNotFound
	}
	return j, mongox.Err(ctx, "load outbox job "+id, err)
}

// page returns up to limit jobs with ids greater than after ("": from the first), in id order.
func (s *store) page(ctx context.Context, after string, limit int) ([]Job, error) {
	filter := bson.D{}
	if after != "" {
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}}}
	}
	cur, err := s.jobs.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	return mongox.All[Job](ctx, "list outbox", cur, err)
}

// due returns up to limit pending jobs of a kind due at now, the longest due first.
func (s *store) due(ctx context.Context, kind string, now time.Time, limit int) ([]Job, error) {
	cur, err := s.jobs.Find(ctx,
		bson.D{{Key: "kind", Value: kind}, {Key: "state", Value: StatePending}, {Key: "next_run_at", Value: bson.D{{Key: "$lte", Value: now}}}},
		options.Find().SetSort(bson.D{{Key: "next_run_at", Value: 1}}).SetLimit(int64(limit)))
	return mongox.All[Job](ctx, "find due jobs", cur, err)
}

// attempt is the outcome of one delivery attempt of a job.
type attempt struct {
	n       int // the attempt's number: the job's attempts so far
	at      time.Time
	state   string    // the job's state afterwards; "" leaves it
	err     string    // why the attempt failed; "" when it succeeded
	retryAt time.Time // after a failure, when the job is due again
}

// recordAttempt writes the outcome of an attempt to its job.
func (s *store) recordAttempt(ctx context.Context, id string, a attempt) error {
	set := bson.D{{Key: "attempts", Value: a.n}, {Key: "updated_at", Value: a.at}}
	if a.err != "" {
		set = append(set, bson.E{Key: "last_error", Value: a.err}, bson.E{Key: "next_run_at", Value: a.retryAt})
	}
	if a.state != "" {
		set = append(set, bson.E{Key: "state", Value: a.state})
	}
	_, err := s.jobs.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: set}})
	return mongox.Err(ctx, "finish job "+id, err)
}

// claim inserts the claim id for worker by, valid until expires; false when another worker
// holds it. A claim that expired before now is released on the way, so that the next try can
// take it.
func (s *store) claim(ctx context.Context, id, by string, now, expires time.Time) (bool, error) {
	_, err := s.claims.InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "by", Value: by}, {Key: "expires_at", Value: expires}})
	if mongo.IsDuplicateKeyError(err) {
		_, _ = s.claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}})
		return false, nil
	}
	return err == nil, mongox.Err(ctx, "claim job", err)
}

// deleteClaimsExpiredBefore removes the claims that expired before t.
func (s *store) deleteClaimsExpiredBefore(ctx context.Context, t time.Time) error {
	_, err := s.claims.DeleteMany(ctx, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: t}}}})
	return mongox.Err(ctx, "clean up outbox claims", err)
}
