package httpapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

type healthResponse struct {
	Status string `json:"status"`
}

// healthz says the process is alive; it touches no dependency.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(healthResponse{Status: "ok"})
}

type readyCheck struct {
	Name   string `json:"name"`
	Status string `json:"status"` // ok | failing
	Error  string `json:"error,omitempty"`
}

type readyResponse struct {
	Status string       `json:"status"` // ready | not_ready
	Checks []readyCheck `json:"checks"`
}

// readyTimeout bounds the readiness probe as a whole.
const readyTimeout = 2 * time.Second

// readyz pings every dependency in parallel within two seconds; 503 names the failing ones.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), readyTimeout)
	defer cancel()
	resp := readyResponse{Status: "ready", Checks: make([]readyCheck, len(s.ready))}
	var wg sync.WaitGroup
	for i, chk := range s.ready {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc := readyCheck{Name: chk.Name, Status: "ok"}
			if err := chk.Ping(ctx); err != nil {
				rc.Status = "failing"
				rc.Error = "unreachable or not answering"
				if ctx.Err() != nil {
					rc.Error = "no answer within " + readyTimeout.String()
				}
				s.log.Warn("readiness check failed", "check", chk.Name, "err", err)
			}
			resp.Checks[i] = rc
		}()
	}
	wg.Wait()
	status := http.StatusOK
	for _, rc := range resp.Checks {
		if rc.Status != "ok" {
			resp.Status = "not_ready"
			status = http.StatusServiceUnavailable
			c.Set(fiber.HeaderRetryAfter, "5")
		}
	}
	return c.Status(status).JSON(resp)
}
