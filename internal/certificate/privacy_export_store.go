package certificate

import (
	"context"
	"encoding/json"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// exportOf reads one learner's certificates, each with its signed credential (the JWT), less
// who revoked it.
func (s *store) exportOf(ctx context.Context, userID string) ([]json.RawMessage, error) {
	return mongox.ExportDocs(ctx, s.certs, bson.D{{Key: "user", Value: userID}}, "revoked_by")
}
