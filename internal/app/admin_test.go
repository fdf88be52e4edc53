package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

// TestAdminOutboxAndFeedbackUseCases: only admins list failed messages and retry them; feedback
// from the accessibility statement is kept for them as well as e-mailed.
func TestAdminOutboxAndFeedbackUseCases(t *testing.T) {
	t.Parallel()
	a, _ := testenv.App(t, nil)
	ctx := context.Background()
	admin := auth.Principal{UserID: "a", Roles: []auth.Role{auth.RoleAdmin}}
	trainer := auth.Principal{UserID: "t", Roles: []auth.Role{auth.RoleTrainer}}

	if _, _, err := a.FailedOutboxJobs(ctx, trainer, "", 10); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a trainer lists failed messages: %v", err)
	}
	if _, err := a.RetryOutboxJob(ctx, trainer, "x"); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a trainer retries: %v", err)
	}
	if _, err := a.RetryOutboxJob(ctx, admin, "x"); !errors.Is(err, outbox.ErrNotFound) {
		t.Errorf("an admin retries an unknown message: %v", err)
	}
	if jobs, _, err := a.FailedOutboxJobs(ctx, admin, "", 10); err != nil || len(jobs) != 0 {
		t.Errorf("failed messages: %+v %v", jobs, err)
	}

	for range 2 {
		if err := a.AccessibilityFeedback(ctx, "Kuvista puuttuu tekstivastine", "Liisa@Example.fi", "fi"); err != nil {
			t.Fatal(err)
		}
	}
	items, _, err := a.Feedback.List(ctx, admin, "", 10)
	if err != nil || len(items) != 1 || items[0].Message != "Kuvista puuttuu tekstivastine" || items[0].Email != "liisa@example.fi" || items[0].Locale != "fi" {
		t.Errorf("kept feedback %+v %v", items, err)
	}
	if err := a.AccessibilityFeedback(ctx, " ", "", "fi"); err == nil {
		t.Error("empty feedback accepted")
	}
	if items, _, _ := a.Feedback.List(ctx, admin, "", 10); len(items) != 1 {
		t.Errorf("refused feedback was kept: %d items", len(items))
	}
}
