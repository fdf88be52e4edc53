package httpapi

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/certificate"
)

// mediaVCJWT is the media type of a credential secured as a JWT.
const mediaVCJWT = "application/vc+jwt"

type credentialItem struct {
	ID            string            `json:"id"`
	Course        string            `json:"course"`
	Version       int               `json:"version"`
	Title         map[string]string `json:"title"`
	CompletedAt   time.Time         `json:"completed_at"`
	IssuedAt      time.Time         `json:"issued_at"`
	Revoked       bool              `json:"revoked"`
	RevokedAt     *time.Time        `json:"revoked_at,omitempty"`
	ShowName      bool              `json:"show_name"`
	VerifyURL     string            `json:"verify_url"`
	PDFURL        string            `json:"pdf_url"`
	CredentialURL string            `json:"credential_url"`
}

func (s *Server) credentialItem(c certificate.Certificate) credentialItem {
	self := "/api/v1/me/credentials/" + c.ID
	return credentialItem{ID: c.ID, Course: c.Course, Version: c.Version, Title: c.Title, CompletedAt: c.CompletedAt, IssuedAt: c.IssuedAt,
		Revoked: c.Revoked(), RevokedAt: c.RevokedAt, ShowName: c.ShowName, VerifyURL: s.app.Certificates.VerifyURL(c.ID),
		PDFURL: self + "/certificate.pdf", CredentialURL: self + "/credential"}
}

type credentialList struct {
	Items []credentialItem `json:"items"`
	Next  string           `json:"next"`
}

// myCredentials lists the caller's certificates.
func (s *Server) myCredentials(c *fiber.Ctx) error {
	list, err := s.app.MyCredentials(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := credentialList{Items: make([]credentialItem, len(list))}
	for i, cert := range list {
		out.Items[i] = s.credentialItem(cert)
	}
	return c.JSON(out)
}

// credentialPDF sends the PDF of one of the caller's certificates.
func (s *Server) credentialPDF(c *fiber.Ctx) error {
	id := c.Params("id")
	pdf, err := s.app.CredentialPDF(c.UserContext(), principal(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="certificate-`+id+`.pdf"`)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Send(pdf)
}

type credentialResponse struct {
	JWT        string `json:"jwt"`
	Credential any    `json:"credential"`
}

// credentialJWT sends one of the caller's credentials: the VC-JWT itself when the client
// accepts application/vc+jwt, else JSON with the JWT and its decoded payload.
func (s *Server) credentialJWT(c *fiber.Ctx) error {
	cert, err := s.app.CredentialJWT(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	if strings.Contains(c.Get(fiber.HeaderAccept), mediaVCJWT) {
		c.Set(fiber.HeaderContentType, mediaVCJWT)
		return c.SendString(cert.JWT)
	}
	payload, err := cert.Payload()
	if err != nil {
		return err
	}
	return c.JSON(credentialResponse{JWT: cert.JWT, Credential: payload})
}

type showNameRequest struct {
	ShowName *bool `json:"show_name"`
}

// patchCredential records the caller's choice to show her name on the verification page.
func (s *Server) patchCredential(c *fiber.Ctx) error {
	var req showNameRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.ShowName == nil {
		return apperr.Validation(apperr.FieldError{Field: "show_name", Message: "is required"})
	}
	cert, err := s.app.SetShowName(c.UserContext(), principal(c), c.Params("id"), *req.ShowName)
	if err != nil {
		return err
	}
	return c.JSON(s.credentialItem(cert))
}

type revokeRequest struct {
	Reason string `json:"reason"`
}

type revokeResponse struct {
	ID        string     `json:"id"`
	Status    string     `json:"status"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// revokeCredential revokes a certificate (admins).
func (s *Server) revokeCredential(c *fiber.Ctx) error {
	var req revokeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cert, err := s.app.RevokeCredential(c.UserContext(), principal(c), c.Params("id"), req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(revokeResponse{ID: cert.ID, Status: certificate.StatusRevoked, RevokedAt: cert.RevokedAt})
}

type issuerJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

type verifyResponse struct {
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	RevokedAt   *time.Time        `json:"revoked_at,omitempty"`
	Issuer      issuerJSON        `json:"issuer"`
	Course      string            `json:"course"`
	Version     int               `json:"version"`
	Title       map[string]string `json:"title"`
	CompletedAt time.Time         `json:"completed_at"`
	IssuedAt    time.Time         `json:"issued_at"`
	LearnerName string            `json:"learner_name,omitempty"`
}

// verify answers anyone whether a certificate id is valid.
func (s *Server) verify(c *fiber.Ctx) error {
	v, err := s.app.Verify(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.JSON(verifyResponse{ID: v.ID, Status: v.Status, RevokedAt: v.RevokedAt, Issuer: issuerJSON{ID: v.Issuer.ID, Name: v.Issuer.Name, URL: v.Issuer.URL},
		Course: v.Course, Version: v.Version, Title: v.Title, CompletedAt: v.CompletedAt, IssuedAt: v.IssuedAt, LearnerName: v.LearnerName})
}

// credentialIssuer publishes the issuer's profile.
func (s *Server) credentialIssuer(c *fiber.Ctx) error {
	b, err := s.app.CredentialIssuer()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(b)
}

// credentialJWKS publishes every public key that has signed a credential.
func (s *Server) credentialJWKS(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(s.app.CredentialJWKS())
}

// credentialStatus publishes a revocation status list as a signed credential.
func (s *Server) credentialStatus(c *fiber.Ctx) error {
	tok, err := s.app.CredentialStatusList(c.UserContext(), c.Params("list"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, mediaVCJWT)
	// Short: a revocation shows within a minute.
	c.Set(fiber.HeaderCacheControl, "public, max-age="+strconv.Itoa(60))
	return c.SendString(tok)
}
