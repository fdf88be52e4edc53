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
	"strings"
	"text/tabwriter"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/config"
)

// firstAdmin gives a newcomer a way in: on an embedded database with no accounts it creates
// admin@localhost with a random password, prints it once and keeps it in a 0600 file.
func firstAdmin(ctx context.Context, a *app.App, cfg config.Config, stdout io.Writer, log *slog.Logger) error {
	pw, created, err := a.Auth.EnsureFirstAdmin(ctx)
	if err != nil || !created {
		return err
	}
	path := filepath.Join(cfg.DataDir, "initial-admin.txt")
	text := fmt.Sprintf("email: %s\npassword: %s\n", auth.FirstAdminEmail, pw)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(stdout, "\nCreated the first admin account (shown once; also in %s):\n  email:    %s\n  password: %s\n\n", path, auth.FirstAdminEmail, pw)
	log.Info("created the first admin account", "email", auth.FirstAdminEmail, "file", path)
	return nil
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func userCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: taito user add|list", errUsage)
	}
	sub, rest := args[0], args[1:]
	fs := newFlags("user "+sub, stderr)
	var email, name, orgUnit, locale, role string
	var roles multiFlag
	var passwordStdin bool
	switch sub {
	case "add":
		fs.StringVar(&email, "email", "", "e-mail address (required)")
		fs.StringVar(&name, "name", "", "full name (required)")
		fs.Var(&roles, "role", "learner, trainer or admin (repeatable, required)")
		fs.StringVar(&orgUnit, "org-unit", "", "organisation unit, e.g. \"Joensuu / aikuissosiaalityö\"")
		fs.StringVar(&locale, "locale", "fi", "fi, sv or en")
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input instead of inviting")
	case "list":
		fs.StringVar(&role, "role", "", "only users with this role")
	default:
		return fmt.Errorf("%w: unknown user command %q (add, list)", errUsage, sub)
	}
	if err := parseFlags(fs, rest); err != nil {
		return err
	}
	return withApp(ctx, getenv, stderr, false, func(a *app.App, _ *slog.Logger) error {

		switch sub {
		case "add":
			var password string
			if passwordStdin {
				line, err := bufio.NewReader(stdin).ReadString('\n')
				if err != nil && !errors.Is(err, io.EOF) {
					return fmt.Errorf("read password: %w", err)
				}
				password = strings.TrimRight(line, "\r\n")
				if password == "" {
					return fmt.Errorf("%w: --password-stdin given but standard input is empty", errUsage)
				}
			}
			u, inv, err := a.AddUser(ctx, auth.NewUser{Email: email, Name: name, Roles: rolesFromFlags(roles), OrgUnit: orgUnit, Locale: locale, Password: password})
			if err != nil {
				return describe(err)
			}
			fmt.Fprintf(stdout, "created %s <%s> (%s), id %s\n", u.Name, u.Email, strings.Join(roleNames(u.Roles), ", "), u.ID)
			if inv.URL != "" {
				fmt.Fprintf(stdout, "invitation link (valid until %s):\n%s\n", inv.ExpiresAt.Format("2006-01-02 15:04 MST"), inv.URL)
			}
			return nil
		default:
			tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLES\tORG UNIT\tSTATE")
			after := ""
			for {
				users, next, err := a.Users(ctx, auth.UserFilter{Role: auth.Role(role), After: after, Limit: 200})
				if err != nil {
					return describe(err)
				}
				for _, u := range users {
					state := "active"
					switch {
					case u.Disabled:
						state = "disabled"
					case u.Pending:
						state = "invited"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Name, strings.Join(roleNames(u.Roles), ","), u.OrgUnit, state)
				}
				if next == "" {
					break
				}
				after = next
			}
			return tw.Flush()
		}
	})
}

func rolesFromFlags(v []string) []auth.Role {
	out := make([]auth.Role, len(v))
	for i, r := range v {
		out[i] = auth.Role(r)
	}
	return out
}

func roleNames(rs []auth.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// describe turns a domain error into a message for a person at a terminal.
func describe(err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind == apperr.KindInternal {
		return err
	}
	msg := ae.Message
	for _, f := range ae.Fields {
		msg += fmt.Sprintf("\n  --%s: %s", strings.ReplaceAll(f.Field, "_", "-"), f.Message)
	}
	return errors.New(msg)
}

func keysCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: taito keys generate|rotate", errUsage)
	}
	switch args[0] {
	case "generate":
		_, err := stdout.Write(auth.GenerateKeyPEM())
		return err
	case "rotate":
		fs := newFlags("keys rotate", stderr)
		file := fs.String("file", "", "the key file (TAITO_JWT_KEY_FILE, or DATA_DIR/jwt-keys.pem)")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if *file == "" {
			return fmt.Errorf("%w: --file is required", errUsage)
		}
		if err := auth.RotateKeyFile(*file); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rotated %s: a new key signs from the next restart; the previous one still verifies\n", *file)
		return nil
	default:
		return fmt.Errorf("%w: unknown keys command %q (generate, rotate)", errUsage, args[0])
	}
}

// credentialKeysCmd manages the keys that sign certificates. Rotation never drops a key: a
// certificate issued years ago must still verify.
func credentialKeysCmd(args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: taito credential-keys generate|rotate", errUsage)
	}
	switch args[0] {
	case "generate":
		_, err := stdout.Write(app.GenerateCredentialKey())
		return err
	case "rotate":
		cfg, err := loadConfig(getenv)
		if err != nil {
			return err
		}
		path, err := app.RotateCredentialKeys(cfg)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rotated %s: a new key signs certificates from the next restart; every earlier key still verifies\n", path)
		return nil
	default:
		return fmt.Errorf("%w: unknown credential-keys command %q (generate, rotate)", errUsage, args[0])
	}
}
