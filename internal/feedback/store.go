package feedback

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// doc is a piece of feedback as stored, keyed by a time-ordered id; key, unique, keeps the same
// words from the same sender once.
type doc struct {
	ID         string     `bson:"_id"`
	Key        string     `bson:"key"`
	Message    string     `bson:"message"`
	Email      string     `bson:"email,omitempty"`
	Locale     string     `bson:"locale"`
	ReceivedAt time.Time  `bson:"received_at"`
	Handled    bool       `bson:"handled"`
	HandledAt  *time.Time `bson:"handled_at,omitempty"`
	HandledBy  string     `bson:"handled_by,omitempty"`
}

func (d doc) item() Item {
	return Item{ID: d.ID, Message: d.Message, Email: d.Email, Locale: d.Locale, ReceivedAt: d.ReceivedAt, Handled: d.Handled, HandledAt: d.HandledAt, HandledBy: d.HandledBy}
}

type store struct{ items *mongo.Collection }

func newStore(db *mongo.Database) *store {
	return &store{items: db.Collection("accessibility_feedback")}
}

func (s *store) ensureIndexes(ctx context.Context) error {
	_, err := s.items.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "key", Value: 1}}, Options: options.Index().SetUnique(true).SetName("key_unique")})
	return mongox.Err(ctx, "feedback indexes", err)
}

// insert stores a piece of feedback; one with the same key is there already: nothing is stored.
func (s *store) insert(ctx context.Context, d doc) error {
	_, err := s.items.InsertOne(ctx, d)
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return mongox.Err(ctx, "store feedback", err)
}

// page returns up to limit pieces of feedback with ids less than before ("": from the newest),
// newest first.
func (s *store) page(ctx context.Context, before string, limit int) ([]doc, error) {
	filter := bson.D{}
	if before != "" {
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$lt", Value: before}}}}
	}
	cur, err := s.items.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit)))
	return mongox.All[doc](ctx, "list feedback", cur, err)
}

// setHandled marks a piece of feedback handled or not and returns it as it is now.
//
// Returns ErrNotFound.
func (s *store) setHandled(ctx context.Context, id string, handled bool, at *time.Time, by string) (doc, error) {
	up := bson.D{{Key: "$set", Value: bson.D{{Key: "handled", Value: handled}, {Key: "handled_at", Value: at}, {Key: "handled_by", Value: by}}}}
	var d doc
	err := s.items.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}}, up, options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrNotFound
	}
	return d, mongox.Err(ctx, "mark feedback", err)
}
