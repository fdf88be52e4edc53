package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/testenv"
	"github.com/taito-lms/taito/internal/web"
)

// exportLinks are the download links on a profile page.
func exportLinks(r response) []string {
	var out []string
	for _, a := range find(r.doc, byTag("a")) {
		if h := attr(a, "href"); strings.HasPrefix(h, "/profile/exports/") {
			out = append(out, h)
		}
	}
	return out
}

// TestProfileDataExport: with plain forms (no script), a learner asks for her data on her
// profile page, sees it being prepared, then ready with its expiry, downloads the ZIP, and a day
// later sees it expired. Another learner's browser gets "not found" for her link; a trainer
// cannot ask for another person's data; an admin's request from the account page shows on the
// admin's own profile.
func TestProfileDataExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	b := e.signedIn(t, "learner")
	r := b.get("/profile")
	mustBeWellFormed(t, "profile", r)
	acctSays(t, "profile", r, "Omat tietosi", "Pyydä tietosi")
	r = b.post("/profile/exports", nil)
	acctStatus(t, "ask", r, http.StatusSeeOther)
	if !strings.HasPrefix(r.location, "/profile") {
		t.Errorf("after asking: to %q", r.location)
	}
	r = b.get("/profile")
	acctSays(t, "waiting", r, "Valmistellaan", "Päivitä", "Saat sähköpostia")
	mustBeWellFormed(t, "profile with an export", r)

	if n, err := e.a.PrepareExports(ctx); err != nil || n != 1 {
		t.Fatalf("prepared %d: %v", n, err)
	}
	r = b.get("/profile")
	acctSays(t, "ready", r, "Valmis — lataa (voimassa 3.2.2026 klo 11.00 asti)")
	links := exportLinks(r)
	if len(links) != 1 {
		t.Fatalf("download links %v", links)
	}
	dl := b.get(links[0])
	acctStatus(t, "download", dl, http.StatusOK)
	if dl.header.Get("Content-Type") != "application/zip" {
		t.Errorf("content type %q", dl.header.Get("Content-Type"))
	}
	if _, err := zip.NewReader(bytes.NewReader([]byte(dl.body)), int64(len(dl.body))); err != nil {
		t.Errorf("not a ZIP: %v", err)
	}

	other := e.signedIn(t, "learner2")
	acctStatus(t, "another learner's download", other.get(links[0]), http.StatusNotFound)
	acctStatus(t, "an unknown download", other.get("/profile/exports/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/download"), http.StatusNotFound)
	acctStatus(t, "signed out", e.browser(t).get(links[0]), http.StatusSeeOther)

	trainer := e.signedIn(t, "trainer")
	trainer.get("/profile")
	if r := trainer.post("/admin/accounts/"+url.PathEscape(e.users["learner"].ID)+"/exports", nil); r.status != http.StatusForbidden && r.status != http.StatusNotFound {
		t.Errorf("a trainer exports a learner: %d", r.status)
	}
	admin := e.signedIn(t, "admin")
	r = admin.get("/admin/accounts/" + url.PathEscape(e.users["learner2"].ID))
	acctSays(t, "account page", r, "Vie henkilön tiedot")
	mustBeWellFormed(t, "account page", r)
	r = admin.post("/admin/accounts/"+url.PathEscape(e.users["learner2"].ID)+"/exports", nil)
	acctStatus(t, "admin asks", r, http.StatusSeeOther)
	acctSays(t, "admin's profile", admin.get("/profile"), "toisen henkilön tiedot", "Valmistellaan")

	e.clock.Advance(24 * time.Hour)
	b = e.signedIn(t, "learner") // the session has ended in a day
	r = b.get("/profile")
	acctSays(t, "a day later", r, "Vanhentunut")
	if l := exportLinks(r); len(l) != 0 {
		t.Errorf("an expired export has a link: %v", l)
	}
	acctStatus(t, "an expired download", b.get(links[0]), http.StatusNotFound)
}

// TestPrivacyNoticeNamesTheDPOAndRetention: the privacy notice shows the data protection
// officer's contact and the configured retention periods, in each language, and tells how to
// get one's data and have it erased; without them it still says how long the export is kept.
func TestPrivacyNoticeNamesTheDPOAndRetention(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.browser(t).get("/privacy")
	acctSays(t, "unconfigured", r, "Omat tietosi", "ei poisteta automaattisesti", "1 vuorokausi")
	if strings.Contains(text(r.doc), "Tietosuojavastaava:") {
		t.Errorf("a DPO without one configured")
	}

	f := fiber.New()
	web.Mount(f, e.a, web.Options{PublicURL: testenv.Issuer, Now: e.clock.Now, OrgName: "Esimerkin hyvinvointialue", DPOContact: "tietosuojavastaava@esimerkki.fi",
		Retention: web.RetentionPeriods{InactiveAccounts: 1095 * 24 * time.Hour, Statements: 1826 * 24 * time.Hour, Outbox: 90 * 24 * time.Hour, Audit: 730 * 24 * time.Hour}})
	named := &env{a: e.a, fiber: f, clock: e.clock, users: e.users}
	for lang, words := range map[string][]string{
		"fi": {"Tietosuojavastaava: tietosuojavastaava@esimerkki.fi", "3 vuotta", "5 vuotta", "90 päivää", "2 vuotta", "Omat tietosi"},
		"sv": {"Dataskyddsombud: tietosuojavastaava@esimerkki.fi", "3 år", "90 dagar", "Dina uppgifter"},
		"en": {"Data protection officer: tietosuojavastaava@esimerkki.fi", "3 years", "90 days", "Your data"},
	} {
		b := named.browser(t)
		b.header.Set("Accept-Language", lang)
		r := b.get("/privacy")
		acctStatus(t, lang, r, http.StatusOK)
		mustBeWellFormed(t, "privacy notice "+lang, r)
		acctSays(t, lang, r, words...)
	}
}
