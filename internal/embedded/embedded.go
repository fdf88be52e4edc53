// Package embedded runs the in-process MongoDB-compatible and S3-compatible servers of Taito's
// embedded default: FerretDB 1.24 over SQLite, and the versitygw S3 gateway over a directory.
//
// It exists so that `taito serve` works on a laptop with nothing installed, and so that tests
// talk to real servers. The application reaches both only through mongo-driver and minio-go,
// exactly as it reaches production servers. This package is not a production database: both
// servers listen on loopback only and FerretDB has no authentication.
package embedded

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Lock is an exclusive lock on a data directory, held for the life of a process.
type Lock struct {
	f *os.File
}

// ErrLocked is returned by LockDataDir when another process holds the lock.
var ErrLocked = errors.New("data directory is in use by another taito process")

// LockDataDir creates dir if needed and takes an exclusive, non-blocking lock on dir/taito.lock.
// A second process on the same directory gets an error wrapping ErrLocked at once. The lock is
// released by Close or when the process exits, however it exits.
func LockDataDir(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	path := filepath.Join(dir, "taito.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			pid := strings.TrimSpace(string(holder))
			if pid == "" {
				pid = "unknown"
			}
			return nil, fmt.Errorf("%s (pid %s, lock file %s): %w", dir, pid, path, ErrLocked)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Close releases the lock.
func (l *Lock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}

// freeLoopbackAddr returns a loopback address with a port that was free a moment ago.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}
