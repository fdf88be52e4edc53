package cohort_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/cohort"
)

// TestDirectoryCaching changes a learner's cohort on one replica and asks both it and another
// replica over the same database: the one that made the change answers it at once, the other
// within the caches' lifetime of 30 seconds.
func TestDirectoryCaching(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino := w.learner(t, "aino")
	c := w.mustCohort(t, cohort.NewCohort{Schedule: []cohort.ModuleDates{{Module: "alku", Due: at(days(7))}}})
	here := w.a.Cohorts.Directory
	there := cohort.NewDirectory(w.db, false, w.clock.Now)
	type answers struct {
		Cohort string
		Member bool
		Due    *time.Time // alku's in the learner's schedule
	}
	ask := func(t *testing.T, d *cohort.Directory) answers {
		t.Helper()
		id, err := d.CohortOf(ctx, aino.ID, slug)
		if err != nil {
			t.Fatal(err)
		}
		enrolled, err := d.IsEnrolled(ctx, aino.ID, slug)
		if err != nil || enrolled != (id != "") {
			t.Errorf("enrolled %v (%v) with cohort %q", enrolled, err, id)
		}
		member, err := d.IsMember(ctx, aino.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		sched, err := d.Schedule(ctx, aino.ID, slug)
		if err != nil {
			t.Fatal(err)
		}
		a := answers{Cohort: id, Member: member}
		if len(sched) > 0 {
			a.Due = sched[0].Due
		}
		return a
	}
	afterTTL := func(t *testing.T) { w.clock.Advance(31 * time.Second) }
	steps := []struct {
		name        string
		do          func(t *testing.T)
		here, there answers
	}{
		{name: "no cohort yet"},
		{name: "enrolled on this replica", do: func(t *testing.T) { w.mustEnrol(t, c, aino) },
			here: answers{Cohort: c.ID, Member: true, Due: at(days(7))}, there: answers{Member: true}},
		{name: "the other replica after the lifetime", do: afterTTL,
			here: answers{Cohort: c.ID, Member: true, Due: at(days(7))}, there: answers{Cohort: c.ID, Member: true, Due: at(days(7))}},
		{name: "rescheduled on this replica", do: func(t *testing.T) {
			w.mustUpdate(t, c, cohort.Patch{Schedule: &[]cohort.ModuleDates{{Module: "alku", Due: at(days(10))}}})
		}, here: answers{Cohort: c.ID, Member: true, Due: at(days(10))}, there: answers{Cohort: c.ID, Member: true, Due: at(days(7))}},
		{name: "the new schedule after the lifetime", do: afterTTL,
			here: answers{Cohort: c.ID, Member: true, Due: at(days(10))}, there: answers{Cohort: c.ID, Member: true, Due: at(days(10))}},
		{name: "removed on this replica", do: func(t *testing.T) {
			if err := w.a.Cohorts.RemoveMember(ctx, w.trainer, c.ID, aino.ID); err != nil {
				t.Fatal(err)
			}
		}, here: answers{}, there: answers{Cohort: c.ID, Due: at(days(10))}},
		{name: "the removal after the lifetime", do: afterTTL},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.do != nil {
				s.do(t)
			}
			if diff := cmp.Diff(s.here, ask(t, here)); diff != "" {
				t.Errorf("this replica (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(s.there, ask(t, there)); diff != "" {
				t.Errorf("another replica (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDirectoryAnswers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.mustCohort(t, cohort.NewCohort{})
	d := w.a.Cohorts.Directory
	tests := []struct {
		name    string
		user    string
		cohort  string
		trainer bool
		course  string
		err     error
	}{
		{name: "its trainer", user: w.trainer.UserID, cohort: c.ID, trainer: true, course: slug},
		{name: "another trainer", user: w.trainer2.UserID, cohort: c.ID, course: slug},
		{name: "no such cohort", user: w.trainer.UserID, cohort: "ei-ole", err: cohort.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trainer, err := d.IsTrainerOf(ctx, tt.user, tt.cohort)
			if err != nil || trainer != tt.trainer {
				t.Errorf("trainer %v (%v), want %v", trainer, err, tt.trainer)
			}
			course, err := d.CourseOf(ctx, tt.cohort)
			checkErr(t, err, tt.err, nil)
			if course != tt.course {
				t.Errorf("course %q, want %q", course, tt.course)
			}
		})
	}
}
