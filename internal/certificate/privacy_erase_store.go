package certificate

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// allOfUser returns every certificate of a learner.
func (s *store) allOfUser(ctx context.Context, user string) ([]certDoc, error) {
	cur, err := s.certs.Find(ctx, bson.D{{Key: "user", Value: user}})
	return mongox.All[certDoc](ctx, "list certificates of "+user, cur, err)
}

// scrubHolder removes the holder from a certificate: the pseudonym instead of her id, and no
// name, credential or PDF.
func (s *store) scrubHolder(ctx context.Context, id, pseudonym string) error {
	_, err := s.certs.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "user", Value: pseudonym}, {Key: "show_name", Value: false}}},
		{Key: "$unset", Value: bson.D{{Key: "name", Value: ""}, {Key: "jwt", Value: ""}, {Key: "pdf_key", Value: ""}}},
	})
	return mongox.Err(ctx, "remove the holder of certificate "+id, err)
}
