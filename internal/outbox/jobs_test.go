package outbox_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/outbox"
)

func TestClaimerHandsEachAttemptToOneWorker(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ob, clk, _ := newOutbox(t)
	if err := ob.EnqueueJob(ctx, "certificate:u1:kokeilu:1", "certificate", map[string]string{"user": "u1"}); err != nil {
		t.Fatal(err)
	}
	if err := ob.EnqueueEmail(ctx, "mail", email("a@taito.test", "Kutsu")); err != nil {
		t.Fatal(err)
	}
	// Two workers claim at once: one gets the job, neither gets the e-mail.
	claimers := []*outbox.Claimer{ob.NewClaimer("certificate"), ob.NewClaimer("certificate")}
	got := make([][]outbox.Job, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, c := range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = c.Claim(ctx, 10)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := len(got[0]) + len(got[1]); n != 1 {
		t.Fatalf("%d claims of one job, want 1: %+v", n, got)
	}
	winner, j := claimers[0], got[0]
	if len(j) == 0 {
		winner, j = claimers[1], got[1]
	}
	if j[0].ID != "certificate:u1:kokeilu:1" || j[0].Attempts != 1 || j[0].Payload["user"] != "u1" {
		t.Errorf("claimed %+v", j[0])
	}
	// A failed attempt is due again after its back-off, and then claimed as the second.
	if err := winner.Finish(ctx, j[0], errors.New("S3 is down")); err != nil {
		t.Fatal(err)
	}
	if again, _ := claimers[0].Claim(ctx, 10); len(again) != 0 {
		t.Errorf("claimed during the back-off: %+v", again)
	}
	clk.Advance(2 * time.Minute)
	again, err := claimers[1].Claim(ctx, 10)
	if err != nil || len(again) != 1 || again[0].Attempts != 2 {
		t.Fatalf("after the back-off: %+v, %v", again, err)
	}
	if err := claimers[1].Finish(ctx, again[0], nil); err != nil {
		t.Fatal(err)
	}
	if j := mustGet(t, ob, "certificate:u1:kokeilu:1"); j.State != outbox.StateDone || j.Attempts != 2 || j.LastError != "S3 is down" {
		t.Errorf("after success: %+v", j)
	}
	clk.Advance(24 * time.Hour)
	if more, _ := claimers[0].Claim(ctx, 10); len(more) != 0 {
		t.Errorf("a done job claimed again: %+v", more)
	}
	if m := mustGet(t, ob, "mail"); m.State != outbox.StatePending || m.Attempts != 0 {
		t.Errorf("the e-mail was touched: %+v", m)
	}
}

func TestMessageIDIsStablePerKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	if err := r.ob.EnqueueEmail(ctx, "certificate-mail:abc", email("asa@taito.test", "Kurssi suoritettu")); err != nil {
		t.Fatal(err)
	}
	if n := runOnce(t, r.w); n != 1 {
		t.Fatalf("sent %d", n)
	}
	got := r.ms.To("asa@taito.test")
	if len(got) != 1 || got[0].Header.Get("Message-ID") != outbox.MessageID("certificate-mail:abc") {
		t.Fatalf("Message-ID %q, want %q", got[0].Header.Get("Message-ID"), outbox.MessageID("certificate-mail:abc"))
	}
	if outbox.MessageID("a") == outbox.MessageID("b") || outbox.MessageID("a") != outbox.MessageID("a") {
		t.Error("MessageID is not one per key")
	}
}
