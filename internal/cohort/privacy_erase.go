package cohort

import (
	"context"
	"fmt"
)

// PseudonymiseMember replaces a person by a pseudonym in the cohorts, for her erasure (GDPR
// Article 17): her enrolments (keyed cohort:user) and her active cohort per course (keyed
// course:user) are stored again under the pseudonym's key and the old ones deleted, so that
// cohorts count her as before; where she trained a cohort she is taken off its trainers, and
// cohorts and reminders she made name the pseudonym. It can be run again: what is done already
// is not found again. The caller decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Directory) PseudonymiseMember(ctx context.Context, userID, pseudonym string) error {
	if err := s.store.rekeyEnrolments(ctx, userID, pseudonym); err != nil {
		return fmt.Errorf("re-key the enrolments of %s: %w", userID, err)
	}
	courses, err := s.store.rekeyMemberships(ctx, userID, pseudonym)
	for _, slug := range courses {
		s.members.Forget(membershipID(slug, userID))
	}
	if err != nil {
		return fmt.Errorf("re-key the memberships of %s: %w", userID, err)
	}
	if err := s.store.pseudonymiseStaff(ctx, userID, pseudonym); err != nil {
		return fmt.Errorf("pseudonymise the cohorts of %s: %w", userID, err)
	}
	return nil
}
