package cohort_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// slug is the fixture course: modules alku (lessons tervetuloa, visa) and harjoitus, which
// needs alku first.
const slug = "kokeilu"

// t0 is when every test world starts.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func days(n int) time.Duration { return time.Duration(n) * 24 * time.Hour }

func at(d time.Duration) *time.Time {
	t := t0.Add(d)
	return &t
}

// world is Taito over a fresh database with the fixture course published, two trainers and an
// admin.
type world struct {
	a     *app.App
	db    *mongo.Database
	clock *testenv.Clock
	// trainer runs the cohorts of a test; trainer2 runs none of them.
	trainer, trainer2, admin auth.Principal
}

var ctx = context.Background()

func newWorld(t *testing.T) *world {
	t.Helper()
	clk := testenv.NewClock(t0)
	a, db := testenv.App(t, clk.Now)
	testenv.PublishFixture(t, a)
	w := &world{a: a, db: db, clock: clk}
	w.trainer = as(w.mustUser(t, auth.NewUser{Email: "kouluttaja@example.fi", Roles: []auth.Role{auth.RoleTrainer}}))
	w.trainer2 = as(w.mustUser(t, auth.NewUser{Email: "toinen.kouluttaja@example.fi", Roles: []auth.Role{auth.RoleTrainer}}))
	w.admin = as(w.mustUser(t, auth.NewUser{Email: "yllapito@example.fi", Roles: []auth.Role{auth.RoleAdmin}}))
	return w
}

func as(u auth.User) auth.Principal { return auth.Principal{UserID: u.ID, Roles: u.Roles} }

// mustUser creates an account with a password, so that no invitation is queued; a learner
// unless roles are given.
func (w *world) mustUser(t *testing.T, in auth.NewUser) auth.User {
	t.Helper()
	if in.Name == "" {
		in.Name, _, _ = strings.Cut(in.Email, "@")
	}
	if len(in.Roles) == 0 {
		in.Roles = []auth.Role{auth.RoleLearner}
	}
	in.Password = "pitka-ja-hyva-salasana-2026"
	u, _, err := w.a.AddUser(ctx, in)
	if err != nil {
		t.Fatalf("add user %s: %v", in.Email, err)
	}
	return u
}

// learner creates the learner name@example.fi.
func (w *world) learner(t *testing.T, name string) auth.User {
	t.Helper()
	return w.mustUser(t, auth.NewUser{Email: name + "@example.fi", Name: name})
}

// mustCohort creates a cohort of the fixture course run by w.trainer, with the members.
func (w *world) mustCohort(t *testing.T, in cohort.NewCohort, members ...auth.User) cohort.Cohort {
	t.Helper()
	if in.Course == "" {
		in.Course = slug
	}
	if in.Name == "" {
		in.Name = "Joensuu kevät 2026"
	}
	c, err := w.a.Cohorts.Create(ctx, w.trainer, in)
	if err != nil {
		t.Fatalf("create cohort: %v", err)
	}
	if len(members) > 0 {
		w.mustEnrol(t, c, members...)
	}
	return c
}

// mustEnrol adds the users to the cohort; each must become a member now.
func (w *world) mustEnrol(t *testing.T, c cohort.Cohort, users ...auth.User) {
	t.Helper()
	emails := make([]string, len(users))
	for i, u := range users {
		emails[i] = u.Email
	}
	res, err := w.a.Cohorts.AddMembers(ctx, w.trainer, c.ID, emails, nil, nil)
	if err != nil {
		t.Fatalf("add members: %v", err)
	}
	for _, r := range res {
		if r.Status != "enrolled" {
			t.Fatalf("add members: %+v", r)
		}
	}
}

// mustUpdate changes the cohort as w.trainer.
func (w *world) mustUpdate(t *testing.T, c cohort.Cohort, p cohort.Patch) cohort.Cohort {
	t.Helper()
	c, err := w.a.Cohorts.Update(ctx, w.trainer, c.ID, p)
	if err != nil {
		t.Fatalf("update cohort: %v", err)
	}
	return c
}

