package learning

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// Retention of the learning record: a learner's statements in a course go together with her
// projection for that course once her last activity there is older than the period, so that a
// rebuild from the log still gives every projection that remains.

// Lapsed is a learner's record in a course whose last activity is older than a cutoff.
type Lapsed struct {
	User   string
	Course string
	// LastAt is when her latest statement in the course was stored; for a projection whose
	// statements are gone already (a run that stopped half-way), its own latest activity.
	LastAt time.Time
	// HasStatements says that the log holds statements of hers in the course.
	HasStatements bool
}

// Lapsed lists the learners' records in courses with no activity since before: every learner
// and course whose latest statement was stored before it, and every projection without
// statements whose latest activity is before it (what a rebuild would remove). Sorted by
// learner and course.
func (s *Service) Lapsed(ctx context.Context, before time.Time) ([]Lapsed, error) {
	last, err := s.store.lastStored(ctx)
	if err != nil {
		return nil, err
	}
	var out []Lapsed
	for k, at := range last {
		if at.Before(before) {
			out = append(out, Lapsed{User: k.User, Course: k.Course, LastAt: at, HasStatements: true})
		}
	}
	idle, err := s.store.projectionsIdleBefore(ctx, before)
	if err != nil {
		return nil, err
	}
	for _, p := range idle {
		if _, logged := last[learnerCourse{User: p.User, Course: p.Course}]; !logged {
			out = append(out, Lapsed{User: p.User, Course: p.Course, LastAt: p.LastAt})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].User != out[j].User {
			return out[i].User < out[j].User
		}
		return out[i].Course < out[j].Course
	})
	return out, nil
}

// Forget deletes a learner's statements in a course stored before the cutoff and then rebuilds
// her projection there from what remains: with nothing left, the projection goes too. The
// statements go first, so a run cut short leaves a projection without statements, which
// Lapsed lists again and the next run removes; a statement that arrived since the list was
// made stays, and the projection is rebuilt from it. It returns how many statements went.
func (s *Service) Forget(ctx context.Context, user, slug string, before time.Time) (int, error) {
	n, err := s.store.deleteStatementsBefore(ctx, user, slug, before)
	if err != nil {
		return n, err
	}
	if err := s.Rebuild(ctx, user, slug); err != nil {
		return n, fmt.Errorf("statements of %s in %s deleted, but her progress was not cleared: %w", user, slug, err)
	}
	return n, nil
}

// LoggedSince reports whether a learner has recorded anything, in any course, at or after t.
func (s *Service) LoggedSince(ctx context.Context, user string, t time.Time) (bool, error) {
	return s.store.loggedSince(ctx, user, t)
}
