package app

import (
	"context"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
)

// Lesson returns a lesson of a course's current published version in locale, with its ETag,
// when the actor may read it: a learner only while the lesson is open to her (the learning
// record's lock); trainers and admins always, to preview.
//
// Returns learning.ErrLessonLocked (its message gives the reason in locale), the course
// package's not-found and access errors.
func (a *App) Lesson(ctx context.Context, actor auth.Principal, slug, lesson, locale string) (*course.LessonView, string, error) {
	v, etag, err := a.Courses.Lesson(ctx, actor, slug, lesson, locale)
	if err != nil {
		return nil, "", err
	}
	if err := a.Learning.CheckReadable(ctx, actor, slug, lesson, locale); err != nil {
		return nil, "", err
	}
	return v, etag, nil
}
