package auth

import (
	"context"
	"time"
)

// Sign-in throttling: failed sign-ins are counted per account and per client address in a
// window; past a limit, sign-ins from there are refused for a back-off that grows.
const (
	throttleWindow  = 15 * time.Minute
	accountFailures = 10  // failed sign-ins per account per window before a back-off
	ipFailures      = 100 // per client address: offices share addresses behind NAT
	maxBackoff      = 15 * time.Minute
)

// counters names the throttle counters one sign-in counts against.
type counters struct {
	account, address string
}

// signInCounters are the counters of a sign-in as (normalised) email from clientIP.
func signInCounters(email, clientIP string) counters {
	return counters{account: "acct:" + email, address: "ip:" + clientIP}
}

// checkThrottle refuses a sign-in while the account or the client address is blocked.
//
// Returns ErrTooManyAttempts with the time left in RetryAfter.
func (s *Service) checkThrottle(ctx context.Context, c counters, now time.Time) error {
	docs, err := s.store.throttleDocs(ctx, c.account, c.address)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if d.BlockedUntil.After(now) {
			e := ErrTooManyAttempts.With(nil) // an instance, so that errors.Is recognises it
			e.RetryAfter = d.BlockedUntil.Sub(now)
			return e
		}
	}
	return nil
}

// recordFailures counts a failed sign-in against the account and the client address.
func (s *Service) recordFailures(ctx context.Context, c counters, now time.Time) error {
	if err := s.recordFailure(ctx, c.account, accountFailures, now); err != nil {
		return err
	}
	return s.recordFailure(ctx, c.address, ipFailures, now)
}

func (s *Service) recordFailure(ctx context.Context, key string, limit int, now time.Time) error {
	n, err := s.store.recordFailure(ctx, key, now, throttleWindow)
	if err != nil || n < limit {
		return err
	}
	// A short back-off that doubles with every further failure, instead of a lock an attacker
	// could use to keep staff out.
	backoff := 30 * time.Second << min(n-limit, 5)
	return s.store.block(ctx, key, now.Add(min(backoff, maxBackoff)))
}
