package auth_test

import (
	"testing"

	"github.com/taito-lms/taito/internal/auth"
)

// TestNormalizeEmailAsPeopleExpect (issue 16, finding 10): a domain needs a dot, internationalised
// addresses are kept as written in lower case, and the error names the field.
func TestNormalizeEmailAsPeopleExpect(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string // want "" for refused
	}{
		{"plain", " Anna.Asiakas@Example.FI ", "anna.asiakas@example.fi"},
		{"subdomain", "etu@kunta.example.fi", "etu@kunta.example.fi"},
		{"Finnish letters", "Käyttäjä@Esimerkki.fi", "käyttäjä@esimerkki.fi"},
		{"internationalised domain", "x@Bücher.example", "x@bücher.example"},
		{"hyphen inside a label", "x@pohjois-karjala.fi", "x@pohjois-karjala.fi"},
		{"the first admin's own", auth.FirstAdminEmail, auth.FirstAdminEmail},
		{"no top-level domain", "name@example", ""},
		{"a trailing dot", "name@example.fi.", ""},
		{"an empty label", "name@example..fi", ""},
		{"a hyphen at a label's start", "name@-example.fi", ""},
		{"a hyphen at a label's end", "name@example-.fi", ""},
		{"a numeric top-level domain", "name@192.168.0.1", ""},
		{"an underscore", "name@ex_ample.fi", ""},
		{"no local part", "@example.fi", ""},
		{"two at signs", "a@b@example.fi", ""},
		{"a display name", "Anna <anna@example.fi>", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, fe := auth.NormalizeEmail("email", tc.in)
			if tc.want == "" {
				if fe == nil || fe.Field != "email" || fe.Message == "" {
					t.Fatalf("NormalizeEmail(%q) = %q, %+v; want a field error on email", tc.in, got, fe)
				}
				return
			}
			if fe != nil || got != tc.want {
				t.Fatalf("NormalizeEmail(%q) = %q, %+v; want %q", tc.in, got, fe, tc.want)
			}
		})
	}
}