// mustView records that the learner viewed a lesson of the fixture course now.
func (w *world) mustView(t *testing.T, u auth.User, lesson string) {
	t.Helper()
	if _, _, err := w.a.Learning.LessonEvent(ctx, as(u), slug, lesson, learning.Event{Type: learning.EventViewed}); err != nil {
		t.Fatalf("view %s: %v", lesson, err)
	}
}

// jobs returns the outbox jobs whose id starts with prefix.
func (w *world) jobs(t *testing.T, prefix string) []outbox.Job {
	t.Helper()
	var out []outbox.Job
	after := ""
	for {
		page, next, err := w.a.Outbox.List(ctx, after, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range page {
			if strings.HasPrefix(j.ID, prefix) {
				out = append(out, j)
			}
		}
		if next == "" {
			return out
		}
		after = next
	}
}

// fieldsOf returns the fields a validation error names, or nil for any other error.
func fieldsOf(err error) []string {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindValidation {
		return nil
	}
	var out []string
	for _, f := range ae.Fields {
		out = append(out, f.Field)
	}
	return out
}

// checkErr fails unless err is want (nil: no error) or, with fields, a validation error naming
// exactly those fields.
func checkErr(t *testing.T, err, want error, fields []string) {
	t.Helper()
	switch {
	case fields != nil:
		if diff := cmp.Diff(fields, fieldsOf(err)); diff != "" {
			t.Fatalf("fields of %v (-want +got):\n%s", err, diff)
		}
	case want == nil && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("error %v, want %v", err, want)
	}
}

func ptr[T any](v T) *T { return &v }

func TestCreate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	learner := as(w.learner(t, "aino"))
	tests := []struct {
		name   string
		actor  auth.Principal
		in     cohort.NewCohort
		err    error
		fields []string
	}{
		{name: "with schedule, join code and a co-trainer", actor: w.trainer, in: cohort.NewCohort{Course: slug, Name: "  Joensuu  ", JoinCode: true,
			Trainers: []string{w.trainer2.UserID, w.trainer.UserID}, StartsOn: at(0),
			Schedule: []cohort.ModuleDates{{Module: "alku", Due: at(days(7))}, {Module: "harjoitus", Opens: at(days(7)), Due: at(days(14))}}}},
		{name: "bare", actor: w.trainer, in: cohort.NewCohort{Course: slug, Name: "Kuopio"}},
		{name: "by an admin", actor: w.admin, in: cohort.NewCohort{Course: slug, Name: "Koko maa"}},
		{name: "by a learner", actor: learner, in: cohort.NewCohort{Course: slug, Name: "Oma"}, err: auth.ErrForbidden},
		{name: "no name", actor: w.trainer, in: cohort.NewCohort{Course: slug, Name: " "}, fields: []string{"name"}},
		{name: "too long a name", actor: w.trainer, in: cohort.NewCohort{Course: slug, Name: strings.Repeat("ä", 201)}, fields: []string{"name"}},
		{name: "unknown course", actor: w.trainer, in: cohort.NewCohort{Course: "ei-ole", Name: "X"}, fields: []string{"course"}},
		{name: "no name and unknown course", actor: w.trainer, in: cohort.NewCohort{Course: "ei-ole"}, fields: []string{"name", "course"}},
		{name: "unknown module", actor: w.trainer, in: cohort.NewCohort{Course: slug, Name: "X", Schedule: []cohort.ModuleDates{{Module: "ei-ole"}}},
			fields: []string{"schedule.0.module"}},
		{name: "module twice", actor: w.trainer, in: cohort.NewCohort{Course: slug, Name: "X", Schedule: []cohort.ModuleDates{{Module: "alku"}, {Module: "alku"}}},
			fields: []string{"schedule.1.module"}},
		{name: "due before it opens", actor: w.trainer, in: cohort.NewCohort{Course: slug, Name: "X",
			Schedule: []cohort.ModuleDates{{Module: "alku", Opens: at(days(2)), Due: at(days(1))}}}, fields: []string{"schedule.0.due"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := w.a.Cohorts.Create(ctx, tt.actor, tt.in)
			checkErr(t, err, tt.err, tt.fields)
			if err != nil {
				return
			}
			trainers := []string{tt.actor.UserID}
			for _, tr := range tt.in.Trainers {
				if !slices.Contains(trainers, tr) {
					trainers = append(trainers, tr)
				}
			}
			sched := tt.in.Schedule
			if sched == nil {
				sched = []cohort.ModuleDates{}
			}
			want := cohort.Cohort{ID: c.ID, Course: slug, Name: strings.TrimSpace(tt.in.Name), Trainers: trainers, StartsOn: tt.in.StartsOn,
				Schedule: sched, Status: cohort.StatusPlanned, JoinCode: c.JoinCode, CreatedBy: tt.actor.UserID, CreatedAt: t0}
			if diff := cmp.Diff(want, c); diff != "" {
				t.Errorf("created (-want +got):\n%s", diff)
			}
			if tt.in.JoinCode != (len(c.JoinCode) == 8) {
				t.Errorf("join code %q, asked for one: %v", c.JoinCode, tt.in.JoinCode)
			}
			got, err := w.a.Cohorts.Get(ctx, tt.actor, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c, got); diff != "" {
				t.Errorf("stored (-created +stored):\n%s", diff)
			}
		})
	}
}

