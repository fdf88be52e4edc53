package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // logos
	_ "image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/writeconcern"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/config"
	"github.com/taito-lms/taito/internal/credential"
	"github.com/taito-lms/taito/internal/embedded"
	"github.com/taito-lms/taito/internal/media"
)

// backends are the storage services a process uses, embedded or external, opened in order and
// closed in reverse.
type backends struct {
	log     *slog.Logger
	client  *mongo.Client
	db      *mongo.Database
	storage *media.Storage

	lock       *embedded.Lock
	embMongo   *embedded.Mongo
	embS3      *embedded.S3
	isEmbedded bool
}

// Open connects to the configured MongoDB and (with withS3) S3, starting the embedded servers
// for whichever is not configured, and builds Taito over them. Close it when done.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger, withS3 bool) (*App, error) {
	b, err := openBackends(ctx, cfg, log, withS3)
	if err != nil {
		return nil, err
	}
	var keys *auth.KeySet
	if cfg.JWTKeyFile != "" {
		keys, err = auth.LoadKeyFile(cfg.JWTKeyFile)
	} else {
		keys, err = auth.LoadOrCreateKeyFile(filepath.Join(cfg.DataDir, "jwt-keys.pem"))
	}
	if err != nil {
		b.Close(cfg.ShutdownTimeout)
		return nil, err
	}
	credKeys, err := loadCredentialKeys(cfg)
	if err != nil {
		b.Close(cfg.ShutdownTimeout)
		return nil, err
	}
	logo, err := loadLogo(cfg.OrgLogoFile)
	if err != nil {
		b.Close(cfg.ShutdownTimeout)
		return nil, err
	}
	lim := DefaultLimits
	lim.AccessTokenTTL = cfg.AccessTokenTTL
	lim.Sessions = auth.SessionLimits{Idle: cfg.SessionIdle, Max: cfg.SessionMaxAge}
	lim.Media.MaxVideo, lim.Media.MaxOther = cfg.MediaMaxVideo, cfg.MediaMaxFile
	lim.Media.Proxy = cfg.MediaDelivery == config.MediaProxy
	a, err := New(ctx, Deps{DB: b.db, Storage: b.storage, Keys: keys, CredentialKeys: credKeys, OrgName: cfg.OrgName, OrgLogo: logo,
		PublicURL: cfg.PublicURL, Now: time.Now, Log: log,
		// On the embedded default the data directory's lock keeps other processes out, so this
		// process sees every change and its caches may keep answers longer.
		SoleWriter: b.embMongo != nil, Limits: lim, Caches: CacheLifetimesAtMost(cfg.CacheLifetime)})
	if err != nil {
		b.Close(cfg.ShutdownTimeout)
		return nil, err
	}
	a.backends, a.database, a.closeTimeout = b, cfg.Mongo.Database, cfg.ShutdownTimeout
	if err := a.IndexIDs(ctx); err != nil {
		log.Warn("embedded FerretDB: lookups by _id will read whole tables", "err", err)
	}
	return a, nil
}

// CredentialKeyFile is the file of the keys that sign certificates: TAITO_CREDENTIAL_KEY_FILE,
// or credential-keys.pem in the data directory.
func CredentialKeyFile(cfg config.Config) string {
	if cfg.CredentialKeyFile != "" {
		return cfg.CredentialKeyFile
	}
	return filepath.Join(cfg.DataDir, "credential-keys.pem")
}

// loadCredentialKeys reads the certificate signing keys: a configured file must exist (every
// replica reads the same one); the data directory's is made on the first start.
func loadCredentialKeys(cfg config.Config) (*credential.KeySet, error) {
	if cfg.CredentialKeyFile == "" {
		return credential.LoadOrCreateKeyFile(CredentialKeyFile(cfg))
	}
	data, err := os.ReadFile(cfg.CredentialKeyFile)
	if err != nil {
		return nil, fmt.Errorf("TAITO_CREDENTIAL_KEY_FILE: %w (create one with `taito credential-keys generate`)", err)
	}
	return credential.ParseKeySet(data)
}

