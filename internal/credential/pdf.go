package credential

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // logos
	_ "image/png"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Helsinki without the system's zone files

	"github.com/signintech/gopdf"
	"github.com/skip2/go-qrcode"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// labels are the certificate's fixed texts by locale. Keys:
//
//	title     heading of the page
//	completed the line between the learner's name and the course title
//	date      label of the completion date
//	issuer    label of the issuing organisation
//	workload  label of the workload
//	hour      unit for a workload of exactly one hour
//	hours     unit for any other workload
//	modules   heading of the modules and learning outcomes
//	verify    text beside the verification link and its QR code
var labels = map[string]map[string]string{
	"fi": {
		"title": "Todistus", "completed": "on suorittanut verkkokurssin", "date": "Suoritettu",
		"issuer": "Myöntäjä", "workload": "Laajuus", "hour": "tunti", "hours": "tuntia",
		"modules": "Osiot ja osaamistavoitteet",
		"verify":  "Todistuksen aitouden voi tarkistaa osoitteessa",
	},
	"sv": {
		"title": "Intyg", "completed": "har genomfört webbkursen", "date": "Avklarad",
		"issuer": "Utfärdare", "workload": "Omfattning", "hour": "timme", "hours": "timmar",
		"modules": "Avsnitt och lärandemål",
		"verify":  "Intygets äkthet kan kontrolleras på adressen",
	},
	"en": {
		"title": "Certificate", "completed": "has completed the online course", "date": "Completed on",
		"issuer": "Issued by", "workload": "Workload", "hour": "hour", "hours": "hours",
		"modules": "Modules and learning outcomes",
		"verify":  "Verify this certificate at",
	},
}

func label(locale, key string) string {
	if l, ok := labels[locale]; ok {
		return l[key]
	}
	return labels["fi"][key]
}

var helsinki = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		panic(err) // embedded by time/tzdata
	}
	return loc
}()

// FormatDate writes t as a date in Helsinki time: "3.2.2026" in Finnish and Swedish,
// "3 Feb 2026" in English.
func FormatDate(t time.Time, locale string) string {
	t = t.In(helsinki)
	if locale == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("2.1.2006")
}

// FormatHours writes a workload with its unit: "3,5 tuntia", "1 timme", "12 hours".
func FormatHours(h float64, locale string) string {
	s := strconv.FormatFloat(h, 'f', -1, 64)
	if locale != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	unit := label(locale, "hours")
	if h == 1 {
		unit = label(locale, "hour")
	}
	return s + " " + unit
}

// Page geometry in points (A4 portrait).
const (
	pageW, pageH = 595.0, 842.0
	margin       = 56.0
	bottom       = pageH - 60
	textW        = pageW - 2*margin
)

// RenderPDF returns the certificate for is as a PDF: in is.Locale, with the learner's name,
// the course title, the completion date, the issuing organisation and its logo (PNG or JPEG
// bytes, may be nil), the modules and learning outcomes, the workload, and is.VerifyURL with
// its QR code.
func RenderPDF(is Issue, logo []byte) ([]byte, error) {
	loc := is.Locale
	if _, ok := labels[loc]; !ok {
		loc = "fi"
	}
	title := Text(is.Course.Title, loc)
	if is.Learner.Name == "" || title == "" || is.VerifyURL == "" {
		return nil, fmt.Errorf("%w: the certificate needs the learner's name, the course title and the verification URL", ErrIncomplete)
	}
	d := &doc{}
	d.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	d.pdf.SetInfo(gopdf.PdfInfo{Title: label(loc, "title") + ": " + title, Author: is.Issuer.Name, Subject: is.Learner.Name, CreationDate: is.IssuedAt})
	if err := d.pdf.AddTTFFontData("regular", goregular.TTF); err != nil {
		return nil, err
	}
	if err := d.pdf.AddTTFFontData("bold", gobold.TTF); err != nil {
		return nil, err
	}
	d.pdf.AddPage()
	d.y = margin

	if len(logo) > 0 {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(logo))
		if err != nil || cfg.Width == 0 || cfg.Height == 0 {
			return nil, fmt.Errorf("organisation logo is not a PNG or JPEG image: %v", err)
		}
		h, err := gopdf.ImageHolderByBytes(logo)
		if err != nil {
			return nil, fmt.Errorf("organisation logo: %w", err)
		}
		// Fit the logo in a 160 × 56 point box, keeping its proportions.
		scale := min(160/float64(cfg.Width), 56/float64(cfg.Height))
		w, hgt := float64(cfg.Width)*scale, float64(cfg.Height)*scale
		if err := d.pdf.ImageByHolder(h, margin, d.y, &gopdf.Rect{W: w, H: hgt}); err != nil {
			return nil, fmt.Errorf("organisation logo: %w", err)
		}
		d.y += hgt + 16
	}

	d.centered("bold", 30, label(loc, "title"), 48)
	d.y += 16
	d.centered("bold", 22, is.Learner.Name, 32)
	d.centered("regular", 13, label(loc, "completed"), 24)
	d.centered("bold", 18, title, 26)
	d.y += 16
	d.line("regular", 12, label(loc, "date")+": "+FormatDate(is.CompletedAt, loc), 18)
	if is.Course.WorkloadHours > 0 {
		d.line("regular", 12, label(loc, "workload")+": "+FormatHours(is.Course.WorkloadHours, loc), 18)
	}
	d.line("regular", 12, label(loc, "issuer")+": "+is.Issuer.Name, 18)

	if len(is.Course.Modules) > 0 {
		d.y += 12
		d.line("bold", 13, label(loc, "modules"), 20)
		for i, m := range is.Course.Modules {
			d.wrapped("bold", 11, fmt.Sprintf("%d. %s", i+1, Text(m.Title, loc)), 0, 15)
			for _, o := range m.Outcomes {
				d.wrapped("regular", 10, "• "+Text(o, loc), 14, 13)
			}
			d.y += 4
		}
	}

	// The verification block: text and link on the left, the QR code on the right.
	const qrSize = 96.0
	if d.y+qrSize+16 > bottom {
		d.newPage()
	}
	d.y = max(d.y+16, bottom-qrSize)
	top := d.y
	if err := d.qr(is.VerifyURL, pageW-margin-qrSize, top, qrSize); err != nil {
		return nil, err
	}
	d.y = top + 24
	d.wrappedWidth("regular", 10, label(loc, "verify"), textW-qrSize-16, 14)
	d.wrappedWidth("regular", 10, is.VerifyURL, textW-qrSize-16, 14)
	if d.err != nil {
		return nil, d.err
	}
	var buf bytes.Buffer
	if err := d.pdf.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// doc draws top to bottom, starting a new page when the text reaches the bottom margin.
