package learning

import (
	"context"
	"fmt"
	"time"
)

// Several writers of one projection. MongoDB applies each update of a document atomically, so
// replicas may update one learner's projection at once: the updates' operators allow any order,
// and a write names the revision it was made from (see applyKey). FerretDB 1.24 reads, changes
// and writes a document in separate steps, so two processes updating one projection at the same
// moment can lose one update (TestSeveralReplicas in cmd/taito found it: a learner's events sent
// through three replicas at once left a projection that a rebuild from the log did not).
//
// So where several processes write (not a sole writer) over FerretDB, each write of a projection
// holds a lease: a document whose _id names the projection, which exactly one process can
// insert, on FerretDB as on MongoDB. A lease whose holder died expires after projectionLease.
// Within a process the projection's lock in the facts cache already serialises writes.
const (
	projectionLease = 5 * time.Second
	leaseMaxWait    = 50 * time.Millisecond // the longest pause between tries for a held lease
)

// checkWriters decides, once at start, whether projection writes take leases: only when other
// processes may write and the database does not apply updates atomically.
func (s *Service) checkWriters(ctx context.Context) error {
	if s.soleWriter {
		return nil
	}
	atomic, err := s.store.updatesAtomic(ctx)
	if err != nil {
		return err
	}
	s.leased.Store(!atomic)
	return nil
}

// leaseProjection waits until this process holds the lease of projection id and returns its
// release; without leases (see checkWriters) it returns at once.
func (s *Service) leaseProjection(ctx context.Context, id string) (release func(), err error) {
	if !s.leased.Load() {
		return func() {}, nil
	}
	holder := newRev()
	for wait := time.Millisecond; ; wait = min(2*wait, leaseMaxWait) {
		now := time.Now()
		ok, err := s.store.acquireLease(ctx, id, holder, now, now.Add(projectionLease))
		if err != nil {
			return nil, err
		}
		if ok {
			return func() {
				if err := s.store.releaseLease(context.WithoutCancel(ctx), id, holder); err != nil {
					s.log.Warn("projection lease left to expire", "projection", id, "err", err)
				}
			}, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("projection %s is being written by another process: %w", id, ctx.Err())
		case <-time.After(wait):
		}
	}
}
