package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/app"
)

// The admin's status page: outbox backlog and failures, the last backup, the stores' health, in
// plain words with a warning when something needs attention.
func (w *Web) statusRoutes(r fiber.Router) {
	r.Get("/admin/status", w.signedIn, w.adminOnly, w.adminStatus)
}

// statusData is the status as the page shows it: moments already in the page's words.
type statusData struct {
	adminSection
	Pending, Failed int
	OldestPending   string // "" when nothing waits
	Backup          *app.BackupRecord
	BackupAt        string
	BackupMB        string
	NoBackup        bool
	OldBackup       bool
	FailedMail      bool
	Stores          []app.StoreHealth
	StoreDown       bool
	CatchUp         int // batches waiting; 0 also where none are kept
	Version         string
	StartedAt       string
}

func (w *Web) adminStatus(c *fiber.Ctx) error {
	p := w.page(c, "status.title")
	st, err := w.app.Status(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	d := statusData{adminSection: adminSection{"status"}, Pending: st.Outbox.Pending, Failed: st.Outbox.Failed,
		Backup: st.LastBackup, NoBackup: st.LastBackup == nil, FailedMail: st.Outbox.Failed > 0,
		Stores: st.Stores, StoreDown: !st.Healthy(), Version: st.Version}
	if !st.Outbox.OldestPending.IsZero() {
		d.OldestPending = p.DateTime(st.Outbox.OldestPending)
	}
	if b := st.LastBackup; b != nil {
		d.BackupAt = p.DateTime(b.At)
		d.BackupMB = strconv.FormatFloat(float64(b.Bytes)/(1<<20), 'f', 1, 64)
		d.OldBackup = st.BackupOverdue()
	}
	if st.CatchUp != nil {
		d.CatchUp = *st.CatchUp
	}
	if !st.StartedAt.IsZero() {
		d.StartedAt = p.DateTime(st.StartedAt)
	}
	p.Data = d
	return w.render(c, "admin-status", p)
}
