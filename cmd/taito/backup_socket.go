package main

import (
	"bufio"
	"context"
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

// backupRequest is the one request the socket answers; the answer is the archive itself.
const backupRequest = "backup\n"

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
	line, err := bufio.NewReader(io.LimitReader(conn, 64)).ReadString('\n')
	if err != nil || line != backupRequest {
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
