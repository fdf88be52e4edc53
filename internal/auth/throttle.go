package auth

import (
	"context"
	"hash/fnv"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
)

// Throttling: attempts are counted per key (an e-mail address, a client address) in a window,
// in MongoDB so that every replica sees the same counts. Each attempt is counted with one
// increment before any work is done for it, so that parallel attempts each see their own
// number: the increment is atomic on MongoDB, and serialised within the process (lockCounter)
// for FerretDB, whose updates are not atomic between connections.
const (
	throttleWindow = 15 * time.Minute // sign-ins
	resetWindow    = time.Hour        // password-reset requests
	firstBackoff   = 30 * time.Second
	maxBackoff     = 15 * time.Minute
)

// limit is one throttle: at most max attempts per key in a window.
type limit struct {
	prefix string // of the counter's key
	max    int
	window time.Duration
	// backoff: past max, one attempt per back-off that doubles from 30 s up to 15 min, instead
	// of none until the window ends (a lock an attacker could use to keep staff out).
	backoff bool
	err     *apperr.Error // refusal, with the time to wait in RetryAfter
}

// The limits.
var (
	signInAccount = limit{prefix: "acct:", max: 10, window: throttleWindow, backoff: true, err: ErrTooManyAttempts}
	// Per client address: offices share addresses behind NAT.
	signInAddress = limit{prefix: "ip:", max: 100, window: throttleWindow, backoff: true, err: ErrTooManyAttempts}
	resetAccount  = limit{prefix: "reset:", max: 5, window: resetWindow, err: ErrTooManyResets}
	resetAddress  = limit{prefix: "reset-ip:", max: 20, window: resetWindow, err: ErrTooManyResets}
)

// counter is one limit applied to one key.
type counter struct {
	limit
	key string
}

// on is the limit applied to key (a normalised e-mail address or a client address).
func (l limit) on(key string) counter { return counter{limit: l, key: l.prefix + key} }

// refuse is the limit's error with the time to wait.
func (l limit) refuse(wait time.Duration) error {
	e := l.err.With(nil) // an instance, so that errors.Is recognises it
	e.RetryAfter = max(wait, time.Second)
	return e
}

// attempt counts an attempt against each counter in turn and refuses it at the first that is
// past its limit (the later ones are then not counted).
//
// Returns the limit's error (ErrTooManyAttempts, ErrTooManyResets) with the time to wait.
func (s *Service) attempt(ctx context.Context, now time.Time, counters ...counter) error {
	for _, c := range counters {
		if err := s.count(ctx, c, now); err != nil {
			return err
		}
	}
	return nil
}

// lockCounter serialises this process's changes to the counter key; call the returned func to
// unlock.
func (s *Service) lockCounter(key string) (unlock func()) {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	mu := &s.throttleLocks[h.Sum32()%uint32(len(s.throttleLocks))]
	mu.Lock()
	return mu.Unlock
}

func (s *Service) count(ctx context.Context, c counter, now time.Time) error {
	defer s.lockCounter(c.key)()
	d, err := s.store.countAttempt(ctx, c.key, now, c.window)
	switch {
	case err != nil:
		return err
	case d.BlockedUntil.After(now):
		return c.refuse(d.BlockedUntil.Sub(now))
	case !c.backoff && d.Failures <= c.max:
		return nil
	case !c.backoff:
		return c.refuse(d.WindowStart.Add(c.window).Sub(now))
	case d.Failures < c.max:
		return nil
	}
	// The max-th attempt and the first after each back-off go ahead and start the next,
	// longer back-off; of parallel attempts only the one that starts it does.
	wait := min(firstBackoff<<min(d.Blocks, 5), maxBackoff)
	claimed, err := s.store.claimBackoff(ctx, c.key, d.BlockedUntil, now.Add(wait))
	if err != nil || claimed {
		return err
	}
	return c.refuse(wait)
}

// succeeded takes a successful sign-in off the counts: the account's counter starts again, the
// client address's is given its attempt back.
func (s *Service) succeeded(ctx context.Context, account, address counter) error {
	unlock := s.lockCounter(account.key)
	err := s.store.clearThrottle(ctx, account.key)
	unlock()
	if err != nil {
		return err
	}
	defer s.lockCounter(address.key)()
	return s.store.uncount(ctx, address.key)
}
