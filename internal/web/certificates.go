package web

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/certificate"
	"github.com/taito-lms/taito/internal/course"
)

// The certificates' pages: the learner's own certificates (the PDF, the digital badge, the
// link to share, her name on the verification page or not), the public verification page that
// the PDF's QR code opens, and the admin's revocation. The application layer decides who sees
// which certificate; another learner's id is simply not found.
func (w *Web) certificateRoutes(r fiber.Router) {
	r.Get("/certificates", w.signedIn, w.myCertificates)
	r.Get("/certificates/:id/certificate.pdf", w.signedIn, w.certificatePDF)
	r.Get("/certificates/:id/credential.jwt", w.signedIn, w.credentialJWT)
	r.Get("/certificates/:id/credential.json", w.signedIn, w.credentialJSON)
	r.Post("/certificates/:id/show-name", w.signedIn, w.showName)
	r.Get("/verify/:id", w.verifyPage)
	r.Get("/admin/certificates", w.signedIn, w.adminOnly, w.adminCertificates)
	r.Get("/admin/certificates/:id", w.signedIn, w.adminOnly, w.adminCertificate)
	r.Post("/admin/certificates/:id/revoke", w.signedIn, w.adminOnly, w.adminRevoke)
}

// certText is a course text in the page's language, with the language it fell back to.
type certText struct{ Text, Lang string }

func certTextOf(t course.Text, lang string) certText {
	s, l := t.In(lang)
	if l == lang {
		l = ""
	}
	return certText{Text: s, Lang: l}
}

// certificateRow is one of her certificates as her page shows it.
type certificateRow struct {
	ID          string
	Title       certText
	Version     int
	CompletedAt time.Time
	IssuedAt    time.Time
	RevokedAt   *time.Time
	ShowName    bool
	VerifyURL   string
}

type certificatesData struct {
	Certificates []certificateRow
}

func (w *Web) myCertificates(c *fiber.Ctx) error {
	return w.renderMyCertificates(c, w.page(c, "certificates.title"))
}

