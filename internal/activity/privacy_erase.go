package activity

import (
	"context"
	"fmt"
	"regexp"

	"github.com/taito-lms/taito/internal/learning"
)

// Erasure of a person (GDPR Article 17): each service below removes or pseudonymises what it
// keeps of her. Every method can be run again: what is done already is not found again. The
// caller decides who may ask.

// PseudonymiseAttempts puts a learner's quiz attempts under a pseudonym: they hold option ids
// and scores, no free text, and item statistics count them.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Quizzes) PseudonymiseAttempts(ctx context.Context, userID, pseudonym string) error {
	if err := s.store.pseudonymise(ctx, userID, pseudonym); err != nil {
		return fmt.Errorf("pseudonymise the quiz attempts of %s: %w", userID, err)
	}
	return nil
}

// ErasePosts removes a person from the walls: her posts and comments keep their place in their
// threads with the text and the author removed (shown as deleted), and her reactions count on
// under the pseudonym.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Walls) ErasePosts(ctx context.Context, userID, pseudonym string) error {
	if err := s.store.eraseAuthor(ctx, userID); err != nil {
		return fmt.Errorf("erase the posts of %s: %w", userID, err)
	}
	if err := s.store.rekeyReactions(ctx, userID, pseudonym, Reactions); err != nil {
		return fmt.Errorf("pseudonymise the reactions of %s: %w", userID, err)
	}
	return nil
}

// erasedMark stands in a post or comment where it named a person who was erased.
const erasedMark = "[–]"

// ScrubMentions removes words (an erased person's name and e-mail address, in any case) from
// other people's posts and comments that name her; the rest of their text stays. It can be run
// again.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Walls) ScrubMentions(ctx context.Context, words []string) error {
	pattern := learning.MentionPattern(words)
	if pattern == "" {
		return nil
	}
	re := regexp.MustCompile("(?i)" + pattern)
	docs, err := s.store.matching(ctx, pattern)
	if err != nil {
		return fmt.Errorf("find posts that name an erased person: %w", err)
	}
	for _, d := range docs {
		body := re.ReplaceAllString(d.Body, erasedMark)
		if err := s.store.setText(ctx, d.ID, body, s.courses.Renderer().HTML(body)); err != nil {
			return err
		}
	}
	return nil
}

// EraseAssessments deletes a learner's self-assessments with the coach's notes on them and her
// drafts; where she coached others, her notes stay with the pseudonym as their author.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Assessments) EraseAssessments(ctx context.Context, userID, pseudonym string) error {
	if err := s.store.erase(ctx, userID, pseudonym); err != nil {
		return fmt.Errorf("erase the assessments of %s: %w", userID, err)
	}
	return nil
}

// EraseLogs deletes a learner's service-safari logs.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Safaris) EraseLogs(ctx context.Context, userID string) error {
	if err := s.store.erase(ctx, userID); err != nil {
		return fmt.Errorf("erase the safari logs of %s: %w", userID, err)
	}
	return nil
}
