package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/taito-lms/taito/internal/app"
)

// lastBackup opens the data directory of env (no server may hold it) and returns the record of
// its latest backup; ok is false when none was recorded.
func lastBackup(t *testing.T, env map[string]string) (r app.BackupRecord, ok bool) {
	t.Helper()
	ctx := context.Background()
	err := withApp(ctx, func(k string) string { return env[k] }, io.Discard, false, func(a *app.App, _ *slog.Logger) error {
		var err error
		r, ok, err = a.LastBackup(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, ok
}
