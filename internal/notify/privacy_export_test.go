package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/notify"
)

// TestPrivacyNoticeFooter: the footer links the privacy notice in the message's own language,
// in the text and the HTML, escaped; without a link nothing changes.
func TestPrivacyNoticeFooter(t *testing.T) {
	t.Parallel()
	for loc, intro := range map[string]string{"fi": "Näin Taito käsittelee tietojasi", "sv": "Så här behandlar Taito dina uppgifter", "en": "How Taito handles your data"} {
		e := notify.PasswordReset{Locale: loc, Name: "Anna", Link: "https://taito.example/reset?t=1", Expires: time.Now()}.Email()
		got := notify.WithPrivacyNotice(e, "https://taito.example/privacy?x=<1>")
		if !strings.HasPrefix(got.Text, strings.TrimRight(e.Text, "\n")) || !strings.HasSuffix(got.Text, intro+" "+tail(loc)+"\nhttps://taito.example/privacy?x=<1>\n") {
			t.Errorf("%s text:\n%s", loc, got.Text)
		}
		if !strings.Contains(got.HTML, `<a href="https://taito.example/privacy?x=&lt;1&gt;">`) || !strings.Contains(got.HTML, intro) {
			t.Errorf("%s HTML:\n%s", loc, got.HTML)
		}
		if same := notify.WithPrivacyNotice(e, ""); same != e {
			t.Errorf("%s: changed without a link", loc)
		}
	}
}

func tail(loc string) string {
	return map[string]string{"fi": "(tietosuojaseloste):", "sv": "(dataskyddsbeskrivning):", "en": "(privacy notice):"}[loc]
}

// TestExportReady: the message says where to download, until when (Finnish time), and whose
// data it is.
func TestExportReady(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 12, 3, 12, 5, 0, 0, time.UTC)
	own := notify.ExportReady{Locale: "fi", Name: "Anna", Link: "https://taito.example/profile", Expires: exp}.Email()
	for _, want := range []string{"Hei Anna,", "https://taito.example/profile", "3.12.2026 klo 14.05", "tallentanut sinusta"} {
		if !strings.Contains(own.Text, want) {
			t.Errorf("fi lacks %q:\n%s", want, own.Text)
		}
	}
	other := notify.ExportReady{Locale: "en", Name: "Pirkko", Link: "https://taito.example/profile", Expires: exp, Other: true}.Email()
	if !strings.Contains(other.Text, "the person you asked about") || other.Subject == "" {
		t.Errorf("en, another's:\n%s", other.Text)
	}
}
