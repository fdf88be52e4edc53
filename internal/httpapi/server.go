// Package httpapi is Taito's HTTP JSON API on Fiber v2: routes, request parsing, response
// encoding, the one mapping from domain errors to statuses, and the OpenAPI document.
//
// Handlers parse, call a domain package and encode; they never decide business rules and never
// write error responses themselves (errors.go does). This package is not used by the CLI or the
// importer, which call the domain packages directly.
package httpapi

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/outbox"
)

// Check is one readiness probe of a dependency, such as a MongoDB ping.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// Options are what the API needs from the process that runs it.
type Options struct {
	Log            *slog.Logger
	BodyLimit      int
	RequestTimeout time.Duration
	TrustedProxies []string
	Ready          []Check
	Now            func() time.Time

	Auth       *auth.Service
	Outbox     *outbox.Outbox
	Courses    *course.Service
	Learning   *learning.Service
	Media      *media.Library
	Activities *activity.Service
	Cohorts    *cohort.Service
}

// Server is the HTTP API.
type Server struct {
	auth       *auth.Service
	outbox     *outbox.Outbox
	courses    *course.Service
	learning   *learning.Service
	media      *media.Library
	activities *activity.Service
	cohorts    *cohort.Service

	app   *fiber.App
	log   *slog.Logger
	opts  Options
	now   func() time.Time
	ready []Check
}

// New builds the Fiber app with every route registered.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BodyLimit == 0 {
		opts.BodyLimit = 1 << 20
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 15 * time.Second
	}
	s := &Server{auth: opts.Auth, outbox: opts.Outbox, courses: opts.Courses, learning: opts.Learning, media: opts.Media, activities: opts.Activities, cohorts: opts.Cohorts, log: opts.Log, opts: opts, now: opts.Now, ready: opts.Ready}
	s.app = fiber.New(fiber.Config{
		AppName:                 "taito",
		ErrorHandler:            s.handleError,
		BodyLimit:               opts.BodyLimit,
		ReadTimeout:             30 * time.Second,
		WriteTimeout:            60 * time.Second,
		IdleTimeout:             120 * time.Second,
		ReadBufferSize:          16 << 10,
		Immutable:               true,
		DisableStartupMessage:   true,
		StrictRouting:           false,
		CaseSensitive:           true,
		EnableTrustedProxyCheck: len(opts.TrustedProxies) > 0,
		TrustedProxies:          opts.TrustedProxies,
		ProxyHeader:             proxyHeader(opts.TrustedProxies),
	})
	s.routes()
	return s
}

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

// App returns the Fiber app, for listening and for tests (app.Test).
func (s *Server) App() *fiber.App { return s.app }

// Shutdown stops accepting connections and waits for in-flight requests, at most timeout.
func (s *Server) Shutdown(timeout time.Duration) error {
	return s.app.ShutdownWithTimeout(timeout)
}
