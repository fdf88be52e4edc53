package auth

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/outbox"
)

// helsinki is the time zone dates in messages are shown in.
var helsinki = func() *time.Location {
	if loc, err := time.LoadLocation("Europe/Helsinki"); err == nil {
		return loc
	}
	return time.FixedZone("EET", 2*60*60)
}()

type emailText struct {
	subject, greeting, body, action, expiry, ignore string
}

var invitationTexts = map[string]emailText{
	"fi": {
		subject:  "Kutsu Taito-oppimisympäristöön",
		greeting: "Hei %s,",
		body:     "sinulle on luotu käyttäjätili Taito-oppimisympäristöön. Siellä voit opiskella digiohjauksen ja -tuen verkkokursseja omaan tahtiisi.",
		action:   "Ota tili käyttöön ja valitse salasana tästä linkistä:",
		expiry:   "Linkki on voimassa %s asti ja toimii vain kerran.",
		ignore:   "Jos et odottanut tätä viestiä, voit jättää sen huomiotta.",
	},
	"sv": {
		subject:  "Inbjudan till lärmiljön Taito",
		greeting: "Hej %s,",
		body:     "ett användarkonto har skapats åt dig i lärmiljön Taito. Där kan du gå webbkurser i digital handledning och digitalt stöd i din egen takt.",
		action:   "Ta kontot i bruk och välj ett lösenord via den här länken:",
		expiry:   "Länken gäller till %s och fungerar bara en gång.",
		ignore:   "Om du inte väntade dig det här meddelandet kan du lämna det utan åtgärd.",
	},
	"en": {
		subject:  "Your invitation to Taito",
		greeting: "Hello %s,",
		body:     "an account has been created for you in the Taito learning environment, where you can take online courses on digital guidance and support at your own pace.",
		action:   "Activate your account and choose a password here:",
		expiry:   "The link is valid until %s and works once.",
		ignore:   "If you did not expect this message, you can ignore it.",
	},
}

var resetTexts = map[string]emailText{
	"fi": {
		subject:  "Taito: salasanan vaihto",
		greeting: "Hei %s,",
		body:     "Taito-tilillesi pyydettiin uutta salasanaa.",
		action:   "Valitse uusi salasana tästä linkistä:",
		expiry:   "Linkki on voimassa %s asti ja toimii vain kerran.",
		ignore:   "Jos et itse pyytänyt vaihtoa, voit jättää viestin huomiotta: salasanasi pysyy ennallaan.",
	},
	"sv": {
		subject:  "Taito: byte av lösenord",
		greeting: "Hej %s,",
		body:     "ett nytt lösenord begärdes för ditt Taito-konto.",
		action:   "Välj ett nytt lösenord via den här länken:",
		expiry:   "Länken gäller till %s och fungerar bara en gång.",
		ignore:   "Om du inte själv bad om bytet kan du lämna meddelandet utan åtgärd: ditt lösenord förblir oförändrat.",
	},
	"en": {
		subject:  "Taito: password reset",
		greeting: "Hello %s,",
		body:     "a new password was requested for your Taito account.",
		action:   "Choose a new password here:",
		expiry:   "The link is valid until %s and works once.",
		ignore:   "If you did not ask for this, you can ignore this message: your password stays as it is.",
	},
}

func render(texts map[string]emailText, locale, name, link string, expires time.Time) outbox.Email {
	t, ok := texts[locale]
	if !ok {
		locale, t = DefaultLocale, texts[DefaultLocale]
	}
	when := expires.In(helsinki).Format("2.1.2006 15.04")
	if locale == "en" {
		when = expires.In(helsinki).Format("2 Jan 2006 15:04") + " (Finnish time)"
	}
	lines := []string{fmt.Sprintf(t.greeting, name), "", t.body, "", t.action, link, "", fmt.Sprintf(t.expiry, when), "", t.ignore}
	var h strings.Builder
	fmt.Fprintf(&h, "<p>%s</p>\n<p>%s</p>\n<p>%s<br>\n<a href=\"%s\">%s</a></p>\n<p>%s</p>\n<p>%s</p>\n",
		html.EscapeString(fmt.Sprintf(t.greeting, name)), html.EscapeString(t.body), html.EscapeString(t.action),
		html.EscapeString(link), html.EscapeString(link), html.EscapeString(fmt.Sprintf(t.expiry, when)), html.EscapeString(t.ignore))
	return outbox.Email{Subject: t.subject, Text: strings.Join(lines, "\n") + "\n", HTML: h.String(), Locale: locale}
}

func invitationEmail(locale, name, link string, expires time.Time) outbox.Email {
	return render(invitationTexts, locale, name, link, expires)
}

func resetEmail(locale, name, link string, expires time.Time) outbox.Email {
	return render(resetTexts, locale, name, link, expires)
}
