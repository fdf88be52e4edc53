package learning

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// allStatementsOf returns every statement of a learner (voided and system ones too).
func (s *store) allStatementsOf(ctx context.Context, user string) ([]statementDoc, error) {
	cur, err := s.statements.Find(ctx, bson.D{{Key: "user", Value: user}})
	return mongox.All[statementDoc](ctx, "read the statements of "+user, cur, err)
}

// pseudonymiseStatement puts a statement under a pseudonym with its scrubbed JSON and hash.
func (s *store) pseudonymiseStatement(ctx context.Context, id, pseudonym, js, hash string) error {
	_, err := s.statements.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "user", Value: pseudonym}, {Key: "json", Value: js}, {Key: "hash", Value: hash}}}})
	return mongox.Err(ctx, "pseudonymise statement "+id, err)
}

// rekeyProjections stores every projection of user again under pseudonym (insert the new key,
// then delete the old) and returns the old ids it re-keyed.
func (s *store) rekeyProjections(ctx context.Context, user, pseudonym string) ([]string, error) {
	cur, err := s.progress.Find(ctx, bson.D{{Key: "user", Value: user}})
	docs, err := mongox.All[bson.D](ctx, "read the progress of "+user, cur, err)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, d := range docs {
		var oldID, slug string
		for i, e := range d {
			switch e.Key {
			case "_id":
				oldID, _ = e.Value.(string)
			case "course":
				slug, _ = e.Value.(string)
			case "user":
				d[i].Value = pseudonym
			}
		}
		newID := progressID(pseudonym, slug)
		for i, e := range d {
			if e.Key == "_id" {
				d[i].Value = newID
			}
		}
		if err := upsertWhole(ctx, s.progress, newID, d); err != nil {
			return done, err
		}
		if _, err := s.progress.DeleteOne(ctx, bson.D{{Key: "_id", Value: oldID}}); err != nil {
			return done, mongox.Err(ctx, "delete progress "+oldID, err)
		}
		done = append(done, oldID)
	}
	return done, nil
}

// statementsMatching returns the statements whose JSON matches pattern in any case.
func (s *store) statementsMatching(ctx context.Context, pattern string) ([]statementDoc, error) {
	cur, err := s.statements.Find(ctx, bson.D{{Key: "json", Value: bson.Regex{Pattern: pattern, Options: "i"}}})
	return mongox.All[statementDoc](ctx, "find statements", cur, err)
}

// setStatementJSON replaces a statement's stored JSON.
func (s *store) setStatementJSON(ctx context.Context, id, js string) error {
	_, err := s.statements.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "json", Value: js}}}})
	return mongox.Err(ctx, "scrub statement "+id, err)
}

// upsertWhole stores d under id, replacing what is there. Two erasures of one person running at
// once may both insert it: the loser's duplicate is retried as a replacement.
func upsertWhole(ctx context.Context, coll *mongo.Collection, id string, d bson.D) error {
	var err error
	for range 2 {
		_, err = coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}}, d, options.Replace().SetUpsert(true))
		if err = mongox.Err(ctx, "store "+coll.Name()+" "+id, err); !errors.Is(err, mongox.ErrDuplicate) {
			return err
		}
	}
	return err
}

// rekeyBatchMarkers puts the pseudonym in place of a learner in the keys of the statement-batch
// markers (catchup.go) that name her, so that a catch-up of them later applies her statements,
// which are the pseudonym's by then, to the pseudonym's projections. A marker changed meanwhile
// by its writer is read again.
func (s *store) rekeyBatchMarkers(ctx context.Context, user, pseudonym string) error {
	markers := s.statements.Database().Collection(MarkersCollection)
	for range 5 {
		cur, err := markers.Find(ctx, bson.D{{Key: "keys.user", Value: user}})
		docs, err := mongox.All[bson.D](ctx, "read statement markers", cur, err)
		if err != nil || len(docs) == 0 {
			return err
		}
		for _, d := range docs {
			filter := bson.D{}
			for i, e := range d {
				switch e.Key {
				case "_id", "created":
					filter = append(filter, e)
				case "keys":
					d[i].Value = rekeyedKeys(e.Value, user, pseudonym)
				}
			}
			if _, err := markers.ReplaceOne(ctx, filter, d); err != nil {
				return mongox.Err(ctx, "re-key a statement marker", err)
			}
		}
	}
	return nil
}

// rekeyedKeys is a marker's keys (an array of {user, course}) with user replaced by pseudonym.
func rekeyedKeys(v any, user, pseudonym string) any {
	keys, ok := v.(bson.A)
	if !ok {
		return v
	}
	for _, k := range keys {
		kd, ok := k.(bson.D)
		if !ok {
			continue
		}
		for i, e := range kd {
			if e.Key == "user" && e.Value == user {
				kd[i].Value = pseudonym
			}
		}
	}
	return keys
}
