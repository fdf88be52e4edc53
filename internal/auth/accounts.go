package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/taito-lms/taito/internal/apperr"
)

// Limits of account fields.
const (
	maxNameLength    = 200
	maxOrgUnitLength = 200
	maxEmailLength   = 254
)

// NormalizeEmail trims and lower-cases an e-mail address and checks its form as a person would:
// a local part, an @ and a domain of at least two labels (name@example is refused). Domains may
// be internationalised (käyttäjä@esimerkki.fi, x@bücher.example); they are stored as written,
// in Unicode lower case, not as Punycode.
func NormalizeEmail(field, email string) (string, *apperr.FieldError) {
	e := strings.ToLower(strings.TrimSpace(email))
	bad := &apperr.FieldError{Field: field, Message: "must be an e-mail address with a domain, such as name@example.fi"}
	if e == "" || len(e) > maxEmailLength || !utf8.ValidString(e) || strings.ContainsAny(e, " \t\r\n<>\"(),;:\\[]") {
		return "", bad
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || addr.Name != "" {
		return "", bad
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || !validDomain(domain) {
		return "", bad
	}
	return e, nil
}

// validDomain reports whether domain is a host name with a top-level domain: labels of letters
// (any script), digits and inner hyphens, at least two of them, the last not all digits. The one
// exception is localhost, the domain of the first admin's account (FirstAdminEmail).
func validDomain(domain string) bool {
	if domain == "localhost" {
		return true
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || utf8.RuneCountInString(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		if strings.ContainsFunc(l, func(r rune) bool { return r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			return false
		}
	}
	tld := labels[len(labels)-1]
	return strings.ContainsFunc(tld, unicode.IsLetter)
}

func checkText(f *apperr.Fields, field, v string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(v) == "":
		f.Add(field, "is required")
	case !utf8.ValidString(v):
		f.Add(field, "must be valid UTF-8 text")
	case utf8.RuneCountInString(v) > max:
		f.Add(field, "must be at most {max} characters", apperr.Params{"max": strconv.Itoa(max)})
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		f.Add(field, "must not contain control characters")
	}
}

// checkRoles checks a non-empty list of known roles and returns it sorted without repeats.
func checkRoles(f *apperr.Fields, roles []Role) []Role {
	if len(roles) == 0 {
		f.Add("roles", "at least one role is required")
	}
	for i, r := range roles {
		if !r.Valid() {
			f.Add(fmt.Sprintf("roles.%d", i), "must be learner, trainer or admin")
		}
	}
	out := slices.Clone(roles)
	slices.Sort(out)
	return slices.Compact(out)
}

func checkLocale(f *apperr.Fields, field, v string) {
	if v != "" && !slices.Contains(Locales, v) {
		f.Add(field, "must be one of fi, sv, en")
	}
}

// trimmed is a text field as stored: without surrounding space.
func trimmed(v string) *string {
	t := strings.TrimSpace(v)
	return &t
}

// UserByEmail returns the account with an e-mail address, for other capabilities (cohort
// enrolment). It checks nothing about the caller.
//
// Returns ErrUserNotFound.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	d, err := s.store.userByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return User{}, err
	}
	return d.user(), nil
}

// UsersByEmails returns accounts by (normalised) e-mail, for bulk enrolment; unknown addresses
// are left out. It checks nothing about the caller.
func (s *Service) UsersByEmails(ctx context.Context, emails []string) (map[string]User, error) {
	docs, err := s.store.usersByEmails(ctx, emails)
	if err != nil {
		return nil, err
	}
	return usersBy(docs, len(emails), func(u User) string { return u.Email }), nil
}

// UsersByIDs returns accounts by id, for reports of other capabilities; unknown ids are left
// out. It checks nothing about the caller.
func (s *Service) UsersByIDs(ctx context.Context, ids []string) (map[string]User, error) {
	docs, err := s.store.usersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	return usersBy(docs, len(ids), func(u User) string { return u.ID }), nil
}

// usersBy is the accounts of docs by key.
func usersBy(docs []userDoc, size int, key func(User) string) map[string]User {
	out := make(map[string]User, size)
	for _, d := range docs {
		u := d.user()
		out[key(u)] = u
	}
	return out
}

// UnsubscribeToken is the signed token of a user's unsubscribe-from-reminders link.
func (s *Service) UnsubscribeToken(userID string) string {
	return s.tokens.Keys().SignValue("unsub:" + userID)
}

// Unsubscribe turns reminders off for the user a token names.
//
// Returns ErrInvalidToken.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	v, ok := s.tokens.Keys().VerifyValue(token)
	user, isUnsub := strings.CutPrefix(v, "unsub:")
	if !ok || !isUnsub {
		return ErrInvalidToken
	}
	off := true
	if _, err := s.store.updateUser(ctx, user, userUpdate{RemindersOff: &off}); err != nil {
		if errors.Is(err, ErrUserNotFound) {
			return ErrInvalidToken
		}
		return err
	}
	return nil
}

