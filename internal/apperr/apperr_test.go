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
