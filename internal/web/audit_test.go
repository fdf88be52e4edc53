package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/course"
)

// auditTable is the rows of the audit page's table, each row's cells joined by " | ".
func auditTable(r response) []string {
	var rows []string
	for _, tr := range find(r.doc, byTag("tr")) {
		var cells []string
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Data == "td" || c.Data == "th" {
				cells = append(cells, strings.Join(strings.Fields(text(c)), " "))
			}
		}
		if len(cells) == 5 && len(find(tr, byTag("time"))) == 1 {
			rows = append(rows, strings.Join(cells, " | "))
		}
	}
	return rows
}

// hasRow tells whether a row holds every one of words.
func hasRow(rows []string, words ...string) bool {
	for _, r := range rows {
		all := true
		for _, w := range words {
			all = all && strings.Contains(r, w)
		}
		if all {
			return true
		}
	}
	return false
}

// TestAuditPageShowsTheWebAppsActs drives the web app through the acts its pages record —
// signing in and failing to, signing out, an admin changing a role and disabling an account,
// a trainer opening a learner's page with her self-assessment and safari notes, downloading
// the group's report and the safari summary, publishing a course — and reads them on the
// admin's audit page in plain Finnish words, an erased person as "Poistettu henkilö".
func TestAuditPageShowsTheWebAppsActs(t *testing.T) {
	t.Parallel()
	e := withActivities(t)
	ctx := context.Background()
	id := groupOf(t, e)
	anna := e.principal("learner")
	form, err := e.a.Assessments.Form(ctx, anna, course.ActivityID(shipped, "alkuarvio"), "fi")
	if err != nil {
		t.Fatal(err)
	}
	ratings := map[string]int{}
	for _, it := range form.Items {
		ratings[it.ID] = 3
	}
	if _, err := e.a.Assessments.Submit(ctx, anna, shipped, "alkuarvio", ratings, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Safaris.Save(ctx, anna, "", activity.SafariInput{Course: shipped, Safari: "kela-safari", Debrief: "Sujui."}); err != nil {
		t.Fatal(err)
	}

	failed := e.browser(t)
	failed.get("/sign-in")
	mustStatus(t, "unknown address", failed.post("/sign-in", url.Values{"email": {"kukaan.ei@example.fi"}, "password": {"arvaus"}}), http.StatusUnauthorized)
	learner := e.signedIn(t, "learner")
	learner.get("/")
	mustStatus(t, "sign out", learner.post("/sign-out", nil), http.StatusSeeOther)

	tina := e.signedIn(t, "trainer")
	mustStatus(t, "learner page", tina.get("/groups/"+id+"/learners/"+anna.UserID), http.StatusOK)
	mustStatus(t, "report", tina.get("/groups/"+id+"/report.csv"), http.StatusOK)
	mustStatus(t, "safari summary", tina.get("/groups/"+id+"/safaris/kela-safari/summary.csv"), http.StatusOK)

	admin := e.signedIn(t, "admin")
	learner2 := e.users["learner2"].ID
	admin.get("/admin/accounts/" + learner2)
	mustStatus(t, "role", admin.post("/admin/accounts/"+learner2, url.Values{"role-learner": {"on"}, "role-trainer": {"on"}, "org_unit": {""}, "locale": {"fi"}}), http.StatusSeeOther)
	admin.get("/admin/accounts/" + learner2 + "/disable")
	mustStatus(t, "disable", admin.post("/admin/accounts/"+learner2+"/disable", nil), http.StatusSeeOther)
	adminP := e.principal("admin")
	draft, err := e.a.Courses.GetDraft(ctx, adminP, shipped)
	if err != nil {
		t.Fatal(err)
	}
	draft.Course.Title["en"] += " (2nd edition)"
	if _, err := e.a.Courses.SaveDraft(ctx, adminP, shipped, draft.ETag(), draft.Course); err != nil {
		t.Fatal(err)
	}
	admin.get("/authoring/" + shipped + "/publish")
	mustStatus(t, "publish", admin.post("/authoring/"+shipped+"/publish", url.Values{"confirm": {"yes"}}), http.StatusSeeOther)

	// An erased person's entries name her by a pseudonym.
	if _, err := e.a.Audit.Pseudonymise(ctx, learner2, "erased-abc123"); err != nil {
		t.Fatal(err)
	}

	r := admin.get("/admin/audit")
	mustStatus(t, "audit page", r, http.StatusOK)
	mustBeWellFormed(t, "audit page", r)
	rows := auditTable(r)
	for _, want := range [][]string{
		{"Kirjautuminen epäonnistui", "Tuntematon (ei kirjautunut)"},
		{"Kirjautui sisään", "Learner Testinen", "learner@example.fi"},
		{"Kirjautui ulos", "Learner Testinen", "Selaimessa"},
		{"Avasi oppijan itsearvioinnin", "Trainer Testinen", "learner@example.fi", "Kohde: " + id},
		{"Avasi oppijan safarimuistiinpanot", "Trainer Testinen", "learner@example.fi"},
		{"Latasi raportin", "Trainer Testinen", "Ryhmän raportti"},
		{"Latasi raportin", "Safarin yhteenveto"},
		{"Roolia muutettiin", "Admin Testinen", "Poistettu henkilö"},
		{"Käyttäjätunnus suljettiin tai avattiin", "Admin Testinen", "Poistettu henkilö"}, // erasure cleared the detail
		{"Julkaisi kurssin", "Admin Testinen", "Versio 2", "Kohde: " + shipped},
		{"Julkaisi kurssin", "Ylläpito komentoriviltä", "Versio 1"},
	} {
		if !hasRow(rows, want...) {
			t.Errorf("no row with %q among\n%s", want, strings.Join(rows, "\n"))
		}
	}
	for _, row := range rows {
		if strings.Contains(row, "kukaan.ei") || strings.Contains(row, learner2) {
			t.Errorf("a row names what it should not: %s", row)
		}
	}

	// Filters: who by e-mail address, what by the select, days.
	r = admin.get("/admin/audit?who=trainer%40example.fi&act=" + audit.ActReportDownload)
	mustBeWellFormed(t, "filtered", r)
	if rows := auditTable(r); len(rows) != 2 || !hasRow(rows, "Ryhmän raportti") || !hasRow(rows, "Safarin yhteenveto") {
		t.Errorf("trainer's downloads:\n%s", strings.Join(rows, "\n"))
	}
	if sel := find(r.doc, byID("f-act")); len(sel) != 1 || !strings.Contains(text(sel[0]), "Latasi raportin") {
		t.Error("no select of acts")
	}
	r = admin.get("/admin/audit?from=2026-02-03")
	if rows := auditTable(r); len(rows) != 0 {
		t.Errorf("entries after today: %v", rows)
	}
	r = admin.get("/admin/audit?from=2026-02-02&to=2026-02-02")
	if rows := auditTable(r); len(rows) < 11 {
		t.Errorf("entries of today: %d", len(rows))
	}

	// Bad input: the page again with the error at its field, what she typed kept.
	r = admin.get("/admin/audit?who=kukaan.ei%40example.fi&from=huomenna")
	mustStatus(t, "bad day", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "bad day", r)
	if errorSummary(r) == "" || attr(find(r.doc, byID("f-from"))[0], "value") != "huomenna" {
		t.Errorf("bad day: summary %q", errorSummary(r))
	}
	r = admin.get("/admin/audit?who=kukaan.ei%40example.fi")
	mustStatus(t, "unknown address", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "unknown address", r)
	if !strings.Contains(errorSummary(r), "tällä sähköpostiosoitteella ei ole tiliä") {
		t.Errorf("unknown address: summary %q", errorSummary(r))
	}

	// Only admins.
	mustStatus(t, "a trainer", tina.get("/admin/audit"), http.StatusForbidden)
	mustStatus(t, "nobody signed in", e.browser(t).get("/admin/audit"), http.StatusSeeOther)
}

// TestAuditPagePages: more entries than a page holds page by page under "Vanhemmat", the
// search kept; every act has a plain name in every language.
func TestAuditPagePages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	learner := e.users["learner"].ID
	for range 60 {
		e.a.Audit.Record(ctx, audit.Entry{Actor: learner, Act: audit.ActSignIn, Subject: learner})
	}
	admin := e.signedIn(t, "admin")
	r := admin.get("/admin/audit?act=signin")
	mustBeWellFormed(t, "first page", r)
	first := auditTable(r)
	var older string
	for _, a := range find(r.doc, byTag("a")) {
		if strings.TrimSpace(text(a)) == "Vanhemmat" {
			older = attr(a, "href")
		}
	}
	if len(first) != 50 || !strings.Contains(older, "act=signin") || !strings.Contains(older, "before=") {
		t.Fatalf("first page: %d rows, older %q", len(first), older)
	}
	r = admin.get(older)
	mustBeWellFormed(t, "second page", r)
	// 60 recorded and the admin's own sign-in.
	if rest := auditTable(r); len(rest) != 11 {
		t.Errorf("second page: %d rows", len(rest))
	}
	for _, a := range find(r.doc, byTag("a")) {
		if strings.TrimSpace(text(a)) == "Vanhemmat" {
			t.Error("the last page links to older entries")
		}
	}
	newest := ""
	for _, a := range find(r.doc, byTag("a")) {
		if strings.TrimSpace(text(a)) == "Uusimmat" {
			newest = attr(a, "href")
		}
	}
	if newest != "/admin/audit?act=signin" {
		t.Errorf("link to the newest: %q", newest)
	}
}
