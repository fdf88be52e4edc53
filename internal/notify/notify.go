// Package notify is the one place where Taito's e-mails are put together and the one place for
// Finnish local time: every message (invitation, password reset, reminder, completion) in
// Finnish, Swedish and English from internal/i18n's catalogues ("email.*"), as plain text and HTML, and the dates and times people read, shown
// in Europe/Helsinki time whatever the server's zone.
//
// It deliberately sends nothing and stores nothing: it only renders an outbox.Email, and the
// caller addresses it and queues it in the outbox, which delivers it. It holds no state either:
// every function is pure, apart from loading the time zone once.
package notify

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/taito-lms/taito/internal/i18n"
	"github.com/taito-lms/taito/internal/outbox"
)

// The locales messages are written in. Finnish is the default.
const (
	fi = "fi"
	sv = "sv"
	en = "en"
)

// Locale returns locale if it is fi, sv or en, else "fi".
func Locale(locale string) string {
	switch locale {
	case sv, en:
		return locale
	}
	return fi
}

var helsinki = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Helsinki"); err == nil {
		return loc
	}
	return time.FixedZone("EET", 2*60*60)
})

// Helsinki returns the Europe/Helsinki time zone, in which every date people read is shown. On a
// host without time zone data (and a binary without time/tzdata) it is a fixed UTC+2, without
// summer time.
func Helsinki() *time.Location { return helsinki() }

// Date formats a day in Helsinki time: fi and sv "3.2.2026", en "3 Feb 2026". Unknown locales as fi.
func Date(t time.Time, locale string) string {
	t = t.In(Helsinki())
	if Locale(locale) == en {
		return t.Format("2 Jan 2006")
	}
	return t.Format("2.1.2006")
}

// DateTime formats a moment in Helsinki time: fi "3.2.2026 klo 14.30", sv "3.2.2026 kl. 14.30",
// en "3 Feb 2026, 14:30 (Finnish time)". Hours have no leading zero ("klo 9.05"). Unknown locales
// as fi.
func DateTime(t time.Time, locale string) string {
	t = t.In(Helsinki())
	return say(locale, "email.datetime", "date", Date(t, locale), "hour", strconv.Itoa(t.Hour()), "minute", fmt.Sprintf("%02d", t.Minute()))
}

// say is the catalogue text of key in locale with the placeholders named in pairs filled.
func say(locale, key string, pairs ...string) string {
	params := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		params[pairs[i]] = pairs[i+1]
	}
	return i18n.Text(Locale(locale), key, params)
}

// message is what every e-mail is made of: paragraphs, an optional link line introduced by
// action, more paragraphs, and an optional small-print footer with its own link.
type message struct {
	locale, subject string
	lead            []string // paragraphs before the link
	action, link    string   // the link line, left out when link is empty
	tail            []string // paragraphs after the link
	footer, footURL string   // the footer, left out when footURL is empty
}

// br turns the line breaks of an escaped paragraph into <br>.
func br(escaped string) string {
	return strings.NewReplacer("\r\n", "<br>", "\n", "<br>").Replace(escaped)
}

// email renders m as plain text (paragraphs separated by blank lines, the footer after "--") and
// as HTML, escaping every value.
func (m message) email() outbox.Email {
	var text, body []string
	para := func(t string) {
		text = append(text, t)
		body = append(body, "<p>"+br(html.EscapeString(t))+"</p>")
	}
	withLink := func(intro, url string) (string, string) {
		e := html.EscapeString(url)
		a := `<a href="` + e + `">` + e + `</a>`
		if intro == "" {
			return url, a
		}
		return intro + "\n" + url, br(html.EscapeString(intro)) + "<br>\n" + a
	}
	for _, p := range m.lead {
		para(p)
	}
	if m.link != "" {
		t, h := withLink(m.action, m.link)
		text, body = append(text, t), append(body, "<p>"+h+"</p>")
	}
	for _, p := range m.tail {
		para(p)
	}
	if m.footURL != "" {
		t, h := withLink(m.footer, m.footURL)
		text, body = append(text, "--\n"+t), append(body, "<p><small>"+h+"</small></p>")
	}
	return outbox.Email{
		Subject: m.subject,
		Text:    strings.Join(text, "\n\n") + "\n",
		HTML:    strings.Join(body, "\n") + "\n",
		Locale:  m.locale,
	}
}

// hello is the greeting every message opens with.
func hello(locale, name string) string { return say(locale, "email.hello", "name", name) }

// linkText is a message built around a one-time link that expires.
type linkText struct {
	subject, body, action, ignore string
}

