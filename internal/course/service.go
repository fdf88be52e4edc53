package course

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
)

// Errors returned by the package. Messages are client-safe.
var (
	ErrCourseNotFound   = apperr.New(apperr.KindNotFound, "course not found")
	ErrLessonNotFound   = apperr.New(apperr.KindNotFound, "lesson not found")
	ErrVersionNotFound  = apperr.New(apperr.KindNotFound, "course version not found")
	ErrCourseExists     = apperr.New(apperr.KindConflict, "a course with this slug exists already")
	ErrStaleDraft       = apperr.New(apperr.KindPrecondition, "the draft was changed by someone else: reload it and apply your edits again")
	ErrIfMatchRequired  = apperr.New(apperr.KindPrecondition, "send the draft's ETag in If-Match to save it")
	ErrNothingToPublish = apperr.New(apperr.KindConflict, "the draft is the same as the current published version")
	ErrNotAvailable     = apperr.New(apperr.KindForbidden, "this course is for members of its cohorts")
	ErrNotPublished     = apperr.New(apperr.KindNotFound, "course not found") // unpublished courses are invisible to readers
	errVersionExists    = errors.New("version exists")
	errNoAssets         = apperr.New(apperr.KindUnavailable, "media storage is not available: a course's files cannot be checked or stored")
)

// Membership tells whether a user belongs to a cohort of a course; the cohort capability
// answers it. Without one (nil), cohort-only courses are open to trainers and admins only.
type Membership interface {
	IsEnrolled(ctx context.Context, userID, slug string) (bool, error)
}

// Assets stores the files courses refer to; the media capability answers it. Without one
// (nil), importing a course with assets and publishing media blocks fail.
type Assets interface {
	// Exists reports whether a media item with this id is stored.
	Exists(ctx context.Context, id string) (bool, error)
	// PutAsset stores an imported file under its content hash, checked by its bytes, and
	// returns its id and whether it was uploaded now.
	PutAsset(ctx context.Context, name string, data []byte, by string) (id string, uploaded bool, err error)
	// Allowed reports whether a file's first bytes are of an allowed media type.
	Allowed(head []byte) bool
}

// Service is the course capability.
type Service struct {
	store    *store
	assets   Assets
	renderer *Renderer
	now      func() time.Time
	log      *slog.Logger
	members  Membership

	mu        sync.Mutex
	current   map[string]currentPointer // slug → current published version, briefly cached
	outlines  map[string]*versionDoc    // slug@N → immutable published version
	lessons   map[string]*LessonView    // slug@N/lesson/locale → rendered lesson
	pointerTT time.Duration
}

type currentPointer struct {
	doc courseDoc
	at  time.Time
}

// NewService returns the course service. assets may be nil where no media is handled, members
// nil where no cohorts exist.
func NewService(db *mongo.Database, assets Assets, members Membership, now func() time.Time, log *slog.Logger) *Service {
	return &Service{store: newStore(db), assets: assets, members: members, renderer: NewRenderer(), now: now, log: log,
		current: map[string]currentPointer{}, outlines: map[string]*versionDoc{}, lessons: map[string]*LessonView{}, pointerTT: 5 * time.Second}
}

// EnsureIndexes creates the indexes the service needs.
func (s *Service) EnsureIndexes(ctx context.Context) error { return s.store.ensureIndexes(ctx) }

// Renderer renders Markdown the way lessons are rendered.
func (s *Service) Renderer() *Renderer { return s.renderer }

