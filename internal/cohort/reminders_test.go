package cohort_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
)

// unsubscribed creates a learner who turned reminders off through her link.
func (w *world) unsubscribed(t *testing.T, name string) auth.User {
	t.Helper()
	u := w.learner(t, name)
	if err := w.a.Auth.Unsubscribe(ctx, w.a.Auth.UnsubscribeToken(u.ID)); err != nil {
		t.Fatal(err)
	}
	return u
}

// recipients returns the sorted addresses of the outbox e-mails whose ids start with prefix
// and end with suffix.
func (w *world) recipients(t *testing.T, prefix, suffix string) []string {
	t.Helper()
	var out []string
	for _, j := range w.jobs(t, prefix) {
		if strings.HasSuffix(j.ID, suffix) {
			out = append(out, j.Email.To)
		}
	}
	slices.Sort(out)
	return out
}

// speakers creates three learners: aino in Finnish, bertta in Swedish, celia in English.
func (w *world) speakers(t *testing.T) (aino, bertta, celia auth.User) {
	t.Helper()
	return w.learner(t, "aino"), w.mustUser(t, auth.NewUser{Email: "bertta@example.fi", Locale: "sv"}),
		w.mustUser(t, auth.NewUser{Email: "celia@example.fi", Locale: "en"})
}

func TestSendReminder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino, bertta, celia := w.speakers(t)
	c := w.mustCohort(t, cohort.NewCohort{StartsOn: at(0), Schedule: []cohort.ModuleDates{{Module: "alku", Due: at(days(3))}}},
		aino, bertta, celia, w.unsubscribed(t, "dora"))
	w.mustView(t, aino, "tervetuloa")
	closed := w.mustCohort(t, cohort.NewCohort{Name: "Suljettu"})
	w.mustUpdate(t, closed, cohort.Patch{Status: ptr(cohort.StatusClosed)})
	everyone := []string{"aino@example.fi", "bertta@example.fi", "celia@example.fi"}
	queued := 0
	tests := []struct {
		name     string
		now      time.Duration // since t0
		actor    auth.Principal
		cohort   string
		audience string
		message  string
		to       []string
		unsub    int
		err      error
		fields   []string
	}{
		{name: "not started", audience: cohort.AudienceNotStarted, to: []string{"bertta@example.fi", "celia@example.fi"}, unsub: 1},
		{name: "everyone who has not completed", audience: cohort.AudienceAll, to: everyone, unsub: 1},
		{name: "overdue before the due date", audience: cohort.AudienceOverdue},
		{name: "overdue after the due date", now: days(4), audience: cohort.AudienceOverdue, to: everyone, unsub: 1},
		{name: "at risk", now: days(4), audience: cohort.AudienceAtRisk, message: "Muistakaa alkuosa!", to: everyone, unsub: 1},
		{name: "an admin", actor: w.admin, audience: cohort.AudienceNotStarted, to: []string{"bertta@example.fi", "celia@example.fi"}, unsub: 1},
		{name: "unknown audience", audience: "lazy", fields: []string{"audience"}},
		{name: "too long a message", audience: cohort.AudienceAll, message: strings.Repeat("x", 2001), fields: []string{"message"}},
		{name: "both", message: strings.Repeat("x", 2001), fields: []string{"audience", "message"}},
		{name: "another trainer", actor: w.trainer2, audience: cohort.AudienceAll, err: cohort.ErrNotFound},
		{name: "a member", actor: as(aino), audience: cohort.AudienceAll, err: cohort.ErrNotFound},
		{name: "a closed cohort", cohort: closed.ID, audience: cohort.AudienceAll, err: cohort.ErrClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.clock.Set(t0.Add(tt.now))
			if tt.actor.UserID == "" {
				tt.actor = w.trainer
			}
			if tt.cohort == "" {
				tt.cohort = c.ID
			}
			res, err := w.a.Cohorts.SendReminder(ctx, tt.actor, tt.cohort, tt.audience, tt.message)
			checkErr(t, err, tt.err, tt.fields)
			if err != nil {
				return
			}
			queued += res.Queued
			if res.Queued != len(tt.to) || res.Unsubscribed != tt.unsub {
				t.Errorf("queued %d, unsubscribed %d; want %d and %d", res.Queued, res.Unsubscribed, len(tt.to), tt.unsub)
			}
			if diff := cmp.Diff(tt.to, w.recipients(t, "reminder:"+c.ID+":", ":"+res.ID)); diff != "" {
				t.Errorf("e-mails (-want +got):\n%s", diff)
			}
		})
	}
	if got := len(w.jobs(t, "reminder:")); got != queued {
		t.Errorf("the outbox holds %d reminders, %d were queued", got, queued)
	}
	if len(w.jobs(t, "")) != queued {
		t.Errorf("the outbox holds other jobs than the reminders")
	}
}

