package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
)

// problem is an RFC 9457 problem details body.
type problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
}

var kindStatus = map[apperr.Kind]int{
	apperr.KindInternal:        http.StatusInternalServerError,
	apperr.KindInvalid:         http.StatusBadRequest,
	apperr.KindValidation:      http.StatusUnprocessableEntity,
	apperr.KindUnauthenticated: http.StatusUnauthorized,
	apperr.KindForbidden:       http.StatusForbidden,
	apperr.KindNotFound:        http.StatusNotFound,
	apperr.KindConflict:        http.StatusConflict,
	apperr.KindPrecondition:    http.StatusPreconditionFailed,
	apperr.KindTooLarge:        http.StatusRequestEntityTooLarge,
	apperr.KindRateLimited:     http.StatusTooManyRequests,
	apperr.KindUnavailable:     http.StatusServiceUnavailable,
	apperr.KindTimeout:         http.StatusServiceUnavailable,
}

// defaultRetryAfter is what a client is told to wait when a dependency is down.
const defaultRetryAfter = 5 * time.Second

// handleError is the one place where an error becomes a response. Internal errors are logged
// here, once, and the client sees only "internal error".
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := problem{RequestID: requestIDOf(c)}
	var retryAfter time.Duration

	var fe *fiber.Error
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae):
		p.Status = kindStatus[ae.Kind]
		p.Type = "urn:taito:problem:" + ae.Kind.String()
		p.Detail = ae.Message
		p.Errors = ae.Fields
		retryAfter = ae.RetryAfter
		if (ae.Kind == apperr.KindUnavailable || ae.Kind == apperr.KindTimeout) && retryAfter == 0 {
			retryAfter = defaultRetryAfter
		}
		if ae.Kind == apperr.KindInternal {
			p.Detail = ""
		}
	case errors.As(err, &fe):
		// Fiber's own errors (404, 405, 413, malformed requests). Their messages may carry parser
		// internals, so only the status text is shown.
		p.Status = fe.Code
		p.Type = "about:blank"
	case errors.Is(err, context.DeadlineExceeded):
		// The request's deadline passed in code that did not say what it was waiting for: a
		// slow request, not an outage (stores report those as KindUnavailable).
		p.Status = http.StatusServiceUnavailable
		p.Type = "urn:taito:problem:timeout"
		p.Detail = "the request took too long; try again"
		retryAfter = defaultRetryAfter
	default:
		p.Status = http.StatusInternalServerError
		p.Type = "urn:taito:problem:internal"
	}
	if p.Status == 0 {
		p.Status = http.StatusInternalServerError
	}
	p.Title = http.StatusText(p.Status)
	if p.Status >= 500 {
		level := s.log.Error
		if p.Status == http.StatusServiceUnavailable {
			level = s.log.Warn
		}
		level("request failed", "request_id", p.RequestID, "method", c.Method(), "path", c.Path(), "status", p.Status, "err", err)
	}
	if p.Status == http.StatusInternalServerError {
		p.Detail = "internal error"
	}
	if retryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	if p.Status == http.StatusUnauthorized {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="taito"`)
	}
	setSecurityHeaders(c)
	c.Status(p.Status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.JSON(p, "application/problem+json")
}
