// Package notify is the one place where the texts of Taito's e-mails are written and the one place
// for Finnish local time: every message (invitation, password reset, reminder, completion) in
// Finnish, Swedish and English, as plain text and HTML, and the dates and times people read, shown
// in Europe/Helsinki time whatever the server's zone.
//
// It deliberately sends nothing and stores nothing: it only renders an outbox.Email, and the
// caller addresses it and queues it in the outbox, which delivers it. It holds no state either:
// every function is pure, apart from loading the time zone once.
package notify

import (
	"fmt"
	"html"
	"strings"
	"sync"
	"time"

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
	d, h, m := Date(t, locale), t.Hour(), t.Minute()
	switch Locale(locale) {
	case sv:
		return fmt.Sprintf("%s kl. %d.%02d", d, h, m)
	case en:
		return fmt.Sprintf("%s, %d:%02d (Finnish time)", d, h, m)
	}
	return fmt.Sprintf("%s klo %d.%02d", d, h, m)
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
func hello(locale, name string) string {
	switch locale {
	case sv:
		return "Hej " + name + ","
	case en:
		return "Hello " + name + ","
	}
	return "Hei " + name + ","
}

// linkText is a message built around a one-time link that expires.
type linkText struct {
	subject, body, action, ignore string
}

// oneTimeLink renders an invitation or a password reset.
func oneTimeLink(locale string, t linkText, name, link string, expires time.Time) outbox.Email {
	when := DateTime(expires, locale)
	expiry := "Linkki on voimassa " + when + " asti ja toimii vain kerran."
	switch locale {
	case sv:
		expiry = "Länken gäller till " + when + " och fungerar bara en gång."
	case en:
		expiry = "The link is valid until " + when + " and works once."
	}
	return message{
		locale: locale, subject: t.subject,
		lead:   []string{hello(locale, name), t.body},
		action: t.action, link: link,
		tail: []string{expiry, t.ignore},
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
	var t linkText
	switch locale {
	case sv:
		t = linkText{
			subject: "Inbjudan till lärmiljön Taito",
			body:    "ett användarkonto har skapats åt dig i lärmiljön Taito. Där kan du gå webbkurser i digital handledning och digitalt stöd i din egen takt.",
			action:  "Ta kontot i bruk och välj ett lösenord via den här länken:",
			ignore:  "Om du inte väntade dig det här meddelandet kan du lämna det utan åtgärd.",
		}
		if trainer {
			t.body = "ett utbildarkonto har skapats åt dig i lärmiljön Taito. Du har bjudits in att utbilda personalen i digital handledning och digitalt stöd: i Taito kan du leda grupper och publicera webbkurser."
		}
	case en:
		t = linkText{
			subject: "Your invitation to Taito",
			body:    "an account has been created for you in the Taito learning environment, where you can take online courses on digital guidance and support at your own pace.",
			action:  "Activate your account and choose a password here:",
			ignore:  "If you did not expect this message, you can ignore it.",
		}
		if trainer {
			t.body = "a trainer account has been created for you in the Taito learning environment. You have been invited to train staff in digital guidance and support: in Taito you can run groups and publish online courses."
		}
	default:
		t = linkText{
			subject: "Kutsu Taito-oppimisympäristöön",
			body:    "sinulle on luotu käyttäjätili Taito-oppimisympäristöön. Siellä voit opiskella digiohjauksen ja -tuen verkkokursseja omaan tahtiisi.",
			action:  "Ota tili käyttöön ja valitse salasana tästä linkistä:",
			ignore:  "Jos et odottanut tätä viestiä, voit jättää sen huomiotta.",
		}
		if trainer {
			t.body = "sinulle on luotu kouluttajan käyttäjätili Taito-oppimisympäristöön. Sinut on kutsuttu kouluttamaan henkilöstöä digiohjauksessa ja -tuessa: Taidossa voit ohjata ryhmiä ja julkaista verkkokursseja."
		}
	}
	return t
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
	switch locale {
	case sv:
		return linkText{
			subject: "Taito: byte av lösenord",
			body:    "ett nytt lösenord begärdes för ditt Taito-konto.",
			action:  "Välj ett nytt lösenord via den här länken:",
			ignore:  "Om du inte själv bad om bytet kan du lämna meddelandet utan åtgärd: ditt lösenord förblir oförändrat.",
		}
	case en:
		return linkText{
			subject: "Taito: password reset",
			body:    "a new password was requested for your Taito account.",
			action:  "Choose a new password here:",
			ignore:  "If you did not ask for this, you can ignore this message: your password stays as it is.",
		}
	}
	return linkText{
		subject: "Taito: salasanan vaihto",
		body:    "Taito-tilillesi pyydettiin uutta salasanaa.",
		action:  "Valitse uusi salasana tästä linkistä:",
		ignore:  "Jos et itse pyytänyt vaihtoa, voit jättää viestin huomiotta: salasanasi pysyy ennallaan.",
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
	subject, body, action, unsub := "Muistutus: %s", "tämä on muistutus kurssista %s.", "Jatka kurssia:", "Et halua muistutuksia? Peru ne tästä:"
	switch loc {
	case sv:
		subject, body, action, unsub = "Påminnelse: %s", "det här är en påminnelse om kursen %s.", "Fortsätt kursen:", "Vill du inte ha påminnelser? Avbeställ här:"
	case en:
		subject, body, action, unsub = "Reminder: %s", "this is a reminder about the course %s.", "Continue the course:", "Don't want reminders? Unsubscribe here:"
	}
	if m.Activate {
		action = invitationText(loc, false).action
	}
	lead := []string{hello(loc, m.Name), fmt.Sprintf(body, m.CourseTitle)}
	if strings.TrimSpace(m.Message) != "" {
		lead = append(lead, m.Message)
	}
	e := message{
		locale: loc, subject: fmt.Sprintf(subject, m.CourseTitle),
		lead:   lead,
		action: action, link: m.Link,
		footer: unsub, footURL: m.Unsubscribe,
	}.email()
	e.Unsubscribe = m.Unsubscribe
	return e
}

// Completion congratulates a learner on completing a course and links to it and its certificate.
type Completion struct {
	Locale, Name, CourseTitle, Link string
}

// Email renders the congratulations; the caller sets To.
func (m Completion) Email() outbox.Email {
	loc := Locale(m.Locale)
	subject, body, action := "Kurssi suoritettu: %s", "onneksi olkoon – olet suorittanut kurssin %s!", "Katso kurssi ja todistuksesi tästä linkistä:"
	switch loc {
	case sv:
		subject, body, action = "Kursen avklarad: %s", "gratulerar – du har slutfört kursen %s!", "Se kursen och ditt intyg via den här länken:"
	case en:
		subject, body, action = "Course completed: %s", "congratulations – you have completed the course %s!", "See the course and your certificate here:"
	}
	return message{
		locale: loc, subject: fmt.Sprintf(subject, m.CourseTitle),
		lead:   []string{hello(loc, m.Name), fmt.Sprintf(body, m.CourseTitle)},
		action: action, link: m.Link,
	}.email()
}
