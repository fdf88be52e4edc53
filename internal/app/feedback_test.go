package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestAccessibilityFeedbackReachesEveryAdmin: feedback from the accessibility statement's form
// is queued as an e-mail to every enabled admin, in the admin's language, once however often
// the same words are sent; bad input is refused field by field.
func TestAccessibilityFeedbackReachesEveryAdmin(t *testing.T) {
	t.Parallel()
	a, _ := testenv.App(t, nil)
	ctx := context.Background()
	add := func(email, locale string, role auth.Role) auth.User {
		u, _, err := a.AddUser(ctx, auth.NewUser{Email: email, Name: strings.Split(email, "@")[0], Roles: []auth.Role{role}, Locale: locale, Password: "pitkä salasana 2026"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	add("paakayttaja@example.fi", "fi", auth.RoleAdmin)
	add("administrator@example.fi", "sv", auth.RoleAdmin)
	gone := add("entinen@example.fi", "fi", auth.RoleAdmin)
	add("oppija@example.fi", "fi", auth.RoleLearner)
	add("kouluttaja@example.fi", "fi", auth.RoleTrainer)
	off := true
	if _, err := a.Auth.UpdateUser(ctx, auth.Principal{UserID: "op", Roles: []auth.Role{auth.RoleAdmin}}, gone.ID, auth.UserPatch{Disabled: &off}); err != nil {
		t.Fatal(err)
	}
	before, _, _ := a.Outbox.List(ctx, "", 100)

	for _, c := range []struct {
		name, message, email string
		fields               []string
	}{
		{"empty", "  \n ", "", []string{"message"}},
		{"too long", strings.Repeat("ä", 4001), "", []string{"message"}},
		{"bad address", "Video ilman tekstitystä", "liisa@", []string{"email"}},
		{"both", "", "ei osoite", []string{"message", "email"}},
	} {
		err := a.AccessibilityFeedback(ctx, c.message, c.email, "fi")
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.KindValidation || len(ae.Fields) != len(c.fields) {
			t.Errorf("%s: %v, want validation errors of %v", c.name, err, c.fields)
			continue
		}
		for i, f := range c.fields {
			if ae.Fields[i].Field != f {
				t.Errorf("%s: field %q, want %q", c.name, ae.Fields[i].Field, f)
			}
		}
	}
	msg := strings.Repeat("x", 3990) + "\nVideo"
	for range 2 {
		if err := a.AccessibilityFeedback(ctx, msg, " Liisa@Example.fi ", "en"); err != nil {
			t.Fatal(err)
		}
	}
	jobs, _, err := a.Outbox.List(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, j := range jobs[len(before):] {
		got[j.Email.To] = j.Email.Subject + "\n" + j.Email.Text
	}
	if len(got) != 2 || len(jobs)-len(before) != 2 {
		t.Fatalf("queued to %v, want once to each of the two enabled admins", got)
	}
	for to, want := range map[string][]string{
		"paakayttaja@example.fi":   {"Saavutettavuuspalaute", "Vastausosoite: liisa@example.fi", "\nVideo", testenv.Issuer + "/accessibility"},
		"administrator@example.fi": {"Respons om tillgänglighet", "Svarsadress: liisa@example.fi"},
	} {
		for _, w := range want {
			if !strings.Contains(got[to], w) {
				t.Errorf("the e-mail to %s lacks %q:\n%s", to, w, got[to])
			}
		}
	}
}
