package learning

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// lastStored returns, for every learner and course with statements in the log, when the latest
// of them was stored. It reads the whole log (three fields of each statement): retention runs
// once a day, and FerretDB's grouping would read as much.
func (s *store) lastStored(ctx context.Context) (map[learnerCourse]time.Time, error) {
	cur, err := s.statements.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "user", Value: 1}, {Key: "course", Value: 1}, {Key: "stored", Value: 1}}))
	if err != nil {
		return nil, mongox.Err(ctx, "read the log's times", err)
	}
	defer cur.Close(ctx)
	out := map[learnerCourse]time.Time{}
	for cur.Next(ctx) {
		var row struct {
			User   string    `bson:"user"`
			Course string    `bson:"course"`
			Stored time.Time `bson:"stored"`
		}
		if err := cur.Decode(&row); err != nil {
			return nil, mongox.Err(ctx, "read the log's times", err)
		}
		k := learnerCourse{User: row.User, Course: row.Course}
		if row.Stored.After(out[k]) {
			out[k] = row.Stored
		}
	}
	return out, mongox.Err(ctx, "read the log's times", cur.Err())
}

// projectionRow is a projection's learner, course and latest activity.
type projectionRow struct {
	User   string    `bson:"user"`
	Course string    `bson:"course"`
	LastAt time.Time `bson:"last_at"`
}

// projectionsIdleBefore returns the projections whose latest activity is before t.
func (s *store) projectionsIdleBefore(ctx context.Context, t time.Time) ([]projectionRow, error) {
	cur, err := s.progress.Find(ctx, bson.D{{Key: "last_at", Value: bson.D{{Key: "$lt", Value: t}}}},
		options.Find().SetProjection(bson.D{{Key: "user", Value: 1}, {Key: "course", Value: 1}, {Key: "last_at", Value: 1}}))
	return mongox.All[projectionRow](ctx, "list idle projections", cur, err)
}

// deleteStatementsBefore deletes a learner's statements in a course stored before t and
// returns how many went.
func (s *store) deleteStatementsBefore(ctx context.Context, user, slug string, t time.Time) (int, error) {
	res, err := s.statements.DeleteMany(ctx, bson.D{{Key: "user", Value: user}, {Key: "course", Value: slug}, {Key: "stored", Value: bson.D{{Key: "$lt", Value: t}}}})
	if err != nil {
		return 0, mongox.Err(ctx, "delete the log of "+user+" in "+slug, err)
	}
	return int(res.DeletedCount), nil
}

// loggedSince reports whether a learner has a statement stored at or after t, in any course.
func (s *store) loggedSince(ctx context.Context, user string, t time.Time) (bool, error) {
	n, err := s.statements.CountDocuments(ctx, bson.D{{Key: "user", Value: user}, {Key: "stored", Value: bson.D{{Key: "$gte", Value: t}}}}, options.Count().SetLimit(1))
	if err != nil {
		return false, mongox.Err(ctx, "look for statements of "+user, err)
	}
	return n > 0, nil
}