// ContentHash is the SHA-256 of the outline's canonical JSON.
func ContentHash(co *Course) string {
	b, _ := json.Marshal(co)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Draft is the editable outline of a course.
type Draft struct {
	Course   *Course
	Revision int
	Hash     string
	Problems Problems
	At       time.Time
	By       string
}

// ETag identifies the draft's revision for optimistic concurrency.
func (d Draft) ETag() string { return `"r` + strconv.Itoa(d.Revision) + "-" + d.Hash[:12] + `"` }

// CreateCourse starts a new course as an empty draft.
//
// Returns ErrForbidden (auth), validation errors and ErrCourseExists.
func (s *Service) CreateCourse(ctx context.Context, actor auth.Principal, slug string, title Text, access string) (Draft, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return Draft{}, err
	}
	var f apperr.Fields
	if !ValidSlug(slug) {
		f.Add("slug", "must be 2-64 lower-case letters, digits or '-', starting with a letter")
	}
	if strings.TrimSpace(title[SourceLocale]) == "" {
		f.Add("title.fi", "Finnish title is required")
	}
	for loc, v := range title {
		if !slices.Contains(Locales, loc) {
			f.Add("title."+loc, "unknown locale")
		}
		if len(v) > maxShortText {
			f.Add("title."+loc, "too long")
		}
	}
	if access == "" {
		access = AccessOpen
	}
	if access != AccessOpen && access != AccessCohort {
		f.Add("access", "must be open or cohort")
	}
	if err := f.Err(); err != nil {
		return Draft{}, err
	}
	now := s.now().UTC()
	if err := s.store.insertCourse(ctx, courseDoc{ID: slug, Title: title, Status: StatusDraft, Access: access, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}); err != nil {
		return Draft{}, err
	}
	co := &Course{Slug: slug, Title: title, Access: access, Modules: []Module{}}
	d := versionDoc{ID: draftID(slug), Slug: slug, Revision: 1, Outline: *co, ContentHash: ContentHash(co), By: actor.UserID, At: now}
	if err := s.store.replaceDraft(ctx, d, 0); err != nil {
		return Draft{}, err
	}
	return draftOf(d), nil
}

func draftOf(d versionDoc) Draft {
	co := d.Outline
	return Draft{Course: &co, Revision: d.Revision, Hash: d.ContentHash, Problems: Validate(&co), At: d.At, By: d.By}
}

// GetDraft returns a course's draft, for trainers.
//
// Returns ErrForbidden and ErrCourseNotFound.
func (s *Service) GetDraft(ctx context.Context, actor auth.Principal, slug string) (Draft, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return Draft{}, err
	}
	d, err := s.store.version(ctx, draftID(slug))
	if errors.Is(err, ErrVersionNotFound) {
		return Draft{}, ErrCourseNotFound
	}
	if err != nil {
		return Draft{}, err
	}
	return draftOf(d), nil
}

