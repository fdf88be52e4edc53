package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/outbox"
)

// TestAdminStatus: admins read the outbox backlog, the last backup (none, then the one
// recorded) and the stores' health; a trainer gets 403, no token 401.
func TestAdminStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.a.SetRunInfo("1.2.3", e.clock.Now().Add(-time.Hour))

	type status struct {
		Version   string `json:"version"`
		StartedAt string `json:"started_at"`
		Outbox    struct {
			Pending              int    `json:"pending"`
			Failed               int    `json:"failed"`
			OldestPendingSeconds *int64 `json:"oldest_pending_seconds"`
		} `json:"outbox"`
		LastBackup *struct {
			File       string `json:"file"`
			Bytes      int64  `json:"bytes"`
			Via        string `json:"via"`
			AgeSeconds int64  `json:"age_seconds"`
		} `json:"last_backup"`
		BackupOverdue bool `json:"backup_overdue"`
		Stores        []struct {
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"stores"`
	}
	read := func() status {
		t.Helper()
		resp, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/admin/status", token: e.token(t, "admin")})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status: %d %s", resp.StatusCode, body)
		}
		var st status
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		return st
	}

	// The env's four accounts were invited through the outbox: their e-mails wait.
	before := read()
	if before.Version != "1.2.3" || before.StartedAt == "" {
		t.Errorf("version %q, started %q", before.Version, before.StartedAt)
	}
	if before.LastBackup != nil || !before.BackupOverdue {
		t.Errorf("no backup taken, yet last_backup %+v, overdue %v", before.LastBackup, before.BackupOverdue)
	}
	if len(before.Stores) != 2 || before.Stores[0].Name != "mongodb" || before.Stores[0].Status != "ok" || before.Stores[1].Name != "s3" || before.Stores[1].Status != "ok" {
		t.Errorf("stores: %+v", before.Stores)
	}

	if err := e.outbox.EnqueueEmail(ctx, "status:one", outbox.Email{To: "x@example.fi", Subject: "S", Text: "T", Locale: "fi"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(10 * time.Minute)
	rec, err := e.a.RecordBackup(ctx, app.NewBackupRecord("/var/backups/taito-2026-02-02.tar.gz", 12345, app.BackupManifest{}, app.BackupViaServer))
	if err != nil {
		t.Fatal(err)
	}
	if rec.File != "taito-2026-02-02.tar.gz" {
		t.Errorf("recorded file %q: a machine path was kept", rec.File)
	}
	e.clock.Advance(time.Hour)
	after := read()
	if after.Outbox.Pending != before.Outbox.Pending+1 || after.Outbox.OldestPendingSeconds == nil || *after.Outbox.OldestPendingSeconds < 3600 {
		t.Errorf("outbox before %+v, after %+v", before.Outbox, after.Outbox)
	}
	if after.LastBackup == nil || after.LastBackup.File != "taito-2026-02-02.tar.gz" || after.LastBackup.Bytes != 12345 ||
		after.LastBackup.Via != "server" || after.LastBackup.AgeSeconds != 3600 || after.BackupOverdue {
		t.Errorf("last backup %+v, overdue %v", after.LastBackup, after.BackupOverdue)
	}
	e.clock.Advance(app.BackupMaxAge)
	if st := read(); !st.BackupOverdue {
		t.Error("a backup older than two days is not overdue")
	}

	trainer, learner := e.token(t, "trainer"), e.token(t, "learner")
	run(t, e.app, []scenario{
		{name: "trainer", method: "GET", path: "/api/v1/admin/status", token: trainer, status: 403},
		{name: "learner", method: "GET", path: "/api/v1/admin/status", token: learner, status: 403},
		{name: "no token", method: "GET", path: "/api/v1/admin/status", status: 401},
		{name: "bad token", method: "GET", path: "/api/v1/admin/status", token: "x.y.z", status: 401},
	})
}
