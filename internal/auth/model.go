// Package auth holds accounts, passwords, access tokens (Ed25519-signed JWTs), refresh-token
// rotation, invitations, sign-in throttling, roles and the authorisation rules over them.
//
// Authorisation lives here as plain functions over a Principal, so that every caller — HTTP
// handlers, the CLI, other domain packages — applies the same rules. The package knows nothing
// of HTTP and imports no other domain package.
package auth

import (
	"slices"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
)

// Role is what a user may do. A user may hold several.
type Role string

// The roles.
const (
	RoleLearner Role = "learner"
	RoleTrainer Role = "trainer"
	RoleAdmin   Role = "admin"
)

// Roles lists every role, in order of privilege.
var Roles = []Role{RoleLearner, RoleTrainer, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Locales are the interface languages. Finnish is the default and the content source language.
var Locales = []string{"fi", "sv", "en"}

// DefaultLocale is Finnish.
const DefaultLocale = "fi"

// User is an account.
type User struct {
	ID           string
	Email        string // lower-case
	Name         string
	Roles        []Role
	OrgUnit      string // free text, e.g. "Joensuu / aikuissosiaalityö"
	Locale       string
	Disabled     bool
	Pending      bool // invited, no password yet
	RemindersOff bool // unsubscribed from cohort reminders
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Principal is the authenticated actor of a request. Locale is her account's language (fi, sv
// or en), in which messages to her are said; empty when unknown (a principal not from
// Authenticate).
type Principal struct {
	UserID string
	Roles  []Role
	Locale string
}

// Has reports whether the principal holds role.
func (p Principal) Has(role Role) bool { return slices.Contains(p.Roles, role) }

// IsAdmin reports whether the principal is an admin.
func (p Principal) IsAdmin() bool { return p.Has(RoleAdmin) }

// IsTrainer reports whether the principal may act as a trainer (trainers and admins).
func (p Principal) IsTrainer() bool { return p.Has(RoleTrainer) || p.Has(RoleAdmin) }

// Errors returned by the package. Messages are client-safe.
var (
	ErrInvalidCredentials = apperr.New(apperr.KindUnauthenticated, "invalid email or password")
	ErrInvalidToken       = apperr.New(apperr.KindUnauthenticated, "invalid or expired token")
	ErrForbidden          = apperr.New(apperr.KindForbidden, "you are not allowed to do this")
	ErrUserNotFound       = apperr.New(apperr.KindNotFound, "user not found")
	ErrEmailTaken         = apperr.New(apperr.KindConflict, "an account with this email already exists")
	ErrTooManyAttempts    = apperr.New(apperr.KindRateLimited, "too many failed sign-ins, wait a moment and try again")
	ErrTooManyResets      = apperr.New(apperr.KindRateLimited, "too many password-reset requests, wait a while and try again")
)

// RequireAdmin allows admins only.
//
// Returns ErrForbidden.
func RequireAdmin(p Principal) error {
	if !p.IsAdmin() {
		return ErrForbidden
	}
	return nil
}

// RequireTrainer allows trainers and admins.
//
// Returns ErrForbidden.
func RequireTrainer(p Principal) error {
	if !p.IsTrainer() {
		return ErrForbidden
	}
	return nil
}

// CanCreateUser says whether p may create an account holding roles: admins any, trainers
// learners only.
//
// Returns ErrForbidden.
func CanCreateUser(p Principal, roles []Role) error {
	if p.IsAdmin() {
		return nil
	}
	if p.Has(RoleTrainer) {
		for _, r := range roles {
			if r != RoleLearner {
				return apperr.New(apperr.KindForbidden, "trainers may invite learners only")
			}
		}
		return nil
	}
	return ErrForbidden
}
