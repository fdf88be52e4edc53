package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// newOutbox returns an outbox with its indexes over a fresh database, its clock, and the
// database.
func newOutbox(t *testing.T) (*outbox.Outbox, *testenv.Clock, *mongo.Database) {
	t.Helper()
	db := testenv.Mongo(t)
	c := testenv.NewClock(start)
	ob := outbox.New(db, c.Now)
	if err := ob.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ob, c, db
}

func email(to, subject string) outbox.Email {
	return outbox.Email{To: to, Subject: subject, Text: "Hei!\nTervetuloa.", Locale: "fi"}
}

// allJobs lists every job, page by page.
func allJobs(t *testing.T, ob *outbox.Outbox) []outbox.Job {
	t.Helper()
	var out []outbox.Job
	after := ""
	for {
		jobs, next, err := ob.List(context.Background(), after, 100)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, jobs...)
		if next == "" {
			return out
		}
		after = next
	}
}

func mustGet(t *testing.T, ob *outbox.Outbox, id string) outbox.Job {
	t.Helper()
	j, err := ob.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return j
}

func TestEnqueueIsIdempotentByKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ob, _, _ := newOutbox(t)
	for _, tc := range []struct {
		name    string
		enqueue func(key string, n int) error // the n-th call with key
		kind    string
	}{
		{"the same e-mail twice", func(key string, _ int) error {
			return ob.EnqueueEmail(ctx, key, email("a@taito.test", "Kutsu"))
		}, "email"},
		{"other content under a key queued before", func(key string, n int) error {
			return ob.EnqueueEmail(ctx, key, email("a@taito.test", fmt.Sprint("Kutsu ", n)))
		}, "email"},
		{"a job of another kind twice", func(key string, n int) error {
			return ob.EnqueueJob(ctx, key, "certificate", map[string]string{"user": "u1", "call": fmt.Sprint(n)})
		}, "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "key:" + tc.name
			for n := range 2 {
				if err := tc.enqueue(key, n); err != nil {
					t.Fatalf("call %d: %v", n, err)
				}
			}
			j := mustGet(t, ob, key)
			if j.Kind != tc.kind || j.State != outbox.StatePending || j.Attempts != 0 || !j.NextRunAt.Equal(start) {
				t.Errorf("job %+v: want a pending %s job due at %s", j, tc.kind, start)
			}
			// The first call's content is what is kept.
			if j.Email != nil && j.Email.Subject == "Kutsu 1" || j.Payload["call"] == "1" {
				t.Errorf("the second call replaced the job: %+v %+v", j.Email, j.Payload)
			}
		})
	}
	n := 0
	for _, j := range allJobs(t, ob) {
		if strings.HasPrefix(j.ID, "key:") {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d jobs stored for 3 keys called twice each, want 3", n)
	}

	// An empty key is a fresh id each time.
	before := len(allJobs(t, ob))
	for range 2 {
		if err := ob.EnqueueEmail(ctx, "", email("b@taito.test", "Muistutus")); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(allJobs(t, ob)); got != before+2 {
		t.Errorf("two e-mails without a key stored %d jobs, want 2", got-before)
	}
}

func TestEnqueueEmailsInBulk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ob, _, _ := newOutbox(t)
	if err := ob.EnqueueEmails(ctx, nil); err != nil {
		t.Fatalf("nothing to queue: %v", err)
	}
	if err := ob.EnqueueEmail(ctx, "b", email("b@taito.test", "queued before")); err != nil {
		t.Fatal(err)
	}
	batch := []outbox.Keyed{
		{Key: "a", Email: email("a@taito.test", "first")},
		{Key: "b", Email: email("b@taito.test", "again")},
		{Key: "a", Email: email("a@taito.test", "twice in one batch")},
		{Key: "c", Email: email("c@taito.test", "first")},
	}
	for call := range 2 { // the whole batch retried changes nothing
		if err := ob.EnqueueEmails(ctx, batch); err != nil {
			t.Fatalf("call %d: %v", call, err)
		}
	}
	got := map[string]string{}
	for _, j := range allJobs(t, ob) {
		got[j.ID] = j.Email.To + " " + j.Email.Subject
	}
	want := map[string]string{"a": "a@taito.test first", "b": "b@taito.test queued before", "c": "c@taito.test first"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("jobs after bulk queueing with duplicates (-want +got):\n%s", diff)
	}
}

func TestListPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ob, _, _ := newOutbox(t)
	var ids []string
	for _, i := range []int{4, 1, 7, 3, 6, 2, 5} { // queued out of order
		if err := ob.EnqueueJob(ctx, fmt.Sprintf("job-%02d", i), "certificate", nil); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 7; i++ {
		ids = append(ids, fmt.Sprintf("job-%02d", i))
	}
	for _, tc := range []struct {
		name  string
		after string
		limit int
		pages [][]string // ids page by page, following next until it is empty
	}{
		{"one page holds them all", "", 10, [][]string{ids}},
		{"exactly one full page", "", 7, [][]string{ids}},
		{"pages of three", "", 3, [][]string{ids[:3], ids[3:6], ids[6:]}},
		{"pages of one", "", 1, [][]string{{ids[0]}, {ids[1]}, {ids[2]}, {ids[3]}, {ids[4]}, {ids[5]}, {ids[6]}}},
		{"after a cursor", "job-05", 3, [][]string{ids[5:]}},
		{"after an id that is not a job", "job-03x", 2, [][]string{ids[3:5], ids[5:]}},
		{"after the last", "job-07", 3, [][]string{nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pages [][]string
			after := tc.after
			for range 10 {
				jobs, next, err := ob.List(ctx, after, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				var page []string
				for _, j := range jobs {
					page = append(page, j.ID)
				}
				pages = append(pages, page)
				if next == "" {
					break
				}
				if next != page[len(page)-1] {
					t.Fatalf("next %q is not the last id of the page %v", next, page)
				}
				after = next
			}
			if diff := cmp.Diff(tc.pages, pages); diff != "" {
				t.Errorf("pages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGetUnknownIsNotFound(t *testing.T) {
	t.Parallel()
	ob, _, _ := newOutbox(t)
	_, err := ob.Get(context.Background(), "no-such-job")
	if !errors.Is(err, outbox.ErrNotFound) || apperr.KindOf(err) != apperr.KindNotFound {
		t.Errorf("unknown job: %v, want ErrNotFound", err)
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newWorker(t *testing.T, ob *outbox.Outbox, ms *testenv.MailServer) *outbox.Worker {
	t.Helper()
	sender, err := outbox.ParseSMTP("smtp://"+ms.Addr(), "Taito <noreply@taito.test>")
	if err != nil {
		t.Fatal(err)
	}
	return outbox.NewWorker(ob, sender, quiet)
}

// rig is an outbox over a fresh database, its clock, and a worker delivering to a mail server of
// its own.
type rig struct {
	ob  *outbox.Outbox
	clk *testenv.Clock
	db  *mongo.Database
	ms  *testenv.MailServer
	w   *outbox.Worker
}

func newRig(t *testing.T) rig {
	t.Helper()
	r := rig{ms: testenv.StartMailServer(t)}
	r.ob, r.clk, r.db = newOutbox(t)
	r.w = newWorker(t, r.ob, r.ms)
	return r
}

func runOnce(t *testing.T, w *outbox.Worker) int {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWorkerDelivers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	ob, ms, w := r.ob, r.ms, r.w
	e := outbox.Email{To: "oppija@taito.test", Subject: "Tervetuloa Taitoon – aloita täältä", Text: "Hei!\nKurssi alkaa.",
		HTML: "<p>Hei!</p>", Locale: "fi", Unsubscribe: "https://taito.test/unsubscribe/abc"}
	if err := ob.EnqueueEmail(ctx, "welcome", e); err != nil {
		t.Fatal(err)
	}
	if err := ob.EnqueueJob(ctx, "certificate:u1:kokeilu", "certificate", map[string]string{"user": "u1"}); err != nil {
		t.Fatal(err)
	}
	if n := runOnce(t, w); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	got := ms.To(e.To)
	if len(got) != 1 {
		t.Fatalf("%d messages delivered, want 1", len(got))
	}
	m := got[0]
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject != e.Subject {
		t.Errorf("subject %q (%v), want %q", subject, err, e.Subject)
	}
	body, _ := io.ReadAll(m.Body)
	for name, ok := range map[string]bool{
		"sender":            m.Header.Get("From") == "Taito <noreply@taito.test>",
		"List-Unsubscribe":  m.Header.Get("List-Unsubscribe") == "<"+e.Unsubscribe+">",
		"both alternatives": strings.HasPrefix(m.Header.Get("Content-Type"), "multipart/alternative"),
		"the text":          strings.Contains(string(body), "Hei!\r\nKurssi alkaa."),
		"the HTML":          strings.Contains(string(body), "<p>Hei!</p>"),
	} {
		if !ok {
			t.Errorf("the message lacks %s:\n%v\n%s", name, m.Header, body)
		}
	}
	if j := mustGet(t, ob, "welcome"); j.State != outbox.StateDone || j.Attempts != 1 || j.LastError != "" {
		t.Errorf("after delivery: %+v", j)
	}
	// Nothing is sent twice, and jobs of other kinds are not the e-mail worker's.
	if n := runOnce(t, w); n != 0 {
		t.Errorf("a second run sent %d", n)
	}
	if accepted, _ := ms.Counts(); accepted != 1 {
		t.Errorf("%d messages after a second run, want 1", accepted)
	}
	if j := mustGet(t, ob, "certificate:u1:kokeilu"); j.State != outbox.StatePending || j.Attempts != 0 {
		t.Errorf("the certificate job was touched: %+v", j)
	}
}

func TestWorkerRetriesWithBackoff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		refusals  int
		state     string
		attempts  int
		waits     []time.Duration // from each failed attempt to the next
		delivered int
	}{
		{"refused once", 1, outbox.StateDone, 2, []time.Duration{2 * time.Minute}, 1},
		{"refused three times", 3, outbox.StateDone, 4, []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute}, 1},
		{"refused every time", 1000, outbox.StateFailed, 10, []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
			16 * time.Minute, 32 * time.Minute, 64 * time.Minute, 128 * time.Minute, 256 * time.Minute, 6 * time.Hour}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRig(t)
			ob, clk, ms, w := r.ob, r.clk, r.ms, r.w
			to := "busy@taito.test"
			ms.Refuse(to, tc.refusals)
			if err := ob.EnqueueEmail(ctx, "job", email(to, "Muistutus")); err != nil {
				t.Fatal(err)
			}
			var waits []time.Duration
			for range 20 {
				runOnce(t, w)
				j := mustGet(t, ob, "job")
				if j.State != outbox.StatePending {
					break
				}
				if j.LastError == "" || !strings.Contains(j.LastError, "451") {
					t.Fatalf("a refused attempt left last_error %q", j.LastError)
				}
				wait := j.NextRunAt.Sub(clk.Now())
				waits = append(waits, wait)
				// Not due a moment before the back-off ends; due when it does.
				clk.Advance(wait - time.Second)
				if n := runOnce(t, w); n != 0 || mustGet(t, ob, "job").Attempts != j.Attempts {
					t.Fatalf("attempt %d was retried before its back-off ended", j.Attempts)
				}
				clk.Advance(time.Second)
			}
			j := mustGet(t, ob, "job")
			if j.State != tc.state || j.Attempts != tc.attempts {
				t.Errorf("ended %s after %d attempts, want %s after %d", j.State, j.Attempts, tc.state, tc.attempts)
			}
			if diff := cmp.Diff(tc.waits, waits); diff != "" {
				t.Errorf("back-off (-want +got):\n%s", diff)
			}
			if got := len(ms.To(to)); got != tc.delivered {
				t.Errorf("%d delivered, want %d", got, tc.delivered)
			}
			// A finished job is never tried again, however late it gets.
			_, before := ms.Counts()
			clk.Advance(30 * 24 * time.Hour)
			runOnce(t, w)
			if _, after := ms.Counts(); after != before {
				t.Errorf("a %s job was tried again", j.State)
			}
		})
	}
}

func TestTwoWorkersDeliverEachOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	ob, ms := r.ob, r.ms
	const n = 40
	batch := make([]outbox.Keyed, n)
	for i := range batch {
		batch[i] = outbox.Keyed{Key: fmt.Sprintf("m%02d", i), Email: email(fmt.Sprintf("l%02d@taito.test", i), "Muistutus")}
	}
	if err := ob.EnqueueEmails(ctx, batch); err != nil {
		t.Fatal(err)
	}
	// Two workers, as on two replicas, over the same outbox and one SMTP server, started together.
	workers := []*outbox.Worker{r.w, newWorker(t, ob, ms)}
	sent := make([]int, len(workers))
	errs := make([]error, len(workers))
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-begin
			for range 3 {
				k, err := w.RunOnce(ctx)
				sent[i] += k
				if err != nil {
					errs[i] = err
					return
				}
			}
		}()
	}
	close(begin)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if sent[0]+sent[1] != n {
		t.Errorf("the workers sent %d and %d, want %d together", sent[0], sent[1], n)
	}
	for _, k := range batch {
		if got := len(ms.To(k.Email.To)); got != 1 {
			t.Errorf("%s got %d messages, want 1", k.Email.To, got)
		}
		if j := mustGet(t, ob, k.Key); j.State != outbox.StateDone || j.Attempts != 1 {
			t.Errorf("%s: %s after %d attempts, want done after 1", k.Key, j.State, j.Attempts)
		}
	}
}

