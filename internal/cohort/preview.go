package cohort

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/notify"
	"github.com/taito-lms/taito/internal/outbox"
)

// inAudience reports whether a learner's row belongs to a reminder's audience.
func inAudience(r LearnerRow, audience string) bool {
	switch audience {
	case AudienceNotStarted:
		return r.State == StateNotStarted
	case AudienceOverdue:
		return len(r.Overdue) > 0
	case AudienceAtRisk:
		return r.AtRisk
	case AudienceAll:
		return r.State != StateCompleted
	}
	return false
}

// reminderTarget is what a reminder is sent to: the course, the accounts to remind and how many
// of the audience turned reminders off.
type reminderTarget struct {
	pub          course.Published
	users        []auth.User
	unsubscribed int
}

// target checks a reminder and finds its recipients, for sending and previewing alike.
func (s *Service) target(ctx context.Context, actor auth.Principal, id, audience string, message course.Text, plain bool) (reminderTarget, error) {
	var f apperr.Fields
	if !slices.Contains([]string{AudienceNotStarted, AudienceOverdue, AudienceAtRisk, AudienceAll}, audience) {
		f.Add("audience", "must be not_started, overdue, at_risk or all")
	}
	checkMessage(&f, message, plain)
	if err := f.Err(); err != nil {
		return reminderTarget{}, err
	}
	d, err := s.Dashboard(ctx, actor, id, DashboardQuery{})
	if err != nil {
		return reminderTarget{}, err
	}
	if d.Cohort.Status == StatusClosed {
		return reminderTarget{}, ErrClosed
	}
	pub, err := s.courses.Published(ctx, d.Cohort.Course)
	if err != nil {
		return reminderTarget{}, err
	}
	var ids []string
	for _, r := range d.Learners {
		if inAudience(r, audience) {
			ids = append(ids, r.UserID)
		}
	}
	byID, err := s.users.UsersByIDs(ctx, ids)
	if err != nil {
		return reminderTarget{}, err
	}
	t := reminderTarget{pub: pub}
	for _, id := range ids {
		if u := byID[id]; !u.RemindersOff && !u.Disabled {
			t.users = append(t.users, u)
		}
	}
	t.unsubscribed = len(ids) - len(t.users)
	return t, nil
}

// PreviewedReminder is a reminder as one recipient will get it.
type PreviewedReminder struct {
	User auth.User
	// MessageLocale is the language of the trainer's text in her e-mail ("" without a text);
	// Fallback says it is not her own language (it was not written: she gets Finnish).
	MessageLocale string
	Fallback      bool
	// Activate: she has not activated her account, so the e-mail's link is a new invitation.
	Activate bool
	Email    outbox.Email
}

// ReminderPreview is what SendReminderText would queue, without queueing anything.
type ReminderPreview struct {
	Recipients   []PreviewedReminder
	Unsubscribed int
}

// previewLink stands in for a recipient's own link (to the course, or a fresh invitation) in a
// preview: a preview creates no invitation.
const previewLink = "…"

// PreviewReminder renders the reminder SendReminderText would send, for every recipient in her
// language with the same fallbacks, and sends nothing. Its links are placeholders.
//
// Returns the same errors as SendReminderText.
func (s *Service) PreviewReminder(ctx context.Context, actor auth.Principal, id, audience string, message course.Text) (ReminderPreview, error) {
	t, err := s.target(ctx, actor, id, audience, message, false)
	if err != nil {
		return ReminderPreview{}, err
	}
	out := ReminderPreview{Unsubscribed: t.unsubscribed, Recipients: []PreviewedReminder{}}
	for _, u := range t.users {
		loc := notify.Locale(u.Locale)
		text, lang := message.In(loc)
		// As reminderEmail renders it, with placeholders for her own links: a preview creates
		// no invitation and shows nobody's unsubscribe token.
		e := notify.Reminder{Locale: u.Locale, Name: u.Name, CourseTitle: t.pub.Course.Title.Get(u.Locale), Message: text,
			Link: previewLink, Activate: u.Pending, Unsubscribe: previewLink}.Email()
		e.To = u.Email
		p := PreviewedReminder{User: u, Activate: u.Pending, Email: e}
		if strings.TrimSpace(text) != "" {
			p.MessageLocale = lang
			p.Fallback = lang != loc
		}
		out.Recipients = append(out.Recipients, p)
	}
	return out, nil
}

// SentReminder is a record of a reminder a trainer sent to a cohort.
type SentReminder struct {
	ID           string
	Cohort       string
	Audience     string
	Queued       int
	Unsubscribed int
	SentBy       string
	SentAt       time.Time
}

// RemindersSent lists a cohort's reminders, newest first (at most 100), to its trainers and
// admins.
//
// Returns ErrNotFound.
func (s *Service) RemindersSent(ctx context.Context, actor auth.Principal, id string) ([]SentReminder, error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return nil, err
	}
	return s.store.remindersSent(ctx, id)
}
