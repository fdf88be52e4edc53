package app_test

import (
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/app"
)

// FuzzAuditDates: the bounds of an audit search are read or refused, never a panic, and a range
// read is never backwards; a day reaches through its end.
func FuzzAuditDates(f *testing.F) {
	for _, s := range [][2]string{{"2026-12-01", "2026-12-01"}, {"", "2026-12-31"}, {"2026-12-10T09:00:00+02:00", ""},
		{"2026-13-01", ""}, {"2026-12-02", "2026-12-01"}, {"x", "y"}, {" 2026-01-01 ", "2026-01-01T00:00:00Z"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, from, to string) {
		start, end, err := app.AuditDates(from, to)
		if err != nil {
			if !start.IsZero() || !end.IsZero() {
				t.Errorf("%q..%q refused with bounds %s..%s", from, to, start, end)
			}
			return
		}
		if !start.IsZero() && !end.IsZero() && end.Before(start) {
			t.Errorf("%q..%q read backwards: %s..%s", from, to, start, end)
		}
		if from == to && len(from) == len(time.DateOnly) && !start.IsZero() && end.Sub(start) < 23*time.Hour {
			t.Errorf("the day %q reads as %s..%s", from, start, end)
		}
	})
}
