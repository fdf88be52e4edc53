package feedback

import (
	"context"
	"encoding/json"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// exportFrom reads the feedback sent with one address for the answer, less who handled it.
func (s *store) exportFrom(ctx context.Context, address string) ([]json.RawMessage, error) {
	return mongox.ExportDocs(ctx, s.items, bson.D{{Key: "email", Value: address}}, "handled_by", "key")
}