// RotateCredentialKeys puts a new certificate signing key first in the key file and keeps
// every earlier key, whose credentials must go on verifying; running processes sign with it
// from their next start. It returns the file.
func RotateCredentialKeys(cfg config.Config) (string, error) {
	path := CredentialKeyFile(cfg)
	return path, credential.RotateKeyFile(path)
}

// GenerateCredentialKey returns a new key file's contents (PEM) for TAITO_CREDENTIAL_KEY_FILE.
func GenerateCredentialKey() []byte { return credential.GenerateKeySet().MarshalPEM() }

// maxLogo bounds the organisation's logo file.
const maxLogo = 512 << 10

// loadLogo reads the organisation's logo for certificates: a PNG or JPEG of at most 512 KiB,
// or nothing when path is empty.
func loadLogo(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("TAITO_ORG_LOGO_FILE: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLogo+1))
	if err != nil {
		return nil, fmt.Errorf("TAITO_ORG_LOGO_FILE: %w", err)
	}
	if len(data) > maxLogo {
		return nil, fmt.Errorf("TAITO_ORG_LOGO_FILE: larger than %d KiB", maxLogo>>10)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) && !bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}) {
		return nil, errors.New("TAITO_ORG_LOGO_FILE: not a PNG or JPEG image")
	}
	if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("TAITO_ORG_LOGO_FILE: %w", err)
	}
	return data, nil
}

// Close disconnects from the backends and stops the embedded servers.
func (a *App) Close() {
	if a.backends != nil {
		a.backends.Close(a.closeTimeout)
	}
}

// Check is one readiness probe of a dependency, such as a MongoDB ping.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// Checks are the readiness probes of the backends Open connected to.
func (a *App) Checks() []Check {
	if a.backends == nil {
		return nil
	}
	checks := []Check{{Name: "mongodb", Ping: a.backends.pingMongo}}
	if a.backends.storage != nil {
		checks = append(checks, Check{Name: "s3", Ping: a.backends.storage.Ping})
	}
	return checks
}

// Embedded reports whether the database is the embedded one (a one-machine installation).
func (a *App) Embedded() bool { return a.backends != nil && a.backends.embMongo != nil }

// IndexIDs gives the embedded database's collections the index FerretDB's lookups by _id use
// (see embedded.IndexIDs); collections created since the last run get theirs. Elsewhere it does
// nothing.
func (a *App) IndexIDs(ctx context.Context) error {
	if !a.Embedded() {
		return nil
	}
	n, err := a.backends.embMongo.IndexIDs(ctx, a.database)
	if n > 0 {
		a.log.Info("embedded FerretDB: indexed _id lookups", "collections", n)
	}
	return err
}

// serverSelectionTimeout bounds how long any MongoDB operation waits for a reachable server, so a
// request fails fast with 503 instead of hanging when MongoDB is down.
const serverSelectionTimeout = 5 * time.Second

// ClientOptions are the MongoDB client's options for uri, as the server uses them: every
// operation waits at most serverSelectionTimeout for a reachable server (less when its context's
// deadline comes first), and writes are acknowledged by a majority.
func ClientOptions(uri string) *options.ClientOptions {
	return options.Client().
		ApplyURI(uri).
		SetAppName("taito").
		SetServerSelectionTimeout(serverSelectionTimeout).
		SetConnectTimeout(serverSelectionTimeout).
		SetWriteConcern(writeconcern.Majority())
}

