package auth

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/taito-lms/taito/internal/apperr"
)

// maxSearchLength bounds the text of an account search, in characters.
const maxSearchLength = 200

// UserSearch selects accounts for the admin's list: Text is part of the name or the e-mail
// address, in any case; Role and OrgUnit must match exactly. After and Limit page as in
// UserFilter.
type UserSearch struct {
	Text    string
	Role    Role
	OrgUnit string
	After   string
	Limit   int
}

// SearchUsers lists the accounts a search selects, in creation order, for admins: the list of
// ListUsers narrowed by a text found anywhere in the name or the e-mail address, case-insensitive.
//
// Returns ErrForbidden and validation errors (q, role).
func (s *Service) SearchUsers(ctx context.Context, actor Principal, f UserSearch) ([]User, string, error) {
	if err := RequireAdmin(actor); err != nil {
		return nil, "", err
	}
	var fields apperr.Fields
	text := strings.TrimSpace(f.Text)
	switch {
	case !utf8.ValidString(text):
		fields.Add("q", "must be valid UTF-8 text")
	case utf8.RuneCountInString(text) > maxSearchLength:
		fields.Add("q", "must be at most {max} characters", apperr.Params{"max": strconv.Itoa(maxSearchLength)})
	}
	if f.Role != "" && !f.Role.Valid() {
		fields.Add("role", "must be learner, trainer or admin")
	}
	if err := fields.Err(); err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	docs, err := s.store.searchUsers(ctx, text, f.Role, f.OrgUnit, f.After, f.Limit+1)
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

// OrgUnits lists the organisation units that accounts have, sorted, for the admin's filter.
//
// Returns ErrForbidden.
func (s *Service) OrgUnits(ctx context.Context, actor Principal) ([]string, error) {
	if err := RequireAdmin(actor); err != nil {
		return nil, err
	}
	return s.store.orgUnits(ctx)
}

// SetUserLocale changes the language of an account, for admins: the pages and e-mails she gets
// are in it from her next request.
//
// Returns ErrForbidden, ErrUserNotFound and validation errors (locale).
func (s *Service) SetUserLocale(ctx context.Context, actor Principal, id, locale string) (User, error) {
	if err := RequireAdmin(actor); err != nil {
		return User{}, err
	}
	var f apperr.Fields
	if locale == "" {
		f.Add("locale", "must be one of fi, sv, en")
	}
	checkLocale(&f, "locale", locale)
	if err := f.Err(); err != nil {
		return User{}, err
	}
	now := s.now().UTC()
	d, err := s.store.updateUser(ctx, id, userUpdate{Locale: &locale, UpdatedAt: &now})
	if err != nil {
		return User{}, err
	}
	s.cache.Forget(id) // her locale, which her principal carries
	return d.user(), nil
}
