// Package testenv gives tests real MongoDB-compatible and S3-compatible servers: by default the
// embedded FerretDB and versitygw pair, one per test binary, with a fresh database and a fresh
// bucket per test, removed when the test ends.
//
// Environment:
//
//	TAITO_TEST_MONGODB_URI            use this MongoDB instead of the embedded FerretDB
//	TAITO_TEST_S3_ENDPOINT            use this S3 (host:port) instead of the embedded gateway,
//	TAITO_TEST_S3_ACCESS_KEY/_SECRET_KEY/_USE_TLS/_REGION   with these settings
//	TAITO_TEST_REQUIRE_EXTERNAL       "mongodb", "s3" or both comma-separated ("1" means both):
//	                                  a test that needs one of these fails unless it is external
//
// It never skips a test: a server that cannot be reached fails the test that asked for it.
//
// Packages that use it call Main from TestMain, which stops the servers after the tests. The
// embedded S3 gateway changes its process's working directory, so testenv runs it in a child copy
// of the test binary, started on first use. It is a
// test helper only and must never be imported by non-test code.
package testenv

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/config"
	"github.com/taito-lms/taito/internal/embedded"
	"github.com/taito-lms/taito/internal/media"
)

const childEnv = "TAITO_TESTENV_S3_CHILD"

var errNoMain = fmt.Errorf("testenv needs TestMain: add `func TestMain(m *testing.M) { testenv.Main(m) }` to this package")

// shared holds the per-binary servers, started on first use.
var shared struct {
	mu       sync.Mutex
	mainRan  bool
	tmp      string
	embMongo *embedded.Mongo
	client   *mongo.Client
	mongoErr error

	s3cfg *config.S3Config
	s3Err error
	child *exec.Cmd
	stdin io.WriteCloser
}

// Main runs the tests of a package and then stops the shared servers. Call it from TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(runS3Child())
	}
	shared.mainRan = true
	code := m.Run()
	shutdown()
	os.Exit(code)
}

func required(server string) bool {
	v := os.Getenv("TAITO_TEST_REQUIRE_EXTERNAL")
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "1" || p == "true" || p == "all" || p == server {
			return true
		}
	}
	return false
}

func tempRoot() (string, error) {
	if shared.tmp == "" {
		dir, err := os.MkdirTemp("", "taito-testenv-")
		if err != nil {
			return "", err
		}
		shared.tmp = dir
	}
	return shared.tmp, nil
}

// RandomName returns prefix followed by 12 random hex digits.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func mongoClient() (*mongo.Client, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.client != nil || shared.mongoErr != nil {
		return shared.client, shared.mongoErr
	}
	if !shared.mainRan {
		shared.mongoErr = errNoMain
		return nil, errNoMain
	}
	uri := os.Getenv("TAITO_TEST_MONGODB_URI")
	if uri == "" {
		if required("mongodb") {
			shared.mongoErr = fmt.Errorf("TAITO_TEST_REQUIRE_EXTERNAL names mongodb but TAITO_TEST_MONGODB_URI is not set")
			return nil, shared.mongoErr
		}
		root, err := tempRoot()
		if err != nil {
			shared.mongoErr = err
			return nil, err
		}
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		shared.embMongo, err = embedded.StartMongo(context.Background(), root+"/db", quiet)
		if err != nil {
			shared.mongoErr = err
			return nil, err
		}
		uri = shared.embMongo.URI()
	}
	client, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(5 * time.Second))
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = client.Ping(ctx, nil)
		cancel()
	}
	if err != nil {
		shared.mongoErr = fmt.Errorf("test MongoDB does not answer: %w", err)
		return nil, shared.mongoErr
	}
	shared.client = client
	return client, nil
}

// MongoURI returns the URI of the test MongoDB server (embedded or external), starting it if needed.
func MongoURI(t testing.TB) string {
	t.Helper()
	if _, err := mongoClient(); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if u := os.Getenv("TAITO_TEST_MONGODB_URI"); u != "" {
		return u
	}
	return shared.embMongo.URI()
}

// Mongo returns a fresh, empty database that is dropped when the test ends.
func Mongo(t testing.TB) *mongo.Database {
	t.Helper()
	client, err := mongoClient()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	db := client.Database(RandomName("t_"))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := db.Drop(ctx); err != nil {
			t.Errorf("testenv: drop database %s: %v", db.Name(), err)
		}
	})
	return db
}

// S3Config returns the settings of the test S3 server, starting the embedded one if needed; the
// Bucket field is empty. Use S3 for a fresh bucket.
func S3Config(t testing.TB) config.S3Config {
	t.Helper()
	cfg, err := s3Server()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return cfg
}

// S3 returns storage over a fresh bucket that is emptied and removed when the test ends.
func S3(t testing.TB) *media.Storage {
	t.Helper()
	cfg := S3Config(t)
	cfg.Bucket = RandomName("t-")
	st, err := media.NewStorage(cfg)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := st.EnsureBucket(ctx); err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { removeBucket(t, st.Client(), cfg.Bucket) })
	return st
}

