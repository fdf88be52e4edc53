package course_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestCourseTeam: a course's owners and editors edit it, its owners name them, admins do
// everything, and other trainers only read what is published.
func TestCourseTeam(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _ := testenv.App(t, testenv.NewClock(time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)).Now)
	testenv.PublishFixture(t, a) // imported by the operator: no owner who signs in
	people := map[string]auth.Principal{}
	for name, role := range map[string]auth.Role{"omistaja": auth.RoleTrainer, "muokkaaja": auth.RoleTrainer, "muu": auth.RoleTrainer,
		"yllapito": auth.RoleAdmin, "oppija": auth.RoleLearner} {
		u, _, err := a.AddUser(ctx, auth.NewUser{Email: name + "@example.fi", Name: name, Roles: []auth.Role{role}})
		if err != nil {
			t.Fatal(err)
		}
		people[name] = auth.Principal{UserID: u.ID, Roles: u.Roles}
	}
	id := func(name string) string { return people[name].UserID }
	if _, err := a.Courses.CreateCourse(ctx, people["omistaja"], "oma-kurssi", course.Text{"fi": "Oma kurssi"}, ""); err != nil {
		t.Fatal(err)
	}
	edit := func(who, slug string) error {
		d, err := a.Courses.GetDraft(ctx, people[who], slug)
		if err != nil {
			return err
		}
		_, err = a.Courses.SaveDraft(ctx, people[who], slug, d.ETag(), d.Course)
		return err
	}
	setTeam := func(who, slug string, owners, editors []string) error {
		_, err := a.SetCourseTeam(ctx, people[who], slug, course.Team{Owners: owners, Editors: editors})
		return err
	}
	wantTeam := func(slug string, want course.Team) func() error {
		return func() error {
			got, err := a.CourseTeam(ctx, people["muu"], slug)
			if diff := cmp.Diff(want, got); err == nil && diff != "" {
				t.Errorf("team (-want +got):\n%s", diff)
			}
			return err
		}
	}
	steps := []struct {
		name   string
		do     func() error
		err    error
		fields []string
	}{
		{name: "the creator owns her course", do: wantTeam("oma-kurssi", course.Team{Owners: []string{id("omistaja")}, Editors: []string{}})},
		{name: "the operator's import has no owner who signs in", do: wantTeam("kokeilu", course.Team{Owners: []string{"operator"}, Editors: []string{}})},
		{name: "a learner reads the team", do: func() error { _, err := a.CourseTeam(ctx, people["oppija"], "kokeilu"); return err }, err: auth.ErrForbidden},
		{name: "the owner edits", do: func() error { return edit("omistaja", "oma-kurssi") }},
		{name: "another trainer edits", do: func() error { return edit("muu", "oma-kurssi") }, err: course.ErrNotOnTeam},
		{name: "another trainer publishes", do: func() error { _, err := a.Courses.Publish(ctx, people["muu"], "oma-kurssi"); return err }, err: course.ErrNotOnTeam},
		{name: "another trainer archives", do: func() error { return a.Courses.SetArchived(ctx, people["muu"], "kokeilu", true) }, err: course.ErrNotOnTeam},
		{name: "another trainer previews the draft", do: func() error {
			_, err := a.Courses.PreviewLesson(ctx, people["muu"], "kokeilu", "tervetuloa", "fi")
			return err
		}, err: course.ErrNotOnTeam},
		{name: "another trainer reads the published course", do: func() error { _, err := a.Courses.Current(ctx, people["muu"], "kokeilu"); return err }},
		{name: "another trainer lists its versions", do: func() error { _, err := a.Courses.Versions(ctx, people["muu"], "kokeilu"); return err }},
		{name: "a trainer edits the operator's import", do: func() error { return edit("omistaja", "kokeilu") }, err: course.ErrNotOnTeam},
		{name: "an admin edits it", do: func() error { return edit("yllapito", "kokeilu") }},
		{name: "a trainer names the team of a course she does not own", do: func() error {
			return setTeam("muu", "oma-kurssi", []string{id("muu")}, []string{})
		}, err: course.ErrNotOwner},
		{name: "the team of no course", do: func() error { return setTeam("yllapito", "ei-ole", []string{id("muu")}, []string{}) }, err: course.ErrCourseNotFound},
		{name: "a team without an owner", do: func() error { return setTeam("omistaja", "oma-kurssi", []string{}, []string{id("muokkaaja")}) },
			fields: []string{"owners"}},
		{name: "learners, strangers and someone twice", do: func() error {
			return setTeam("omistaja", "oma-kurssi", []string{id("omistaja"), id("oppija")}, []string{"ei-ketaan", id("omistaja")})
		}, fields: []string{"owners.1", "editors.0", "editors.1"}},
		{name: "too large a team", do: func() error {
			return setTeam("omistaja", "oma-kurssi", []string{id("omistaja")}, strings.Split(strings.Repeat("x,", course.MaxTeam), ","))
		}, fields: []string{"editors"}},
		{name: "the owner names an editor", do: func() error {
			return setTeam("omistaja", "oma-kurssi", []string{id("omistaja")}, []string{id("muokkaaja")})
		}},
		{name: "the new team", do: wantTeam("oma-kurssi", course.Team{Owners: []string{id("omistaja")}, Editors: []string{id("muokkaaja")}})},
		{name: "the editor edits", do: func() error { return edit("muokkaaja", "oma-kurssi") }},
		{name: "the editor archives", do: func() error { return a.Courses.SetArchived(ctx, people["muokkaaja"], "oma-kurssi", true) }},
		{name: "the editor names the team", do: func() error { return setTeam("muokkaaja", "oma-kurssi", []string{id("muokkaaja")}, []string{}) },
			err: course.ErrNotOwner},
		{name: "an admin names the operator's import's team", do: func() error { return setTeam("yllapito", "kokeilu", []string{id("omistaja")}, []string{}) }},
		{name: "and its new owner edits it", do: func() error { return edit("omistaja", "kokeilu") }},
	}
	for _, st := range steps {
		err := st.do()
		switch {
		case st.fields != nil:
			var ae *apperr.Error
			var got []string
			if errors.As(err, &ae) && ae.Kind == apperr.KindValidation {
				for _, f := range ae.Fields {
					got = append(got, f.Field)
				}
			}
			if diff := cmp.Diff(st.fields, got); diff != "" {
				t.Errorf("%s: fields of %v (-want +got):\n%s", st.name, err, diff)
			}
		case !errors.Is(err, st.err) && !(st.err == nil && err == nil):
			t.Errorf("%s: error %v, want %v", st.name, err, st.err)
		}
	}
	for _, tc := range []struct {
		who  string
		slug string
		team bool
	}{
		{"omistaja", "oma-kurssi", true}, {"muokkaaja", "oma-kurssi", true}, {"muu", "oma-kurssi", false}, {"yllapito", "oma-kurssi", true},
		{"oppija", "oma-kurssi", false}, {"omistaja", "ei-ole", false},
	} {
		if got, err := a.Courses.OnTeam(ctx, people[tc.who], tc.slug); err != nil || got != tc.team {
			t.Errorf("%s on the team of %s: %v (%v), want %v", tc.who, tc.slug, got, err, tc.team)
		}
	}
}
