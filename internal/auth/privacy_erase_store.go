package auth

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/mongox"
)

// eraseSessions deletes every token, session and ended-session record of an account and the
// throttle counters with the given keys.
func (s *store) eraseSessions(ctx context.Context, userID string, throttleKeys []string) error {
	byUser := bson.D{{Key: "user_id", Value: userID}}
	for _, c := range []*mongo.Collection{s.refresh, s.oneTime, s.ended, s.browsers} {
		if _, err := c.DeleteMany(ctx, byUser); err != nil {
			return mongox.Err(ctx, "erase "+c.Name(), err)
		}
	}
	for _, k := range throttleKeys {
		if _, err := s.throttle.DeleteOne(ctx, byID(k)); err != nil {
			return mongox.Err(ctx, "erase sign-in throttle", err)
		}
	}
	return nil
}

// deleteUser deletes an account document.
func (s *store) deleteUser(ctx context.Context, id string) error {
	_, err := s.users.DeleteOne(ctx, byID(id))
	return mongox.Err(ctx, "delete user", err)
}
