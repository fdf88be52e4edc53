package learning

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// LogWithoutApplying runs a group-commit flush of a learner's entries up to the moment a crash
// would stop it: the batch's marker and its statements are written, its projections are not.
func (s *Service) LogWithoutApplying(ctx context.Context, user string, entries []Entry) error {
	targets := make([]target, len(entries))
	es := make([]*Entry, len(entries))
	for i := range entries {
		t, ok := s.parseIRI(entries[i].Statement.Object.ID)
		if !ok {
			return fmt.Errorf("statement %d: not an activity of this Taito", i)
		}
		targets[i], es[i] = t, &entries[i]
	}
	j := &job{user: user, authority: AuthorityLearner, targets: targets, entries: es, now: s.now().UTC(), done: make(chan struct{})}
	if s.logBatch(ctx, []*job{j}, uuid.NewString()) == nil && j.err == nil {
		return errors.New("nothing was logged")
	}
	return j.err
}

// VoidWithoutApplying runs a voiding up to the moment a crash would stop it: its marker and the
// voiding statement are written; the voided statement is not flagged, the projection not rebuilt.
func (s *Service) VoidWithoutApplying(ctx context.Context, user string, e Entry) error {
	target, err := s.voidable(ctx, user, &e)
	if err != nil {
		return err
	}
	if err := s.mark(ctx, uuid.NewString(), []statementDoc{{ID: e.Statement.ID, User: user, Course: target.Course}}, target.ID); err != nil {
		return err
	}
	_, err = s.logOne(ctx, user, target.Course, nil, &e, s.now().UTC(), AuthorityLearner, false)
	return err
}
