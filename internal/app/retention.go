package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/config"
)

// RetentionReport says what retention removed, or with a dry run would remove, by rule.
type RetentionReport struct {
	DryRun  bool
	At      time.Time
	Periods config.Retention

	// Records are the learners' records in courses whose statements and progress go.
	Records []RetainedRecord
	// Statements is how many statements went (0 in a dry run: see Records).
	Statements int
	// Accounts are the inactive accounts erased (or to erase).
	Accounts []RetainedAccount
	// KeptAdmin is an inactive admin kept because she is the last active admin ("" none).
	KeptAdmin string
	// Outbox, Audit and Exports are how many e-mails, audit entries and expired exports went
	// (or would go).
	Outbox  int
	Audit   int
	Exports int
}

// RetainedRecord is a learner's record in a course past the period.
type RetainedRecord struct {
	User   string
	Email  string // "" when her account is gone (erased)
	Course string
	LastAt time.Time
}

// RetainedAccount is an inactive account.
type RetainedAccount struct {
	ID         string
	Email      string
	Roles      []auth.Role
	LastActive time.Time // the latest of its creation, change and sign-in
}

// Retention applies the retention periods at now, rule by rule: learners' statements together
// with their progress in a course past the statements period after their last activity there;
// inactive accounts (no sign-in, change or learning record within the period) erased, never the
// last active admin; sent and failed e-mails; expired exports; and last, audit entries. A zero
// period turns its rule off. With dryRun nothing is changed and the report lists what would go.
// A real run records an audit entry with the counts. Safe to run again after a run stopped
// part-way: each rule finds what is left.
func (a *App) Retention(ctx context.Context, periods config.Retention, now time.Time, dryRun bool) (RetentionReport, error) {
	r := RetentionReport{DryRun: dryRun, At: now.UTC(), Periods: periods}
	steps := []struct {
		on  bool
		run func(context.Context, *RetentionReport, time.Time) error
	}{
		{periods.Statements > 0, a.retainRecords},
		{periods.InactiveAccounts > 0, a.retainAccounts},
		{periods.Outbox > 0, a.retainOutbox},
		{true, a.retainExports},
		{periods.Audit > 0, a.retainAudit},
	}
	var errs []error
	for _, s := range steps {
		if s.on {
			if err := s.run(ctx, &r, now); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if !dryRun {
		a.Audit.Record(ctx, audit.Entry{Act: audit.ActRetention, Detail: fmt.Sprintf("records=%d statements=%d accounts=%d outbox=%d exports=%d audit=%d",
			len(r.Records), r.Statements, len(r.Accounts), r.Outbox, r.Exports, r.Audit)})
	}
	return r, errors.Join(errs...)
}

// retainRecords removes learners' records in courses idle for longer than the period.
func (a *App) retainRecords(ctx context.Context, r *RetentionReport, now time.Time) error {
	cutoff := now.Add(-r.Periods.Statements)
	lapsed, err := a.Learning.Lapsed(ctx, cutoff)
	if err != nil {
		return fmt.Errorf("retention of learning records: %w", err)
	}
	ids := make([]string, 0, len(lapsed))
	for _, l := range lapsed {
		ids = append(ids, l.User)
	}
	users, err := a.Auth.UsersByIDs(ctx, ids)
	if err != nil {
		return fmt.Errorf("retention of learning records: %w", err)
	}
	for _, l := range lapsed {
		r.Records = append(r.Records, RetainedRecord{User: l.User, Email: users[l.User].Email, Course: l.Course, LastAt: l.LastAt})
		if r.DryRun {
			continue
		}
		n, err := a.Learning.Forget(ctx, l.User, l.Course, cutoff)
		r.Statements += n
		if err != nil {
			return fmt.Errorf("retention of learning records: %w", err)
		}
	}
	return nil
}

// retainAccounts erases the accounts inactive for longer than the period, keeping the last
// active admin.
func (a *App) retainAccounts(ctx context.Context, r *RetentionReport, now time.Time) error {
	cutoff := now.Add(-r.Periods.InactiveAccounts)
	idle, err := a.Auth.IdleSince(ctx, cutoff)
	if err != nil {
		return fmt.Errorf("retention of accounts: %w", err)
	}
	var gone []RetainedAccount
	for _, u := range idle {
		learning, err := a.Learning.LoggedSince(ctx, u.ID, cutoff)
		if err != nil {
			return fmt.Errorf("retention of accounts: %w", err)
		}
		if learning {
			continue
		}
		last := u.CreatedAt
		for _, t := range []time.Time{u.UpdatedAt, u.LastSignIn} {
			if t.After(last) {
				last = t
			}
		}
		gone = append(gone, RetainedAccount{ID: u.ID, Email: u.Email, Roles: u.Roles, LastActive: last})
	}
	gone, r.KeptAdmin, err = a.keepLastAdmin(ctx, gone)
	if err != nil {
		return fmt.Errorf("retention of accounts: %w", err)
	}
	for _, u := range gone {
		r.Accounts = append(r.Accounts, u)
		if r.DryRun {
			continue
		}
		if err := a.eraseForRetention(ctx, u.ID); err != nil {
			return fmt.Errorf("retention of accounts: erase %s: %w", u.ID, err)
		}
	}
	return nil
}

// keepLastAdmin takes out of gone the most recently active of the active admins in it when no
// active admin would remain, and returns her e-mail address.
func (a *App) keepLastAdmin(ctx context.Context, gone []RetainedAccount) ([]RetainedAccount, string, error) {
	admins, err := a.Auth.ActiveAdmins(ctx)
	if err != nil {
		return nil, "", err
	}
	active := map[string]bool{}
	for _, id := range admins {
		active[id] = true
	}
	keep := -1
	for i, u := range gone {
		if active[u.ID] {
			delete(active, u.ID)
			if keep < 0 || u.LastActive.After(gone[keep].LastActive) {
				keep = i
			}
		}
	}
	if len(active) > 0 || keep < 0 {
		return gone, "", nil
	}
	kept := gone[keep].Email
	return append(gone[:keep:keep], gone[keep+1:]...), kept, nil
}

// retainOutbox deletes the e-mails sent or failed longer than the period ago.
func (a *App) retainOutbox(ctx context.Context, r *RetentionReport, now time.Time) error {
	cutoff := now.Add(-r.Periods.Outbox)
	var err error
	if r.DryRun {
		r.Outbox, err = a.Outbox.FinishedEmailsBefore(ctx, cutoff)
	} else {
		r.Outbox, err = a.Outbox.DeleteFinishedEmailsBefore(ctx, cutoff)
	}
	if err != nil {
		return fmt.Errorf("retention of e-mails: %w", err)
	}
	return nil
}

// retainExports deletes the exports past their expiry.
func (a *App) retainExports(ctx context.Context, r *RetentionReport, now time.Time) error {
	var err error
	if r.DryRun {
		r.Exports, err = a.countExportsExpired(ctx, now)
	} else {
		r.Exports, err = a.ExpireExports(ctx, now)
	}
	if err != nil {
		return fmt.Errorf("retention of exports: %w", err)
	}
	return nil
}

// retainAudit deletes the audit entries older than the period.
func (a *App) retainAudit(ctx context.Context, r *RetentionReport, now time.Time) error {
	cutoff := now.Add(-r.Periods.Audit)
	var err error
	if r.DryRun {
		r.Audit, err = a.countAuditBefore(ctx, cutoff)
	} else {
		r.Audit, err = a.Audit.DeleteBefore(ctx, cutoff)
	}
	if err != nil {
		return fmt.Errorf("retention of the audit log: %w", err)
	}
	return nil
}
