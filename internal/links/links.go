// Package links builds every URL that reaches a person — in an e-mail, a lesson page or a
// certificate — from Taito's public URL, so that each address is spelt in one place.
//
// It builds addresses only; it does not route them. The routes themselves live in the front
// doors (internal/httpapi, and the web app's pages).
package links

import (
	"net/url"
	"strings"
)

// Links builds absolute and site-relative URLs under one public URL.
type Links struct {
	base string // without a trailing slash
}

// New returns the links of a Taito reached at publicURL (such as https://taito.example.fi).
func New(publicURL string) Links { return Links{base: strings.TrimRight(publicURL, "/")} }

// Base is the public URL itself, without a trailing slash.
func (l Links) Base() string { return l.base }

// Home is the page a person starts from.
func (l Links) Home() string { return l.base + "/" }

// Invitation is where an invited person sets her password.
func (l Links) Invitation(token string) string {
	return l.base + "/invitation?token=" + url.QueryEscape(token)
}

// PasswordReset is where a person chooses a new password.
func (l Links) PasswordReset(token string) string {
	return l.base + "/password-reset?token=" + url.QueryEscape(token)
}

// Unsubscribe is the page that asks whether to turn reminders off for the person the token
// names: opening it changes nothing (mail scanners follow links), its button does.
func (l Links) Unsubscribe(token string) string {
	return l.base + "/unsubscribe?token=" + url.QueryEscape(token)
}

// Course is a course's page.
func (l Links) Course(slug string) string { return l.base + "/courses/" + url.PathEscape(slug) }

// Lesson is a lesson's page.
func (l Links) Lesson(slug, lesson string) string {
	return l.Course(slug) + "/lessons/" + url.PathEscape(lesson)
}

// Media is the site-relative address that delivers a media item (an image in a lesson, a
// captions file): relative, so that a page works under whatever name it was reached.
func Media(id string) string { return "/api/v1/media/" + url.PathEscape(id) }

// IsServicePath reports whether a request path belongs to the JSON API or the service's own
// endpoints (health, keys, credentials' public documents) rather than to the web app's pages.
func IsServicePath(p string) bool {
	for _, prefix := range []string{"/api/", "/.well-known/", "/credentials/"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return p == "/api" || p == "/healthz" || p == "/readyz"
}