func TestGetAndList(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	learner := as(w.learner(t, "aino"))
	first := w.mustCohort(t, cohort.NewCohort{Name: "Ensimmäinen"})
	w.clock.Advance(time.Hour)
	second := w.mustCohort(t, cohort.NewCohort{Name: "Toinen", Trainers: []string{w.trainer2.UserID}})
	t.Run("get", func(t *testing.T) {
		tests := []struct {
			name  string
			actor auth.Principal
			id    string
			err   error
		}{
			{name: "its trainer", actor: w.trainer, id: first.ID},
			{name: "a co-trainer", actor: w.trainer2, id: second.ID},
			{name: "an admin", actor: w.admin, id: first.ID},
			{name: "another trainer", actor: w.trainer2, id: first.ID, err: cohort.ErrNotFound},
			{name: "a learner", actor: learner, id: first.ID, err: cohort.ErrNotFound},
			{name: "no such cohort", actor: w.admin, id: "ei-ole", err: cohort.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, err := w.a.Cohorts.Get(ctx, tt.actor, tt.id)
				checkErr(t, err, tt.err, nil)
				if err == nil && c.ID != tt.id {
					t.Errorf("got cohort %s, want %s", c.ID, tt.id)
				}
			})
		}
	})
	t.Run("list", func(t *testing.T) {
		tests := []struct {
			name  string
			actor auth.Principal
			want  []string
			err   error
		}{
			{name: "its trainer, newest first", actor: w.trainer, want: []string{second.ID, first.ID}},
			{name: "a co-trainer", actor: w.trainer2, want: []string{second.ID}},
			{name: "an admin sees every cohort", actor: w.admin, want: []string{second.ID, first.ID}},
			{name: "a learner", actor: learner, err: auth.ErrForbidden},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				list, err := w.a.Cohorts.List(ctx, tt.actor)
				checkErr(t, err, tt.err, nil)
				var got []string
				for _, c := range list {
					got = append(got, c.ID)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("cohorts (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.mustCohort(t, cohort.NewCohort{Schedule: []cohort.ModuleDates{{Module: "alku", Due: at(days(7))}}})
	newSchedule := []cohort.ModuleDates{{Module: "harjoitus", Opens: at(days(1)), Due: at(days(9))}}
	tests := []struct {
		name   string
		actor  auth.Principal
		patch  cohort.Patch
		want   func(c *cohort.Cohort) // what the patch changes
		err    error
		fields []string
	}{
		{name: "rename", actor: w.trainer, patch: cohort.Patch{Name: ptr(" Uusi nimi ")}, want: func(c *cohort.Cohort) { c.Name = "Uusi nimi" }},
		{name: "start running", actor: w.trainer, patch: cohort.Patch{Status: ptr(cohort.StatusRunning)}, want: func(c *cohort.Cohort) { c.Status = cohort.StatusRunning }},
		{name: "reschedule", actor: w.trainer, patch: cohort.Patch{Schedule: &newSchedule}, want: func(c *cohort.Cohort) { c.Schedule = newSchedule }},
		{name: "start date and reminders", actor: w.trainer, patch: cohort.Patch{StartsOn: at(days(3)), AutoReminderDays: ptr(2)},
			want: func(c *cohort.Cohort) { c.StartsOn, c.AutoReminderDays = at(days(3)), 2 }},
		{name: "by an admin, with another trainer", actor: w.admin, patch: cohort.Patch{Trainers: &[]string{w.trainer.UserID, w.admin.UserID}},
			want: func(c *cohort.Cohort) { c.Trainers = []string{w.trainer.UserID, w.admin.UserID} }},
		{name: "unknown status", actor: w.trainer, patch: cohort.Patch{Status: ptr("paused")}, fields: []string{"status"}},
		{name: "empty name", actor: w.trainer, patch: cohort.Patch{Name: ptr("")}, fields: []string{"name"}},
		{name: "schedule checked against the course", actor: w.trainer, patch: cohort.Patch{Schedule: &[]cohort.ModuleDates{{Module: "alku"}, {Module: "loppu"}}},
			fields: []string{"schedule.1.module"}},
		{name: "no trainers", actor: w.trainer, patch: cohort.Patch{Trainers: &[]string{}}, fields: []string{"trainers"}},
		{name: "reminders too early", actor: w.trainer, patch: cohort.Patch{AutoReminderDays: ptr(31)}, fields: []string{"auto_reminder_days"}},
		{name: "every problem at once", actor: w.trainer, patch: cohort.Patch{Name: ptr(""), Status: ptr("x"), AutoReminderDays: ptr(-1)},
			fields: []string{"name", "status", "auto_reminder_days"}},
		{name: "another trainer", actor: w.trainer2, patch: cohort.Patch{Name: ptr("Kaapattu")}, err: cohort.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := w.a.Cohorts.Get(ctx, w.admin, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := w.a.Cohorts.Update(ctx, tt.actor, c.ID, tt.patch)
			checkErr(t, err, tt.err, tt.fields)
			want := before
			if err == nil {
				tt.want(&want)
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("returned (-want +got):\n%s", diff)
				}
			}
			stored, err := w.a.Cohorts.Get(ctx, w.admin, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, stored); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("nothing to change", func(t *testing.T) {
		_, err := w.a.Cohorts.Update(ctx, w.trainer, c.ID, cohort.Patch{})
		if apperr.KindOf(err) != apperr.KindInvalid {
			t.Errorf("error %v, want an invalid request", err)
		}
	})
}

// results maps each address of an AddMembers answer to its status.
func results(rs []cohort.MemberResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Email + " " + r.Status
	}
	return out
}

func TestAddMembers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino, bertta := w.learner(t, "aino"), w.learner(t, "bertta")
	c := w.mustCohort(t, cohort.NewCohort{})
	other := w.mustCohort(t, cohort.NewCohort{Name: "Toinen"}, bertta)
	closed := w.mustCohort(t, cohort.NewCohort{Name: "Suljettu"})
	w.mustUpdate(t, closed, cohort.Patch{Status: ptr(cohort.StatusClosed)})
	tests := []struct {
		name   string
		actor  auth.Principal
		cohort string
		emails []string
		want   []string
		err    error
	}{
		{name: "enrolled, invited, invalid and twice", actor: w.trainer, cohort: c.ID,
			emails: []string{"aino@example.fi", "Uusi.Henkilo@Example.fi", "ei-osoite", "AINO@example.fi ", "uusi.henkilo@example.fi"},
			want:   []string{"aino@example.fi enrolled", "uusi.henkilo@example.fi invited", "ei-osoite invalid", "aino@example.fi already_member", "uusi.henkilo@example.fi already_member"}},
		{name: "again", actor: w.trainer, cohort: c.ID, emails: []string{"aino@example.fi"}, want: []string{"aino@example.fi already_member"}},
		{name: "a member of another cohort moves here", actor: w.trainer, cohort: c.ID, emails: []string{"bertta@example.fi"},
			want: []string{"bertta@example.fi enrolled"}},
		{name: "a closed cohort", actor: w.trainer, cohort: closed.ID, emails: []string{"aino@example.fi"}, err: cohort.ErrClosed},
		{name: "another trainer", actor: w.trainer2, cohort: c.ID, emails: []string{"aino@example.fi"}, err: cohort.ErrNotFound},
		{name: "a learner", actor: as(aino), cohort: c.ID, emails: []string{"bertta@example.fi"}, err: cohort.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := w.a.Cohorts.AddMembers(ctx, tt.actor, tt.cohort, tt.emails, nil, nil)
			checkErr(t, err, tt.err, nil)
			if diff := cmp.Diff(tt.want, results(res)); err == nil && diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("memberships", func(t *testing.T) {
		members, err := w.a.Cohorts.Members(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(members) != 3 || !slices.Contains(members, aino.ID) || !slices.Contains(members, bertta.ID) {
			t.Errorf("members %v, want aino, bertta and the invited one", members)
		}
		if got, err := w.a.Cohorts.CohortOf(ctx, bertta.ID, slug); err != nil || got != c.ID {
			t.Errorf("bertta's cohort %q (%v), want the one she moved to", got, err)
		}
		if ok, err := w.a.Cohorts.IsMember(ctx, bertta.ID, other.ID); err != nil || ok {
			t.Errorf("bertta is still a member of the cohort she moved from: %v (%v)", ok, err)
		}
		if got := len(w.jobs(t, "invitation:")); got != 1 {
			t.Errorf("%d invitations queued, want 1", got)
		}
	})
}

func TestRemoveMember(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino, bertta := w.learner(t, "aino"), w.learner(t, "bertta")
	c := w.mustCohort(t, cohort.NewCohort{}, aino, bertta)
	tests := []struct {
		name  string
		actor auth.Principal
		user  auth.User
		err   error
	}{
		{name: "another trainer", actor: w.trainer2, user: aino, err: cohort.ErrNotFound},
		{name: "a learner removes another", actor: as(bertta), user: aino, err: cohort.ErrNotFound},
		{name: "its trainer", actor: w.trainer, user: aino},
		{name: "not a member any more", actor: w.trainer, user: aino, err: cohort.ErrNotMember},
		{name: "an admin", actor: w.admin, user: bertta},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Asked before, so that the answer is cached.
			if _, err := w.a.Cohorts.CohortOf(ctx, tt.user.ID, slug); err != nil {
				t.Fatal(err)
			}
			err := w.a.Cohorts.RemoveMember(ctx, tt.actor, c.ID, tt.user.ID)
			checkErr(t, err, tt.err, nil)
			member, err := w.a.Cohorts.IsMember(ctx, tt.user.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			of, err := w.a.Cohorts.CohortOf(ctx, tt.user.ID, slug)
			if err != nil {
				t.Fatal(err)
			}
			if removed := tt.err == nil || errors.Is(tt.err, cohort.ErrNotMember); member == removed || (of == "") != removed {
				t.Errorf("member %v, cohort %q; removed: %v", member, of, removed)
			}
		})
	}
	t.Run("a removed member comes back", func(t *testing.T) {
		w.mustEnrol(t, c, aino)
		if of, err := w.a.Cohorts.CohortOf(ctx, aino.ID, slug); err != nil || of != c.ID {
			t.Errorf("cohort %q (%v), want %s", of, err, c.ID)
		}
	})
}

func TestJoin(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino := w.learner(t, "aino")
	c := w.mustCohort(t, cohort.NewCohort{JoinCode: true})
	without := w.mustCohort(t, cohort.NewCohort{Name: "Ilman koodia"})
	wrong := "AAAAAAAA"
	if wrong == c.JoinCode {
		wrong = "BBBBBBBB"
	}
	tests := []struct {
		name   string
		code   string
		before func(t *testing.T)
		err    error
	}{
		{name: "a wrong code", code: wrong, err: cohort.ErrBadCode},
		{name: "too short a code", code: "ABC", err: cohort.ErrBadCode},
		{name: "no code", code: "", err: cohort.ErrBadCode},
		{name: "the code, in lower case with spaces", code: "  " + strings.ToLower(c.JoinCode) + " "},
		{name: "twice", code: c.JoinCode, err: cohort.ErrAlreadyMember},
		{name: "a closed cohort's code", code: c.JoinCode, err: cohort.ErrBadCode, before: func(t *testing.T) {
			w.mustUpdate(t, c, cohort.Patch{Status: ptr(cohort.StatusClosed)})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before(t)
			}
			got, err := w.a.Cohorts.Join(ctx, as(aino), tt.code)
			checkErr(t, err, tt.err, nil)
			if err == nil && got.ID != c.ID {
				t.Errorf("joined %s, want %s", got.ID, c.ID)
			}
		})
	}
	if without.JoinCode != "" {
		t.Errorf("a cohort created without a code has %q", without.JoinCode)
	}
	if of, err := w.a.Cohorts.CohortOf(ctx, aino.ID, slug); err != nil || of != c.ID {
		t.Errorf("cohort %q (%v), want %s", of, err, c.ID)
	}
}

func TestCompletionReport(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino := w.mustUser(t, auth.NewUser{Email: "aino@example.fi", OrgUnit: "Joensuu"})
	bertta := w.mustUser(t, auth.NewUser{Email: "bertta@example.fi", OrgUnit: "Joensuu"})
	celia := w.mustUser(t, auth.NewUser{Email: "celia@example.fi", OrgUnit: "Kuopio"})
	w.mustCohort(t, cohort.NewCohort{}, aino, bertta)
	w.mustCohort(t, cohort.NewCohort{Name: "Toinen"}, aino, celia) // aino counts once
	w.mustView(t, aino, "tervetuloa")
	tests := []struct {
		name    string
		actor   auth.Principal
		course  string
		orgUnit string
		want    []cohort.OrgUnitRow
		err     error
	}{
		{name: "every unit", actor: w.admin, course: slug, want: []cohort.OrgUnitRow{
			{OrgUnit: "Joensuu", Learners: 2, NotStarted: 1, InProgress: 1}, {OrgUnit: "Kuopio", Learners: 1, NotStarted: 1}}},
		{name: "one unit", actor: w.admin, course: slug, orgUnit: "Kuopio", want: []cohort.OrgUnitRow{{OrgUnit: "Kuopio", Learners: 1, NotStarted: 1}}},
		{name: "a unit with nobody", actor: w.admin, course: slug, orgUnit: "Oulu", want: []cohort.OrgUnitRow{}},
		{name: "no such course", actor: w.admin, course: "ei-ole", err: course.ErrNotPublished},
		{name: "a trainer", actor: w.trainer, course: slug, err: auth.ErrForbidden},
		{name: "a learner", actor: as(aino), course: slug, err: auth.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := w.a.Cohorts.CompletionReport(ctx, tt.actor, tt.course, tt.orgUnit)
			checkErr(t, err, tt.err, nil)
			if diff := cmp.Diff(tt.want, got); err == nil && diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
		})
	}
}

// TestOneActiveCohortPerCourse: a learner has at most one active cohort in a course. Another
// trainer's enrolment never moves her; her own trainers, admins and anyone from a closed cohort
// do, and she leaves the cohort she moves from.
func TestOneActiveCohortPerCourse(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino, bertta, cai := w.learner(t, "aino"), w.learner(t, "bertta"), w.learner(t, "cai")
	mine := w.mustCohort(t, cohort.NewCohort{Name: "Minun", JoinCode: true})
	second := w.mustCohort(t, cohort.NewCohort{Name: "Syksy"})
	theirs, err := w.a.Cohorts.Create(ctx, w.trainer2, cohort.NewCohort{Course: slug, Name: "Toisen"})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := w.a.Cohorts.AddMembers(ctx, w.trainer2, theirs.ID, []string{aino.Email, bertta.Email, cai.Email}, nil, nil); err != nil || len(res) != 3 {
		t.Fatalf("enrol in the other trainer's cohort: %v %v", res, err)
	}
	// add enrols the user in a cohort as actor, after first if it is given.
	add := func(actor auth.Principal, c cohort.Cohort, u auth.User, first func() error) func() ([]cohort.MemberResult, error) {
		return func() ([]cohort.MemberResult, error) {
			if first != nil {
				if err := first(); err != nil {
					return nil, err
				}
			}
			return w.a.Cohorts.AddMembers(ctx, actor, c.ID, []string{u.Email}, nil, nil)
		}
	}
	tests := []struct {
		name   string
		do     func() ([]cohort.MemberResult, error)
		want   []string
		err    error
		user   auth.User
		cohort string // the user's cohort afterwards
		left   string // a cohort she is no member of afterwards
	}{
		{name: "another trainer's learner stays where she is", do: add(w.trainer, mine, aino, nil),
			want: []string{"aino@example.fi in_other_cohort"}, user: aino, cohort: theirs.ID, left: mine.ID},
		{name: "nor does she join by code", err: cohort.ErrInOtherCohort, user: aino, cohort: theirs.ID, left: mine.ID,
			do: func() ([]cohort.MemberResult, error) {
				_, err := w.a.Cohorts.Join(ctx, as(aino), mine.JoinCode)
				return nil, err
			}},
		{name: "her trainer removes her, then anyone may enrol her",
			do:   add(w.trainer, mine, aino, func() error { return w.a.Cohorts.RemoveMember(ctx, w.trainer2, theirs.ID, aino.ID) }),
			want: []string{"aino@example.fi enrolled"}, user: aino, cohort: mine.ID, left: theirs.ID},
		{name: "an admin moves a learner", do: add(w.admin, mine, bertta, nil),
			want: []string{"bertta@example.fi enrolled"}, user: bertta, cohort: mine.ID, left: theirs.ID},
		{name: "the other trainer cannot take her back", do: add(w.trainer2, theirs, bertta, nil),
			want: []string{"bertta@example.fi in_other_cohort"}, user: bertta, cohort: mine.ID, left: theirs.ID},
		{name: "from a closed cohort anyone moves her",
			do: add(w.trainer, mine, cai, func() error {
				_, err := w.a.Cohorts.Update(ctx, w.trainer2, theirs.ID, cohort.Patch{Status: ptr(cohort.StatusClosed)})
				return err
			}),
			want: []string{"cai@example.fi enrolled"}, user: cai, cohort: mine.ID, left: theirs.ID},
		{name: "her own trainer moves her between his cohorts", do: add(w.trainer, second, cai, nil),
			want: []string{"cai@example.fi enrolled"}, user: cai, cohort: second.ID, left: mine.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.do()
			checkErr(t, err, tt.err, nil)
			if diff := cmp.Diff(tt.want, results(res)); err == nil && diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			if of, err := w.a.Cohorts.CohortOf(ctx, tt.user.ID, slug); err != nil || of != tt.cohort {
				t.Errorf("her cohort %q (%v), want %q", of, err, tt.cohort)
			}
			if member, err := w.a.Cohorts.IsMember(ctx, tt.user.ID, tt.left); err != nil || member {
				t.Errorf("still a member of %s: %v (%v)", tt.left, member, err)
			}
			if member, err := w.a.Cohorts.IsMember(ctx, tt.user.ID, tt.cohort); err != nil || !member {
				t.Errorf("not a member of %s: %v (%v)", tt.cohort, member, err)
			}
		})
	}
}

// TestReach: whom a trainer reaches in a course through its cohorts.
func TestReach(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino, bertta := w.learner(t, "aino"), w.learner(t, "bertta")
	w.mustCohort(t, cohort.NewCohort{}, aino)
	theirs, err := w.a.Cohorts.Create(ctx, w.trainer2, cohort.NewCohort{Course: slug, Name: "Toisen"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.a.Cohorts.AddMembers(ctx, w.trainer2, theirs.ID, []string{bertta.Email}, nil, nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		actor auth.Principal
		want  cohort.Reach
		err   error
	}{
		{name: "a trainer", actor: w.trainer, want: cohort.Reach{Mine: []string{aino.ID}, Others: []string{bertta.ID}}},
		{name: "the other trainer", actor: w.trainer2, want: cohort.Reach{Mine: []string{bertta.ID}, Others: []string{aino.ID}}},
		{name: "an admin runs every cohort", actor: w.admin, want: cohort.Reach{Mine: []string{aino.ID, bertta.ID}, Others: []string{}}},
		{name: "a learner", actor: as(aino), err: auth.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := w.a.Cohorts.Reach(ctx, tt.actor, slug)
			checkErr(t, err, tt.err, nil)
			slices.Sort(got.Mine)
			slices.Sort(tt.want.Mine)
			if diff := cmp.Diff(tt.want, got); err == nil && diff != "" {
				t.Errorf("reach (-want +got):\n%s", diff)
			}
		})
	}
}
