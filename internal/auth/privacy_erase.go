package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// EndForErasure is the first part of erasing a person (GDPR Article 17): her account is
// disabled, every session of hers ends, and her refresh tokens, one-time links (invitations,
// password resets), ended-session records, browser sessions and the sign-in and reset
// throttle counters keyed by her e-mail address are deleted. The account itself stays until
// DeleteForErasure, so that an erasure interrupted part-way still knows whom it erases. Running
// it again is harmless; an account that is gone already is not an error. The caller decides who
// may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Service) EndForErasure(ctx context.Context, userID string) error {
	disabled := true
	d, err := s.store.updateUser(ctx, userID, userUpdate{Disabled: &disabled, EndSessions: true})
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return fmt.Errorf("disable the account %s: %w", userID, err)
	}
	s.cache.Forget(userID)
	var keys []string
	if d.Email != "" {
		email := strings.ToLower(strings.TrimSpace(d.Email))
		keys = []string{signInAccount.on(email).key, resetAccount.on(email).key}
	}
	if err := s.store.eraseSessions(ctx, userID, keys); err != nil {
		return fmt.Errorf("delete the sessions of %s: %w", userID, err)
	}
	return nil
}

// DeleteForErasure deletes a person's account, the last part of erasing her; an account that is
// gone already is not an error.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Service) DeleteForErasure(ctx context.Context, userID string) error {
	if err := s.store.deleteUser(ctx, userID); err != nil {
		return fmt.Errorf("delete the account %s: %w", userID, err)
	}
	s.cache.Forget(userID)
	return nil
}