func removeBucket(t testing.TB, c *minio.Client, bucket string) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for obj := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Errorf("testenv: list %s: %v", bucket, obj.Err)
			return
		}
		if err := c.RemoveObject(ctx, bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil {
			t.Errorf("testenv: remove %s/%s: %v", bucket, obj.Key, err)
		}
	}
	for up := range c.ListIncompleteUploads(ctx, bucket, "", true) {
		if up.Err == nil {
			_ = c.RemoveIncompleteUpload(ctx, bucket, up.Key)
		}
	}
	if err := c.RemoveBucket(ctx, bucket); err != nil {
		t.Errorf("testenv: remove bucket %s: %v", bucket, err)
	}
}

func s3Server() (config.S3Config, error) {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.s3cfg != nil || shared.s3Err != nil {
		if shared.s3Err != nil {
			return config.S3Config{}, shared.s3Err
		}
		return *shared.s3cfg, nil
	}
	cfg, err := startS3()
	if err != nil {
		shared.s3Err = err
		return cfg, err
	}
	// One round trip, so a wrong endpoint or key fails here with a clear message.
	st, err := media.NewStorage(cfg)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = st.Client().ListBuckets(ctx)
		cancel()
	}
	if err != nil {
		shared.s3Err = fmt.Errorf("test S3 at %s does not answer: %w", cfg.Endpoint, err)
		return cfg, shared.s3Err
	}
	shared.s3cfg = &cfg
	return cfg, nil
}

func startS3() (config.S3Config, error) {
	if ep := os.Getenv("TAITO_TEST_S3_ENDPOINT"); ep != "" {
		cfg := config.S3Config{
			Endpoint:  ep,
			AccessKey: os.Getenv("TAITO_TEST_S3_ACCESS_KEY"),
			SecretKey: config.Secret(os.Getenv("TAITO_TEST_S3_SECRET_KEY")),
			Region:    os.Getenv("TAITO_TEST_S3_REGION"),
			UseTLS:    os.Getenv("TAITO_TEST_S3_USE_TLS") == "true",
		}
		if cfg.Region == "" {
			cfg.Region = config.DefaultRegion
		}
		return cfg, nil
	}
	if required("s3") {
		return config.S3Config{}, fmt.Errorf("TAITO_TEST_REQUIRE_EXTERNAL names s3 but TAITO_TEST_S3_ENDPOINT is not set")
	}
	if !shared.mainRan {
		return config.S3Config{}, errNoMain
	}
	root, err := tempRoot()
	if err != nil {
		return config.S3Config{}, err
	}
	creds := embedded.Credentials{AccessKey: "testenv" + RandomName(""), SecretKey: RandomName("") + RandomName("")}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"TAITO_TESTENV_S3_DIR="+root+"/s3",
		"TAITO_TESTENV_S3_ACCESS_KEY="+creds.AccessKey,
		"TAITO_TESTENV_S3_SECRET_KEY="+creds.SecretKey)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return config.S3Config{}, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return config.S3Config{}, err
	}
	if err := cmd.Start(); err != nil {
		return config.S3Config{}, fmt.Errorf("start embedded S3 child: %w", err)
	}
	shared.child, shared.stdin = cmd, stdin
	endpoint := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if ep, ok := strings.CutPrefix(sc.Text(), "testenv-s3-ready "); ok {
				endpoint <- ep
			}
		}
		close(endpoint)
	}()
	select {
	case ep, ok := <-endpoint:
		if !ok {
			return config.S3Config{}, fmt.Errorf("embedded S3 child exited before it was ready")
		}
		return config.S3Config{Endpoint: ep, AccessKey: creds.AccessKey, SecretKey: config.Secret(creds.SecretKey), Region: config.DefaultRegion}, nil
	case <-time.After(60 * time.Second):
		return config.S3Config{}, fmt.Errorf("embedded S3 child not ready within 60s")
	}
}

// runS3Child is the child process: it runs the gateway until its stdin closes, which happens
// when the parent test binary exits, however it exits.
func runS3Child() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	creds := embedded.Credentials{AccessKey: os.Getenv("TAITO_TESTENV_S3_ACCESS_KEY"), SecretKey: os.Getenv("TAITO_TESTENV_S3_SECRET_KEY")}
	s, err := embedded.StartS3(ctx, os.Getenv("TAITO_TESTENV_S3_DIR"), creds)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv S3 child:", err)
		return 1
	}
	fmt.Println("testenv-s3-ready " + s.Endpoint())
	_, _ = io.Copy(io.Discard, os.Stdin)
	if err := s.Close(10 * time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "testenv S3 child:", err)
		return 1
	}
	return 0
}

func shutdown() {
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.client != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = shared.client.Disconnect(ctx)
		cancel()
	}
	if shared.embMongo != nil {
		_ = shared.embMongo.Close(10 * time.Second)
	}
	if shared.child != nil {
		_ = shared.stdin.Close()
		done := make(chan struct{})
		go func() { _ = shared.child.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = shared.child.Process.Kill()
		}
	}
	if shared.tmp != "" {
		_ = os.RemoveAll(shared.tmp)
	}
}
