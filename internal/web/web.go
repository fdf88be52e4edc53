// Package web is Taito's web app: pages for learners (and, later, trainers) rendered on the
// server with html/template, served by the same Fiber app as the JSON API.
//
// Every page calls the application layer (internal/app) as the API does, never the API over
// HTTP, and decides nothing about who may see what: a refusal from the application layer is a
// refusal here. Every task is a link or a form post that works without scripts; the small
// script in static/ only enhances (heartbeats, saving as you go, reactions without a reload).
//
// The parts: sessions, CSRF and the page-time credit (session.go), rendering, languages and
// errors (render.go, catalogue.go), and one file of handlers per area of the app.
package web

import (
	"embed"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/links"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options are what the web app needs from the process that runs it.
type Options struct {
	Log *slog.Logger
	Now func() time.Time
	// PublicURL is where people reach Taito: it decides the session cookie's Secure flag and
	// name, and the origin that form posts must come from.
	PublicURL string
	// MediaOrigin is the S3 origin browsers fetch media from when media are delivered by
	// redirect ("https://s3.example.fi"); empty when media pass through Taito.
	MediaOrigin string
	// Media sends a media item to a reader as the API's media route does (httpapi's ServeMedia):
	// the pages' images, video and captions go through it with the session's principal. Without
	// it /media/ answers 404.
	Media func(c *fiber.Ctx, actor auth.Principal, id string) error
	// OrgName is the organisation that runs Taito, the controller in the privacy notice, and
	// PrivacyContact where people reach it about their data; empty: said in general words.
	OrgName        string
	PrivacyContact string
	// DPOContact is how to reach the organisation's data protection officer, and Retention how
	// long records are kept, both shown in the privacy notice (privacy_export.go); empty: said
	// in general words.
	DPOContact string
	Retention  RetentionPeriods
}

// Web is the web app.
type Web struct {
	app    *app.App
	log    *slog.Logger
	now    func() time.Time
	origin string // scheme://host[:port] of the public URL
	cookie cookieKind
	csp    string
	pages  *pageSet
	media  func(c *fiber.Ctx, actor auth.Principal, id string) error
	opts   Options // as given to Mount
}

// Mount registers the web app's pages on f, after the API's routes: a request that no API route
// answers reaches the pages. Requests under /api/ that no API route answers stay the API's
// (a JSON 404).
func Mount(f *fiber.App, a *app.App, opts Options) *Web {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	w := &Web{app: a, log: opts.Log, now: opts.Now, origin: originOf(opts.PublicURL), cookie: cookieFor(opts.PublicURL), pages: mustParsePages(), media: opts.Media, opts: opts}
	w.csp = contentSecurityPolicy(opts.MediaOrigin)
	if !w.cookie.secure {
		w.log.Warn("the web app's public URL is plain http on an address that is not loopback: session cookies go without Secure; use https in production",
			"public_url", opts.PublicURL)
	}
	static, _ := fs.Sub(staticFS, "static")
	f.Get("/static/*", w.headers, w.staticFile(static))
	r := f.Group("", w.skipAPI, w.headers, w.recoverPage, w.session, w.creditPageTime)
	w.routes(r)
	r.Use(w.notFound)
	return w
}

// routes registers every page. Pages that need a signed-in user have w.signedIn.
func (w *Web) routes(r fiber.Router) {
	w.accountRoutes(r)
	w.learnRoutes(r)
	w.quizRoutes(r)
	w.activityRoutes(r)
	w.groupRoutes(r)
	w.dashboardRoutes(r)
	w.authoringRoutes(r)
	w.adminRoutes(r)
	w.auditRoutes(r)
	w.statusRoutes(r)
	w.certificateRoutes(r)
	w.privacyExportRoutes(r)
	w.privacyEraseRoutes(r)
}

// skipAPI leaves what is under /api/ (and the service's own endpoints) to the API: an unknown
// API path is answered by the API's error handler, not by a page.
func (w *Web) skipAPI(c *fiber.Ctx) error {
	if links.IsServicePath(c.Path()) {
		return fiber.ErrNotFound
	}
	return c.Next()
}

// contentSecurityPolicy is the pages' policy: everything from Taito itself, nothing inline, no
// framing; the S3 origin for images and media only when media are delivered from it.
func contentSecurityPolicy(mediaOrigin string) string {
	media := "'self'"
	if mediaOrigin != "" {
		media += " " + mediaOrigin
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src " + media + "; media-src " + media +
		"; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// headers sets the headers of every page: the pages' policy replaces the API's.
func (w *Web) headers(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentSecurityPolicy, w.csp)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set("Referrer-Policy", "same-origin")
	c.Set(fiber.HeaderCacheControl, "no-store") // shared office computers: no page stays in the cache
	return c.Next()
}

// staticFile serves the embedded stylesheet, script and icons.
func (w *Web) staticFile(static fs.FS) fiber.Handler {
	return func(c *fiber.Ctx) error {
		name := c.Params("*")
		b, err := fs.ReadFile(static, name)
		if err != nil || name == "" || strings.Contains(name, "..") {
			return fiber.ErrNotFound
		}
		switch {
		case strings.HasSuffix(name, ".css"):
			c.Type("css", "utf-8")
		case strings.HasSuffix(name, ".js"):
			c.Type("js", "utf-8")
		case strings.HasSuffix(name, ".svg"):
			c.Set(fiber.HeaderContentType, "image/svg+xml")
		default:
			c.Set(fiber.HeaderContentType, "application/octet-stream")
		}
		c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
		return c.Send(b)
	}
}

func originOf(publicURL string) string {
	u, err := url.Parse(publicURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// cookieKind is how the session cookie is set: Secure on https and on loopback (where browsers
// accept Secure over http), with the __Host- prefix wherever Secure is set.
type cookieKind struct {
	secure bool
	name   string
}

func cookieFor(publicURL string) cookieKind {
	u, err := url.Parse(publicURL)
	if err != nil {
		return cookieKind{name: "taito_session"}
	}
	secure := u.Scheme == "https" || isLoopback(u.Hostname())
	if secure {
		return cookieKind{secure: true, name: "__Host-taito_session"}
	}
	return cookieKind{name: "taito_session"}
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
