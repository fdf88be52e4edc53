package feedback

import (
	"context"
	"encoding/json"
	"fmt"
)

// ExportFrom returns the accessibility feedback sent with address given for an answer
// ("accessibility_feedback"), for a person's data export (GDPR Articles 15 and 20). The caller
// decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Service) ExportFrom(ctx context.Context, address string) (map[string][]json.RawMessage, error) {
	docs, err := s.store.exportFrom(ctx, address)
	if err != nil {
		return nil, fmt.Errorf("export feedback: %w", err)
	}
	return map[string][]json.RawMessage{"accessibility_feedback": docs}, nil
}
