package httpapi

import (
	"bytes"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/app"
)

// A person's data exports: she asks for her own, an admin for anyone's; whoever asked lists and
// downloads them under /api/v1/me/exports.

type exportItem struct {
	ID          string     `json:"id"`
	Status      string     `json:"status"`
	Self        bool       `json:"self"` // the data is the caller's own
	CreatedAt   time.Time  `json:"created_at"`
	ReadyAt     *time.Time `json:"ready_at,omitempty"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
	Expired     bool       `json:"expired"`
	Size        int64      `json:"size,omitempty"`
	DownloadURL string     `json:"download_url,omitempty"`
}

func (s *Server) exportItem(e app.Export, caller string) exportItem {
	it := exportItem{ID: e.ID, Status: e.Status, Self: e.User == caller, CreatedAt: e.Created, ReadyAt: e.ReadyAt, ExpiresAt: e.Expires,
		Expired: e.Gone, Size: e.Size}
	if e.Status == app.ExportReady && !it.Expired {
		it.DownloadURL = "/api/v1/me/exports/" + e.ID + "/download"
	}
	return it
}

type exportList struct {
	Items []exportItem `json:"items"`
	Next  string       `json:"next"`
}

// exportRequest is the optional body of a request for an export: nothing to choose yet, but a
// body that is there must be an empty JSON object.
type exportRequest struct{}

// noBodyOrEmptyObject accepts an empty body or a JSON object without fields.
func noBodyOrEmptyObject(c *fiber.Ctx) error {
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return nil
	}
	var req exportRequest
	return decodeJSON(c, &req)
}

// requestMyExport asks for the caller's own data: 202 with the export, prepared in the
// background and e-mailed when ready.
func (s *Server) requestMyExport(c *fiber.Ctx) error {
	if err := noBodyOrEmptyObject(c); err != nil {
		return err
	}
	p := principal(c)
	e, err := s.app.RequestExport(c.UserContext(), p, p.UserID)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(s.exportItem(e, p.UserID))
}

// requestUserExport asks, as an admin, for another person's data, for the admin to download.
func (s *Server) requestUserExport(c *fiber.Ctx) error {
	if err := noBodyOrEmptyObject(c); err != nil {
		return err
	}
	p := principal(c)
	e, err := s.app.RequestExport(c.UserContext(), p, c.Params("id"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(s.exportItem(e, p.UserID))
}

// myExports lists the exports the caller asked for, newest first.
func (s *Server) myExports(c *fiber.Ctx) error {
	p := principal(c)
	list, err := s.app.MyExports(c.UserContext(), p)
	if err != nil {
		return err
	}
	out := exportList{Items: make([]exportItem, len(list))}
	for i, e := range list {
		out.Items[i] = s.exportItem(e, p.UserID)
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(out)
}

// myExport returns one export the caller asked for.
func (s *Server) myExport(c *fiber.Ctx) error {
	p := principal(c)
	e, err := s.app.MyExport(c.UserContext(), p, c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(s.exportItem(e, p.UserID))
}

// downloadExport sends the archive of an export the caller asked for; 404 for anyone else's,
// an unknown or an expired one alike.
func (s *Server) downloadExport(c *fiber.Ctx) error {
	e, data, err := s.app.DownloadExport(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+e.FileName()+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(data)
}
