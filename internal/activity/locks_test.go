package activity_test

import (
	"context"
	"errors"
	"testing"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

// withoutLocks opens every module and lesson of a course at once.
func withoutLocks(co *course.Course) {
	for i := range co.Modules {
		co.Modules[i].Prerequisites, co.Modules[i].Sequential = nil, false
	}
}

// withLocks puts back the fixture's locks that newWorld takes off: the quiz lesson waits for
// the welcome lesson, the practice module for the first module.
func withLocks(co *course.Course) {
	co.Modules[0].Sequential = true
	co.Modules[1].Prerequisites = []string{co.Modules[0].ID}
}

// TestActivitiesHonourLocks tries every activity write that can advance progress while its
// lesson is locked: each is refused with the lock's reason, and nothing is recorded.
func TestActivitiesHonourLocks(t *testing.T) {
	t.Parallel()
	w := newWorld(t, withLocks)
	ctx := context.Background()
	anna := w.people["anna"]
	safari := activity.SafariInput{Course: "kokeilu", Safari: "kela-safari", Steps: []activity.StepLog{{Step: "kirjaudu", DidAndSaid: "x"}}, Submitted: true}
	for _, c := range []struct {
		name string
		do   func() error
	}{
		{"quiz attempt", func() error { _, err := w.a.Quizzes.StartAttempt(ctx, anna, "kokeilu:alkuvisa", "fi"); return err }},
		{"post", func() error {
			_, err := w.a.Walls.CreatePost(ctx, anna, activity.OpenScope("kokeilu"), "viikko-1", "Havainto.", false)
			return err
		}},
		{"self-assessment", func() error {
			_, err := w.a.Assessments.Submit(ctx, anna, "kokeilu", "alkuarvio", map[string]int{"1.1": 3, "2.1": 2, "4.2": 4, "tunnistautuminen": 2}, nil)
			return err
		}},
		{"safari log", func() error { _, err := w.a.Safaris.Save(ctx, anna, "", safari); return err }},
	} {
		err := c.do()
		var le *learning.LockedError
		if !errors.Is(err, learning.ErrLocked) || !errors.As(err, &le) {
			t.Errorf("%s on a locked lesson: %v, want learning.ErrLocked", c.name, err)
		}
	}
	for _, lesson := range []string{"visa", "pohdinta", "arvio", "safari"} {
		w.wantLesson(t, "anna", lesson, learning.StateNotStarted)
	}
	// A trainer previews and takes part everywhere.
	if _, err := w.a.Walls.CreatePost(ctx, w.people["tuula"], activity.OpenScope("kokeilu"), "viikko-1", "Tervetuloa keskustelemaan.", false); err != nil {
		t.Errorf("a trainer's post: %v", err)
	}
}