// oneTimeLink renders an invitation or a password reset.
func oneTimeLink(locale string, t linkText, name, link string, expires time.Time) outbox.Email {
	return message{
		locale: locale, subject: t.subject,
		lead:   []string{hello(locale, name), t.body},
		action: t.action, link: link,
		tail: []string{say(locale, "email.link_expiry", "when", DateTime(expires, locale)), t.ignore},
	}.email()
}

// Invitation asks a new user to activate her account and choose a password. Trainers (and admins)
// get a body of their own: they will run groups and publish courses.
type Invitation struct {
	Locale, Name, Link string
	Expires            time.Time
	Trainer            bool
}

// Email renders the invitation; the caller sets To.
func (m Invitation) Email() outbox.Email {
	loc := Locale(m.Locale)
	return oneTimeLink(loc, invitationText(loc, m.Trainer), m.Name, m.Link, m.Expires)
}

func invitationText(locale string, trainer bool) linkText {
	body := "email.invitation.body"
	if trainer {
		body = "email.invitation.body_trainer"
	}
	return linkText{
		subject: say(locale, "email.invitation.subject"), body: say(locale, body),
		action: say(locale, "email.invitation.action"), ignore: say(locale, "email.invitation.ignore"),
	}
}

// PasswordReset carries a link for choosing a new password.
type PasswordReset struct {
	Locale, Name, Link string
	Expires            time.Time
}

// Email renders the reset message; the caller sets To.
func (m PasswordReset) Email() outbox.Email {
	loc := Locale(m.Locale)
	return oneTimeLink(loc, resetText(loc), m.Name, m.Link, m.Expires)
}

func resetText(locale string) linkText {
	return linkText{
		subject: say(locale, "email.reset.subject"), body: say(locale, "email.reset.body"),
		action: say(locale, "email.reset.action"), ignore: say(locale, "email.reset.ignore"),
	}
}

// Reminder nudges a learner about a course. Message, when set, is the trainer's own words, shown
// as a paragraph of its own with its line breaks kept. Unsubscribe is the link that turns
// reminders off. Activate says that Link is an invitation: she has not activated her account
// yet, and the link line asks her to.
type Reminder struct {
	Locale, Name, CourseTitle, Message, Link, Unsubscribe string
	Activate                                              bool
}

// Email renders the reminder with Unsubscribe set (for the List-Unsubscribe header); the caller
// sets To.
func (m Reminder) Email() outbox.Email {
	loc := Locale(m.Locale)
	action := say(loc, "email.reminder.action")
	if m.Activate {
		action = say(loc, "email.invitation.action")
	}
	lead := []string{hello(loc, m.Name), say(loc, "email.reminder.body", "course", m.CourseTitle)}
	if strings.TrimSpace(m.Message) != "" {
		lead = append(lead, m.Message)
	}
	e := message{
		locale: loc, subject: say(loc, "email.reminder.subject", "course", m.CourseTitle),
		lead:   lead,
		action: action, link: m.Link,
		footer: say(loc, "email.reminder.unsubscribe"), footURL: m.Unsubscribe,
	}.email()
	e.Unsubscribe = m.Unsubscribe
	return e
}

// Completion congratulates a learner on completing a course and links to it and its certificate.
// Verify, when set, is the certificate's public verification address.
type Completion struct {
	Locale, Name, CourseTitle, Link, Verify string
}

// Email renders the congratulations; the caller sets To.
func (m Completion) Email() outbox.Email {
	loc := Locale(m.Locale)
	var tail []string
	if m.Verify != "" {
		tail = []string{say(loc, "email.completion.verify", "link", m.Verify)}
	}
	return message{
		locale: loc, subject: say(loc, "email.completion.subject", "course", m.CourseTitle),
		lead:   []string{hello(loc, m.Name), say(loc, "email.completion.body", "course", m.CourseTitle)},
		action: say(loc, "email.completion.action"), link: m.Link, tail: tail,
	}.email()
}

// AccessibilityFeedback passes feedback sent from the accessibility statement's form on to an
// admin: the sender's own words as a paragraph with its line breaks kept, and the address she
// gave for an answer (ReplyTo, "" when she gave none). Link is the statement's page.
type AccessibilityFeedback struct {
	Locale, Name, Message, ReplyTo, Link string
}

// Email renders the feedback; the caller sets To.
func (m AccessibilityFeedback) Email() outbox.Email {
	loc := Locale(m.Locale)
	reply := say(loc, "email.feedback.no_reply")
	if m.ReplyTo != "" {
		reply = say(loc, "email.feedback.reply", "email", m.ReplyTo)
	}
	return message{
		locale: loc, subject: say(loc, "email.feedback.subject"),
		lead:   []string{hello(loc, m.Name), say(loc, "email.feedback.body"), m.Message, reply, say(loc, "email.feedback.deadline")},
		action: say(loc, "email.feedback.action"), link: m.Link,
	}.email()
}
