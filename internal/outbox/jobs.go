package outbox

import (
	"context"
	"strconv"
)

// Claimer hands out the due jobs of one kind other than e-mail (certificates, for example) to
// the service that does them, one attempt at a time, on any number of replicas at once. It
// claims each attempt as the e-mail Worker does (see Worker.claim), so that one worker does
// one attempt; the work itself must still be idempotent, since a worker that dies after doing
// the work and before Finish leaves the attempt to be taken over when its lease ends.
type Claimer struct {
	o    *Outbox
	kind string
	id   string
}

// NewClaimer returns a claimer of the outbox's jobs of kind, with an id of its own.
func (o *Outbox) NewClaimer(kind string) *Claimer {
	return &Claimer{o: o, kind: kind, id: randomID()}
}

// Claim returns up to limit due jobs of the claimer's kind whose next attempt this claimer now
// holds, each with Attempts already counting that attempt, the longest due first. Jobs another
// worker holds are left out. Finish every job it returns.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (c *Claimer) Claim(ctx context.Context, limit int) ([]Job, error) {
	now := c.o.now().UTC()
	jobs, err := c.o.store.due(ctx, c.kind, now, limit)
	if err != nil {
		return nil, err
	}
	var out []Job
	for _, j := range jobs {
		ok, err := c.o.store.claim(ctx, j.ID+"#"+strconv.Itoa(j.Attempts+1), c.id, now, now.Add(lease))
		if err != nil {
			return out, err
		}
		if ok {
			j.Attempts++
			out = append(out, j)
		}
	}
	return out, nil
}

// Finish records the outcome of the attempt at j that Claim handed out: done when failure is
// nil; otherwise due again after a back-off (1 minute doubling up to 6 hours), and failed for
// good after the tenth attempt.
func (c *Claimer) Finish(ctx context.Context, j Job, failure error) error {
	now := c.o.now().UTC()
	a := attempt{n: j.Attempts, at: now, state: StateDone}
	if failure != nil {
		a.state, a.err, a.retryAt = "", failure.Error(), now.Add(backoff(j.Attempts))
		if j.Attempts >= maxAttempts {
			a.state = StateFailed
		}
	}
	return c.o.store.recordAttempt(ctx, j.ID, a)
}

// Lease is how long a claimed attempt is left to its worker before another may take it over.
const Lease = lease
