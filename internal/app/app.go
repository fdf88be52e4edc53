// Package app is Taito's application layer: the composition root that builds every capability
// service from constructor arguments, and the use cases that need more than one capability.
//
// Every front door — the JSON API (internal/httpapi), the web app and the command line — builds
// Taito through New or Open and calls it here. A use case that one capability answers whole is
// that capability's method, which takes the principal and makes its own access decision (the
// App's exported services); a use case that spans capabilities is a method of App, which makes
// the access decision once and then asks each capability for its part. Front doors parse, call
// and encode: they never decide who may see what.
//
// Capabilities never import each other beyond the edges that the import-shape test allows; where
// one needs another's answers it declares a small interface, and the adapters in this package
// connect them.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/certificate"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/credential"
	"github.com/taito-lms/taito/internal/feedback"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/links"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/notify"
	"github.com/taito-lms/taito/internal/outbox"
)

// Deps are what Taito is built from.
type Deps struct {
	DB      *mongo.Database
	Storage *media.Storage // nil: no media (command-line tasks that do not touch S3)
	Keys    *auth.KeySet   // signing keys of access tokens
	// CredentialKeys sign certificates' credentials (nil: a key made for this process only,
	// for tests).
	CredentialKeys *credential.KeySet
	// Org is the organisation that issues certificates: its name and logo (PNG or JPEG, may be
	// nil).
	OrgName string
	OrgLogo []byte
	// PublicURL is where people reach Taito; every link and statement IRI is built from it.
	PublicURL string
	Now       func() time.Time
	Log       *slog.Logger
	// SoleWriter says that no other process writes the database (the embedded default, whose
	// data directory is locked), so caches may keep answers longer.
	SoleWriter bool
	Limits     Limits
	// Caches bound how long the services keep answers that another replica may change (zero
	// fields: each cache's default).
	Caches CacheLifetimes
}

// CacheLifetimes bound how long cached answers live, and so how long another replica's change
// can go unseen here. A zero field keeps that cache's default; a longer value than the default
// is not used (the defaults are already the longest a shared database allows).
type CacheLifetimes struct {
	Accounts   time.Duration // roles, disabled flags and ended sessions (default 30 s; 10 min for a sole writer)
	Membership time.Duration // who is in which cohort, cohorts' schedules (default 30 s; 10 min for a sole writer)
	Courses    time.Duration // each course's current version (default 5 s)
	Progress   time.Duration // learners' projections (default 2 min; 30 min for a sole writer)
	Dashboard  time.Duration // a dashboard's learner data kept for its other pages (default cohort.SnapshotTTL)
}

// CacheLifetimesAtMost bounds every cache that another replica's change can make stale at d:
// the setting of TAITO_CACHE_LIFETIME. Zero keeps every default.
func CacheLifetimesAtMost(d time.Duration) CacheLifetimes {
	return CacheLifetimes{Accounts: d, Membership: d, Courses: d, Progress: d}
}

// Limits are the bounds the services work within.
type Limits struct {
	AccessTokenTTL  time.Duration
	Argon2          auth.Argon2Params
	HashConcurrency int // argon2id hashes at once
	HashQueue       int // sign-ins waiting for a hash before they are told to retry
	Media           media.Limits
	Sessions        auth.SessionLimits // browser sessions (zero: auth.DefaultSessionLimits)
}

// DefaultLimits are production's: argon2id takes 19 MiB per hash, so at most 4 run at once
// (76 MiB) and at most 64 sign-ins wait.
var DefaultLimits = Limits{AccessTokenTTL: 15 * time.Minute, Argon2: auth.DefaultArgon2, HashConcurrency: 4, HashQueue: 64, Media: media.DefaultLimits}

// App is Taito: its capability services and the use cases across them.
type App struct {
	Auth        *auth.Service
	Outbox      *outbox.Outbox
	Media       *media.Library // nil without S3
	Courses     *course.Service
	Learning    *learning.Service
	Quizzes     *activity.Quizzes
	Walls       *activity.Walls
	Assessments *activity.Assessments
	Safaris     *activity.Safaris
	Cohorts     *cohort.Service
	// Certificates issues and keeps certificates; the use cases in certificates.go front it.
	Certificates *certificate.Service
	// Feedback keeps the accessibility statement's feedback for admins to read.
	Feedback *feedback.Service
	// Audit is the audit log: sign-ins, role changes, views of a learner's work, downloads.
	Audit *audit.Log

	links links.Links
	now   func() time.Time
	log   *slog.Logger

	// The database and bucket (nil without S3) the services were built over: for backups.
	db      *mongo.Database
	storage *media.Storage

	// What the serving process says about itself, for the status page (SetRunInfo).
	run runInfo

	// Set by Open: the backends it opened, closed by Close.
	backends     *backends
	database     string
	closeTimeout time.Duration
}

