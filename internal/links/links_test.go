package links_test

import (
	"testing"

	"github.com/taito-lms/taito/internal/links"
)

func TestLinksAreBuiltFromThePublicURL(t *testing.T) {
	l := links.New("https://taito.example.fi/")
	for _, c := range []struct{ name, got, want string }{
		{"base", l.Base(), "https://taito.example.fi"},
		{"home", l.Home(), "https://taito.example.fi/"},
		{"invitation", l.Invitation("a+b/c"), "https://taito.example.fi/invitation?token=a%2Bb%2Fc"},
		{"reset", l.PasswordReset("tok"), "https://taito.example.fi/password-reset?token=tok"},
		{"unsubscribe", l.Unsubscribe("t.k"), "https://taito.example.fi/unsubscribe?token=t.k"},
		{"course", l.Course("digiohjaus"), "https://taito.example.fi/courses/digiohjaus"},
		{"lesson", l.Lesson("digiohjaus", "01-digi-arjessa"), "https://taito.example.fi/courses/digiohjaus/lessons/01-digi-arjessa"},
		{"media", links.Media("ab12"), "/api/v1/media/ab12"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestServicePathsAreTheAPIsAndPagesAreTheRest(t *testing.T) {
	for p, want := range map[string]bool{
		"/api/v1/me": true, "/api": true, "/healthz": true, "/readyz": true, "/.well-known/jwks.json": true,
		"/credentials/jwks.json": true, "/": false, "/courses/x": false, "/apiary": false, "/verify/abc": false, "/certificates": false,
	} {
		if got := links.IsServicePath(p); got != want {
			t.Errorf("IsServicePath(%q) = %v, want %v", p, got, want)
		}
	}
}