// SaveDraft replaces the draft's outline if ifMatch is the draft's current ETag. A draft may be
// saved with problems (work in progress); they are returned, and publishing refuses errors.
//
// Returns ErrForbidden, ErrCourseNotFound, ErrIfMatchRequired, ErrStaleDraft and validation
// errors for an outline of another course.
func (s *Service) SaveDraft(ctx context.Context, actor auth.Principal, slug, ifMatch string, co *Course) (Draft, error) {
	cur, err := s.GetDraft(ctx, actor, slug)
	if err != nil {
		return Draft{}, err
	}
	if ifMatch == "" {
		return Draft{}, ErrIfMatchRequired
	}
	if ifMatch != cur.ETag() {
		return Draft{}, ErrStaleDraft
	}
	if co.Slug == "" {
		co.Slug = slug
	}
	if co.Slug != slug {
		return Draft{}, apperr.Validation(apperr.FieldError{Field: "slug", Message: "is the course's and cannot change"})
	}
	if co.Modules == nil {
		co.Modules = []Module{}
	}
	d := versionDoc{ID: draftID(slug), Slug: slug, Revision: cur.Revision + 1, Outline: *co, ContentHash: ContentHash(co), By: actor.UserID, At: s.now().UTC()}
	if err := s.store.replaceDraft(ctx, d, cur.Revision); err != nil {
		return Draft{}, err
	}
	return draftOf(d), nil
}

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
// Returns ErrForbidden, ErrCourseNotFound, validation errors and ErrNothingToPublish.
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
		next := map[string]bool{}
		for _, id := range draft.Course.LessonIDs() {
			next[id] = true
		}
		for _, id := range prev.Outline.LessonIDs() {
			if !next[id] {
				res.RemovedLessons = append(res.RemovedLessons, id)
			}
		}
	}
	now := s.now().UTC()
	n := cd.CurrentVersion + 1
	for {
		err := s.store.insertVersion(ctx, versionDoc{ID: versionID(slug, n), Slug: slug, Version: n, Outline: *draft.Course, ContentHash: draft.Hash, By: actor.UserID, At: now})
		if err == nil {
			break
		}
		if !errors.Is(err, errVersionExists) {
			return PublishResult{}, err
		}
		// Version n exists: a publish that stopped before moving the pointer (then finish it if
		// it is this same content) or a concurrent one (then try the next number).
		existing, verr := s.store.version(ctx, versionID(slug, n))
		if verr != nil {
			return PublishResult{}, verr
		}
		if existing.ContentHash == draft.Hash {
			break
		}
		n++
		if n > cd.CurrentVersion+10 {
			return PublishResult{}, apperr.New(apperr.KindConflict, "the course is being published by someone else; try again")
		}
	}
	if err := s.store.setCurrentVersion(ctx, slug, n, draft.Course.Title, draft.Course.Summary, draft.Course.Access, now); err != nil {
		return PublishResult{}, err
	}
	s.mu.Lock()
	delete(s.current, slug)
	s.mu.Unlock()
	res.Version = n
	return res, nil
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
				for field, id := range map[string]string{"media": b.Media, "captions": b.Captions} {
					if id == "" {
						continue
					}
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
// learners' records stay) or restores it.
func (s *Service) SetArchived(ctx context.Context, actor auth.Principal, slug string, archived bool) error {
	if err := auth.RequireTrainer(actor); err != nil {
		return err
	}
	cd, err := s.store.course(ctx, slug)
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
	s.mu.Lock()
	delete(s.current, slug)
	s.mu.Unlock()
	return nil
}

// Published is a course's current published version.
type Published struct {
	Course  *Course
	Version int
	Hash    string
	Status  string
}

// pointer returns the course document, from a cache at most a few seconds old.
func (s *Service) pointer(ctx context.Context, slug string) (courseDoc, error) {
	s.mu.Lock()
	p, ok := s.current[slug]
	s.mu.Unlock()
	if ok && s.now().Sub(p.at) < s.pointerTT {
		return p.doc, nil
	}
	cd, err := s.store.course(ctx, slug)
	if err != nil {
		return cd, err
	}
	s.mu.Lock()
	if len(s.current) > 1000 {
		clear(s.current)
	}
	s.current[slug] = currentPointer{doc: cd, at: s.now()}
	s.mu.Unlock()
	return cd, nil
}

func (s *Service) outline(ctx context.Context, slug string, version int) (*versionDoc, error) {
	id := versionID(slug, version)
	s.mu.Lock()
	v, ok := s.outlines[id]
	s.mu.Unlock()
	if ok {
		return v, nil
	}
	d, err := s.store.version(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.outlines) > 256 {
		clear(s.outlines)
	}
	s.outlines[id] = &d
	s.mu.Unlock()
	return &d, nil
}

// CanRead checks that actor may study a course: open courses any signed-in user, cohort
// courses their cohorts' members, trainers and admins.
func (s *Service) CanRead(ctx context.Context, actor auth.Principal, slug, access string) error {
	if access != AccessCohort || actor.IsTrainer() {
		return nil
	}
	if s.members == nil {
		return ErrNotAvailable
	}
	ok, err := s.members.IsEnrolled(ctx, actor.UserID, slug)
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotAvailable
	}
	return nil
}

// Current returns the current published version of a course the actor may read. Archived and
// never-published courses are not found (trainers read drafts through GetDraft).
//
// Returns ErrNotPublished and ErrNotAvailable.
func (s *Service) Current(ctx context.Context, actor auth.Principal, slug string) (Published, error) {
	pub, access, err := s.published(ctx, slug)
	if err != nil {
		return Published{}, err
	}
	if pub.Status == StatusArchived && !actor.IsTrainer() {
		return Published{}, ErrNotPublished
	}
	if err := s.CanRead(ctx, actor, slug, access); err != nil {
		return Published{}, err
	}
	return pub, nil
}

// Published returns the current published version of a course, archived or not, without
// asking who reads it: for the capabilities that report on a course (cohort dashboards,
// reminders, assessments) after they have made their own access decision.
//
// Returns ErrNotPublished.
func (s *Service) Published(ctx context.Context, slug string) (Published, error) {
	pub, _, err := s.published(ctx, slug)
	return pub, err
}

