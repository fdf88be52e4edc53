package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/cohort"
)

type cohortOut struct {
	ID        string               `json:"id"`
	Course    string               `json:"course"`
	Name      string               `json:"name"`
	Trainers  []string             `json:"trainers"`
	StartsOn  *time.Time           `json:"starts_on,omitempty"`
	Schedule  []cohort.ModuleDates `json:"schedule"`
	Status    string               `json:"status"`
	JoinCode  string               `json:"join_code,omitempty"`
	CreatedAt time.Time            `json:"created_at"`
}

func newCohortOut(c cohort.Cohort) cohortOut {
	return cohortOut{ID: c.ID, Course: c.Course, Name: c.Name, Trainers: c.Trainers, StartsOn: c.StartsOn, Schedule: c.Schedule, Status: c.Status, JoinCode: c.JoinCode, CreatedAt: c.CreatedAt}
}

type createCohortRequest struct {
	Course   string               `json:"course"`
	Name     string               `json:"name"`
	StartsOn *time.Time           `json:"starts_on"`
	Schedule []cohort.ModuleDates `json:"schedule"`
	Trainers []string             `json:"trainers"`
	JoinCode bool                 `json:"join_code"`
}

func (s *Server) createCohort(c *fiber.Ctx) error {
	var req createCohortRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	co, err := s.cohorts.Create(c.UserContext(), principal(c), cohort.NewCohort(req))
	if err != nil {
		return err
	}
	c.Location("/api/v1/cohorts/" + co.ID)
	return c.Status(fiber.StatusCreated).JSON(newCohortOut(co))
}

func (s *Server) listCohorts(c *fiber.Ctx) error {
	list, err := s.cohorts.List(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := make([]cohortOut, len(list))
	for i, co := range list {
		out[i] = newCohortOut(co)
	}
	return c.JSON(newList(out, ""))
}

func (s *Server) getCohort(c *fiber.Ctx) error {
	co, err := s.cohorts.Get(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(newCohortOut(co))
}

type patchCohortRequest struct {
	Name     *string               `json:"name"`
	Status   *string               `json:"status"`
	Schedule *[]cohort.ModuleDates `json:"schedule"`
	Trainers *[]string             `json:"trainers"`
	StartsOn *time.Time            `json:"starts_on"`
}

func (s *Server) patchCohort(c *fiber.Ctx) error {
	var req patchCohortRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	co, err := s.cohorts.Update(c.UserContext(), principal(c), c.Params("id"), cohort.Patch(req))
	if err != nil {
		return err
	}
	return c.JSON(newCohortOut(co))
}

type addMembersRequest struct {
	Emails []string `json:"emails"`
}

type memberResultOut struct {
	Email  string `json:"email"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	UserID string `json:"user_id,omitempty"`
}

func (s *Server) addMembers(c *fiber.Ctx) error {
	var req addMembersRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	res, err := s.cohorts.AddMembers(c.UserContext(), principal(c), c.Params("id"), req.Emails, nil, nil)
	if err != nil {
		return err
	}
	out := struct {
		Results []memberResultOut `json:"results"`
	}{Results: []memberResultOut{}}
	for _, r := range res {
		out.Results = append(out.Results, memberResultOut(r))
	}
	return c.JSON(out)
}

func (s *Server) removeMember(c *fiber.Ctx) error {
	if err := s.cohorts.RemoveMember(c.UserContext(), principal(c), c.Params("id"), c.Params("user")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type joinRequest struct {
	Code string `json:"code"`
}

type joinOut struct {
	Cohort string `json:"cohort"`
	Course string `json:"course"`
	Name   string `json:"name"`
}

func (s *Server) joinCohort(c *fiber.Ctx) error {
	var req joinRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	co, err := s.cohorts.Join(c.UserContext(), principal(c), req.Code)
	if err != nil {
		return err
	}
	return c.JSON(joinOut{Cohort: co.ID, Course: co.Course, Name: co.Name})
}
