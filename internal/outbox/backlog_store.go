package outbox

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// backlog counts jobs by state (both counts use the state index) and reads the oldest pending
// job's creation time.
func (s *store) backlog(ctx context.Context) (Backlog, error) {
	var b Backlog
	pending, err := s.jobs.CountDocuments(ctx, bson.D{{Key: "state", Value: StatePending}})
	if err != nil {
		return b, mongox.Err(ctx, "count pending jobs", err)
	}
	failed, err := s.jobs.CountDocuments(ctx, bson.D{{Key: "state", Value: StateFailed}})
	if err != nil {
		return b, mongox.Err(ctx, "count failed jobs", err)
	}
	b.Pending, b.Failed = int(pending), int(failed)
	if pending == 0 {
		return b, nil
	}
	var oldest struct {
		CreatedAt bson.DateTime `bson:"created_at"`
	}
	err = s.jobs.FindOne(ctx, bson.D{{Key: "state", Value: StatePending}},
		options.FindOne().SetSort(bson.D{{Key: "created_at", Value: 1}}).SetProjection(bson.D{{Key: "created_at", Value: 1}})).Decode(&oldest)
	if errors.Is(err, mongo.ErrNoDocuments) { // done between the count and the read
		b.Pending = 0
		return b, nil
	}
	if err != nil {
		return b, mongox.Err(ctx, "find the oldest pending job", err)
	}
	b.OldestPending = oldest.CreatedAt.Time()
	return b, nil
}
