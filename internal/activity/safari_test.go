package activity_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
)

// safariLog is a log of the fixture's safari with one step; change adjusts it.
func safariLog(change func(*activity.SafariInput)) activity.SafariInput {
	in := activity.SafariInput{Course: "kokeilu", Safari: "kela-safari", Debrief: "Kirjautuminen oli vaikein kohta.",
		Steps: []activity.StepLog{{Step: "kirjaudu", DidAndSaid: "Etsi painiketta pitkään.", Observations: []activity.Observation{
			{Type: activity.ObsUsability, Severity: 3, Competence: "2.3", Note: "Kirjaudu-painike huomaamaton"},
			{Type: activity.ObsSkillGap, Severity: 2, Note: "Ei tunnistanut pankkitunnusten valintaa"},
		}}}}
	if change != nil {
		change(&in)
	}
	return in
}

func (w *world) mustSaveSafari(t *testing.T, who, id string, in activity.SafariInput) activity.SafariLog {
	t.Helper()
	l, err := w.a.Safaris.Save(context.Background(), w.people[who], id, in)
	return must(t, l, err)
}

func TestSafariLog(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	anna := w.people["anna"]
	for _, tc := range []struct {
		name   string
		in     activity.SafariInput
		fields []string
	}{
		{"an unknown step", safariLog(func(in *activity.SafariInput) { in.Steps[0].Step = "lennä" }), []string{"steps.0.step"}},
		{"a step logged twice", safariLog(func(in *activity.SafariInput) { in.Steps = append(in.Steps, in.Steps[0]) }), []string{"steps.1.step"}},
		{"severity off the scale", safariLog(func(in *activity.SafariInput) { in.Steps[0].Observations[0].Severity = 4 }), []string{"steps.0.observations.0.severity"}},
		{"an observation of no type", safariLog(func(in *activity.SafariInput) { in.Steps[0].Observations[1].Type = "mood" }), []string{"steps.0.observations.1.type"}},
		{"a competence DigComp does not have", safariLog(func(in *activity.SafariInput) { in.Steps[0].Observations[0].Competence = "6.1" }), []string{"steps.0.observations.0.competence"}},
		{"an observation without a note", safariLog(func(in *activity.SafariInput) { in.Steps[0].Observations[0].Note = "" }), []string{"steps.0.observations.0.note"}},
		{"submitted without steps", safariLog(func(in *activity.SafariInput) { in.Steps, in.Submitted = nil, true }), []string{"steps"}},
		{"an unknown safari", safariLog(func(in *activity.SafariInput) { in.Safari = "ei-ole" }), []string{"safari"}},
		{"no course or safari", safariLog(func(in *activity.SafariInput) { in.Course, in.Safari = "", "" }), []string{"course", "safari"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.a.Safaris.Save(ctx, anna, "", tc.in)
			got := fieldsOf(t, err)
			if diff := cmp.Diff(tc.fields, got); diff != "" {
				t.Fatalf("fields (-want +got):\n%s", diff)
			}
		})
	}

	draft := w.mustSaveSafari(t, "anna", "", safariLog(nil))
	if draft.Submitted || draft.SubmittedAt != nil || draft.User != anna.UserID || len(draft.Steps[0].Observations) != 2 {
		t.Fatalf("draft: %+v", draft)
	}
	w.wantLesson(t, "anna", "safari", "not_started")
	submittedAt := w.clock.Now()
	var submitted activity.SafariLog
	runSteps(t, []step{
		{name: "someone else reads it", do: func() error { _, err := w.a.Safaris.Get(ctx, w.people["ben"], draft.ID); return err }, err: activity.ErrSafariNotFound},
		{name: "someone else updates it", do: func() error {
			_, err := w.a.Safaris.Save(ctx, w.people["ben"], draft.ID, safariLog(nil))
			return err
		}, err: activity.ErrSafariNotFound},
		{name: "moved to another course", do: func() error {
			_, err := w.a.Safaris.Save(ctx, anna, draft.ID, safariLog(func(in *activity.SafariInput) { in.Course = "toinen" }))
			return err
		}, kind: apperr.KindValidation},
		{name: "submit", do: func() error {
			var err error
			submitted, err = w.a.Safaris.Save(ctx, anna, draft.ID, safariLog(func(in *activity.SafariInput) { in.Course, in.Safari, in.Submitted = "", "", true }))
			if err == nil && (!submitted.Submitted || submitted.SubmittedAt == nil || !submitted.SubmittedAt.Equal(submittedAt) || submitted.Course != "kokeilu") {
				t.Errorf("submitted: %+v", submitted)
			}
			return err
		}},
		{name: "corrected after submitting", do: func() error {
			w.clock.Advance(time.Hour)
			l, err := w.a.Safaris.Save(ctx, anna, draft.ID, safariLog(func(in *activity.SafariInput) { in.Debrief = "Korjattu." }))
			if err == nil && (!l.Submitted || !l.SubmittedAt.Equal(submittedAt) || !l.UpdatedAt.Equal(w.clock.Now()) || l.Debrief != "Korjattu.") {
				t.Errorf("corrected: %+v", l)
			}
			return err
		}},
		{name: "read back", do: func() error {
			l, err := w.a.Safaris.Get(ctx, anna, draft.ID)
			if err == nil && (l.Debrief != "Korjattu." || !l.Submitted || l.Steps[0].Observations[0].Competence != "2.3") {
				t.Errorf("read back: %+v", l)
			}
			return err
		}},
	})
	w.wantLesson(t, "anna", "safari", "completed")
	for _, tc := range []struct {
		who  string
		logs int
	}{{"anna", 1}, {"ben", 0}} {
		t.Run("logs of "+tc.who, func(t *testing.T) {
			ls, err := w.a.Safaris.Mine(ctx, w.people[tc.who])
			if err != nil || len(ls) != tc.logs {
				t.Fatalf("%d logs, %v; want %d", len(ls), err, tc.logs)
			}
		})
	}
}

