package outbox

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// deleteJob deletes a job and its claims.
func (s *store) deleteJob(ctx context.Context, id string) error {
	if _, err := s.jobs.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}}); err != nil {
		return mongox.Err(ctx, "delete job "+id, err)
	}
	// Claims are keyed job#attempt: "$" sorts right after "#".
	_, err := s.claims.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: id + "#"}, {Key: "$lt", Value: id + "$"}}}})
	return mongox.Err(ctx, "delete the claims of job "+id, err)
}

// replaceEmail stores a job's changed e-mail.
func (s *store) replaceEmail(ctx context.Context, id string, e Email) error {
	_, err := s.jobs.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "email", Value: e}}}})
	return mongox.Err(ctx, "change job "+id, err)
}
