// Package config reads Taito's configuration from TAITO_* environment variables.
//
// Load validates everything at once and reports every problem together, so an operator fixes a
// bad deployment in one round. Secrets are of type Secret, which redacts itself in logs and
// JSON. The package does not read files or flags; cmd/taito decides where values come from.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Secret is a string that never prints itself.
type Secret string

// String redacts the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// GoString redacts the value in %#v.
func (Secret) GoString() string { return `"[redacted]"` }

// MarshalText redacts the value in JSON and slog output.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Reveal returns the secret value. Call it only where the value is handed to a client library.
func (s Secret) Reveal() string { return string(s) }

// Config is the whole configuration of a Taito process.
type Config struct {
	HTTPAddr string
	// MetricsAddr is where Prometheus metrics are served (host:port), on a listener of their
	// own; empty: no metrics.
	MetricsAddr     string
	PublicURL       string
	DataDir         string // absolute
	CoursesDir      string // absolute; shipped courses imported on the first embedded start
	LogFormat       string // text | json
	LogLevel        string // debug | info | warn | error
	ShutdownTimeout time.Duration
	BodyLimit       int           // bytes
	RequestTimeout  time.Duration // per-request context deadline
	TrustedProxies  []string      // CIDRs or addresses whose X-Forwarded-For is believed
	JWTKeyFile      string        // PEM Ed25519 keys, current first; empty: generated in DataDir
	// CredentialKeyFile holds the PEM Ed25519 keys that sign certificates, current first;
	// empty: generated in DataDir.
	CredentialKeyFile string
	MediaMaxVideo     int64 // bytes
	MediaMaxFile      int64 // bytes, for everything but video
	MediaGCInterval   time.Duration
	MediaDelivery     string // redirect (presigned S3 URLs) | proxy (through Taito)
	SMTPURL           Secret // smtp://user:pass@host:port; empty: e-mail waits in the outbox
	SMTPFrom          string
	AccessTokenTTL    time.Duration
	SessionIdle       time.Duration // a browser session ends after this long without a request
	SessionMaxAge     time.Duration // and after this long in all
	OrgName           string        // the organisation that runs Taito, the controller in the privacy notice
	PrivacyContact    string        // where people reach the controller about their data (an address, a page)
	DPOContact        string        // the data protection officer's contact, shown in the privacy notice (TAITO_DPO_CONTACT)
	OrgLogoFile       string        // PNG or JPEG logo on certificates; empty: none

	Mongo MongoConfig
	S3    S3Config

	// Retention is how long records are kept (TAITO_RETENTION_*); see retention.go.
	Retention Retention

	// CacheLifetime bounds how long a replica keeps answers another replica may change
	// (accounts' status, cohort membership, courses' current versions, progress); zero: each
	// cache's default.
	CacheLifetime time.Duration
	// OutboxInterval is how often queued e-mail is looked for and sent.
	OutboxInterval time.Duration
	// CatchUpGrace is how old a statement marker must be before a catch-up takes it for the
	// leftover of a write that did not finish and applies its statements to the projections.
	CatchUpGrace time.Duration
}

// MongoConfig says where MongoDB is. An empty URI means the embedded FerretDB.
type MongoConfig struct {
	URI      Secret // may hold a password
	Database string
}

// Embedded reports whether the embedded server is to be started.
func (m MongoConfig) Embedded() bool { return m.URI == "" }

// S3Config says where the S3-compatible object store is. An empty Endpoint means the embedded
// gateway, whose credentials are generated in the data directory.
type S3Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey Secret
	Bucket    string
	Region    string
	UseTLS    bool
}

// Embedded reports whether the embedded gateway is to be started.
func (s S3Config) Embedded() bool { return s.Endpoint == "" }

// Defaults that work on a laptop.
const (
	DefaultHTTPAddr        = "127.0.0.1:8080"
	DefaultDataDir         = "./data"
	DefaultDatabase        = "taito"
	DefaultBucket          = "taito"
	DefaultRegion          = "us-east-1"
	DefaultShutdownTimeout = 15 * time.Second
	DefaultBodyLimit       = 1 << 20
	DefaultRequestTimeout  = 15 * time.Second
	DefaultAccessTokenTTL  = 15 * time.Minute
	DefaultOutboxInterval  = 10 * time.Second
	// DefaultCatchUpGrace is twice the longest a group-commit flush may take, so that a catch-up
	// never races another replica's live flush.
	DefaultCatchUpGrace = 30 * time.Second
)

// Media delivery modes (TAITO_MEDIA_DELIVERY).
const (
	// MediaRedirect sends browsers to presigned S3 URLs: S3 must be reachable from them.
	MediaRedirect = "redirect"
	// MediaProxy streams media through Taito, uploads included: for an S3 that only Taito
	// reaches, such as the embedded gateway on loopback.
	MediaProxy = "proxy"
)

