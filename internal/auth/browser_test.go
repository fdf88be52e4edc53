package auth_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/links"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

const browserPassword = "correct horse battery staple"

// browserEnv is an auth service on a test clock with an admin and a learner who has a password.
type browserEnv struct {
	svc     *auth.Service
	clock   *testenv.Clock
	admin   auth.Principal
	learner auth.User
}

func newBrowserEnv(t *testing.T, limits auth.SessionLimits) browserEnv {
	t.Helper()
	db := testenv.Mongo(t)
	clk := testenv.NewClock(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	keys, _ := auth.ParseKeySet(auth.GenerateKeyPEM())
	svc := auth.NewService(db, auth.NewTokens(keys, "http://x", time.Minute, clk.Now), auth.NewHasher(auth.Argon2Params{Time: 1, Memory: 1024, Threads: 1}, 2, 4),
		outbox.New(db, clk.Now), links.New("http://x"), false, limits, clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	if err := svc.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.EnsureFirstAdmin(ctx); err != nil {
		t.Fatal(err)
	}
	adminUser, err := svc.UserByEmail(ctx, auth.FirstAdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	admin := auth.Principal{UserID: adminUser.ID, Roles: adminUser.Roles}
	u, _, err := svc.CreateUser(ctx, admin, auth.NewUser{Email: "liisa@example.fi", Name: "Liisa", Roles: []auth.Role{auth.RoleLearner}, Password: browserPassword, Locale: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	return browserEnv{svc: svc, clock: clk, admin: admin, learner: u}
}

func (e browserEnv) signIn(t *testing.T) (string, auth.BrowserSession) {
	t.Helper()
	raw, b, err := e.svc.SignInBrowser(context.Background(), "Liisa@Example.fi", browserPassword, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if raw == "" || b.CSRF == "" || b.Principal.UserID != e.learner.ID {
		t.Fatalf("session %+v", b)
	}
	return raw, b
}

func (e browserEnv) live(t *testing.T, raw string) bool {
	t.Helper()
	_, err := e.svc.Browser(context.Background(), raw)
	if err != nil && !errors.Is(err, auth.ErrSessionEnded) {
		t.Fatal(err)
	}
	return err == nil
}

func TestBrowserSessionEndsWhenIdle(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t, auth.SessionLimits{Idle: 2 * time.Hour, Max: 12 * time.Hour})
	raw, _ := e.signIn(t)
	// A page every 90 minutes keeps it alive past the idle limit…
	for range 4 {
		e.clock.Advance(90 * time.Minute)
		if !e.live(t, raw) {
			t.Fatalf("ended at %v although used every 90 minutes", e.clock.Now())
		}
	}
	// …two hours without one ends it.
	e.clock.Advance(2 * time.Hour)
	if e.live(t, raw) {
		t.Fatal("live after two idle hours")
	}
	// And it stays ended.
	e.clock.Advance(-time.Hour)
	if e.live(t, raw) {
		t.Fatal("an idle-ended session came back")
	}
}

func TestBrowserSessionEndsAtItsAbsoluteLimit(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t, auth.SessionLimits{Idle: 2 * time.Hour, Max: 12 * time.Hour})
	raw, b := e.signIn(t)
	if want := e.clock.Now().Add(12 * time.Hour); !b.ExpiresAt.Equal(want) {
		t.Fatalf("expires %v, want %v", b.ExpiresAt, want)
	}
	for e.clock.Now().Before(b.ExpiresAt.Add(-time.Hour)) {
		e.clock.Advance(time.Hour)
		if !e.live(t, raw) {
			t.Fatalf("ended at %v before 12 hours", e.clock.Now())
		}
	}
	e.clock.Advance(time.Hour)
	if e.live(t, raw) {
		t.Fatal("live after 12 hours")
	}
}

func TestSigningOutEndsOnlyThatBrowser(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t, auth.SessionLimits{})
	one, _ := e.signIn(t)
	two, _ := e.signIn(t)
	if err := e.svc.EndBrowser(context.Background(), one); err != nil {
		t.Fatal(err)
	}
	if e.live(t, one) || !e.live(t, two) {
		t.Fatalf("after signing out one: one live %v, two live %v", e.live(t, one), e.live(t, two))
	}
	if e.live(t, "not a session") || e.live(t, "") {
		t.Fatal("a made-up cookie is a session")
	}
}

// TestEverythingThatEndsTokensEndsBrowserSessions: signing out everywhere, a password change,
// a password reset, a role change and disabling each end every browser session of the account.
func TestEverythingThatEndsTokensEndsBrowserSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	newPW := "another horse battery staple"
	for _, c := range []struct {
		name string
		end  func(t *testing.T, e browserEnv, b auth.BrowserSession)
	}{
		{"sign out everywhere", func(t *testing.T, e browserEnv, b auth.BrowserSession) {
			if err := e.svc.LogoutAll(ctx, b.Principal); err != nil {
				t.Fatal(err)
			}
		}},
		{"password change", func(t *testing.T, e browserEnv, b auth.BrowserSession) {
			if _, err := e.svc.UpdateMe(ctx, b.Principal, auth.MeUpdate{Password: &newPW, CurrentPassword: browserPassword}); err != nil {
				t.Fatal(err)
			}
		}},
		{"role change", func(t *testing.T, e browserEnv, b auth.BrowserSession) {
			roles := []auth.Role{auth.RoleLearner, auth.RoleTrainer}
			if _, err := e.svc.UpdateUser(ctx, e.admin, e.learner.ID, auth.UserPatch{Roles: &roles}); err != nil {
				t.Fatal(err)
			}
		}},
		{"disabled", func(t *testing.T, e browserEnv, b auth.BrowserSession) {
			yes := true
			if _, err := e.svc.UpdateUser(ctx, e.admin, e.learner.ID, auth.UserPatch{Disabled: &yes}); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newBrowserEnv(t, auth.SessionLimits{})
			one, b := e.signIn(t)
			two, _ := e.signIn(t)
			c.end(t, e, b)
			if e.live(t, one) || e.live(t, two) {
				t.Fatalf("after %s: sessions live %v %v", c.name, e.live(t, one), e.live(t, two))
			}
		})
	}
}

func TestPageMarksAreTakenOnce(t *testing.T) {
	t.Parallel()
	e := newBrowserEnv(t, auth.SessionLimits{})
	ctx := context.Background()
	raw, b := e.signIn(t)
	if err := e.svc.SetMark(ctx, b, "lesson:digiohjaus/01"); err != nil {
		t.Fatal(err)
	}
	at := e.clock.Now()
	b, err := e.svc.Browser(ctx, raw)
	if err != nil || b.Mark == nil || b.Mark.Key != "lesson:digiohjaus/01" || !b.Mark.At.Equal(at) {
		t.Fatalf("mark %+v (%v)", b.Mark, err)
	}
	m, err := e.svc.TakeMark(ctx, b)
	if err != nil || m == nil || m.Key != "lesson:digiohjaus/01" {
		t.Fatalf("take: %+v %v", m, err)
	}
	if m, err := e.svc.TakeMark(ctx, b); err != nil || m != nil {
		t.Fatalf("taken twice: %+v %v", m, err)
	}
}