// Me returns the actor's own account.
func (s *Service) Me(ctx context.Context, p Principal) (User, error) {
	d, err := s.store.userByID(ctx, p.UserID)
	if err != nil {
		return User{}, err
	}
	return d.user(), nil
}

// MeUpdate changes the actor's own account; nil fields are left alone.
type MeUpdate struct {
	Name            *string
	Locale          *string
	Password        *string
	CurrentPassword string
}

// UpdateMe changes the actor's name, locale or password. A new password needs the current one,
// and ends every session of the account, this one too (see LogoutAll).
//
// Returns validation errors and ErrUserNotFound.
func (s *Service) UpdateMe(ctx context.Context, p Principal, in MeUpdate) (User, error) {
	up, err := meChanges(in)
	if err != nil {
		return User{}, err
	}
	if in.Password != nil {
		if err := s.checkCurrentPassword(ctx, p.UserID, in.CurrentPassword); err != nil {
			return User{}, err
		}
		h, err := s.hasher.Hash(ctx, *in.Password)
		if err != nil {
			return User{}, err
		}
		up.PasswordHash = &h
		up.EndSessions = true
	}
	now := s.now().UTC()
	up.UpdatedAt = &now
	d, err := s.store.updateUser(ctx, p.UserID, up)
	if err != nil {
		return User{}, err
	}
	s.cache.Forget(p.UserID) // her locale, which her principal carries
	if up.EndSessions {
		if err := s.sessionsEnded(ctx, p.UserID, now); err != nil {
			return User{}, err
		}
	}
	return d.user(), nil
}

// meChanges checks a change of one's own account and returns what to store of it but the
// password.
//
// Returns validation errors.
func meChanges(in MeUpdate) (userUpdate, error) {
	var f apperr.Fields
	var up userUpdate
	if in.Name != nil {
		checkText(&f, "name", *in.Name, true, maxNameLength)
		up.Name = trimmed(*in.Name)
	}
	if in.Locale != nil {
		if *in.Locale == "" {
			f.Add("locale", "must be one of fi, sv, en")
		}
		checkLocale(&f, "locale", *in.Locale)
		up.Locale = in.Locale
	}
	if in.Password != nil {
		if fe := CheckPassword("password", *in.Password); fe != nil {
			f = append(f, *fe)
		}
		if in.CurrentPassword == "" {
			f.Add("current_password", "is required to change the password")
		}
	}
	return up, f.Err()
}

// checkCurrentPassword checks the password a user gave to change it.
//
// Returns a validation error and ErrUserNotFound.
func (s *Service) checkCurrentPassword(ctx context.Context, userID, password string) error {
	d, err := s.store.userByID(ctx, userID)
	if err != nil {
		return err
	}
	ok, _, err := s.hasher.Verify(ctx, d.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Validation(apperr.FieldError{Field: "current_password", Message: "is wrong"})
	}
	return nil
}

