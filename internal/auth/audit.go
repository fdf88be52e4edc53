package auth

import (
	"context"
	"strings"
)

// EventKind is an account event the audit log records.
type EventKind string

// The account events.
const (
	EventSignIn         EventKind = "signin"
	EventSignInFailed   EventKind = "signin.failed"
	EventSignOut        EventKind = "signout"
	EventRoleChange     EventKind = "account.role"
	EventStatusChange   EventKind = "account.status"
	EventInvitation     EventKind = "invitation"
	EventInviteAccepted EventKind = "invitation.accepted"
)

// Event is an account event as this service knows it: who acted (Actor, "" for nobody signed
// in), whose account it concerns (Subject, "" when there is none, as for an unknown e-mail
// address), a short Detail that never holds an e-mail address or a password, and the client's
// address when the service was given it.
type Event struct {
	Kind    EventKind
	Actor   string
	Subject string
	Detail  string
	IP      string
}

// Auditor records account events: the audit log, connected by the application layer.
// Recording must not fail the act: it returns nothing.
type Auditor interface {
	AccountEvent(ctx context.Context, e Event)
}

// UseAuditor makes the service tell a of account events. Call it before serving.
func (s *Service) UseAuditor(a Auditor) { s.auditor = a }

func (s *Service) audit(ctx context.Context, e Event) {
	if s.auditor != nil {
		s.auditor.AccountEvent(ctx, e)
	}
}

// roleNames is a set of roles as a detail: "learner,trainer".
func roleNames(roles []Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ",")
}

// auditChange records what an admin's change of an account changed: its roles, whether it is
// disabled.
func (s *Service) auditChange(ctx context.Context, actor Principal, before, after userDoc) {
	if roleNames(before.Roles) != roleNames(after.Roles) {
		s.audit(ctx, Event{Kind: EventRoleChange, Actor: actor.UserID, Subject: after.ID, Detail: roleNames(before.Roles) + " -> " + roleNames(after.Roles)})
	}
	if before.Disabled != after.Disabled {
		detail := "enabled"
		if after.Disabled {
			detail = "disabled"
		}
		s.audit(ctx, Event{Kind: EventStatusChange, Actor: actor.UserID, Subject: after.ID, Detail: detail})
	}
}
