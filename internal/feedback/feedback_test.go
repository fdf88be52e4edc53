package feedback_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/feedback"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var admin = auth.Principal{UserID: "admin-1", Roles: []auth.Role{auth.RoleAdmin}}

// TestFeedbackIsKeptForAdmins: feedback is kept once per key, listed newest first page by page,
// marked handled and back; only admins read or mark it.
func TestFeedbackIsKeptForAdmins(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := testenv.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	svc := feedback.NewService(testenv.Mongo(t), clk.Now)
	for range 2 {
		if err := svc.EnsureIndexes(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []struct{ key, msg, email, loc string }{
		{"k1", "Video ilman tekstitystä", "liisa@example.fi", "fi"},
		{"k1", "Video ilman tekstitystä", "liisa@example.fi", "fi"}, // sent twice: kept once
		{"k2", "Knappen är för liten", "", "sv"},
		{"k3", "Kontrasti on heikko", "", "fi"},
	} {
		if err := svc.Add(ctx, f.key, f.msg, f.email, f.loc); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
		time.Sleep(2 * time.Millisecond) // ids are time-ordered
	}
	first, next, err := svc.List(ctx, admin, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || first[0].Message != "Kontrasti on heikko" || first[1].Locale != "sv" || next == "" {
		t.Fatalf("first page %+v next %q", first, next)
	}
	rest, next, err := svc.List(ctx, admin, next, 2)
	if err != nil || len(rest) != 1 || rest[0].Email != "liisa@example.fi" || next != "" || rest[0].Handled {
		t.Fatalf("second page %+v %q %v", rest, next, err)
	}
	if !rest[0].ReceivedAt.Equal(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("received at %s", rest[0].ReceivedAt)
	}

	it, err := svc.SetHandled(ctx, admin, rest[0].ID, true)
	if err != nil || !it.Handled || it.HandledBy != "admin-1" || it.HandledAt == nil {
		t.Fatalf("handled %+v %v", it, err)
	}
	if it, err = svc.SetHandled(ctx, admin, rest[0].ID, false); err != nil || it.Handled || it.HandledAt != nil || it.HandledBy != "" {
		t.Errorf("unhandled %+v %v", it, err)
	}
	if _, err := svc.SetHandled(ctx, admin, "nothing", true); !errors.Is(err, feedback.ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	trainer := auth.Principal{UserID: "t", Roles: []auth.Role{auth.RoleTrainer}}
	if _, _, err := svc.List(ctx, trainer, "", 10); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a trainer reads: %v", err)
	}
	if _, err := svc.SetHandled(ctx, trainer, rest[0].ID, true); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a trainer marks: %v", err)
	}
}
