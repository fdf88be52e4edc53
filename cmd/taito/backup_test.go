package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/embedded"
)

// TestBackupRestoreCommands: on the embedded default, a backup of one data directory restores
// into an empty one; a restore into a non-empty one, and either command while a server holds
// the directory, is refused with a message that says why.
func TestBackupRestoreCommands(t *testing.T) {
	src := map[string]string{"TAITO_DATA_DIR": t.TempDir(), "TAITO_PUBLIC_URL": "https://taito.example.fi"}
	if _, err := runCLI(t, src, "", "user", "add", "--email", "oona@example.fi", "--name", "Oona Oppija", "--role", "learner"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "taito.tar.gz")
	out, err := runCLI(t, src, "", "backup", file)
	if err != nil || !strings.Contains(out, "wrote "+file) {
		t.Fatalf("backup: %q, %v", out, err)
	}
	if _, err := runCLI(t, src, "", "backup", file); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("backup over an existing file: %v", err)
	}

	if r, ok := lastBackup(t, src); !ok || r.File != "taito.tar.gz" || r.Via != app.BackupViaDirect || r.Bytes == 0 || r.Documents == 0 {
		t.Errorf("the direct backup's record: %+v, %v", r, ok)
	}

	dst := map[string]string{"TAITO_DATA_DIR": t.TempDir(), "TAITO_PUBLIC_URL": "https://taito.example.fi"}
	out, err = runCLI(t, dst, "", "restore", file)
	if err != nil || !strings.Contains(out, "restored") {
		t.Fatalf("restore: %q, %v", out, err)
	}
	// The restored installation has taken no backup of its own.
	if r, ok := lastBackup(t, dst); ok {
		t.Errorf("after a restore the last backup is %+v: records of the source's backups came with it", r)
	}
	out, err = runCLI(t, dst, "", "user", "list")
	if err != nil || !strings.Contains(out, "oona@example.fi") {
		t.Errorf("after restore, user list: %q, %v", out, err)
	}
	if _, err := runCLI(t, src, "", "restore", file); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("restore into a non-empty data directory: %v", err)
	}

	lock, err := embedded.LockDataDir(src["TAITO_DATA_DIR"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, src, "", "backup", filepath.Join(t.TempDir(), "b.tar.gz")); err == nil || !strings.Contains(err.Error(), "the server is running") {
		t.Errorf("backup while a process without the socket holds the directory: %v", err)
	}
	lock.Close()

	// With the server running, the backup comes from it, through the data directory's socket.
	src["TAITO_HTTP_ADDR"], src["TAITO_LOG_FORMAT"] = "127.0.0.1:0", "json"
	p := start(t, src)
	fi, err := os.Stat(filepath.Join(src["TAITO_DATA_DIR"], socketName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket: %v, %v; want mode 0600", fi, err)
	}
	if _, err := runCLI(t, src, "", "restore", file); err == nil || !strings.Contains(err.Error(), "the server is running") {
		t.Errorf("restore while the server runs: %v", err)
	}
	live := filepath.Join(t.TempDir(), "live.tar.gz")
	out, err = runCLI(t, src, "", "backup", live)
	if err != nil || !strings.Contains(out, "wrote "+live) {
		t.Fatalf("backup through the server: %q, %v\n%s", out, err, p.logs.String())
	}
	p.stop(t)
	if r, ok := lastBackup(t, src); !ok || r.File != "live.tar.gz" || r.Via != app.BackupViaServer || r.Bytes == 0 || r.Documents == 0 {
		t.Errorf("the server's backup's record: %+v, %v", r, ok)
	}
	again := map[string]string{"TAITO_DATA_DIR": t.TempDir(), "TAITO_PUBLIC_URL": "https://taito.example.fi"}
	if _, err := runCLI(t, again, "", "restore", live); err != nil {
		t.Fatal(err)
	}
	out, err = runCLI(t, again, "", "user", "list")
	if err != nil || !strings.Contains(out, "oona@example.fi") {
		t.Errorf("after restoring the server's backup, user list: %q, %v", out, err)
	}
}
