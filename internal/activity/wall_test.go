package activity_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/apperr"
)

const task = "viikko-1" // the fixture's reflection task: one post and one comment on a peer's

var openWall = activity.OpenScope("kokeilu")

// step is one thing done in a scenario and what it must answer: nil, a sentinel or a kind.
type step struct {
	name string
	do   func() error
	err  error
	kind apperr.Kind
}

// runSteps does the steps in order, each as a subtest.
func runSteps(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) { wantErr(t, s.do(), s.err, s.kind) })
	}
}

func (w *world) mustPost(t *testing.T, who, scope, body string, anonymous bool) activity.Post {
	t.Helper()
	p, err := w.a.Walls.CreatePost(context.Background(), w.people[who], scope, task, body, anonymous)
	return must(t, p, err)
}

// postsSeen lists a wall's posts as who sees them.
func (w *world) postsSeen(t *testing.T, who, scope string) []activity.Post {
	t.Helper()
	ps, _, err := w.a.Walls.ListPosts(context.Background(), w.people[who], scope, task, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func find(ps []activity.Post, id string) (activity.Post, bool) {
	i := slices.IndexFunc(ps, func(p activity.Post) bool { return p.ID == id })
	if i < 0 {
		return activity.Post{}, false
	}
	return ps[i], true
}

func TestOpenWall(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	walls := w.a.Walls
	anna, ben, tuula := w.people["anna"], w.people["ben"], w.people["tuula"]
	post := w.mustPost(t, "anna", openWall, "Huomasin, että **moni asiakas** jää kirjautumiseen.", false)
	var comment activity.Post
	body, hidden := "Korjattu teksti.", true
	runSteps(t, []step{
		{name: "an empty post", do: func() error { _, err := walls.CreatePost(ctx, anna, openWall, task, "  ", false); return err }, kind: apperr.KindValidation},
		{name: "an unknown task", do: func() error { _, _, err := walls.ListPosts(ctx, anna, openWall, "ei-ole", "", 10); return err }, err: activity.ErrWallNotFound},
		{name: "a scope that is no cohort's id", do: func() error { _, _, err := walls.ListPosts(ctx, anna, "kohortti", task, "", 10); return err }, err: activity.ErrWallNotFound},
		{name: "an unknown cohort", do: func() error {
			_, _, err := walls.ListPosts(ctx, anna, "01890000-0000-7000-8000-000000000000", task, "", 10)
			return err
		}, err: activity.ErrWallNotFound},
		{name: "a peer comments", do: func() error {
			var err error
			comment, err = walls.Comment(ctx, ben, openWall, task, post.ID, "Sama täällä.")
			return err
		}},
		{name: "a comment on a comment", do: func() error { _, err := walls.Comment(ctx, anna, openWall, task, comment.ID, "x"); return err }, err: activity.ErrPostNotFound},
		{name: "a comment on an unknown post", do: func() error {
			_, err := walls.Comment(ctx, anna, openWall, task, "01890000-0000-7000-8000-000000000000", "x")
			return err
		}, err: activity.ErrPostNotFound},
		{name: "react", do: func() error { return walls.React(ctx, ben, openWall, task, post.ID, "heart", true) }},
		{name: "react twice", do: func() error { return walls.React(ctx, ben, openWall, task, post.ID, "heart", true) }, err: activity.ErrReactedAlready},
		{name: "an unknown reaction", do: func() error { return walls.React(ctx, ben, openWall, task, post.ID, "angry", true) }, kind: apperr.KindValidation},
		{name: "reactions counted", do: func() error {
			p, _ := find(w.postsSeen(t, "anna", openWall), post.ID)
			if p.Reactions["heart"] != 1 || len(p.Comments) != 1 || p.Comments[0].Body != "Sama täällä." {
				t.Errorf("post as its author sees it: %+v", p)
			}
			return nil
		}},
		{name: "take the reaction back", do: func() error { return walls.React(ctx, ben, openWall, task, post.ID, "heart", false) }},
		{name: "take it back again", do: func() error { return walls.React(ctx, ben, openWall, task, post.ID, "heart", false) }, err: activity.ErrNotReacted},
		{name: "someone else edits", do: func() error {
			_, err := walls.EditPost(ctx, ben, openWall, task, post.ID, activity.PostChange{Body: &body})
			return err
		}, kind: apperr.KindForbidden},
		{name: "a learner hides", do: func() error {
			_, err := walls.EditPost(ctx, ben, openWall, task, post.ID, activity.PostChange{Hidden: &hidden})
			return err
		}, kind: apperr.KindForbidden},
		{name: "nothing to change", do: func() error {
			_, err := walls.EditPost(ctx, anna, openWall, task, post.ID, activity.PostChange{})
			return err
		}, kind: apperr.KindInvalid},
		{name: "edit own within the window", do: func() error {
			p, err := walls.EditPost(ctx, anna, openWall, task, post.ID, activity.PostChange{Body: &body})
			if err == nil && (p.EditedAt == nil || !strings.Contains(p.HTML, "Korjattu teksti.")) {
				t.Errorf("edited: %+v", p)
			}
			return err
		}},
		{name: "someone else removes", do: func() error { return walls.DeletePost(ctx, ben, openWall, task, post.ID) }, kind: apperr.KindForbidden},
		{name: "a trainer outside the course's team hides", do: func() error {
			_, err := walls.EditPost(ctx, w.people["toivo"], openWall, task, post.ID, activity.PostChange{Hidden: &hidden})
			return err
		}, kind: apperr.KindForbidden},
		{name: "a trainer hides", do: func() error {
			_, err := walls.EditPost(ctx, tuula, openWall, task, post.ID, activity.PostChange{Hidden: &hidden})
			return err
		}},
		{name: "hidden from peers", do: func() error {
			if _, shown := find(w.postsSeen(t, "ben", openWall), post.ID); shown {
				t.Error("a peer sees a hidden post")
			}
			return nil
		}},
		{name: "shown to its author and trainers", do: func() error {
			for _, who := range []string{"anna", "tuula"} {
				if p, shown := find(w.postsSeen(t, who, openWall), post.ID); !shown || !p.Hidden {
					t.Errorf("%s sees the hidden post: %v %+v", who, shown, p)
				}
			}
			return nil
		}},
		{name: "a comment on a hidden post", do: func() error { _, err := walls.Comment(ctx, ben, openWall, task, post.ID, "x"); return err }, err: activity.ErrPostNotFound},
		{name: "edit after the window", do: func() error {
			w.clock.Advance(activity.EditWindow + time.Minute)
			_, err := walls.EditPost(ctx, anna, openWall, task, post.ID, activity.PostChange{Body: &body})
			return err
		}, err: activity.ErrEditWindow},
		{name: "delete own", do: func() error { return walls.DeletePost(ctx, anna, openWall, task, post.ID) }},
		{name: "a deleted post is gone", do: func() error { _, err := walls.Comment(ctx, anna, openWall, task, post.ID, "x"); return err }, err: activity.ErrPostNotFound},
	})
}

func TestWallAnonymity(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	room := w.mustCohort(t, "tuula", "anna", "ben")
	for _, scope := range []string{openWall, room} {
		p := w.mustPost(t, "anna", scope, "Kukaan ei tiedä.", true)
		for _, tc := range []struct {
			name        string
			who         string
			seesAuthor  bool
			seesItsMine bool
		}{
			{"a peer", "ben", false, false},
			{"the author", "anna", true, true},
			{"the trainer", "tuula", true, false},
			{"an admin", "aino", true, false},
		} {
			t.Run(scope+"/"+tc.name, func(t *testing.T) {
				got, ok := find(w.postsSeen(t, tc.who, scope), p.ID)
				if !ok || !got.Anonymous || (got.Author == w.people["anna"].UserID) != tc.seesAuthor || (got.Author == "") == tc.seesAuthor || got.Mine != tc.seesItsMine {
					t.Errorf("%s sees %+v", tc.who, got)
				}
			})
		}
	}
}

func TestCohortWall(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	room := w.mustCohort(t, "tuula", "anna", "ben")
	post := w.mustPost(t, "anna", room, "Ryhmän havainto.", false)
	secret := w.mustPost(t, "anna", room, "Piilotettava.", false)
	hidden := true
	list := func(who string) func() error {
		return func() error { _, _, err := w.a.Walls.ListPosts(ctx, w.people[who], room, task, "", 10); return err }
	}
	runSteps(t, []step{
		{name: "a member reads", do: list("ben")},
		{name: "its trainer reads", do: list("tuula")},
		{name: "an admin reads", do: list("aino")},
		{name: "a learner of no cohort", do: list("cai"), err: activity.ErrNotOnWall},
		{name: "another trainer", do: list("toivo"), err: activity.ErrNotOnWall},
		{name: "an outsider posts", do: func() error { _, err := w.a.Walls.CreatePost(ctx, w.people["cai"], room, task, "x", false); return err }, err: activity.ErrNotOnWall},
		{name: "its trainer hides", do: func() error {
			_, err := w.a.Walls.EditPost(ctx, w.people["tuula"], room, task, secret.ID, activity.PostChange{Hidden: &hidden})
			return err
		}},
		{name: "another trainer hides", do: func() error {
			_, err := w.a.Walls.EditPost(ctx, w.people["toivo"], room, task, secret.ID, activity.PostChange{Hidden: &hidden})
			return err
		}, err: activity.ErrNotOnWall},
		{name: "a post of another wall", do: func() error {
			_, err := w.a.Walls.Comment(ctx, w.people["anna"], openWall, task, post.ID, "x")
			return err
		}, err: activity.ErrPostNotFound},
	})
	w.mustPost(t, "ben", room, "Oma havaintoni.", false)
	if _, err := w.a.Walls.Comment(ctx, w.people["ben"], room, task, post.ID, "Hyvä huomio."); err != nil {
		t.Fatal(err)
	}
	w.wantLesson(t, "ben", "pohdinta", "completed")
	w.wantLesson(t, "anna", "pohdinta", "in_progress")
}

// TestWallOutage: a database that cannot be reached is an outage (503), never "not found" — not
// when looking up the wall's cohort, not when reading its posts.
func TestWallOutage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	room := w.mustCohort(t, "tuula", "anna")
	down := unreachable(t)
	// Posts are down; the course and, for cohortsUp, the cohorts are up.
	cohortsDown := activity.NewWalls(down, w.a.Courses, w.a.Learning, cohortsOver(down, w), w.clock.Now)
	cohortsUp := activity.NewWalls(down, w.a.Courses, w.a.Learning, w.a.Cohorts, w.clock.Now)
	anna := w.people["anna"]
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"the wall's cohort", func() error { _, _, err := cohortsDown.ListPosts(ctx, anna, room, task, "", 10); return err }},
		{"a cohort wall's posts", func() error { _, _, err := cohortsUp.ListPosts(ctx, anna, room, task, "", 10); return err }},
		{"an open wall's posts", func() error { _, _, err := cohortsUp.ListPosts(ctx, anna, openWall, task, "", 10); return err }},
		{"the post commented on", func() error {
			_, err := cohortsUp.Comment(ctx, anna, openWall, task, "01890000-0000-7000-8000-000000000000", "x")
			return err
		}},
		{"the post reacted to", func() error {
			return cohortsUp.React(ctx, anna, openWall, task, "01890000-0000-7000-8000-000000000000", "heart", true)
		}},
		{"a new post", func() error { _, err := cohortsUp.CreatePost(ctx, anna, openWall, task, "x", false); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantErr(t, tc.do(), nil, apperr.KindUnavailable)
		})
	}
}
