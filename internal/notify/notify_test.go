package notify_test

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the DST cases hold on hosts without zone data too

	"github.com/taito-lms/taito/internal/notify"
	"github.com/taito-lms/taito/internal/outbox"
)

const (
	link  = "https://taito.example.fi/invitation?token=abc&x=1"
	unsub = "https://taito.example.fi/unsubscribe?token=u1"
)

var expires = time.Date(2026, 2, 3, 12, 30, 0, 0, time.UTC) // 14.30 in Helsinki

// messages returns every kind of message in locale, addressed to name.
func messages(locale, name string) map[string]outbox.Email {
	return map[string]outbox.Email{
		"invitation": notify.Invitation{Locale: locale, Name: name, Link: link, Expires: expires}.Email(),
		"trainer":    notify.Invitation{Locale: locale, Name: name, Link: link, Expires: expires, Trainer: true}.Email(),
		"reset":      notify.PasswordReset{Locale: locale, Name: name, Link: link, Expires: expires}.Email(),
		"reminder":   notify.Reminder{Locale: locale, Name: name, CourseTitle: "Digituki", Message: "Muistakaa\ntehtävä", Link: link, Unsubscribe: unsub}.Email(),
		"completion": notify.Completion{Locale: locale, Name: name, CourseTitle: "Digituki", Link: link}.Email(),
	}
}

// words are, per locale and message, words the subject and the text must contain.
var words = map[string]map[string][]string{
	"fi": {
		"invitation": {"Kutsu", "Hei Anna,", "opiskella", "Linkki on voimassa 3.2.2026 klo 14.30 asti ja toimii vain kerran."},
		"trainer":    {"Kutsu", "Hei Anna,", "kouluttajan", "ryhmiä", "Linkki on voimassa 3.2.2026 klo 14.30 asti"},
		"reset":      {"salasanan vaihto", "Hei Anna,", "Valitse uusi salasana", "Linkki on voimassa 3.2.2026 klo 14.30 asti"},
		"reminder":   {"Muistutus: Digituki", "Hei Anna,", "muistutus kurssista Digituki", "Muistakaa\ntehtävä", "Jatka kurssia:", "--\nEt halua muistutuksia? Peru ne tästä:\n" + unsub},
		"completion": {"Kurssi suoritettu: Digituki", "Hei Anna,", "onneksi olkoon", "todistuksesi"},
	},
	"sv": {
		"invitation": {"Inbjudan", "Hej Anna,", "i din egen takt", "Länken gäller till 3.2.2026 kl. 14.30 och fungerar bara en gång."},
		"trainer":    {"Inbjudan", "Hej Anna,", "utbildarkonto", "grupper", "Länken gäller till 3.2.2026 kl. 14.30"},
		"reset":      {"byte av lösenord", "Hej Anna,", "Välj ett nytt lösenord", "Länken gäller till 3.2.2026 kl. 14.30"},
		"reminder":   {"Påminnelse: Digituki", "Hej Anna,", "påminnelse om kursen Digituki", "Muistakaa\ntehtävä", "Fortsätt kursen:", "Avbeställ här:\n" + unsub},
		"completion": {"Kursen avklarad: Digituki", "Hej Anna,", "gratulerar", "intyg"},
	},
	"en": {
		"invitation": {"invitation", "Hello Anna,", "at your own pace", "The link is valid until 3 Feb 2026, 14:30 (Finnish time) and works once."},
		"trainer":    {"invitation", "Hello Anna,", "trainer account", "run groups", "3 Feb 2026, 14:30 (Finnish time)"},
		"reset":      {"password reset", "Hello Anna,", "Choose a new password", "3 Feb 2026, 14:30 (Finnish time)"},
		"reminder":   {"Reminder: Digituki", "Hello Anna,", "reminder about the course Digituki", "Muistakaa\ntehtävä", "Continue the course:", "Unsubscribe here:\n" + unsub},
		"completion": {"Course completed: Digituki", "Hello Anna,", "congratulations", "certificate"},
	},
}

