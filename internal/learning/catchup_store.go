package learning

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// Batch markers (catchup.go): one small document per group-commit flush or voiding, written
// before its statements and deleted once the projections they change are written.

// batchDoc is the marker of statements on their way to the log and the projections.
type batchDoc struct {
	ID      string    `bson:"_id"`
	Created time.Time `bson:"created"` // when it was written, or last claimed by a catch-up
	// Keys are the learners and courses whose projections the statements change.
	Keys []learnerCourse `bson:"keys"`
	// Statements are the ids of the statements, in the log or not yet.
	Statements []string `bson:"statements"`
	// Voids is, for a voiding, the id of the statement it voids (Statements holds the voiding).
	Voids string `bson:"voids,omitempty"`
}

// MarkersCollection holds the statement-batch markers (catchup.go): bookkeeping that lives
// seconds and is never backed up (a restore rebuilds every projection from the log).
const MarkersCollection = "statement_batches"

// batches is the collection of markers.
func (s *store) batches() *mongo.Collection {
	return s.statements.Database().Collection(MarkersCollection)
}

// putBatch writes a marker, replacing the one of that id if there is one.
func (s *store) putBatch(ctx context.Context, b batchDoc) error {
	_, err := s.batches().ReplaceOne(ctx, bson.D{{Key: "_id", Value: b.ID}}, b, options.Replace().SetUpsert(true))
	return mongox.Err(ctx, "mark statements "+b.ID, err)
}

// deleteBatch removes a marker, if it is still there.
func (s *store) deleteBatch(ctx context.Context, id string) error {
	_, err := s.batches().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mongox.Err(ctx, "unmark statements "+id, err)
}

// deleteClaimed removes a marker while it still has the time a catch-up claimed it at.
func (s *store) deleteClaimed(ctx context.Context, id string, claimed time.Time) error {
	_, err := s.batches().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "created", Value: claimed}})
	return mongox.Err(ctx, "unmark statements "+id, err)
}

// batchesBefore returns up to limit markers written (or last claimed) before t, oldest first.
func (s *store) batchesBefore(ctx context.Context, t time.Time, limit int) ([]batchDoc, error) {
	cur, err := s.batches().Find(ctx, bson.D{{Key: "created", Value: bson.D{{Key: "$lt", Value: t}}}},
		options.Find().SetSort(bson.D{{Key: "created", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	return mongox.All[batchDoc](ctx, "list statement markers", cur, err)
}

// claimBatch moves a marker's time to now, provided it is still the time b was read with: of
// several processes catching up at once, one claims it, and should that one die the marker is
// old again one grace period later.
func (s *store) claimBatch(ctx context.Context, b batchDoc, now time.Time) (bool, error) {
	res, err := s.batches().UpdateOne(ctx, bson.D{{Key: "_id", Value: b.ID}, {Key: "created", Value: b.Created}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "created", Value: now}}}})
	if err != nil {
		return false, mongox.Err(ctx, "claim statement marker "+b.ID, err)
	}
	return res.MatchedCount == 1, nil
}

// statementsByID returns the statements of the log among ids, in log order.
func (s *store) statementsByID(ctx context.Context, ids []string) ([]statementDoc, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cur, err := s.statements.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetSort(byStored()))
	return mongox.All[statementDoc](ctx, "read marked statements", cur, err)
}
