package outbox

import (
	"context"
	"encoding/json"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// exportTo reads the e-mail jobs addressed to one address.
func (s *store) exportTo(ctx context.Context, address string) ([]json.RawMessage, error) {
	return mongox.ExportDocs(ctx, s.jobs, bson.D{{Key: "email.to", Value: address}}, "last_error")
}
