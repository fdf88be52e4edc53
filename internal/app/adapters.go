package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/certificate"

	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/media"
)

// courseAssets lets the course capability store and check its files in the media library.
type courseAssets struct{ lib *media.Library }

func (c courseAssets) Exists(ctx context.Context, id string) (bool, error) {
	_, err := c.lib.Get(ctx, id)
	if errors.Is(err, media.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (c courseAssets) PutAsset(ctx context.Context, name string, data []byte, by string) (string, bool, error) {
	it, uploaded, err := c.lib.PutAsset(ctx, name, data, by)
	return it.ID, uploaded, err
}

func (courseAssets) Allowed(head []byte) bool { return media.Allowed(head) }

// schedules gives the learning record the module dates of a learner's cohort.
type schedules struct{ dir *cohort.Directory }

func (s schedules) Schedule(ctx context.Context, user, slug string) (learning.Schedule, error) {
	dates, err := s.dir.Schedule(ctx, user, slug)
	if err != nil || dates == nil {
		return nil, err
	}
	return learningSchedule(dates), nil
}

// IsEnrolled tells the learning record whether a learner is in a cohort of a course, so that her
// catalogue shows the course as hers before she starts it.
func (s schedules) IsEnrolled(ctx context.Context, user, slug string) (bool, error) {
	return s.dir.IsEnrolled(ctx, user, slug)
}

// learningSchedule is a cohort's schedule as the learning record evaluates it.
func learningSchedule(dates []cohort.ModuleDates) learning.Schedule {
	out := learning.Schedule{}
	for _, d := range dates {
		md := learning.ModuleDates{}
		if d.Opens != nil {
			md.Opens = *d.Opens
		}
		if d.Due != nil {
			md.Due = *d.Due
		}
		out[d.Module] = md
	}
	return out
}

// progress gives cohort dashboards the learners' progress from the learning record.
type progress struct{ lrn *learning.Service }

func (p progress) Summaries(ctx context.Context, slug string, users []string, dates []cohort.ModuleDates) (map[string]cohort.Summary, error) {
	var sched learning.Schedule
	if dates != nil {
		sched = learningSchedule(dates)
	}
	sums, err := p.lrn.Summaries(ctx, slug, users, sched)
	if err != nil {
		return nil, err
	}
	out := make(map[string]cohort.Summary, len(sums))
	for u, s := range sums {
		pr := s.Progress
		cs := cohort.Summary{State: pr.State, Percent: pr.Percent, LastActivity: pr.LastAt, CompletedAt: pr.CompletedAt, QuizBest: s.QuizBest, Posts: s.Posts, Comments: s.Comments,
			Modules: make([]cohort.ModuleSummary, len(pr.Modules))}
		for i, m := range pr.Modules {
			cs.Modules[i] = cohort.ModuleSummary{ID: m.ID, State: m.State, Due: m.Due, Locked: m.Lock != nil}
		}
		out[u] = cs
	}
	return out, nil
}

// people gives the certificates the learner's name, address and language.
type people struct{ auth *auth.Service }

func (p people) Person(ctx context.Context, id string) (certificate.Person, error) {
	users, err := p.auth.UsersByIDs(ctx, []string{id})
	if err != nil {
		return certificate.Person{}, err
	}
	u, ok := users[id]
	if !ok {
		return certificate.Person{}, fmt.Errorf("no account %s", id)
	}
	return certificate.Person{Name: u.Name, Email: u.Email, Locale: u.Locale}, nil
}

// noObjects stands in for S3 in a process opened without it: certificates wait for a process
// that has it.
type noObjects struct{}

var errNoS3 = errors.New("this process has no S3 storage")

func (noObjects) PutObject(context.Context, string, []byte, string) error { return errNoS3 }
func (noObjects) GetObject(context.Context, string, int64) ([]byte, error) {
	return nil, errNoS3
}

// accountAudit records the account service's events in the audit log: the App's log at the
// time of the event.
type accountAudit struct{ a *App }

// accountActs names each account event's act in the audit log.
var accountActs = map[auth.EventKind]string{
	auth.EventSignIn: audit.ActSignIn, auth.EventSignInFailed: audit.ActSignInFailed, auth.EventSignOut: audit.ActSignOut,
	auth.EventRoleChange: audit.ActRoleChange, auth.EventStatusChange: audit.ActStatusChange,
	auth.EventInvitation: audit.ActInvitation, auth.EventInviteAccepted: audit.ActInvitation,
}

func (r accountAudit) AccountEvent(ctx context.Context, e auth.Event) {
	act, ok := accountActs[e.Kind]
	if !ok {
		act = string(e.Kind)
	}
	r.a.Audit.Record(ctx, audit.Entry{Actor: e.Actor, Act: act, Subject: e.Subject, Detail: e.Detail, IP: e.IP})
}
