package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/taito-lms/taito/internal/metrics"
	"github.com/taito-lms/taito/internal/outbox"
)

// TestMetricsAreScraped drives requests, a statement and an outbox job through a whole API,
// scrapes the metrics handler as Prometheus would and reads the text format with its parser.
func TestMetricsAreScraped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	learner := e.token(t, "learner")
	ctx := context.Background()

	const courseReads = 3
	for range courseReads {
		do(t, e.app, scenario{method: "GET", path: "/api/v1/courses/kokeilu", token: learner})
	}
	if resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"type":"viewed"}`}); resp.StatusCode != http.StatusCreated {
		t.Fatalf("record a view: %d %s", resp.StatusCode, body)
	}
	do(t, e.app, scenario{method: "GET", path: "/api/v1/courses/ei-ole", token: learner})
	if err := e.outbox.EnqueueEmail(ctx, "", outbox.Email{To: "metrics@example.fi", Subject: "s", Text: "t", Locale: "fi"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	// A query under a context that has ended is a store error of kind timeout.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := e.outbox.Get(done, "no-such-job"); err == nil {
		t.Fatal("a query with a cancelled context succeeded")
	}

	backlog := func(ctx context.Context) (metrics.Backlog, error) {
		b, err := e.outbox.Backlog(ctx)
		return metrics.Backlog{Pending: b.Pending, Failed: b.Failed, OldestPending: b.OldestPending}, err
	}
	srv := httptest.NewServer(metrics.Handler(metrics.NewRegistry(backlog, e.clock.Now)))
	t.Cleanup(srv.Close)
	families := scrape(t, srv.URL)

	for _, name := range []string{"go_goroutines", "go_memstats_heap_inuse_bytes", "taito_http_request_duration_seconds",
		"taito_ingest_batch_statements", "taito_ingest_commit_wait_seconds", "taito_projection_cache_lookups_total",
		"taito_store_errors_total", "taito_outbox_pending_jobs", "taito_outbox_failed_jobs", "taito_outbox_oldest_pending_age_seconds"} {
		if families[name] == nil {
			t.Errorf("no metric family %s", name)
		}
	}

	if n := histogramCount(families["taito_http_request_duration_seconds"], map[string]string{"route": "/api/v1/courses/:slug", "method": "GET", "status": "200"}); n < courseReads {
		t.Errorf("requests to /api/v1/courses/:slug: count %d, want at least %d", n, courseReads)
	}
	if n := histogramCount(families["taito_http_request_duration_seconds"], map[string]string{"route": "/api/v1/courses/:slug", "method": "GET", "status": "404"}); n < 1 {
		t.Errorf("404s of /api/v1/courses/:slug: count %d, want at least 1", n)
	}
	if n := histogramCount(families["taito_http_request_duration_seconds"], map[string]string{"route": "/api/v1/courses/:slug/lessons/:lesson/events", "method": "POST", "status": "201"}); n < 1 {
		t.Errorf("lesson events: count %d, want at least 1", n)
	}
	for _, m := range families["taito_http_request_duration_seconds"].GetMetric() {
		if route := label(m, "route"); route == "/api/v1/courses/kokeilu" || route == "/api/v1/courses/ei-ole" {
			t.Errorf("a raw path as route label: %q", route)
		}
	}
	if n := histogramCount(families["taito_ingest_batch_statements"], nil); n < 1 {
		t.Errorf("group-commit batches: %d, want at least 1", n)
	}
	if n := histogramCount(families["taito_ingest_commit_wait_seconds"], nil); n < 1 {
		t.Errorf("commit waits: %d, want at least 1", n)
	}
	if v := value(families["taito_projection_cache_lookups_total"], map[string]string{"result": "hit"}) +
		value(families["taito_projection_cache_lookups_total"], map[string]string{"result": "miss"}); v < 1 {
		t.Errorf("projection cache lookups: %v, want at least 1", v)
	}
	if v := value(families["taito_store_errors_total"], map[string]string{"kind": "timeout"}); v < 1 {
		t.Errorf("store errors of kind timeout: %v, want at least 1", v)
	}
	if v := value(families["taito_outbox_pending_jobs"], nil); v < 1 {
		t.Errorf("outbox pending: %v, want at least 1", v)
	}
	if v := value(families["taito_outbox_oldest_pending_age_seconds"], nil); v < 60 {
		t.Errorf("age of the oldest pending job: %vs, want at least 60s", v)
	}
	if v := value(families["taito_outbox_scrape_success"], nil); v != 1 {
		t.Errorf("outbox scrape success: %v, want 1", v)
	}
}

// scrape reads a metrics endpoint with Prometheus's text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return families
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// matching returns the metrics of a family whose labels include every one of want.
func matching(f *dto.MetricFamily, want map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range f.GetMetric() {
		ok := true
		for k, v := range want {
			ok = ok && label(m, k) == v
		}
		if ok {
			out = append(out, m)
		}
	}
	return out
}

func histogramCount(f *dto.MetricFamily, want map[string]string) uint64 {
	var n uint64
	for _, m := range matching(f, want) {
		n += m.GetHistogram().GetSampleCount()
	}
	return n
}

// value sums the counters or gauges of a family whose labels include want.
func value(f *dto.MetricFamily, want map[string]string) float64 {
	var v float64
	for _, m := range matching(f, want) {
		v += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return v
}
