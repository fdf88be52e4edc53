package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/taito-lms/taito/internal/backup"
	"github.com/taito-lms/taito/internal/embedded"
	"github.com/taito-lms/taito/internal/learning"
)

// BackupManifest describes a backup archive (see internal/backup for its layout).
type BackupManifest = backup.Manifest

// ErrRestoreNotEmpty is a restore into a database or bucket that already holds data.
var ErrRestoreNotEmpty = backup.ErrNotEmpty

// InUse reports whether err is Open's refusal of a data directory another process (a running
// `taito serve`) holds.
func InUse(err error) bool { return errors.Is(err, embedded.ErrLocked) }

// Backup writes an archive of every collection of the database (documents and indexes) and
// every object of the bucket to w. version is the Taito version the manifest names.
//
// The archive is read while the process runs: on an external MongoDB, writes made during the
// copy may be in it or not, collection by collection. The statement log is complete up to a
// point, and Restore rebuilds the progress projections from it.
func (a *App) Backup(ctx context.Context, w io.Writer, version string) (BackupManifest, error) {
	return backup.Write(ctx, w, a.backupStore(), a.storage, backup.Info{TaitoVersion: version, PublicURL: a.links.Base(), Now: a.now})
}

// BackupPaused is Backup in the process that serves learners: the group commit of statements
// is paused while the collections are copied, so the archive has the statement log and the
// projections at one point. Media objects are copied afterwards (an object is stored before any
// document names it, so every object the collections name is there).
func (a *App) BackupPaused(ctx context.Context, w io.Writer, version string) (BackupManifest, error) {
	resume := a.Learning.PauseCommits()
	defer resume()
	return backup.Write(ctx, w, a.backupStore(), a.storage, backup.Info{TaitoVersion: version, PublicURL: a.links.Base(), Now: a.now, Collected: resume})
}

// CheckBackup reads a whole archive and returns its manifest; an incomplete one is an error.
func CheckBackup(r io.Reader) (BackupManifest, error) { return backup.Check(r) }

// Restore fills the empty database and bucket from the archive r, recreating every collection's
// indexes, and then rebuilds every progress projection from the restored statement log. A
// database with any document, or a bucket with any object, is refused with ErrRestoreNotEmpty
// before anything is written.
func (a *App) Restore(ctx context.Context, r io.Reader) (BackupManifest, error) {
	m, err := backup.Read(ctx, r, a.backupStore(), a.storage)
	if err != nil {
		return m, err
	}
	if err := a.IndexIDs(ctx); err != nil {
		a.log.Warn("embedded FerretDB: lookups by _id will read whole tables", "err", err)
	}
	if _, err := a.Learning.RebuildAll(ctx, ""); err != nil {
		return m, fmt.Errorf("restored, but rebuilding progress failed (run `taito progress rebuild`): %w", err)
	}
	return m, nil
}

// backupStore is the database as backups see it: without the short-lived bookkeeping of
// progress (markers and leases) and of erasures (their locks), which a restore does not need.
func (a *App) backupStore() *backup.Store {
	return backup.NewStore(a.db, learning.MarkersCollection, learning.LeasesCollection, erasureLocksColl)
}
