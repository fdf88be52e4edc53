package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func newServer(t *testing.T, opts httpapi.Options) *httpapi.Server {
	t.Helper()
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return httpapi.New(&app.App{}, opts) // operations endpoints only: no services
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	db := testenv.Mongo(t)
	st := testenv.S3(t)
	ready := newServer(t, httpapi.Options{Ready: []app.Check{
		{Name: "mongodb", Ping: func(ctx context.Context) error { return db.Client().Ping(ctx, nil) }},
		{Name: "s3", Ping: st.Ping},
	}}).App()

	// A real driver pointed at a port nobody listens on: the probe must give up within its
	// two-second budget and name the dependency.
	down, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:1/").SetServerSelectionTimeout(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = down.Disconnect(context.Background()) })
	notReady := newServer(t, httpapi.Options{Ready: []app.Check{
		{Name: "mongodb", Ping: func(ctx context.Context) error { return down.Ping(ctx, nil) }},
		{Name: "s3", Ping: st.Ping},
	}}).App()

	run(t, ready, []scenario{
		{name: "healthz", method: "GET", path: "/healthz", status: 200, want: []string{`"status":"ok"`}},
		{name: "readyz with both up", method: "GET", path: "/readyz", status: 200,
			want: []string{`"status":"ready"`, `"name":"mongodb","status":"ok"`, `"name":"s3","status":"ok"`}},
		{name: "openapi served", method: "GET", path: "/api/openapi.yaml", status: 200, want: []string{"openapi: 3.1.0"}},
		{name: "unknown path", method: "GET", path: "/api/v1/nope", status: 404, want: []string{`"status":404`}},
		{name: "wrong method", method: "DELETE", path: "/healthz", status: 405},
		{name: "client request id echoed", method: "GET", path: "/healthz", headers: map[string]string{"X-Request-Id": "abc-123"}, status: 200,
			check: func(t *testing.T, resp *http.Response, _ []byte) {
				if got := resp.Header.Get("X-Request-Id"); got != "abc-123" {
					t.Errorf("X-Request-Id = %q, want abc-123", got)
				}
			}},
		{name: "malformed request id replaced", method: "GET", path: "/healthz", headers: map[string]string{"X-Request-Id": "<script>"}, status: 200,
			check: func(t *testing.T, resp *http.Response, _ []byte) {
				if got := resp.Header.Get("X-Request-Id"); got == "<script>" || len(got) != 36 {
					t.Errorf("X-Request-Id = %q, want a fresh uuid", got)
				}
			}},
	})

	start := time.Now()
	run(t, notReady, []scenario{
		{name: "readyz with mongodb down", method: "GET", path: "/readyz", status: 503,
			want:   []string{`"status":"not_ready"`, `"name":"mongodb","status":"failing"`, `"name":"s3","status":"ok"`},
			forbid: []string{"127.0.0.1:1", "server selection"},
			check: func(t *testing.T, resp *http.Response, _ []byte) {
				if resp.Header.Get("Retry-After") == "" {
					t.Error("503 without Retry-After")
				}
			}},
	})
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("readiness probe took %s with a dependency down, want about 2s", took)
	}
}

func TestBodyLimitIsProblemJSON(t *testing.T) {
	t.Parallel()
	// The limit is enforced by the HTTP server while reading, so this needs a real listener.
	addr := listen(t, newServer(t, httpapi.Options{BodyLimit: 1024}).App())
	resp, err := http.Post("http://"+addr+"/healthz", "application/json", strings.NewReader(strings.Repeat("x", 4096)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413; body %s", resp.StatusCode, body)
	}
	var p struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Status != 413 {
		t.Fatalf("body %s is not a 413 problem: %v", body, err)
	}
}
