package learning_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/testenv"
)

// markedDone makes every lesson of a course complete when its learner marks it done.
func markedDone(co *course.Course) {
	withoutLocks(co)
	for mi := range co.Modules {
		for li := range co.Modules[mi].Lessons {
			co.Modules[mi].Lessons[li].Completion = course.Rule{Rule: course.RuleMarkedDone}
		}
	}
}

// TestCompletionIsKeyedByVersion completes a course, completes it again, and completes a later
// version: the completion statement and the certificate job are written once per version.
func TestCompletionIsKeyedByVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, _, _, a := setupWith(t, time.Now, markedDone)
	l := a.Learning
	me := auth.Principal{UserID: "u-" + testenv.RandomName("l"), Roles: []auth.Role{auth.RoleLearner}}
	co, _ := testenv.Fixture(t)
	markAll := func() {
		t.Helper()
		for _, m := range co.Modules {
			for _, ls := range m.Lessons {
				if _, _, err := l.LessonEvent(ctx, me, "kokeilu", ls.ID, learning.Event{Type: learning.EventMarkedDone}); err != nil {
					t.Fatalf("%s: %v", ls.ID, err)
				}
			}
		}
	}
	jobs := func() []string {
		t.Helper()
		list, _, err := a.Outbox.List(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, j := range list {
			if j.Kind == "certificate" && j.Payload["user"] == me.UserID {
				out = append(out, j.ID+" v"+j.Payload["version"])
			}
		}
		return out
	}
	completions := func() int {
		t.Helper()
		sts, _, err := l.MyStatements(ctx, me, learning.StatementFilter{Verb: "completed", Course: "kokeilu", Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, st := range sts {
			if st.Object.ID == issuer+"/courses/kokeilu" {
				n++
			}
		}
		return n
	}

	markAll()
	v1 := "certificate:" + me.UserID + ":kokeilu:1 v1"
	if got := jobs(); !slices.Equal(got, []string{v1}) {
		t.Fatalf("after completing version 1: %v", got)
	}
	// Completing the same version again, in this process and in a fresh one, queues nothing.
	markAll()
	l2 := learning.NewService(db, a.Courses, a.Outbox, nil, issuer, false, time.Now, quiet)
	if _, _, err := l2.LessonEvent(ctx, me, "kokeilu", co.Modules[0].Lessons[0].ID, learning.Event{Type: learning.EventMarkedDone}); err != nil {
		t.Fatal(err)
	}
	if got := jobs(); !slices.Equal(got, []string{v1}) || completions() != 1 {
		t.Fatalf("after completing version 1 again: %v, %d completions", got, completions())
	}

	// A later version, completed, queues a new certificate.
	changed, fsys := testenv.Fixture(t)
	markedDone(changed)
	changed.Title["fi"] = "Kokeilukurssi, uusittu"
	if _, err := a.ImportCourse(ctx, changed, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	markAll()
	want := []string{v1, "certificate:" + me.UserID + ":kokeilu:2 v2"}
	if got := jobs(); !slices.Equal(got, want) || completions() != 2 {
		t.Errorf("after completing version 2: %v, %d completions; want %v", got, completions(), want)
	}
}
