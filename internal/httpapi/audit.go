package httpapi

import (
	"errors"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/audit"
)

// clientAddress puts the client's address in the request's context, where the audit log takes
// it for the entries the request records.
func (s *Server) clientAddress(c *fiber.Ctx) error {
	c.SetUserContext(audit.WithClientIP(c.UserContext(), c.IP()))
	return c.Next()
}

// record adds an entry by the request's principal to the audit log.
func (s *Server) record(c *fiber.Ctx, e audit.Entry) {
	e.Actor = principal(c).UserID
	e.IP = c.IP()
	s.app.Audit.Record(c.UserContext(), e)
}

// recordView records that the principal opened another person's work (act, of subject) of an
// activity (target: course:activity, never an id that holds the person's own).
func (s *Server) recordView(c *fiber.Ctx, act, subject, target string) {
	if subject != "" && subject != principal(c).UserID {
		s.record(c, audit.Entry{Act: act, Subject: subject, Target: target})
	}
}

type auditEntryOut struct {
	audit.Entry
	ActorEmail   string `json:"actor_email,omitempty"`
	SubjectEmail string `json:"subject_email,omitempty"`
}

// auditLog is the admins' read of the audit log: ?actor= and ?subject= (a user id or an e-mail
// address), ?act=, ?from= and ?to= (a day or an RFC 3339 time), ?before= (the cursor) and
// ?limit=.
func (s *Server) auditLog(c *fiber.Ctx) error {
	q, err := auditQuery(c)
	if err != nil {
		return err
	}
	page, err := s.app.AuditLog(c.UserContext(), principal(c), q)
	if err != nil {
		return err
	}
	out := make([]auditEntryOut, len(page.Entries))
	for i, e := range page.Entries {
		out[i] = auditEntryOut{Entry: e, ActorEmail: page.People[e.Actor].Email, SubjectEmail: page.People[e.Subject].Email}
	}
	return c.JSON(newList(out, page.Next))
}

func auditQuery(c *fiber.Ctx) (app.AuditQuery, error) {
	q := app.AuditQuery{Actor: c.Query("actor"), Subject: c.Query("subject"), Act: c.Query("act"), Before: c.Query("before"), Limit: audit.DefaultLimit}
	var f apperr.Fields
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > audit.MaxLimit {
			f.Add("limit", "must be a whole number from 1 to {max}", apperr.Params{"max": strconv.Itoa(audit.MaxLimit)})
		}
		q.Limit = n
	}
	if len(q.Before) > 100 {
		f.Add("before", "is not a cursor this API gave out")
	}
	for field, v := range map[string]string{"actor": q.Actor, "subject": q.Subject} {
		if len(v) > 320 {
			f.Add(field, "too long")
		}
	}
	if err := f.Err(); err != nil {
		return q, malformed(err)
	}
	var err error
	q.From, q.To, err = app.AuditDates(c.Query("from"), c.Query("to"))
	return q, malformed(err)
}

// malformed makes the validation error of a query parameter that cannot be read (a limit that
// is no number in range, a date that is no date) a malformed request: 400, its fields kept.
func malformed(err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindValidation {
		return err
	}
	bad := *ae
	bad.Kind = apperr.KindInvalid
	return &bad
}
