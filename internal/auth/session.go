package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RefreshTokenTTL is how long a refresh token lives unused.
const RefreshTokenTTL = 30 * 24 * time.Hour

// Session is what a successful sign-in or refresh returns.
type Session struct {
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string
}

// userStatus is what Authenticate checks of an account on every request: cached for a short
// time (see NewService), so that it does not cost a database read each time.
type userStatus struct {
	roles    []Role
	disabled bool
}

func (s *Service) newSession(ctx context.Context, u userDoc, family string) (Session, error) {
	access, err := s.tokens.Sign(Principal{UserID: u.ID, Roles: u.Roles})
	if err != nil {
		return Session{}, fmt.Errorf("sign access token: %w", err)
	}
	refresh := randomToken()
	if family == "" {
		family = newID()
	}
	now := s.now().UTC()
	if err := s.store.insertRefresh(ctx, refreshDoc{ID: hashToken(refresh), UserID: u.ID, Family: family, ExpiresAt: now.Add(RefreshTokenTTL), CreatedAt: now}); err != nil {
		return Session{}, err
	}
	return Session{AccessToken: access, ExpiresIn: s.tokens.TTL(), RefreshToken: refresh}, nil
}

// Login checks an e-mail and password. A wrong e-mail, a wrong password, a disabled or a pending
// account all give ErrInvalidCredentials after the same hashing work. After repeated failures
// for the account or the client address it gives ErrTooManyAttempts with a Retry-After.
func (s *Service) Login(ctx context.Context, email, password, clientIP string) (Session, error) {
	key := strings.ToLower(strings.TrimSpace(email))
	if len(key) > maxEmailLength || len(password) > MaxPasswordBytes {
		return Session{}, ErrInvalidCredentials
	}
	counters := signInCounters(key, clientIP)
	now := s.now().UTC()
	if err := s.checkThrottle(ctx, counters, now); err != nil {
		return Session{}, err
	}
	u, ok, rehash, err := s.verifyPassword(ctx, key, password)
	if err != nil {
		return Session{}, err
	}
	if !ok {
		if err := s.recordFailures(ctx, counters, now); err != nil {
			return Session{}, err
		}
		return Session{}, ErrInvalidCredentials
	}
	if err := s.store.clearThrottle(ctx, counters.account); err != nil {
		return Session{}, err
	}
	if rehash {
		s.rehash(ctx, u.ID, password)
	}
	return s.newSession(ctx, u, "")
}

// verifyPassword checks a password against the account with a (normalised) e-mail address,
// with the same hashing work whether the account exists or not. ok is false for a wrong
// password and for an unknown, pending or disabled account; rehash says that the stored hash
// has weaker parameters than today's.
func (s *Service) verifyPassword(ctx context.Context, email, password string) (u userDoc, ok, rehash bool, err error) {
	u, err = s.store.userByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return userDoc{}, false, false, err
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = s.dummyHash
	}
	ok, rehash, err = s.hasher.Verify(ctx, hash, password)
	if err != nil {
		return userDoc{}, false, false, err
	}
	return u, ok && u.ID != "" && u.PasswordHash != "" && !u.Disabled, rehash, nil
}

// rehash stores the password hashed with today's parameters. A failure is only logged: the
// sign-in succeeded, and the next one tries again.
func (s *Service) rehash(ctx context.Context, userID, password string) {
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return
	}
	if _, err := s.store.updateUser(ctx, userID, userUpdate{PasswordHash: &h}); err != nil {
		s.log.Warn("re-hash password", "user", userID, "err", err)
	}
}

// Refresh rotates a refresh token: the presented one is used up and a new one returned in the
// same family. Presenting a token that was already used revokes the whole family (it has been
// copied), so both the thief and the owner must sign in again.
//
// Returns ErrInvalidToken.
func (s *Service) Refresh(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 128 {
		return Session{}, ErrInvalidToken
	}
	hash := hashToken(token)
	now := s.now().UTC()
	d, ok, err := s.store.useRefresh(ctx, hash, now)
	if err != nil {
		return Session{}, err
	}
	if !ok {
		if err := s.revokeIfReused(ctx, hash, now); err != nil {
			return Session{}, err
		}
		return Session{}, ErrInvalidToken
	}
	u, err := s.store.userByID(ctx, d.UserID)
	if errors.Is(err, ErrUserNotFound) || (err == nil && u.Disabled) {
		return Session{}, ErrInvalidToken
	}
	if err != nil {
		return Session{}, err
	}
	return s.newSession(ctx, u, d.Family)
}

// revokeIfReused revokes the family of a refresh token that could not be used because it was
// used already.
func (s *Service) revokeIfReused(ctx context.Context, hash string, now time.Time) error {
	old, found, err := s.store.refreshByHash(ctx, hash)
	if err != nil || !found || old.UsedAt == nil || old.RevokedAt != nil {
		return err
	}
	s.log.Warn("refresh token reused: family revoked", "user", old.UserID, "family", old.Family)
	return s.store.revokeFamily(ctx, old.Family, now)
}

// Logout revokes the family of a refresh token. An unknown token is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" || len(token) > 128 {
		return nil
	}
	d, found, err := s.store.refreshByHash(ctx, hashToken(token))
	if err != nil || !found {
		return err
	}
	return s.store.revokeFamily(ctx, d.Family, s.now().UTC())
}

// Authenticate verifies an access token and checks the account is still enabled, from a cache
// at most 30 seconds old: a disabled user is locked out within that, well inside the access
// token's life. The roles are the account's current ones, not the token's.
//
// Returns ErrInvalidToken.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	p, err := s.tokens.Verify(token)
	if err != nil {
		return Principal{}, err
	}
	st, ok := s.cache.Get(p.UserID)
	if !ok {
		u, err := s.store.userByID(ctx, p.UserID)
		if errors.Is(err, ErrUserNotFound) {
			return Principal{}, ErrInvalidToken
		}
		if err != nil {
			return Principal{}, err
		}
		st = userStatus{roles: u.Roles, disabled: u.Disabled}
		s.cache.Put(p.UserID, st)
	}
	if st.disabled {
		return Principal{}, ErrInvalidToken
	}
	return Principal{UserID: p.UserID, Roles: slices.Clone(st.roles)}, nil
}
