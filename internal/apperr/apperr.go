// Package apperr defines the kinds of error Taito's domain packages return and the client-safe
// text that travels with them.
//
// It deliberately knows nothing of HTTP: the one mapping from Kind to status code lives in
// internal/httpapi. Message and Fields are safe to show to a client; Err is for the logs only.
// Messages are English and are the keys of internal/i18n's catalogues, so that a front door can
// say them in the reader's language; a message with values has placeholders ("must be at most
// {max} characters") and carries the values as Params.
package apperr

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/taito-lms/taito/internal/i18n"
)

// Params are the values of a message's placeholders: Params{"max": "200"} fills "{max}".
type Params map[string]string

// text fills message with params and returns the English text and the key: the key is empty
// when the message has no params, because then the message itself is the key.
func text(message string, params []Params) (string, string, Params) {
	if len(params) == 0 {
		return message, "", nil
	}
	all := Params{}
	for _, p := range params {
		maps.Copy(all, p)
	}
	return i18n.Fill(message, all), message, all
}

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
// ("email", "modules.0.title.fi"). Message is the English text; Key, when set, is its catalogue
// key with placeholders that Params fill (NewField sets both).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Key     string `json:"-"`
	Params  Params `json:"-"`
}

// NewField returns a problem with field whose message has placeholders filled from params.
func NewField(field, message string, params ...Params) FieldError {
	msg, key, p := text(message, params)
	return FieldError{Field: field, Message: msg, Key: key, Params: p}
}

// MessageKey is the catalogue key of the field's message.
func (f FieldError) MessageKey() string {
	if f.Key != "" {
		return f.Key
	}
	return f.Message
}

// Error is an error with a kind and a client-safe message.
type Error struct {
	Kind       Kind
	Message    string        // client-safe English; empty means the kind's generic text
	Key        string        // the catalogue key of Message when it differs (see MessageKey)
	Params     Params        // the values of the key's placeholders
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

// MessageKey is the catalogue key of the error's message: Key, else Message.
func (e *Error) MessageKey() string {
	if e.Key != "" {
		return e.Key
	}
	return e.Message
}

// With returns an instance of the sentinel e that carries cause for the logs; errors.Is(err,
// e) holds for it. The instance keeps the sentinel's message key even if its Message is later
// extended (a lock's reason appended), so that it is still said in every language.
func (e *Error) With(cause error) *Error {
	c := *e
	c.Err = cause
	c.Key = e.MessageKey()
	if c.of == nil {
		c.of = e
	}
	return &c
}

// New returns an error of the given kind with a client-safe message, whose placeholders params
// fill.
func New(kind Kind, message string, params ...Params) *Error {
	msg, key, p := text(message, params)
	return &Error{Kind: kind, Message: msg, Key: key, Params: p}
}

// Wrap returns an error of the given kind whose cause is err.
func Wrap(kind Kind, message string, err error) *Error {
	return &Error{Kind: kind, Message: message, Err: err}
}

// Validation returns a KindValidation error listing every field problem at once.
func Validation(fields ...FieldError) *Error {
	return &Error{Kind: KindValidation, Message: "the request has invalid fields", Fields: fields}
}

// UnavailableSuffix ends the message of every Unavailable error; what+UnavailableSuffix is a
// catalogue key ("the database is unavailable, try again shortly").
const UnavailableSuffix = " is unavailable, try again shortly"

// Unavailable returns a KindUnavailable error for a dependency that is down.
func Unavailable(what string, retryAfter time.Duration, err error) *Error {
	return &Error{Kind: KindUnavailable, Message: what + UnavailableSuffix, RetryAfter: retryAfter, Err: err}
}

// TimeoutMessage is the message of every Timeout error.
const TimeoutMessage = "the request took too long; try again"

// Timeout returns a KindTimeout error: the request's deadline passed while waiting for what,
// which goes to the logs with err.
func Timeout(what string, err error) *Error {
	cause := errors.New(what)
	if err != nil {
		cause = fmt.Errorf("%s: %w", what, err)
	}
	return &Error{Kind: KindTimeout, Message: TimeoutMessage, Err: cause}
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

// Add records a problem with field; params fill the message's placeholders.
func (f *Fields) Add(field, message string, params ...Params) {
	*f = append(*f, NewField(field, message, params...))
}

// Err returns a validation error with every recorded problem, or nil if there were none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Validation(f...)
}
