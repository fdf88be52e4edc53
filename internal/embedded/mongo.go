package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // the driver FerretDB uses, for IndexIDs
)

// PoolSize is how many connections a client should open to the embedded FerretDB at most.
// Each connection that works at once holds a SQLite connection with its own page cache (about
// 2 MB once warm), and SQLite writes one transaction at a time however many wait, so more
// connections cost memory without adding speed on the machines the embedded default is for.
const PoolSize = 24

// Mongo is a running in-process FerretDB with the SQLite handler.
type Mongo struct {
	dir    string
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
	m := &Mongo{dir: abs, uri: f.MongoDBURI(), cancel: cancel, done: make(chan error, 1)}
	go func() { m.done <- f.Run(runCtx) }()
	return m, nil
}

// IndexIDs is the package's IndexIDs for a database of this server.
func (m *Mongo) IndexIDs(ctx context.Context, database string) (int, error) {
	return IndexIDs(ctx, m.dir, database)
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

// IndexIDs gives every collection of an embedded database an index that FerretDB's own lookups
// by _id can use, and returns how many it created. FerretDB 1.24 finds, updates and deletes a
// document by _id with the SQL expression _ferretdb_sjson->'$._id', but indexes _id under
// another spelling of it, which SQLite does not recognise as the same expression: without this
// index every lookup by _id reads the whole table. dir is the database directory given to
// StartMongo; collections created afterwards get theirs the next time this runs.
func IndexIDs(ctx context.Context, dir, database string) (int, error) {
	path := filepath.Join(dir, database+".sqlite")
	if _, err := os.Stat(path); err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT table_name FROM _ferretdb_collections`)
	if err != nil {
		return 0, fmt.Errorf("list the collections of %s: %w", database, err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return 0, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	created := 0
	for _, t := range tables {
		name := t + "_taito_id"
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`, name).Scan(&n); err != nil {
			return created, err
		}
		if n > 0 {
			continue
		}
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, name, t)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return created, fmt.Errorf("index %s: %w", t, err)
		}
		created++
	}
	return created, nil
}
