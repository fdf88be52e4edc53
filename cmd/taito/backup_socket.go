package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/app"
)

// socketName is the Unix socket in the data directory through which `taito backup` asks the
// running embedded server for an archive. The socket is 0600 in the 0700 data directory: whoever
// may read the directory's files may take a backup, nobody else.
const socketName = "taito.sock"

// backupRequest asks for an archive; the answer is the archive itself.
const backupRequest = "backup\n"

// recordRequest, followed by the backup's record (app.BackupRecord) as JSON on the same line,
// tells the server that the archive it wrote is whole on disk, so that it keeps the record; it
// answers "ok\n".
const recordRequest = "recorded "

// maxRequest bounds a request line.
const maxRequest = 4 << 10

// serveBackupSocket listens on the data directory's socket until ctx ends and answers each
// request with an archive, the group commit paused while the collections are copied.
func serveBackupSocket(ctx context.Context, a *app.App, dataDir string, log *slog.Logger) (stop func(), err error) {
	path := filepath.Join(dataDir, socketName)
	// The data directory's lock is held by this process: a socket left there is stale.
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("backup socket %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("backup socket %s: %w", path, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			answerBackup(ctx, a, conn, log) // one backup at a time
		}
	}()
	return func() { ln.Close(); <-done; _ = os.Remove(path) }, nil
}

func answerBackup(ctx context.Context, a *app.App, conn net.Conn, log *slog.Logger) {
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(conn, maxRequest)).ReadString('\n')
	if err != nil {
		return
	}
	if rest, ok := strings.CutPrefix(line, recordRequest); ok {
		keepRecord(ctx, a, conn, rest, log)
		return
	}
	if line != backupRequest {
		return
	}
	_ = conn.SetReadDeadline(time.Time{})
	start := time.Now()
	m, err := a.BackupPaused(ctx, conn, version)
	if err != nil {
		// The client sees an archive cut short and says so.
		log.Error("backup through the socket failed", "err", err)
		return
	}
	log.Info("backup written through the socket", "collections", len(m.Collections), "objects", len(m.Objects), "took", time.Since(start).Round(time.Millisecond))
}

// keepRecord stores the record of an archive the command has checked and put in place.
func keepRecord(ctx context.Context, a *app.App, conn net.Conn, body string, log *slog.Logger) {
	var r app.BackupRecord
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		log.Warn("backup socket: unreadable record", "err", err)
		return
	}
	r.Via = app.BackupViaServer
	if _, err := a.RecordBackup(ctx, r); err != nil {
		log.Error("backup socket: the backup's record was not kept", "err", err)
		return
	}
	_, _ = io.WriteString(conn, "ok\n")
}

// recordOnServer asks the server running on dataDir to keep the record of a finished archive.
func recordOnServer(ctx context.Context, dataDir string, r app.BackupRecord) error {
	body, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", filepath.Join(dataDir, socketName))
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, recordRequest+string(body)+"\n"); err != nil {
		return err
	}
	answer, err := bufio.NewReader(io.LimitReader(conn, 16)).ReadString('\n')
	if answer != "ok\n" {
		return fmt.Errorf("the server did not confirm (see its log): %v", err)
	}
	return nil
}

// backupFromServer asks the server running on dataDir for an archive and writes it to w.
func backupFromServer(ctx context.Context, dataDir string, w io.Writer) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", filepath.Join(dataDir, socketName))
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, backupRequest); err != nil {
		return err
	}
	_, err = io.Copy(w, conn)
	return err
}

// isSocketMissing tells an old server without the socket (or a process that is not a server)
// from a failure of the backup itself.
func isSocketMissing(err error) bool {
	return errors.Is(err, os.ErrNotExist) || strings.Contains(err.Error(), "connection refused")
}
