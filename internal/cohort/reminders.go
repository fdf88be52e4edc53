package cohort

import (
	"context"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/notify"
	"github.com/taito-lms/taito/internal/outbox"
)

// Reminder audiences.
const (
	AudienceNotStarted = "not_started"
	AudienceOverdue    = "overdue"
	AudienceAtRisk     = "at_risk"
	AudienceAll        = "all"
)

// ReminderResult says what a reminder did.
type ReminderResult struct {
	ID           string
	Queued       int
	Unsubscribed int // left out: they turned reminders off
}

func (s *Service) reminderEmail(u auth.User, courseTitle, message string) outbox.Email {
	e := notify.Reminder{Locale: u.Locale, Name: u.Name, CourseTitle: courseTitle, Message: message,
		Link: s.mail.Links.Home(), Unsubscribe: s.mail.Links.Unsubscribe(s.users.UnsubscribeToken(u.ID))}.Email()
	e.To = u.Email
	return e
}

// SendReminder queues one e-mail per learner of the audience in the outbox, idempotently per
// (cohort, learner, reminder), leaving out those who unsubscribed.
func (s *Service) SendReminder(ctx context.Context, actor auth.Principal, id, audience, message string) (ReminderResult, error) {
	var f apperr.Fields
	if !slices.Contains([]string{AudienceNotStarted, AudienceOverdue, AudienceAtRisk, AudienceAll}, audience) {
		f.Add("audience", "must be not_started, overdue, at_risk or all")
	}
	if utf8.RuneCountInString(message) > 2000 {
		f.Add("message", "is longer than 2000 characters")
	}
	if err := f.Err(); err != nil {
		return ReminderResult{}, err
	}
	d, err := s.Dashboard(ctx, actor, id, DashboardQuery{})
	if err != nil {
		return ReminderResult{}, err
	}
	if d.Cohort.Status == StatusClosed {
		return ReminderResult{}, ErrClosed
	}
	pub, err := s.courses.Published(ctx, d.Cohort.Course)
	if err != nil {
		return ReminderResult{}, err
	}
	res := ReminderResult{ID: uuid.NewString()}
	var ids []string
	for _, r := range d.Learners {
		ids = append(ids, r.UserID)
	}
	users, err := s.users.UsersByIDs(ctx, ids)
	if err != nil {
		return res, err
	}
	for _, r := range d.Learners {
		in := false
		switch audience {
		case AudienceNotStarted:
			in = r.State == StateNotStarted
		case AudienceOverdue:
			in = len(r.Overdue) > 0
		case AudienceAtRisk:
			in = r.AtRisk
		case AudienceAll:
			in = r.State != StateCompleted
		}
		if !in {
			continue
		}
		u := users[r.UserID]
		if u.RemindersOff || u.Disabled {
			res.Unsubscribed++
			continue
		}
		e := s.reminderEmail(u, pub.Course.Title.Get(u.Locale), message)
		if err := s.mail.Outbox.EnqueueEmail(ctx, "reminder:"+id+":"+u.ID+":"+res.ID, e); err != nil {
			return res, err
		}
		res.Queued++
	}
	return res, nil
}

// AutoReminders queues, once per learner and module, a reminder a cohort's chosen number of days
// before a module's due date to members who have not completed it. Run it periodically; it is
// safe on several replicas at once.
func (s *Service) AutoReminders(ctx context.Context) (int, error) {
	cs, err := s.store.remindingCohorts(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	queued := 0
	for _, c := range cs {
		var soon []string
		for _, d := range c.Schedule {
			if d.Due != nil && d.Due.After(now) && d.Due.Sub(now) <= time.Duration(c.AutoReminderDays)*24*time.Hour {
				soon = append(soon, d.Module)
			}
		}
		if len(soon) == 0 {
			continue
		}
		d, err := s.dashboard(ctx, c, DashboardQuery{})
		if err != nil {
			return queued, err
		}
		pub, err := s.courses.Published(ctx, c.Course)
		if err != nil {
			return queued, err
		}
		var ids []string
		for _, r := range d.Learners {
			ids = append(ids, r.UserID)
		}
		users, err := s.users.UsersByIDs(ctx, ids)
		if err != nil {
			return queued, err
		}
		for _, r := range d.Learners {
			u := users[r.UserID]
			if u.RemindersOff || u.Disabled {
				continue
			}
			for _, m := range soon {
				if r.Modules[m] == StateCompleted {
					continue
				}
				e := s.reminderEmail(u, pub.Course.Title.Get(u.Locale), "")
				if err := s.mail.Outbox.EnqueueEmail(ctx, "auto-reminder:"+c.ID+":"+m+":"+u.ID, e); err != nil {
					return queued, err
				}
				queued++
			}
		}
	}
	return queued, nil
}
