package activity_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
)

// withEndRound adds the end round of the fixture's start assessment to the course.
func withEndRound(co *course.Course) {
	end := co.Assessments[0]
	end.ID, end.Round, end.Title = "loppuarvio", "end", course.Text{"fi": "Loppuarvio"}
	co.Assessments = append(co.Assessments, end)
}

func (w *world) mustAssess(t *testing.T, who, id string, ratings map[string]int) activity.Assessment {
	t.Helper()
	a, err := w.a.Assessments.Submit(context.Background(), w.people[who], "kokeilu", id, ratings, nil)
	return must(t, a, err)
}

func TestAssessmentSubmit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	anna := w.people["anna"]
	for _, tc := range []struct {
		name       string
		slug, id   string
		ratings    map[string]int
		notes      map[string]string
		err        error
		kind       apperr.Kind
		wantFields []string
	}{
		{name: "missing ratings", slug: "kokeilu", id: "alkuarvio", ratings: map[string]int{"1.1": 3}, kind: apperr.KindValidation,
			wantFields: []string{"ratings.2.1", "ratings.4.2", "ratings.tunnistautuminen"}},
		{name: "a rating off the scale", slug: "kokeilu", id: "alkuarvio", ratings: map[string]int{"1.1": 9, "2.1": 2, "4.2": 4, "tunnistautuminen": 0},
			kind: apperr.KindValidation, wantFields: []string{"ratings.1.1", "ratings.tunnistautuminen"}},
		{name: "a competence not in it", slug: "kokeilu", id: "alkuarvio", ratings: map[string]int{"1.1": 3, "2.1": 2, "4.2": 4, "tunnistautuminen": 2, "3.4": 1},
			kind: apperr.KindValidation, wantFields: []string{"ratings.3.4"}},
		{name: "notes of no area", slug: "kokeilu", id: "alkuarvio", ratings: map[string]int{"1.1": 3, "2.1": 2, "4.2": 4, "tunnistautuminen": 2},
			notes: map[string]string{"9": "x"}, kind: apperr.KindValidation, wantFields: []string{"notes.9"}},
		{name: "an unknown assessment", slug: "kokeilu", id: "ei-ole", err: activity.ErrAssessmentNotFound},
		{name: "an unknown course", slug: "ei-ole", id: "alkuarvio", kind: apperr.KindNotFound},
		{name: "complete", slug: "kokeilu", id: "alkuarvio", ratings: map[string]int{"1.1": 3, "2.1": 2, "4.2": 4, "tunnistautuminen": 2},
			notes: map[string]string{"2": "Kirjautuminen jännittää."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := w.a.Assessments.Submit(ctx, anna, tc.slug, tc.id, tc.ratings, tc.notes)
			if tc.wantFields != nil {
				got := fieldsOf(t, err)
				slices.Sort(got)
				if diff := cmp.Diff(tc.wantFields, got); diff != "" {
					t.Fatalf("fields (-want +got):\n%s", diff)
				}
				return
			}
			wantErr(t, err, tc.err, tc.kind)
			if err == nil && (a.Round != "start" || len(a.Rows) != 4 || a.Rows[0].ID != "1.1" || a.Rows[0].Self != 3 || a.SelfNotes["2"] == "") {
				t.Fatalf("submitted: %+v", a)
			}
		})
	}
	w.wantLesson(t, "anna", "arvio", "completed")
}

func TestAssessmentCoaching(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	w.mustCohort(t, "toivo", "cai")
	self := map[string]int{"1.1": 3, "2.1": 2, "4.2": 4, "tunnistautuminen": 2}
	annas := w.mustAssess(t, "anna", "alkuarvio", self) // self-paced: the course's team coaches her
	cais := w.mustAssess(t, "cai", "alkuarvio", self)   // in toivo's cohort
	coach := map[string]int{"1.1": 4, "2.1": 4}
	notes := map[string]string{"general": "Osaat enemmän kuin arvioit."}
	for _, tc := range []struct {
		name    string
		who, id string
		ratings map[string]int
		err     error
		kind    apperr.Kind
	}{
		{name: "another learner", who: "ben", id: annas.ID, ratings: coach, err: activity.ErrAssessmentNotFound},
		{name: "the learner herself", who: "anna", id: annas.ID, ratings: coach, err: auth.ErrForbidden},
		{name: "a trainer of another cohort", who: "tuula", id: cais.ID, ratings: coach, err: activity.ErrAssessmentNotFound},
		{name: "an unknown assessment", who: "tuula", id: "ei-ole", ratings: coach, err: activity.ErrAssessmentNotFound},
		{name: "a rating off the scale", who: "tuula", id: annas.ID, ratings: map[string]int{"1.1": 0}, kind: apperr.KindValidation},
		{name: "the course's editor coaches a learner without a cohort", who: "tuula", id: annas.ID, ratings: coach},
		{name: "a trainer outside the course's team", who: "toivo", id: annas.ID, ratings: coach, err: activity.ErrAssessmentNotFound},
		{name: "the cohort's trainer", who: "toivo", id: cais.ID, ratings: coach},
		{name: "an admin", who: "aino", id: cais.ID, ratings: coach},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := w.a.Assessments.Coach(ctx, w.people[tc.who], tc.id, tc.ratings, notes)
			wantErr(t, err, tc.err, tc.kind)
			if err != nil {
				return
			}
			row := a.Rows[0]
			if row.ID != "1.1" || row.Coach == nil || *row.Coach != 4 || *row.Gap != 1 || a.CoachedBy != w.people[tc.who].UserID || a.CoachNotes["general"] == "" {
				t.Fatalf("coached: %+v %+v", a, row)
			}
		})
	}
	for _, tc := range []struct {
		name    string
		who, id string
		err     error
	}{
		{"her own", "anna", annas.ID, nil},
		{"another learner's", "ben", annas.ID, activity.ErrAssessmentNotFound},
		{"a learner of another trainer's cohort", "tuula", cais.ID, activity.ErrAssessmentNotFound},
		{"a learner of her cohort", "toivo", cais.ID, nil},
	} {
		t.Run("read "+tc.name, func(t *testing.T) {
			_, err := w.a.Assessments.Get(ctx, w.people[tc.who], tc.id, "fi")
			wantErr(t, err, tc.err, 0)
		})
	}
}

func TestSkillChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withEndRound)
	ctx := context.Background()
	w.mustAssess(t, "anna", "alkuarvio", map[string]int{"1.1": 3, "2.1": 2, "4.2": 4, "tunnistautuminen": 2})
	end := w.mustAssess(t, "anna", "loppuarvio", map[string]int{"1.1": 5, "2.1": 4, "4.2": 4, "tunnistautuminen": 3})
	w.mustAssess(t, "ben", "loppuarvio", map[string]int{"1.1": 5, "2.1": 4, "4.2": 4, "tunnistautuminen": 3}) // no start round

	type change struct{ Start, Change int }
	changes := func(a activity.Assessment) map[string]change {
		out := map[string]change{}
		for _, r := range a.Rows {
			if r.Start != nil {
				out[r.ID] = change{*r.Start, *r.Change}
			}
		}
		return out
	}
	want := map[string]change{"1.1": {3, 2}, "2.1": {2, 2}, "4.2": {4, 0}, "tunnistautuminen": {2, 1}}
	if diff := cmp.Diff(want, changes(end)); diff != "" {
		t.Errorf("end round (-want +got):\n%s", diff)
	}

	t.Run("her assessments in one call", func(t *testing.T) {
		for _, tc := range []struct {
			name, who, slug string
			ids             []string
		}{
			{"in the course", "anna", "kokeilu", []string{"alkuarvio", "loppuarvio"}},
			{"in every course", "anna", "", []string{"alkuarvio", "loppuarvio"}},
			{"in another course", "anna", "ei-ole", nil},
			{"someone else's", "cai", "", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				mine, err := w.a.Assessments.Mine(ctx, w.people[tc.who], tc.slug, "en")
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, a := range mine {
					ids = append(ids, a.Assessment)
					if a.Assessment == "loppuarvio" {
						if diff := cmp.Diff(want, changes(a)); diff != "" {
							t.Errorf("end round in the list (-want +got):\n%s", diff)
						}
					}
				}
				if diff := cmp.Diff(tc.ids, ids); diff != "" {
					t.Errorf("assessments (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("mean change per learner", func(t *testing.T) {
		users := []string{w.people["anna"].UserID, w.people["ben"].UserID, w.people["cai"].UserID}
		got, err := w.a.Assessments.SkillChanges(ctx, "kokeilu", users)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(map[string]float64{w.people["anna"].UserID: 1.25}, got); diff != "" {
			t.Errorf("skill changes (-want +got):\n%s", diff)
		}
	})
}

// TestAssessmentOutage: when the cohorts cannot be reached, a trainer asking for a learner's
// assessment is told of the outage, not that it does not exist.
func TestAssessmentOutage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.mustAssess(t, "anna", "alkuarvio", map[string]int{"1.1": 3, "2.1": 2, "4.2": 4, "tunnistautuminen": 2})
	down := unreachable(t)
	for _, tc := range []struct {
		name        string
		assessments *activity.Assessments
	}{
		{"assessments down", activity.NewAssessments(down, w.a.Courses, w.a.Learning, w.a.Cohorts, w.clock.Now)},
		{"cohorts down", activity.NewAssessments(w.db, w.a.Courses, w.a.Learning, cohortsOver(down, w), w.clock.Now)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.assessments.Get(context.Background(), w.people["tuula"], a.ID, "fi")
			wantErr(t, err, nil, apperr.KindUnavailable)
		})
	}
}
