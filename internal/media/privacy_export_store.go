package media

import (
	"context"
	"encoding/json"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// exportUploads reads the uploads one person started (their records, not the files).
func (s *store) exportUploads(ctx context.Context, userID string) ([]json.RawMessage, error) {
	return mongox.ExportDocs(ctx, s.uploads, bson.D{{Key: "user", Value: userID}}, "multipart")
}
