package notify

import (
	"html"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/outbox"
)

// ExportReady tells the person who asked for a data export that it can be downloaded, until
// Expires, from the page Link leads to (her profile, where she is signed in). Other says that
// the data is another person's (an admin answering a request).
type ExportReady struct {
	Locale, Name, Link string
	Expires            time.Time
	Other              bool
}

// Email renders the message; the caller sets To.
func (m ExportReady) Email() outbox.Email {
	loc := Locale(m.Locale)
	body := "email.export.body"
	if m.Other {
		body = "email.export.body_other"
	}
	return message{
		locale: loc, subject: say(loc, "email.export.subject"),
		lead:   []string{hello(loc, m.Name), say(loc, body)},
		action: say(loc, "email.export.action"), link: m.Link,
		tail: []string{say(loc, "email.export.expiry", "when", DateTime(m.Expires, loc)), say(loc, "email.export.ignore")},
	}.email()
}

// WithPrivacyNotice adds to e, in its language, a last line that links to the privacy notice at
// link: every e-mail Taito sends carries it.
func WithPrivacyNotice(e outbox.Email, link string) outbox.Email {
	if link == "" {
		return e
	}
	intro := say(e.Locale, "email.privacy.footer")
	e.Text = strings.TrimRight(e.Text, "\n") + "\n\n" + intro + "\n" + link + "\n"
	if e.HTML != "" {
		l := html.EscapeString(link)
		e.HTML += `<p><small>` + html.EscapeString(intro) + `<br>` + "\n" + `<a href="` + l + `">` + l + `</a></small></p>` + "\n"
	}
	return e
}
