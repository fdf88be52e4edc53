package outbox

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// retried is a job put back in the queue, with the attempts it had before.
type retried struct {
	Job
	priorAttempts int
}

// retry makes a failed job pending and due at now with no attempts, atomically on its state:
// ok is false when the job is not (or no longer) failed.
func (s *store) retry(ctx context.Context, id string, now time.Time) (retried, bool, error) {
	var before Job
	err := s.jobs.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: id}, {Key: "state", Value: StateFailed}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: StatePending}, {Key: "attempts", Value: 0},
			{Key: "next_run_at", Value: now}, {Key: "updated_at", Value: now}}}}).Decode(&before)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return retried{}, false, nil
	}
	if err != nil {
		return retried{}, false, mongox.Err(ctx, "retry job "+id, err)
	}
	after := before
	after.State, after.Attempts, after.NextRunAt, after.UpdatedAt = StatePending, 0, now, now
	return retried{Job: after, priorAttempts: before.Attempts}, true, nil
}

// releaseClaims deletes the expired claims of attempts 1…n of a job, by their ids. A claim
// that has not expired belongs to a worker at work and is left.
func (s *store) releaseClaims(ctx context.Context, id string, n int, now time.Time) error {
	if n <= 0 {
		return nil
	}
	ids := make(bson.A, 0, n)
	for i := 1; i <= n; i++ {
		ids = append(ids, id+"#"+strconv.Itoa(i))
	}
	_, err := s.claims.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}})
	return mongox.Err(ctx, "release claims of job "+id, err)
}

// pageState returns up to limit jobs in state with ids greater than after, in id order.
func (s *store) pageState(ctx context.Context, state, after string, limit int) ([]Job, error) {
	filter := bson.D{{Key: "state", Value: state}}
	if after != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	cur, err := s.jobs.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	return mongox.All[Job](ctx, "list outbox", cur, err)
}
