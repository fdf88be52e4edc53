package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/config"
	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/web"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// errUsage marks a command-line mistake; main exits 2 for it.
var errUsage = errors.New("usage")

func exitCode(err error) int {
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

const usage = `Taito — e-learning for digital support in social and employment services.

Usage:
  taito serve                  run the HTTP API (embedded MongoDB and S3 unless configured otherwise)
  taito user add --email E --name N --role R [--role R2] [--org-unit U] [--locale fi|sv|en] [--password-stdin]
                               create an account; without --password-stdin, print an invitation link
  taito user list [--role R]   list accounts
  taito import [--publish] [--dry-run] DIR...
                               check and store courses (a course directory, or a directory of them)
  taito progress rebuild [--course SLUG]
                               recompute progress projections from the statement log
  taito backup FILE            write an archive (tar.gz) of the database and the media bucket
  taito restore FILE           fill an empty database and bucket from an archive; rebuild progress
  taito retention [--dry-run]  apply the retention periods (TAITO_RETENTION_*); --dry-run lists what would go
  taito media gc [--dry-run]   delete abandoned uploads older than a day; list media no course uses
  taito keys generate          print a new Ed25519 signing key (PEM) for TAITO_JWT_KEY_FILE
  taito keys rotate --file F   put a new signing key first in F, keeping the current one to verify
  taito credential-keys generate
                               print a new certificate signing key file (PEM) for TAITO_CREDENTIAL_KEY_FILE
  taito credential-keys rotate put a new certificate signing key first in the key file, keeping every older one
  taito privacy export --email E --out FILE.zip
                               write every record of one person's data into a ZIP archive
  taito privacy erase --email E --confirm
                               erase one person and her data (statements kept under a pseudonym)
  taito version                print the version
  taito help                   print this help

Configuration comes from TAITO_* environment variables; see README.md.
`

// run is the whole program: main only adds signals and the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: no command given", errUsage)
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "user":
		return userCmd(ctx, rest, getenv, stdin, stdout, stderr)
	case "import":
		return importCmd(ctx, rest, getenv, stdout, stderr)
	case "progress":
		return progressCmd(ctx, rest, getenv, stdout, stderr)
	case "backup":
		return backupCmd(ctx, rest, getenv, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, rest, getenv, stdout, stderr)
	case "retention":
		return retentionCmd(ctx, rest, getenv, stdout, stderr)
	case "media":
		return mediaCmd(ctx, rest, getenv, stdout, stderr)
	case "keys":
		return keysCmd(rest, stdout, stderr)
	case "privacy":
		return privacyCmd(ctx, rest, getenv, stdin, stdout, stderr)
	case "credential-keys":
		return credentialKeysCmd(rest, getenv, stdout)
	case "version", "--version":
		fmt.Fprintln(stdout, "taito", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
}

// newFlags returns a flag set that reports mistakes as usage errors instead of exiting.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("taito "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return fmt.Errorf("%w: help requested", errUsage)
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

func loadConfig(getenv func(string) string) (config.Config, error) {
	cfg, err := config.Load(getenv)
	if err != nil {
		return cfg, fmt.Errorf("invalid configuration:\n%w", indent(err))
	}
	return cfg, nil
}

func indent(err error) error {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = "  - " + l
	}
	return errors.New(strings.Join(lines, "\n"))
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// serve runs the HTTP API until ctx ends, then shuts down in order.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)

	a, err := app.Open(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer a.Close()
	a.SetRunInfo(version, time.Now())
	if a.Embedded() {
		if err := firstAdmin(ctx, a, cfg, stdout, log); err != nil {
			return err
		}
		if err := firstCourses(ctx, a, cfg, log); err != nil {
			return err
		}
	}
	bg, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	if a.Embedded() {
		// `taito backup` asks this process for the archive through the data directory's socket.
		if stopSocket, err := serveBackupSocket(bg, a, cfg.DataDir, log); err != nil {
			log.Warn("`taito backup` cannot reach this server; stop it to back up", "err", err)
		} else {
			defer func() { stopBackground(); stopSocket() }()
		}
	}
	go every(bg, time.Hour, log, "cleanup", a.Cleanup)
	go retentionDaily(bg, a, cfg.Retention, log)
	// Collections created since start (FerretDB creates one on its first write) get their index
	// within ten minutes.
	go every(bg, 10*time.Minute, log, "_id indexes", a.IndexIDs)
	go every(bg, time.Hour, log, "automatic reminders", func(ctx context.Context) error { _, err := a.Cohorts.AutoReminders(ctx); return err })
	// Certificates need no SMTP: their e-mails wait in the outbox like every other.
	go every(bg, 15*time.Second, log, "certificates", func(ctx context.Context) error { _, err := a.IssueCertificates(ctx); return err })
	// A person's data exports are prepared in the background and e-mailed when ready.
	go every(bg, 15*time.Second, log, "data exports", prepareExports(bg, a))
	// Their archives go soon after their 24 hours, not only at the daily retention run.
	go every(bg, time.Hour, log, "expired data exports", func(ctx context.Context) error { _, err := a.ExpireExports(ctx, time.Now()); return err })
	if cfg.SMTPURL != "" {
		smtpSender, err := outbox.ParseSMTP(cfg.SMTPURL.Reveal(), cfg.SMTPFrom)
		if err != nil {
			return fmt.Errorf("TAITO_SMTP_URL: %w", err)
		}
		go outbox.NewWorker(a.Outbox, smtpSender, log).Run(bg, cfg.OutboxInterval)
		log.Info("e-mail: sending through SMTP", "from", cfg.SMTPFrom)
	} else {
		log.Info("e-mail: no TAITO_SMTP_URL; messages wait in the outbox (GET /api/v1/outbox)")
	}
	go every(bg, cfg.MediaGCInterval, log, "media gc", func(ctx context.Context) error { return mediaGC(ctx, a, false, log, nil) })
	// Statements a stopped process logged but did not apply reach their projections.
	go catchUp(bg, a, cfg.CatchUpGrace, catchUpInterval, log)

	api := httpapi.New(a, httpapi.Options{
		Log:            log,
		BodyLimit:      cfg.BodyLimit,
		RequestTimeout: cfg.RequestTimeout,
		TrustedProxies: cfg.TrustedProxies,
		Ready:          a.Checks(),
	})
	web.Mount(api.App(), a, web.Options{Log: log, PublicURL: cfg.PublicURL, MediaOrigin: mediaOrigin(cfg),
		OrgName: cfg.OrgName, PrivacyContact: cfg.PrivacyContact, DPOContact: cfg.DPOContact, Retention: web.RetentionPeriods(cfg.Retention), Media: api.ServeMedia})

	ms, err := serveMetrics(cfg.MetricsAddr, a.Outbox, log)
	if err != nil {
		return err
	}
	defer ms.close()

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	served := make(chan error, 1)
	go func() { served <- api.App().Listener(ln) }()
	log.Info("listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL, "version", version)

	select {
	case err := <-served:
		return fmt.Errorf("HTTP server stopped: %w", err)
	case <-ctx.Done():
	}
	var mem runtime.MemStats
	runtime.ReadMemStats(&mem)
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout, "go_heap_mb", mem.HeapInuse>>20, "go_sys_mb", mem.Sys>>20)
	start := time.Now()
	if err := api.Shutdown(cfg.ShutdownTimeout); err != nil {
		log.Warn("in-flight requests did not finish in time", "err", err)
	}
	<-served
	ms.shutdown(cfg.ShutdownTimeout)
	// Password-reset requests answered already still look up the account and queue the e-mail
	// (each bounded by its own 30-second deadline); let them finish before the database closes.
	a.Auth.Wait()
	// The group commit's markers of finished batches go, so the next start catches up nothing.
	releaseCtx, release := context.WithTimeout(context.Background(), 5*time.Second)
	a.Learning.ReleaseMarkers(releaseCtx)
	release()
	log.Info("HTTP server stopped", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// mediaOrigin is the S3 origin pages load media from when media are delivered by redirect, ""
// when they pass through Taito.
func mediaOrigin(cfg config.Config) string {
	if cfg.MediaDelivery != config.MediaRedirect || cfg.S3.Endpoint == "" {
		return ""
	}
	if cfg.S3.UseTLS {
		return "https://" + cfg.S3.Endpoint
	}
	return "http://" + cfg.S3.Endpoint
}
