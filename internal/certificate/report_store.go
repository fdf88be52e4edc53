package certificate

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// The store's queries for admins and reports.

// newest returns the most recently issued certificates.
func (s *store) newest(ctx context.Context, limit int) ([]certDoc, error) {
	cur, err := s.certs.Find(ctx, bson.D{}, options.Find().SetSort(bson.D{{Key: "issued_at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	return mongox.All[certDoc](ctx, "list the newest certificates", cur, err)
}

// ofCourse returns the certificates of a course held by any of users (issue dates and
// revocations only).
func (s *store) ofCourse(ctx context.Context, slug string, users []string) ([]certDoc, error) {
	cur, err := s.certs.Find(ctx, bson.D{{Key: "course", Value: slug}, {Key: "user", Value: bson.D{{Key: "$in", Value: users}}}},
		options.Find().SetProjection(bson.D{{Key: "user", Value: 1}, {Key: "course", Value: 1}, {Key: "issued_at", Value: 1}, {Key: "revoked_at", Value: 1}}))
	return mongox.All[certDoc](ctx, "list the certificates of a course", cur, err)
}