func (w *Web) renderMyCertificates(c *fiber.Ctx, p *Page) error {
	list, err := w.app.MyCredentials(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	d := certificatesData{Certificates: make([]certificateRow, len(list))}
	for i, cert := range list {
		d.Certificates[i] = certificateRow{ID: cert.ID, Title: certTextOf(cert.Title, p.Lang), Version: cert.Version, CompletedAt: cert.CompletedAt,
			IssuedAt: cert.IssuedAt, RevokedAt: cert.RevokedAt, ShowName: cert.ShowName, VerifyURL: w.app.Certificates.VerifyURL(cert.ID)}
	}
	p.Data = d
	p.Scripts = append(p.Scripts, "certificates.js")
	return w.render(c, "certificates", p)
}

// fileName is the name a download of a certificate is saved under: kind, course and version.
func fileName(kind string, cert certificate.Certificate, ext string) string {
	return app.Attachment(kind, cert.Course+"-v"+strconv.Itoa(cert.Version), ext)
}

func (w *Web) certificatePDF(c *fiber.Ctx) error {
	ctx, actor, id := c.UserContext(), principal(c), c.Params("id")
	cert, err := w.app.MyCredential(ctx, actor, id)
	if err != nil {
		return err
	}
	pdf, err := w.app.CredentialPDF(ctx, actor, id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fileName("certificate", cert, "pdf"))
	return c.Send(pdf)
}

// credentialJWT sends the digital badge as the signed credential (a VC-JWT), which badge
// wallets and verifiers read.
func (w *Web) credentialJWT(c *fiber.Ctx) error {
	cert, err := w.app.CredentialJWT(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vc+jwt")
	c.Set(fiber.HeaderContentDisposition, fileName("badge", cert, "jwt"))
	return c.SendString(cert.JWT)
}

// credentialJSON sends the digital badge's credential decoded, as JSON a person can read.
func (w *Web) credentialJSON(c *fiber.Ctx) error {
	cert, err := w.app.CredentialJWT(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	payload, err := cert.Payload()
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, payload, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderContentDisposition, fileName("badge", cert, "json"))
	return c.Send(out.Bytes())
}

// showName records whether her name shows on the certificate's verification page.
func (w *Web) showName(c *fiber.Ctx) error {
	id := c.Params("id")
	var show bool
	switch c.FormValue("show_name") {
	case "yes":
		show = true
	case "no":
	default:
		p := w.page(c, "certificates.title")
		if err := p.formErrors(apperr.Validation(apperr.FieldError{Field: "show_name", Message: "is required"}), map[string]string{"show_name": "show-" + id}); err != nil {
			return err
		}
		return w.renderMyCertificates(c, p)
	}
	if _, err := w.app.SetShowName(c.UserContext(), principal(c), id, show); err != nil {
		return err
	}
	notice := "certificates.name-hidden"
	if show {
		notice = "certificates.name-shown"
	}
	return w.redirectWithNotice(c, "/certificates#cert-"+id, notice)
}

// verifyData is what the public verification page shows.
type verifyData struct {
	Found       bool
	Status      string // valid | revoked | invalid
	RevokedAt   *time.Time
	IssuerName  string
	IssuerURL   string
	Title       certText
	Version     int
	CompletedAt time.Time
	IssuedAt    time.Time
	LearnerName string
	Description certText
	Criteria    certText
	Workload    string
	Modules     []verifyModule
	Competences []certificate.Competence
	ProfileURL  string
	JWKSURL     string
}

type verifyModule struct {
	Title    certText
	Outcomes []certText
}

// verifyPage tells anyone, signed in or not, whether a certificate is valid. An unknown id and a
// malformed one take the same path through the application and get the same page.
func (w *Web) verifyPage(c *fiber.Ctx) error {
	id := c.Params("id")
	if accept := c.Get(fiber.HeaderAccept); strings.Contains(accept, fiber.MIMEApplicationJSON) && !strings.Contains(accept, fiber.MIMETextHTML) {
		return c.Redirect("/api/v1/verify/"+url.PathEscape(id), fiber.StatusSeeOther)
	}
	p := w.page(c, "verify.title")
	d := verifyData{ProfileURL: "/credentials/issuer", JWKSURL: "/credentials/jwks.json"}
	v, det, err := w.app.VerifyWithDetails(c.UserContext(), id)
	switch {
	case apperr.KindOf(err) == apperr.KindNotFound:
		p.withStatus(fiber.StatusNotFound)
	case err != nil:
		return err
	default:
		d.Found, d.Status, d.RevokedAt = true, v.Status, v.RevokedAt
		d.IssuerName, d.IssuerURL = v.Issuer.Name, v.Issuer.URL
		d.Title, d.Version, d.CompletedAt, d.IssuedAt, d.LearnerName = certTextOf(v.Title, p.Lang), v.Version, v.CompletedAt, v.IssuedAt, v.LearnerName
		d.Description, d.Criteria = certTextOf(det.Description, p.Lang), certTextOf(det.Criteria, p.Lang)
		if det.WorkloadHours > 0 {
			hours := strings.Replace(strconv.FormatFloat(det.WorkloadHours, 'f', -1, 64), ".", decimalSep(p.Lang), 1)
			if det.WorkloadHours == 1 {
				d.Workload = p.T("verify.hour", "hours", hours)
			} else {
				d.Workload = p.T("verify.hours", "hours", hours)
			}
		}
		for _, m := range det.Modules {
			vm := verifyModule{Title: certTextOf(m.Title, p.Lang)}
			for _, o := range m.Outcomes {
				vm.Outcomes = append(vm.Outcomes, certTextOf(o, p.Lang))
			}
			d.Modules = append(d.Modules, vm)
		}
		d.Competences = det.Competences
		p.Course = d.Title.Text
	}
	p.Data = d
	return w.render(c, "verify", p)
}

// decimalSep is the decimal separator of a language.
func decimalSep(lang string) string {
	if lang == "en" {
		return "."
	}
	return ","
}

// ---- the admin's revocation ----

// adminCertRow is a certificate as the admin's pages show it.
type adminCertRow struct {
	ID, User, Name, Reason string
	Title                  certText
	Version                int
	CompletedAt, IssuedAt  time.Time
	RevokedAt              *time.Time
	VerifyURL              string
}

func (w *Web) adminCertRow(p *Page, r certificate.Record) adminCertRow {
	return adminCertRow{ID: r.ID, User: r.User, Name: r.Name, Reason: r.RevokeReason, Title: certTextOf(r.Title, p.Lang), Version: r.Version,
		CompletedAt: r.CompletedAt, IssuedAt: r.IssuedAt, RevokedAt: r.RevokedAt, VerifyURL: w.app.Certificates.VerifyURL(r.ID)}
}

type adminCertsData struct {
	adminSection
	Certificates []adminCertRow
}

// adminCertificates finds a certificate by its id (the end of its verification link), and lists
// the newest.
func (w *Web) adminCertificates(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	p := w.page(c, "certificates.admin.title")
	if q := strings.TrimSpace(c.Query("id")); q != "" {
		// A whole verification link is taken as its id.
		q = q[strings.LastIndex(q, "/")+1:]
		p.Form["id"] = c.Query("id")
		_, err := w.app.CredentialRecord(ctx, actor, q)
		if err == nil {
			return c.Redirect("/admin/certificates/"+url.PathEscape(q), fiber.StatusSeeOther)
		}
		if apperr.KindOf(err) != apperr.KindNotFound {
			return err
		}
		p.Errors = append(p.Errors, FieldError{Field: "id", Message: p.T("certificates.admin.not-found")})
	}
	recent, err := w.app.RecentCredentials(ctx, actor, adminPageSize)
	if err != nil {
		return err
	}
	d := adminCertsData{adminSection: adminSection{"certificates"}}
	for _, r := range recent {
		d.Certificates = append(d.Certificates, w.adminCertRow(p, r))
	}
	p.Data = d
	return w.render(c, "certificates-admin", p)
}

type adminCertData struct {
	adminSection
	Certificate adminCertRow
	Confirm     bool // the reason is given: ask once more
}

func (w *Web) adminCertificate(c *fiber.Ctx) error {
	return w.renderAdminCertificate(c, w.page(c, "certificates.admin.one"), false)
}

func (w *Web) renderAdminCertificate(c *fiber.Ctx, p *Page, confirm bool) error {
	r, err := w.app.CredentialRecord(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	p.Data = adminCertData{adminSection: adminSection{"certificates"}, Certificate: w.adminCertRow(p, r), Confirm: confirm && r.RevokedAt == nil}
	name := "certificates-admin-one"
	if confirm && r.RevokedAt == nil {
		name = "certificates-admin-revoke"
		p.Title = p.T("certificates.admin.confirm-title")
	}
	return w.render(c, name, p)
}

// adminRevoke revokes a certificate in two steps: the reason, then a confirmation that shows
// what revoking means.
func (w *Web) adminRevoke(c *fiber.Ctx) error {
	id, reason := c.Params("id"), c.FormValue("reason")
	p := w.page(c, "certificates.admin.one")
	p.Form["reason"] = reason
	if strings.TrimSpace(reason) == "" {
		// The application says the same of an empty reason; asking it needs no second step.
		if err := p.formErrors(apperr.Validation(apperr.FieldError{Field: "reason", Message: "is required"}), nil); err != nil {
			return err
		}
		return w.renderAdminCertificate(c, p, false)
	}
	if c.FormValue("confirm") != "yes" {
		return w.renderAdminCertificate(c, p, true)
	}
	if _, err := w.app.RevokeCredential(c.UserContext(), principal(c), id, reason); err != nil {
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		return w.renderAdminCertificate(c, p, false)
	}
	return w.redirectWithNotice(c, "/admin/certificates/"+url.PathEscape(id), "certificates.admin.revoked")
}
