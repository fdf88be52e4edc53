package auth

import (
	"context"
	"errors"
	"time"
)

// Browser sessions: the web app's sign-in. A browser holds an opaque random id in a cookie; the
// database keeps only its SHA-256 with the account, the account's token generation, a CSRF
// secret, and the idle and absolute deadlines. Signing out ends that session; everything that
// raises the token generation (signing out everywhere, a password change or reset, a role
// change, disabling) ends every browser session of the account at once, as it ends its tokens.

// SessionLimits bound a browser session: it ends after Idle without a request and after Max in
// all, whatever happens.
type SessionLimits struct {
	Idle time.Duration
	Max  time.Duration
}

// DefaultSessionLimits suit shared office computers: 2 hours idle, 12 hours in all.
var DefaultSessionLimits = SessionLimits{Idle: 2 * time.Hour, Max: 12 * time.Hour}

// touchEvery is how often a session's last request is written: the idle deadline is exact to
// within it, and a page costs no write when it is not due.
const touchEvery = time.Minute

// maxMarkKey bounds a page mark's key.
const maxMarkKey = 300

// BrowserSession is a signed-in browser.
type BrowserSession struct {
	Principal Principal
	// CSRF is the secret every state-changing form of the session carries.
	CSRF string
	// Mark is what the web app noted on the session at its last page (the lesson she opened),
	// nil when nothing is noted.
	Mark *PageMark
	// ExpiresAt is when the session ends at the latest.
	ExpiresAt time.Time

	id string // the stored id: the cookie's hash
}

// PageMark is a note the web app keeps on a session between two pages: a key of its own and
// the server's time it was made.
type PageMark struct {
	Key string    `bson:"key"`
	At  time.Time `bson:"at"`
}

// ErrSessionEnded is a browser cookie whose session has ended, timed out or never was.
var ErrSessionEnded = ErrInvalidToken

// SignInBrowser checks an e-mail and password as Login does (the same throttling and errors)
// and starts a browser session. raw is the cookie's value, returned only here.
func (s *Service) SignInBrowser(ctx context.Context, email, password, clientIP string) (raw string, _ BrowserSession, err error) {
	u, err := s.login(ctx, email, password, clientIP)
	if err != nil {
		return "", BrowserSession{}, err
	}
	return s.startBrowser(ctx, u)
}

// AcceptInvitationInBrowser sets the password of an invited account, as AcceptInvitation does,
// and starts a browser session for it.
//
// Returns validation errors and ErrInvalidToken.
func (s *Service) AcceptInvitationInBrowser(ctx context.Context, token, password string, name *string) (raw string, _ BrowserSession, err error) {
	u, err := s.acceptInvitation(ctx, token, password, name)
	if err != nil {
		return "", BrowserSession{}, err
	}
	return s.startBrowser(ctx, u)
}

func (s *Service) startBrowser(ctx context.Context, u userDoc) (string, BrowserSession, error) {
	raw := randomToken()
	now := s.now().UTC()
	d := browserDoc{ID: hashToken(raw), UserID: u.ID, Gen: u.TokenGen, CSRF: randomToken(), CreatedAt: now, SeenAt: now,
		ExpiresAt: now.Add(s.sessions.Max)}
	if err := s.store.insertBrowser(ctx, d); err != nil {
		return "", BrowserSession{}, err
	}
	return raw, BrowserSession{Principal: Principal{UserID: u.ID, Roles: u.Roles, Locale: u.Locale}, CSRF: d.CSRF, ExpiresAt: d.ExpiresAt, id: d.ID}, nil
}

// Browser returns the session of a browser cookie when it is live: not signed out, not idle for
// longer than the idle limit, not older than the absolute one, its account enabled and of the
// session's token generation. The principal has the account's current roles and language.
//
// Returns ErrSessionEnded.
func (s *Service) Browser(ctx context.Context, raw string) (BrowserSession, error) {
	if raw == "" || len(raw) > 128 {
		return BrowserSession{}, ErrSessionEnded
	}
	id := hashToken(raw)
	d, found, err := s.store.browser(ctx, id)
	if err != nil {
		return BrowserSession{}, err
	}
	now := s.now().UTC()
	if !found {
		return BrowserSession{}, ErrSessionEnded
	}
	if !now.Before(d.ExpiresAt) || !now.Before(d.SeenAt.Add(s.sessions.Idle)) {
		if err := s.store.deleteBrowser(ctx, id); err != nil {
			s.log.Warn("delete a timed-out browser session", "err", err)
		}
		return BrowserSession{}, ErrSessionEnded
	}
	st, err := s.status(ctx, grant{Principal: Principal{UserID: d.UserID}, gen: d.Gen})
	if errors.Is(err, ErrInvalidToken) {
		return BrowserSession{}, ErrSessionEnded
	}
	if err != nil {
		return BrowserSession{}, err
	}
	if st.disabled || d.Gen < st.gen {
		return BrowserSession{}, ErrSessionEnded
	}
	if now.Sub(d.SeenAt) >= touchEvery {
		if err := s.store.touchBrowser(ctx, id, now); err != nil {
			return BrowserSession{}, err
		}
	}
	return BrowserSession{Principal: Principal{UserID: d.UserID, Roles: append([]Role(nil), st.roles...), Locale: st.locale},
		CSRF: d.CSRF, Mark: d.Mark, ExpiresAt: d.ExpiresAt, id: id}, nil
}

// EndBrowser signs one browser out: its session is deleted. An unknown cookie is not an error.
func (s *Service) EndBrowser(ctx context.Context, raw string) error {
	if raw == "" || len(raw) > 128 {
		return nil
	}
	return s.store.deleteBrowser(ctx, hashToken(raw))
}

// SetMark notes key on the session at the server's time now, replacing any earlier note.
func (s *Service) SetMark(ctx context.Context, b BrowserSession, key string) error {
	if b.id == "" || key == "" || len(key) > maxMarkKey {
		return errors.New("set a page mark: no session or a bad key")
	}
	return s.store.setMark(ctx, b.id, &PageMark{Key: key, At: s.now().UTC()})
}

// TakeMark removes the session's note and returns it as it was, nil when there was none (or
// another request took it first): each note is taken once.
func (s *Service) TakeMark(ctx context.Context, b BrowserSession) (*PageMark, error) {
	if b.id == "" {
		return nil, nil
	}
	return s.store.takeMark(ctx, b.id)
}
