package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/config"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/outbox"
)

// services are the domain capabilities, built over the backends.
type services struct {
	auth       *auth.Service
	outbox     *outbox.Outbox
	courses    *course.Service
	learning   *learning.Service
	activities *activity.Service
	cohorts    *cohort.Service
	media      *media.Library // nil without S3
}

// Password hashing bounds: argon2id takes 19 MiB per hash, so at most 4 run at once (76 MiB)
// and at most 64 sign-ins wait; more are told to retry.
const (
	hashConcurrency = 4
	hashQueue       = 64
)

// open connects the backends and builds the services over them; close the backends when done.
func open(ctx context.Context, cfg config.Config, log *slog.Logger, withS3 bool) (*backends, *services, error) {
	b, err := openBackends(ctx, cfg, log, withS3)
	if err != nil {
		return nil, nil, err
	}
	svc, err := newServices(ctx, cfg, b, log)
	if err != nil {
		b.Close(cfg.ShutdownTimeout)
		return nil, nil, err
	}
	if err := b.indexIDs(ctx, cfg.Mongo.Database); err != nil {
		log.Warn("embedded FerretDB: lookups by _id will read whole tables", "err", err)
	}
	return b, svc, nil
}

// indexIDs gives the embedded database's collections the index FerretDB's lookups by _id use
// (see embedded.IndexIDs); collections the services created since the last run get theirs.
func (b *backends) indexIDs(ctx context.Context, database string) error {
	if b.embMongo == nil {
		return nil
	}
	n, err := b.embMongo.IndexIDs(ctx, database)
	if n > 0 {
		b.log.Info("embedded FerretDB: indexed _id lookups", "collections", n)
	}
	return err
}

// withServices runs a command-line task with the services: configuration from the environment,
// warnings to stderr, backends closed afterwards.
func withServices(ctx context.Context, getenv func(string) string, stderr io.Writer, withS3 bool, fn func(*services, *slog.Logger) error) error {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, svc, err := open(ctx, cfg, log, withS3)
	if err != nil {
		return err
	}
	defer b.Close(cfg.ShutdownTimeout)
	return fn(svc, log)
}

func newServices(ctx context.Context, cfg config.Config, b *backends, log *slog.Logger) (*services, error) {
	var keys *auth.KeySet
	var err error
	if cfg.JWTKeyFile != "" {
		keys, err = auth.LoadKeyFile(cfg.JWTKeyFile)
	} else {
		keys, err = auth.LoadOrCreateKeyFile(filepath.Join(cfg.DataDir, "jwt-keys.pem"))
	}
	if err != nil {
		return nil, err
	}
	now := time.Now
	ob := outbox.New(b.db, now)
	tokens := auth.NewTokens(keys, cfg.PublicURL, cfg.AccessTokenTTL, now)
	hasher := auth.NewHasher(auth.DefaultArgon2, hashConcurrency, hashQueue)
	svc := &services{
		outbox: ob,
		auth:   auth.NewService(b.db, tokens, hasher, ob, cfg.PublicURL, now, log),
	}
	if b.storage != nil {
		svc.media = media.NewLibrary(b.db, b.storage, now)
		lim := media.DefaultLimits
		lim.MaxVideo, lim.MaxOther = cfg.MediaMaxVideo, cfg.MediaMaxFile
		svc.media.SetLimits(lim)
	}
	svc.courses = course.NewService(b.db, svc.media, now, log)
	svc.learning = learning.NewService(b.db, svc.courses, ob, cfg.PublicURL, now, log)
	svc.activities = activity.NewService(b.db, svc.courses, svc.learning, now)
	svc.cohorts = cohort.NewService(b.db, svc.courses, svc.auth, now)
	// Cohorts answer the others' membership questions.
	svc.courses.SetMembership(svc.cohorts.IsEnrolled)
	svc.learning.SetSchedule(svc.cohorts.Schedule)
	// On the embedded default the data directory's lock keeps other processes out, so this
	// process sees every change and its caches may keep answers longer.
	sole := b.embMongo != nil
	svc.auth.SetSoleWriter(sole)
	svc.learning.SetSoleWriter(sole)
	svc.cohorts.SetSoleWriter(sole)
	svc.activities.SetMembers(svc.cohorts)
	svc.cohorts.SetReports(cohort.Reports{Learning: svc.learning, SkillChanges: svc.activities.SkillChanges})
	svc.cohorts.SetMail(cohort.Mail{Outbox: ob, PublicURL: cfg.PublicURL})
	for _, ensure := range []func(context.Context) error{ob.EnsureIndexes, svc.auth.EnsureIndexes, svc.courses.EnsureIndexes, svc.learning.EnsureIndexes,
		svc.activities.EnsureIndexes, svc.cohorts.EnsureIndexes} {
		if err := ensure(ctx); err != nil {
			return nil, err
		}
	}
	return svc, nil
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

func (s *services) cleanup(ctx context.Context) error {
	if _, err := s.auth.Cleanup(ctx); err != nil {
		return fmt.Errorf("auth cleanup: %w", err)
	}
	return s.outbox.Cleanup(ctx)
}
