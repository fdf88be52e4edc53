package learning_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/testenv"
)

// pageTime is a learner's credited time on the fixture's first lesson: per 30-second bucket
// (keyed by its start) and in all.
func pageTime(t *testing.T, l *learning.Service, user string) (map[time.Time]int, int) {
	t.Helper()
	f, err := l.Facts(context.Background(), user, "kokeilu")
	if err != nil {
		t.Fatal(err)
	}
	out, sum := map[time.Time]int{}, 0
	if f == nil || f.Lessons["tervetuloa"] == nil {
		return out, 0
	}
	for k, secs := range f.Lessons["tervetuloa"].Time {
		n, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			t.Fatalf("bucket key %q", k)
		}
		out[time.Unix(n*30, 0).UTC()] = secs
		sum += secs
	}
	return out, sum
}

func newLearner() auth.Principal {
	return auth.Principal{UserID: "u-" + uuid.NewString(), Roles: []auth.Role{auth.RoleLearner}}
}

// TestCreditPageTime: a page view without scripts credits the server's time from serving the
// page to her next request, per 30-second bucket, never more than the time that passed and at
// most MaxPageSpan; the same view counts once; a locked lesson's is refused; and a rebuild from
// the log gives the same time back.
func TestCreditPageTime(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 2, 2, 9, 0, 10, 0, time.UTC)
	clk := testenv.NewClock(start)
	_, _, l, _ := setupWith(t, clk.Now)
	ctx := context.Background()

	t.Run("per bucket, the time that passed", func(t *testing.T) {
		p := newLearner()
		clk.Set(start)
		since := clk.Now()
		clk.Advance(100 * time.Second) // 09:00:10 → 09:01:50
		if err := l.CreditPageTime(ctx, p, "kokeilu", "tervetuloa", since); err != nil {
			t.Fatal(err)
		}
		b := func(h, m, s int) time.Time { return time.Date(2026, 2, 2, h, m, s, 0, time.UTC) }
		buckets, sum := pageTime(t, l, p.UserID)
		want := map[time.Time]int{b(9, 0, 0): 20, b(9, 0, 30): 30, b(9, 1, 0): 30, b(9, 1, 30): 20}
		if d := cmp.Diff(want, buckets); d != "" {
			t.Errorf("buckets (-want +got):\n%s", d)
		}
		if sum != 100 {
			t.Errorf("credited %d s of 100", sum)
		}
		// The same page view again, now and later: counted once.
		if err := l.CreditPageTime(ctx, p, "kokeilu", "tervetuloa", since); err != nil {
			t.Fatal(err)
		}
		clk.Advance(5 * time.Minute)
		if err := l.CreditPageTime(ctx, p, "kokeilu", "tervetuloa", since); err != nil {
			t.Fatal(err)
		}
		if _, again := pageTime(t, l, p.UserID); again != 100 {
			t.Errorf("the same page view sent again: %d s, want 100", again)
		}
		// A rebuild from the log gives the same time.
		if err := l.Rebuild(ctx, p.UserID, "kokeilu"); err != nil {
			t.Fatal(err)
		}
		rebuilt, _ := pageTime(t, l, p.UserID)
		if d := cmp.Diff(want, rebuilt); d != "" {
			t.Errorf("after a rebuild (-live +rebuilt):\n%s", d)
		}
		pg, err := l.Progress(ctx, p, "kokeilu")
		if err != nil {
			t.Fatal(err)
		}
		if pg.Seconds != 100 {
			t.Errorf("progress after the rebuild: %d s", pg.Seconds)
		}
	})

	t.Run("never more than the server's time", func(t *testing.T) {
		p := newLearner()
		clk.Set(start)
		for _, since := range []time.Time{start.Add(time.Minute), start, start.Add(-500 * time.Millisecond)} {
			if err := l.CreditPageTime(ctx, p, "kokeilu", "tervetuloa", since); err != nil {
				t.Fatal(err)
			}
		}
		if _, sum := pageTime(t, l, p.UserID); sum != 0 {
			t.Errorf("a span from the future or of no time credited %d s", sum)
		}
		since := start.Add(-40 * time.Second)
		if err := l.CreditPageTime(ctx, p, "kokeilu", "tervetuloa", since); err != nil {
			t.Fatal(err)
		}
		if _, sum := pageTime(t, l, p.UserID); sum != 40 {
			t.Errorf("a span of 40 s credited %d s", sum)
		}
	})

	t.Run("at most MaxPageSpan", func(t *testing.T) {
		p := newLearner()
		clk.Set(start.Add(3 * time.Hour))
		if err := l.CreditPageTime(ctx, p, "kokeilu", "tervetuloa", start); err != nil {
			t.Fatal(err)
		}
		if _, sum := pageTime(t, l, p.UserID); sum != int(learning.MaxPageSpan/time.Second) {
			t.Errorf("a page open for 3 hours credited %d s, want %d", sum, int(learning.MaxPageSpan/time.Second))
		}
	})

	t.Run("heartbeats over the same time do not add to it", func(t *testing.T) {
		t0 := time.Date(2026, 2, 2, 10, 0, 0, 0, time.UTC)
		beats := func(p auth.Principal) {
			for _, at := range []time.Duration{29, 59, 89} {
				clk.Set(t0.Add(at * time.Second))
				if _, _, err := l.LessonEvent(ctx, p, "kokeilu", "tervetuloa", learning.Event{Type: learning.EventProgressed, Seconds: 30}); err != nil {
					t.Fatal(err)
				}
			}
		}
		span := func(p auth.Principal) {
			clk.Set(t0.Add(90 * time.Second))
			if err := l.CreditPageTime(ctx, p, "kokeilu", "tervetuloa", t0); err != nil {
				t.Fatal(err)
			}
		}
		first, second := newLearner(), newLearner()
		beats(first)
		span(first)
		span(second)
		beats(second)
		a, sumA := pageTime(t, l, first.UserID)
		b, sumB := pageTime(t, l, second.UserID)
		if sumA != 90 || sumB != 90 {
			t.Errorf("90 s with heartbeats and the page's span credited %d s (heartbeats first) and %d s (span first)", sumA, sumB)
		}
		if d := cmp.Diff(a, b); d != "" {
			t.Errorf("the order of heartbeats and span changes the buckets:\n%s", d)
		}
		if err := l.Rebuild(ctx, first.UserID, "kokeilu"); err != nil {
			t.Fatal(err)
		}
		if rebuilt, _ := pageTime(t, l, first.UserID); !cmp.Equal(a, rebuilt) {
			t.Errorf("after a rebuild: %v, live %v", rebuilt, a)
		}
	})

	t.Run("a locked lesson is refused", func(t *testing.T) {
		p := newLearner()
		clk.Set(start.Add(time.Minute))
		err := l.CreditPageTime(ctx, p, "kokeilu", "visa", start)
		if !errors.Is(err, learning.ErrLocked) {
			t.Fatalf("page time on a locked lesson: %v", err)
		}
		var le *learning.LockedError
		if !errors.As(err, &le) || le.Lock == nil || le.Lock.Message["fi"] == "" {
			t.Errorf("the refusal does not carry the lock: %v", err)
		}
		if f, err := l.Facts(ctx, p.UserID, "kokeilu"); err != nil || f != nil && f.Lessons["visa"] != nil && len(f.Lessons["visa"].Time) > 0 {
			t.Errorf("a locked lesson's page time was recorded: %v", err)
		}
	})
}
