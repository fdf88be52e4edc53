package audit

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// store is the audit_log collection, keyed by time-prefixed ids. Only _id is indexed (FerretDB
// scans every other field anyway); actor, subject and act filter the scan of an _id range.
type store struct{ entries *mongo.Collection }

func newStore(db *mongo.Database) *store {
	return &store{entries: db.Collection("audit_log")}
}

// ensureIndexes creates the collection, so that the first entry does not race its creation;
// the _id index is all the log uses.
func (s *store) ensureIndexes(ctx context.Context) error {
	err := s.entries.Database().CreateCollection(ctx, s.entries.Name())
	var ce mongo.CommandError
	if errors.As(err, &ce) && ce.Code == 48 { // NamespaceExists
		err = nil
	}
	return mongox.Err(ctx, "audit log collection", err)
}

// insert stores entries, new ids each: nothing is there to collide with.
func (s *store) insert(ctx context.Context, entries []any) error {
	_, err := s.entries.InsertMany(ctx, entries)
	return mongox.Err(ctx, "record audit entries", err)
}

// find returns up to f.Limit entries matching f, newest first.
func (s *store) find(ctx context.Context, f Filter) ([]Entry, error) {
	ids := bson.D{}
	if !f.From.IsZero() {
		ids = append(ids, bson.E{Key: "$gte", Value: timePrefix(f.From)})
	}
	upper := ""
	if !f.To.IsZero() {
		upper = timePrefix(f.To)
	}
	if f.Before != "" && (upper == "" || f.Before < upper) {
		upper = f.Before
	}
	if upper != "" {
		ids = append(ids, bson.E{Key: "$lt", Value: upper})
	}
	filter := bson.D{}
	if len(ids) > 0 {
		filter = append(filter, bson.E{Key: "_id", Value: ids})
	}
	for _, c := range []struct{ key, value string }{{"actor", f.Actor}, {"subject", f.Subject}, {"act", f.Act}} {
		if c.value != "" {
			filter = append(filter, bson.E{Key: c.key, Value: c.value})
		}
	}
	cur, err := s.entries.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(f.Limit)))
	return mongox.All[Entry](ctx, "list audit entries", cur, err)
}

func byOrAbout(userID string) bson.D {
	return bson.D{{Key: "$or", Value: bson.A{bson.D{{Key: "actor", Value: userID}}, bson.D{{Key: "subject", Value: userID}}}}}
}

// about returns the entries by or about userID, oldest first.
func (s *store) about(ctx context.Context, userID string) ([]Entry, error) {
	cur, err := s.entries.Find(ctx, byOrAbout(userID), options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	return mongox.All[Entry](ctx, "audit entries of a person", cur, err)
}

// pseudonymise rewrites actor and subject separately (an entry may name userID in both) and
// clears ip and detail of every entry that named userID.
func (s *store) pseudonymise(ctx context.Context, userID, pseudonym string) (int, error) {
	unset := bson.D{{Key: "ip", Value: ""}, {Key: "detail", Value: ""}}
	cleared, err := s.entries.UpdateMany(ctx, byOrAbout(userID), bson.D{{Key: "$unset", Value: unset}})
	if err != nil {
		return 0, mongox.Err(ctx, "pseudonymise audit entries", err)
	}
	for _, field := range []string{"actor", "subject"} {
		_, err := s.entries.UpdateMany(ctx, bson.D{{Key: field, Value: userID}}, bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: pseudonym}}}})
		if err != nil {
			return 0, mongox.Err(ctx, "pseudonymise audit entries", err)
		}
	}
	return int(cleared.MatchedCount), nil
}

// deleteBefore removes the entries recorded before t: those whose ids sort before t's prefix.
func (s *store) deleteBefore(ctx context.Context, t time.Time) (int, error) {
	res, err := s.entries.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$lt", Value: timePrefix(t)}}}})
	if err != nil {
		return 0, mongox.Err(ctx, "delete old audit entries", err)
	}
	return int(res.DeletedCount), nil
}
