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
	gen      int64 // the token generation: tokens of an older one are refused
	locale   string
}

func (s *Service) newSession(ctx context.Context, u userDoc, family string) (Session, error) {
	if family == "" {
		family = newID()
	}
	access, err := s.tokens.sign(grant{Principal: Principal{UserID: u.ID, Roles: u.Roles}, session: family, gen: u.TokenGen})
	if err != nil {
		return Session{}, fmt.Errorf("sign access token: %w", err)
	}
	refresh := randomToken()
	now := s.now().UTC()
	if err := s.store.insertRefresh(ctx, refreshDoc{ID: hashToken(refresh), UserID: u.ID, Family: family, Gen: u.TokenGen, ExpiresAt: now.Add(RefreshTokenTTL), CreatedAt: now}); err != nil {
		return Session{}, err
	}
	return Session{AccessToken: access, ExpiresIn: s.tokens.TTL(), RefreshToken: refresh}, nil
}

// Login checks an e-mail and password. A wrong e-mail, a wrong password, a disabled or a pending
// account all give ErrInvalidCredentials after the same hashing work. Every attempt is counted
// against the account and the client address before the password is checked, so that parallel
// guesses count too; past the limits it gives ErrTooManyAttempts with a Retry-After, without
// checking the password. A successful sign-in is taken off the counts.
func (s *Service) Login(ctx context.Context, email, password, clientIP string) (Session, error) {
	u, err := s.login(ctx, email, password, clientIP)
	if err != nil {
		return Session{}, err
	}
	return s.newSession(ctx, u, "")
}

// login is the check of Login and SignInBrowser: the account when the e-mail and password are
// right.
func (s *Service) login(ctx context.Context, email, password, clientIP string) (userDoc, error) {
	key := strings.ToLower(strings.TrimSpace(email))
	if len(key) > maxEmailLength || len(password) > MaxPasswordBytes {
		return userDoc{}, ErrInvalidCredentials
	}
	now := s.now().UTC()
	if err := s.attempt(ctx, now, signInAccount.on(key), signInAddress.on(clientIP)); err != nil {
		return userDoc{}, err
	}
	u, ok, rehash, err := s.verifyPassword(ctx, key, password)
	if err != nil {
		return userDoc{}, err
	}
	if !ok {
		// An unknown address is recorded without a subject and never with the typed address.
		s.audit(ctx, Event{Kind: EventSignInFailed, Subject: u.ID, IP: clientIP})
		return userDoc{}, ErrInvalidCredentials
	}
	if err := s.succeeded(ctx, signInAccount.on(key), signInAddress.on(clientIP)); err != nil {
		return userDoc{}, err
	}
	s.noteSignIn(ctx, u.ID, now)
	s.audit(ctx, Event{Kind: EventSignIn, Actor: u.ID, Subject: u.ID, IP: clientIP})
	if rehash {
		s.rehash(ctx, u.ID, password)
	}
	return u, nil
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
// same family. Presenting a token that was already used ends the whole session (it has been
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
		if err := s.endIfReused(ctx, hash, now); err != nil {
			return Session{}, err
		}
		return Session{}, ErrInvalidToken
	}
	u, err := s.store.userByID(ctx, d.UserID)
	if errors.Is(err, ErrUserNotFound) || (err == nil && (u.Disabled || d.Gen < u.TokenGen)) {
		return Session{}, ErrInvalidToken
	}
	if err != nil {
		return Session{}, err
	}
	sess, err := s.newSession(ctx, u, d.Family)
	if err != nil {
		return Session{}, err
	}
	// A logout racing with this refresh may have revoked the family before the new token was
	// stored: Logout records the end before revoking, so looking after storing catches it.
	ended, err := s.store.sessionEnded(ctx, d.Family)
	if err != nil {
		return Session{}, err
	}
	if ended {
		if err := s.store.revokeFamily(ctx, d.Family, now); err != nil {
			return Session{}, err
		}
		return Session{}, ErrInvalidToken
	}
	return sess, nil
}

// endIfReused ends the session of a refresh token that could not be used because it was used
// already.
func (s *Service) endIfReused(ctx context.Context, hash string, now time.Time) error {
	old, found, err := s.store.refreshByHash(ctx, hash)
	if err != nil || !found || old.UsedAt == nil || old.RevokedAt != nil {
		return err
	}
	s.log.Warn("refresh token reused: session ended", "user", old.UserID, "family", old.Family)
	return s.endSession(ctx, old.UserID, old.Family, now)
}

