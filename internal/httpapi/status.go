package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/app"
)

type adminStatusResponse struct {
	Version    string             `json:"version,omitempty"`
	StartedAt  *time.Time         `json:"started_at,omitempty"`
	Now        time.Time          `json:"now"`
	Outbox     outboxStatus       `json:"outbox"`
	LastBackup *backupStatus      `json:"last_backup,omitempty"`
	BackupDue  bool               `json:"backup_overdue"`
	Stores     []storeStatus      `json:"stores"`
	CatchUp    *catchUpStatusBody `json:"catch_up,omitempty"`
}

type outboxStatus struct {
	Pending int `json:"pending"`
	Failed  int `json:"failed"`
	// OldestPendingSeconds is the age of the oldest pending message; absent when none waits.
	OldestPendingSeconds *int64     `json:"oldest_pending_seconds,omitempty"`
	OldestPendingAt      *time.Time `json:"oldest_pending_at,omitempty"`
}

type backupStatus struct {
	At          time.Time `json:"at"`
	File        string    `json:"file"`
	Bytes       int64     `json:"bytes"`
	Collections int       `json:"collections"`
	Documents   int       `json:"documents"`
	Objects     int       `json:"objects"`
	Via         string    `json:"via"`
	AgeSeconds  int64     `json:"age_seconds"`
}

type storeStatus struct {
	Name      string `json:"name"`
	Status    string `json:"status"` // ok | failing
	LatencyMS int64  `json:"latency_ms"`
	Error     string `json:"error,omitempty"`
}

type catchUpStatusBody struct {
	PendingBatches int `json:"pending_batches"`
}

// adminStatus answers the admin's status: outbox backlog, last backup, stores' health.
func (s *Server) adminStatus(c *fiber.Ctx) error {
	st, err := s.app.Status(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(newAdminStatusResponse(st))
}

func newAdminStatusResponse(st app.Status) adminStatusResponse {
	out := adminStatusResponse{Version: st.Version, Now: st.Now.UTC(), BackupDue: st.BackupOverdue(), Stores: make([]storeStatus, len(st.Stores)),
		Outbox: outboxStatus{Pending: st.Outbox.Pending, Failed: st.Outbox.Failed}}
	if !st.StartedAt.IsZero() {
		t := st.StartedAt.UTC()
		out.StartedAt = &t
	}
	if !st.Outbox.OldestPending.IsZero() {
		t := st.Outbox.OldestPending.UTC()
		age := int64(max(st.Now.Sub(t), 0) / time.Second)
		out.Outbox.OldestPendingAt, out.Outbox.OldestPendingSeconds = &t, &age
	}
	if b := st.LastBackup; b != nil {
		out.LastBackup = &backupStatus{At: b.At.UTC(), File: b.File, Bytes: b.Bytes, Collections: b.Collections, Documents: b.Documents,
			Objects: b.Objects, Via: b.Via, AgeSeconds: int64(max(st.Now.Sub(b.At), 0) / time.Second)}
	}
	for i, h := range st.Stores {
		ss := storeStatus{Name: h.Name, Status: "ok", LatencyMS: h.Latency.Milliseconds(), Error: h.Error}
		if !h.OK {
			ss.Status = "failing"
		}
		out.Stores[i] = ss
	}
	if st.CatchUp != nil {
		out.CatchUp = &catchUpStatusBody{PendingBatches: *st.CatchUp}
	}
	return out
}
