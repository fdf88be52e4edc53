package cohort

import (
	"context"
	"encoding/json"
	"fmt"
)

// ExportOf returns what the cohorts capability holds about one person, for her data export
// (GDPR Articles 15 and 20): her enrolments ("enrolments"), her active cohort in each course
// ("cohort_memberships"), the cohorts she is enrolled in or trains ("cohorts", without their
// other trainers) and the reminders she sent as a trainer ("reminders_sent"). The caller decides
// who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (d *Directory) ExportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	out, err := d.store.exportOf(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export the cohorts of %s: %w", userID, err)
	}
	return out, nil
}
