package activity

import (
	"context"
	"fmt"
	"time"

	"github.com/taito-lms/taito/internal/notify"
)

// Engagement counters: the walls' participation per week (posts, comments, reactions), kept as
// posts and reactions arrive, because the embedded database cannot group records by date. One
// counter document per wall scope (a cohort, or an open course) and ISO week in Helsinki time.

const (
	engagementPosts     = "posts"
	engagementComments  = "comments"
	engagementReactions = "reactions"
)

// WeekEngagement is a scope's participation on its walls in one ISO week.
type WeekEngagement struct {
	Week      string    // "2026-W06"
	Monday    time.Time // the week's Monday, midnight in Helsinki
	Posts     int
	Comments  int
	Reactions int // reactions given, less those taken back in the same week's count
}

// isoWeek is the ISO week of t in Helsinki time and the Monday that starts it.
func isoWeek(t time.Time) (string, time.Time) {
	local := t.In(notify.Helsinki())
	y, w := local.ISOWeek()
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, notify.Helsinki())
	offset := (int(day.Weekday()) + 6) % 7 // days since Monday
	return fmt.Sprintf("%04d-W%02d", y, w), day.AddDate(0, 0, -offset)
}

// countEngagement adds n to a scope's counter of what (posts, comments or reactions) in the
// week of now.
func (s *Walls) countEngagement(ctx context.Context, scope, what string, n int) error {
	week, monday := isoWeek(s.now())
	return s.store.engagement().add(ctx, scope, week, monday, what, n)
}

// EngagementOf returns a scope's participation per week, oldest week first; weeks without any
// writing are left out. Callers decide who may see it (the application layer: the cohort's
// trainers and admins).
func (s *Walls) EngagementOf(ctx context.Context, scope string) ([]WeekEngagement, error) {
	return s.store.engagement().weeks(ctx, scope)
}