func (s *Service) published(ctx context.Context, slug string) (Published, string, error) {
	if !ValidSlug(slug) {
		return Published{}, "", ErrNotPublished
	}
	cd, err := s.pointer(ctx, slug)
	if errors.Is(err, ErrCourseNotFound) || (err == nil && cd.CurrentVersion == 0) {
		return Published{}, "", ErrNotPublished
	}
	if err != nil {
		return Published{}, "", err
	}
	v, err := s.outline(ctx, slug, cd.CurrentVersion)
	if err != nil {
		return Published{}, "", err
	}
	return Published{Course: &v.Outline, Version: v.Version, Hash: v.ContentHash, Status: cd.Status}, cd.Access, nil
}

// Lesson returns a lesson of the current published version rendered for locale, cached per
// version, and an ETag that changes with the version.
//
// Returns ErrNotPublished, ErrNotAvailable and ErrLessonNotFound.
func (s *Service) Lesson(ctx context.Context, actor auth.Principal, slug, lessonID, locale string) (*LessonView, string, error) {
	pub, err := s.Current(ctx, actor, slug)
	if err != nil {
		return nil, "", err
	}
	locale = normLocale(locale)
	key := slug + "@" + strconv.Itoa(pub.Version) + "/" + lessonID + "/" + locale
	etag := `"` + key + `"`
	s.mu.Lock()
	v, ok := s.lessons[key]
	s.mu.Unlock()
	if ok {
		return v, etag, nil
	}
	v, ok = s.renderer.View(pub.Course, pub.Version, lessonID, locale)
	if !ok {
		return nil, "", ErrLessonNotFound
	}
	s.mu.Lock()
	if len(s.lessons) > 4096 {
		clear(s.lessons)
	}
	s.lessons[key] = v
	s.mu.Unlock()
	return v, etag, nil
}

// PreviewLesson renders a lesson of the draft exactly as a learner would see it, for trainers.
func (s *Service) PreviewLesson(ctx context.Context, actor auth.Principal, slug, lessonID, locale string) (*LessonView, error) {
	d, err := s.GetDraft(ctx, actor, slug)
	if err != nil {
		return nil, err
	}
	v, ok := s.renderer.View(d.Course, 0, lessonID, normLocale(locale))
	if !ok {
		return nil, ErrLessonNotFound
	}
	return v, nil
}

func normLocale(l string) string {
	if slices.Contains(Locales, l) {
		return l
	}
	return SourceLocale
}

// CatalogEntry is a course in the catalogue.
type CatalogEntry struct {
	Slug    string
	Status  string
	Version int
	Course  *Course // nil for a course never published
}

// Catalog lists courses in slug order: published ones for everybody; trainers may ask for
// drafts and archived ones with status.
//
// Returns ErrForbidden when a learner asks for another status.
func (s *Service) Catalog(ctx context.Context, actor auth.Principal, status, after string, limit int) ([]CatalogEntry, string, error) {
	if status == "" {
		status = StatusPublished
	}
	if status != StatusPublished && status != "all" {
		if err := auth.RequireTrainer(actor); err != nil {
			return nil, "", err
		}
	}
	if status == "all" {
		if err := auth.RequireTrainer(actor); err != nil {
			return nil, "", err
		}
		status = ""
	}
	docs, err := s.store.listCourses(ctx, status, after, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		next = docs[limit-1].ID
	}
	var out []CatalogEntry
	for _, cd := range docs {
		e := CatalogEntry{Slug: cd.ID, Status: cd.Status, Version: cd.CurrentVersion}
		if cd.CurrentVersion > 0 {
			if cd.Access == AccessCohort && s.CanRead(ctx, actor, cd.ID, cd.Access) != nil {
				continue
			}
			v, err := s.outline(ctx, cd.ID, cd.CurrentVersion)
			if err != nil {
				return nil, "", err
			}
			e.Course = &v.Outline
		}
		out = append(out, e)
	}
	return out, next, nil
}

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
//
// Returns ErrForbidden and validation errors.
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

	draft, err := s.GetDraft(ctx, actor, co.Slug)
	switch {
	case errors.Is(err, ErrCourseNotFound):
		if _, err := s.CreateCourse(ctx, actor, co.Slug, co.Title, co.Access); err != nil && !errors.Is(err, ErrCourseExists) {
			return res, err
		}
		if draft, err = s.GetDraft(ctx, actor, co.Slug); err != nil {
			return res, err
		}
		res.Draft = "created"
	case err != nil:
		return res, err
	default:
		res.Draft = "updated"
	}
	if draft.Hash == res.Hash {
		res.Draft = "unchanged"
	} else if _, err := s.SaveDraft(ctx, actor, co.Slug, draft.ETag(), co); err != nil {
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

// Check does everything Import does without storing anything: it validates the course, reads
// and checks every asset by its content, and fills in the media ids the upload would give.
func Check(co *Course, fsys fs.FS, allowed func(head []byte) bool, progress func(done, total int, name string)) (ImportResult, error) {
	res := ImportResult{Slug: co.Slug, Draft: "checked"}
	if err := Validate(co).Err(); err != nil {
		return res, err
	}
	names := assetNames(co)
	res.Assets = len(names)
	ids := map[string]string{}
	var f apperr.Fields
	for i, name := range names {
		data, err := readAsset(fsys, name, allowed)
		if err != nil {
			f.Add(name, err.Error())
			continue
		}
		sum := sha256.Sum256(data)
		ids[name] = hex.EncodeToString(sum[:])
		if progress != nil {
			progress(i+1, len(names), name)
		}
	}
	if err := f.Err(); err != nil {
		return res, err
	}
	setMediaIDs(co, ids)
	res.Hash = ContentHash(co)
	return res, nil
}

// assetNames lists the distinct asset paths a course refers to, in order.
func assetNames(co *Course) []string {
	seen := map[string]bool{}
	var names []string
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			for _, b := range l.Blocks {
				for _, src := range []string{b.Src, b.CaptionsSrc} {
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
			}
		}
	}
}

