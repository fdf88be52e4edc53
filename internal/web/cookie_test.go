package web

import (
	"strings"
	"testing"
)

// TestSessionCookieKind: Secure with the __Host- prefix on https and on loopback addresses
// (where browsers accept Secure over plain http); unprefixed without Secure elsewhere on http.
func TestSessionCookieKind(t *testing.T) {
	for _, c := range []struct {
		url    string
		secure bool
		name   string
	}{
		{"https://taito.example.fi", true, "__Host-taito_session"},
		{"http://127.0.0.1:8080", true, "__Host-taito_session"},
		{"http://[::1]:8080", true, "__Host-taito_session"},
		{"http://localhost:8080", true, "__Host-taito_session"},
		{"http://taito.intra.example:8080", false, "taito_session"},
		{"http://10.0.0.5", false, "taito_session"},
	} {
		got := cookieFor(c.url)
		if got.secure != c.secure || got.name != c.name {
			t.Errorf("%s: %+v, want secure %v name %s", c.url, got, c.secure, c.name)
		}
	}
}

func TestLocalPathKeepsRedirectsOnTheSite(t *testing.T) {
	for in, want := range map[string]string{
		"/courses/x?y=1":        "/courses/x?y=1",
		"":                      "/",
		"https://evil.example/": "/",
		"//evil.example/x":      "/",
		"javascript:alert(1)":   "/",
		"courses":               "/",
	} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPolicyAddsTheMediaOriginOnlyForMedia(t *testing.T) {
	if p := contentSecurityPolicy(""); p != "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'" {
		t.Errorf("policy without media origin: %s", p)
	}
	p := contentSecurityPolicy("https://s3.example.fi")
	for _, want := range []string{"img-src 'self' https://s3.example.fi;", "media-src 'self' https://s3.example.fi;", "default-src 'self';", "script-src 'self';"} {
		if !strings.Contains(p, want) {
			t.Errorf("policy %q lacks %q", p, want)
		}
	}
}
