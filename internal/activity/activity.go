// Package activity runs the learning activities lessons point at, one service each: Quizzes
// (drawn, graded on the server, never revealing answers before submission), Walls (the weekly
// reflection posts, comments and reactions), Assessments (the dialogic DigComp self-assessment)
// and Safaris (the service-safari observation log).
//
// Each activity writes its learning statements through internal/learning, so that completion
// rules see them like any other statement. The package does not decide completion itself, and
// it does not know cohorts: where an activity needs membership answers, the Members interface
// is handed in.
package activity

import (
	"context"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/learning"
)

// Members answers cohort questions for walls and assessments; the cohort capability provides it.
type Members interface {
	// CohortOf returns the id of the learner's cohort in a course, or "" when she studies it
	// self-paced.
	CohortOf(ctx context.Context, user, slug string) (string, error)
	// IsTrainerOf reports whether the user is a trainer of the cohort.
	IsTrainerOf(ctx context.Context, user, cohort string) (bool, error)
	// IsMember reports whether the user belongs to the cohort.
	IsMember(ctx context.Context, user, cohort string) (bool, error)
	// CourseOf returns the course of a cohort; a cohort that does not exist is an error of
	// apperr.KindNotFound.
	CourseOf(ctx context.Context, cohort string) (string, error)
}

// Choice is an option, a matching item or a rated competence: an id and its text.
type Choice struct {
	ID   string
	Text string
}

func ptr[T any](v T) *T { return &v }

// each maps every element of a list (an empty list for none).
func each[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

// recordCompleted writes the completed statement of a submitted form — form "assessment" or
// "safari", doc the id of its record — about the activity kind/id of a course, as a statement
// Taito judged. The statement's id derives from the record, so that submitting again or retrying
// writes it once.
func recordCompleted(ctx context.Context, lrn *learning.Service, actor auth.Principal, form, doc, slug, kind, id string) error {
	sid, err := lrn.StatementID(ctx, form, doc)
	if err != nil {
		return err
	}
	st := learning.Statement{ID: sid, Actor: lrn.Actor(actor.UserID),
		Verb: learning.Verb{ID: learning.VerbCompleted}, Object: learning.Object{ObjectType: "Activity", ID: lrn.IRI(slug, kind, id)},
		Result: &learning.Result{Completion: ptr(true)}}
	_, err = lrn.RecordJudged(ctx, actor.UserID, []learning.Entry{{Statement: st, Hash: form + ":" + doc}})
	return err
}
