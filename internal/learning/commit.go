package learning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/metrics"
	"github.com/taito-lms/taito/internal/mongox"
)

// prepare fills in the server's fields of a statement — stored, version and authority, whatever
// a client sent in them — and returns its log document.
// t is what it is about (nil for a voiding, which is logged under the voided statement's course
// slug).
func (s *Service) prepare(user, slug string, t *target, e *Entry, now time.Time, authority string, system bool) (statementDoc, error) {
	st := &e.Statement
	st.Stored, st.stored = now.Format(time.RFC3339Nano), now
	if st.Timestamp == "" {
		st.Timestamp = st.Time().Format(time.RFC3339Nano)
	}
	st.Version = XAPIVersion
	st.Authority = s.authorityAgent(user, authority)
	raw, err := json.Marshal(st)
	if err != nil {
		return statementDoc{}, fmt.Errorf("encode statement: %w", err)
	}
	d := statementDoc{ID: st.ID, User: user, Course: slug, Verb: VerbName(st.Verb.ID), Object: st.Object.ID,
		Timestamp: st.Time(), Stored: now, Hash: e.Hash, System: system, Authority: authority, JSON: string(raw)}
	if t != nil {
		d.Course, d.Target = t.slug, &targetDoc{Kind: t.kind, ID: t.id}
	}
	return d, nil
}

// duplicate handles a statement whose id is in the log already: the same content from the same
// learner and authority is a duplicate (its stored form replaces the entry's, so the projection
// update is identical: the same receive time), anything else is ErrConflict.
func (s *Service) duplicate(ctx context.Context, user, authority string, e *Entry) error {
	prev, err := s.store.statement(ctx, e.Statement.ID)
	if err != nil {
		return err
	}
	if prev.Hash != e.Hash || prev.User != user || prev.authority() != authority {
		return ErrConflict.With(fmt.Errorf("statement %s of %s", e.Statement.ID, user))
	}
	st, err := prev.statement()
	if err != nil {
		return err
	}
	e.Statement = st
	return nil
}

// Group commit. Concurrent requests' statements are written together: a request queues its
// statements and waits; up to groupLeaders flushes run at once, each taking what has queued
// (waiting groupWindow first, so that a flush gathers the requests that arrive meanwhile),
// writing a marker of the batch (catchup.go), all its statements with one InsertMany and then
// one projection update per learner and course however many statements touch it. Each request
// is answered when its own writes are done, and a failure answers exactly the requests it
// touches.
const (
	groupWindow        = 2 * time.Millisecond
	groupMaxStatements = 512
	groupLeaders       = 4
	groupParallel      = 8 // projection updates in flight per flush
	commitTimeout      = 15 * time.Second
	spareMarkerLife    = time.Second // how long a stopped leader's marker waits for another leader
)

type groupCommit struct {
	mu      sync.Mutex
	queue   []*job
	leaders int
	paused  sync.RWMutex // held by PauseCommits (pause.go); every flush holds it for reading
	catchUp sync.Mutex   // one CatchUp at a time in this process (catchup.go)
	spare   []string     // markers of stopped leaders, for the next ones (guarded by mu; see lead)
}

// job is one request's statements in the group-commit queue.
type job struct {
	user      string
	authority string
	targets   []target
	entries   []*Entry
	now       time.Time
	taken     bool // guarded by groupCommit.mu

	done  chan struct{}
	dups  []bool
	after map[string]*Facts // the projections after the job, by course slug
	err   error
}

// commit writes a request's statements and applies them to the learner's projections (see
// groupCommit) and returns which were duplicates and the projections afterwards, by course.
// Both writes are idempotent, so a failure part-way is healed by the client's retry with the
// same ids.
func (s *Service) commit(ctx context.Context, user, authority string, targets []target, es []*Entry, now time.Time) ([]bool, map[string]*Facts, error) {
	j := &job{user: user, authority: authority, targets: targets, entries: es, now: now, done: make(chan struct{})}
	queued := time.Now()
	defer func() { metrics.ObserveCommitWait(time.Since(queued)) }()
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, j)
	lead := g.leaders < groupLeaders
	if lead {
		g.leaders++
	}
	g.mu.Unlock()
	if lead {
		go s.lead()
	}
	select {
	case <-j.done:
	case <-ctx.Done():
		g.mu.Lock()
		if !j.taken {
			g.queue = slices.DeleteFunc(g.queue, func(q *job) bool { return q == j })
			g.mu.Unlock()
			return nil, nil, fmt.Errorf("store statements: %w", ctx.Err())
		}
		g.mu.Unlock()
		// Its writes are under way and go on without the request, which must answer within its
		// deadline (a store that hangs would keep it waiting for commitTimeout): the client is
		// told to try again, and its retry with the same ids finds the statements logged as
		// duplicates, or logs them if these writes fail, so the batch is logged exactly once.
		return nil, nil, fmt.Errorf("store statements: %w", ctx.Err())
	}
	return j.dups, j.after, j.err
}

