package auth

import (
	"context"
	"time"
)

// Retention of accounts: an account is idle when it was created, changed and last signed in to
// before a cutoff. The application layer adds the other signs of life (learning records) and
// erases what remains.

// IdleAccount is an account with no sign-in or change since a cutoff.
type IdleAccount struct {
	User
	// LastSignIn is the latest sign-in Taito noted; zero when none was (before sign-ins were
	// noted, or never).
	LastSignIn time.Time
}

// IdleSince returns the accounts created, changed and signed in to only before t, and without
// a refresh token given since, in id order. Before Taito has noted sign-ins for the whole time
// since t (it began when this installation first started a version that notes them), it
// returns none: an account signed in to only before that would look idle.
func (s *Service) IdleSince(ctx context.Context, t time.Time) ([]IdleAccount, error) {
	since, err := s.store.signInEpoch(ctx)
	if err != nil {
		return nil, err
	}
	if since.IsZero() || since.After(t) {
		return nil, nil
	}
	rows, err := s.store.usersIdleSince(ctx, t)
	if err != nil {
		return nil, err
	}
	out := make([]IdleAccount, 0, len(rows))
	for _, r := range rows {
		refreshed, err := s.store.refreshedSince(ctx, r.ID, t)
		if err != nil {
			return nil, err
		}
		if !refreshed {
			out = append(out, IdleAccount{User: r.user(), LastSignIn: r.LastSignIn})
		}
	}
	return out, nil
}

// ActiveAdmins returns the ids of the enabled admin accounts that can sign in.
func (s *Service) ActiveAdmins(ctx context.Context) ([]string, error) {
	return s.store.activeAdmins(ctx)
}

// noteSignIn records that the account signed in now; a failure is only logged (the sign-in
// itself succeeded).
func (s *Service) noteSignIn(ctx context.Context, id string, at time.Time) {
	if err := s.store.noteSignIn(ctx, id, at); err != nil {
		s.log.Warn("note the sign-in", "user", id, "err", err)
	}
}
