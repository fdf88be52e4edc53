package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/taito-lms/taito/internal/metrics"
	"github.com/taito-lms/taito/internal/outbox"
)

// metricsServer serves /metrics on its own listener, so that the address can stay private
// while the API is public. The zero value (no TAITO_METRICS_ADDR) serves nothing.
type metricsServer struct {
	srv    *http.Server
	served chan error
}

// serveMetrics starts serving metrics on addr; with addr empty it does nothing.
func serveMetrics(addr string, ob *outbox.Outbox, log *slog.Logger) (*metricsServer, error) {
	if addr == "" {
		return &metricsServer{}, nil
	}
	backlog := func(ctx context.Context) (metrics.Backlog, error) {
		b, err := ob.Backlog(ctx)
		return metrics.Backlog{Pending: b.Pending, Failed: b.Failed, OldestPending: b.OldestPending}, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(metrics.NewRegistry(backlog, time.Now)))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics on %s: %w", addr, err)
	}
	m := &metricsServer{srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, served: make(chan error, 1)}
	go func() {
		err := m.srv.Serve(ln)
		if !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics: server stopped", "err", err)
		}
		m.served <- err
	}()
	log.Info("metrics: listening", "addr", ln.Addr().String())
	return m, nil
}

// shutdown stops the metrics listener, waiting up to timeout for scrapes in flight.
func (m *metricsServer) shutdown(timeout time.Duration) {
	if m.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_ = m.srv.Shutdown(ctx) // a scrape still running after timeout is cut; nothing is lost
	<-m.served
	m.srv = nil
}

// close stops the metrics listener at once, on the paths that leave serve early.
func (m *metricsServer) close() {
	if m.srv == nil {
		return
	}
	_ = m.srv.Close()
	<-m.served
	m.srv = nil
}
