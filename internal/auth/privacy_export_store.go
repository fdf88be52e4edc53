package auth

import (
	"context"
	"encoding/json"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// exportOf reads what the accounts' collections hold about one person, less every secret: her
// account without its password hash, her sign-in sessions and one-time links as metadata (their
// ids are hashes of the tokens, so they are left out too; the CSRF secret as well).
func (s *store) exportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	byUser := bson.D{{Key: "user_id", Value: userID}}
	parts := []struct {
		name string
		read func() ([]json.RawMessage, error)
	}{
		{"account", func() ([]json.RawMessage, error) {
			return mongox.ExportDocs(ctx, s.users, byID(userID), "password_hash", "token_gen")
		}},
		{"sessions_api", func() ([]json.RawMessage, error) { return mongox.ExportDocs(ctx, s.refresh, byUser, "_id", "gen") }},
		{"sessions_browser", func() ([]json.RawMessage, error) {
			return mongox.ExportDocs(ctx, s.browsers, byUser, "_id", "gen", "csrf")
		}},
		{"sessions_ended", func() ([]json.RawMessage, error) { return mongox.ExportDocs(ctx, s.ended, byUser) }},
		{"links_sent", func() ([]json.RawMessage, error) { return mongox.ExportDocs(ctx, s.oneTime, byUser, "_id") }},
	}
	out := map[string][]json.RawMessage{}
	for _, p := range parts {
		docs, err := p.read()
		if err != nil {
			return nil, err
		}
		out[p.name] = docs
	}
	return out, nil
}