// Logout ends the session (refresh family) of a refresh token: its refresh tokens at once, its
// access tokens at once on this replica and within 30 seconds on the others. Other sessions of
// the account go on. An unknown token is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" || len(token) > 128 {
		return nil
	}
	d, found, err := s.store.refreshByHash(ctx, hashToken(token))
	if err != nil || !found {
		return err
	}
	if d.RevokedAt == nil {
		s.audit(ctx, Event{Kind: EventSignOut, Actor: d.UserID, Subject: d.UserID})
	}
	return s.endSession(ctx, d.UserID, d.Family, s.now().UTC())
}

// endSession ends one session: first recorded as ended (which access tokens are checked
// against), then its refresh tokens revoked.
func (s *Service) endSession(ctx context.Context, userID, family string, now time.Time) error {
	// Kept until the last access token of the session has expired.
	expires := now.Add(MaxAccessTokenTTL + tokenLeeway)
	if err := s.store.endSession(ctx, endedDoc{ID: family, UserID: userID, EndedAt: now, ExpiresAt: expires}); err != nil {
		return err
	}
	s.ended.Put(family, true)
	return s.store.revokeFamily(ctx, family, now)
}

// LogoutAll signs the actor out everywhere: every session of her account ends, this one too.
//
// Returns ErrUserNotFound.
func (s *Service) LogoutAll(ctx context.Context, actor Principal) error {
	_, err := s.store.updateUser(ctx, actor.UserID, userUpdate{EndSessions: true})
	if err != nil {
		return err
	}
	s.audit(ctx, Event{Kind: EventSignOut, Actor: actor.UserID, Subject: actor.UserID, Detail: "everywhere"})
	return s.sessionsEnded(ctx, actor.UserID, s.now().UTC())
}

// sessionsEnded finishes ending every session of an account whose token generation was just
// raised (userUpdate.EndSessions): this replica forgets the account's status at once, and every
// refresh token is revoked.
func (s *Service) sessionsEnded(ctx context.Context, userID string, now time.Time) error {
	s.cache.Forget(userID)
	if err := s.store.deleteBrowsers(ctx, userID); err != nil {
		return err
	}
	return s.store.revokeUserTokens(ctx, userID, now)
}

// Authenticate verifies an access token and checks that the account is enabled, that the token
// is of the account's current generation and that its session has not ended, from caches at
// most 30 seconds old (10 minutes for a sole writer, which forgets its own changes at once): a
// change made on another replica shows within that, well inside the access token's life. The
// roles are the account's current ones, not the token's.
//
// Returns ErrInvalidToken.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	g, err := s.tokens.verify(token)
	if err != nil {
		return Principal{}, err
	}
	st, err := s.status(ctx, g)
	if err != nil {
		return Principal{}, err
	}
	if st.disabled || g.gen < st.gen {
		return Principal{}, ErrInvalidToken
	}
	if g.session != "" {
		ended, err := s.sessionHasEnded(ctx, g.session)
		if err != nil {
			return Principal{}, err
		}
		if ended {
			return Principal{}, ErrInvalidToken
		}
	}
	return Principal{UserID: g.UserID, Roles: slices.Clone(st.roles), Locale: st.locale}, nil
}

// status is the status of a grant's account, from the cache unless the grant is of a newer
// generation than the cache knows (the change was made on another replica).
//
// Returns ErrInvalidToken for an account that no longer exists.
func (s *Service) status(ctx context.Context, g grant) (userStatus, error) {
	if st, ok := s.cache.Get(g.UserID); ok && g.gen <= st.gen {
		return st, nil
	}
	u, err := s.store.userByID(ctx, g.UserID)
	if errors.Is(err, ErrUserNotFound) {
		return userStatus{}, ErrInvalidToken
	}
	if err != nil {
		return userStatus{}, err
	}
	st := userStatus{roles: u.Roles, disabled: u.Disabled, gen: u.TokenGen, locale: u.Locale}
	s.cache.Put(g.UserID, st)
	return st, nil
}

// sessionHasEnded reports whether a session has ended, from the cache when it knows.
func (s *Service) sessionHasEnded(ctx context.Context, family string) (bool, error) {
	if ended, ok := s.ended.Get(family); ok {
		return ended, nil
	}
	ended, err := s.store.sessionEnded(ctx, family)
	if err != nil {
		return false, err
	}
	s.ended.Put(family, ended)
	return ended, nil
}
