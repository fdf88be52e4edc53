package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/config"
)

// retentionCmd applies the retention periods (TAITO_RETENTION_*) now; with --dry-run it lists
// what would go and changes nothing.
func retentionCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("retention", stderr)
	dryRun := fs.Bool("dry-run", false, "list what would go; change nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: taito retention [--dry-run]", errUsage)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	err = withApp(ctx, getenv, stderr, true, func(a *app.App, _ *slog.Logger) error {
		r, err := a.Retention(ctx, cfg.Retention, time.Now(), *dryRun)
		printRetention(stdout, r)
		return err
	})
	return runningServer(err, "retention")
}

// printRetention writes the report rule by rule.
func printRetention(w io.Writer, r app.RetentionReport) {
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02") }
	since := func(d time.Duration) string { return day(r.At.Add(-d)) + fmt.Sprintf(" (%d days)", d/config.Day) }
	verb := "removed"
	if r.DryRun {
		fmt.Fprintf(w, "Retention at %s — dry run: nothing is changed\n", r.At.Format(time.RFC3339))
		verb = "would go"
	} else {
		fmt.Fprintf(w, "Retention at %s\n", r.At.Format(time.RFC3339))
	}
	p := r.Periods
	if p.Statements == 0 {
		fmt.Fprintln(w, "learning records: kept (TAITO_RETENTION_STATEMENTS=off)")
	} else {
		fmt.Fprintf(w, "learning records (statements and progress) with no activity since %s: %d %s", since(p.Statements), len(r.Records), verb)
		if !r.DryRun {
			fmt.Fprintf(w, ", %d statements", r.Statements)
		}
		fmt.Fprintln(w)
		for _, rec := range r.Records {
			who := rec.Email
			if who == "" {
				who = rec.User
			}
			fmt.Fprintf(w, "  %s  %s  last activity %s\n", who, rec.Course, day(rec.LastAt))
		}
	}
	if p.InactiveAccounts == 0 {
		fmt.Fprintln(w, "accounts: kept (TAITO_RETENTION_INACTIVE_ACCOUNTS=off)")
	} else {
		fmt.Fprintf(w, "accounts inactive since %s, erased: %d %s\n", since(p.InactiveAccounts), len(r.Accounts), verb)
		for _, u := range r.Accounts {
			fmt.Fprintf(w, "  %s  %v  last active %s\n", u.Email, u.Roles, day(u.LastActive))
		}
		if r.KeptAdmin != "" {
			fmt.Fprintf(w, "  kept: %s, the last active admin\n", r.KeptAdmin)
		}
	}
	if p.Outbox == 0 {
		fmt.Fprintln(w, "e-mails: kept (TAITO_RETENTION_OUTBOX=off)")
	} else {
		fmt.Fprintf(w, "e-mails sent or failed before %s: %d %s\n", since(p.Outbox), r.Outbox, verb)
	}
	fmt.Fprintf(w, "expired data exports: %d %s\n", r.Exports, verb)
	if p.Audit == 0 {
		fmt.Fprintln(w, "audit entries: kept (TAITO_RETENTION_AUDIT=off)")
	} else {
		fmt.Fprintf(w, "audit entries before %s: %d %s\n", since(p.Audit), r.Audit, verb)
	}
}

// retentionFirstRun is how long after the server's start retention first runs (a server
// restarted more often than daily still applies it), and retentionInterval how often after.
const (
	retentionFirstRun = 10 * time.Minute
	retentionInterval = 24 * time.Hour
)

// retentionDaily applies retention soon after start and then once a day until ctx ends.
func retentionDaily(ctx context.Context, a *app.App, periods config.Retention, log *slog.Logger) {
	job := func(ctx context.Context) error { return retentionJob(ctx, a, periods, log) }
	select {
	case <-ctx.Done():
		return
	case <-time.After(retentionFirstRun):
	}
	runCtx, cancel := context.WithTimeout(ctx, retentionInterval/2)
	if err := job(runCtx); err != nil {
		log.Warn("housekeeping failed", "job", "retention", "err", err)
	}
	cancel()
	every(ctx, retentionInterval, log, "retention", job)
}

// retentionJob is the daily run of retention in the server, logged with its counts.
func retentionJob(ctx context.Context, a *app.App, periods config.Retention, log *slog.Logger) error {
	r, err := a.Retention(ctx, periods, time.Now(), false)
	log.Info("retention", "records", len(r.Records), "statements", r.Statements, "accounts", len(r.Accounts),
		"outbox", r.Outbox, "exports", r.Exports, "audit", r.Audit, "kept_admin", r.KeptAdmin != "")
	return err
}
