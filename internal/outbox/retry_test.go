package outbox_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/outbox"
)

// refusingSMTP is a mail server address where nothing listens.
func refusingSMTP(t *testing.T) *outbox.SMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s, err := outbox.ParseSMTP("smtp://"+addr, "Taito <taito@taito.test>")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRetryPutsAFailedJobBack: a job that failed ten times goes back to pending, due at once,
// with its attempts from zero and its last error kept; the worker takes it at the next run
// (the claims of the earlier attempts do not stand in the way); only failed jobs are retried.
func TestRetryPutsAFailedJobBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ob, clk, _ := newOutbox(t)
	if err := ob.EnqueueEmail(ctx, "invitation:x", email("a@taito.test", "Kutsu")); err != nil {
		t.Fatal(err)
	}
	w := outbox.NewWorker(ob, refusingSMTP(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	for range 10 {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Advance(7 * time.Hour)
	}
	j := mustGet(t, ob, "invitation:x")
	if j.State != outbox.StateFailed || j.Attempts != 10 || j.LastError == "" {
		t.Fatalf("after ten refusals: %+v", j)
	}
	failed, next, err := ob.ListState(ctx, outbox.StateFailed, "", 10)
	if err != nil || len(failed) != 1 || failed[0].ID != "invitation:x" || next != "" {
		t.Fatalf("failed jobs: %+v %q %v", failed, next, err)
	}

	got, err := ob.Retry(ctx, "invitation:x")
	if err != nil {
		t.Fatal(err)
	}
	j = mustGet(t, ob, "invitation:x")
	if j.State != outbox.StatePending || j.Attempts != 0 || !j.NextRunAt.Equal(clk.Now()) || j.LastError != failed[0].LastError || got.State != outbox.StatePending {
		t.Errorf("after the retry: %+v (returned %+v)", j, got)
	}
	if failed, _, _ := ob.ListState(ctx, outbox.StateFailed, "", 10); len(failed) != 0 {
		t.Errorf("still failed: %+v", failed)
	}
	// Retrying a pending job changes nothing.
	if again, err := ob.Retry(ctx, "invitation:x"); err != nil || again.Attempts != 0 {
		t.Errorf("a second retry: %+v %v", again, err)
	}
	// The worker tries it at its next run, as attempt 1.
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if j := mustGet(t, ob, "invitation:x"); j.Attempts != 1 || j.State != outbox.StatePending {
		t.Errorf("after the next run: %+v", j)
	}

	// A done job is not sent again; an unknown one is not found.
	if err := ob.EnqueueJob(ctx, "certificate:1", "certificate", nil); err != nil {
		t.Fatal(err)
	}
	cl := ob.NewClaimer("certificate")
	jobs, err := cl.Claim(ctx, 1)
	if err != nil || len(jobs) != 1 {
		t.Fatal(jobs, err)
	}
	if err := cl.Finish(ctx, jobs[0], nil); err != nil {
		t.Fatal(err)
	}
	if _, err := ob.Retry(ctx, "certificate:1"); !errors.Is(err, outbox.ErrNotRetryable) {
		t.Errorf("retry of a done job: %v", err)
	}
	if _, err := ob.Retry(ctx, "nothing"); !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("retry of an unknown job: %v", err)
	}
}
