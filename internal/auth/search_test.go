package auth_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/testenv"
)

var admin = auth.Principal{UserID: "op", Roles: []auth.Role{auth.RoleAdmin}}

// TestSearchUsers: part of the name or the address in any case (Finnish letters too), never as
// a pattern; with role and org unit; paged; for admins only.
func TestSearchUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newService(testenv.Mongo(t))
	var in []auth.NewUser
	for _, u := range []struct{ name, email, org string }{
		{"Päivi Äijälä", "paivi.aijala@example.fi", "Joensuu"},
		{"Ville Väänänen", "ville@example.fi", "Lieksa"},
		{"Anna (a.*) Aalto", "anna@example.fi", "Joensuu"},
	} {
		in = append(in, auth.NewUser{Name: u.name, Email: u.email, OrgUnit: u.org, Roles: []auth.Role{auth.RoleLearner}})
	}
	in = append(in, auth.NewUser{Name: "Kaisa Kouluttaja", Email: "kaisa@example.fi", OrgUnit: "Lieksa", Roles: []auth.Role{auth.RoleTrainer}})
	for i := range 5 {
		in = append(in, auth.NewUser{Name: fmt.Sprintf("Sivu %d", i), Email: fmt.Sprintf("sivu%d@example.fi", i), OrgUnit: "Outokumpu", Roles: []auth.Role{auth.RoleLearner}})
	}
	if _, err := svc.InviteUsers(ctx, admin, in); err != nil {
		t.Fatal(err)
	}
	names := func(f auth.UserSearch) []string {
		t.Helper()
		if f.Limit == 0 {
			f.Limit = 100
		}
		users, _, err := svc.SearchUsers(ctx, admin, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range users {
			out = append(out, u.Name)
		}
		return out
	}
	for _, c := range []struct {
		f    auth.UserSearch
		want []string
	}{
		{auth.UserSearch{Text: "äIJÄ"}, []string{"Päivi Äijälä"}},
		{auth.UserSearch{Text: "  VILLE@EXAMPLE "}, []string{"Ville Väänänen"}},
		{auth.UserSearch{Text: "(a.*)"}, []string{"Anna (a.*) Aalto"}},
		{auth.UserSearch{Text: "i.*ä"}, nil}, // as a pattern it would find Päivi
		{auth.UserSearch{Role: auth.RoleTrainer}, []string{"Kaisa Kouluttaja"}},
		{auth.UserSearch{OrgUnit: "Lieksa", Role: auth.RoleLearner}, []string{"Ville Väänänen"}},
		{auth.UserSearch{Text: "a", OrgUnit: "Joensuu"}, []string{"Päivi Äijälä", "Anna (a.*) Aalto"}},
	} {
		if got := names(c.f); !slices.Equal(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.f, got, c.want)
		}
	}

	// Paging: the cursor goes on where the page ended, filters kept.
	var seen []string
	after := ""
	for {
		users, next, err := svc.SearchUsers(ctx, admin, auth.UserSearch{Text: "SIVU", After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			seen = append(seen, u.Name)
		}
		if next == "" {
			break
		}
		after = next
	}
	if len(seen) != 5 || seen[0] != "Sivu 0" || seen[4] != "Sivu 4" {
		t.Errorf("pages: %q", seen)
	}

	units, err := svc.OrgUnits(ctx, admin)
	if err != nil || !slices.Equal(units, []string{"Joensuu", "Lieksa", "Outokumpu"}) {
		t.Errorf("org units %q %v", units, err)
	}

	trainer := auth.Principal{UserID: "t", Roles: []auth.Role{auth.RoleTrainer}}
	if _, _, err := svc.SearchUsers(ctx, trainer, auth.UserSearch{}); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a trainer searches: %v", err)
	}
	if _, err := svc.OrgUnits(ctx, trainer); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a trainer lists org units: %v", err)
	}
	for _, f := range []auth.UserSearch{{Text: strings.Repeat("x", 201)}, {Role: "boss"}, {Text: "\xff"}} {
		if _, _, err := svc.SearchUsers(ctx, admin, f); apperr.KindOf(err) != apperr.KindValidation {
			t.Errorf("%q: %v, want a validation error", f.Text+string(f.Role), err)
		}
	}
}

// TestSetUserLocale: an admin changes another's language; the value is checked.
func TestSetUserLocale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := newService(testenv.Mongo(t))
	u, _, err := svc.CreateUser(ctx, admin, auth.NewUser{Name: "Greta", Email: "greta@example.fi", Roles: []auth.Role{auth.RoleLearner}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.SetUserLocale(ctx, admin, u.ID, "sv")
	if err != nil || got.Locale != "sv" {
		t.Fatalf("%+v %v", got, err)
	}
	for _, loc := range []string{"", "de"} {
		if _, err := svc.SetUserLocale(ctx, admin, u.ID, loc); apperr.KindOf(err) != apperr.KindValidation {
			t.Errorf("%q: %v", loc, err)
		}
	}
	if _, err := svc.SetUserLocale(ctx, admin, "nobody", "fi"); !errors.Is(err, auth.ErrUserNotFound) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := svc.SetUserLocale(ctx, auth.Principal{UserID: u.ID, Roles: []auth.Role{auth.RoleTrainer}}, u.ID, "fi"); !errors.Is(err, auth.ErrForbidden) {
		t.Errorf("a trainer: %v", err)
	}
}

// TestParseInviteRows: name;email;role;org unit;language rows with a header, the pages' role
// words, defaults, and bad lines as rows of their own.
func TestParseInviteRows(t *testing.T) {
	t.Parallel()
	rows, err := auth.ParseInviteRows([]byte("\ufeffNimi;Sähköposti;Rooli;Yksikkö;Kieli\r\nAino Aalto; Aino@Example.fi ;Kouluttaja;Joensuu;SV\r\n\r\nBo;bo@example.fi\nbad;\"open;x\n;;;;\nEve;eve@example.fi;pomo;;\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows: %+v", len(rows), rows)
	}
	a := rows[0]
	if a.Line != 2 || a.User.Name != "Aino Aalto" || a.User.Email != "Aino@Example.fi" || a.User.Roles[0] != auth.RoleTrainer || a.User.OrgUnit != "Joensuu" || a.User.Locale != "sv" {
		t.Errorf("row 1: %+v", a)
	}
	if b := rows[1]; b.Line != 4 || b.User.Roles[0] != auth.RoleLearner || b.User.Locale != "" || b.Bad != nil {
		t.Errorf("row 2: %+v", b)
	}
	if c := rows[2]; c.Line != 5 || c.Bad == nil {
		t.Errorf("row 3: %+v", c)
	}
	if d := rows[3]; d.User.Roles[0] != "pomo" {
		t.Errorf("row 4: %+v", d)
	}
	for _, bad := range []string{"", "\n\n", "\xff\xfe"} {
		if _, err := auth.ParseInviteRows([]byte(bad)); apperr.KindOf(err) != apperr.KindValidation {
			t.Errorf("%q: %v", bad, err)
		}
	}
	big := strings.Repeat("x;x@example.fi\n", auth.MaxInviteRows+1)
	if _, err := auth.ParseInviteRows([]byte(big)); apperr.KindOf(err) != apperr.KindTooLarge {
		t.Errorf("too many rows: %v", err)
	}
}