func TestReminderLanguage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino, bertta, celia := w.speakers(t)
	c := w.mustCohort(t, cohort.NewCohort{}, aino, bertta, celia)
	const message = "Muistakaa tehtävä!"
	res, err := w.a.Cohorts.SendReminder(ctx, w.trainer, c.ID, cohort.AudienceAll, message)
	if err != nil {
		t.Fatal(err)
	}
	subjects := map[string]string{}
	for _, j := range w.jobs(t, "reminder:"+c.ID+":") {
		e := j.Email
		if !strings.HasSuffix(j.ID, ":"+res.ID) || !strings.Contains(e.Text, message) || !strings.Contains(e.Text, e.Unsubscribe) || e.Unsubscribe == "" {
			t.Errorf("job %s: %+v", j.ID, e)
		}
		subjects[e.To] = e.Locale + " " + e.Subject
	}
	tests := []struct {
		name    string
		user    auth.User
		subject string
	}{
		{name: "Finnish", user: aino, subject: "fi Muistutus: Kokeilukurssi"},
		{name: "Swedish, the course title in Finnish", user: bertta, subject: "sv Påminnelse: Kokeilukurssi"},
		{name: "English", user: celia, subject: "en Reminder: Trial course"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := subjects[tt.user.Email]; got != tt.subject {
				t.Errorf("subject %q, want %q", got, tt.subject)
			}
		})
	}
	if len(subjects) != len(tests) {
		t.Errorf("%d e-mails, want %d", len(subjects), len(tests))
	}
}

func TestAutoReminders(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino, bertta, dora := w.learner(t, "aino"), w.learner(t, "bertta"), w.unsubscribed(t, "dora")
	sched := []cohort.ModuleDates{{Module: "alku", Due: at(days(5))}, {Module: "harjoitus", Due: at(days(6))}}
	c := w.mustCohort(t, cohort.NewCohort{Schedule: sched})
	w.mustUpdate(t, c, cohort.Patch{Status: ptr(cohort.StatusRunning), AutoReminderDays: ptr(2)})
	planned := w.mustCohort(t, cohort.NewCohort{Name: "Suunniteltu", Schedule: sched})
	w.mustUpdate(t, planned, cohort.Patch{AutoReminderDays: ptr(2)})
	off := w.mustCohort(t, cohort.NewCohort{Name: "Ei muistutuksia", Schedule: sched})
	w.mustUpdate(t, off, cohort.Patch{Status: ptr(cohort.StatusRunning)})
	// A learner has one active cohort per course: the cohorts that do not remind have their own.
	w.mustEnrol(t, c, aino, bertta, dora)
	w.mustEnrol(t, planned, w.learner(t, "eeva"))
	w.mustEnrol(t, off, w.learner(t, "frida"))
	key := func(module string, u auth.User) string { return "auto-reminder:" + c.ID + ":" + module + ":" + u.ID }
	tests := []struct {
		name string
		now  time.Duration // since t0
		jobs []string      // every auto-reminder in the outbox after the run
	}{
		{name: "nothing due soon", now: 0},
		{name: "alku due in two days", now: days(3) + time.Hour, jobs: []string{key("alku", aino), key("alku", bertta)}},
		{name: "run again", now: days(3) + 2*time.Hour, jobs: []string{key("alku", aino), key("alku", bertta)}},
		{name: "harjoitus due in two days too", now: days(4) + time.Hour,
			jobs: []string{key("alku", aino), key("alku", bertta), key("harjoitus", aino), key("harjoitus", bertta)}},
		{name: "everything past its due date", now: days(7),
			jobs: []string{key("alku", aino), key("alku", bertta), key("harjoitus", aino), key("harjoitus", bertta)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.clock.Set(t0.Add(tt.now))
			if _, err := w.a.Cohorts.AutoReminders(ctx); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, j := range w.jobs(t, "auto-reminder:") {
				got = append(got, j.ID)
			}
			want := slices.Clone(tt.jobs)
			slices.Sort(want)
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("auto-reminders (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReminderMessagePerLanguage: a trainer's own message may be written per language; each
// learner reads hers, or the Finnish one where hers is missing (issue 16, finding 8).
func TestReminderMessagePerLanguage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino, bertta, celia := w.speakers(t)
	c := w.mustCohort(t, cohort.NewCohort{}, aino, bertta, celia)
	for _, tc := range []struct {
		name    string
		message course.Text
		fields  []string
	}{
		{name: "no Finnish", message: course.Text{"sv": "Kom ihåg!"}, fields: []string{"message.fi"}},
		{name: "an unknown language", message: course.Text{"fi": "Muistakaa!", "de": "Denkt daran!"}, fields: []string{"message.de"}},
		{name: "too long in Swedish", message: course.Text{"fi": "Muistakaa!", "sv": strings.Repeat("x", 2001)}, fields: []string{"message.sv"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.a.Cohorts.SendReminderText(ctx, w.trainer, c.ID, cohort.AudienceAll, tc.message)
			checkErr(t, err, nil, tc.fields)
		})
	}
	res, err := w.a.Cohorts.SendReminderText(ctx, w.trainer, c.ID, cohort.AudienceAll, course.Text{"fi": "Muistakaa tehtävä!", "sv": "Kom ihåg uppgiften!"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"aino@example.fi": "Muistakaa tehtävä!", "bertta@example.fi": "Kom ihåg uppgiften!", "celia@example.fi": "Muistakaa tehtävä!"}
	got := map[string]string{}
	for _, j := range w.jobs(t, "reminder:"+c.ID+":") {
		if !strings.HasSuffix(j.ID, ":"+res.ID) {
			continue
		}
		for _, m := range want {
			if strings.Contains(j.Email.Text, m) {
				got[j.Email.To] = m
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
}