func TestSafariSummary(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	room := w.mustCohort(t, "tuula", "ben")
	w.mustSaveSafari(t, "anna", "", safariLog(func(in *activity.SafariInput) { in.Submitted = true }))
	w.mustSaveSafari(t, "ben", "", safariLog(func(in *activity.SafariInput) {
		in.Submitted = true
		in.Steps[0].Observations = []activity.Observation{{Type: activity.ObsUsability, Severity: 2, Competence: "2.3", Note: "Painike piilossa"}}
	}))
	w.mustSaveSafari(t, "cai", "", safariLog(nil)) // a draft does not count

	top := activity.Finding{Step: "kirjaudu", Type: activity.ObsUsability, Competence: "2.3", Count: 2, MaxSeverity: 3,
		Notes: []string{"Kirjaudu-painike huomaamaton", "Painike piilossa"}}
	for _, tc := range []struct {
		name  string
		do    func() ([]activity.Finding, int, error)
		logs  int
		first activity.Finding
		err   error
		kind  apperr.Kind
	}{
		{name: "everyone's", do: func() ([]activity.Finding, int, error) {
			return w.a.Safaris.Summary(ctx, w.people["tuula"], "kokeilu", "kela-safari", nil)
		}, logs: 2, first: top},
		{name: "some learners'", do: func() ([]activity.Finding, int, error) {
			return w.a.Safaris.Summary(ctx, w.people["tuula"], "kokeilu", "kela-safari", []string{w.people["anna"].UserID})
		}, logs: 1, first: activity.Finding{Step: "kirjaudu", Type: activity.ObsUsability, Competence: "2.3", Count: 1, MaxSeverity: 3, Notes: []string{"Kirjaudu-painike huomaamaton"}}},
		{name: "her cohort's", do: func() ([]activity.Finding, int, error) {
			return w.a.SafariSummary(ctx, w.people["tuula"], "kokeilu", "kela-safari", room)
		}, logs: 1, first: activity.Finding{Step: "kirjaudu", Type: activity.ObsUsability, Competence: "2.3", Count: 1, MaxSeverity: 2, Notes: []string{"Painike piilossa"}}},
		{name: "another trainer's cohort", do: func() ([]activity.Finding, int, error) {
			return w.a.SafariSummary(ctx, w.people["toivo"], "kokeilu", "kela-safari", room)
		}, kind: apperr.KindNotFound},
		{name: "another safari", do: func() ([]activity.Finding, int, error) {
			return w.a.Safaris.Summary(ctx, w.people["tuula"], "kokeilu", "ei-ole", nil)
		}},
		{name: "a learner asks", do: func() ([]activity.Finding, int, error) {
			return w.a.Safaris.Summary(ctx, w.people["anna"], "kokeilu", "kela-safari", nil)
		}, err: auth.ErrForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, n, err := tc.do()
			wantErr(t, err, tc.err, tc.kind)
			if err != nil {
				return
			}
			if n != tc.logs {
				t.Errorf("%d logs, want %d", n, tc.logs)
			}
			if tc.logs == 0 {
				if len(fs) != 0 {
					t.Errorf("findings of no logs: %+v", fs)
				}
				return
			}
			if diff := cmp.Diff(tc.first, fs[0]); diff != "" {
				t.Errorf("the most frequent finding (-want +got):\n%s", diff)
			}
			if !slices.ContainsFunc(fs, func(f activity.Finding) bool { return f.Type == activity.ObsSkillGap }) && tc.name != "her cohort's" {
				t.Errorf("no skill gap among %+v", fs)
			}
		})
	}
}
