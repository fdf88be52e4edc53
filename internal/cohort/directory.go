package cohort

import (
	"context"
	"errors"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/cache"
)

// Directory answers the membership questions the other capabilities ask on every learner
// request — which cohort is hers, who trains it, which dates apply — from the cohorts'
// collections, with the answers cached. It is built before the services that ask it, and the
// cohort service is built over it.
type Directory struct {
	// store keeps, besides cohorts and enrolments, each learner's active cohort per course, so
	// the questions asked on every learner request are _id reads.
	store *store
	// members remembers CohortOf answers, schedules cohorts' schedules. A replica forgets its
	// own changes at once; another replica's changes show within the caches' lifetime.
	members   *cache.Cache[string]
	schedules *cache.Cache[[]ModuleDates]

	maxLifetime time.Duration // MaxCacheLifetime; zero: the default
	snapshotTTL time.Duration // dashboards' snapshots, for the Service built over it
}

// Cache lifetimes: among several replicas, another's change shows within cacheTTLShared; a
// sole writer (the embedded default) sees every change itself and forgets it at once, so its
// entries only age out to bound memory.
const (
	cacheTTLShared = 30 * time.Second
	cacheTTLSole   = 10 * time.Minute
)

// DirectoryOption adjusts a Directory at construction.
type DirectoryOption func(*Directory)

// MaxCacheLifetime bounds how long membership answers and cohorts' schedules are cached:
// another replica's change (a member added or removed, new dates) shows here within d. Zero or
// less keeps the default (30 seconds, 10 minutes for a sole writer).
func MaxCacheLifetime(d time.Duration) DirectoryOption {
	return func(s *Directory) { s.maxLifetime = d }
}

// SnapshotLifetime sets how long a dashboard's learner data is kept for its other pages (see
// DashboardQuery.Snapshot) by the Service built over the directory. Zero or less keeps
// SnapshotTTL.
func SnapshotLifetime(d time.Duration) DirectoryOption {
	return func(s *Directory) { s.snapshotTTL = d }
}

// NewDirectory returns the directory over db. soleWriter says that no other process changes
// the database (the embedded default), so answers may be kept longer.
func NewDirectory(db *mongo.Database, soleWriter bool, now func() time.Time, opts ...DirectoryOption) *Directory {
	s := &Directory{store: newStore(db, now), snapshotTTL: SnapshotTTL}
	for _, opt := range opts {
		opt(s)
	}
	ttl := cacheTTLShared
	if soleWriter {
		ttl = cacheTTLSole
	}
	if s.maxLifetime > 0 {
		ttl = min(ttl, s.maxLifetime)
	}
	if s.snapshotTTL <= 0 {
		s.snapshotTTL = SnapshotTTL
	}
	s.members, s.schedules = cache.New[string](ttl, 50000, now), cache.New[[]ModuleDates](ttl, 10000, now)
	return s
}

// CohortOf returns the learner's active cohort in a course (the latest she joined), or "".
func (s *Directory) CohortOf(ctx context.Context, user, slug string) (string, error) {
	key := membershipID(slug, user)
	if c, ok := s.members.Get(key); ok {
		return c, nil
	}
	c, err := s.store.membership(ctx, slug, user)
	if err != nil {
		return "", err
	}
	s.members.Put(key, c)
	return c, nil
}

// forgetMembership drops a cached CohortOf answer after this replica changed it.
func (s *Directory) forgetMembership(slug, user string) {
	s.members.Forget(membershipID(slug, user))
}

// IsMember reports whether the user is an active member of the cohort.
func (s *Directory) IsMember(ctx context.Context, user, cohort string) (bool, error) {
	return s.store.isActive(ctx, cohort, user)
}

// IsTrainerOf reports whether the user is a trainer of the cohort.
func (s *Directory) IsTrainerOf(ctx context.Context, user, cohort string) (bool, error) {
	c, err := s.store.cohort(ctx, cohort)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil && slices.Contains(c.Trainers, user), err
}

// CourseOf returns a cohort's course.
func (s *Directory) CourseOf(ctx context.Context, cohort string) (string, error) {
	c, err := s.store.cohort(ctx, cohort)
	return c.Course, err
}

// IsEnrolled answers the course package: may this user read a cohort-only course?
func (s *Directory) IsEnrolled(ctx context.Context, user, slug string) (bool, error) {
	id, err := s.CohortOf(ctx, user, slug)
	return id != "", err
}

// Schedule returns the module dates of the learner's cohort in a course (nil when she has
// none), for evaluating her locks and due dates.
func (s *Directory) Schedule(ctx context.Context, user, slug string) ([]ModuleDates, error) {
	id, err := s.CohortOf(ctx, user, slug)
	if err != nil || id == "" {
		return nil, err
	}
	if sched, ok := s.schedules.Get(id); ok {
		return sched, nil
	}
	c, err := s.store.cohort(ctx, id)
	if err != nil {
		return nil, err
	}
	s.schedules.Put(id, c.Schedule)
	return c.Schedule, nil
}
