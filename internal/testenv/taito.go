package testenv

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"
	"testing/fstest"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"golang.org/x/tools/txtar"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/media"
)

// Issuer is the public URL of the Taito that App builds.
const Issuer = "http://taito.test"

// QuickLimits are production's limits with argon2id made cheap, so that tests sign in fast;
// production parameters are checked in the auth package.
var QuickLimits = app.Limits{AccessTokenTTL: 15 * time.Minute, Argon2: auth.Argon2Params{Time: 1, Memory: 1024, Threads: 1},
	HashConcurrency: 4, HashQueue: 64, Media: media.DefaultLimits}

// App builds Taito, as the server does, over a fresh database and bucket, with the clock now
// (nil: time.Now) and QuickLimits.
func App(t testing.TB, now func() time.Time) (*app.App, *mongo.Database) {
	t.Helper()
	db := Mongo(t)
	keys, err := auth.ParseKeySet(auth.GenerateKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), app.Deps{DB: db, Storage: S3(t), Keys: keys, PublicURL: Issuer, Now: now, Limits: QuickLimits})
	if err != nil {
		t.Fatal(err)
	}
	return a, db
}

// Fixture loads the test course that every package's tests use: the course package's importer
// fixture (courses/kokeilu with its assets), as a course and the files it came from.
func Fixture(t testing.TB) (*course.Course, fstest.MapFS) {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	ar, err := txtar.ParseFile(filepath.Join(filepath.Dir(here), "..", "course", "testdata", "import", "fixture.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, f := range ar.Files {
		fsys[f.Name] = &fstest.MapFile{Data: f.Data, Mode: 0o644}
	}
	co, problems := course.Load(fsys, "courses/kokeilu")
	if err := problems.Err(); err != nil {
		t.Fatalf("fixture: %v", problems)
	}
	return co, fsys
}

// PublishFixture imports and publishes the test course in a and returns it.
func PublishFixture(t testing.TB, a *app.App) *course.Course {
	t.Helper()
	co, fsys := Fixture(t)
	if _, err := a.ImportCourse(context.Background(), co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	return co
}