// The first error sticks.
type doc struct {
	pdf gopdf.GoPdf
	y   float64
	err error
}

func (d *doc) newPage() {
	d.pdf.AddPage()
	d.y = margin
}

func (d *doc) font(face string, size float64) {
	if d.err == nil {
		d.err = d.pdf.SetFont(face, "", size)
	}
}

func (d *doc) centered(face string, size float64, s string, lh float64) {
	d.font(face, size)
	lines, err := d.pdf.SplitTextWithWordWrap(s, textW)
	if err != nil {
		lines = []string{s}
	}
	for _, ln := range lines {
		for _, part := range d.fit(ln, textW) {
			w, _ := d.pdf.MeasureTextWidth(part)
			d.text(margin+(textW-w)/2, part, lh)
		}
	}
}

func (d *doc) line(face string, size float64, s string, lh float64) {
	d.wrapped(face, size, s, 0, lh)
}

func (d *doc) wrapped(face string, size float64, s string, indent, lh float64) {
	d.font(face, size)
	lines, err := d.pdf.SplitTextWithWordWrap(s, textW-indent)
	if err != nil {
		lines = []string{s}
	}
	for _, ln := range lines {
		for _, part := range d.fit(ln, textW-indent) {
			d.text(margin+indent, part, lh)
		}
	}
}

func (d *doc) wrappedWidth(face string, size float64, s string, width, lh float64) {
	d.font(face, size)
	lines, err := d.pdf.SplitTextWithWordWrap(s, width)
	if err != nil || len(lines) == 0 {
		lines = []string{s}
	}
	for _, ln := range lines {
		for _, part := range d.fit(ln, width) {
			d.text(margin, part, lh)
		}
	}
}

func (d *doc) text(x float64, s string, lh float64) {
	if d.err != nil {
		return
	}
	if d.y+lh > bottom {
		d.newPage()
	}
	d.pdf.SetXY(x, d.y)
	d.err = d.pdf.Cell(nil, s)
	d.y += lh
}

// qr draws the QR code of s as filled squares, size points wide, at (x, y).
func (d *doc) qr(s string, x, y, size float64) error {
	q, err := qrcode.New(s, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("QR code: %w", err)
	}
	bm := q.Bitmap()
	cell := size / float64(len(bm))
	d.pdf.SetFillColor(0, 0, 0)
	for r, row := range bm {
		for c, dark := range row {
			if dark {
				d.pdf.RectFromUpperLeftWithStyle(x+float64(c)*cell, y+float64(r)*cell, cell, cell, "F")
			}
		}
	}
	return nil
}

// fit breaks a line that has no spaces to break at, such as a long URL, into pieces no
// wider than width.
func (d *doc) fit(s string, width float64) []string {
	var out []string
	r := []rune(s)
	for len(r) > 0 {
		n := len(r)
		for n > 1 {
			if w, err := d.pdf.MeasureTextWidth(string(r[:n])); err == nil && w <= width {
				break
			}
			n--
		}
		out = append(out, string(r[:n]))
		r = r[n:]
	}
	return out
}
