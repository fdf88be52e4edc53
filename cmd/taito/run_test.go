package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/testenv"
)

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// logLine returns the attributes of the first JSON log line with message msg, polling until
// it appears or the process ends.
func logLine(t *testing.T, logs *syncBuffer, done <-chan error, msg string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		sc := bufio.NewScanner(strings.NewReader(logs.String()))
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["msg"] == msg {
				return rec
			}
		}
		select {
		case err := <-done:
			t.Fatalf("taito exited before logging %q: %v\nlogs:\n%s", msg, err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %q log line within 3 minutes; logs:\n%s", msg, logs.String())
	return nil
}

type process struct {
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
	stdout *syncBuffer
	addr   string
	mongo  string
	s3     string
}

// start runs `taito serve` in this process, as main would, and waits until it listens.
func start(t *testing.T, env map[string]string) *process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{cancel: cancel, done: make(chan error, 1), logs: &syncBuffer{}, stdout: &syncBuffer{}}
	getenv := func(k string) string { return env[k] }
	go func() { p.done <- run(ctx, []string{"taito", "serve"}, getenv, nil, p.stdout, p.logs) }()
	p.addr = logLine(t, p.logs, p.done, "listening")["addr"].(string)
	if rec := logLine(t, p.logs, p.done, "mongodb: embedded FerretDB (SQLite)"); rec != nil {
		p.mongo, _ = rec["uri"].(string)
	}
	for _, m := range []string{"s3: embedded versitygw (posix)", "s3: external server"} {
		if strings.Contains(p.logs.String(), m) {
			p.s3, _ = logLine(t, p.logs, p.done, m)["endpoint"].(string)
		}
	}
	return p
}

