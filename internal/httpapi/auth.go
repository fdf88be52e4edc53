package httpapi

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
)

const localPrincipal = "principal"

var errTokenInQuery = apperr.New(apperr.KindUnauthenticated, "send the access token in the Authorization header")

// authn requires a valid access token in the Authorization header and puts the principal in the
// request. Tokens in query strings are refused: they end up in logs and browser history.
func (s *Server) authn(c *fiber.Ctx) error {
	if c.Query("access_token") != "" || c.Query("token") != "" {
		return errTokenInQuery
	}
	h := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return apperr.New(apperr.KindUnauthenticated, "sign in first: an access token is required")
	}
	p, err := s.auth.Authenticate(c.UserContext(), strings.TrimSpace(token))
	if err != nil {
		return err
	}
	c.Locals(localPrincipal, p)
	return c.Next()
}

func principal(c *fiber.Ctx) auth.Principal {
	p, _ := c.Locals(localPrincipal).(auth.Principal)
	return p
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

func sessionResponse(s auth.Session) tokenResponse {
	return tokenResponse{AccessToken: s.AccessToken, TokenType: "Bearer", ExpiresIn: int(s.ExpiresIn / time.Second), RefreshToken: s.RefreshToken}
}

func (s *Server) login(c *fiber.Ctx) error {
	var req loginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	if req.Email == "" {
		f.Add("email", "is required")
	}
	if req.Password == "" {
		f.Add("password", "is required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	sess, err := s.auth.Login(c.UserContext(), req.Email, req.Password, c.IP())
	if err != nil {
		return err
	}
	return c.JSON(sessionResponse(sess))
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (s *Server) refresh(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return apperr.Validation(apperr.FieldError{Field: "refresh_token", Message: "is required"})
	}
	sess, err := s.auth.Refresh(c.UserContext(), req.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(sessionResponse(sess))
}

func (s *Server) logout(c *fiber.Ctx) error {
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.RefreshToken == "" {
		return apperr.Validation(apperr.FieldError{Field: "refresh_token", Message: "is required"})
	}
	if err := s.auth.Logout(c.UserContext(), req.RefreshToken); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// logoutAll signs the caller out everywhere: every session of her account ends, this one too.
func (s *Server) logoutAll(c *fiber.Ctx) error {
	if err := s.auth.LogoutAll(c.UserContext(), principal(c)); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type acceptInvitationRequest struct {
	Token    string  `json:"token"`
	Password string  `json:"password"`
	Name     *string `json:"name"`
}

func (s *Server) acceptInvitation(c *fiber.Ctx) error {
	var req acceptInvitationRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Token == "" {
		return apperr.Validation(apperr.FieldError{Field: "token", Message: "is required"})
	}
	sess, err := s.auth.AcceptInvitation(c.UserContext(), req.Token, req.Password, req.Name)
	if err != nil {
		return err
	}
	return c.JSON(sessionResponse(sess))
}

type passwordResetRequest struct {
	Email string `json:"email"`
}

type acceptedResponse struct {
	Status string `json:"status"`
}

// passwordReset answers 202 whether or not the account exists, after the same work either way
// (the lookup and the e-mail happen in the background), or 429 past the limits.
func (s *Server) passwordReset(c *fiber.Ctx) error {
	var req passwordResetRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Email == "" {
		return apperr.Validation(apperr.FieldError{Field: "email", Message: "is required"})
	}
	if err := s.auth.RequestPasswordReset(c.UserContext(), req.Email, c.IP()); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(acceptedResponse{Status: "accepted"})
}

type passwordResetConfirmRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (s *Server) passwordResetConfirm(c *fiber.Ctx) error {
	var req passwordResetConfirmRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Token == "" {
		return apperr.Validation(apperr.FieldError{Field: "token", Message: "is required"})
	}
	if err := s.auth.ConfirmPasswordReset(c.UserContext(), req.Token, req.Password); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) jwks(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(s.auth.Tokens().Keys().MarshalJWKS())
}

type meResponse struct {
	ID      string   `json:"id"`
	Email   string   `json:"email"`
	Name    string   `json:"name"`
	Roles   []string `json:"roles"`
	OrgUnit string   `json:"org_unit"`
	Locale  string   `json:"locale"`
}

func rolesOut(rs []auth.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

func rolesIn(rs []string) []auth.Role {
	out := make([]auth.Role, len(rs))
	for i, r := range rs {
		out[i] = auth.Role(r)
	}
	return out
}

func newMeResponse(u auth.User) meResponse {
	return meResponse{ID: u.ID, Email: u.Email, Name: u.Name, Roles: rolesOut(u.Roles), OrgUnit: u.OrgUnit, Locale: u.Locale}
}

func (s *Server) me(c *fiber.Ctx) error {
	u, err := s.auth.Me(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(newMeResponse(u))
}

type updateMeRequest struct {
	Name            *string `json:"name"`
	Locale          *string `json:"locale"`
	Password        *string `json:"password"`
	CurrentPassword string  `json:"current_password"`
}

func (s *Server) updateMe(c *fiber.Ctx) error {
	var req updateMeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := s.auth.UpdateMe(c.UserContext(), principal(c), auth.MeUpdate{Name: req.Name, Locale: req.Locale, Password: req.Password, CurrentPassword: req.CurrentPassword})
	if err != nil {
		return err
	}
	return c.JSON(newMeResponse(u))
}
