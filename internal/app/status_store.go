package app

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/learning"
)

// catchUpCollection holds a marker per group-commit batch whose projection writes are not done
// yet; where it exists, its size is the backlog the catch-up has still to apply.
const catchUpCollection = learning.MarkersCollection

// catchUpBacklog counts the markers of batches not yet applied; ok is false when the database
// has no such collection (a Taito without markers).
func (a *App) catchUpBacklog(ctx context.Context) (n int, ok bool, err error) {
	names, err := a.db.ListCollectionNames(ctx, bson.D{{Key: "name", Value: catchUpCollection}})
	if err != nil {
		return 0, false, fmt.Errorf("list collections: %w", err)
	}
	if len(names) == 0 {
		return 0, false, nil
	}
	c, err := a.db.Collection(catchUpCollection).CountDocuments(ctx, bson.D{})
	if err != nil {
		return 0, false, fmt.Errorf("count %s: %w", catchUpCollection, err)
	}
	return int(c), true, nil
}

// pingDatabase asks the database for an answer.
func (a *App) pingDatabase(ctx context.Context) error {
	return a.db.RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Err()
}
