package httpapi

import (
	"bytes"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

type recordResponse struct {
	IDs        []string `json:"ids"`
	Duplicates int      `json:"duplicates"`
}

// postStatements takes one xAPI statement or an array of at most 100.
func (s *Server) postStatements(c *fiber.Ctx) error {
	var list []learning.Statement
	body := bytes.TrimSpace(c.Body())
	if len(body) > 0 && body[0] == '[' {
		if err := decodeJSON(c, &list); err != nil {
			return err
		}
	} else {
		var one learning.Statement
		if err := decodeJSON(c, &one); err != nil {
			return err
		}
		list = []learning.Statement{one}
	}
	if len(list) > learning.MaxBatch {
		return learning.ErrTooMany
	}
	entries := make([]learning.Entry, len(list))
	for i, st := range list {
		entries[i] = learning.Entry{Statement: st, Hash: learning.HashOf(st)}
	}
	recs, err := s.learning.Record(c.UserContext(), principal(c), entries)
	if err != nil {
		return err
	}
	out := recordResponse{IDs: make([]string, len(recs))}
	for i, r := range recs {
		out.IDs[i] = r.ID
		if r.Duplicate {
			out.Duplicates++
		}
	}
	return c.JSON(out)
}

type eventResponse struct {
	ID        string `json:"id"`
	Duplicate bool   `json:"duplicate"`
	Lesson    string `json:"lesson_state"`
	Course    string `json:"course_state"`
	Percent   int    `json:"percent"`
}

func (s *Server) lessonEvent(c *fiber.Ctx) error {
	var ev learning.Event
	if err := decodeJSON(c, &ev); err != nil {
		return err
	}
	slug, lesson := c.Params("slug"), c.Params("lesson")
	rec, p, err := s.learning.LessonEvent(c.UserContext(), principal(c), slug, lesson, ev)
	if err != nil {
		return err
	}
	out := eventResponse{ID: rec.ID, Duplicate: rec.Duplicate, Course: p.State, Percent: p.Percent}
	for _, m := range p.Modules {
		for _, l := range m.Lessons {
			if l.ID == lesson {
				out.Lesson = l.State
			}
		}
	}
	status := fiber.StatusCreated
	if rec.Duplicate {
		status = fiber.StatusOK
	}
	return c.Status(status).JSON(out)
}

func (s *Server) myStatements(c *fiber.Ctx) error {
	limit, after, err := pageParams(c)
	if err != nil {
		return err
	}
	f := learning.StatementFilter{Course: c.Query("course"), Verb: c.Query("verb"), After: after, Limit: limit}
	if v := c.Query("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return apperr.Validation(apperr.FieldError{Field: "since", Message: "must be an RFC 3339 date and time"})
		}
		f.Since = t
	}
	sts, next, err := s.learning.MyStatements(c.UserContext(), principal(c), f)
	if err != nil {
		return err
	}
	return c.JSON(newList(sts, next))
}

type myCourseItem struct {
	Slug         string                `json:"slug"`
	Title        string                `json:"title"`
	Version      int                   `json:"version"`
	State        string                `json:"state"`
	Percent      int                   `json:"percent"`
	NextLesson   string                `json:"next_lesson,omitempty"`
	LastActivity *time.Time            `json:"last_activity,omitempty"`
	CompletedAt  *time.Time            `json:"completed_at,omitempty"`
	Resume       *learning.ResumePoint `json:"resume,omitempty"`
	Due          []dueItem             `json:"due"`
	// Wall is where her reflection posts go: her cohort's id, or open.<slug> when self-paced.
	Wall string `json:"wall"`
	// Cohort is her cohort in the course with its schedule (absent when self-paced).
	Cohort   *myCohortRef    `json:"cohort,omitempty"`
	Locale   string          `json:"locale"`
	Fallback course.Fallback `json:"fallback,omitempty"` // the title when not in Locale
}

type myCohortRef struct {
	ID       string               `json:"id"`
	Name     string               `json:"name"`
	Schedule []cohort.ModuleDates `json:"schedule"`
}

type dueItem struct {
	Module string    `json:"module"`
	Due    time.Time `json:"due"`
	Done   bool      `json:"done"`
}

func (s *Server) myCourses(c *fiber.Ctx) error {
	if err := checkLocaleParam(c); err != nil {
		return err
	}
	list, err := s.app.MyCourses(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	loc := locale(c)
	items := make([]myCourseItem, len(list))
	for i, mc := range list {
		p := mc.Progress
		l := course.Localizer{Locale: loc}
		it := myCourseItem{Slug: mc.Published.Course.Slug, Title: l.Text("title", mc.Published.Course.Title), Locale: loc, Version: mc.Published.Version, State: p.State,
			Percent: p.Percent, NextLesson: p.Next, LastActivity: p.LastAt, CompletedAt: p.CompletedAt, Resume: p.Resume, Due: []dueItem{}, Wall: mc.Wall}
		if mc.Cohort.ID != "" {
			it.Cohort = &myCohortRef{ID: mc.Cohort.ID, Name: mc.Cohort.Name, Schedule: mc.Cohort.Schedule}
			if it.Cohort.Schedule == nil {
				it.Cohort.Schedule = []cohort.ModuleDates{}
			}
		}
		for _, m := range p.Modules {
			if m.Due != nil {
				it.Due = append(it.Due, dueItem{Module: m.ID, Due: *m.Due, Done: m.State == learning.StateCompleted})
			}
		}
		it.Fallback = l.Fallback
		items[i] = it
	}
	return c.JSON(newList(items, ""))
}

func (s *Server) myProgress(c *fiber.Ctx) error {
	p, err := s.learning.Progress(c.UserContext(), principal(c), c.Params("slug"))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// withProgress adds the caller's states and locks to an outline.
func (s *Server) withProgress(c *fiber.Ctx, o *outlineResponse, pub course.Published) error {
	if s.learning == nil {
		return nil
	}
	p, err := s.learning.Progress(c.UserContext(), principal(c), pub.Course.Slug)
	if err != nil {
		return err
	}
	o.Progress = &outlineProgress{State: p.State, Percent: p.Percent, NextLesson: p.Next, Resume: p.Resume}
	for i, m := range p.Modules {
		o.Modules[i].State, o.Modules[i].Lock = m.State, m.Lock
		for j, l := range m.Lessons {
			o.Modules[i].Lessons[j].State, o.Modules[i].Lessons[j].Lock = l.State, l.Lock
		}
	}
	return nil
}

type outlineProgress struct {
	State      string                `json:"state"`
	Percent    int                   `json:"percent"`
	NextLesson string                `json:"next_lesson,omitempty"`
	Resume     *learning.ResumePoint `json:"resume,omitempty"`
}
