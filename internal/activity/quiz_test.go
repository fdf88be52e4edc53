package activity_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
)

// The fixture's quiz: five questions, pass score 0.75, three attempts, 30 minutes, review on.
var quizID = course.ActivityID("kokeilu", "alkuvisa")

// answersFor answers every question of an attempt from the fixture quiz's key (choices by their
// Finnish text, since the ids shown mean nothing): right ones when right is true, wrong ones
// otherwise.
func answersFor(t *testing.T, a activity.Attempt, right bool) map[string][]string {
	t.Helper()
	key := map[string][]string{"q1": {"Palvelu"}, "q2": {"Kela", "OmaKanta"}, "q3": {"true"}, "q5": {" Vahva  tunnistautuminen! "}}
	wrong := map[string][]string{"q1": {"Peli"}, "q2": {"Leipä"}, "q3": {"false"}, "q5": {"en tiedä"}}
	pairs := map[string]string{"Kela": "etuudet", "Kanta": "terveystiedot"}
	out := map[string][]string{}
	for _, q := range a.Questions {
		if q.Type != course.QuestionMatching {
			vals := wrong[q.ID]
			if right {
				vals = key[q.ID]
			}
			if q.Type == course.QuestionSingle || q.Type == course.QuestionMultiple {
				vals = optionIDs(t, q, vals...)
			}
			out[q.ID] = vals
			continue
		}
		for _, l := range q.Left {
			for _, r := range q.Right {
				if (pairs[l.Text] == r.Text) == right {
					out[q.ID] = append(out[q.ID], l.ID+"="+r.ID)
					break
				}
			}
		}
	}
	if len(out) != 5 {
		t.Fatalf("answers to %d questions, want 5: %v", len(out), out)
	}
	return out
}

// optionIDs are the ids an attempt shows for the options with the given texts.
func optionIDs(t *testing.T, q activity.QuestionView, texts ...string) []string {
	t.Helper()
	var out []string
	for _, text := range texts {
		i := slices.IndexFunc(q.Options, func(c activity.Choice) bool { return c.Text == text })
		if i < 0 {
			t.Fatalf("%s has no option %q: %+v", q.ID, text, q.Options)
		}
		out = append(out, q.Options[i].ID)
	}
	return out
}

func mustStart(t *testing.T, w *world, who string) activity.Attempt {
	t.Helper()
	a, err := w.a.Quizzes.StartAttempt(context.Background(), w.people[who], quizID, "fi")
	return must(t, a, err)
}

