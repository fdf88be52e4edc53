package auth

import (
	"context"
	"errors"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/notify"
)

// PasswordResetTTL is how long a password-reset link works.
const PasswordResetTTL = time.Hour

// oneTimeReset is the kind of a password reset's one-time token.
const oneTimeReset = "password_reset"

// RequestPasswordReset queues a reset link for an enabled account. It says nothing about whether
// the account exists: callers answer the same whatever happens here.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	e, fe := NormalizeEmail("email", email)
	if fe != nil {
		return nil
	}
	d, err := s.store.userByEmail(ctx, e)
	if errors.Is(err, ErrUserNotFound) || (err == nil && d.Disabled) {
		return nil
	}
	if err != nil {
		return err
	}
	tok := randomToken()
	now := s.now().UTC()
	exp := now.Add(PasswordResetTTL)
	if err := s.store.insertOneTime(ctx, oneTimeDoc{ID: hashToken(tok), Kind: oneTimeReset, UserID: d.ID, ExpiresAt: exp, CreatedAt: now}); err != nil {
		return err
	}
	msg := notify.PasswordReset{Locale: d.Locale, Name: d.Name, Link: s.links.PasswordReset(tok), Expires: exp}.Email()
	msg.To = d.Email
	return s.outbox.EnqueueEmail(ctx, "reset:"+hashToken(tok)[:32], msg)
}

// ConfirmPasswordReset sets a new password with a reset token (single use, one hour) and signs
// the account out everywhere.
//
// Returns validation errors and ErrInvalidToken.
func (s *Service) ConfirmPasswordReset(ctx context.Context, token, password string) error {
	if fe := CheckPassword("password", password); fe != nil {
		return apperr.Validation(*fe)
	}
	if len(token) > 128 {
		return ErrInvalidToken
	}
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	ot, ok, err := s.store.useOneTime(ctx, hashToken(token), oneTimeReset, now)
	if err != nil {
		return err
	}
	if !ok {
		return ErrInvalidToken
	}
	if _, err := s.store.updateUser(ctx, ot.UserID, userUpdate{PasswordHash: &h, UpdatedAt: &now}); err != nil {
		return err
	}
	return s.store.revokeUserTokens(ctx, ot.UserID, now)
}