// NewUser is an account to create.
type NewUser struct {
	Email   string
	Name    string
	Roles   []Role
	OrgUnit string
	Locale  string
	// Password, when set (the command line's --password-stdin), makes the account usable at
	// once; otherwise an invitation is sent.
	Password string
}

func (s *Service) validateNewUser(in *NewUser) error {
	var f apperr.Fields
	email, fe := NormalizeEmail("email", in.Email)
	if fe != nil {
		f = append(f, *fe)
	}
	in.Email = email
	checkText(&f, "name", in.Name, true, maxNameLength)
	in.Name = strings.TrimSpace(in.Name)
	checkText(&f, "org_unit", in.OrgUnit, false, maxOrgUnitLength)
	in.OrgUnit = strings.TrimSpace(in.OrgUnit)
	if in.Locale == "" {
		in.Locale = DefaultLocale
	}
	checkLocale(&f, "locale", in.Locale)
	in.Roles = checkRoles(&f, in.Roles)
	if in.Password != "" {
		if fe := CheckPassword("password", in.Password); fe != nil {
			f = append(f, *fe)
		}
	}
	return f.Err()
}

// newUserDoc is a validated new account as stored, without a password.
func newUserDoc(in NewUser, now time.Time) userDoc {
	return userDoc{ID: newID(), Email: in.Email, Name: in.Name, Roles: in.Roles, OrgUnit: in.OrgUnit, Locale: in.Locale, CreatedAt: now, UpdatedAt: now}
}

// CreateUser creates an account. Admins may create any account, trainers learners only. Without
// a password the account is pending and an invitation e-mail is queued in the outbox; the
// returned Invitation carries the link for the command line, and is never shown over HTTP.
//
// Returns validation errors, ErrForbidden, ErrEmailTaken.
func (s *Service) CreateUser(ctx context.Context, actor Principal, in NewUser) (User, Invitation, error) {
	if err := s.validateNewUser(&in); err != nil {
		return User{}, Invitation{}, err
	}
	if err := CanCreateUser(actor, in.Roles); err != nil {
		return User{}, Invitation{}, err
	}
	u, inv, err := s.createUser(ctx, in)
	if err == nil && inv.URL != "" {
		s.audit(ctx, Event{Kind: EventInvitation, Actor: actor.UserID, Subject: u.ID, Detail: "sent"})
	}
	return u, inv, err
}

// createUser creates a validated account whose creation was allowed.
func (s *Service) createUser(ctx context.Context, in NewUser) (User, Invitation, error) {
	now := s.now().UTC()
	d := newUserDoc(in, now)
	if in.Password != "" {
		h, err := s.hasher.Hash(ctx, in.Password)
		if err != nil {
			return User{}, Invitation{}, err
		}
		d.PasswordHash = h
	}
	if err := s.store.insertUser(ctx, d); err != nil {
		return User{}, Invitation{}, err
	}
	var inv Invitation
	if in.Password == "" {
		var err error
		if inv, err = s.invite(ctx, d, now); err != nil {
			return User{}, Invitation{}, err
		}
	}
	return d.user(), inv, nil
}

// UserFilter selects users to list.
type UserFilter struct {
	Role    Role
	OrgUnit string
	After   string
	Limit   int
}

