package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/taito-lms/taito/internal/app"
)

// backupCmd writes a backup archive (tar.gz) of the database and the media bucket to FILE.
func backupCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: taito backup FILE", errUsage)
	}
	file := fs.Arg(0)
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("%s exists already: choose a new file name", file)
	}
	// Written next to FILE and renamed at the end, so FILE is always a whole archive. record
	// keeps the record of the finished archive (its size in bytes).
	write := func(fill func(w io.Writer) (app.BackupManifest, error), record func(app.BackupManifest, int64)) error {
		tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*.part")
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		m, err := fill(tmp)
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		size, err := os.Stat(tmp.Name())
		if err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), file); err != nil {
			return err
		}
		record(m, size.Size())
		docs := 0
		for _, c := range m.Collections {
			docs += c.Documents
		}
		var bytes int64
		for _, o := range m.Objects {
			bytes += o.Size
		}
		fmt.Fprintf(stdout, "wrote %s: %d collections (%d documents), %d media objects (%d bytes)\n", file, len(m.Collections), docs, len(m.Objects), bytes)
		return nil
	}
	err := withApp(ctx, getenv, stderr, true, func(a *app.App, _ *slog.Logger) error {
		return write(func(w io.Writer) (app.BackupManifest, error) { return a.Backup(ctx, w, version) },
			func(m app.BackupManifest, size int64) {
				if _, err := a.RecordBackup(ctx, app.NewBackupRecord(file, size, m, app.BackupViaDirect)); err != nil {
					fmt.Fprintf(stderr, "warning: the backup is whole, but its record for the status page was not kept: %v\n", err)
				}
			})
	})
	if err == nil || !app.InUse(err) {
		return err
	}
	// The embedded server holds the data directory: it writes the archive itself.
	cfg, cerr := loadConfig(getenv)
	if cerr != nil {
		return cerr
	}
	err = write(func(w io.Writer) (app.BackupManifest, error) {
		tmp := w.(*os.File)
		if err := backupFromServer(ctx, cfg.DataDir, tmp); err != nil {
			return app.BackupManifest{}, err
		}
		if _, err := tmp.Seek(0, io.SeekStart); err != nil {
			return app.BackupManifest{}, err
		}
		m, err := app.CheckBackup(bufio.NewReader(tmp))
		if err != nil {
			return m, fmt.Errorf("the running server's archive is incomplete (see its log): %w", err)
		}
		return m, nil
	}, func(m app.BackupManifest, size int64) {
		if err := recordOnServer(ctx, cfg.DataDir, app.NewBackupRecord(filepath.Base(file), size, m, app.BackupViaServer)); err != nil {
			fmt.Fprintf(stderr, "warning: the backup is whole, but the server did not keep its record for the status page: %v\n", err)
		}
	})
	if err != nil && isSocketMissing(err) {
		return fmt.Errorf("the server is running on this data directory but does not answer on %s (an older taito?): stop it and run `taito backup` again\n(%v)", filepath.Join(cfg.DataDir, socketName), err)
	}
	return err
}

// restoreCmd fills an empty database and bucket from a backup archive and rebuilds progress.
func restoreCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("restore", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: taito restore FILE", errUsage)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	err = withApp(ctx, getenv, stderr, true, func(a *app.App, _ *slog.Logger) error {
		m, err := a.Restore(ctx, f)
		if errors.Is(err, app.ErrRestoreNotEmpty) {
			return fmt.Errorf("%w\nrestore fills only an empty data directory (TAITO_DATA_DIR), or an empty database and bucket; nothing was changed", err)
		}
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		fmt.Fprintf(stdout, "restored %d collections and %d media objects from the backup of %s (Taito %s, %s); progress rebuilt from the statement log\n",
			len(m.Collections), len(m.Objects), m.CreatedAt.Format("2006-01-02 15:04 MST"), m.TaitoVersion, m.PublicURL)
		return nil
	})
	return runningServer(err, "restore")
}

// runningServer explains the data directory lock to restore: the embedded database belongs to
// the running server.
func runningServer(err error, cmd string) error {
	if err == nil || !app.InUse(err) {
		return err
	}
	return fmt.Errorf("the server is running on this data directory: stop it (`taito %s` fills the embedded database only while no taito process holds it), or point TAITO_DATA_DIR elsewhere\n(%w)", cmd, err)
}