func TestQuizAttempts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	anna, ben := w.people["anna"], w.people["ben"]
	first := mustStart(t, w, "anna")
	if len(first.Questions) != 5 || first.Deadline == nil || !first.Deadline.Equal(w.clock.Now().Add(30*time.Minute)) {
		t.Fatalf("started attempt: %d questions, deadline %v", len(first.Questions), first.Deadline)
	}
	if first.Result != nil {
		t.Fatal("an open attempt shows a result")
	}

	t.Run("resume the open attempt", func(t *testing.T) {
		again := mustStart(t, w, "anna")
		if again.ID != first.ID {
			t.Fatalf("started %s, want the open %s", again.ID, first.ID)
		}
	})

	t.Run("answers that do not fit", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			answers map[string][]string
			field   string
		}{
			{"a question not in the attempt", map[string][]string{"q9": {"a"}}, "answers.q9"},
			{"an option the question does not have", map[string][]string{"q1": {"z"}}, "answers.q1"},
			{"two answers to a single-choice question", map[string][]string{"q1": {"a", "b"}}, "answers.q1"},
			{"true or false only", map[string][]string{"q3": {"maybe"}}, "answers.q3"},
			{"a matching answer without a pair", map[string][]string{"q4": {"p1"}}, "answers.q4"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := w.a.Quizzes.SaveAnswers(ctx, anna, first.ID, tc.answers)
				if got := fieldsOf(t, err); !slices.Contains(got, tc.field) {
					t.Fatalf("fields %v, want %s", got, tc.field)
				}
			})
		}
	})

	t.Run("someone else's attempt", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			do   func() error
		}{
			{"read", func() error { _, err := w.a.Quizzes.GetAttempt(ctx, ben, first.ID); return err }},
			{"save", func() error { _, err := w.a.Quizzes.SaveAnswers(ctx, ben, first.ID, nil); return err }},
			{"submit", func() error { _, err := w.a.Quizzes.Submit(ctx, ben, first.ID, nil); return err }},
			{"an unknown attempt", func() error { _, err := w.a.Quizzes.GetAttempt(ctx, anna, "ei-ole"); return err }},
		} {
			t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.do(), activity.ErrAttemptNotFound, 0) })
		}
	})

	// Saved answers are kept and count at submission.
	wrong := answersFor(t, first, false)
	saved, err := w.a.Quizzes.SaveAnswers(ctx, anna, first.ID, wrong)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := w.a.Quizzes.GetAttempt(ctx, anna, first.ID); !slices.Equal(got.Answers["q3"], []string{"false"}) || !slices.Equal(saved.Answers["q3"], []string{"false"}) {
		t.Fatalf("saved answers: %v", got.Answers)
	}
	failed, err := w.a.Quizzes.Submit(ctx, anna, first.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := failed.Result; r == nil || r.Passed || r.Score != 0 || len(r.Questions) != 5 || !slices.Equal(r.Questions[0].Answer, optionIDs(t, first.Questions[0], "Palvelu")) {
		t.Fatalf("wrong answers graded as %+v", failed.Result)
	}

	t.Run("graded once", func(t *testing.T) {
		right := answersFor(t, first, true)
		_, err := w.a.Quizzes.Submit(ctx, anna, first.ID, right)
		wantErr(t, err, activity.ErrSubmitted, 0)
		_, err = w.a.Quizzes.SaveAnswers(ctx, anna, first.ID, right)
		wantErr(t, err, activity.ErrSubmitted, 0)
		got, err := w.a.Quizzes.GetAttempt(ctx, anna, first.ID)
		if err != nil || got.Result == nil || got.Result.Score != 0 {
			t.Fatalf("after a second submission: %+v, %v", got.Result, err)
		}
	})

	second := mustStart(t, w, "anna")
	if second.ID == first.ID {
		t.Fatal("a submitted attempt was resumed")
	}
	passed, err := w.a.Quizzes.Submit(ctx, anna, second.ID, answersFor(t, second, true))
	if err != nil {
		t.Fatal(err)
	}
	if r := passed.Result; r == nil || !r.Passed || r.Score != 1 {
		t.Fatalf("right answers graded as %+v", passed.Result)
	}
	third := mustStart(t, w, "anna")
	if _, err := w.a.Quizzes.Submit(ctx, anna, third.ID, nil); err != nil {
		t.Fatal(err)
	}

	t.Run("attempt limit", func(t *testing.T) {
		_, err := w.a.Quizzes.StartAttempt(ctx, anna, quizID, "fi")
		wantErr(t, err, activity.ErrNoAttemptsLeft, 0)
		info, err := w.a.Quizzes.Quiz(ctx, anna, quizID, "en")
		if err != nil || info.AttemptsUsed != 3 || info.BestScore == nil || *info.BestScore != 1 || !info.Passed || info.Title != "Starting quiz" {
			t.Fatalf("quiz info: %+v, %v", info, err)
		}
	})

	w.wantLesson(t, "anna", "visa", "completed")

	t.Run("statistics", func(t *testing.T) {
		for _, tc := range []struct {
			name     string
			actor    auth.Principal
			users    []string
			attempts int
			err      error
		}{
			{"everyone's", w.people["tuula"], nil, 3, nil},
			{"one learner's", w.people["tuula"], []string{anna.UserID}, 3, nil},
			{"nobody's", w.people["tuula"], []string{}, 0, nil},
			{"a learner asks", anna, nil, 0, auth.ErrForbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				stats, n, err := w.a.Quizzes.Stats(ctx, tc.actor, quizID, tc.users)
				wantErr(t, err, tc.err, 0)
				if tc.err != nil {
					return
				}
				if n != tc.attempts || len(stats) != 5 {
					t.Fatalf("%d attempts over %d questions, want %d over 5", n, len(stats), tc.attempts)
				}
				if q1 := stats[0]; tc.attempts == 3 && (q1.Answered != 3 || q1.Correct != 1 || q1.CommonWrong != "b") {
					t.Fatalf("q1: %+v", q1)
				}
			})
		}
	})
}

func TestQuizTimeLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	anna, ben := w.people["anna"], w.people["ben"]
	annas, bens := mustStart(t, w, "anna"), mustStart(t, w, "ben")
	// Steps in order, each after the clock has moved on by advance.
	for _, tc := range []struct {
		name    string
		advance time.Duration
		do      func() (activity.Attempt, error)
		err     error
	}{
		{"saving after the limit", 30*time.Minute + 30*time.Second,
			func() (activity.Attempt, error) {
				return w.a.Quizzes.SaveAnswers(ctx, anna, annas.ID, answersFor(t, annas, true))
			}, activity.ErrTimeUp},
		{"submitting within the minute of grace", 0,
			func() (activity.Attempt, error) {
				return w.a.Quizzes.Submit(ctx, ben, bens.ID, answersFor(t, bens, true))
			}, nil},
		{"submitting after the grace", 2 * time.Minute,
			func() (activity.Attempt, error) {
				return w.a.Quizzes.Submit(ctx, anna, annas.ID, answersFor(t, annas, true))
			}, activity.ErrTimeUp},
		{"the late attempt is not graded", 0,
			func() (activity.Attempt, error) {
				a, err := w.a.Quizzes.GetAttempt(ctx, anna, annas.ID)
				if err == nil && (a.Result != nil || a.SubmittedAt != nil) {
					t.Errorf("a late attempt was graded: %+v", a)
				}
				return a, err
			}, nil},
		{"a new attempt instead of the lapsed one", 0,
			func() (activity.Attempt, error) {
				a, err := w.a.Quizzes.StartAttempt(ctx, anna, quizID, "fi")
				if err == nil && a.ID == annas.ID {
					t.Error("a lapsed attempt was resumed")
				}
				return a, err
			}, nil},
	} {
		w.clock.Advance(tc.advance)
		if _, err := tc.do(); !errors.Is(err, tc.err) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.err)
		}
	}
	info, err := w.a.Quizzes.Quiz(ctx, ben, quizID, "fi")
	if err != nil || !info.Passed {
		t.Fatalf("ben's submission within the grace: %+v, %v", info, err)
	}
}
