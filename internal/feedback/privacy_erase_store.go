package feedback

import (
	"context"
	"regexp"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// eraseSender deletes an address (in any case) from the feedback sent with it and puts the
// pseudonym in place of the admin who handled feedback.
func (s *store) eraseSender(ctx context.Context, userID, email, pseudonym string) error {
	if email != "" {
		_, err := s.items.UpdateMany(ctx, bson.D{{Key: "email", Value: bson.Regex{Pattern: "^" + regexp.QuoteMeta(email) + "$", Options: "i"}}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "email", Value: ""}}}})
		if err != nil {
			return mongox.Err(ctx, "erase feedback addresses", err)
		}
	}
	_, err := s.items.UpdateMany(ctx, bson.D{{Key: "handled_by", Value: userID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "handled_by", Value: pseudonym}}}})
	return mongox.Err(ctx, "pseudonymise feedback handlers", err)
}
