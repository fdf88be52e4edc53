package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/testenv"
)

// certified is the web app with the fixture course published with an achievement (every
// lesson completed by opening it, so that a test completes the course quickly), completed by
// learner through the application, and its certificate issued. It returns the certificate's id.
func certified(t *testing.T) (*env, string) {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t)
	co, fsys := testenv.Fixture(t)
	co.Achievement = &course.Achievement{
		Description: course.Text{"fi": "Suorittaja osaa kokeilla asioita.", "en": "The holder can try things out."},
		Criteria:    course.Text{"fi": "Jokainen osio suoritettu.", "en": "Every module completed."},
		DigComp:     []string{"2.3"}, WorkloadHours: 2,
	}
	for mi := range co.Modules {
		for li := range co.Modules[mi].Lessons {
			co.Modules[mi].Lessons[li].Completion = course.Rule{Rule: course.RuleViewed}
		}
	}
	if _, err := e.a.ImportCourse(ctx, co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	if r := e.signedIn(t, "learner").get("/certificates"); r.status != http.StatusOK || !strings.Contains(r.body, "Sinulla ei ole vielä todistuksia.") {
		t.Errorf("before completing: %d\n%s", r.status, r.body)
	} else {
		mustBeWellFormed(t, "no certificates", r)
	}
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			if _, _, err := e.a.Learning.LessonEvent(ctx, e.principal("learner"), co.Slug, l.ID, learning.Event{Type: learning.EventViewed}); err != nil {
				t.Fatalf("view %s: %v", l.ID, err)
			}
		}
	}
	if n, err := e.a.IssueCertificates(ctx); err != nil || n != 1 {
		t.Fatalf("issued %d: %v", n, err)
	}
	list, err := e.a.MyCredentials(ctx, e.principal("learner"))
	if err != nil || len(list) != 1 {
		t.Fatalf("her certificates: %v %v", list, err)
	}
	return e, list[0].ID
}

func certSay(t *testing.T, what string, r response, words ...string) {
	t.Helper()
	for _, w := range words {
		if !strings.Contains(r.body, w) {
			t.Errorf("%s: the page does not say %q", what, w)
		}
	}
}

func certNotSay(t *testing.T, what string, r response, words ...string) {
	t.Helper()
	for _, w := range words {
		if strings.Contains(r.body, w) {
			t.Errorf("%s: the page says %q", what, w)
		}
	}
}

