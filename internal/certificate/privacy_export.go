package certificate

import (
	"context"
	"encoding/json"
	"fmt"
)

// ExportOf returns one learner's certificates ("certificates"), for her data export (GDPR
// Articles 15 and 20): each record as stored, with the signed credential (the VC-JWT) and
// whether and when it was revoked, but not by whom. The caller decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Service) ExportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	docs, err := s.store.exportOf(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export the certificates of %s: %w", userID, err)
	}
	return map[string][]json.RawMessage{"certificates": docs}, nil
}
