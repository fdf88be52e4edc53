package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/cache"
	"github.com/taito-lms/taito/internal/links"
	"github.com/taito-lms/taito/internal/outbox"
)

// How long an account's status (roles, disabled, token generation) and whether a session has
// ended are cached for Authenticate.
const (
	statusCacheTTL = 30 * time.Second // among replicas: another's change shows within this
	soleStatusTTL  = 10 * time.Minute // a sole writer forgets its own changes at once
)

// backgroundTimeout bounds work a request leaves running after it answers (a reset e-mail).
const backgroundTimeout = 30 * time.Second

// Service is the accounts and authentication capability: sessions (session.go), sign-in
// throttling (throttle.go), accounts (accounts.go), invitations (invitation.go) and password
// resets (reset.go).
type Service struct {
	store     *store
	tokens    *Tokens
	hasher    *Hasher
	outbox    *outbox.Outbox
	links     links.Links
	now       func() time.Time
	log       *slog.Logger
	cache     *cache.Cache[userStatus]
	ended     *cache.Cache[bool] // by refresh family: whether the session has ended
	dummyHash string
	sessions  SessionLimits // browser sessions
	auditor   Auditor       // nil: account events are not recorded (see UseAuditor)

	background sync.WaitGroup // work requests left running; see Wait

	// throttleLocks serialise this process's changes to one throttle counter (by a hash of its
	// key): FerretDB's updates are not atomic between connections, so without them parallel
	// attempts on the embedded default would lose counts. MongoDB's are atomic across replicas.
	throttleLocks [64]sync.Mutex
}

// Option adjusts a Service at construction.
type Option func(*settings)

type settings struct {
	maxCacheLifetime time.Duration
}

// MaxCacheLifetime bounds how long accounts' status and ended sessions are cached: another
// replica's change (a disabled account, a role taken away, a session ended) is honoured here
// within d. Zero or less keeps the default (30 seconds, 10 minutes for a sole writer).
func MaxCacheLifetime(d time.Duration) Option {
	return func(o *settings) { o.maxCacheLifetime = d }
}

// NewService returns the service over db. links builds invitation and reset links; sessions
// bound browser sessions (zero fields: DefaultSessionLimits).
// soleWriter says that no other process changes the database (the embedded default): accounts'
// roles and disabled flags are then cached for longer, as every change passes through this
// process and is forgotten at once.
func NewService(db *mongo.Database, tokens *Tokens, hasher *Hasher, ob *outbox.Outbox, l links.Links, soleWriter bool, sessions SessionLimits, now func() time.Time, log *slog.Logger, opts ...Option) *Service {
	var o settings
	for _, opt := range opts {
		opt(&o)
	}
	ttl := statusCacheTTL
	if soleWriter {
		ttl = soleStatusTTL
	}
	if o.maxCacheLifetime > 0 {
		ttl = min(ttl, o.maxCacheLifetime)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if sessions.Idle <= 0 {
		sessions.Idle = DefaultSessionLimits.Idle
	}
	if sessions.Max <= 0 {
		sessions.Max = DefaultSessionLimits.Max
	}
	s := &Service{sessions: sessions, store: newStore(db), tokens: tokens, hasher: hasher, outbox: ob, links: l,
		now: now, log: log, cache: cache.New[userStatus](ttl, 10000, now), ended: cache.New[bool](ttl, 20000, now)}
	// A real hash to verify against when the account does not exist, so that an unknown e-mail
	// takes as long as a wrong password.
	s.dummyHash, _ = hasher.Hash(context.Background(), randomToken())
	return s
}

// EnsureIndexes creates the indexes the service needs.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	if err := s.store.ensureIndexes(ctx); err != nil {
		return err
	}
	return s.store.ensureSignInEpoch(ctx, s.now().UTC())
}

// Tokens is the access-token signer and verifier.
func (s *Service) Tokens() *Tokens { return s.tokens }

// Wait waits for the work that requests left running in the background (password-reset
// lookups and e-mails, each bounded by 30 seconds): call it at shutdown, after the HTTP server
// has stopped, and in tests before looking for the result.
func (s *Service) Wait() { s.background.Wait() }

// inBackground runs f after the request that asked for it has answered, with the request's
// values but a deadline of its own. A failure is logged.
func (s *Service) inBackground(ctx context.Context, what string, f func(context.Context) error) {
	ctx = context.WithoutCancel(ctx)
	s.background.Go(func() {
		ctx, cancel := context.WithTimeout(ctx, backgroundTimeout)
		defer cancel()
		if err := f(ctx); err != nil {
			s.log.Error(what, "err", err)
		}
	})
}

// Cleanup deletes refresh and one-time tokens and ended-session records that expired more than
// a day ago and stale throttle counters. Run it periodically; it is safe on several replicas at
// once.
func (s *Service) Cleanup(ctx context.Context) (int64, error) {
	return s.store.deleteExpired(ctx, s.now().UTC().Add(-24*time.Hour))
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }
