package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/i18n"
	"github.com/taito-lms/taito/internal/learning"
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

// messageLocale is the language a request's messages are said in: the account's locale, then
// Accept-Language, then Finnish. Requests without a principal (sign-in, reset) go by the header.
// A page asked for in a language (?locale=sv) is answered in it, messages too.
func messageLocale(c *fiber.Ctx) string {
	if l := c.Query("locale"); slices.Contains(i18n.Locales, l) {
		return l
	}
	return i18n.Choose(principal(c).Locale, c.Get(fiber.HeaderAcceptLanguage))
}

// detailIn is ae's message in locale; a locked lesson's adds the lock's own reason in locale.
func detailIn(ae *apperr.Error, err error, locale string) string {
	d := i18n.Text(locale, ae.MessageKey(), ae.Params)
	var le *learning.LockedError
	if errors.As(err, &le) && le.Lock != nil {
		if why := le.Lock.Message[locale]; why != "" {
			d += ": " + why
		} else if why := le.Lock.Message[i18n.Default]; why != "" {
			d += ": " + why
		}
	}
	return d
}

// fieldsIn are the field problems with their messages in locale.
func fieldsIn(fields []apperr.FieldError, locale string) []apperr.FieldError {
	out := make([]apperr.FieldError, len(fields))
	for i, f := range fields {
		out[i] = apperr.FieldError{Field: f.Field, Message: i18n.Text(locale, f.MessageKey(), f.Params)}
	}
	return out
}

// handleError is the one place where an error becomes a response, its detail and field
// messages in the reader's language (messageLocale). Internal errors are logged here, once,
// and the client sees only "internal error".
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	p := problem{RequestID: requestIDOf(c)}
	loc := messageLocale(c)
	var retryAfter time.Duration

	var fe *fiber.Error
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae):
		p.Status = kindStatus[ae.Kind]
		p.Type = "urn:taito:problem:" + ae.Kind.String()
		p.Detail = detailIn(ae, err, loc)
		p.Errors = fieldsIn(ae.Fields, loc)
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
		p.Detail = i18n.Text(loc, apperr.TimeoutMessage, nil)
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
		p.Detail = i18n.Text(loc, "internal error", nil)
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
