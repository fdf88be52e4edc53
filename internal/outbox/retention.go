package outbox

import (
	"context"
	"time"
)

// FinishedEmailsBefore counts the e-mails sent, or failed for good, whose last attempt was
// before t: what DeleteFinishedEmailsBefore would delete.
func (o *Outbox) FinishedEmailsBefore(ctx context.Context, t time.Time) (int, error) {
	return o.store.countFinishedEmailsBefore(ctx, t)
}

// DeleteFinishedEmailsBefore deletes the e-mails sent, or failed for good, whose last attempt
// was before t, and returns how many went. Pending e-mails and jobs of other kinds stay.
func (o *Outbox) DeleteFinishedEmailsBefore(ctx context.Context, t time.Time) (int, error) {
	return o.store.deleteFinishedEmailsBefore(ctx, t)
}