// ListUsers lists accounts in creation order, for admins.
//
// Returns ErrForbidden and validation errors.
func (s *Service) ListUsers(ctx context.Context, actor Principal, f UserFilter) ([]User, string, error) {
	if err := RequireAdmin(actor); err != nil {
		return nil, "", err
	}
	if f.Role != "" && !f.Role.Valid() {
		return nil, "", apperr.Validation(apperr.FieldError{Field: "role", Message: "must be learner, trainer or admin"})
	}
	docs, err := s.store.listUsers(ctx, f.Role, f.OrgUnit, f.After, f.Limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > f.Limit {
		docs = docs[:f.Limit]
		next = docs[len(docs)-1].ID
	}
	out := make([]User, len(docs))
	for i, d := range docs {
		out[i] = d.user()
	}
	return out, next, nil
}

// GetUser returns one account, for admins.
//
// Returns ErrForbidden and ErrUserNotFound.
func (s *Service) GetUser(ctx context.Context, actor Principal, id string) (User, error) {
	if err := RequireAdmin(actor); err != nil {
		return User{}, err
	}
	d, err := s.store.userByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	return d.user(), nil
}

// UserPatch changes an account; nil fields are left alone.
type UserPatch struct {
	Name     *string
	Roles    *[]Role
	OrgUnit  *string
	Disabled *bool
}

// UpdateUser changes an account, for admins. Disabling the account or changing its roles ends
// every session of it (see LogoutAll): enabling it again does not bring them back. An admin
// cannot disable herself or drop her own admin role, so an organisation never locks itself out
// by accident.
//
// Returns ErrForbidden, ErrUserNotFound, validation errors and conflicts.
func (s *Service) UpdateUser(ctx context.Context, actor Principal, id string, in UserPatch) (User, error) {
	if err := RequireAdmin(actor); err != nil {
		return User{}, err
	}
	up, err := patchChanges(actor, id, in)
	if err != nil {
		return User{}, err
	}
	var old userDoc
	if up.Roles != nil || up.Disabled != nil {
		if old, err = s.store.userByID(ctx, id); err != nil {
			return User{}, err
		}
		if up.Roles != nil && !up.EndSessions {
			up.EndSessions = !slices.Equal(old.Roles, up.Roles)
		}
	}
	now := s.now().UTC()
	up.UpdatedAt = &now
	d, err := s.store.updateUser(ctx, id, up)
	if err != nil {
		return User{}, err
	}
	s.cache.Forget(id)
	if old.ID != "" {
		s.auditChange(ctx, actor, old, d)
	}
	if up.EndSessions {
		if err := s.sessionsEnded(ctx, id, now); err != nil {
			return User{}, err
		}
	}
	return d.user(), nil
}

// patchChanges checks an admin's change of account id and returns what to store of it.
//
// Returns validation errors and conflicts.
func patchChanges(actor Principal, id string, in UserPatch) (userUpdate, error) {
	var f apperr.Fields
	var up userUpdate
	if in.Name != nil {
		checkText(&f, "name", *in.Name, true, maxNameLength)
		up.Name = trimmed(*in.Name)
	}
	if in.OrgUnit != nil {
		checkText(&f, "org_unit", *in.OrgUnit, false, maxOrgUnitLength)
		up.OrgUnit = trimmed(*in.OrgUnit)
	}
	if in.Roles != nil {
		up.Roles = checkRoles(&f, *in.Roles)
		if id == actor.UserID && !slices.Contains(up.Roles, RoleAdmin) {
			return userUpdate{}, apperr.New(apperr.KindConflict, "you cannot remove your own admin role")
		}
	}
	if in.Disabled != nil {
		up.Disabled = in.Disabled
		up.EndSessions = *in.Disabled
		if id == actor.UserID && *in.Disabled {
			return userUpdate{}, apperr.New(apperr.KindConflict, "you cannot disable your own account")
		}
	}
	return up, f.Err()
}

// FirstAdminEmail is the account EnsureFirstAdmin creates.
const FirstAdminEmail = "admin@localhost"

// EnsureFirstAdmin creates an admin with a random password when no account exists at all, and
// returns the password; created is false when there were accounts already.
func (s *Service) EnsureFirstAdmin(ctx context.Context) (password string, created bool, err error) {
	any, err := s.store.anyUser(ctx)
	if err != nil || any {
		return "", false, err
	}
	password = randomToken()[:24]
	in := NewUser{Email: FirstAdminEmail, Name: "Admin", Roles: []Role{RoleAdmin}, Password: password}
	if err := s.validateNewUser(&in); err != nil {
		return "", false, err
	}
	_, _, err = s.createUser(ctx, in)
	if errors.Is(err, ErrEmailTaken) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return password, true, nil
}
