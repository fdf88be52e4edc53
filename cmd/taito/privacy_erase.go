package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
)

// privacyErase runs `taito privacy erase --email E --confirm`: it erases one person and her data
// (GDPR Article 17) as the web app and the API do, keeping her statements under a pseudonym for
// cohort statistics. An erasure stopped part-way is resumed by running the command again.
func privacyErase(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	_ = stdin
	fs := newFlags("privacy erase", stderr)
	email := fs.String("email", "", "e-mail address of the person to erase (required)")
	confirm := fs.Bool("confirm", false, "confirm that the person and her data are erased; this cannot be undone")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if strings.TrimSpace(*email) == "" {
		return fmt.Errorf("%w: --email is required", errUsage)
	}
	if !*confirm {
		return fmt.Errorf("%w: erasing %s cannot be undone: her account and data are deleted and what stays for statistics no longer names her; add --confirm to erase her", errUsage, *email)
	}
	return withApp(ctx, getenv, stderr, true, func(a *app.App, _ *slog.Logger) error {
		e, err := a.EraseByEmail(ctx, *email)
		if errors.Is(err, auth.ErrUserNotFound) {
			return fmt.Errorf("no account has the e-mail address %s (erased already, or never there)", *email)
		}
		if errors.Is(err, app.ErrErasureUnderWay) {
			return fmt.Errorf("the erasure of %s is under way in another process; if that process stopped, run the command again in 10 minutes", *email)
		}
		if err != nil {
			return fmt.Errorf("the erasure stopped part-way; run the command again to finish it: %w", err)
		}
		fmt.Fprintf(stdout, "erased %s: the erasure's id is %s (%d steps done)\n", *email, e.ID, len(e.Steps))
		return nil
	})
}
