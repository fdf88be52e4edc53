package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/taito-lms/taito/internal/apperr"
)

// Two sentinels with the same words are different errors: errors.Is compares identity.
func TestSentinelsCompareByIdentity(t *testing.T) {
	notFound := apperr.New(apperr.KindNotFound, "course not found")
	notPublished := apperr.New(apperr.KindNotFound, "course not found")
	cause := errors.New("driver said no")
	for _, c := range []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"the sentinel itself", notFound, notFound, true},
		{"wrapped with context", fmt.Errorf("load: %w", notFound), notFound, true},
		{"an instance carrying a cause", notFound.With(cause), notFound, true},
		{"an instance of an instance", notFound.With(cause).With(nil), notFound, true},
		{"same kind and words, other sentinel", notPublished, notFound, false},
		{"instance of the other sentinel", notPublished.With(cause), notFound, false},
		{"the cause is still reachable", notFound.With(cause), cause, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := errors.Is(c.err, c.target); got != c.want {
				t.Errorf("errors.Is = %v, want %v", got, c.want)
			}
		})
	}
}

func TestWithKeepsTheClientSafeText(t *testing.T) {
	s := apperr.New(apperr.KindConflict, "already done")
	e := s.With(errors.New("secret detail"))
	if e.Kind != apperr.KindConflict || e.Message != "already done" {
		t.Fatalf("With changed kind or message: %+v", e)
	}
	if s.Err != nil {
		t.Fatal("With changed the sentinel itself")
	}
	if apperr.KindOf(fmt.Errorf("x: %w", apperr.Timeout("reading", nil))) != apperr.KindTimeout {
		t.Fatal("Timeout is not KindTimeout")
	}
}

// A message with values keeps its catalogue key and the values apart, so that a front door can
// say it in another language; the English text has the values filled in.
func TestMessagesKeepTheirKey(t *testing.T) {
	t.Parallel()
	var f apperr.Fields
	f.Add("name", "must be at most {max} characters", apperr.Params{"max": "200"})
	f.Add("email", "is required")
	e := apperr.New(apperr.KindTooLarge, "the file has more than {max} rows: split it", apperr.Params{"max": "10000"})
	locked := apperr.New(apperr.KindConflict, "this lesson is locked")
	instance := locked.With(nil)
	instance.Message += ": Complete the lesson Welcome first."
	for _, c := range []struct{ name, gotText, wantText, gotKey, wantKey string }{
		{"a field with a value", f[0].Message, "must be at most 200 characters", f[0].MessageKey(), "must be at most {max} characters"},
		{"a field without values", f[1].Message, "is required", f[1].MessageKey(), "is required"},
		{"an error with a value", e.Message, "the file has more than 10000 rows: split it", e.MessageKey(), "the file has more than {max} rows: split it"},
		{"an instance whose text grew", instance.Message, "this lesson is locked: Complete the lesson Welcome first.", instance.MessageKey(), "this lesson is locked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.gotText != c.wantText || c.gotKey != c.wantKey {
				t.Errorf("text %q key %q, want %q and %q", c.gotText, c.gotKey, c.wantText, c.wantKey)
			}
		})
	}
}
