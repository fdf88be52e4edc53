package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/links"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// newService is an auth service over db with a fresh key and a cheap password hash.
func newService(db *mongo.Database) *auth.Service {
	keys, _ := auth.ParseKeySet(auth.GenerateKeyPEM())
	return auth.NewService(db, auth.NewTokens(keys, "http://x", time.Minute, time.Now), auth.NewHasher(auth.Argon2Params{Time: 1, Memory: 1024, Threads: 1}, 1, 1), outbox.New(db, time.Now), links.New("http://x"), false, auth.SessionLimits{}, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// TestEnsureIndexesTwice: every start ensures indexes on a database that has them already.
func TestEnsureIndexesTwice(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	keys, _ := auth.ParseKeySet(auth.GenerateKeyPEM())
	ob := outbox.New(db, time.Now)
	for i := 0; i < 2; i++ {
		svc := auth.NewService(db, auth.NewTokens(keys, "http://x", time.Minute, time.Now), auth.NewHasher(auth.Argon2Params{Time: 1, Memory: 1024, Threads: 1}, 1, 1), ob, links.New("http://x"), false, auth.SessionLimits{}, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err := svc.EnsureIndexes(context.Background()); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if err := ob.EnsureIndexes(context.Background()); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
	}
}

func TestFirstAdminOnlyOnEmptyDatabase(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	svc := newService(db)
	ctx := context.Background()
	if err := svc.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	pw, created, err := svc.EnsureFirstAdmin(ctx)
	if err != nil || !created || len(pw) < 20 {
		t.Fatalf("first call: %q %v %v", pw, created, err)
	}
	if _, err := svc.Login(ctx, auth.FirstAdminEmail, pw, "127.0.0.1"); err != nil {
		t.Fatalf("sign-in with the generated password: %v", err)
	}
	if _, created, err := svc.EnsureFirstAdmin(ctx); created || err != nil {
		t.Errorf("second call created another admin (%v, %v)", created, err)
	}
}

// TestInviteManyAndLoadThemBack creates accounts in bulk, with a bad row, a repeated address
// and a forbidden role among them, and loads them back by id in a short and a long list.
func TestInviteManyAndLoadThemBack(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	svc := newService(db)
	ctx := context.Background()
	if err := svc.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	trainer := auth.Principal{UserID: "t", Roles: []auth.Role{auth.RoleTrainer}}
	in := make([]auth.NewUser, 1203)
	for i := range 1200 {
		in[i] = auth.NewUser{Email: fmt.Sprintf("henkilo%04d@example.fi", i), Name: fmt.Sprintf("Henkilö %d", i), Roles: []auth.Role{auth.RoleLearner}}
	}
	in[1200] = auth.NewUser{Email: "ei-osoite", Name: "X", Roles: []auth.Role{auth.RoleLearner}}
	in[1201] = auth.NewUser{Email: "henkilo0007@example.fi", Name: "Toinen", Roles: []auth.Role{auth.RoleLearner}}
	in[1202] = auth.NewUser{Email: "admin2@example.fi", Name: "Y", Roles: []auth.Role{auth.RoleAdmin}}
	got, err := svc.InviteUsers(ctx, trainer, in)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, c := range got[:1200] {
		if c.Err != nil || c.User.ID == "" {
			t.Fatalf("row %d: %+v", i, c)
		}
		ids = append(ids, c.User.ID)
	}
	var forbidden *apperr.Error
	if got[1200].Err == nil || !errors.Is(got[1201].Err, auth.ErrEmailTaken) || !errors.As(got[1202].Err, &forbidden) || forbidden.Kind != apperr.KindForbidden {
		t.Errorf("bad rows: %v / %v / %v", got[1200].Err, got[1201].Err, got[1202].Err)
	}
	if n, _ := db.Collection("outbox").CountDocuments(ctx, map[string]any{}); n != 1200 {
		t.Errorf("%d invitations queued, want 1200", n)
	}
	for _, list := range [][]string{ids[:10], append(ids[:1100:1100], "no-such-user")} {
		users, err := svc.UsersByIDs(ctx, list)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != min(len(list), 1100) {
			t.Errorf("%d of %d users loaded", len(users), len(list))
		}
		if u := users[ids[7]]; u.Email != "henkilo0007@example.fi" || u.Name != "Henkilö 7" {
			t.Errorf("user 7: %+v", u)
		}
	}
}