// lead flushes queued jobs until the queue is empty. A leader writes one marker (see CatchUp)
// for its flushes, rewriting it for each batch once the one before is done; when it stops, it
// leaves the marker to the next leader, and a marker no leader takes within spareMarkerLife is
// deleted. A busy group commit writes one marker per flush and deletes none.
func (s *Service) lead() {
	g := &s.group
	g.mu.Lock()
	marker := ""
	if n := len(g.spare); n > 0 {
		marker, g.spare = g.spare[n-1], g.spare[:n-1]
	}
	g.mu.Unlock()
	for {
		time.Sleep(groupWindow)
		g.mu.Lock()
		n, statements := 0, 0
		for n < len(g.queue) && (n == 0 || statements+len(g.queue[n].entries) <= groupMaxStatements) {
			g.queue[n].taken = true
			statements += len(g.queue[n].entries)
			n++
		}
		if n == 0 {
			g.leaders--
			if marker != "" {
				g.spare = append(g.spare, marker)
				time.AfterFunc(spareMarkerLife, func() { s.dropSpare(marker) })
			}
			g.mu.Unlock()
			return
		}
		batch := slices.Clone(g.queue[:n])
		g.queue = slices.Delete(g.queue, 0, n)
		g.mu.Unlock()
		metrics.ObserveCommitBatch(statements)
		if marker == "" {
			marker = uuid.NewString()
		}
		marker = s.flush(batch, marker)
	}
}

// dropSpare deletes a marker a stopped leader left, unless another leader has taken it since.
func (s *Service) dropSpare(marker string) {
	g := &s.group
	g.mu.Lock()
	i := slices.Index(g.spare, marker)
	if i >= 0 {
		g.spare = slices.Delete(g.spare, i, i+1)
	}
	g.mu.Unlock()
	if i < 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	s.unmark(ctx, marker)
}

// flush writes a batch of jobs: its marker (under the id given), one InsertMany for all its
// statements, then one projection update per learner and course, and answers each job. It
// returns the marker id to reuse for the next batch, or "" when a write failed after the
// statements were sent: that marker then stays for a catch-up to finish what reached the log.
func (s *Service) flush(batch []*job, marker string) string {
	s.group.paused.RLock()
	defer s.group.paused.RUnlock()
	ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
	defer cancel()
	lb := s.logBatch(ctx, batch, marker)
	done := lb == nil || (lb.logged && s.applyBatch(ctx, lb))
	for _, j := range batch {
		close(j.done)
	}
	if !done {
		return ""
	}
	return marker
}

// loggedRef is one statement of a flush: the job's entry i.
type loggedRef struct {
	j *job
	i int
}

// loggedBatch is what logBatch wrote: whether the statements were sent to the log at all, every
// statement, and which of them are not in the log as sent (left out of the projections).
type loggedBatch struct {
	logged bool
	refs   []loggedRef
	failed []bool
}

// logBatch marks (under the marker id given) and logs the statements of a batch's jobs, setting
// the errors and duplicates of each job; nil when nothing was sent to the log.
func (s *Service) logBatch(ctx context.Context, batch []*job, marker string) *loggedBatch {
	var docs []statementDoc
	var refs []loggedRef
	for _, j := range batch {
		j.dups = make([]bool, len(j.entries))
		j.after = map[string]*Facts{}
		jd := make([]statementDoc, 0, len(j.entries))
		for i, e := range j.entries {
			d, err := s.prepare(j.user, j.targets[i].slug, &j.targets[i], e, j.now, j.authority, false)
			if err != nil {
				j.err = err
				break
			}
			jd = append(jd, d)
		}
		if j.err != nil {
			continue
		}
		docs = append(docs, jd...)
		for i := range j.entries {
			refs = append(refs, loggedRef{j, i})
		}
	}
	if len(docs) == 0 {
		return nil
	}
	if err := s.mark(ctx, marker, docs, ""); err != nil {
		for _, r := range refs {
			r.j.err = err
		}
		return nil
	}
	failed := make([]bool, len(refs))
	errs, err := s.store.insertStatements(ctx, docs)
	if err != nil {
		// Some of them may be in the log all the same: the marker stays for a catch-up.
		for _, r := range refs {
			r.j.err = err
		}
		return &loggedBatch{}
	}
	for n, err := range errs {
		if err == nil {
			continue
		}
		r := refs[n]
		if errors.Is(err, mongox.ErrDuplicate) {
			err = s.duplicate(ctx, r.j.user, r.j.authority, r.j.entries[r.i])
		}
		if err != nil {
			failed[n] = true
			if r.j.err == nil || errors.Is(err, ErrConflict) {
				r.j.err = err
			}
			continue
		}
		r.j.dups[r.i] = true
	}
	return &loggedBatch{logged: true, refs: refs, failed: failed}
}

