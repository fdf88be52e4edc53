// Package apperr defines the kinds of error Taito's domain packages return and the client-safe
// text that travels with them.
//
// It deliberately knows nothing of HTTP: the one mapping from Kind to status code lives in
// internal/httpapi. Message and Fields are safe to show to a client; Err is for the logs only.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error by what the caller can do about it.
type Kind int

// The kinds. KindInternal is the zero value so that an unclassified error is never shown.
const (
	KindInternal        Kind = iota // a bug or an unexpected failure; the client sees "internal error"
	KindInvalid                     // the request is malformed (syntax, wrong media type)
	KindValidation                  // the request is well-formed but fields break rules
	KindUnauthenticated             // no valid credentials
	KindForbidden                   // the actor may not do this
	KindNotFound                    // no such resource (or not visible to the actor)
	KindConflict                    // the resource's state forbids this (duplicate, already done)
	KindPrecondition                // an If-Match precondition failed
	KindTooLarge                    // the request body or an upload is too large
	KindRateLimited                 // too many attempts; retry later
	KindUnavailable                 // a dependency (MongoDB, S3) is down; retry later
	KindTimeout                     // the request's own deadline passed before its work was done
)

var kindNames = map[Kind]string{
	KindInternal:        "internal",
	KindInvalid:         "invalid",
	KindValidation:      "validation",
	KindUnauthenticated: "unauthenticated",
	KindForbidden:       "forbidden",
	KindNotFound:        "not_found",
	KindConflict:        "conflict",
	KindPrecondition:    "precondition_failed",
	KindTooLarge:        "too_large",
	KindRateLimited:     "rate_limited",
	KindUnavailable:     "unavailable",
	KindTimeout:         "timeout",
}

// String returns a short machine-readable name, used in problem types.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "internal"
}

// FieldError is one problem with one input field. Field is a JSON pointer-like dotted path
// ("email", "modules.0.title.fi").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error with a kind and a client-safe message.
type Error struct {
	Kind       Kind
	Message    string        // client-safe; empty means the kind's generic text
	Fields     []FieldError  // client-safe per-field problems
	RetryAfter time.Duration // for KindRateLimited and KindUnavailable
	Err        error         // the cause, for logs only
	of         *Error        // the sentinel this error is an instance of (see With)
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = e.Kind.String()
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", msg, e.Err)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, sentinel) true for an instance of the sentinel made by With. Errors
// compare by identity, never by kind and text: two sentinels with the same words are still
// different errors.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && e.of != nil && e.of == t
}

// With returns an instance of the sentinel e that carries cause for the logs; errors.Is(err,
// e) holds for it.
func (e *Error) With(cause error) *Error {
	c := *e
	c.Err = cause
	if c.of == nil {
		c.of = e
	}
	return &c
}

// New returns an error of the given kind with a client-safe message.
func New(kind Kind, message string) *Error {
	return &Error{Kind: kind, Message: message}
}

// Wrap returns an error of the given kind whose cause is err.
func Wrap(kind Kind, message string, err error) *Error {
	return &Error{Kind: kind, Message: message, Err: err}
}

// Validation returns a KindValidation error listing every field problem at once.
func Validation(fields ...FieldError) *Error {
	return &Error{Kind: KindValidation, Message: "the request has invalid fields", Fields: fields}
}

// Unavailable returns a KindUnavailable error for a dependency that is down.
func Unavailable(what string, retryAfter time.Duration, err error) *Error {
	return &Error{Kind: KindUnavailable, Message: what + " is unavailable, try again shortly", RetryAfter: retryAfter, Err: err}
}

// Timeout returns a KindTimeout error: the request's deadline passed while waiting for what.
func Timeout(what string, err error) *Error {
	return &Error{Kind: KindTimeout, Message: "the request took too long (" + what + "); try again", Err: err}
}

// KindOf reports the kind of err: the kind of the first *Error in its chain, else KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Fields collects field errors; the zero value is ready to use.
type Fields []FieldError

// Add records a problem with field.
func (f *Fields) Add(field, message string) {
	*f = append(*f, FieldError{Field: field, Message: message})
}

// Err returns a validation error with every recorded problem, or nil if there were none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Validation(f...)
}
