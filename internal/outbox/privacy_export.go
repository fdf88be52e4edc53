package outbox

import (
	"context"
	"encoding/json"
	"fmt"
)

// ExportTo returns every e-mail addressed to address, sent or waiting, as stored (subject, text,
// HTML, state and times), for a person's data export (GDPR Articles 15 and 20). The caller
// decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (o *Outbox) ExportTo(ctx context.Context, address string) ([]json.RawMessage, error) {
	docs, err := o.store.exportTo(ctx, address)
	if err != nil {
		return nil, fmt.Errorf("export the e-mails to one address: %w", err)
	}
	return docs, nil
}
