package learning

import (
	"context"
	"fmt"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/metrics"
)

// Catching up. The statement log is written before the projections made from it, so a process
// that dies between the two leaves statements in the log that its projections lack. Every
// group-commit flush and every voiding therefore first writes a marker naming its statements
// (batchDoc), which goes once their projection writes are done: a voiding deletes it, a
// group-commit leader rewrites it for its next batch (see lead). A marker older than a grace
// period belongs to writes that did not finish: CatchUp applies the marked statements that are
// in the log to their projections through the same updates as live recording (their operators
// are idempotent and order-free, so applying a statement twice changes nothing), and a marked
// statement that never reached the log is simply forgotten with its marker.

// A catch-up deletes a marker only while it still holds the batch the catch-up claimed. The
// grace period must be longer than any live flush: a catch-up that took a live flush's marker
// before its statements reached the log would forget them.

// DefaultCatchUpGrace is how old a marker must be before CatchUp takes it for the leftover of a
// write that did not finish: longer than a flush may take (commitTimeout), so that a live flush
// of another process is never raced.
const DefaultCatchUpGrace = 2 * commitTimeout

// catchUpPage is how many markers CatchUp reads at a time.
const catchUpPage = 100

// mark writes (or rewrites) the marker id of statements about to be logged.
func (s *Service) mark(ctx context.Context, id string, docs []statementDoc, voids string) error {
	b := batchDoc{ID: id, Created: time.Now(), Statements: make([]string, len(docs)), Voids: voids}
	seen := map[learnerCourse]bool{}
	for i, d := range docs {
		b.Statements[i] = d.ID
		k := learnerCourse{User: d.User, Course: d.Course}
		if !seen[k] {
			seen[k] = true
			b.Keys = append(b.Keys, k)
		}
	}
	return s.store.putBatch(ctx, b)
}

// unmark deletes a marker once its writes are done. A marker left behind costs one needless
// catch-up of its statements, so a failure is only logged.
func (s *Service) unmark(ctx context.Context, id string) {
	if err := s.store.deleteBatch(ctx, id); err != nil {
		s.log.Warn("a statement marker stays until the next catch-up", "marker", id, "err", err)
	}
}

// CatchUp applies to their projections the statements of every marker older than grace (see
// DefaultCatchUpGrace), deletes those markers and returns how many statements it applied. It is
// safe to run in several processes at once and to run again after any failure: a marker is
// deleted only after its writes are done. Each marker is claimed by the process that takes it,
// so that another one leaves it alone; FerretDB does not make that claim atomic, so two
// processes may both apply one marker's statements, which changes nothing but the time spent
// (and the count each returns).
func (s *Service) CatchUp(ctx context.Context, grace time.Duration) (int, error) {
	s.group.catchUp.Lock()
	defer s.group.catchUp.Unlock()
	cutoff := time.Now().Add(-grace)
	seen := map[string]bool{}
	total := 0
	for {
		page, err := s.store.batchesBefore(ctx, cutoff, catchUpPage)
		if err != nil {
			return total, err
		}
		fresh := 0
		for _, b := range page {
			if seen[b.ID] {
				continue
			}
			seen[b.ID], fresh = true, fresh+1
			n, err := s.catchUpBatch(ctx, b)
			total += n
			if err != nil {
				return total, fmt.Errorf("catch up the statements of marker %s: %w", b.ID, err)
			}
		}
		if fresh == 0 || len(page) < catchUpPage {
			return total, nil
		}
	}
}

// catchUpBatch claims one marker, applies its logged statements and deletes it; it returns how
// many statements it applied (none when another process claimed the marker first).
func (s *Service) catchUpBatch(ctx context.Context, b batchDoc) (int, error) {
	s.group.paused.RLock() // a backup's pause holds catch-ups as it holds flushes
	defer s.group.paused.RUnlock()
	claimed := time.Now()
	if ok, err := s.store.claimBatch(ctx, b, claimed); err != nil || !ok {
		return 0, err
	}
	docs, err := s.store.statementsByID(ctx, b.Statements)
	if err != nil {
		return 0, err
	}
	var n int
	if b.Voids != "" {
		n, err = s.catchUpVoid(ctx, b, docs)
	} else {
		n, err = s.catchUpStatements(ctx, b, docs)
	}
	if err != nil {
		return 0, err
	}
	// Unless its live writer has since rewritten it for another batch.
	if err := s.store.deleteClaimed(ctx, b.ID, claimed); err != nil {
		return n, err
	}
	if n > 0 {
		metrics.CaughtUp(n)
		s.log.Info("caught up statements a stopped write had logged but not applied", "marker", b.ID, "statements", n, "marked", len(b.Statements))
	}
	return n, nil
}

