package app

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/notify"
)

// AuditQuery is an admin's search of the audit log. Actor and Subject are each a user id or an
// e-mail address; the other fields are audit.Filter's.
type AuditQuery struct {
	Actor, Subject, Act string
	From, To            time.Time
	Before              string
	Limit               int
}

// AuditPage is a page of the audit log: its entries newest first, the cursor of the next page
// ("" at the end), and the accounts the entries name, by id (erased people and the command
// line's operator have none).
type AuditPage struct {
	Entries []audit.Entry
	Next    string
	People  map[string]auth.User
}

// AuditLog reads the audit log, for admins. An e-mail address in Actor or Subject is the
// account's id; an address no account has is a validation error, as is an unknown act.
//
// Returns auth.ErrForbidden and validation errors.
func (a *App) AuditLog(ctx context.Context, actor auth.Principal, q AuditQuery) (AuditPage, error) {
	if err := auth.RequireAdmin(actor); err != nil {
		return AuditPage{}, err
	}
	var f apperr.Fields
	if q.Act != "" && !slices.Contains(audit.Acts, q.Act) {
		f.Add("act", "is not an act of the audit log")
	}
	var err error
	if q.Actor, err = a.auditPerson(ctx, &f, "actor", q.Actor); err != nil {
		return AuditPage{}, err
	}
	if q.Subject, err = a.auditPerson(ctx, &f, "subject", q.Subject); err != nil {
		return AuditPage{}, err
	}
	if err := f.Err(); err != nil {
		return AuditPage{}, err
	}
	if q.Limit == 0 {
		q.Limit = audit.DefaultLimit
	}
	entries, err := a.Audit.List(ctx, actor, audit.Filter{Actor: q.Actor, Subject: q.Subject, Act: q.Act, From: q.From, To: q.To, Limit: q.Limit, Before: q.Before})
	if err != nil {
		return AuditPage{}, err
	}
	page := AuditPage{Entries: entries}
	if len(entries) == q.Limit {
		page.Next = entries[len(entries)-1].ID
	}
	page.People, err = a.auditPeople(ctx, entries)
	return page, err
}

// auditPerson is the user id of who, an id or an e-mail address; an unknown address is a
// problem of field.
func (a *App) auditPerson(ctx context.Context, f *apperr.Fields, field, who string) (string, error) {
	who = strings.TrimSpace(who)
	if !strings.Contains(who, "@") {
		return who, nil
	}
	u, err := a.Auth.UserByEmail(ctx, who)
	switch {
	case errors.Is(err, auth.ErrUserNotFound):
		f.Add(field, "no account has this e-mail address")
		return "", nil
	case err != nil:
		return "", err
	}
	return u.ID, nil
}

// auditPeople are the accounts that entries name, by id.
func (a *App) auditPeople(ctx context.Context, entries []audit.Entry) (map[string]auth.User, error) {
	var ids []string
	for _, e := range entries {
		for _, id := range []string{e.Actor, e.Subject} {
			if id != "" && !audit.IsPseudonym(id) && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return map[string]auth.User{}, nil
	}
	return a.Auth.UsersByIDs(ctx, ids)
}

// PublishCourse publishes a course's draft (see course.Service.Publish) and records the
// publication in the audit log.
func (a *App) PublishCourse(ctx context.Context, actor auth.Principal, slug string) (course.PublishResult, error) {
	res, err := a.Courses.Publish(ctx, actor, slug)
	if err == nil {
		a.Audit.Record(ctx, audit.Entry{Actor: actor.UserID, Act: audit.ActCoursePublish, Target: slug, Detail: "version " + strconv.Itoa(res.Version)})
	}
	return res, err
}

// recordLearnerView records that actor opened another person's self-assessments and
// service-safari logs (those she has) in a cohort's learner view.
func (a *App) recordLearnerView(ctx context.Context, actor auth.Principal, cohortID, user string, assessments, safaris int) {
	if actor.UserID == user {
		return
	}
	if assessments > 0 {
		a.Audit.Record(ctx, audit.Entry{Actor: actor.UserID, Act: audit.ActViewAssessment, Subject: user, Target: cohortID})
	}
	if safaris > 0 {
		a.Audit.Record(ctx, audit.Entry{Actor: actor.UserID, Act: audit.ActViewSafari, Subject: user, Target: cohortID})
	}
}

// AuditDates reads the bounds of an audit search as people and clients give them: "" (open),
// a day (YYYY-MM-DD, in Helsinki time: from its start; to through its end) or an RFC 3339
// time.
//
// Returns validation errors.
func AuditDates(from, to string) (time.Time, time.Time, error) {
	var f apperr.Fields
	start := auditTime(&f, "from", from, false)
	end := auditTime(&f, "to", to, true)
	if err := f.Err(); err != nil {
		return time.Time{}, time.Time{}, err
	}
	if !start.IsZero() && !end.IsZero() && end.Before(start) {
		return time.Time{}, time.Time{}, apperr.Validation(apperr.NewField("to", "must not be before from"))
	}
	return start, end, nil
}

func auditTime(f *apperr.Fields, field, v string, endOfDay bool) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := time.ParseInLocation(time.DateOnly, v, notify.Helsinki()); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t.UTC()
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC()
	}
	f.Add(field, "must be a date (2026-12-10, Finnish time) or an RFC 3339 date and time (2026-12-10T09:00:00+02:00)")
	return time.Time{}
}

// recordGroupAssessmentsView records that actor read the self-assessments of the members of a
// cohort: one entry per learner whose assessment she read.
func (a *App) recordGroupAssessmentsView(ctx context.Context, actor auth.Principal, cohortID string, list []activity.Assessment) {
	var entries []audit.Entry
	seen := map[string]bool{actor.UserID: true}
	for _, as := range list {
		if !seen[as.User] {
			seen[as.User] = true
			entries = append(entries, audit.Entry{Actor: actor.UserID, Act: audit.ActViewAssessment, Subject: as.User, Target: cohortID, Detail: "group list"})
		}
	}
	a.Audit.RecordAll(ctx, entries)
}