func TestMyCertificates(t *testing.T) {
	t.Parallel()
	e, id := certified(t)
	b := e.signedIn(t, "learner")
	verifyURL := testenv.Issuer + "/verify/" + id

	r := b.get("/certificates")
	mustStatus(t, "certificates", r, http.StatusOK)
	mustBeWellFormed(t, "certificates", r)
	certSay(t, "certificates", r, "Kokeilukurssi", "Voimassa", "2.2.2026", "Todistus (PDF)", "Osaamismerkki", "Tarkistuslinkki", "Älä näytä nimeäni",
		`href="/certificates">Todistukset</a>`)
	link := find(r.doc, byID("f-link-"+id))
	if len(link) != 1 || attr(link[0], "value") != verifyURL || !hasAttr(link[0], "readonly") {
		t.Errorf("the link to share: %v", link)
	}

	r = b.get("/certificates/" + id + "/certificate.pdf")
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, "%PDF") || r.header.Get("Content-Type") != "application/pdf" ||
		!strings.Contains(r.header.Get("Content-Disposition"), `attachment; filename="certificate-kokeilu-v1.pdf"`) {
		t.Errorf("PDF: %d %q %q %.10q", r.status, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"), r.body)
	}
	r = b.get("/certificates/" + id + "/credential.jwt")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/vc+jwt" || strings.Count(r.body, ".") != 2 ||
		!strings.Contains(r.header.Get("Content-Disposition"), "badge-kokeilu-v1.jwt") {
		t.Errorf("JWT: %d %q %q", r.status, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
	}
	r = b.get("/certificates/" + id + "/credential.json")
	var vc map[string]any
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &vc) != nil || vc["id"] != verifyURL || !strings.Contains(r.body, "OpenBadgeCredential") {
		t.Errorf("decoded credential: %d %.300s", r.status, r.body)
	}

	// The public page: no session needed, her name only once she shows it.
	anon := e.browser(t)
	r = anon.get("/verify/" + id)
	mustStatus(t, "verify", r, http.StatusOK)
	mustBeWellFormed(t, "verify", r)
	certSay(t, "verify", r, "Todistus on voimassa.", "Kokeilukurssi", "2.2.2026", "Alku", "Tunnet kurssin.", "2 tuntia", "Suorittaja osaa kokeilla asioita.",
		"Jokainen osio suoritettu.", "Osaamisalue 2.3", "Todistuksen haltija ei ole valinnut", `href="/credentials/issuer"`, `href="/credentials/jwks.json"`)
	certNotSay(t, "verify", r, "Learner Testinen")

	r = b.post("/certificates/"+id+"/show-name", url.Values{"show_name": {"yes"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/certificates") {
		t.Fatalf("show her name: %d %s", r.status, r.location)
	}
	r = b.get(r.location)
	certSay(t, "after showing", r, "Nimesi näkyy nyt tarkistussivulla.")
	if radio := find(r.doc, byID("f-show-"+id)); len(radio) != 1 || !hasAttr(radio[0], "checked") {
		t.Errorf("the choice to show her name is not checked")
	}
	certSay(t, "verify with her name", anon.get("/verify/"+id), "Learner Testinen")
	b.post("/certificates/"+id+"/show-name", url.Values{"show_name": {"no"}})
	certNotSay(t, "verify without her name", anon.get("/verify/"+id), "Learner Testinen")

	// A choice that is neither: the page again with the problem.
	r = b.post("/certificates/"+id+"/show-name", url.Values{"show_name": {"maybe"}})
	mustStatus(t, "no choice", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "no choice", r)
	if len(find(r.doc, byID("error-summary"))) != 1 || !strings.Contains(r.body, `href="#f-show-`+id+`"`) {
		t.Errorf("no error summary linking to the choice:\n%s", r.body)
	}
	if r := b.postRaw("/certificates/"+id+"/show-name", url.Values{"show_name": {"yes"}}); r.status != http.StatusForbidden {
		t.Errorf("without the form's token: %d", r.status)
	}
	certNotSay(t, "after a refused post", anon.get("/verify/"+id), "Learner Testinen")

	// Nobody else reaches them.
	other := e.signedIn(t, "learner2")
	for _, path := range []string{"/certificates/" + id + "/certificate.pdf", "/certificates/" + id + "/credential.jwt", "/certificates/" + id + "/credential.json"} {
		r := other.get(path)
		mustStatus(t, "another learner's "+path, r, http.StatusNotFound)
		if r.doc != nil {
			mustBeWellFormed(t, "another learner's "+path, r)
		}
	}
	mustStatus(t, "another learner shows the name", other.post("/certificates/"+id+"/show-name", url.Values{"show_name": {"yes"}}), http.StatusNotFound)
	certNotSay(t, "after another learner's post", anon.get("/verify/"+id), "Learner Testinen")
	certSay(t, "another learner's page", other.get("/certificates"), "Sinulla ei ole vielä todistuksia.")
	for _, path := range []string{"/certificates", "/certificates/" + id + "/certificate.pdf"} {
		if r := e.browser(t).get(path); r.status != http.StatusSeeOther || r.location != "/sign-in?next="+url.QueryEscape(path) {
			t.Errorf("%s without a session: %d %s", path, r.status, r.location)
		}
	}
}

func TestVerifyUnknownAndMalformedAnswerAlike(t *testing.T) {
	t.Parallel()
	e, id := certified(t)
	anon := e.browser(t)
	anon.get("/verify/" + id) // the form cookie, so both pages carry the same token
	unknown, malformed := strings.Repeat("Q", 22), "not-a-certificate"
	r1, r2 := anon.get("/verify/"+unknown), anon.get("/verify/"+malformed)
	mustStatus(t, "unknown", r1, http.StatusNotFound)
	mustBeWellFormed(t, "unknown", r1)
	certSay(t, "unknown", r1, "Tällä tunnisteella ei löydy todistusta.")
	b1, b2 := strings.ReplaceAll(r1.body, unknown, "ID"), strings.ReplaceAll(r2.body, malformed, "ID")
	if r1.status != r2.status || b1 != b2 {
		t.Errorf("an unknown and a malformed id answer differently: %d, %d\n%s\n---\n%s", r1.status, r2.status, b1, b2)
	}
	req := httptest.NewRequest(http.MethodGet, "/verify/"+id, nil)
	req.Header.Set("Accept", "application/json")
	if r := anon.do(req); r.status != http.StatusSeeOther || r.location != "/api/v1/verify/"+id {
		t.Errorf("JSON asked for: %d %s", r.status, r.location)
	}
}

func TestAdminRevokesCertificate(t *testing.T) {
	t.Parallel()
	e, id := certified(t)
	e.clock.Set(time.Date(2026, 2, 5, 10, 0, 0, 0, time.UTC)) // revoked three days after it was issued
	path := "/admin/certificates/" + id
	for _, who := range []string{"trainer", "learner"} {
		b := e.signedIn(t, who)
		r := b.get(path)
		mustStatus(t, who+" opens the revocation", r, http.StatusForbidden)
		mustBeWellFormed(t, who+" forbidden", r)
		mustStatus(t, who+" lists certificates", b.get("/admin/certificates"), http.StatusForbidden)
		mustStatus(t, who+" revokes", b.post(path+"/revoke", url.Values{"reason": {"x"}, "confirm": {"yes"}}), http.StatusForbidden)
	}

	admin := e.signedIn(t, "admin")
	r := admin.get("/admin/certificates")
	mustStatus(t, "list", r, http.StatusOK)
	mustBeWellFormed(t, "list", r)
	certSay(t, "list", r, "Learner Testinen", "Kokeilukurssi", "Viimeksi myönnetyt")
	r = admin.get("/admin/certificates?id=" + url.QueryEscape(strings.Repeat("Q", 22)))
	mustBeWellFormed(t, "search for an unknown id", r)
	certSay(t, "search for an unknown id", r, "Todistusta ei löytynyt.", `href="#f-id"`)
	if r := admin.get("/admin/certificates?id=" + url.QueryEscape(testenv.Issuer+"/verify/"+id)); r.status != http.StatusSeeOther || r.location != path {
		t.Errorf("search by the verification link: %d %s", r.status, r.location)
	}
	mustStatus(t, "an unknown certificate", admin.get("/admin/certificates/"+strings.Repeat("Q", 22)), http.StatusNotFound)

	r = admin.get(path)
	mustStatus(t, "one", r, http.StatusOK)
	mustBeWellFormed(t, "one", r)
	certSay(t, "one", r, "Learner Testinen", "Voimassa", "Perumisen syy")

	r = admin.post(path+"/revoke", url.Values{"reason": {"  "}})
	mustStatus(t, "no reason", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "no reason", r)
	if len(find(r.doc, byID("error-summary"))) != 1 || attr(find(r.doc, byID("f-reason"))[0], "aria-invalid") != "true" {
		t.Errorf("no reason: no error summary or field error\n%s", r.body)
	}

	reason := "Myönnetty väärälle henkilölle."
	r = admin.post(path+"/revoke", url.Values{"reason": {reason}})
	mustStatus(t, "confirmation", r, http.StatusOK)
	mustBeWellFormed(t, "confirmation", r)
	certSay(t, "confirmation", r, "Haluatko varmasti perua tämän todistuksen?", reason)
	certSay(t, "not revoked before confirming", e.browser(t).get("/verify/"+id), "Todistus on voimassa.")
	if r := admin.postRaw(path+"/revoke", url.Values{"reason": {reason}, "confirm": {"yes"}}); r.status != http.StatusForbidden {
		t.Errorf("revoke without the form's token: %d", r.status)
	}

	r = admin.post(path+"/revoke", url.Values{"reason": {reason}, "confirm": {"yes"}})
	if r.status != http.StatusSeeOther || r.location != path {
		t.Fatalf("revoke: %d %s", r.status, r.location)
	}
	r = admin.get(path)
	mustBeWellFormed(t, "revoked", r)
	certSay(t, "revoked", r, "Todistus on peruttu.", "Peruttu 5.2.2026", reason)
	certNotSay(t, "revoked", r, `name="reason"`)

	r = e.browser(t).get("/verify/" + id)
	mustStatus(t, "verify revoked", r, http.StatusOK)
	mustBeWellFormed(t, "verify revoked", r)
	certSay(t, "verify revoked", r, "Todistus on peruttu 5.2.2026.")
	certNotSay(t, "verify revoked", r, "Todistus on voimassa.", reason)
	certSay(t, "her page", e.signedIn(t, "learner").get("/certificates"), "Peruttu 5.2.2026")
}