// catchUpStatements applies the logged statements of a group-commit marker as a flush does: one
// merged update per learner and course, through applyKey; it then records a course completion
// they bring, as the request would have.
func (s *Service) catchUpStatements(ctx context.Context, b batchDoc, docs []statementDoc) (int, error) {
	for _, k := range b.Keys {
		s.cache.drop(progressID(k.User, k.Course))
	}
	type keyed struct {
		user, slug string
		u          *update
	}
	byKey := map[string]*keyed{}
	var keys []*keyed
	n := 0
	for i := range docs {
		d := &docs[i]
		if d.Voided || d.System {
			continue
		}
		st, err := d.statement()
		if err != nil {
			return 0, err
		}
		if st.Verb.ID == VerbVoided {
			continue
		}
		t, ok := d.target(&st, s.publicURL)
		if !ok || t.slug != d.Course {
			continue
		}
		u := s.updateFor(t, &st, d.authority() == AuthorityTaito)
		n++
		id := progressID(d.User, t.slug)
		if k, ok := byKey[id]; ok {
			k.u.merge(u)
			continue
		}
		k := &keyed{user: d.User, slug: t.slug, u: u}
		byKey[id] = k
		keys = append(keys, k)
	}
	for _, k := range keys {
		s.cache.drop(progressID(k.user, k.slug))
		if _, err := s.applyKey(ctx, k.user, k.slug, k.u); err != nil {
			return 0, err
		}
	}
	// A statement voided since it was read here is in an update just written: rebuild those
	// projections from the log (a voiding that comes later rebuilds them itself).
	again, err := s.store.statementsByID(ctx, b.Statements)
	if err != nil {
		return 0, err
	}
	for i := range again {
		if id := progressID(again[i].User, again[i].Course); again[i].Voided && byKey[id] != nil {
			if err := s.Rebuild(ctx, again[i].User, again[i].Course); err != nil {
				return 0, err
			}
			delete(byKey, id)
		}
	}
	for _, k := range keys {
		f, err := s.Facts(ctx, k.user, k.slug)
		if err != nil {
			return 0, err
		}
		if err := s.completeCaughtUp(ctx, k.user, k.slug, f); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// completeCaughtUp records the completion of a course that caught-up statements completed (see
// checkCourseCompletion); a course no longer published has nothing to complete.
func (s *Service) completeCaughtUp(ctx context.Context, user, slug string, f *Facts) error {
	if s.courses == nil || f == nil {
		return nil
	}
	pub, err := s.courses.Published(ctx, slug)
	if apperr.KindOf(err) == apperr.KindNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = s.checkCourseCompletion(ctx, user, pub, f, s.now().UTC())
	return err
}

// catchUpVoid finishes a voiding whose statement reached the log: the voided statement is
// flagged and the learner's projection rebuilt, as void does. A voiding that is not in the log
// (or whose id the log holds for other content) changed nothing.
func (s *Service) catchUpVoid(ctx context.Context, b batchDoc, docs []statementDoc) (int, error) {
	if len(docs) != 1 || len(b.Keys) != 1 || docs[0].User != b.Keys[0].User {
		return 0, nil
	}
	st, err := docs[0].statement()
	if err != nil {
		return 0, err
	}
	if st.Verb.ID != VerbVoided || st.Object.ID != b.Voids {
		return 0, nil
	}
	if err := s.store.markVoided(ctx, b.Voids); err != nil {
		return 0, err
	}
	if err := s.Rebuild(ctx, b.Keys[0].User, b.Keys[0].Course); err != nil {
		return 0, err
	}
	return 1, nil
}

// ReleaseMarkers deletes the markers stopped group-commit leaders left for the next ones (see
// lead), once the flushes under way have finished (waiting at most until ctx ends): for a clean
// stop, after the last request, so that the next start finds nothing to catch up.
func (s *Service) ReleaseMarkers(ctx context.Context) {
	g := &s.group
	for {
		g.mu.Lock()
		busy := g.leaders > 0 || len(g.queue) > 0
		spare := g.spare
		if !busy {
			g.spare = nil
		}
		g.mu.Unlock()
		if !busy {
			for _, m := range spare {
				s.unmark(ctx, m)
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(groupWindow):
		}
	}
}
