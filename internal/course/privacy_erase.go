package course

import (
	"context"
	"fmt"
)

// PseudonymiseAuthor replaces a person by a pseudonym in the courses, for her erasure (GDPR
// Article 17): she is taken off every course team (a pseudonym is no one who signs in, so it
// cannot edit), and the courses and versions she created or published name the pseudonym. A
// course left without an owner is edited by admins until they name its team, as a course the
// command line imported. It can be run again. The caller decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Service) PseudonymiseAuthor(ctx context.Context, userID, pseudonym string) error {
	if err := s.store.pseudonymiseAuthor(ctx, userID, pseudonym); err != nil {
		return fmt.Errorf("pseudonymise the courses of %s: %w", userID, err)
	}
	return nil
}