// Load reads the configuration through getenv and validates it. The error joins every problem.
func Load(getenv func(string) string) (Config, error) {
	var errs []error
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	problem := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}

	c := Config{
		HTTPAddr:    get("TAITO_HTTP_ADDR", DefaultHTTPAddr),
		MetricsAddr: get("TAITO_METRICS_ADDR", ""),
		LogFormat:   get("TAITO_LOG_FORMAT", "text"),
		LogLevel:    get("TAITO_LOG_LEVEL", "info"),
		Mongo: MongoConfig{
			URI:      Secret(get("TAITO_MONGODB_URI", "")),
			Database: get("TAITO_MONGODB_DATABASE", DefaultDatabase),
		},
		S3: S3Config{
			Endpoint:  get("TAITO_S3_ENDPOINT", ""),
			AccessKey: get("TAITO_S3_ACCESS_KEY", ""),
			SecretKey: Secret(get("TAITO_S3_SECRET_KEY", "")),
			Bucket:    get("TAITO_S3_BUCKET", DefaultBucket),
			Region:    get("TAITO_S3_REGION", DefaultRegion),
		},
	}

	if _, port, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		problem("TAITO_HTTP_ADDR", "want host:port, got %q", c.HTTPAddr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		problem("TAITO_HTTP_ADDR", "invalid port %q", port)
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			problem("TAITO_METRICS_ADDR", "want host:port, got %q", c.MetricsAddr)
		} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
			problem("TAITO_METRICS_ADDR", "invalid port %q", port)
		}
	}

	dataDir, err := filepath.Abs(get("TAITO_DATA_DIR", DefaultDataDir))
	if err != nil {
		problem("TAITO_DATA_DIR", "%v", err)
	}
	c.DataDir = dataDir
	if c.CoursesDir, err = filepath.Abs(get("TAITO_COURSES_DIR", "./courses")); err != nil {
		problem("TAITO_COURSES_DIR", "%v", err)
	}

	c.PublicURL = strings.TrimRight(get("TAITO_PUBLIC_URL", "http://"+c.HTTPAddr), "/")
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		problem("TAITO_PUBLIC_URL", "want an absolute http(s) URL without query, got %q", c.PublicURL)
	}

	switch c.LogFormat {
	case "text", "json":
	default:
		problem("TAITO_LOG_FORMAT", "want text or json, got %q", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problem("TAITO_LOG_LEVEL", "want debug, info, warn or error, got %q", c.LogLevel)
	}

	duration := func(name string, def time.Duration) time.Duration {
		v := get(name, "")
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			problem(name, "want a positive duration such as 15s, got %q", v)
			return def
		}
		return d
	}
	c.ShutdownTimeout = duration("TAITO_SHUTDOWN_TIMEOUT", DefaultShutdownTimeout)
	c.RequestTimeout = duration("TAITO_REQUEST_TIMEOUT", DefaultRequestTimeout)

	c.AccessTokenTTL = duration("TAITO_ACCESS_TOKEN_TTL", DefaultAccessTokenTTL)
	if c.AccessTokenTTL > DefaultAccessTokenTTL {
		problem("TAITO_ACCESS_TOKEN_TTL", "at most %s, so that a disabled account is locked out quickly", DefaultAccessTokenTTL)
	}

	c.SessionIdle = duration("TAITO_SESSION_IDLE_TIMEOUT", 2*time.Hour)
	c.SessionMaxAge = duration("TAITO_SESSION_MAX_AGE", 12*time.Hour)
	if c.SessionIdle > c.SessionMaxAge {
		problem("TAITO_SESSION_IDLE_TIMEOUT", "at most TAITO_SESSION_MAX_AGE (%s)", c.SessionMaxAge)
	}

	for _, v := range []struct {
		name string
		to   *string
	}{{"TAITO_ORG_NAME", &c.OrgName}, {"TAITO_PRIVACY_CONTACT", &c.PrivacyContact}, {"TAITO_DPO_CONTACT", &c.DPOContact}} {
		*v.to = get(v.name, "")
		if len(*v.to) > 300 || strings.ContainsFunc(*v.to, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			problem(v.name, "want at most 300 characters on one line")
		}
	}

	c.Retention = loadRetention(get, problem)

	c.MediaGCInterval = duration("TAITO_MEDIA_GC_INTERVAL", time.Hour)
	c.CacheLifetime = duration("TAITO_CACHE_LIFETIME", 0)
	c.OutboxInterval = duration("TAITO_OUTBOX_INTERVAL", DefaultOutboxInterval)
	c.CatchUpGrace = duration("TAITO_CATCHUP_GRACE", DefaultCatchUpGrace)
	c.SMTPURL = Secret(get("TAITO_SMTP_URL", ""))
	c.SMTPFrom = get("TAITO_SMTP_FROM", "Taito <noreply@localhost>")
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL.Reveal()); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			problem("TAITO_SMTP_URL", "want smtp://[user:pass@]host:port or smtps://…")
		}
	}
	bytesVar := func(name string, def, max int64) int64 {
		v := get(name, "")
		if v == "" {
			return def
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 || n > max {
			problem(name, "want a number of bytes from 1024 to %d, got %q", max, v)
			return def
		}
		return n
	}
	c.MediaMaxVideo = bytesVar("TAITO_MEDIA_MAX_VIDEO_BYTES", 2<<30, 50<<30)
	c.MediaMaxFile = bytesVar("TAITO_MEDIA_MAX_FILE_BYTES", 50<<20, 5<<30)
	def := MediaRedirect
	if c.S3.Embedded() {
		def = MediaProxy // the embedded gateway listens on loopback only
	}
	switch c.MediaDelivery = get("TAITO_MEDIA_DELIVERY", def); c.MediaDelivery {
	case MediaRedirect, MediaProxy:
	default:
		problem("TAITO_MEDIA_DELIVERY", "want redirect or proxy, got %q", c.MediaDelivery)
	}

	c.BodyLimit = DefaultBodyLimit
	if v := get("TAITO_BODY_LIMIT", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1024 || n > 64<<20 {
			problem("TAITO_BODY_LIMIT", "want a number of bytes from 1024 to %d, got %q", 64<<20, v)
		} else {
			c.BodyLimit = n
		}
	}

	if v := get("TAITO_TRUSTED_PROXIES", ""); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
				problem("TAITO_TRUSTED_PROXIES", "%q is neither an IP address nor a CIDR", p)
				continue
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}

	if !c.Mongo.Embedded() {
		u, err := url.Parse(c.Mongo.URI.Reveal())
		if err != nil || (u.Scheme != "mongodb" && u.Scheme != "mongodb+srv") {
			// Never echo the URI: it may carry a password.
			problem("TAITO_MONGODB_URI", "want a mongodb:// or mongodb+srv:// URI")
		}
	}
	if v := get("TAITO_JWT_KEY_FILE", ""); v != "" {
		if abs, err := filepath.Abs(v); err == nil {
			c.JWTKeyFile = abs
		}
	} else if !c.Mongo.Embedded() {
		problem("TAITO_JWT_KEY_FILE", "required with an external MongoDB, so that every replica signs with the same keys (create one with `taito keys generate`)")
	}
	if v := get("TAITO_CREDENTIAL_KEY_FILE", ""); v != "" {
		if abs, err := filepath.Abs(v); err == nil {
			c.CredentialKeyFile = abs
		}
	} else if !c.Mongo.Embedded() {
		problem("TAITO_CREDENTIAL_KEY_FILE", "required with an external MongoDB, so that every replica signs certificates with the same keys (create one with `taito credential-keys generate`)")
	}
	if v := get("TAITO_ORG_LOGO_FILE", ""); v != "" {
		if abs, err := filepath.Abs(v); err == nil {
			c.OrgLogoFile = abs
		}
	}
	if !validName(c.Mongo.Database, 63) {
		problem("TAITO_MONGODB_DATABASE", "want 1-63 letters, digits, '-' or '_', got %q", c.Mongo.Database)
	}

	if v := get("TAITO_S3_USE_TLS", ""); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			problem("TAITO_S3_USE_TLS", "want true or false, got %q", v)
		}
		c.S3.UseTLS = b
	}
	if !c.S3.Embedded() {
		if strings.Contains(c.S3.Endpoint, "://") || strings.Contains(c.S3.Endpoint, "/") {
			problem("TAITO_S3_ENDPOINT", "want host[:port] without scheme or path (use TAITO_S3_USE_TLS for https), got %q", c.S3.Endpoint)
		}
		if c.S3.AccessKey == "" {
			problem("TAITO_S3_ACCESS_KEY", "required when TAITO_S3_ENDPOINT is set")
		}
		if c.S3.SecretKey == "" {
			problem("TAITO_S3_SECRET_KEY", "required when TAITO_S3_ENDPOINT is set")
		}
	}
	if !validBucket(c.S3.Bucket) {
		problem("TAITO_S3_BUCKET", "want a DNS-style bucket name (3-63 lower-case letters, digits, '-'), got %q", c.S3.Bucket)
	}

	return c, errors.Join(errs...)
}

func validName(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func validBucket(s string) bool {
	if len(s) < 3 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
