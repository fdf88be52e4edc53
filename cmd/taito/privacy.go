package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
)

// privacyCmd runs `taito privacy export|erase`: answering a person's request for her data or for
// its erasure, on the embedded default with the server stopped, as the other commands do.
func privacyCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: taito privacy export|erase", errUsage)
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "export":
		return privacyExport(ctx, rest, getenv, stdout, stderr)
	case "erase":
		return privacyErase(ctx, rest, getenv, stdin, stdout, stderr)
	default:
		return fmt.Errorf("%w: unknown privacy command %q (export, erase)", errUsage, sub)
	}
}

// privacyExport runs `taito privacy export --email E --out FILE.zip`: it writes every record of
// one person's data into a ZIP archive, the same archive the web app and the API prepare.
func privacyExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("privacy export", stderr)
	email := fs.String("email", "", "e-mail address of the person whose data is exported (required)")
	out := fs.String("out", "", "the ZIP file to write (required; not overwritten)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" || *out == "" {
		return fmt.Errorf("%w: --email and --out are required", errUsage)
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists already; choose another file", *out)
	}
	// With S3, so that the records of her uploads are in the archive too.
	return withApp(ctx, getenv, stderr, true, func(a *app.App, _ *slog.Logger) error {
		u, err := a.Auth.UserByEmail(ctx, strings.ToLower(strings.TrimSpace(*email)))
		if errors.Is(err, auth.ErrUserNotFound) {
			return fmt.Errorf("no account has the e-mail address %s", *email)
		}
		if err != nil {
			return err
		}
		if err := writeExportFile(ctx, a, u.ID, *out); err != nil {
			return err
		}
		a.Audit.Record(ctx, audit.Entry{Act: audit.ActExport, Subject: u.ID, Detail: "command line"})
		fmt.Fprintf(stdout, "wrote the data of %s to %s\n", u.Email, *out)
		return nil
	})
}

// writeExportFile writes the archive next to path and renames it into place, so that a failure
// leaves no half-written file under the name asked for.
func writeExportFile(ctx context.Context, a *app.App, userID, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".taito-export-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := a.ExportData(ctx, userID, tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// exportBudget is how long one round of preparing data exports may take: less than the claim an
// export is held by (5 minutes), more than every's half interval.
const exportBudget = 4 * time.Minute

// prepareExports is the background job of data exports for every: one archive may take longer
// than half its 15-second interval, so a round gets exportBudget, and ends when serve (bg) does.
func prepareExports(bg context.Context, a *app.App) func(context.Context) error {
	return func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), exportBudget)
		defer cancel()
		defer context.AfterFunc(bg, cancel)()
		_, err := a.PrepareExports(ctx)
		return err
	}
}
