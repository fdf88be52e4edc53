package main

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/taito-lms/taito/internal/app"
)

// withApp runs a command-line task over Taito: configuration from the environment, warnings to
// stderr, backends closed afterwards.
func withApp(ctx context.Context, getenv func(string) string, stderr io.Writer, withS3 bool, fn func(*app.App, *slog.Logger) error) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(ctx, cfg, log, withS3)
	if err != nil {
		return err
	}
	defer a.Close()
	return fn(a, log)
}

// every runs fn every interval until ctx ends, logging failures; for housekeeping that is safe
// to run on several replicas at once.
func every(ctx context.Context, interval time.Duration, log *slog.Logger, name string, fn func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			runCtx, cancel := context.WithTimeout(ctx, interval/2)
			if err := fn(runCtx); err != nil {
				log.Warn("housekeeping failed", "job", name, "err", err)
			}
			cancel()
		}
	}
}
