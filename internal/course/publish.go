package course

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
)

// PublishResult describes a new published version.
type PublishResult struct {
	Version        int
	Hash           string
	RemovedLessons []string // lessons of the previous version this one no longer has
}

// Publish makes the draft a new immutable version and the course's current one. A draft with
// errors is refused with every problem; a draft equal to the current version gives
// ErrNothingToPublish. Removing lessons is allowed and reported.
//
// Returns ErrForbidden, ErrCourseNotFound, ErrNotOnTeam, validation errors and
// ErrNothingToPublish.
func (s *Service) Publish(ctx context.Context, actor auth.Principal, slug string) (PublishResult, error) {
	draft, err := s.GetDraft(ctx, actor, slug)
	if err != nil {
		return PublishResult{}, err
	}
	if err := draft.Problems.Err(); err != nil {
		return PublishResult{}, err
	}
	if err := s.checkMedia(ctx, draft.Course); err != nil {
		return PublishResult{}, err
	}
	cd, err := s.store.course(ctx, slug)
	if err != nil {
		return PublishResult{}, err
	}
	res := PublishResult{Hash: draft.Hash}
	if cd.CurrentVersion > 0 {
		prev, err := s.store.version(ctx, versionID(slug, cd.CurrentVersion))
		if err != nil {
			return PublishResult{}, err
		}
		if prev.ContentHash == draft.Hash {
			return PublishResult{Version: cd.CurrentVersion, Hash: draft.Hash}, ErrNothingToPublish
		}
		res.RemovedLessons = removedLessons(&prev.Outline, draft.Course)
	}
	now := s.now().UTC()
	n, err := s.storeVersion(ctx, actor, slug, draft, cd.CurrentVersion, now)
	if err != nil {
		return PublishResult{}, err
	}
	if err := s.store.setCurrentVersion(ctx, slug, n, draft.Course.Title, draft.Course.Summary, draft.Course.Access, now); err != nil {
		return PublishResult{}, err
	}
	s.current.Forget(slug)
	res.Version = n
	return res, nil
}

// removedLessons lists the lessons of prev that next no longer has.
func removedLessons(prev, next *Course) []string {
	kept := map[string]bool{}
	for _, id := range next.LessonIDs() {
		kept[id] = true
	}
	var out []string
	for _, id := range prev.LessonIDs() {
		if !kept[id] {
			out = append(out, id)
		}
	}
	return out
}

// storeVersion stores the draft as the version after current and returns its number: the next
// free one, or one a publish of this same content stored before it stopped.
func (s *Service) storeVersion(ctx context.Context, actor auth.Principal, slug string, draft Draft, current int, now time.Time) (int, error) {
	for n := current + 1; ; n++ {
		if n > current+10 {
			return 0, apperr.New(apperr.KindConflict, "the course is being published by someone else; try again")
		}
		err := s.store.insertVersion(ctx, versionDoc{ID: versionID(slug, n), Slug: slug, Version: n, Outline: *draft.Course, ContentHash: draft.Hash, By: actor.UserID, At: now})
		if err == nil {
			return n, nil
		}
		if !errors.Is(err, errVersionExists) {
			return 0, err
		}
		// Version n exists: a publish that stopped before moving the pointer (then finish it if
		// it is this same content) or a concurrent one (then try the next number).
		existing, err := s.store.version(ctx, versionID(slug, n))
		if err != nil {
			return 0, err
		}
		if existing.ContentHash == draft.Hash {
			return n, nil
		}
	}
}

// checkMedia makes sure every media id a course refers to is in the library, so that a
// published lesson never points at missing media.
func (s *Service) checkMedia(ctx context.Context, co *Course) error {
	if s.assets == nil {
		return nil
	}
	var f apperr.Fields
	for mi, m := range co.Modules {
		for li, l := range m.Lessons {
			for bi, b := range l.Blocks {
				for field, id := range b.MediaIDs() {
					ok, err := s.assets.Exists(ctx, id)
					if err != nil {
						return err
					}
					if !ok {
						f.Add(fmt.Sprintf("modules.%d.lessons.%d.blocks.%d.%s", mi, li, bi, field), "no media with this id: upload it first")
					}
				}
				if IsMedia(b.Kind) && b.Media == "" {
					f.Add(fmt.Sprintf("modules.%d.lessons.%d.blocks.%d.media", mi, li, bi), "is required: upload the file and give its media id")
				}
			}
		}
	}
	return f.Err()
}

// VersionInfo describes a published version.
type VersionInfo struct {
	Version     int
	Hash        string
	PublishedBy string
	PublishedAt time.Time
	Current     bool
}

// Versions lists a course's published versions, newest first, for trainers.
func (s *Service) Versions(ctx context.Context, actor auth.Principal, slug string) ([]VersionInfo, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return nil, err
	}
	cd, err := s.store.course(ctx, slug)
	if err != nil {
		return nil, err
	}
	docs, err := s.store.versionInfos(ctx, slug)
	if err != nil {
		return nil, err
	}
	out := make([]VersionInfo, len(docs))
	for i, d := range docs {
		out[i] = VersionInfo{Version: d.Version, Hash: d.ContentHash, PublishedBy: d.By, PublishedAt: d.At, Current: d.Version == cd.CurrentVersion}
	}
	return out, nil
}

// SetArchived archives a course (hidden from the catalogue and from new learners; versions and
// learners' records stay) or restores it, for its team and admins.
//
// Returns ErrForbidden, ErrCourseNotFound and ErrNotOnTeam.
func (s *Service) SetArchived(ctx context.Context, actor auth.Principal, slug string, archived bool) error {
	cd, err := s.editable(ctx, actor, slug)
	if err != nil {
		return err
	}
	status := StatusArchived
	if !archived {
		status = StatusDraft
		if cd.CurrentVersion > 0 {
			status = StatusPublished
		}
	}
	if err := s.store.setStatus(ctx, slug, status, s.now().UTC()); err != nil {
		return err
	}
	s.current.Forget(slug)
	return nil
}
