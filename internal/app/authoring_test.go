package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/testenv"
)

// TestImportPackageChecksTheTeamFirst: a package for a course someone else owns is refused
// before any of its files reaches the media library; one with problems lists them with file
// and line and stores nothing; the owner's clean package becomes the draft, and an editor she
// adds by address may then import too.
func TestImportPackageChecksTheTeamFirst(t *testing.T) {
	t.Parallel()
	a, _ := testenv.App(t, nil)
	ctx := context.Background()
	add := func(email string) auth.Principal {
		u, _, err := a.AddUser(ctx, auth.NewUser{Email: email, Name: "K", Roles: []auth.Role{auth.RoleTrainer}, Password: "pitkä salasana 2026", Locale: "fi"})
		if err != nil {
			t.Fatal(err)
		}
		return auth.Principal{UserID: u.ID, Roles: u.Roles}
	}
	owner, other := add("omistaja@example.fi"), add("toinen@example.fi")
	_, fsys := testenv.Fixture(t)

	broken := fstest.MapFS{}
	for k, v := range fsys {
		broken[k] = v
	}
	broken["courses/kokeilu/modules/01-alku/module.yaml"] = &fstest.MapFile{Data: []byte("title: {fi: Alku}\nsequential: ehkä\n")}
	rep, err := a.ImportPackage(ctx, owner, broken, "courses/kokeilu")
	if err != nil || rep.Stored || len(rep.Problems.Errors()) == 0 {
		t.Fatalf("broken package: %+v, %v", rep, err)
	}
	if w := rep.Problems.Errors()[0].Where; !strings.HasPrefix(w, "courses/kokeilu/modules/01-alku/module.yaml:2") {
		t.Errorf("the problem is at %q, want module.yaml:2", w)
	}
	if _, err := a.Courses.GetDraft(ctx, owner, "kokeilu"); !errors.Is(err, course.ErrCourseNotFound) {
		t.Fatalf("a package with problems stored the course: %v", err)
	}

	rep, err = a.ImportPackage(ctx, owner, fsys, "courses/kokeilu")
	if err != nil || !rep.Stored || rep.Result.Draft != "created" {
		t.Fatalf("owner's package: %+v, %v", rep, err)
	}

	// Another trainer's package with a new picture: refused, and the picture is not stored.
	theirs := fstest.MapFS{}
	for k, v := range fsys {
		theirs[k] = v
	}
	picture := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><title>uusi</title></svg>`)
	theirs["assets/kokeilu/kuva.svg"] = &fstest.MapFile{Data: picture}
	sum := sha256.Sum256(picture)
	if _, err := a.ImportPackage(ctx, other, theirs, "courses/kokeilu"); !errors.Is(err, course.ErrNotOnTeam) {
		t.Fatalf("another trainer's package: %v", err)
	}
	if _, err := a.Media.Get(ctx, hex.EncodeToString(sum[:])); !errors.Is(err, media.ErrNotFound) {
		t.Fatalf("the refused package's picture was stored: %v", err)
	}

	// Only owners add editors, and only trainers' accounts; then the editor imports.
	if _, err := a.AddCourseEditor(ctx, other, "kokeilu", "toinen@example.fi"); !errors.Is(err, course.ErrNotOwner) {
		t.Fatalf("a stranger added herself: %v", err)
	}
	if _, err := a.AddCourseEditor(ctx, owner, "kokeilu", "ei-ole@example.fi"); err == nil {
		t.Fatal("an unknown address became an editor")
	}
	if _, err := a.AddCourseEditor(ctx, owner, "kokeilu", "Toinen@Example.fi"); err != nil {
		t.Fatal(err)
	}
	if rep, err := a.ImportPackage(ctx, other, theirs, "courses/kokeilu"); err != nil || !rep.Stored {
		t.Fatalf("the editor's package: %+v, %v", rep, err)
	}
	if _, err := a.Media.Get(ctx, hex.EncodeToString(sum[:])); err != nil {
		t.Fatalf("the editor's picture: %v", err)
	}
	if st, err := a.CourseStatus(ctx, other, "kokeilu"); err != nil || st != course.StatusDraft {
		t.Fatalf("status %q, %v", st, err)
	}
	list, err := a.AuthoredCourses(ctx, other)
	if err != nil || len(list) != 1 || list[0].Owner {
		t.Fatalf("the editor's courses: %+v, %v", list, err)
	}
}
