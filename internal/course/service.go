package course

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/cache"
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
	ErrNotOnTeam        = apperr.New(apperr.KindForbidden, "only the course's owners and editors change it")
	ErrNotOwner         = apperr.New(apperr.KindForbidden, "only the course's owners change its team")
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

// Lifetimes and bounds of the service's caches. A course's pointer to its current version
// changes with every publish and archive (another replica's shows within pointerTTL); a
// published version and its rendered lessons never change, so they are kept until the bound
// pushes them out.
const (
	pointerTTL        = 5 * time.Second
	immutableTTL      = 24 * time.Hour
	cachedPointers    = 1000
	cachedOutlines    = 256
	cachedLessonViews = 4096
)

// Service is the course capability: delivery of published courses (delivery.go), authoring of
// drafts (authoring.go), publishing (publish.go) and import (import.go).
type Service struct {
	store    *store
	assets   Assets
	renderer *Renderer
	now      func() time.Time
	log      *slog.Logger
	members  Membership

	current  *cache.Cache[courseDoc]   // slug → course document with its current version
	outlines *cache.Cache[*versionDoc] // slug@N → published version
	lessons  *cache.Cache[*LessonView] // slug@N/lesson/locale → rendered lesson
}

// ServiceOption adjusts a Service at construction.
type ServiceOption func(*settings)

type settings struct {
	maxCacheLifetime time.Duration
}

// MaxCacheLifetime bounds how long a course's pointer to its current version is cached: a
// publish or archive on another replica shows here within d. Zero or less keeps the default
// (5 seconds). Published versions never change and are kept regardless.
func MaxCacheLifetime(d time.Duration) ServiceOption {
	return func(o *settings) { o.maxCacheLifetime = d }
}

// NewService returns the course service. assets may be nil where no media is handled, members
// nil where no cohorts exist.
func NewService(db *mongo.Database, assets Assets, members Membership, now func() time.Time, log *slog.Logger, opts ...ServiceOption) *Service {
	var o settings
	for _, opt := range opts {
		opt(&o)
	}
	pointers := pointerTTL
	if o.maxCacheLifetime > 0 {
		pointers = min(pointers, o.maxCacheLifetime)
	}
	return &Service{store: newStore(db), assets: assets, members: members, renderer: NewRenderer(), now: now, log: log,
		current:  cache.New[courseDoc](pointers, cachedPointers, now),
		outlines: cache.New[*versionDoc](immutableTTL, cachedOutlines, now),
		lessons:  cache.New[*LessonView](immutableTTL, cachedLessonViews, now)}
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

func normLocale(l string) string {
	if slices.Contains(Locales, l) {
		return l
	}
	return SourceLocale
}
