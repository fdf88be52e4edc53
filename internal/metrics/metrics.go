// Package metrics holds Taito's Prometheus instruments and the registry that exports them on
// the metrics address (TAITO_METRICS_ADDR): requests by route pattern, method and status; the
// group commit's batch sizes and waits; projection cache lookups; store errors by kind; the
// outbox's backlog, read at scrape time; and the Go runtime and process.
//
// The instruments are package values so that the places that record (the access log, the group
// commit, the projection cache, mongox.Err) need no parameter threaded through every
// constructor: they are write-only, safe for concurrent use, and recording costs no I/O. Every
// registry built by NewRegistry exports the same instruments. It is not a place for business
// counters (learners, completions): those are the reports' job, read from the database.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/taito-lms/taito/internal/apperr"
)

const namespace = "taito"

var (
	requests = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by route pattern, method and status.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"route", "method", "status"})

	commitBatch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace, Name: "ingest_batch_statements",
		Help:    "Statements written by one group-commit flush.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
	})
	commitWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: namespace, Name: "ingest_commit_wait_seconds",
		Help:    "Time a request's statements waited in the group commit until written and applied.",
		Buckets: []float64{.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 15},
	})

	cacheLookups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "projection_cache_lookups_total",
		Help: "Lookups of the learning projection cache, by result (hit or miss).",
	}, []string{"result"})

	storeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "store_errors_total",
		Help: "MongoDB errors translated by the stores, by kind (unavailable, timeout, conflict, internal).",
	}, []string{"kind"})

	auditFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "audit_failures_total",
		Help: "Audit log entries that could not be recorded (the act itself went ahead).",
	})

	caughtUp = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "ingest_caught_up_statements_total",
		Help: "Logged statements applied to their projections by a catch-up, after a write that did not finish.",
	})
)

// ObserveRequest records one answered HTTP request. route is the pattern the request matched
// ("/api/v1/courses/:slug"), never the raw path, so that the label set stays small.
func ObserveRequest(route, method string, status int, took time.Duration) {
	requests.WithLabelValues(route, method, strconv.Itoa(status)).Observe(took.Seconds())
}

// ObserveCommitBatch records the number of statements one group-commit flush wrote.
func ObserveCommitBatch(statements int) { commitBatch.Observe(float64(statements)) }

// ObserveCommitWait records how long a request waited for its statements to be committed.
func ObserveCommitWait(took time.Duration) { commitWait.Observe(took.Seconds()) }

// CacheLookup records a lookup of the projection cache.
func CacheLookup(hit bool) {
	if hit {
		cacheLookups.WithLabelValues("hit").Inc()
		return
	}
	cacheLookups.WithLabelValues("miss").Inc()
}

// StoreError records a store error of the given kind.
func StoreError(kind apperr.Kind) { storeErrors.WithLabelValues(kind.String()).Inc() }

// AuditFailure counts one audit log entry that could not be recorded.
func AuditFailure() { auditFailures.Inc() }

// CaughtUp counts statements a catch-up applied to their projections.
func CaughtUp(statements int) { caughtUp.Add(float64(statements)) }

// Backlog is the outbox's state at one moment.
type Backlog struct {
	Pending       int       // jobs waiting to be done
	Failed        int       // jobs that failed for good
	OldestPending time.Time // creation of the oldest pending job; zero when none is pending
}

// BacklogFunc reads the outbox's backlog; it is called at every scrape.
type BacklogFunc func(ctx context.Context) (Backlog, error)

// NewRegistry returns a registry (not Prometheus's global one) with the Go runtime and process
// collectors, Taito's instruments and, when backlog is not nil, the outbox's backlog read
// through it at scrape time.
func NewRegistry(backlog BacklogFunc, now func() time.Time) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		requests, commitBatch, commitWait, cacheLookups, storeErrors, auditFailures, caughtUp,
	)
	if backlog != nil {
		reg.MustRegister(&outboxCollector{backlog: backlog, now: now})
	}
	return reg
}

// Handler serves reg in Prometheus's exposition formats.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg, Timeout: 10 * time.Second})
}

// scrapeTimeout bounds the outbox query of one scrape.
const scrapeTimeout = 5 * time.Second

var (
	outboxPending = prometheus.NewDesc(namespace+"_outbox_pending_jobs",
		"Outbox jobs waiting to be done.", nil, nil)
	outboxFailed = prometheus.NewDesc(namespace+"_outbox_failed_jobs",
		"Outbox jobs that failed for good and wait for an administrator's retry.", nil, nil)
	outboxOldest = prometheus.NewDesc(namespace+"_outbox_oldest_pending_age_seconds",
		"Age of the oldest pending outbox job; 0 when none is pending.", nil, nil)
	outboxUp = prometheus.NewDesc(namespace+"_outbox_scrape_success",
		"1 when the outbox could be read at this scrape, 0 when not.", nil, nil)
)

// outboxCollector reads the outbox when scraped, so that the numbers are those of the
// database, shared by every replica, not of this process.
type outboxCollector struct {
	backlog BacklogFunc
	now     func() time.Time
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxPending
	ch <- outboxFailed
	ch <- outboxOldest
	ch <- outboxUp
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	b, err := c.backlog(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(outboxUp, prometheus.GaugeValue, 0)
		return
	}
	age := 0.0
	if !b.OldestPending.IsZero() {
		age = max(c.now().Sub(b.OldestPending).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(outboxUp, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(outboxPending, prometheus.GaugeValue, float64(b.Pending))
	ch <- prometheus.MustNewConstMetric(outboxFailed, prometheus.GaugeValue, float64(b.Failed))
	ch <- prometheus.MustNewConstMetric(outboxOldest, prometheus.GaugeValue, age)
}
