package course

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
)

// ImportOptions control an import.
type ImportOptions struct {
	Publish bool
	DryRun  bool
	// Progress, if set, is told of each asset handled.
	Progress func(done, total int, name string)
}

// ImportResult says what an import did.
type ImportResult struct {
	Slug      string
	Assets    int
	Uploaded  int
	Draft     string // created | updated | unchanged | checked (dry run)
	Published int    // the new version, 0 when none was made
	Hash      string
}

// Import stores a loaded course: it uploads its assets (content-addressed; those already there
// are skipped), writes the outline as the draft unless it is unchanged, and with Publish makes
// it the current version unless that has the same content. A course with errors is refused
// before anything is written. With DryRun nothing is written; assets are still read and checked.
// A new course is the actor's (see CreateCourse); an existing one takes only its team's imports.
//
// Returns ErrForbidden, ErrNotOnTeam and validation errors.
func (s *Service) Import(ctx context.Context, actor auth.Principal, co *Course, fsys fs.FS, opt ImportOptions) (ImportResult, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return ImportResult{}, err
	}
	if s.assets == nil {
		return ImportResult{}, errNoAssets
	}
	if opt.DryRun {
		return Check(co, fsys, s.assets.Allowed, opt.Progress)
	}
	res := ImportResult{Slug: co.Slug}
	if err := Validate(co).Err(); err != nil {
		return res, err
	}
	if err := s.importAssets(ctx, actor, co, fsys, opt, &res); err != nil {
		return res, err
	}
	res.Hash = ContentHash(co)
	var err error
	if res.Draft, err = s.importDraft(ctx, actor, co, res.Hash); err != nil {
		return res, err
	}
	if opt.Publish {
		pub, err := s.Publish(ctx, actor, co.Slug)
		switch {
		case errors.Is(err, ErrNothingToPublish):
		case err != nil:
			return res, err
		default:
			res.Published = pub.Version
		}
	}
	return res, nil
}

// importDraft makes an imported outline the course's draft, creating the course if it is new,
// and says what it did: created, updated or unchanged.
func (s *Service) importDraft(ctx context.Context, actor auth.Principal, co *Course, hash string) (string, error) {
	did := "updated"
	draft, err := s.GetDraft(ctx, actor, co.Slug)
	switch {
	case errors.Is(err, ErrCourseNotFound):
		if _, err := s.CreateCourse(ctx, actor, co.Slug, co.Title, co.Access); err != nil && !errors.Is(err, ErrCourseExists) {
			return "", err
		}
		if draft, err = s.GetDraft(ctx, actor, co.Slug); err != nil {
			return "", err
		}
		did = "created"
	case err != nil:
		return "", err
	}
	if draft.Hash == hash {
		return "unchanged", nil
	}
	if _, err := s.SaveDraft(ctx, actor, co.Slug, draft.ETag(), co); err != nil {
		return "", err
	}
	return did, nil
}

// Check does everything Import does without storing anything: it validates the course, reads
// and checks every asset by its content, and fills in the media ids the upload would give.
func Check(co *Course, fsys fs.FS, allowed func(head []byte) bool, progress func(done, total int, name string)) (ImportResult, error) {
	res := ImportResult{Slug: co.Slug, Draft: "checked"}
	if err := Validate(co).Err(); err != nil {
		return res, err
	}
	var err error
	res.Assets, err = resolveAssets(co, fsys, allowed, progress, func(_ string, data []byte) (string, error) {
		sum := sha256.Sum256(data)
		return hex.EncodeToString(sum[:]), nil
	})
	if err != nil {
		return res, err
	}
	res.Hash = ContentHash(co)
	return res, nil
}

// importAssets uploads every asset a course refers to (those stored already are skipped) and
// fills in the media ids.
func (s *Service) importAssets(ctx context.Context, actor auth.Principal, co *Course, fsys fs.FS, opt ImportOptions, res *ImportResult) error {
	var err error
	res.Assets, err = resolveAssets(co, fsys, s.assets.Allowed, opt.Progress, func(name string, data []byte) (string, error) {
		id, uploaded, err := s.assets.PutAsset(ctx, name, data, actor.UserID)
		if err != nil {
			return "", fmt.Errorf("upload %s: %w", name, err)
		}
		if uploaded {
			res.Uploaded++
		}
		return id, nil
	})
	return err
}

// resolveAssets reads every asset a course refers to, checks it by its content, gets its media
// id from mediaID and, when every asset passed, fills in the media ids. It returns how many
// assets the course has; an asset that fails the checks is a validation error naming its path,
// while an error of mediaID stops it at once.
func resolveAssets(co *Course, fsys fs.FS, allowed func(head []byte) bool, progress func(done, total int, name string), mediaID func(name string, data []byte) (string, error)) (int, error) {
	names := assetNames(co)
	ids := map[string]string{}
	var f apperr.Fields
	for i, name := range names {
		data, err := readAsset(fsys, name, allowed)
		if err != nil {
			f.Add(name, err.Error())
			continue
		}
		if ids[name], err = mediaID(name, data); err != nil {
			return len(names), err
		}
		if progress != nil {
			progress(i+1, len(names), name)
		}
	}
	if err := f.Err(); err != nil {
		return len(names), err
	}
	setMediaIDs(co, ids)
	return len(names), nil
}

// assetNames lists the distinct asset paths a course refers to, in order.
func assetNames(co *Course) []string {
	seen := map[string]bool{}
	var names []string
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			for _, b := range l.Blocks {
				srcs := []string{b.Src, b.CaptionsSrc}
				for _, loc := range Locales {
					srcs = append(srcs, b.SrcByLocale[loc])
				}
				for _, src := range srcs {
					if src != "" && !seen[src] {
						seen[src] = true
						names = append(names, src)
					}
				}
			}
		}
	}
	return names
}

func readAsset(fsys fs.FS, name string, allowed func(head []byte) bool) ([]byte, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, errors.New("cannot be read")
	}
	if !allowed(data) {
		return nil, errors.New("is not an allowed media type (judged by its content)")
	}
	return data, nil
}

func setMediaIDs(co *Course, ids map[string]string) {
	for mi := range co.Modules {
		for li := range co.Modules[mi].Lessons {
			for bi := range co.Modules[mi].Lessons[li].Blocks {
				b := &co.Modules[mi].Lessons[li].Blocks[bi]
				if b.Src != "" {
					b.Media = ids[b.Src]
				}
				if b.CaptionsSrc != "" {
					b.Captions = ids[b.CaptionsSrc]
				}
				for loc, src := range b.SrcByLocale {
					if b.MediaByLocale == nil {
						b.MediaByLocale = map[string]string{}
					}
					b.MediaByLocale[loc] = ids[src]
				}
			}
		}
	}
}
