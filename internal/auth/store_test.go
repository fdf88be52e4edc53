package auth_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestEnsureIndexesTwice: every start ensures indexes on a database that has them already.
func TestEnsureIndexesTwice(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	keys, _ := auth.ParseKeySet(auth.GenerateKeyPEM())
	ob := outbox.New(db, time.Now)
	for i := 0; i < 2; i++ {
		svc := auth.NewService(db, auth.NewTokens(keys, "http://x", time.Minute, time.Now), auth.NewHasher(auth.Argon2Params{Time: 1, Memory: 1024, Threads: 1}, 1, 1), ob, "http://x", time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
	keys, _ := auth.ParseKeySet(auth.GenerateKeyPEM())
	svc := auth.NewService(db, auth.NewTokens(keys, "http://x", time.Minute, time.Now), auth.NewHasher(auth.Argon2Params{Time: 1, Memory: 1024, Threads: 1}, 1, 1), outbox.New(db, time.Now), "http://x", time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
