package activity_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// world is a Taito over a fresh database with the fixture course published, its clock, and
// people by name.
type world struct {
	a      *app.App
	db     *mongo.Database
	clock  *testenv.Clock
	people map[string]auth.Principal
	emails map[string]string
}

// newWorld builds Taito with the fixture course, changed by the changes given and published,
// and accounts: learners "anna", "ben" and "cai", trainers "tuula" (an editor of the course) and
// "toivo", admin "aino" (its owner).
func newWorld(t *testing.T, changes ...func(*course.Course)) *world {
	t.Helper()
	clk := testenv.NewClock(time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC))
	a, db := testenv.App(t, clk.Now)
	co, fsys := testenv.Fixture(t)
	withoutLocks(co) // these tests are about the activities; locks_test.go keeps the locks
	for _, change := range changes {
		change(co)
	}
	if _, err := a.ImportCourse(context.Background(), co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	w := &world{a: a, db: db, clock: clk, people: map[string]auth.Principal{}, emails: map[string]string{}}
	for name, role := range map[string]auth.Role{"anna": auth.RoleLearner, "ben": auth.RoleLearner, "cai": auth.RoleLearner,
		"tuula": auth.RoleTrainer, "toivo": auth.RoleTrainer, "aino": auth.RoleAdmin} {
		w.addUser(t, name, role)
	}
	// The operator's import has no owner who signs in; tuula edits the course, which makes her
	// the moderator of its open wall and the coach of its learners without a cohort.
	if _, err := a.SetCourseTeam(context.Background(), w.people["aino"], "kokeilu", course.Team{Owners: []string{w.people["aino"].UserID},
		Editors: []string{w.people["tuula"].UserID}}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *world) addUser(t *testing.T, name string, role auth.Role) {
	t.Helper()
	email := name + "@example.fi"
	u, _, err := w.a.AddUser(context.Background(), auth.NewUser{Email: email, Name: strings.ToUpper(name[:1]) + name[1:], Roles: []auth.Role{role}})
	if err != nil {
		t.Fatal(err)
	}
	w.people[name] = auth.Principal{UserID: u.ID, Roles: u.Roles}
	w.emails[name] = email
}

// mustCohort starts a cohort of the fixture course run by trainer with the learners as members,
// and returns its id.
func (w *world) mustCohort(t *testing.T, trainer string, learners ...string) string {
	t.Helper()
	ctx := context.Background()
	c, err := w.a.Cohorts.Create(ctx, w.people[trainer], cohort.NewCohort{Course: "kokeilu", Name: "Kevät"})
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, l := range learners {
		emails = append(emails, w.emails[l])
	}
	res, err := w.a.Cohorts.AddMembers(ctx, w.people[trainer], c.ID, emails, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Status != "enrolled" {
			t.Fatalf("enrol %s: %s %s", r.Email, r.Status, r.Reason)
		}
	}
	return c.ID
}

// wantLesson checks the state of one of the fixture's lessons in someone's progress.
func (w *world) wantLesson(t *testing.T, who, lesson, state string) {
	t.Helper()
	p, err := w.a.Learning.Progress(context.Background(), w.people[who], "kokeilu")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Modules {
		for _, l := range m.Lessons {
			if l.ID == lesson && l.State != state {
				t.Errorf("%s's lesson %s is %s, want %s", who, lesson, l.State, state)
			}
		}
	}
}

// must is v, or the test's end when err is not nil.
func must[T any](t *testing.T, v T, err error) T {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// unreachable is a database on a server that cannot be reached: every operation on it fails
// after a second's server selection.
func unreachable(t *testing.T) *mongo.Database {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:1/").SetServerSelectionTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	return client.Database("taito")
}

// cohortsOver is the cohort directory over db, as the activities ask it.
func cohortsOver(db *mongo.Database, w *world) activity.Members {
	return cohort.NewDirectory(db, false, w.clock.Now)
}

// wantErr checks an error against what a case expects: nil, a sentinel (errors.Is), or a kind.
func wantErr(t *testing.T, err error, want error, kind apperr.Kind) {
	t.Helper()
	switch {
	case want == nil && kind == apperr.KindInternal:
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
	case want != nil:
		if !errors.Is(err, want) {
			t.Fatalf("error %v, want %v", err, want)
		}
	default:
		if got := apperr.KindOf(err); err == nil || got != kind {
			t.Fatalf("error %v (kind %v), want kind %v", err, got, kind)
		}
	}
}

// fieldsOf lists the fields a validation error names.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindValidation {
		t.Fatalf("error %v, want a validation error", err)
	}
	var out []string
	for _, f := range ae.Fields {
		out = append(out, f.Field)
	}
	return out
}
