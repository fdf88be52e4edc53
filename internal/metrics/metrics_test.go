package metrics_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"

	"github.com/taito-lms/taito/internal/metrics"
)

// TestOutboxBacklogAtScrapeTime checks the outbox collector: the backlog read at each scrape,
// and a failed read reported as such rather than as an empty queue.
func TestOutboxBacklogAtScrapeTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		backlog metrics.BacklogFunc
		want    map[string]float64 // family → value; a family absent from want must be absent
	}{
		{"pending", func(context.Context) (metrics.Backlog, error) {
			return metrics.Backlog{Pending: 3, Failed: 1, OldestPending: now.Add(-90 * time.Second)}, nil
		}, map[string]float64{"taito_outbox_pending_jobs": 3, "taito_outbox_failed_jobs": 1, "taito_outbox_oldest_pending_age_seconds": 90, "taito_outbox_scrape_success": 1}},
		{"empty", func(context.Context) (metrics.Backlog, error) { return metrics.Backlog{}, nil },
			map[string]float64{"taito_outbox_pending_jobs": 0, "taito_outbox_failed_jobs": 0, "taito_outbox_oldest_pending_age_seconds": 0, "taito_outbox_scrape_success": 1}},
		{"unreadable", func(context.Context) (metrics.Backlog, error) { return metrics.Backlog{}, errors.New("no database") },
			map[string]float64{"taito_outbox_scrape_success": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			metrics.Handler(metrics.NewRegistry(tt.backlog, func() time.Time { return now })).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			var parser expfmt.TextParser
			families, err := parser.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"taito_outbox_pending_jobs", "taito_outbox_failed_jobs", "taito_outbox_oldest_pending_age_seconds", "taito_outbox_scrape_success"} {
				want, ok := tt.want[name]
				f := families[name]
				switch {
				case !ok && f != nil:
					t.Errorf("%s present after a failed read", name)
				case ok && f == nil:
					t.Errorf("%s missing", name)
				case ok && f.GetMetric()[0].GetGauge().GetValue() != want:
					t.Errorf("%s = %v, want %v", name, f.GetMetric()[0].GetGauge().GetValue(), want)
				}
			}
			if families["go_goroutines"] == nil || families["process_start_time_seconds"] == nil && families["process_cpu_seconds_total"] == nil {
				t.Error("no Go runtime or process metrics")
			}
		})
	}
}