func TestCleanupRemovesOnlyOldClaims(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	ob, clk, w := r.ob, r.clk, r.w
	claims := r.db.Collection("outbox_claims")
	count := func() int64 {
		t.Helper()
		n, err := claims.CountDocuments(ctx, map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Two e-mails sent now, one sent two days later; one job of another kind never claimed.
	for _, k := range []string{"old-1", "old-2"} {
		if err := ob.EnqueueEmail(ctx, k, email(k+"@taito.test", "Kutsu")); err != nil {
			t.Fatal(err)
		}
	}
	if err := ob.EnqueueJob(ctx, "certificate:u1:kokeilu", "certificate", nil); err != nil {
		t.Fatal(err)
	}
	if n := runOnce(t, w); n != 2 {
		t.Fatalf("sent %d, want 2", n)
	}
	clk.Advance(48 * time.Hour)
	if err := ob.EnqueueEmail(ctx, "new", email("new@taito.test", "Kutsu")); err != nil {
		t.Fatal(err)
	}
	if n := runOnce(t, w); n != 1 {
		t.Fatalf("sent %d, want 1", n)
	}
	if got := count(); got != 3 {
		t.Fatalf("%d claims before the cleanup, want 3", got)
	}
	jobs := allJobs(t, ob)
	if err := ob.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count(); got != 1 {
		t.Errorf("%d claims after the cleanup, want 1 (the one that expired less than a day ago)", got)
	}
	if diff := cmp.Diff(jobs, allJobs(t, ob)); diff != "" {
		t.Errorf("the cleanup changed jobs (-before +after):\n%s", diff)
	}
	// The jobs whose claims went are not sent again.
	if n := runOnce(t, w); n != 0 {
		t.Errorf("sent %d after the cleanup, want 0", n)
	}
}