// openBackends connects to MongoDB and, with withS3, to S3, starting the embedded servers for
// whichever is not configured, and checks they answer. On error everything started is stopped
// again.
func openBackends(ctx context.Context, cfg config.Config, log *slog.Logger, withS3 bool) (_ *backends, err error) {
	b := &backends{log: log, isEmbedded: cfg.Mongo.Embedded() || cfg.S3.Embedded()}
	defer func() {
		if err != nil {
			b.Close(5 * time.Second)
		}
	}()

	if b.isEmbedded {
		if b.lock, err = embedded.LockDataDir(cfg.DataDir); err != nil {
			if errors.Is(err, embedded.ErrLocked) {
				return nil, fmt.Errorf("%w; stop the other process or set TAITO_DATA_DIR", err)
			}
			return nil, err
		}
	}

	mongoURI := cfg.Mongo.URI.Reveal()
	if cfg.Mongo.Embedded() {
		dir := filepath.Join(cfg.DataDir, "db")
		quiet := slog.New(log.Handler()).With("component", "ferretdb")
		// FerretDB logs every connection at info and unimplemented commands (endSessions on
		// every disconnect) at warn; only its errors are worth an operator's attention.
		quiet = slog.New(levelFloor{quiet.Handler(), slog.LevelError})
		if b.embMongo, err = embedded.StartMongo(ctx, dir, quiet); err != nil {
			return nil, err
		}
		mongoURI = b.embMongo.URI()
		log.Info("mongodb: embedded FerretDB (SQLite)", "mode", "embedded", "dir", dir, "uri", mongoURI)
	} else {
		log.Info("mongodb: external server", "mode", "external", "database", cfg.Mongo.Database)
	}

	opts := ClientOptions(mongoURI)
	if b.embMongo != nil {
		opts.SetMaxPoolSize(embedded.PoolSize)
	}
	b.client, err = mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	b.db = b.client.Database(cfg.Mongo.Database)
	pingCtx, cancel := context.WithTimeout(ctx, 2*serverSelectionTimeout)
	err = b.client.Ping(pingCtx, nil)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("mongodb did not answer within %s: %w", 2*serverSelectionTimeout, err)
	}

	if !withS3 {
		return b, nil
	}
	s3cfg := cfg.S3
	if cfg.S3.Embedded() {
		dir := filepath.Join(cfg.DataDir, "s3")
		creds, err := embedded.LoadOrCreateCredentials(filepath.Join(cfg.DataDir, "s3-credentials.json"))
		if err != nil {
			return nil, err
		}
		if b.embS3, err = embedded.StartS3(ctx, dir, creds); err != nil {
			return nil, err
		}
		s3cfg.Endpoint, s3cfg.AccessKey, s3cfg.SecretKey, s3cfg.UseTLS = b.embS3.Endpoint(), creds.AccessKey, config.Secret(creds.SecretKey), false
		log.Info("s3: embedded versitygw (posix)", "mode", "embedded", "dir", dir, "endpoint", s3cfg.Endpoint, "bucket", s3cfg.Bucket)
	} else {
		log.Info("s3: external server", "mode", "external", "endpoint", s3cfg.Endpoint, "bucket", s3cfg.Bucket, "tls", s3cfg.UseTLS)
	}
	if b.storage, err = media.NewStorage(s3cfg); err != nil {
		return nil, err
	}
	bucketCtx, cancel := context.WithTimeout(ctx, 2*serverSelectionTimeout)
	err = b.storage.EnsureBucket(bucketCtx)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	return b, nil
}

func (b *backends) pingMongo(ctx context.Context) error {
	return b.client.Ping(ctx, nil)
}

// Close disconnects and stops everything that was opened, in reverse order.
func (b *backends) Close(timeout time.Duration) {
	if b.client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		if err := b.client.Disconnect(ctx); err != nil {
			b.log.Warn("mongodb disconnect", "err", err)
		}
		cancel()
		b.client = nil
	}
	if b.embS3 != nil {
		if err := b.embS3.Close(timeout); err != nil {
			b.log.Warn("embedded S3 stop", "err", err)
		}
		b.embS3 = nil
	}
	if b.embMongo != nil {
		if err := b.embMongo.Close(timeout); err != nil {
			b.log.Warn("embedded MongoDB stop", "err", err)
		}
		b.embMongo = nil
	}
	if b.lock != nil {
		_ = b.lock.Close()
		b.lock = nil
	}
}

// levelFloor drops records below a level.
type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h levelFloor) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFloor{h.Handler.WithAttrs(a), h.min}
}

func (h levelFloor) WithGroup(n string) slog.Handler {
	return levelFloor{h.Handler.WithGroup(n), h.min}
}
