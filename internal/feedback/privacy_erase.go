package feedback

import (
	"context"
	"fmt"
	"strings"
)

// EraseSender removes a person from the accessibility feedback, for her erasure (GDPR Article
// 17): the address she gave for an answer is deleted from what she sent (the feedback itself
// stays: it is about the service, not about her), and feedback she handled as an admin names the
// pseudonym. It can be run again. The caller decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Service) EraseSender(ctx context.Context, userID, email, pseudonym string) error {
	if err := s.store.eraseSender(ctx, userID, strings.TrimSpace(email), pseudonym); err != nil {
		return fmt.Errorf("erase feedback of %s: %w", userID, err)
	}
	return nil
}
