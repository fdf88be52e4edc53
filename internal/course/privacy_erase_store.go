package course

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// pseudonymiseAuthor takes a person off course teams and names the pseudonym where she created
// a course or saved or published a version.
func (s *store) pseudonymiseAuthor(ctx context.Context, userID, pseudonym string) error {
	for _, team := range []string{"owners", "editors"} {
		if _, err := s.courses.UpdateMany(ctx, bson.D{{Key: team, Value: userID}},
			bson.D{{Key: "$pull", Value: bson.D{{Key: team, Value: userID}}}}); err != nil {
			return mongox.Err(ctx, "take an author off course teams", err)
		}
	}
	if _, err := s.courses.UpdateMany(ctx, bson.D{{Key: "created_by", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "created_by", Value: pseudonym}}}}); err != nil {
		return mongox.Err(ctx, "pseudonymise courses", err)
	}
	_, err := s.versions.UpdateMany(ctx, bson.D{{Key: "by", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "by", Value: pseudonym}}}})
	return mongox.Err(ctx, "pseudonymise course versions", err)
}
