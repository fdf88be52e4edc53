package learning

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/mongox"
)

// Projection leases (lease.go): one small document per projection being written, whose _id
// names the projection, so that only one process writes it at a time.

// LeasesCollection holds the projection leases: bookkeeping that lives seconds and is never
// backed up.
const LeasesCollection = "progress_leases"

// leases is the collection of projection leases.
func (s *store) leases() *mongo.Collection {
	return s.progress.Database().Collection(LeasesCollection)
}

// acquireLease inserts the lease of projection id for holder, valid until expires; false when
// another holds it. A lease that expired before now (its holder died) is removed on the way, so
// that the next try can take it.
func (s *store) acquireLease(ctx context.Context, id, holder string, now, expires time.Time) (bool, error) {
	_, err := s.leases().InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "by", Value: holder}, {Key: "expires_at", Value: expires}})
	if mongo.IsDuplicateKeyError(err) {
		_, _ = s.leases().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "expires_at", Value: bson.D{{Key: "$lt", Value: now}}}})
		return false, nil
	}
	return err == nil, mongox.Err(ctx, "lease projection "+id, err)
}

// releaseLease removes holder's lease of projection id, if it is still there.
func (s *store) releaseLease(ctx context.Context, id, holder string) error {
	_, err := s.leases().DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "by", Value: holder}})
	return mongox.Err(ctx, "release projection "+id, err)
}

// updatesAtomic reports whether the database applies an update of one document atomically
// among connections. FerretDB (which names itself in buildInfo) reads, changes and writes a
// document in separate steps, so two connections' updates of one document can lose one.
func (s *store) updatesAtomic(ctx context.Context) (bool, error) {
	var info bson.M
	err := s.progress.Database().Client().Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info)
	if err != nil {
		return false, mongox.Err(ctx, "ask the database what it is", err)
	}
	_, ferret := info["ferretdbVersion"]
	return !ferret, nil
}
