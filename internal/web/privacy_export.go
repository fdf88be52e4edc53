package web

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/app"
)

// A person's data exports on the web: she asks for hers on her profile page, an admin for
// someone else's on the account's page; whoever asked finds the list and the download links on
// her own profile page ("Omat tietosi"), which a "Päivitä" link reloads (no script needed).

func (w *Web) privacyExportRoutes(r fiber.Router) {
	r.Post("/profile/exports", w.signedIn, w.exportRequest)
	r.Get("/profile/exports/:id/download", w.signedIn, w.exportDownload)
	r.Post("/admin/accounts/:id/exports", w.signedIn, w.adminOnly, w.adminExportRequest)
}

// exportsAnchor is the profile page's section of her data exports.
const exportsAnchor = "/profile#omat-tiedot"

// exportRow is one export on the profile page.
type exportRow struct {
	Created string // when she asked
	Whose   string // "" for her own data, else whose (an admin's request)
	Status  string // in words, with the expiry of a ready one
	Href    string // the download link of a ready one
}

// exportRows lists the exports the signed-in user asked for, in words.
func (w *Web) exportRows(c *fiber.Ctx, p *Page) ([]exportRow, error) {
	list, err := w.app.MyExports(c.UserContext(), principal(c))
	if err != nil {
		return nil, err
	}
	rows := make([]exportRow, 0, len(list))
	for _, e := range list {
		r := exportRow{Created: p.DateTime(e.Created)}
		if e.User != principal(c).UserID {
			r.Whose = p.T("privacy.export.other")
		}
		switch {
		case e.Gone:
			r.Status = p.T("privacy.export.expired")
		case e.Status == app.ExportReady:
			r.Status = p.T("privacy.export.ready", "when", p.DateTime(e.Expires))
			r.Href = "/profile/exports/" + url.PathEscape(e.ID) + "/download"
		case e.Status == app.ExportFailed:
			r.Status = p.T("privacy.export.failed")
		default:
			r.Status = p.T("privacy.export.pending")
		}
		rows = append(rows, r)
	}
	return rows, nil
}

// exportRequest asks for her own data.
func (w *Web) exportRequest(c *fiber.Ctx) error {
	p := principal(c)
	if _, err := w.app.RequestExport(c.UserContext(), p, p.UserID); err != nil {
		return err
	}
	return w.redirectWithNotice(c, exportsAnchor, "privacy.export.requested")
}

// adminExportRequest asks, as an admin, for another person's data, for the admin to download
// from her own profile page.
func (w *Web) adminExportRequest(c *fiber.Ctx) error {
	if _, err := w.app.RequestExport(c.UserContext(), principal(c), c.Params("id")); err != nil {
		return err
	}
	return w.redirectWithNotice(c, exportsAnchor, "privacy.export.requested-other")
}

// exportDownload sends an export she asked for; anyone else's, an unknown or an expired one is
// the same "not found".
func (w *Web) exportDownload(c *fiber.Ctx) error {
	e, data, err := w.app.DownloadExport(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/zip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+e.FileName()+`"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(data)
}

// RetentionPeriods are how long Taito keeps each kind of record (the configuration's
// TAITO_RETENTION_* settings), for the privacy notice; zero keeps a kind until it is deleted by
// hand.
type RetentionPeriods struct {
	InactiveAccounts, Statements, Outbox, Audit time.Duration
}

// retentionRow is one kind of record and how long it is kept, in words.
type retentionRow struct{ What, Period string }

// retentionWords lists, for the privacy notice, how long each kind of record is kept.
func (w *Web) retentionWords(p *Page) []retentionRow {
	r := w.opts.Retention
	return []retentionRow{
		{p.T("privacy.keep.accounts"), period(p, r.InactiveAccounts)},
		{p.T("privacy.keep.statements"), period(p, r.Statements)},
		{p.T("privacy.keep.outbox"), period(p, r.Outbox)},
		{p.T("privacy.keep.audit"), period(p, r.Audit)},
		{p.T("privacy.keep.exports"), p.T("privacy.period.day")},
	}
}

// period is a retention period in words: whole years as years, else days.
func period(p *Page, d time.Duration) string {
	const day = 24 * time.Hour
	days := int(d / day)
	switch {
	case d <= 0:
		return p.T("privacy.period.off")
	case days >= 365 && (days%365 <= 1 || days%365 >= 364):
		years := (days + 1) / 365
		if years == 1 {
			return p.T("privacy.period.year")
		}
		return p.T("privacy.period.years", "n", years)
	case days <= 1:
		return p.T("privacy.period.day")
	default:
		return p.T("privacy.period.days", "n", days)
	}
}
