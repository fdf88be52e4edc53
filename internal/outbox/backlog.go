package outbox

import (
	"context"
	"time"
)

// Backlog is the outbox's state at one moment, for monitoring.
type Backlog struct {
	Pending       int       // jobs waiting to be done (due or not)
	Failed        int       // jobs that failed for good
	OldestPending time.Time // creation of the oldest pending job; zero when none is pending
}

// Backlog counts the pending and failed jobs and finds the oldest pending one. It returns
// apperr.KindUnavailable when the database cannot be reached and apperr.KindTimeout when ctx's
// deadline passes first.
func (o *Outbox) Backlog(ctx context.Context) (Backlog, error) { return o.store.backlog(ctx) }
