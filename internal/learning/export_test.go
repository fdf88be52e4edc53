package learning

import "time"

// CachedFacts returns the service's in-process copy of a learner's projection, for tests.
func (s *Service) CachedFacts(user, slug string) (*Facts, bool) {
	return s.cache.get(progressID(user, slug), time.Now())
}
