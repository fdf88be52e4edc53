package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

// testArgon2 keeps tests quick; production parameters are checked in the auth package.
var testArgon2 = auth.Argon2Params{Time: 1, Memory: 1024, Threads: 1}

const testIssuer = "http://taito.test"

// env is a whole API over a fresh database, with accounts of every role.
type env struct {
	a        *app.App
	app      *fiber.App
	db       *mongo.Database
	auth     *auth.Service
	outbox   *outbox.Outbox
	courses  *course.Service
	learning *learning.Service
	media    *media.Library
	cohorts  *cohort.Service
	clock    *testenv.Clock
	keys     *auth.KeySet
	users    map[string]auth.User // by role name: admin, trainer, learner, learner2
}

const testPassword = "correct horse battery staple"

func newEnv(t *testing.T) *env {
	t.Helper()
	db := testenv.Mongo(t)
	clk := testenv.NewClock(time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC))
	keys, err := auth.ParseKeySet(auth.GenerateKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	a, err := app.New(ctx, app.Deps{DB: db, Storage: testenv.S3(t), Keys: keys, PublicURL: testIssuer, Now: clk.Now, Log: log,
		Limits: app.Limits{AccessTokenTTL: 15 * time.Minute, Argon2: testArgon2, HashConcurrency: 4, HashQueue: 64, Media: media.DefaultLimits}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{a: a, db: db, auth: a.Auth, outbox: a.Outbox, courses: a.Courses, learning: a.Learning, media: a.Media, cohorts: a.Cohorts, clock: clk, keys: keys, users: map[string]auth.User{}}
	e.app = httpapi.New(a, httpapi.Options{Log: log, Now: clk.Now}).App()
	for _, u := range []struct {
		key   string
		roles []auth.Role
		org   string
	}{
		{"admin", []auth.Role{auth.RoleAdmin}, "Pohjois-Karjala / hallinto"},
		{"trainer", []auth.Role{auth.RoleTrainer}, "Joensuu / työllisyyspalvelut"},
		{"learner", []auth.Role{auth.RoleLearner}, "Joensuu / aikuissosiaalityö"},
		{"learner2", []auth.Role{auth.RoleLearner}, "Lieksa / aikuissosiaalityö"},
	} {
		created, _, err := a.AddUser(ctx, auth.NewUser{Email: u.key + "@example.fi", Name: strings.ToUpper(u.key[:1]) + u.key[1:], Roles: u.roles, OrgUnit: u.org, Password: testPassword, Locale: "en"}) // messages in English; see mustSpeak
		if err != nil {
			t.Fatal(err)
		}
		e.users[u.key] = created
	}
	return e
}

// mustSpeak sets the language of one of the env's users' accounts: they are English (so that
// scenarios read messages in English) unless a test needs another.
func (e *env) mustSpeak(t *testing.T, who, locale string) {
	t.Helper()
	if resp, body := do(t, e.app, scenario{method: "PATCH", path: "/api/v1/me", token: e.token(t, who), body: `{"locale":"` + locale + `"}`}); resp.StatusCode != http.StatusOK {
		t.Fatalf("%s speaks %s: %d %s", who, locale, resp.StatusCode, body)
	}
}

type tokens struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

// login signs in through the API and returns the tokens.
func (e *env) login(t *testing.T, email, password string) tokens {
	t.Helper()
	resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/login", body: jsonBody(map[string]string{"email": email, "password": password})})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %d %s", email, resp.StatusCode, body)
	}
	var tk tokens
	if err := json.Unmarshal(body, &tk); err != nil {
		t.Fatal(err)
	}
	return tk
}

// token returns an access token of one of the env's users.
func (e *env) token(t *testing.T, who string) string {
	t.Helper()
	return e.login(t, who+"@example.fi", testPassword).AccessToken
}

func jsonBody(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// outboxTo returns the e-mails queued for an address.
func (e *env) outboxTo(t *testing.T, to string) []outbox.Job {
	t.Helper()
	jobs, _, err := e.outbox.List(context.Background(), "", 200)
	if err != nil {
		t.Fatal(err)
	}
	var out []outbox.Job
	for _, j := range jobs {
		if j.Email != nil && j.Email.To == to {
			out = append(out, j)
		}
	}
	return out
}

// linkToken pulls the token out of the link in an e-mail.
func linkToken(t *testing.T, text string) string {
	t.Helper()
	i := strings.Index(text, "?token=")
	if i < 0 {
		t.Fatalf("no link with a token in %q", text)
	}
	rest := text[i+len("?token="):]
	if j := strings.IndexAny(rest, "\n \""); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// fixture loads the test course.
func fixture(t *testing.T) (*course.Course, fstest.MapFS) { return testenv.Fixture(t) }

// publishFixture imports and publishes the fixture course.
func (e *env) publishFixture(t *testing.T) *course.Course { return testenv.PublishFixture(t, e.a) }

func (e *env) principal(who string) auth.Principal {
	u := e.users[who]
	return auth.Principal{UserID: u.ID, Roles: u.Roles}
}

func usersWithOrgUnit(ou string) auth.UserFilter { return auth.UserFilter{OrgUnit: ou, Limit: 10} }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
