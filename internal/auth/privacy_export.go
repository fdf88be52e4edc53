package auth

import (
	"context"
	"encoding/json"
	"fmt"
)

// ExportOf returns what the accounts capability holds about one person, for her data export
// (GDPR Articles 15 and 20): her account ("account"), her API sessions ("sessions_api"), browser
// sessions ("sessions_browser"), sessions ended early ("sessions_ended") and the invitation and
// password-reset links sent to her ("links_sent"), each as its stored documents in plain JSON.
// No secret is in them: no password hash, no token or its hash, no CSRF secret. The caller
// decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Service) ExportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	out, err := s.store.exportOf(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export the account of %s: %w", userID, err)
	}
	return out, nil
}
