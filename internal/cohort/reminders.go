package cohort

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
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

// reminderEmail is a reminder to u. A person who has not activated her account yet gets a
// fresh invitation link (from links) instead of a link to the course.
func (s *Service) reminderEmail(u auth.User, courseTitle, message string, links map[string]string) outbox.Email {
	link, activate := links[u.ID]
	if !activate {
		link = s.mail.Links.Home()
	}
	e := notify.Reminder{Locale: u.Locale, Name: u.Name, CourseTitle: courseTitle, Message: message, Link: link, Activate: activate,
		Unsubscribe: s.mail.Links.Unsubscribe(s.users.UnsubscribeToken(u.ID))}.Email()
	e.To = u.Email
	return e
}

// maxReminderMessage is how long a trainer's own reminder text may be, in each language.
const maxReminderMessage = 2000

// checkMessage checks a trainer's own reminder text: Finnish is required when any language is
// given, Swedish and English are optional. A message given as one plain text is named
// "message" in errors.
func checkMessage(f *apperr.Fields, message course.Text, plain bool) {
	for loc, text := range message {
		field := "message." + loc
		if plain {
			field = "message"
		}
		switch {
		case !slices.Contains(course.Locales, loc):
			f.Add(field, "is not a language of Taito: use fi, sv or en")
		case utf8.RuneCountInString(text) > maxReminderMessage:
			f.Add(field, "is longer than 2000 characters")
		}
	}
	if len(message) > 0 && strings.TrimSpace(message[course.SourceLocale]) == "" {
		f.Add("message.fi", "is required when the message is given in another language")
	}
}

// SendReminder is SendReminderText with the trainer's own text in Finnish only.
func (s *Service) SendReminder(ctx context.Context, actor auth.Principal, id, audience, message string) (ReminderResult, error) {
	var text course.Text
	if message != "" {
		text = course.Text{course.SourceLocale: message}
	}
	return s.sendReminder(ctx, actor, id, audience, text, true)
}

// SendReminderText queues one e-mail per learner of the audience in the outbox, idempotently
// per (cohort, learner, reminder), leaving out those who unsubscribed. Every e-mail is in the
// learner's language: its system texts, the course title (falling back to Finnish) and the
// trainer's own message (fi required when given, sv and en optional, falling back to fi). A
// learner who has not activated her account gets a fresh invitation link.
//
// Returns validation errors, ErrNotFound and ErrClosed.
func (s *Service) SendReminderText(ctx context.Context, actor auth.Principal, id, audience string, message course.Text) (ReminderResult, error) {
	return s.sendReminder(ctx, actor, id, audience, message, false)
}

func (s *Service) sendReminder(ctx context.Context, actor auth.Principal, id, audience string, message course.Text, plain bool) (ReminderResult, error) {
	t, err := s.target(ctx, actor, id, audience, message, plain)
	if err != nil {
		return ReminderResult{}, err
	}
	res := ReminderResult{ID: uuid.NewString(), Unsubscribed: t.unsubscribed}
	links, err := s.users.InvitationLinks(ctx, t.users)
	if err != nil {
		return res, err
	}
	for _, u := range t.users {
		e := s.reminderEmail(u, t.pub.Course.Title.Get(u.Locale), message.Get(u.Locale), links)
		if err := s.mail.Outbox.EnqueueEmail(ctx, "reminder:"+id+":"+u.ID+":"+res.ID, e); err != nil {
			return res, err
		}
		res.Queued++
	}
	err = s.store.recordReminder(ctx, SentReminder{ID: res.ID, Cohort: id, Audience: audience, Queued: res.Queued, Unsubscribed: res.Unsubscribed,
		SentBy: actor.UserID, SentAt: s.now().UTC()})
	return res, err
}

// reminded returns, in the order of rows, the accounts to remind (leaving out those who turned
// reminders off and disabled accounts), and fresh invitation links for those of them who have
// not activated their account.
func (s *Service) reminded(ctx context.Context, rows []LearnerRow) ([]auth.User, map[string]string, error) {
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.UserID)
	}
	byID, err := s.users.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	var out []auth.User
	for _, id := range ids {
		if u := byID[id]; !u.RemindersOff && !u.Disabled {
			out = append(out, u)
		}
	}
	links, err := s.users.InvitationLinks(ctx, out)
	if err != nil {
		return nil, nil, err
	}
	return out, links, nil
}

// ResendInvitation sends a person who has not activated her account a new invitation; the link
// sent before stops working. Admins may re-send anyone's, trainers those of the active members
// of the cohorts they run.
//
// Returns auth.ErrForbidden (learners), auth.ErrUserNotFound (also for a person outside the
// trainer's cohorts) and auth.ErrAlreadyActive.
func (s *Service) ResendInvitation(ctx context.Context, actor auth.Principal, user string) (auth.Invitation, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return auth.Invitation{}, err
	}
	if !actor.IsAdmin() {
		ok, err := s.trainsMember(ctx, actor.UserID, user)
		if err != nil {
			return auth.Invitation{}, err
		}
		if !ok {
			return auth.Invitation{}, auth.ErrUserNotFound
		}
	}
	return s.users.ResendInvitation(ctx, actor, user)
}

// trainsMember reports whether trainer runs a cohort that user is an active member of.
func (s *Service) trainsMember(ctx context.Context, trainer, user string) (bool, error) {
	cs, err := s.store.cohortsOf(ctx, trainer)
	if err != nil {
		return false, err
	}
	for _, c := range cs {
		member, err := s.IsMember(ctx, user, c.ID)
		if err != nil || member {
			return member, err
		}
	}
	return false, nil
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
		d, err := s.dashboard(ctx, c, DashboardQuery{}, false)
		if err != nil {
			return queued, err
		}
		pub, err := s.courses.Published(ctx, c.Course)
		if err != nil {
			return queued, err
		}
		due := map[string][]string{} // learner → modules due soon she has not completed
		var rows []LearnerRow
		for _, r := range d.Learners {
			for _, m := range soon {
				if r.Modules[m] != StateCompleted {
					due[r.UserID] = append(due[r.UserID], m)
				}
			}
			if len(due[r.UserID]) > 0 {
				rows = append(rows, r)
			}
		}
		users, links, err := s.reminded(ctx, rows)
		if err != nil {
			return queued, err
		}
		for _, u := range users {
			for _, m := range due[u.ID] {
				e := s.reminderEmail(u, pub.Course.Title.Get(u.Locale), "", links)
				if err := s.mail.Outbox.EnqueueEmail(ctx, "auto-reminder:"+c.ID+":"+m+":"+u.ID, e); err != nil {
					return queued, err
				}
				queued++
			}
		}
	}
	return queued, nil
}
