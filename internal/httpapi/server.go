// Package httpapi is Taito's HTTP JSON API on Fiber v2: routes, request parsing, response
// encoding, the one mapping from domain errors to statuses, and the OpenAPI document.
//
// Handlers parse, call the application layer (internal/app) and encode; they never decide who
// may see what, never see the database, and never write error responses themselves (errors.go
// does).
package httpapi

import (
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/media"
)

// Options are what the API needs from the process that runs it.
type Options struct {
	Log            *slog.Logger
	BodyLimit      int
	RequestTimeout time.Duration
	TrustedProxies []string
	Ready          []app.Check // readiness probes (app.Checks of an opened App)
	Now            func() time.Time
}

// Server is the HTTP API.
type Server struct {
	app         *app.App
	auth        *auth.Service
	courses     *course.Service
	learning    *learning.Service
	media       *media.Library
	quizzes     *activity.Quizzes
	walls       *activity.Walls
	assessments *activity.Assessments
	safaris     *activity.Safaris
	cohorts     *cohort.Service

	fiber *fiber.App
	log   *slog.Logger
	opts  Options
	now   func() time.Time
	ready []app.Check
}

// New builds the Fiber app over Taito with every route registered.
func New(a *app.App, opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BodyLimit == 0 {
		opts.BodyLimit = 1 << 20
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 15 * time.Second
	}
	s := &Server{app: a, auth: a.Auth, courses: a.Courses, learning: a.Learning, media: a.Media, quizzes: a.Quizzes, walls: a.Walls, assessments: a.Assessments,
		safaris: a.Safaris, cohorts: a.Cohorts, log: opts.Log, opts: opts, now: opts.Now, ready: opts.Ready}
	s.fiber = fiber.New(fiber.Config{
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

		// Bodies over the limit reach the handlers as streams, so that media uploads in proxy
		// mode (uploadContent) can be larger; bodyLimit keeps the limit on every other route.
		// Media streams push the write and read deadlines forward as bytes move (idleStream).
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
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
func (s *Server) App() *fiber.App { return s.fiber }

// Shutdown stops accepting connections and waits for in-flight requests, at most timeout.
func (s *Server) Shutdown(timeout time.Duration) error {
	return s.fiber.ShutdownWithTimeout(timeout)
}
