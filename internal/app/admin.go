package app

import (
	"context"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/outbox"
)

// The admin's use cases on the outbox: the messages that failed, and sending one again.

// FailedOutboxJobs lists the messages and jobs that failed for good, with the reason of their
// last attempt, to admins.
//
// Returns auth.ErrForbidden.
func (a *App) FailedOutboxJobs(ctx context.Context, actor auth.Principal, after string, limit int) ([]outbox.Job, string, error) {
	if err := auth.RequireAdmin(actor); err != nil {
		return nil, "", err
	}
	return a.Outbox.ListState(ctx, outbox.StateFailed, after, limit)
}

// RetryOutboxJob puts a failed message back in the queue, due at once with a fresh count of
// attempts (an admin fixed the address or the mail server), for admins.
//
// Returns auth.ErrForbidden, outbox.ErrNotFound and outbox.ErrNotRetryable.
func (a *App) RetryOutboxJob(ctx context.Context, actor auth.Principal, id string) (outbox.Job, error) {
	if err := auth.RequireAdmin(actor); err != nil {
		return outbox.Job{}, err
	}
	return a.Outbox.Retry(ctx, id)
}
