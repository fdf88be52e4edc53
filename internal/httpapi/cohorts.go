package httpapi

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
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
	// AutoReminderDays: members are reminded this many days before a module is due (0: off).
	AutoReminderDays int `json:"auto_reminder_days"`
}

func newCohortOut(c cohort.Cohort) cohortOut {
	return cohortOut{ID: c.ID, Course: c.Course, Name: c.Name, Trainers: c.Trainers, StartsOn: c.StartsOn, Schedule: c.Schedule, Status: c.Status, JoinCode: c.JoinCode,
		CreatedAt: c.CreatedAt, AutoReminderDays: c.AutoReminderDays}
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
	Name             *string               `json:"name"`
	Status           *string               `json:"status"`
	Schedule         *[]cohort.ModuleDates `json:"schedule"`
	Trainers         *[]string             `json:"trainers"`
	StartsOn         *time.Time            `json:"starts_on"`
	AutoReminderDays *int                  `json:"auto_reminder_days"`
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

// addMembers takes {"emails": [...]} or a CSV file (multipart field "file"; columns
// email;name;org_unit, "," or ";", UTF-8 with or without BOM, an optional header row).
func (s *Server) addMembers(c *fiber.Ctx) error {
	var emails []string
	names, units := map[string]string{}, map[string]string{}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		fh, err := c.FormFile("file")
		if err != nil {
			return apperr.Validation(apperr.FieldError{Field: "file", Message: "send the CSV file in the form field \"file\""})
		}
		f, err := fh.Open()
		if err != nil {
			return apperr.New(apperr.KindInvalid, "the file could not be read")
		}
		data, err := io.ReadAll(io.LimitReader(f, 8<<20))
		f.Close()
		if err != nil {
			return apperr.New(apperr.KindInvalid, "the file could not be read")
		}
		rows, err := parseMemberCSV(data)
		if err != nil {
			return err
		}
		for _, r := range rows {
			emails = append(emails, r[0])
			key := strings.ToLower(strings.TrimSpace(r[0]))
			names[key], units[key] = r[1], r[2]
		}
	} else {
		var req addMembersRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		emails = req.Emails
	}
	res, err := s.cohorts.AddMembers(c.UserContext(), principal(c), c.Params("id"), emails, names, units)
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

// MaxCSVRows bounds an enrolment file.
const MaxCSVRows = 10000

// parseMemberCSV reads email;name;org_unit rows. Every row becomes a result later, so a bad row
// is reported there; only a file that cannot be read as a whole is refused here.
func parseMemberCSV(data []byte) ([][3]string, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, apperr.Validation(apperr.FieldError{Field: "file", Message: "is not UTF-8 text: save it as \"CSV UTF-8\""})
	}
	first, _, _ := strings.Cut(string(data), "\n")
	r := csv.NewReader(bytes.NewReader(data))
	if strings.Count(first, ";") > strings.Count(first, ",") {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var out [][3]string
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, apperr.Validation(apperr.FieldError{Field: "file", Message: fmt.Sprintf("line %d is not valid CSV", line)})
		}
		if line == 1 && len(rec) > 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "email") {
			continue // header
		}
		var row [3]string
		for i := 0; i < 3 && i < len(rec); i++ {
			row[i] = strings.TrimSpace(rec[i])
		}
		if row == ([3]string{}) {
			continue
		}
		out = append(out, row)
		if len(out) > MaxCSVRows {
			return nil, apperr.New(apperr.KindTooLarge, fmt.Sprintf("the file has more than %d rows: split it", MaxCSVRows))
		}
	}
	if len(out) == 0 {
		return nil, apperr.Validation(apperr.FieldError{Field: "file", Message: "has no rows"})
	}
	return out, nil
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

type reminderRequest struct {
	Audience string `json:"audience"`
	Message  string `json:"message"`
}

type reminderOut struct {
	ReminderID   string `json:"reminder_id"`
	Queued       int    `json:"queued"`
	Unsubscribed int    `json:"unsubscribed"`
}

func (s *Server) sendReminder(c *fiber.Ctx) error {
	var req reminderRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := s.cohorts.SendReminder(c.UserContext(), principal(c), c.Params("id"), req.Audience, req.Message)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(reminderOut{ReminderID: r.ID, Queued: r.Queued, Unsubscribed: r.Unsubscribed})
}

type unsubscribedOut struct {
	Status string `json:"status"`
}

// unsubscribe is the link in every reminder: it needs no sign-in, only the signed token.
func (s *Server) unsubscribe(c *fiber.Ctx) error {
	if err := s.auth.Unsubscribe(c.UserContext(), c.Query("token")); err != nil {
		return err
	}
	return c.JSON(unsubscribedOut{Status: "unsubscribed"})
}
