package app

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/backup"
)

// BackupRecord is the record of a backup written whole (see backup.Record).
type BackupRecord = backup.Record

// How a backup was taken: by the running server or by the command itself.
const (
	BackupViaServer = backup.ViaServer
	BackupViaDirect = backup.ViaDirect
)

// NewBackupRecord is the record of the archive file (only its base name is kept; no path of
// the machine), of size bytes, with manifest m, taken via BackupViaServer or BackupViaDirect.
func NewBackupRecord(file string, size int64, m BackupManifest, via string) BackupRecord {
	docs := 0
	for _, c := range m.Collections {
		docs += c.Documents
	}
	return BackupRecord{File: file, Bytes: size, Collections: len(m.Collections), Documents: docs, Objects: len(m.Objects), Via: via}
}

// RecordBackup keeps the record r of a finished, checked archive, with its id and time set now.
func (a *App) RecordBackup(ctx context.Context, r BackupRecord) (BackupRecord, error) {
	name := filepath.Base(strings.ReplaceAll(r.File, "\\", "/"))
	if name == "." || name == "/" || len(name) > 255 {
		return BackupRecord{}, fmt.Errorf("record the backup: bad file name %q", r.File)
	}
	if r.Via != BackupViaServer && r.Via != BackupViaDirect {
		return BackupRecord{}, fmt.Errorf("record the backup: unknown way %q", r.Via)
	}
	if r.Bytes < 0 || r.Collections < 0 || r.Documents < 0 || r.Objects < 0 {
		return BackupRecord{}, fmt.Errorf("record the backup: negative counts")
	}
	r.ID, r.At, r.File = uuid.Must(uuid.NewV7()).String(), a.now().UTC(), name
	return r, a.backupStore().AddRecord(ctx, r)
}

// LastBackup returns the record of the latest backup; ok is false when none was taken (since
// the installation began, or since it was restored).
func (a *App) LastBackup(ctx context.Context) (r BackupRecord, ok bool, err error) {
	return a.backupStore().LastRecord(ctx)
}
