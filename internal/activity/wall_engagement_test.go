package activity

import (
	"testing"
	"time"
)

func TestISOWeekInHelsinki(t *testing.T) {
	for _, c := range []struct {
		at     time.Time
		week   string
		monday string
	}{
		{time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC), "2026-W06", "2026-02-02"},
		// Sunday 22.30 UTC is already Monday in Helsinki: the next week.
		{time.Date(2026, 2, 8, 22, 30, 0, 0, time.UTC), "2026-W07", "2026-02-09"},
		{time.Date(2026, 2, 8, 21, 0, 0, 0, time.UTC), "2026-W06", "2026-02-02"},
		// The first days of January belong to the last ISO week of the year before.
		{time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), "2026-W53", "2026-12-28"},
	} {
		week, monday := isoWeek(c.at)
		if week != c.week || monday.Format("2006-01-02") != c.monday {
			t.Errorf("%s: %s %s, want %s %s", c.at, week, monday.Format("2006-01-02"), c.week, c.monday)
		}
	}
}
