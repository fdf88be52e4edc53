package activity

import (
	"context"
	"encoding/json"
	"fmt"
)

// ExportOf returns one learner's quiz attempts ("quiz_attempts"), as stored, for her data export
// (GDPR Articles 15 and 20). The caller decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Quizzes) ExportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	docs, err := s.store.exportAttempts(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export the quiz attempts of %s: %w", userID, err)
	}
	return map[string][]json.RawMessage{"quiz_attempts": docs}, nil
}

// ExportOf returns what one person wrote on reflection walls, for her data export: her posts and
// comments with how many reactions of each kind they got ("wall_posts"), the comments other
// people wrote on her posts, with their text but not who wrote them
// ("wall_comments_on_my_posts"), and the reactions she gave ("wall_reactions_given"). Nothing
// in them names another person.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Walls) ExportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	out, err := s.store.exportWalls(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export the wall posts of %s: %w", userID, err)
	}
	return out, nil
}

// ExportOf returns one learner's self-assessments with her coach's ratings and notes about her
// ("assessments"; the coach's identity left out) and her unsubmitted drafts
// ("assessment_drafts"), for her data export.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Assessments) ExportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	assessments, drafts, err := s.store.exportAssessments(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export the assessments of %s: %w", userID, err)
	}
	return map[string][]json.RawMessage{"assessments": assessments, "assessment_drafts": drafts}, nil
}

// ExportOf returns one learner's service-safari logs ("safari_logs"), as stored, for her data
// export.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Safaris) ExportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	docs, err := s.store.exportSafaris(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export the safari logs of %s: %w", userID, err)
	}
	return map[string][]json.RawMessage{"safari_logs": docs}, nil
}
