package httpapi

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/metrics"
)

type ctxKey int

const requestIDKey ctxKey = iota

const localRequestID = "request_id"

// requestID takes a well-formed X-Request-Id from the client or makes one, echoes it, and puts it
// in the request's context for the logs.
func (s *Server) requestID(c *fiber.Ctx) error {
	id := c.Get(fiber.HeaderXRequestID)
	if !validRequestID(id) {
		id = uuid.NewString()
	}
	c.Locals(localRequestID, id)
	c.Set(fiber.HeaderXRequestID, id)
	c.SetUserContext(context.WithValue(c.UserContext(), requestIDKey, id))
	return c.Next()
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func requestIDOf(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// RequestID returns the request id carried by ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// accessLog writes one line per request with the status the client really got: an error from
// the chain is turned into its response here, before the line is written.
func (s *Server) accessLog(c *fiber.Ctx) error {
	start := s.now()
	if err := c.Next(); err != nil {
		if herr := s.handleError(c, err); herr != nil {
			return herr
		}
	}
	route, status, took := c.Route().Path, c.Response().StatusCode(), time.Since(start)
	metrics.ObserveRequest(route, c.Method(), status, took)
	s.log.Info("request",
		"method", c.Method(),
		"route", route,
		"status", status,
		"duration", took.Round(time.Microsecond),
		"request_id", requestIDOf(c),
	)
	return nil
}

// securityHeaders sets the headers every API response carries before the handler runs.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders sets the headers every API response carries, whatever its status. The
// error handler sets them too: Fiber calls it without the middleware for what fails before
// routing (a body over the limit, a malformed request).
func setSecurityHeaders(c *fiber.Ctx) {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set(fiber.HeaderCacheControl, "no-store")
	// The API serves data, never a page: nothing it sends may load, run or be framed.
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; frame-ancestors 'none'")
}

// deadline bounds every request's work: the domain sees the deadline through c.UserContext().
func (s *Server) deadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), s.opts.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}
