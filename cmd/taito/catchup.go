package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/taito-lms/taito/internal/app"
)

// catchUpInterval is how often a server looks for statements a stopped write logged but did not
// apply to the projections.
const catchUpInterval = time.Minute

// catchUp applies to the projections the statements that writes which did not finish left in
// the log (learning.Service.CatchUp, markers older than grace): once at start, logging what it
// did, then every interval until ctx ends.
func catchUp(ctx context.Context, a *app.App, grace, interval time.Duration, log *slog.Logger) {
	run := func(ctx context.Context) error {
		n, err := a.Learning.CatchUp(ctx, grace)
		if n > 0 {
			log.Info("progress caught up with the statement log", "statements", n)
		}
		return err
	}
	startCtx, cancel := context.WithTimeout(ctx, interval/2)
	n, err := a.Learning.CatchUp(startCtx, grace)
	cancel()
	if err != nil {
		log.Warn("housekeeping failed", "job", "progress catch-up", "err", err)
	}
	log.Info("progress catch-up at start", "statements", n, "grace", grace.String())
	every(ctx, interval, log, "progress catch-up", run)
}
