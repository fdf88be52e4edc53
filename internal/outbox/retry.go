package outbox

import (
	"context"

	"github.com/taito-lms/taito/internal/apperr"
)

// ErrNotRetryable is a retry of a job that has been done: there is nothing to send again.
var ErrNotRetryable = apperr.New(apperr.KindConflict, "the message has been sent already: there is nothing to send again")

// Retry puts a failed job back in the queue: pending, due now, with its attempts counted from
// zero again (so it gets as many tries as a new job) and its last error kept until the next
// attempt replaces it. A job that is pending already is left as it is. It checks nothing about
// the caller: the application layer lets admins only.
//
// Returns ErrNotFound and ErrNotRetryable.
func (o *Outbox) Retry(ctx context.Context, id string) (Job, error) {
	now := o.now().UTC()
	j, ok, err := o.store.retry(ctx, id, now)
	if err != nil {
		return Job{}, err
	}
	if !ok {
		j, err := o.store.job(ctx, id)
		if err != nil {
			return Job{}, err
		}
		if j.State == StatePending {
			return j, nil
		}
		return Job{}, ErrNotRetryable
	}
	// The claims of the attempts before are done with; an expired one would make a worker skip
	// the job once before it takes the attempt of the same number.
	if err := o.store.releaseClaims(ctx, id, j.priorAttempts, now); err != nil {
		return Job{}, err
	}
	return j.Job, nil
}

// ListState returns up to limit jobs in state with ids greater than after, in id order, and the
// cursor of the next page ("" at the end): the failed ones, for an admin to see why.
func (o *Outbox) ListState(ctx context.Context, state, after string, limit int) ([]Job, string, error) {
	jobs, err := o.store.pageState(ctx, state, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(jobs) > limit {
		jobs = jobs[:limit]
		next = jobs[limit-1].ID
	}
	return jobs, next, nil
}
