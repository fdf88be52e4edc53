package credential

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
)

// pdfText extracts the text of a PDF with a reader library that has nothing to do with the
// library that wrote it.
func pdfText(t *testing.T, b []byte) (string, int) {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("PDF reader: %v", err)
	}
	tr, err := r.GetPlainText()
	if err != nil {
		t.Fatalf("PDF text: %v", err)
	}
	txt, err := io.ReadAll(tr)
	if err != nil {
		t.Fatal(err)
	}
	return string(txt), r.NumPage()
}

func logo(t *testing.T, format string) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 48))
	for x := range 120 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{0, uint8(x * 2), 160, 255})
		}
	}
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPDFCertificateInEachLanguage(t *testing.T) {
	for _, tc := range []struct {
		locale, name, logo string
		want               []string
	}{
		{"fi", "Åsa Ähtäri-Öhman", "png", []string{"Todistus", "Digitaidot asiakastyössä", "Suoritettu: 3.2.2026", "Laajuus: 3,5 tuntia",
			"Myöntäjä: Länsi-Uudenmaan hyvinvointialue", "Osiot ja osaamistavoitteet", "Sähköinen asiointi",
			"Tunnistat huijausviestit.", "Todistuksen aitouden voi tarkistaa osoitteessa"}},
		{"sv", "Jüri Ääkkönen", "jpeg", []string{"Intyg", "Digitala färdigheter i klientarbetet", "Avklarad: 3.2.2026", "Omfattning: 3,5 timmar",
			"Utfärdare:", "Avsnitt och lärandemål", "Du känner igen bedrägliga meddelanden.", "Intygets äkthet"}},
		{"en", "Zoë Öst", "", []string{"Certificate", "Digital skills in client work", "Completed on: 3 Feb 2026", "Workload: 3.5 hours",
			"Issued by:", "Modules and learning outcomes", "You recognise scam messages.", "Verify this certificate at"}},
	} {
		t.Run(tc.locale, func(t *testing.T) {
			is := sampleIssue()
			is.Locale = tc.locale
			is.Learner.Name = tc.name
			var lg []byte
			if tc.logo != "" {
				lg = logo(t, tc.logo)
			}
			b, err := RenderPDF(is, lg)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("%PDF")) {
				t.Fatalf("does not start with %%PDF: %q", b[:8])
			}
			txt, pages := pdfText(t, b)
			if pages != 1 {
				t.Errorf("%d pages, want 1", pages)
			}
			for _, w := range append(tc.want, tc.name, is.VerifyURL) {
				if !strings.Contains(txt, w) {
					t.Errorf("text lacks %q:\n%s", w, txt)
				}
			}
		})
	}
}

func TestPDFManyModulesFlowOntoMorePages(t *testing.T) {
	is := sampleIssue()
	is.Course.Modules = nil
	for i := range 30 {
		is.Course.Modules = append(is.Course.Modules, Module{
			Title: map[string]string{"fi": fmt.Sprintf("Osio %d: pitkä otsikko, jossa on sanoja riittämiin rivin täyttämiseksi ja rivitykseen asti", i+1)},
			Outcomes: []map[string]string{
				{"fi": "Ensimmäinen osaamistavoite, joka on niin pitkä, että se jatkuu toiselle riville asti ilman ongelmia."},
				{"fi": "Toinen osaamistavoite."},
			},
		})
	}
	b, err := RenderPDF(is, nil)
	if err != nil {
		t.Fatal(err)
	}
	txt, pages := pdfText(t, b)
	if pages < 2 {
		t.Errorf("%d pages for 30 modules", pages)
	}
	for _, w := range []string{"Osio 1:", "Osio 30:", "Åsa Ähtäri-Öhman", is.VerifyURL} {
		if !strings.Contains(txt, w) {
			t.Errorf("text lacks %q", w)
		}
	}
}

func TestPDFRejects(t *testing.T) {
	is := sampleIssue()
	is.Learner.Name = ""
	if _, err := RenderPDF(is, nil); !errors.Is(err, ErrIncomplete) {
		t.Errorf("no name: %v", err)
	}
	if _, err := RenderPDF(sampleIssue(), []byte("not an image")); err == nil {
		t.Error("a broken logo is accepted")
	}
}

func TestFormats(t *testing.T) {
	winter := time.Date(2026, 2, 2, 23, 30, 0, 0, time.UTC)
	summer := time.Date(2026, 7, 1, 21, 30, 0, 0, time.UTC)
	for _, tc := range []struct{ got, want string }{
		{FormatDate(winter, "fi"), "3.2.2026"},
		{FormatDate(winter, "sv"), "3.2.2026"},
		{FormatDate(winter, "en"), "3 Feb 2026"},
		{FormatDate(summer, "fi"), "2.7.2026"},
		{FormatHours(1, "fi"), "1 tunti"},
		{FormatHours(2, "sv"), "2 timmar"},
		{FormatHours(1, "en"), "1 hour"},
		{FormatHours(12.5, "en"), "12.5 hours"},
		{FormatHours(0.75, "fi"), "0,75 tuntia"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
