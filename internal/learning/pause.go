package learning

import "sync"

// PauseCommits stops the group commit from writing statements and projections until resume is
// called, so that a copy of the database (a backup) sees the statement log and the projections
// at one point: it returns once the flushes under way have finished. Requests that record
// statements meanwhile wait in the queue (or give up at their deadline, and their clients retry).
// resume may be called more than once.
func (s *Service) PauseCommits() (resume func()) {
	s.group.paused.Lock()
	var once sync.Once
	return func() { once.Do(s.group.paused.Unlock) }
}
