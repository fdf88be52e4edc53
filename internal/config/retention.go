package config

import (
	"strconv"
	"strings"
	"time"
)

// Day is 24 hours, the unit of retention periods ("1095d").
const Day = 24 * time.Hour

// Retention is how long Taito keeps each kind of record; a zero period keeps it for ever (the
// rule is off).
type Retention struct {
	// InactiveAccounts: an account nobody has signed in to, and whose owner has done nothing,
	// for this long is erased (TAITO_RETENTION_INACTIVE_ACCOUNTS).
	InactiveAccounts time.Duration
	// Statements: a learner's statements in a course, together with her progress in it, go
	// this long after her last activity in the course (TAITO_RETENTION_STATEMENTS).
	Statements time.Duration
	// Outbox: e-mails sent or failed this long ago go (TAITO_RETENTION_OUTBOX).
	Outbox time.Duration
	// Audit: audit entries older than this go (TAITO_RETENTION_AUDIT).
	Audit time.Duration
}

// DefaultRetention are the periods an organisation would expect: inactive accounts 36 months,
// learning records 5 years, e-mails 90 days, the audit log 2 years.
var DefaultRetention = Retention{InactiveAccounts: 1095 * Day, Statements: 1826 * Day, Outbox: 90 * Day, Audit: 730 * Day}

// ParsePeriod reads a retention period: a Go duration ("2160h"), a number of days ("90d"), or
// "0" / "off" for none. ok is false for anything else, and for a negative period.
func ParsePeriod(v string) (d time.Duration, ok bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "0", "off":
		return 0, true
	}
	if days, found := strings.CutSuffix(v, "d"); found {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > 100*366 {
			return 0, false
		}
		return time.Duration(n) * Day, true
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, false
	}
	return d, true
}

// loadRetention reads the retention periods through get (which gives "" for unset), reporting
// each bad value to problem.
func loadRetention(get func(name, def string) string, problem func(name, format string, args ...any)) Retention {
	r := DefaultRetention
	for _, v := range []struct {
		name string
		to   *time.Duration
		min  time.Duration
	}{
		{"TAITO_RETENTION_INACTIVE_ACCOUNTS", &r.InactiveAccounts, 30 * Day},
		{"TAITO_RETENTION_STATEMENTS", &r.Statements, 30 * Day},
		{"TAITO_RETENTION_OUTBOX", &r.Outbox, Day},
		{"TAITO_RETENTION_AUDIT", &r.Audit, 30 * Day},
	} {
		raw := get(v.name, "")
		if raw == "" {
			continue
		}
		d, ok := ParsePeriod(raw)
		if !ok {
			problem(v.name, "want a period such as 90d (days) or 2160h, or off, got %q", raw)
			continue
		}
		if d != 0 && d < v.min {
			problem(v.name, "at least %dd, or off, got %q", v.min/Day, raw)
			continue
		}
		*v.to = d
	}
	return r
}
