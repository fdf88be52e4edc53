package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
)

// Item is a stored media file. Its id is the SHA-256 of its bytes, so the same file is stored
// once however often it is uploaded.
type Item struct {
	ID          string              `bson:"_id"`
	Key         string              `bson:"key"`
	ContentType string              `bson:"content_type"`
	Size        int64               `bson:"size"`
	Filename    string              `bson:"filename"`
	State       string              `bson:"state"`
	CreatedBy   string              `bson:"created_by"`
	CreatedAt   time.Time           `bson:"created_at"`
	Width       int                 `bson:"width,omitempty"`
	Height      int                 `bson:"height,omitempty"`
	Captions    map[string]Captions `bson:"captions,omitempty"`
}

// Library is the media collection and the objects it describes. Besides the errors each
// method names, every method that does I/O returns apperr.KindUnavailable when the database or
// S3 cannot be reached, and apperr.KindTimeout when ctx's deadline passes first.
type Library struct {
	storage *Storage
	store   *store
	now     func() time.Time
	limits  Limits
}

// NewLibrary returns the media library over db and storage with upload limits lim (for
// example DefaultLimits).
func NewLibrary(db *mongo.Database, storage *Storage, lim Limits, now func() time.Time) *Library {
	return &Library{storage: storage, store: newStore(db), now: now, limits: lim}
}

// ErrNotAllowed is returned for content that is not an allowed media type.
var ErrNotAllowed = apperr.New(apperr.KindValidation, "the file is not an allowed media type (PNG, JPEG, WebP, GIF, SVG, PDF, MP4, WebM, MP3, M4A, OGG or WebVTT)")

// ErrNotFound is returned for an unknown media id.
var ErrNotFound = apperr.New(apperr.KindNotFound, "media not found")

// ValidID reports whether id has the form of a media id: the SHA-256 of the bytes, 64
// lower-case hex digits.
func ValidID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for _, r := range id {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// ObjectKey is where the bytes with this SHA-256 live in the bucket.
func ObjectKey(id string) string { return "media/sha256/" + id }

// PutAsset stores a file the importer read: content-addressed, checked by its bytes, and
// recorded only after the object is in S3, so no record ever points at a missing object.
// uploaded is false when the same bytes were stored already.
//
// Returns ErrNotAllowed.
func (l *Library) PutAsset(ctx context.Context, filename string, data []byte, by string) (item Item, uploaded bool, err error) {
	ct := Sniff(data[:min(len(data), SniffLen)])
	if ct == "" {
		return Item{}, false, ErrNotAllowed
	}
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:])
	key := ObjectKey(id)

	item, err = l.store.item(ctx, id)
	switch {
	case err == nil && l.storage.has(ctx, key):
		return item, false, nil
	case err != nil && !errors.Is(err, ErrNotFound):
		return Item{}, false, err
	}

	if err := l.storage.put(ctx, key, data, ct); err != nil {
		return Item{}, false, err
	}
	item = Item{ID: id, Key: key, ContentType: ct, Size: int64(len(data)), Filename: filename, State: "ready", CreatedBy: by, CreatedAt: l.now().UTC()}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		item.Width, item.Height = cfg.Width, cfg.Height
	}
	if err := l.store.addItem(ctx, item); err != nil {
		return Item{}, false, err
	}
	return item, true, nil
}

// Get returns a media item.
//
// Returns ErrNotFound.
func (l *Library) Get(ctx context.Context, id string) (Item, error) { return l.store.item(ctx, id) }