func TestMessages(t *testing.T) {
	for _, tc := range []struct{ locale, want string }{{"fi", "fi"}, {"sv", "sv"}, {"en", "en"}, {"de", "fi"}, {"", "fi"}, {"FI", "fi"}} {
		for kind, e := range messages(tc.locale, "Anna") {
			t.Run(tc.locale+"/"+kind, func(t *testing.T) {
				if e.Locale != tc.want {
					t.Errorf("Locale = %q, want %q", e.Locale, tc.want)
				}
				if e.To != "" {
					t.Errorf("To = %q, want it left to the caller", e.To)
				}
				if strings.TrimSpace(e.Subject) == "" || strings.TrimSpace(e.Text) == "" || strings.TrimSpace(e.HTML) == "" {
					t.Fatalf("empty part: %+v", e)
				}
				w := words[tc.want][kind]
				if !strings.Contains(e.Subject, w[0]) {
					t.Errorf("subject %q lacks %q", e.Subject, w[0])
				}
				for _, s := range w[1:] {
					if !strings.Contains(e.Text, s) {
						t.Errorf("text lacks %q:\n%s", s, e.Text)
					}
				}
				if !strings.Contains(e.Text, "\n"+link+"\n") {
					t.Errorf("text lacks the link on a line of its own:\n%s", e.Text)
				}
				if !strings.Contains(e.HTML, `<a href="https://taito.example.fi/invitation?token=abc&amp;x=1">`) {
					t.Errorf("HTML lacks the escaped link:\n%s", e.HTML)
				}
				if !strings.HasSuffix(e.Text, "\n") || strings.Contains(e.Text, "\n\n\n") || strings.Contains(e.Text, "%!") {
					t.Errorf("badly laid out text:\n%s", e.Text)
				}
				if kind == "reminder" {
					if e.Unsubscribe != unsub || !strings.Contains(e.HTML, "<small>") || !strings.Contains(e.HTML, "Muistakaa<br>tehtävä") {
						t.Errorf("reminder: Unsubscribe %q, HTML:\n%s", e.Unsubscribe, e.HTML)
					}
				} else if e.Unsubscribe != "" || strings.Contains(e.Text, "--") {
					t.Errorf("%s has an unsubscribe link: %q\n%s", kind, e.Unsubscribe, e.Text)
				}
			})
		}
	}
}

// TestLocalesDiffer checks that no locale borrows another's text: every message reads differently
// in fi, sv and en.
func TestLocalesDiffer(t *testing.T) {
	fi, sv, en := messages("fi", "Anna"), messages("sv", "Anna"), messages("en", "Anna")
	for kind := range fi {
		for _, pair := range [][2]outbox.Email{{fi[kind], sv[kind]}, {fi[kind], en[kind]}, {sv[kind], en[kind]}} {
			a, b := pair[0], pair[1]
			if a.Subject == b.Subject {
				t.Errorf("%s: %s and %s share the subject %q", kind, a.Locale, b.Locale, a.Subject)
			}
			if a.Text == b.Text || a.HTML == b.HTML {
				t.Errorf("%s: %s and %s share the body", kind, a.Locale, b.Locale)
			}
		}
	}
}

func TestTrainerInvitation(t *testing.T) {
	for _, loc := range []string{"fi", "sv", "en"} {
		learner := notify.Invitation{Locale: loc, Name: "Anna", Link: link, Expires: expires}.Email()
		trainer := notify.Invitation{Locale: loc, Name: "Anna", Link: link, Expires: expires, Trainer: true}.Email()
		if learner.Text == trainer.Text || learner.HTML == trainer.HTML {
			t.Errorf("%s: the trainer invitation reads as the learner's:\n%s", loc, trainer.Text)
		}
		if learner.Subject != trainer.Subject {
			t.Errorf("%s: subjects %q and %q differ", loc, learner.Subject, trainer.Subject)
		}
	}
}

func TestHTMLEscapes(t *testing.T) {
	const name = `<b>Anna & "Bo"</b>`
	const escaped = `&lt;b&gt;Anna &amp; &#34;Bo&#34;&lt;/b&gt;`
	for _, loc := range []string{"fi", "sv", "en", "xx"} {
		all := messages(loc, name)
		all["hostile"] = notify.Reminder{Locale: loc, Name: name, CourseTitle: name, Message: "<script>x</script>\n" + name,
			Link: `https://x/"><script>`, Unsubscribe: `https://x/?a=1&b=<2>`}.Email()
		all["course"] = notify.Completion{Locale: loc, Name: name, CourseTitle: "<i>C&D</i>", Link: `javascript:"x"`}.Email()
		for kind, e := range all {
			if strings.Contains(e.HTML, "<b>") || strings.Contains(e.HTML, "<script>") || strings.Contains(e.HTML, "<i>") || strings.Contains(e.HTML, `"Bo"`) {
				t.Errorf("%s/%s: unescaped value in HTML:\n%s", loc, kind, e.HTML)
			}
			if !strings.Contains(e.HTML, escaped) {
				t.Errorf("%s/%s: HTML lacks the escaped name:\n%s", loc, kind, e.HTML)
			}
			if !strings.Contains(e.Text, name) {
				t.Errorf("%s/%s: the plain text must keep the name as it is:\n%s", loc, kind, e.Text)
			}
		}
		h := all["hostile"].HTML
		if !strings.Contains(h, "&lt;script&gt;x&lt;/script&gt;<br>"+escaped) || !strings.Contains(h, `href="https://x/?a=1&amp;b=&lt;2&gt;"`) {
			t.Errorf("%s: reminder message or unsubscribe link badly escaped:\n%s", loc, h)
		}
		if c := all["course"]; !strings.Contains(c.HTML, "&lt;i&gt;C&amp;D&lt;/i&gt;") || !strings.Contains(c.Subject, "<i>C&D</i>") {
			t.Errorf("%s: course title: subject %q, HTML:\n%s", loc, c.Subject, c.HTML)
		}
	}
}