// stop cancels the context, as SIGTERM does, and requires a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	http.DefaultClient.CloseIdleConnections()
	p.cancel()
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("taito serve returned %v after shutdown; logs:\n%s", err, p.logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("taito serve did not stop within 60s; logs:\n%s", p.logs.String())
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeEndToEnd drives the whole program on the embedded default (or on the S3 server named
// by TAITO_TEST_S3_ENDPOINT): start, ready, refuse a second process on the same data directory,
// shut down cleanly, start again with the data still there.
func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"TAITO_DATA_DIR":         dir,
		"TAITO_HTTP_ADDR":        "127.0.0.1:0",
		"TAITO_METRICS_ADDR":     "127.0.0.1:0",
		"TAITO_LOG_FORMAT":       "json",
		"TAITO_SHUTDOWN_TIMEOUT": "10s",
		"TAITO_COURSES_DIR":      "../../courses",
	}
	external := os.Getenv("TAITO_TEST_S3_ENDPOINT") != ""
	if external {
		env["TAITO_S3_ENDPOINT"] = os.Getenv("TAITO_TEST_S3_ENDPOINT")
		env["TAITO_S3_ACCESS_KEY"] = os.Getenv("TAITO_TEST_S3_ACCESS_KEY")
		env["TAITO_S3_SECRET_KEY"] = os.Getenv("TAITO_TEST_S3_SECRET_KEY")
		env["TAITO_S3_BUCKET"] = testenv.RandomName("e2e-")
	}
	wd, _ := os.Getwd()

	p := start(t, env)
	if status, body := get(t, "http://"+p.addr+"/readyz"); status != 200 || !strings.Contains(body, `"status":"ready"`) {
		t.Fatalf("/readyz = %d %s", status, body)
	}
	if status, _ := get(t, "http://"+p.addr+"/healthz"); status != 200 {
		t.Fatalf("/healthz = %d", status)
	}

	// The first start on an empty database creates an admin, shows the password once and keeps
	// it in a file only the owner can read; the password signs in.
	pw := firstAdminPassword(t, p.stdout.String(), dir)
	status, body := post(t, "http://"+p.addr+"/api/v1/auth/login", `{"email":"admin@localhost","password":"`+pw+`"}`)
	if status != 200 || !strings.Contains(body, "access_token") {
		t.Fatalf("sign-in as the first admin: %d %s", status, body)
	}

	// The shipped course was imported and published on the first start.
	var login struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal([]byte(body), &login)
	req, _ := http.NewRequest(http.MethodGet, "http://"+p.addr+"/api/v1/courses/digiohjaus", nil)
	req.Header.Set("Authorization", "Bearer "+login.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	outline, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(outline), `"version":1`) {
		t.Fatalf("shipped course after the first start: %d %.300s", resp.StatusCode, outline)
	}

	// Metrics are served on their own address, with requests named by their route pattern.
	metricsURL := "http://" + logLine(t, p.logs, p.done, "metrics: listening")["addr"].(string) + "/metrics"
	if status, body := get(t, metricsURL); status != 200 || !strings.Contains(body, `route="/api/v1/courses/:slug"`) || !strings.Contains(body, "taito_outbox_pending_jobs") {
		t.Fatalf("GET /metrics = %d %.2000s", status, body)
	}

	// A second process on the same data directory fails at once, naming the problem.
	second := &syncBuffer{}
	err = run(context.Background(), []string{"taito", "serve"}, func(k string) string { return env[k] }, nil, io.Discard, second)
	if err == nil || !strings.Contains(err.Error(), "in use by another taito process") {
		t.Fatalf("second process on the same data dir: err = %v, want a lock error", err)
	}

	// Leave data in both stores to find after the restart.
	ctx := context.Background()
	mc, err := mongo.Connect(options.Client().ApplyURI(p.mongo))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mc.Database("taito").Collection("e2e").InsertOne(ctx, bson.D{{Key: "_id", Value: "kept"}}); err != nil {
		t.Fatal(err)
	}
	_ = mc.Disconnect(ctx)
	s3c := s3Client(t, p.s3, env, dir)
	bucket := env["TAITO_S3_BUCKET"]
	if bucket == "" {
		bucket = "taito"
	}
	if _, err := s3c.PutObject(ctx, bucket, "e2e/kept.txt", strings.NewReader("kept"), 4, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}

	p.stop(t)
	if got, _ := os.Getwd(); got != wd {
		t.Errorf("working directory after stop = %q, want %q restored", got, wd)
	}
	if !strings.Contains(p.logs.String(), `"msg":"HTTP server stopped"`) {
		t.Errorf("no clean-stop log line; logs:\n%s", p.logs.String())
	}
	if resp, err := http.Get(metricsURL); err == nil {
		resp.Body.Close()
		t.Errorf("the metrics address still answers after shutdown: %d", resp.StatusCode)
	}

	p = start(t, env)
	defer p.stop(t)
	if strings.Contains(p.stdout.String(), "first admin") {
		t.Error("a second first admin was created on restart")
	}
	mc, err = mongo.Connect(options.Client().ApplyURI(p.mongo))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(ctx)
	if err := mc.Database("taito").Collection("e2e").FindOne(ctx, bson.D{{Key: "_id", Value: "kept"}}).Err(); err != nil {
		t.Errorf("document written before the restart: %v", err)
	}
	s3c = s3Client(t, p.s3, env, dir)
	obj, err := s3c.GetObject(ctx, bucket, "e2e/kept.txt", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(obj)
	obj.Close()
	if err != nil || string(b) != "kept" {
		t.Errorf("object written before the restart: %q, %v", b, err)
	}
	if external {
		t.Cleanup(func() {
			_ = s3c.RemoveObject(ctx, bucket, "e2e/kept.txt", minio.RemoveObjectOptions{})
			_ = s3c.RemoveBucket(ctx, bucket)
		})
	}
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func firstAdminPassword(t *testing.T, stdout, dataDir string) string {
	t.Helper()
	_, after, ok := strings.Cut(stdout, "password: ")
	if !ok {
		t.Fatalf("no first-admin password on stdout: %q", stdout)
	}
	pw := strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
	path := filepath.Join(dataDir, "initial-admin.txt")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "password: "+pw) {
		t.Errorf("%s does not hold the printed password", path)
	}
	return pw
}

func s3Client(t *testing.T, endpoint string, env map[string]string, dataDir string) *minio.Client {
	t.Helper()
	ak, sk := env["TAITO_S3_ACCESS_KEY"], env["TAITO_S3_SECRET_KEY"]
	if ak == "" {
		b, err := os.ReadFile(filepath.Join(dataDir, "s3-credentials.json"))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			AccessKey string `json:"access_key"`
			SecretKey string `json:"secret_key"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		ak, sk = c.AccessKey, c.SecretKey
	}
	c, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, "")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestInvalidConfigStartsNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "never")
	env := map[string]string{"TAITO_DATA_DIR": dir, "TAITO_HTTP_ADDR": "nope", "TAITO_LOG_FORMAT": "xml"}
	err := run(context.Background(), []string{"taito", "serve"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	if err == nil {
		t.Fatal("serve with a bad configuration succeeded")
	}
	for _, want := range []string{"TAITO_HTTP_ADDR", "TAITO_LOG_FORMAT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not report %s: %v", want, err)
		}
	}
	if _, statErr := os.Stat(dir); !errors.Is(statErr, os.ErrNotExist) {
		t.Errorf("data directory was created despite the bad configuration")
	}
	if code := exitCode(err); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
}

func TestCommandLine(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		wantErr  bool
		wantCode int
		wantOut  string
	}{
		{"no command", []string{"taito"}, true, 2, ""},
		{"unknown command", []string{"taito", "frobnicate"}, true, 2, ""},
		{"help", []string{"taito", "help"}, false, 0, "taito serve"},
		{"version", []string{"taito", "version"}, false, 0, "taito dev"},
		{"bad serve flag", []string{"taito", "serve", "--nope"}, true, 2, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tc.args, func(string) string { return "" }, nil, &out, io.Discard)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && exitCode(err) != tc.wantCode {
				t.Errorf("exit code %d, want %d", exitCode(err), tc.wantCode)
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("stdout %q lacks %q", out.String(), tc.wantOut)
			}
		})
	}
}

func TestMain(m *testing.M) {
	serveIfCrashChild() // the crash test's server process (crash_test.go)
	testenv.Main(m)
}
