package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/config"
)

// TestRetentionPeriods: defaults, days and Go durations, off, and clear problems for the rest.
func TestRetentionPeriods(t *testing.T) {
	base := map[string]string{"TAITO_DATA_DIR": "/var/lib/taito"}
	c, err := config.Load(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.Retention != config.DefaultRetention || c.Retention.InactiveAccounts != 1095*config.Day || c.Retention.Outbox != 90*config.Day {
		t.Errorf("defaults: %+v", c.Retention)
	}
	set := map[string]string{"TAITO_DATA_DIR": "/var/lib/taito", "TAITO_RETENTION_INACTIVE_ACCOUNTS": "off", "TAITO_RETENTION_STATEMENTS": "3650d",
		"TAITO_RETENTION_OUTBOX": "720h", "TAITO_RETENTION_AUDIT": "0"}
	if c, err = config.Load(env(set)); err != nil {
		t.Fatal(err)
	}
	if want := (config.Retention{Statements: 3650 * config.Day, Outbox: 30 * config.Day}); c.Retention != want {
		t.Errorf("set: %+v, want %+v", c.Retention, want)
	}
	bad := map[string]string{"TAITO_DATA_DIR": "/var/lib/taito", "TAITO_RETENTION_INACTIVE_ACCOUNTS": "36mo", "TAITO_RETENTION_STATEMENTS": "-5d",
		"TAITO_RETENTION_OUTBOX": "1h", "TAITO_RETENTION_AUDIT": "2 years"}
	_, err = config.Load(env(bad))
	if err == nil {
		t.Fatal("bad periods accepted")
	}
	for _, want := range []string{`TAITO_RETENTION_INACTIVE_ACCOUNTS: want a period such as 90d (days) or 2160h, or off, got "36mo"`,
		`TAITO_RETENTION_STATEMENTS: want a period`, `TAITO_RETENTION_OUTBOX: at least 1d, or off, got "1h"`, `TAITO_RETENTION_AUDIT: want a period`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the problems do not say %q:\n%v", want, err)
		}
	}
	for in, want := range map[string]time.Duration{"90d": 90 * config.Day, "90D": 90 * config.Day, "36h": 36 * time.Hour, "off": 0, "0": 0} {
		if d, ok := config.ParsePeriod(in); !ok || d != want {
			t.Errorf("ParsePeriod(%q) = %v, %v", in, d, ok)
		}
	}
	for _, in := range []string{"", "d", "1.5d", "-1h", "12", "forever"} {
		if _, ok := config.ParsePeriod(in); ok {
			t.Errorf("ParsePeriod(%q) accepted", in)
		}
	}
}

// FuzzParsePeriod: whatever is typed, a period is never negative, and a number of days reads
// back as that many days.
func FuzzParsePeriod(f *testing.F) {
	for _, s := range []string{"90d", "1095d", "2160h", "off", "0", "-1d", "1e9d", " 30D ", "1h-2m", "d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := config.ParsePeriod(s)
		if !ok {
			if d != 0 {
				t.Errorf("%q refused with period %s", s, d)
			}
			return
		}
		if d < 0 {
			t.Errorf("%q gives a negative period %s", s, d)
		}
		if days, found := strings.CutSuffix(strings.ToLower(strings.TrimSpace(s)), "d"); found {
			if back, ok := config.ParsePeriod(days + "d"); !ok || back != d || d%config.Day != 0 {
				t.Errorf("%q gives %s, read back %s %v", s, d, back, ok)
			}
		}
	})
}
