package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
)

type userResponse struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Roles     []string  `json:"roles"`
	OrgUnit   string    `json:"org_unit"`
	Locale    string    `json:"locale"`
	Disabled  bool      `json:"disabled"`
	Pending   bool      `json:"pending"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func newUserResponse(u auth.User) userResponse {
	return userResponse{ID: u.ID, Email: u.Email, Name: u.Name, Roles: rolesOut(u.Roles), OrgUnit: u.OrgUnit, Locale: u.Locale,
		Disabled: u.Disabled, Pending: u.Pending, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

type createUserRequest struct {
	Email   string   `json:"email"`
	Name    string   `json:"name"`
	Roles   []string `json:"roles"`
	OrgUnit string   `json:"org_unit"`
	Locale  string   `json:"locale"`
}

type invitationResponse struct {
	ExpiresAt time.Time `json:"expires_at"`
}

type createUserResponse struct {
	userResponse
	Invitation invitationResponse `json:"invitation"`
}

// createUser creates an account and queues its invitation. The link itself is only in the
// e-mail (and in the outbox, for admins), never in this response.
func (s *Server) createUser(c *fiber.Ctx) error {
	var req createUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, inv, err := s.auth.CreateUser(c.UserContext(), principal(c), auth.NewUser{
		Email: req.Email, Name: req.Name, Roles: rolesIn(req.Roles), OrgUnit: req.OrgUnit, Locale: req.Locale,
	})
	if err != nil {
		return err
	}
	c.Location("/api/v1/users/" + u.ID)
	return c.Status(fiber.StatusCreated).JSON(createUserResponse{userResponse: newUserResponse(u), Invitation: invitationResponse{ExpiresAt: inv.ExpiresAt}})
}

func (s *Server) listUsers(c *fiber.Ctx) error {
	limit, after, err := pageParams(c)
	if err != nil {
		return err
	}
	users, next, err := s.auth.ListUsers(c.UserContext(), principal(c), auth.UserFilter{
		Role: auth.Role(c.Query("role")), OrgUnit: c.Query("org_unit"), After: after, Limit: limit,
	})
	if err != nil {
		return err
	}
	out := make([]userResponse, len(users))
	for i, u := range users {
		out[i] = newUserResponse(u)
	}
	return c.JSON(newList(out, next))
}

func (s *Server) getUser(c *fiber.Ctx) error {
	u, err := s.auth.GetUser(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(newUserResponse(u))
}

// resendInvitation sends a person who has not activated her account a new invitation: a new
// link, the earlier ones stop working. Admins may, and trainers for the members of their cohorts.
func (s *Server) resendInvitation(c *fiber.Ctx) error {
	inv, err := s.cohorts.ResendInvitation(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(invitationResponse{ExpiresAt: inv.ExpiresAt})
}

type updateUserRequest struct {
	Name     *string   `json:"name"`
	Roles    *[]string `json:"roles"`
	OrgUnit  *string   `json:"org_unit"`
	Disabled *bool     `json:"disabled"`
}

func (s *Server) updateUser(c *fiber.Ctx) error {
	var req updateUserRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	patch := auth.UserPatch{Name: req.Name, OrgUnit: req.OrgUnit, Disabled: req.Disabled}
	if req.Roles != nil {
		roles := rolesIn(*req.Roles)
		patch.Roles = &roles
	}
	if patch == (auth.UserPatch{}) {
		return apperr.New(apperr.KindInvalid, "nothing to change: send name, roles, org_unit or disabled")
	}
	u, err := s.auth.UpdateUser(c.UserContext(), principal(c), c.Params("id"), patch)
	if err != nil {
		return err
	}
	return c.JSON(newUserResponse(u))
}

type outboxItem struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	To        string    `json:"to,omitempty"`
	Subject   string    `json:"subject,omitempty"`
	Text      string    `json:"text,omitempty"`
	Locale    string    `json:"locale,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	NextRunAt time.Time `json:"next_run_at"`
	LastError string    `json:"last_error,omitempty"`
}

// listOutbox shows queued messages to admins: without SMTP, this is where invitations wait.
func (s *Server) listOutbox(c *fiber.Ctx) error {
	limit, after, err := pageParams(c)
	if err != nil {
		return err
	}
	jobs, next, err := s.app.OutboxJobs(c.UserContext(), principal(c), after, limit)
	if err != nil {
		return err
	}
	out := make([]outboxItem, len(jobs))
	for i, j := range jobs {
		it := outboxItem{ID: j.ID, Kind: j.Kind, State: j.State, Attempts: j.Attempts, CreatedAt: j.CreatedAt, NextRunAt: j.NextRunAt, LastError: j.LastError}
		if j.Email != nil {
			it.To, it.Subject, it.Text, it.Locale = j.Email.To, j.Email.Subject, j.Email.Text, j.Email.Locale
		}
		out[i] = it
	}
	return c.JSON(newList(out, next))
}