// importAssets uploads every asset a course refers to (those stored already are skipped) and
// fills in the media ids.
func (s *Service) importAssets(ctx context.Context, actor auth.Principal, co *Course, fsys fs.FS, opt ImportOptions, res *ImportResult) error {
	names := assetNames(co)
	res.Assets = len(names)
	ids := map[string]string{}
	var f apperr.Fields
	for i, name := range names {
		data, err := readAsset(fsys, name, s.assets.Allowed)
		if err != nil {
			f.Add(name, err.Error())
			continue
		}
		id, uploaded, err := s.assets.PutAsset(ctx, name, data, actor.UserID)
		if err != nil {
			return fmt.Errorf("upload %s: %w", name, err)
		}
		ids[name] = id
		if uploaded {
			res.Uploaded++
		}
		if opt.Progress != nil {
			opt.Progress(i+1, len(names), name)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	setMediaIDs(co, ids)
	return nil
}

// mediaOf lists the media ids a course outline refers to.
func mediaOf(co *Course) []string {
	var out []string
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			for _, b := range l.Blocks {
				if b.Media != "" {
					out = append(out, b.Media)
				}
				if b.Captions != "" {
					out = append(out, b.Captions)
				}
			}
		}
	}
	return out
}

// UsesMedia reports whether media id belongs to a published course the actor may read, or to a
// draft when the actor is a trainer (who may preview it).
func (s *Service) UsesMedia(ctx context.Context, actor auth.Principal, id string) (bool, error) {
	if actor.IsTrainer() {
		return true, nil
	}
	docs, err := s.store.listCourses(ctx, StatusPublished, "", 1000)
	if err != nil {
		return false, err
	}
	for _, cd := range docs {
		if cd.CurrentVersion == 0 || s.CanRead(ctx, actor, cd.ID, cd.Access) != nil {
			continue
		}
		v, err := s.outline(ctx, cd.ID, cd.CurrentVersion)
		if err != nil {
			return false, err
		}
		if slices.Contains(mediaOf(&v.Outline), id) {
			return true, nil
		}
	}
	return false, nil
}

// ReferencedMedia returns every media id any stored version or draft refers to.
func (s *Service) ReferencedMedia(ctx context.Context) (map[string]bool, error) {
	cur, err := s.store.versions.Find(ctx, map[string]any{})
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	out := map[string]bool{}
	for cur.Next(ctx) {
		var d versionDoc
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("read version: %w", err)
		}
		for _, id := range mediaOf(&d.Outline) {
			out[id] = true
		}
	}
	return out, cur.Err()
}
