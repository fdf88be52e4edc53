// Package feedback keeps the feedback sent from the accessibility statement's form, so that
// admins can read it in Taito (besides the e-mail they get) and mark what they have handled.
//
// It stores what the application layer has already checked; it decides who may read the
// feedback by auth's rule (admins).
package feedback

import (
	"context"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
)

// Item is one piece of feedback.
type Item struct {
	ID         string
	Message    string
	Email      string // where the sender wants her answer; "" when she gave none
	Locale     string // the language of the page she sent it from
	ReceivedAt time.Time
	Handled    bool
	HandledAt  *time.Time
	HandledBy  string // the admin who marked it handled
}

// ErrNotFound is an unknown piece of feedback.
var ErrNotFound = apperr.New(apperr.KindNotFound, "feedback not found")

// Service is the feedback collection.
type Service struct {
	store *store
	now   func() time.Time
}

// NewService returns the feedback stored in db.
func NewService(db *mongo.Database, now func() time.Time) *Service {
	return &Service{store: newStore(db), now: now}
}

// EnsureIndexes creates the indexes the feedback needs.
func (s *Service) EnsureIndexes(ctx context.Context) error { return s.store.ensureIndexes(ctx) }

// Add stores feedback that the application layer has checked. key makes it idempotent: the
// same key stored twice is kept once.
func (s *Service) Add(ctx context.Context, key, message, email, locale string) error {
	return s.store.insert(ctx, doc{ID: uuid.Must(uuid.NewV7()).String(), Key: key, Message: message, Email: email, Locale: locale, ReceivedAt: s.now().UTC()})
}

// List returns up to limit pieces of feedback, newest first, older than the one with id before
// ("": from the newest), and the cursor of the next page ("" at the end), for admins.
//
// Returns auth.ErrForbidden.
func (s *Service) List(ctx context.Context, actor auth.Principal, before string, limit int) ([]Item, string, error) {
	if err := auth.RequireAdmin(actor); err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = 50
	}
	docs, err := s.store.page(ctx, before, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		next = docs[limit-1].ID
	}
	out := make([]Item, len(docs))
	for i, d := range docs {
		out[i] = d.item()
	}
	return out, next, nil
}

// SetHandled marks a piece of feedback handled (or not), for admins.
//
// Returns auth.ErrForbidden and ErrNotFound.
func (s *Service) SetHandled(ctx context.Context, actor auth.Principal, id string, handled bool) (Item, error) {
	if err := auth.RequireAdmin(actor); err != nil {
		return Item{}, err
	}
	var at *time.Time
	by := ""
	if handled {
		now := s.now().UTC()
		at, by = &now, actor.UserID
	}
	d, err := s.store.setHandled(ctx, id, handled, at, by)
	if err != nil {
		return Item{}, err
	}
	return d.item(), nil
}
