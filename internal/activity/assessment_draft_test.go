package activity_test

import (
	"context"
	"testing"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/apperr"
)

// A draft keeps half-done answers for their author alone: it counts for nothing, no coach and no
// list sees it, and submitting removes it.
func TestAssessmentDraft(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.mustCohort(t, "toivo", "anna")
	anna := w.people["anna"]

	if d, err := w.a.Assessments.Draft(ctx, anna, "kokeilu", "alkuarvio"); err != nil || d != nil {
		t.Fatalf("no draft yet: %+v, %v", d, err)
	}
	_, err := w.a.Assessments.SaveDraft(ctx, anna, "kokeilu", "alkuarvio", map[string]int{"1.1": 9}, nil)
	if apperr.KindOf(err) != apperr.KindValidation {
		t.Fatalf("a level off the scale: %v", err)
	}
	_, err = w.a.Assessments.SaveDraft(ctx, anna, "kokeilu", "ei-ole", map[string]int{"1.1": 3}, nil)
	if apperr.KindOf(err) != apperr.KindNotFound {
		t.Fatalf("an unknown assessment: %v", err)
	}
	d, err := w.a.Assessments.SaveDraft(ctx, anna, "kokeilu", "alkuarvio", map[string]int{"1.1": 3}, map[string]string{"general": "Kesken"})
	d = must(t, d, err)
	if d.Ratings["1.1"] != 3 || d.Notes["general"] != "Kesken" {
		t.Fatalf("saved draft: %+v", d)
	}
	got, err := w.a.Assessments.Draft(ctx, anna, "kokeilu", "alkuarvio")
	got = must(t, got, err)
	if got == nil || got.Ratings["1.1"] != 3 || len(got.Ratings) != 1 {
		t.Fatalf("draft read back: %+v", got)
	}
	if d, _ := w.a.Assessments.Draft(ctx, w.people["ben"], "kokeilu", "alkuarvio"); d != nil {
		t.Fatalf("another learner reads anna's draft: %+v", d)
	}
	// A draft is no assessment: not hers, not her coach's, not completion.
	if mine, err := w.a.Assessments.Mine(ctx, anna, "kokeilu", "fi"); err != nil || len(mine) != 0 {
		t.Fatalf("a draft listed as an assessment: %+v", mine)
	}
	if of, err := w.a.Assessments.OfLearners(ctx, "kokeilu", []string{anna.UserID}, activity.LearnerFilter{}, "fi"); err != nil || len(of) != 0 {
		t.Fatalf("a draft shown to the coach: %+v", of)
	}
	w.wantLesson(t, "anna", "arvio", "not_started")

	w.mustAssess(t, "anna", "alkuarvio", map[string]int{"1.1": 3, "2.1": 2, "4.2": 4, "tunnistautuminen": 2})
	if d, err := w.a.Assessments.Draft(ctx, anna, "kokeilu", "alkuarvio"); err != nil || d != nil {
		t.Fatalf("the draft stays after submitting: %+v, %v", d, err)
	}
	w.wantLesson(t, "anna", "arvio", "completed")
}
