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

// RequestPasswordReset asks for a reset link for an address, from a client address. It counts
// the request against both (5 per e-mail address and 20 per client address an hour) and then
// returns: the account is looked up and the link queued in the background (see Wait), so that
// a known and an unknown address take the same work and time here and the caller answers the
// same whatever the address. An invited account without a password gets a new invitation
// instead of a reset link.
//
// Returns ErrTooManyResets with the time to wait.
func (s *Service) RequestPasswordReset(ctx context.Context, email, clientIP string) error {
	e, fe := NormalizeEmail("email", email)
	now := s.now().UTC()
	if err := s.attempt(ctx, now, resetAddress.on(clientIP)); err != nil || fe != nil {
		return err
	}
	if err := s.attempt(ctx, now, resetAccount.on(e)); err != nil {
		return err
	}
	s.inBackground(ctx, "queue password reset", func(ctx context.Context) error { return s.sendReset(ctx, e) })
	return nil
}

// sendReset queues a reset link for the enabled account with a (normalised) e-mail address, if
// there is one. An invited account that has no password yet gets a fresh invitation instead
// (its link sets the password and the name): that is how a person whose invitation link has
// expired asks for a new one. The links sent before keep working until they expire.
func (s *Service) sendReset(ctx context.Context, email string) error {
	d, err := s.store.userByEmail(ctx, email)
	if errors.Is(err, ErrUserNotFound) || (err == nil && d.Disabled) {
		return nil
	}
	if err != nil {
		return err
	}
	now := s.now().UTC()
	if d.PasswordHash == "" {
		_, err := s.invite(ctx, d, now)
		return err
	}
	tok := randomToken()
	exp := now.Add(PasswordResetTTL)
	if err := s.store.insertOneTime(ctx, oneTimeDoc{ID: hashToken(tok), Kind: oneTimeReset, UserID: d.ID, ExpiresAt: exp, CreatedAt: now}); err != nil {
		return err
	}
	msg := notify.PasswordReset{Locale: d.Locale, Name: d.Name, Link: s.links.PasswordReset(tok), Expires: exp}.Email()
	msg.To = d.Email
	return s.outbox.EnqueueEmail(ctx, "reset:"+hashToken(tok)[:32], msg)
}

// ConfirmPasswordReset sets a new password with a reset token (single use, one hour) and ends
// every session of the account (see LogoutAll).
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
	if _, err := s.store.updateUser(ctx, ot.UserID, userUpdate{PasswordHash: &h, UpdatedAt: &now, EndSessions: true}); err != nil {
		return err
	}
	return s.sessionsEnded(ctx, ot.UserID, now)
}