func TestOptionalParts(t *testing.T) {
	e := notify.Reminder{Locale: "fi", Name: "Anna", CourseTitle: "C", Message: "  \n", Link: link}.Email()
	if e.Unsubscribe != "" || strings.Contains(e.Text, "--") || strings.Contains(e.HTML, "<small>") {
		t.Errorf("footer without an unsubscribe link:\n%s\n%s", e.Text, e.HTML)
	}
	if strings.Count(e.Text, "\n\n") != 2 || strings.Count(e.HTML, "<p>") != 3 {
		t.Errorf("blank trainer message made a paragraph:\n%s\n%s", e.Text, e.HTML)
	}
	e = notify.Completion{Locale: "en", Name: "Anna", CourseTitle: "C"}.Email()
	if strings.Contains(e.Text, "here:") || strings.Contains(e.HTML, "<a ") {
		t.Errorf("link line without a link:\n%s\n%s", e.Text, e.HTML)
	}
}

func TestLocale(t *testing.T) {
	for in, want := range map[string]string{"fi": "fi", "sv": "sv", "en": "en", "": "fi", "de": "fi", "EN": "fi", "sv-FI": "fi"} {
		if got := notify.Locale(in); got != want {
			t.Errorf("Locale(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHelsinki(t *testing.T) {
	if notify.Helsinki() != notify.Helsinki() {
		t.Error("Helsinki() loads the zone more than once")
	}
	if n := notify.Helsinki().String(); n != "Europe/Helsinki" {
		t.Errorf("zone %q, want Europe/Helsinki", n)
	}
}

func TestDates(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name           string
		at             time.Time
		fi, sv, en     string // DateTime
		dateFi, dateEn string // Date
	}{
		{"winter", utc(2026, 2, 3, 12, 30), "3.2.2026 klo 14.30", "3.2.2026 kl. 14.30", "3 Feb 2026, 14:30 (Finnish time)", "3.2.2026", "3 Feb 2026"},
		{"past midnight in Helsinki, not in UTC", utc(2026, 2, 2, 23, 30), "3.2.2026 klo 1.30", "3.2.2026 kl. 1.30", "3 Feb 2026, 1:30 (Finnish time)", "3.2.2026", "3 Feb 2026"},
		{"just before midnight in Helsinki", utc(2026, 2, 2, 21, 59), "2.2.2026 klo 23.59", "2.2.2026 kl. 23.59", "2 Feb 2026, 23:59 (Finnish time)", "2.2.2026", "2 Feb 2026"},
		{"midnight in Helsinki", utc(2026, 2, 2, 22, 0), "3.2.2026 klo 0.00", "3.2.2026 kl. 0.00", "3 Feb 2026, 0:00 (Finnish time)", "3.2.2026", "3 Feb 2026"},
		{"new year", utc(2025, 12, 31, 22, 5), "1.1.2026 klo 0.05", "1.1.2026 kl. 0.05", "1 Jan 2026, 0:05 (Finnish time)", "1.1.2026", "1 Jan 2026"},
		{"before summer time", utc(2026, 3, 29, 0, 59), "29.3.2026 klo 2.59", "29.3.2026 kl. 2.59", "29 Mar 2026, 2:59 (Finnish time)", "29.3.2026", "29 Mar 2026"},
		{"summer time starts", utc(2026, 3, 29, 1, 0), "29.3.2026 klo 4.00", "29.3.2026 kl. 4.00", "29 Mar 2026, 4:00 (Finnish time)", "29.3.2026", "29 Mar 2026"},
		{"summer midnight", utc(2026, 6, 30, 21, 30), "1.7.2026 klo 0.30", "1.7.2026 kl. 0.30", "1 Jul 2026, 0:30 (Finnish time)", "1.7.2026", "1 Jul 2026"},
		{"last summer hour", utc(2026, 10, 25, 0, 30), "25.10.2026 klo 3.30", "25.10.2026 kl. 3.30", "25 Oct 2026, 3:30 (Finnish time)", "25.10.2026", "25 Oct 2026"},
		{"summer time ends", utc(2026, 10, 25, 1, 30), "25.10.2026 klo 3.30", "25.10.2026 kl. 3.30", "25 Oct 2026, 3:30 (Finnish time)", "25.10.2026", "25 Oct 2026"},
		{"winter again", utc(2026, 10, 25, 21, 30), "25.10.2026 klo 23.30", "25.10.2026 kl. 23.30", "25 Oct 2026, 23:30 (Finnish time)", "25.10.2026", "25 Oct 2026"},
		{"other zone in", time.Date(2026, 2, 3, 9, 5, 0, 0, time.FixedZone("EST", -5*3600)), "3.2.2026 klo 16.05", "3.2.2026 kl. 16.05", "3 Feb 2026, 16:05 (Finnish time)", "3.2.2026", "3 Feb 2026"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct{ got, want string }{
				{notify.DateTime(tc.at, "fi"), tc.fi},
				{notify.DateTime(tc.at, "sv"), tc.sv},
				{notify.DateTime(tc.at, "en"), tc.en},
				{notify.DateTime(tc.at, "xx"), tc.fi},
				{notify.Date(tc.at, "fi"), tc.dateFi},
				{notify.Date(tc.at, "sv"), tc.dateFi},
				{notify.Date(tc.at, "en"), tc.dateEn},
				{notify.Date(tc.at, ""), tc.dateFi},
			} {
				if c.got != c.want {
					t.Errorf("got %q, want %q", c.got, c.want)
				}
			}
		})
	}
}

// TestReminderToAPendingAccountAsksToActivate: a reminder whose link is an invitation asks her,
// in her language, to activate her account rather than to continue the course.
func TestReminderToAPendingAccountAsksToActivate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ locale, want, forbid string }{
		{"fi", "Ota tili käyttöön ja valitse salasana tästä linkistä:\n" + link, "Jatka kurssia"},
		{"sv", "Ta kontot i bruk och välj ett lösenord via den här länken:\n" + link, "Fortsätt kursen"},
		{"en", "Activate your account and choose a password here:\n" + link, "Continue the course"},
	} {
		t.Run(tc.locale, func(t *testing.T) {
			e := notify.Reminder{Locale: tc.locale, Name: "Anna", CourseTitle: "C", Link: link, Unsubscribe: unsub, Activate: true}.Email()
			if !strings.Contains(e.Text, tc.want) || strings.Contains(e.Text, tc.forbid) {
				t.Errorf("want %q and not %q in:\n%s", tc.want, tc.forbid, e.Text)
			}
		})
	}
}

