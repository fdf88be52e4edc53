package outbox

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// finishedEmailsBefore selects the e-mails sent or failed for good whose last attempt was
// before t. Jobs of other kinds are kept: their ids keep the work from being done twice.
func finishedEmailsBefore(t time.Time) bson.D {
	return bson.D{{Key: "kind", Value: "email"}, {Key: "state", Value: bson.D{{Key: "$in", Value: bson.A{StateDone, StateFailed}}}},
		{Key: "updated_at", Value: bson.D{{Key: "$lt", Value: t}}}}
}

func (s *store) countFinishedEmailsBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := s.jobs.CountDocuments(ctx, finishedEmailsBefore(t))
	return int(n), mongox.Err(ctx, "count old e-mails", err)
}

func (s *store) deleteFinishedEmailsBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.jobs.DeleteMany(ctx, finishedEmailsBefore(t))
	if err != nil {
		return 0, mongox.Err(ctx, "delete old e-mails", err)
	}
	return int(res.DeletedCount), nil
}