// New builds every service over deps and ensures the database's indexes.
func New(ctx context.Context, d Deps) (*App, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Limits == (Limits{}) {
		d.Limits = DefaultLimits
	}
	a := &App{links: links.New(d.PublicURL), now: d.Now, log: d.Log, db: d.DB, storage: d.Storage}
	a.Audit = audit.New(d.DB, d.Now, d.Log)
	// Every e-mail ends with a link to the privacy notice.
	a.Outbox = outbox.NewFinishing(d.DB, d.Now, func(e outbox.Email) outbox.Email { return notify.WithPrivacyNotice(e, a.links.Base()+"/privacy") })
	tokens := auth.NewTokens(d.Keys, a.links.Base(), d.Limits.AccessTokenTTL, d.Now)
	hasher := auth.NewHasher(d.Limits.Argon2, d.Limits.HashConcurrency, d.Limits.HashQueue)
	a.Auth = auth.NewService(d.DB, tokens, hasher, a.Outbox, a.links, d.SoleWriter, d.Limits.Sessions, d.Now, d.Log, auth.MaxCacheLifetime(d.Caches.Accounts))
	a.Auth.UseAuditor(accountAudit{a})
	var assets course.Assets
	if d.Storage != nil {
		a.Media = media.NewLibrary(d.DB, d.Storage, d.Limits.Media, d.Now)
		assets = courseAssets{a.Media}
	}
	dir := cohort.NewDirectory(d.DB, d.SoleWriter, d.Now, cohort.MaxCacheLifetime(d.Caches.Membership), cohort.SnapshotLifetime(d.Caches.Dashboard))
	a.Courses = course.NewService(d.DB, assets, dir, d.Now, d.Log, course.MaxCacheLifetime(d.Caches.Courses))
	a.Learning = learning.NewService(d.DB, a.Courses, a.Outbox, schedules{dir}, a.links.Base(), d.SoleWriter, d.Now, d.Log,
		learning.MaxCacheLifetime(d.Caches.Progress))
	a.Quizzes = activity.NewQuizzes(d.DB, a.Courses, a.Learning, d.Now)
	a.Walls = activity.NewWalls(d.DB, a.Courses, a.Learning, dir, d.Now)
	a.Assessments = activity.NewAssessments(d.DB, a.Courses, a.Learning, dir, d.Now)
	a.Safaris = activity.NewSafaris(d.DB, a.Courses, a.Learning, d.Now)
	a.Cohorts = cohort.NewService(dir, a.Courses, a.Auth, progress{a.Learning}, a.Assessments, cohort.Mail{Outbox: a.Outbox, Links: a.links}, d.Now)
	if d.CredentialKeys == nil {
		d.CredentialKeys = credential.GenerateKeySet()
	}
	var objects certificate.Objects = noObjects{}
	if d.Storage != nil {
		objects = d.Storage
	}
	a.Certificates = certificate.NewService(d.DB, a.Courses, people{a.Auth}, objects, a.Outbox,
		certificate.Issuer{Name: d.OrgName, Logo: d.OrgLogo, Keys: d.CredentialKeys}, a.links, d.Now, d.Log)
	a.Cohorts.UseCertificates(a.Certificates)
	a.Feedback = feedback.NewService(d.DB, d.Now)
	for _, ensure := range []func(context.Context) error{a.Outbox.EnsureIndexes, a.Auth.EnsureIndexes, a.Courses.EnsureIndexes, a.Learning.EnsureIndexes,
		a.Quizzes.EnsureIndexes, a.Walls.EnsureIndexes, a.Assessments.EnsureIndexes, a.Safaris.EnsureIndexes, a.Cohorts.EnsureIndexes,
		a.Certificates.EnsureIndexes, a.Feedback.EnsureIndexes, a.Audit.EnsureIndexes} {
		if err := ensure(ctx); err != nil {
			return nil, fmt.Errorf("indexes: %w", err)
		}
	}
	return a, nil
}

// Links are the URLs that reach people.
func (a *App) Links() links.Links { return a.links }

// Cleanup deletes what has expired: used one-time tokens and refresh tokens, old outbox jobs.
// Safe to run on several replicas at once.
func (a *App) Cleanup(ctx context.Context) error {
	if _, err := a.Auth.Cleanup(ctx); err != nil {
		return fmt.Errorf("auth cleanup: %w", err)
	}
	return a.Outbox.Cleanup(ctx)
}