func TestAccessibilityFeedback(t *testing.T) {
	for _, tc := range []struct{ locale, subject, reply, none string }{
		{"fi", "Saavutettavuuspalaute", "Vastausosoite: liisa@example.fi", "ei antanut sähköpostiosoitetta"},
		{"sv", "Respons om tillgänglighet", "Svarsadress: liisa@example.fi", "gav ingen e-postadress"},
		{"en", "Accessibility feedback", "Reply to: liisa@example.fi", "gave no email address"},
	} {
		t.Run(tc.locale, func(t *testing.T) {
			e := notify.AccessibilityFeedback{Locale: tc.locale, Name: "Anna", Message: "Video <b>ei</b>\ntekstitetty", ReplyTo: "liisa@example.fi", Link: link}.Email()
			if !strings.Contains(e.Subject, tc.subject) || !strings.Contains(e.Text, "Video <b>ei</b>\ntekstitetty") || !strings.Contains(e.Text, tc.reply) {
				t.Errorf("subject %q, text:\n%s", e.Subject, e.Text)
			}
			if !strings.Contains(e.HTML, "Video &lt;b&gt;ei&lt;/b&gt;<br>tekstitetty") {
				t.Errorf("the message is not escaped in HTML:\n%s", e.HTML)
			}
			anon := notify.AccessibilityFeedback{Locale: tc.locale, Name: "Anna", Message: "x", Link: link}.Email()
			if !strings.Contains(anon.Text, tc.none) {
				t.Errorf("without an address:\n%s", anon.Text)
			}
		})
	}
}
