package media

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// store is the media records in MongoDB: the items (keyed by the SHA-256 of their bytes) and
// the uploads under way. The bytes are in S3 (Storage). Errors come back translated
// (mongox.Err) or as ErrNotFound and ErrUploadNotFound.
type store struct {
	items, uploads *mongo.Collection
}

func newStore(db *mongo.Database) *store {
	return &store{items: db.Collection("media"), uploads: db.Collection("uploads")}
}

// item returns one media item; ErrNotFound when there is none.
func (s *store) item(ctx context.Context, id string) (Item, error) {
	var it Item
	err := s.items.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&it)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Item{}, ErrNotFound
	}
	return it, mongox.Err(ctx, "load media "+id, err)
}

// addItem records a media item. An item with its id is the same bytes recorded already: that
// is not an error.
func (s *store) addItem(ctx context.Context, it Item) error {
	_, err := s.items.InsertOne(ctx, it)
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return mongox.Err(ctx, "record media "+it.Filename, err)
}

// allItems returns every media item.
func (s *store) allItems(ctx context.Context) ([]Item, error) {
	cur, err := s.items.Find(ctx, bson.D{})
	return mongox.All[Item](ctx, "list media", cur, err)
}

// setCaptions stores an item's captions in one locale and returns the item as it is then;
// ErrNotFound when there is no such item.
func (s *store) setCaptions(ctx context.Context, id, locale string, c Captions) (Item, error) {
	var it Item
	err := s.items.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "captions." + locale, Value: c}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&it)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Item{}, ErrNotFound
	}
	return it, mongox.Err(ctx, "save captions", err)
}

// uploadDoc is an upload under way: what was declared, and where the bytes go in quarantine.
type uploadDoc struct {
	ID          string    `bson:"_id"`
	User        string    `bson:"user"`
	Filename    string    `bson:"filename"`
	ContentType string    `bson:"content_type"`
	Size        int64     `bson:"size"`
	Key         string    `bson:"key"`
	Multipart   string    `bson:"multipart,omitempty"` // S3 upload id
	State       string    `bson:"state"`               // pending | completed | rejected
	Media       string    `bson:"media,omitempty"`
	Reason      string    `bson:"reason,omitempty"`
	CreatedAt   time.Time `bson:"created_at"`
	ExpiresAt   time.Time `bson:"expires_at"`
}

// addUpload records a started upload.
func (s *store) addUpload(ctx context.Context, d uploadDoc) error {
	_, err := s.uploads.InsertOne(ctx, d)
	return mongox.Err(ctx, "record upload", err)
}

// upload returns one upload; ErrUploadNotFound when there is none.
func (s *store) upload(ctx context.Context, id string) (uploadDoc, error) {
	var d uploadDoc
	err := s.uploads.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return uploadDoc{}, ErrUploadNotFound
	}
	return d, mongox.Err(ctx, "load upload", err)
}

// rejectUpload marks an upload rejected, saying why.
func (s *store) rejectUpload(ctx context.Context, id, reason string) error {
	_, err := s.uploads.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: "rejected"}, {Key: "reason", Value: reason}}}})
	return mongox.Err(ctx, "reject upload", err)
}

// completeUpload marks a pending upload completed as the media item mediaID.
func (s *store) completeUpload(ctx context.Context, id, mediaID string) error {
	_, err := s.uploads.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "state", Value: "pending"}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "state", Value: "completed"}, {Key: "media", Value: mediaID}}}})
	return mongox.Err(ctx, "finish upload", err)
}
