package media

import (
	"context"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// uploadKeysOf returns the quarantine keys of the uploads a person started.
func (s *store) uploadKeysOf(ctx context.Context, userID string) ([]string, error) {
	cur, err := s.uploads.Find(ctx, bson.D{{Key: "user", Value: userID}})
	docs, err := mongox.All[uploadDoc](ctx, "read the uploads of "+userID, cur, err)
	var keys []string
	for _, d := range docs {
		if strings.HasPrefix(d.Key, "quarantine/") {
			keys = append(keys, d.Key)
		}
	}
	return keys, err
}

// eraseUploader deletes a person's upload records and names the pseudonym on the media she added.
func (s *store) eraseUploader(ctx context.Context, userID, pseudonym string) error {
	if _, err := s.uploads.DeleteMany(ctx, bson.D{{Key: "user", Value: userID}}); err != nil {
		return mongox.Err(ctx, "erase uploads", err)
	}
	_, err := s.items.UpdateMany(ctx, bson.D{{Key: "created_by", Value: userID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "created_by", Value: pseudonym}}}})
	return mongox.Err(ctx, "pseudonymise media", err)
}
