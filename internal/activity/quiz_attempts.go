package activity

import (
	"context"
	"time"

	"github.com/taito-lms/taito/internal/auth"
)

// AttemptSummary is one of a learner's attempts at a quiz as her quiz page lists it: when it
// started, whether it is still open, and its score once submitted.
type AttemptSummary struct {
	ID          string
	StartedAt   time.Time
	Deadline    *time.Time
	SubmittedAt *time.Time
	Score       float64 // 0-1, once submitted
	Passed      bool
	// Open is true while it can still be answered: not submitted, and its time not up.
	Open bool
}

// Attempts lists the actor's own attempts at a quiz, oldest first.
//
// Returns ErrQuizNotFound and the course package's access errors.
func (s *Quizzes) Attempts(ctx context.Context, actor auth.Principal, id string) ([]AttemptSummary, error) {
	if _, _, err := s.quiz(ctx, actor, id); err != nil {
		return nil, err
	}
	docs, err := s.store.mine(ctx, actor.UserID, id)
	if err != nil {
		return nil, err
	}
	out := make([]AttemptSummary, 0, len(docs))
	for _, d := range docs {
		a := AttemptSummary{ID: d.ID, StartedAt: d.StartedAt, Deadline: d.Deadline, SubmittedAt: d.SubmittedAt}
		if d.SubmittedAt != nil {
			a.Score, a.Passed = d.Score, d.Passed
		} else {
			a.Open = d.Deadline == nil || s.now().Before(*d.Deadline)
		}
		out = append(out, a)
	}
	return out, nil
}
