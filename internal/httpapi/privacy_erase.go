package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/app"
)

// Erasure of a person (GDPR Article 17), by admins: POST erases her (resuming an erasure of hers
// stopped part-way), GET tells where an erasure stands. Erasing a person who is gone (also one
// erased before) is 404: the erasure is then read by its own id.

type erasureRequest struct {
	Confirm string `json:"confirm"` // the person's e-mail address, typed by the admin
}

type erasureItem struct {
	ID         string     `json:"id"`
	Status     string     `json:"status"`
	Steps      []string   `json:"steps"`
	StepsTotal int        `json:"steps_total"`
	OrderedBy  string     `json:"ordered_by,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

func erasureJSON(e app.Erasure) erasureItem {
	return erasureItem{ID: e.ID, Status: e.Status, Steps: e.Steps, StepsTotal: e.Total, OrderedBy: e.OrderedBy, StartedAt: e.Started, FinishedAt: e.Finished}
}

// eraseUser erases a person: 200 with the finished erasure.
func (s *Server) eraseUser(c *fiber.Ctx) error {
	var req erasureRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	e, err := s.app.EraseUserConfirmed(c.UserContext(), principal(c), c.Params("id"), req.Confirm)
	if err != nil {
		return err
	}
	return c.JSON(erasureJSON(e))
}

// erasure tells where an erasure stands.
func (s *Server) erasure(c *fiber.Ctx) error {
	e, err := s.app.ErasureOf(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(erasureJSON(e))
}
