package learning

import (
	"context"
	"encoding/json"
	"fmt"
)

// ExportOf returns one learner's learning record for her data export (GDPR Articles 15 and 20):
// "statements", every statement of hers in the log with the full xAPI statement as stored, oldest
// first, and "progress", her progress projection in each course, as stored. The caller decides
// who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Service) ExportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	out, err := s.store.exportOf(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export the learning record of %s: %w", userID, err)
	}
	return out, nil
}
