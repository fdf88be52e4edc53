package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/cohort"
)

// cohortBase is what trainers and members alike read of a cohort.
type cohortBase struct {
	ID       string               `json:"id"`
	Course   string               `json:"course"`
	Name     string               `json:"name"`
	Trainers []string             `json:"trainers"` // ids to trainers, names to members
	StartsOn *time.Time           `json:"starts_on,omitempty"`
	EndsOn   *time.Time           `json:"ends_on,omitempty"`
	Schedule []cohort.ModuleDates `json:"schedule"`
	Status   string               `json:"status"`
}

func newCohortBase(c cohort.Cohort, trainers []string) cohortBase {
	b := cohortBase{ID: c.ID, Course: c.Course, Name: c.Name, Trainers: trainers, StartsOn: c.StartsOn, EndsOn: c.EndsOn, Schedule: c.Schedule, Status: c.Status}
	if b.Schedule == nil {
		b.Schedule = []cohort.ModuleDates{}
	}
	return b
}

type cohortOut struct {
	cohortBase
	JoinCode  string    `json:"join_code,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// AutoReminderDays: members are reminded this many days before a module is due (0: off).
	AutoReminderDays int `json:"auto_reminder_days"`
}

func newCohortOut(c cohort.Cohort) cohortOut {
	return cohortOut{cohortBase: newCohortBase(c, c.Trainers), JoinCode: c.JoinCode, CreatedAt: c.CreatedAt, AutoReminderDays: c.AutoReminderDays}
}

// dateInput is a date a person gives: a local date in Europe/Helsinki ("2026-12-10") or an RFC
// 3339 moment. It keeps the text as sent, so that a bad value is reported under its field's
// name (see at) instead of as malformed JSON.
type dateInput struct {
	text string
	bad  bool // not a JSON string
}

func (d *dateInput) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &d.text); err != nil {
		d.bad = true
	}
	return nil
}

// at reads the date given for field: a local date means the start of that day in Helsinki, or
// with endOfDay its last second (a due date). A value that is neither form is added to f.
func (d *dateInput) at(f *apperr.Fields, field string, endOfDay bool) *time.Time {
	if d == nil {
		return nil
	}
	if t, ok := cohort.ParseDate(d.text, endOfDay); ok && !d.bad {
		return &t
	}
	f.Add(field, "must be a date (2026-12-10, Finnish time) or an RFC 3339 date and time (2026-12-10T09:00:00+02:00)")
	return nil
}

// scheduleInput is a cohort's schedule as a request gives it.
type scheduleInput []struct {
	Module string     `json:"module"`
	Opens  *dateInput `json:"opens"`
	Due    *dateInput `json:"due"`
}

// dates reads the schedule: an opening date starts its day, a due date ends it.
func (in scheduleInput) dates(f *apperr.Fields) []cohort.ModuleDates {
	if in == nil {
		return nil
	}
	out := make([]cohort.ModuleDates, len(in))
	for i, d := range in {
		p := fmt.Sprintf("schedule.%d.", i)
		out[i] = cohort.ModuleDates{Module: d.Module, Opens: d.Opens.at(f, p+"opens", false), Due: d.Due.at(f, p+"due", true)}
	}
	return out
}

type createCohortRequest struct {
	Course   string        `json:"course"`
	Name     string        `json:"name"`
	StartsOn *dateInput    `json:"starts_on"`
	EndsOn   *dateInput    `json:"ends_on"`
	Schedule scheduleInput `json:"schedule"`
	Trainers []string      `json:"trainers"`
	JoinCode bool          `json:"join_code"`
}

func (s *Server) createCohort(c *fiber.Ctx) error {
	var req createCohortRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	in := cohort.NewCohort{Course: req.Course, Name: req.Name, StartsOn: req.StartsOn.at(&f, "starts_on", false), EndsOn: req.EndsOn.at(&f, "ends_on", true),
		Schedule: req.Schedule.dates(&f), Trainers: req.Trainers, JoinCode: req.JoinCode}
	if err := f.Err(); err != nil {
		return err
	}
	co, err := s.cohorts.Create(c.UserContext(), principal(c), in)
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

// myCohorts lists the cohorts the caller is a member of, as members see them: no join code,
// trainers by name.
func (s *Server) myCohorts(c *fiber.Ctx) error {
	list, err := s.cohorts.Mine(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := make([]cohortBase, len(list))
	for i, m := range list {
		out[i] = newCohortBase(m.Cohort, m.TrainerNames)
	}
	return c.JSON(newList(out, ""))
}

type learnerAssessmentOut struct {
	Name       string        `json:"name"`
	OrgUnit    string        `json:"org_unit"`
	State      string        `json:"state"`
	Assessment assessmentOut `json:"assessment"`
}

// cohortAssessments is the coach's way in: her cohort's members' assessments, each opened by its id
// at /assessments/{id}.
func (s *Server) cohortAssessments(c *fiber.Ctx) error {
	f := activity.LearnerFilter{Assessment: c.Query("assessment"), State: c.Query("state")}
	list, err := s.app.CohortAssessments(c.UserContext(), principal(c), c.Params("id"), f, locale(c))
	if err != nil {
		return err
	}
	out := make([]learnerAssessmentOut, len(list))
	for i, la := range list {
		out[i] = learnerAssessmentOut{Name: la.Learner.Name, OrgUnit: la.Learner.OrgUnit, State: activity.AssessmentSubmitted, Assessment: newAssessmentOut(la.Assessment)}
		if la.CoachedAt != nil {
			out[i].State = activity.AssessmentCoached
		}
	}
	return c.JSON(newList(out, ""))
}

type patchCohortRequest struct {
	Name             *string        `json:"name"`
	Status           *string        `json:"status"`
	Schedule         *scheduleInput `json:"schedule"`
	Trainers         *[]string      `json:"trainers"`
	StartsOn         *dateInput     `json:"starts_on"`
	EndsOn           *dateInput     `json:"ends_on"`
	AutoReminderDays *int           `json:"auto_reminder_days"`
}

func (s *Server) patchCohort(c *fiber.Ctx) error {
	var req patchCohortRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f apperr.Fields
	p := cohort.Patch{Name: req.Name, Status: req.Status, Trainers: req.Trainers, StartsOn: req.StartsOn.at(&f, "starts_on", false),
		EndsOn: req.EndsOn.at(&f, "ends_on", true), AutoReminderDays: req.AutoReminderDays}
	if req.Schedule != nil {
		sched := req.Schedule.dates(&f)
		if sched == nil {
			sched = []cohort.ModuleDates{}
		}
		p.Schedule = &sched
	}
	if err := f.Err(); err != nil {
		return err
	}
	co, err := s.cohorts.Update(c.UserContext(), principal(c), c.Params("id"), p)
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
	var fileRows []cohort.MemberRow // a CSV file's rows, unreadable ones included, in file order
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
		rows, err := cohort.ParseMemberRows(data)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Bad != nil {
				continue
			}
			emails = append(emails, r.Email)
			key := strings.ToLower(strings.TrimSpace(r.Email))
			names[key], units[key] = r.Name, r.OrgUnit
		}
		fileRows = rows
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
	// Every row's reason in the trainer's language; its status stays machine-readable.
	loc := messageLocale(c)
	out := struct {
		Results []memberResultOut `json:"results"`
	}{Results: []memberResultOut{}}
	add := func(r cohort.MemberResult) {
		out.Results = append(out.Results, memberResultOut{Email: r.Email, Status: r.Status, Reason: r.ReasonIn(loc), UserID: r.UserID})
	}
	next := 0
	for _, r := range fileRows {
		if r.Bad != nil {
			add(cohort.MemberResult{Email: r.Email, Status: "invalid", Why: r.Bad})
			continue
		}
		if next < len(res) {
			add(res[next])
			next++
		}
	}
	for _, r := range res[next:] {
		add(r)
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
	Audience string          `json:"audience"`
	Message  json.RawMessage `json:"message"` // see sendReminderText
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
	r, err := s.sendReminderText(c, req.Audience, req.Message)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(reminderOut{ReminderID: r.ID, Queued: r.Queued, Unsubscribed: r.Unsubscribed})
}

type unsubscribedOut struct {
	Status string `json:"status"`
}

// unsubscribe turns reminders off: it needs no sign-in, only the signed token.
func (s *Server) unsubscribe(c *fiber.Ctx) error {
	if err := s.auth.Unsubscribe(c.UserContext(), c.Query("token")); err != nil {
		return err
	}
	return c.JSON(unsubscribedOut{Status: "unsubscribed"})
}

// unsubscribePage answers the link of reminders sent before the web app's page: opening a link
// changes nothing (mail scanners follow links), so it leads to the page that asks.
func (s *Server) unsubscribePage(c *fiber.Ctx) error {
	return c.Redirect("/unsubscribe?token="+url.QueryEscape(c.Query("token")), fiber.StatusSeeOther)
}
