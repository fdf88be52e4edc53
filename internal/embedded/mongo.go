package embedded

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Mongo is a running in-process FerretDB with the SQLite handler.
type Mongo struct {
	uri    string
	cancel context.CancelFunc
	done   chan error
}

// StartMongo starts FerretDB on a loopback port with its SQLite files in dir. log receives
// FerretDB's own messages; give it a quiet logger (FerretDB logs every connection at info).
// The server runs until Close or until ctx ends.
func StartMongo(ctx context.Context, dir string, log *slog.Logger) (*Mongo, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/",
		Logger:    log,
	})
	if err != nil {
		return nil, fmt.Errorf("start embedded FerretDB: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	m := &Mongo{uri: f.MongoDBURI(), cancel: cancel, done: make(chan error, 1)}
	go func() { m.done <- f.Run(runCtx) }()
	return m, nil
}

// URI is the connection string for mongo-driver.
func (m *Mongo) URI() string { return m.uri }

// Close stops the server and waits for it, at most timeout.
func (m *Mongo) Close(timeout time.Duration) error {
	m.cancel()
	select {
	case <-m.done:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("embedded FerretDB did not stop within %s", timeout)
	}
}