// applyBatch makes one update per learner and course, merged from its logged statements' own
// updates, sets each job's projections afterwards, and says whether every update was written.
func (s *Service) applyBatch(ctx context.Context, lb *loggedBatch) bool {
	type keyed struct {
		user, slug string
		u          *update
		jobs       []*job
	}
	byKey := map[string]*keyed{}
	var keys []*keyed
	for n, r := range lb.refs {
		if lb.failed[n] {
			continue
		}
		slug := r.j.targets[r.i].slug
		u := s.updateFor(r.j.targets[r.i], &r.j.entries[r.i].Statement, r.j.authority == AuthorityTaito)
		id := progressID(r.j.user, slug)
		k, ok := byKey[id]
		if !ok {
			k = &keyed{user: r.j.user, slug: slug, u: u}
			byKey[id] = k
			keys = append(keys, k)
		} else {
			k.u.merge(u)
		}
		if !slices.Contains(k.jobs, r.j) {
			k.jobs = append(k.jobs, r.j)
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, groupParallel)
	var mu sync.Mutex
	ok := true
	for _, k := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			f, err := s.applyKey(ctx, k.user, k.slug, k.u)
			mu.Lock()
			defer mu.Unlock()
			ok = ok && err == nil
			for _, j := range k.jobs {
				if err != nil && j.err == nil {
					j.err = err
				}
				j.after[k.slug] = f
			}
		}()
	}
	wg.Wait()
	return ok
}

// applyKey applies u to one learner's projection in a course and returns the projection after
// it, from the cached copy when there is one (see factsCache): the write names the revision the
// copy was made from; an update that changes nothing is not written when the copy is known to
// be current; and when the stored document has moved on, the update is made unconditionally (its
// operators allow any order) and the document read again.
func (s *Service) applyKey(ctx context.Context, user, slug string, u *update) (*Facts, error) {
	id := progressID(user, slug)
	defer s.cache.lock(id)()
	release, err := s.leaseProjection(ctx, id)
	if err != nil {
		return nil, err
	}
	defer release()
	now := time.Now()
	cur, cached := s.cache.get(id, now)
	if !cached {
		f, err := s.Facts(ctx, user, slug)
		if err != nil {
			return nil, err
		}
		cur = f
	}
	next := cur.clone(user, slug)
	changed, err := u.applyTo(next)
	if err != nil {
		return nil, err
	}
	if !changed && (!cached || s.soleWriter) {
		s.cache.put(id, cur, now)
		return cur, nil
	}
	rev := newRev()
	next.Rev = rev
	applied := false
	switch {
	case cur != nil && cur.Rev != "":
		// Among several writers the write names the revision of the copy it was made from. A
		// sole writer's copy is current (its writes to the document are serialised by the lock
		// above), and FerretDB finds a document by _id alone only when _id is the whole filter.
		ifRev := cur.Rev
		if s.soleWriter {
			ifRev = ""
		}
		matched, err := s.store.updateProjection(ctx, user, slug, u, rev, ifRev)
		if err != nil {
			s.cache.drop(id)
			return nil, err
		}
		if matched {
			s.cache.put(id, next, now)
			return next, nil
		}
	case cur == nil:
		created, err := s.store.createProjection(ctx, user, slug, u, rev)
		switch {
		case err == nil && created:
			s.cache.put(id, next, now)
			return next, nil
		case err == nil:
			applied = true // onto a document another writer had just created
		case !errors.Is(err, mongox.ErrDuplicate):
			s.cache.drop(id)
			return nil, err
		}
	}
	// Another writer got there first, or the document predates revisions.
	s.cache.drop(id)
	if !applied {
		if err := s.store.applyProjection(ctx, user, slug, u, rev); err != nil {
			return nil, err
		}
	}
	f, err := s.Facts(ctx, user, slug)
	if err != nil {
		return nil, err
	}
	s.cache.put(id, f, now)
	return f, nil
}

// newRev returns a fresh projection revision.
func newRev() string { return strconv.FormatUint(rand.Uint64(), 36) }

// merge folds another statement's update into u, keeping for each field what applying both
// one after the other would leave: the smaller of two $min values, the larger of two $max
// values, and the later $set (values keyed by statement or attempt id, so equal when keys are).
func (u *update) merge(o *update) {
	u.min = mergeFields(u.min, o.min, func(a, b any) bool { return less(b, a) })
	u.max = mergeFields(u.max, o.max, func(a, b any) bool { return less(a, b) })
	u.set = mergeFields(u.set, o.set, func(a, b any) bool { return true })
}

// mergeFields adds b's fields to a; for a field in both, replace(old, new) says whether new wins.
func mergeFields(a, b []field, replace func(old, new any) bool) []field {
	for _, e := range b {
		found := false
		for i := range a {
			if a[i].path == e.path {
				found = true
				if replace(a[i].value, e.value) {
					a[i].value = e.value
				}
				break
			}
		}
		if !found {
			a = append(a, e)
		}
	}
	return a
}

// less orders the values Taito's projection updates use: times, strings and integers.
func less(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Before(y)
	case string:
		y, ok := b.(string)
		return ok && x < y
	case int:
		y, ok := b.(int)
		return ok && x < y
	}
	return false
}
