package httpapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/uuid"
	"github.com/ledongthuc/pdf"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/credential"
)

// publishWithAchievement imports and publishes the fixture course with an achievement, title
// changed by rename (to make a new version).
func publishWithAchievement(t *testing.T, e *env, rename string) {
	t.Helper()
	co, fsys := fixture(t)
	co.Achievement = &course.Achievement{
		Description: course.Text{"fi": "Suorittaja osaa kokeilla.", "en": "The holder can try things out."},
		Criteria:    course.Text{"fi": "Kaikki osiot suoritettu.", "en": "Every module completed."},
		DigComp:     []string{"2.3", "5.4"}, WorkloadHours: 2,
	}
	if rename != "" {
		co.Title["fi"] = rename
	}
	if _, err := e.a.ImportCourse(context.Background(), co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
}

// completeFixture takes a learner through the fixture course to its completion, as
// TestLearningJourney does.
func completeFixture(t *testing.T, e *env, token string) {
	t.Helper()
	run(t, e.app, []scenario{
		{name: "view", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: token, body: `{"type":"viewed"}`, status: 201},
		{name: "time", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: token, body: `{"type":"progressed","seconds":30,"position":10}`, status: 201},
	})
	_, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/quizzes/kokeilu:alkuvisa/attempts", token: token})
	attempt, right := answerAll(t, body, true)
	do(t, e.app, scenario{method: "POST", path: "/api/v1/attempts/" + attempt + "/submit", token: token, body: jsonBody(map[string]any{"answers": right})})
	run(t, e.app, submitForms(token))
	run(t, e.app, []scenario{{name: "completed", method: "GET", path: "/api/v1/me/courses", token: token, status: 200, want: []string{`"state":"completed"`}}})
}

// certificateJobKeys lists the keys of the certificate jobs queued for a user.
func certificateJobKeys(t *testing.T, e *env, user string) []string {
	t.Helper()
	jobs, _, err := e.outbox.List(context.Background(), "", 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, j := range jobs {
		if j.Kind == "certificate" && j.Payload["user"] == user {
			out = append(out, j.ID)
		}
	}
	return out
}

func issueAll(t *testing.T, e *env) int {
	t.Helper()
	n, err := e.a.IssueCertificates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type credItem struct {
	ID, Course, VerifyURL, PDFURL, CredentialURL string
	Version                                      int
}

func myCredentials(t *testing.T, e *env, token string) []credItem {
	t.Helper()
	_, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/me/credentials", token: token})
	var list struct {
		Items []struct {
			ID            string `json:"id"`
			Course        string `json:"course"`
			Version       int    `json:"version"`
			VerifyURL     string `json:"verify_url"`
			PDFURL        string `json:"pdf_url"`
			CredentialURL string `json:"credential_url"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	var out []credItem
	for _, it := range list.Items {
		out = append(out, credItem{ID: it.ID, Course: it.Course, Version: it.Version, VerifyURL: it.VerifyURL, PDFURL: it.PDFURL, CredentialURL: it.CredentialURL})
	}
	return out
}

// extractPDFText reads a PDF's text with a reader library, not with the code that wrote it.
func extractPDFText(t *testing.T, b []byte) string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("PDF reader: %v", err)
	}
	tr, err := r.GetPlainText()
	if err != nil {
		t.Fatal(err)
	}
	txt, _ := io.ReadAll(tr)
	return string(txt)
}

// joseVerify checks a compact JWS with go-jose (not the library that signed it) against a
// JWKS and returns its payload.
func joseVerify(token string, jwks []byte) ([]byte, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwks, &set); err != nil {
		return nil, err
	}
	obj, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return nil, err
	}
	keys := set.Key(obj.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		return nil, fmt.Errorf("kid %q: %d keys", obj.Signatures[0].Header.KeyID, len(keys))
	}
	return obj.Verify(keys[0])
}

// obRequired are the properties Open Badges 3.0 requires of an OpenBadgeCredential secured as
// a VC-JWT and of its Profile, AchievementSubject, Achievement, Criteria and Alignment, with
// the BitstringStatusListEntry and the JWT claims (paths into the payload).
var obRequired = []string{
	"@context", "id", "type", "issuer", "validFrom", "name", "credentialSubject",
	"issuer.id", "issuer.type",
	"credentialSubject.type", "credentialSubject.achievement",
	"credentialSubject.achievement.id", "credentialSubject.achievement.type",
	"credentialSubject.achievement.name", "credentialSubject.achievement.description",
	"credentialSubject.achievement.criteria", "credentialSubject.achievement.criteria.narrative",
	"credentialSubject.achievement.alignment.0.type", "credentialSubject.achievement.alignment.0.targetName",
	"credentialSubject.achievement.alignment.0.targetUrl",
	"credentialStatus.type", "credentialStatus.statusPurpose", "credentialStatus.statusListIndex",
	"credentialStatus.statusListCredential",
	"iss", "jti", "nbf", "sub",
}

func lookupPath(v any, path string) (any, bool) {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	if s, ok := v.(string); ok && s == "" {
		return nil, false
	}
	return v, v != nil
}

func hasType(v any, want string) bool {
	switch x := v.(type) {
	case string:
		return x == want
	case []any:
		return slices.Contains(x, any(want))
	}
	return false
}

// tamper changes one character of a JWT's part (0 header, 1 payload, 2 signature).
func tamper(token string, part int) string {
	parts := strings.Split(token, ".")
	if part == 1 {
		b, _ := base64.RawURLEncoding.DecodeString(parts[1])
		b = bytes.Replace(b, []byte(`"Kokeilukurssi"`), []byte(`"Kokeilukurssi!"`), 1)
		parts[1] = base64.RawURLEncoding.EncodeToString(b)
	} else {
		s := []byte(parts[part])
		s[5] ^= 1
		if s[5] == '.' {
			s[5] = 'A'
		}
		parts[part] = string(s)
	}
	return strings.Join(parts, ".")
}

var requestIDRE = regexp.MustCompile(`"request_id":"[^"]*"`)

func TestCertificatesEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	publishWithAchievement(t, e, "")
	asa, _, err := e.a.AddUser(ctx, auth.NewUser{Email: "asa.ahtari@example.fi", Name: "Åsa Ähtäri", Roles: []auth.Role{auth.RoleLearner}, Password: testPassword, Locale: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	token := e.login(t, "asa.ahtari@example.fi", testPassword).AccessToken
	other, admin := e.token(t, "learner2"), e.token(t, "admin")

	completeFixture(t, e, token)
	if keys := certificateJobKeys(t, e, asa.ID); !slices.Equal(keys, []string{"certificate:" + asa.ID + ":kokeilu:1"}) {
		t.Fatalf("certificate jobs %v, want one keyed by version 1", keys)
	}
	if n := issueAll(t, e); n != 1 {
		t.Fatalf("issued %d, want 1", n)
	}
	creds := myCredentials(t, e, token)
	if len(creds) != 1 || creds[0].Course != "kokeilu" || creds[0].Version != 1 {
		t.Fatalf("her credentials: %+v", creds)
	}
	id := creds[0].ID
	if creds[0].VerifyURL != testIssuer+"/verify/"+id || creds[0].PDFURL != "/api/v1/me/credentials/"+id+"/certificate.pdf" {
		t.Errorf("addresses %+v", creds[0])
	}

	// The PDF: a PDF, with her name and the course title, in Finnish.
	resp, body := do(t, e.app, scenario{method: "GET", path: creds[0].PDFURL, token: token})
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("%PDF")) || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("PDF: %d %s %.20q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	txt := extractPDFText(t, body)
	for _, w := range []string{"Åsa Ähtäri", "Kokeilukurssi", "Todistus", testIssuer + "/verify/" + id} {
		if !strings.Contains(txt, w) {
			t.Errorf("the PDF's text lacks %q:\n%s", w, txt)
		}
	}

	// The credential verifies with go-jose against the keys published at the public route.
	_, jwks := do(t, e.app, scenario{method: "GET", path: "/credentials/jwks.json"})
	_, body = do(t, e.app, scenario{method: "GET", path: creds[0].CredentialURL, token: token})
	var cr struct {
		JWT        string         `json:"jwt"`
		Credential map[string]any `json:"credential"`
	}
	if err := json.Unmarshal(body, &cr); err != nil {
		t.Fatal(err)
	}
	payload, err := joseVerify(cr.JWT, jwks)
	if err != nil {
		t.Fatalf("go-jose does not verify the credential: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatal(err)
	}
	for _, p := range obRequired {
		if _, ok := lookupPath(m, p); !ok {
			t.Errorf("required property %s is missing", p)
		}
	}
	for path, typ := range map[string]string{
		"type": "OpenBadgeCredential", "issuer.type": "Profile", "credentialSubject.type": "AchievementSubject",
		"credentialSubject.achievement.type": "Achievement", "credentialStatus.type": "BitstringStatusListEntry",
		"credentialSubject.achievement.alignment.0.type": "Alignment",
	} {
		if v, _ := lookupPath(m, path); !hasType(v, typ) {
			t.Errorf("%s is %v, want %s", path, v, typ)
		}
	}
	if v, _ := lookupPath(m, "credentialSubject.achievement.alignment.1.targetCode"); v != "5.4" {
		t.Errorf("the second alignment's code is %v", v)
	}
	if m["id"] != testIssuer+"/verify/"+id || m["iss"] != testIssuer+"/credentials/issuer" {
		t.Errorf("id %v, iss %v", m["id"], m["iss"])
	}
	if cr.Credential["id"] != m["id"] {
		t.Errorf("the decoded credential differs from the signed payload")
	}
	// As application/vc+jwt, the token itself.
	resp, body = do(t, e.app, scenario{method: "GET", path: creds[0].CredentialURL, token: token, headers: map[string]string{"Accept": "application/vc+jwt"}})
	if resp.Header.Get("Content-Type") != "application/vc+jwt" || string(body) != cr.JWT {
		t.Errorf("vc+jwt: %s %.40s", resp.Header.Get("Content-Type"), body)
	}
	// Tampering with the payload or the signature is detected by both libraries.
	for part, name := range map[int]string{1: "payload", 2: "signature"} {
		bad := tamper(cr.JWT, part)
		if _, err := joseVerify(bad, jwks); err == nil {
			t.Errorf("go-jose accepts a tampered %s", name)
		}
		if _, err := credential.Verify(bad, jwks, nil); !errors.Is(err, credential.ErrInvalidSignature) && !errors.Is(err, credential.ErrMalformed) {
			t.Errorf("a tampered %s: %v", name, err)
		}
	}

	// Public verification: valid, her name only once she shows it.
	run(t, e.app, []scenario{
		{name: "verify", method: "GET", path: "/api/v1/verify/" + id, status: 200,
			want: []string{`"status":"valid"`, `"course":"kokeilu"`, `"Kokeilukurssi"`, `"completed_at"`}, forbid: []string{"Åsa", "learner_name"}},
		{name: "issuer", method: "GET", path: "/credentials/issuer", status: 200, want: []string{`"` + testIssuer + `/credentials/issuer"`, `"Profile"`}},
		{name: "show her name", method: "PATCH", path: "/api/v1/me/credentials/" + id, token: token, body: `{"show_name":true}`, status: 200, want: []string{`"show_name":true`}},
		{name: "verify with her name", method: "GET", path: "/api/v1/verify/" + id, status: 200, want: []string{`"learner_name":"Åsa Ähtäri"`}},
		{name: "hide it again", method: "PATCH", path: "/api/v1/me/credentials/" + id, token: token, body: `{"show_name":false}`, status: 200, want: []string{`"show_name":false`}},
		{name: "verify without it", method: "GET", path: "/api/v1/verify/" + id, status: 200, forbid: []string{"Åsa"}},
	})

	// Bad input on every route.
	unknown := strings.Repeat("Q", 22)
	run(t, e.app, []scenario{
		{name: "list without a token", method: "GET", path: "/api/v1/me/credentials", status: 401},
		{name: "another learner's list is hers", method: "GET", path: "/api/v1/me/credentials", token: other, status: 200, want: []string{`"items":[]`}},
		{name: "PDF without a token", method: "GET", path: "/api/v1/me/credentials/" + id + "/certificate.pdf", status: 401},
		{name: "another learner's PDF", method: "GET", path: "/api/v1/me/credentials/" + id + "/certificate.pdf", token: other, status: 404},
		{name: "the admin's is not hers either", method: "GET", path: "/api/v1/me/credentials/" + id + "/certificate.pdf", token: admin, status: 404},
		{name: "unknown PDF", method: "GET", path: "/api/v1/me/credentials/" + unknown + "/certificate.pdf", token: token, status: 404},
		{name: "malformed id PDF", method: "GET", path: "/api/v1/me/credentials/..%2F..%2Fx/certificate.pdf", token: token, status: 404},
		{name: "another learner's credential", method: "GET", path: "/api/v1/me/credentials/" + id + "/credential", token: other, status: 404},
		{name: "credential without a token", method: "GET", path: "/api/v1/me/credentials/" + id + "/credential", status: 401},
		{name: "another learner shows the name", method: "PATCH", path: "/api/v1/me/credentials/" + id, token: other, body: `{"show_name":true}`, status: 404},
		{name: "patch without a token", method: "PATCH", path: "/api/v1/me/credentials/" + id, body: `{"show_name":true}`, status: 401},
		{name: "malformed JSON", method: "PATCH", path: "/api/v1/me/credentials/" + id, token: token, body: `{"show_name":`, status: 400},
		{name: "unknown field", method: "PATCH", path: "/api/v1/me/credentials/" + id, token: token, body: `{"show_name":true,"name":"x"}`, status: 422, want: []string{"name"}},
		{name: "wrong type", method: "PATCH", path: "/api/v1/me/credentials/" + id, token: token, body: `{"show_name":"yes"}`, status: 422, want: []string{"show_name"}},
		{name: "missing choice", method: "PATCH", path: "/api/v1/me/credentials/" + id, token: token, body: `{}`, status: 422, want: []string{"show_name"}},
		{name: "oversize body", method: "PATCH", path: "/api/v1/me/credentials/" + id, token: token, body: `{"show_name":true,"x":"` + strings.Repeat("a", 2<<20) + `"}`, status: 413},
		{name: "revoke as the learner", method: "POST", path: "/api/v1/credentials/" + id + "/revoke", token: token, body: `{"reason":"oma"}`, status: 403},
		{name: "revoke without a token", method: "POST", path: "/api/v1/credentials/" + id + "/revoke", body: `{"reason":"x"}`, status: 401},
		{name: "revoke without a reason", method: "POST", path: "/api/v1/credentials/" + id + "/revoke", token: admin, body: `{"reason":"  "}`, status: 422, want: []string{"reason"}},
		{name: "revoke with a long reason", method: "POST", path: "/api/v1/credentials/" + id + "/revoke", token: admin, body: jsonBody(map[string]string{"reason": strings.Repeat("ä", 501)}), status: 422, want: []string{"reason"}},
		{name: "revoke with an unknown field", method: "POST", path: "/api/v1/credentials/" + id + "/revoke", token: admin, body: `{"reason":"x","by":"me"}`, status: 422, want: []string{"by"}},
		{name: "revoke malformed JSON", method: "POST", path: "/api/v1/credentials/" + id + "/revoke", token: admin, body: `[`, status: 400},
		{name: "revoke an unknown id", method: "POST", path: "/api/v1/credentials/" + unknown + "/revoke", token: admin, body: `{"reason":"x"}`, status: 404},
		{name: "no such status list", method: "GET", path: "/credentials/status/0", status: 404},
		{name: "status list by another name", method: "GET", path: "/credentials/status/01", status: 404},
		{name: "unknown id", method: "GET", path: "/api/v1/verify/" + unknown, status: 404},
		{name: "malformed id", method: "GET", path: "/api/v1/verify/%3Cscript%3E", status: 404, forbid: []string{"script"}},
	})
	// A malformed and an unknown well-formed id answer alike.
	r1, b1 := do(t, e.app, scenario{method: "GET", path: "/api/v1/verify/not-an-id"})
	r2, b2 := do(t, e.app, scenario{method: "GET", path: "/api/v1/verify/" + unknown})
	if r1.StatusCode != r2.StatusCode || requestIDRE.ReplaceAllString(string(b1), "") != requestIDRE.ReplaceAllString(string(b2), "") {
		t.Errorf("a malformed and an unknown id answer differently:\n%d %s\n%d %s", r1.StatusCode, b1, r2.StatusCode, b2)
	}

	// A second completion of the same version issues nothing.
	run(t, e.app, []scenario{{name: "more activity", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: token, body: `{"id":"` + uuid.NewString() + `","type":"viewed"}`, status: 201}})
	if keys := certificateJobKeys(t, e, asa.ID); len(keys) != 1 {
		t.Errorf("certificate jobs after more activity: %v", keys)
	}
	if n := issueAll(t, e); n != 0 {
		t.Errorf("issued %d more", n)
	}

	// Revocation: the status list marks her entry, and verification says revoked.
	run(t, e.app, []scenario{
		{name: "revoke", method: "POST", path: "/api/v1/credentials/" + id + "/revoke", token: admin, body: `{"reason":"Myönnetty väärälle henkilölle."}`, status: 200, want: []string{`"status":"revoked"`, `"revoked_at"`}},
		{name: "revoke again", method: "POST", path: "/api/v1/credentials/" + id + "/revoke", token: admin, body: `{"reason":"again"}`, status: 200},
		{name: "verify revoked", method: "GET", path: "/api/v1/verify/" + id, status: 200, want: []string{`"status":"revoked"`, `"revoked_at"`}},
		{name: "listed as revoked", method: "GET", path: "/api/v1/me/credentials", token: token, status: 200, want: []string{`"revoked":true`}},
	})
	status := m["credentialStatus"].(map[string]any)
	listURL := status["statusListCredential"].(string)
	resp, body = do(t, e.app, scenario{method: "GET", path: strings.TrimPrefix(listURL, testIssuer)})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vc+jwt" {
		t.Fatalf("status list: %d %s", resp.StatusCode, body)
	}
	lp, err := joseVerify(string(body), jwks)
	if err != nil {
		t.Fatalf("go-jose does not verify the status list: %v", err)
	}
	slc, err := credential.ParseStatusListCredential(lp)
	if err != nil {
		t.Fatal(err)
	}
	list, err := slc.List()
	if err != nil {
		t.Fatal(err)
	}
	idx, _ := strconv.Atoi(status["statusListIndex"].(string))
	if revoked, err := list.Revoked(idx); err != nil || !revoked {
		t.Errorf("entry %d of the status list: revoked %v, %v", idx, revoked, err)
	}
	_, err = credential.Verify(cr.JWT, jwks, func(url string) (*credential.StatusList, error) {
		if url != listURL {
			return nil, errors.New("unexpected list")
		}
		return list, nil
	})
	if !errors.Is(err, credential.ErrRevoked) {
		t.Errorf("a revoked credential verifies with %v", err)
	}

	// A new version, completed later, issues a new certificate.
	publishWithAchievement(t, e, "Kokeilukurssi, uusittu")
	run(t, e.app, []scenario{{name: "activity in the new version", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: token, body: `{"type":"viewed"}`, status: 201}})
	want := []string{"certificate:" + asa.ID + ":kokeilu:1", "certificate:" + asa.ID + ":kokeilu:2"}
	if keys := certificateJobKeys(t, e, asa.ID); !slices.Equal(keys, want) {
		t.Fatalf("certificate jobs %v, want %v", keys, want)
	}
	if n := issueAll(t, e); n != 1 {
		t.Errorf("issued %d for the new version, want 1", n)
	}
	creds = myCredentials(t, e, token)
	if len(creds) != 2 || creds[0].Version+creds[1].Version != 3 || creds[0].ID == creds[1].ID {
		t.Errorf("her credentials after the new version: %+v", creds)
	}
	// Each got its completion e-mail, once, in Finnish.
	mails := e.outboxTo(t, "asa.ahtari@example.fi")
	if len(mails) != 2 || !strings.Contains(mails[0].Email.Subject, "Kurssi suoritettu") || !strings.Contains(mails[0].Email.Text, testIssuer+"/certificates") {
		t.Errorf("completion e-mails: %+v", mails)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatal("unreachable")
	}
}
