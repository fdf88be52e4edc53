package httpapi_test

import (
	"bytes"
	"mime/multipart"
	"testing"
	"time"
)

// TestAFinnishAccountGetsFinnishMessages: problem details and field messages are in the
// account's language, whatever Accept-Language says (issue 16, finding 5).
func TestAFinnishAccountGetsFinnishMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustSpeak(t, "learner", "fi")
	learner := e.token(t, "learner")
	run(t, e.app, []scenario{
		{name: "field errors and the detail in Finnish", method: "PATCH", path: "/api/v1/me", token: learner, body: `{"locale":"de"}`,
			headers: map[string]string{"Accept-Language": "en"}, status: 422,
			want:   []string{`"detail":"pyynnössä on virheellisiä kenttiä"`, `"field":"locale"`, "on oltava jokin seuraavista: fi, sv, en"},
			forbid: []string{"invalid fields", "must be"}},
		{name: "a not-found detail in Finnish", method: "GET", path: "/api/v1/courses/ei-ole", token: learner, status: 404,
			want: []string{"kurssia ei löydy"}, forbid: []string{"not found"}},
		{name: "a value in a Finnish sentence", method: "GET", path: "/api/v1/courses?limit=500", token: learner, status: 422,
			want: []string{"on oltava kokonaisluku 1–200"}},
	})
	run(t, e.app, []scenario{
		{name: "she switches to Swedish", method: "PATCH", path: "/api/v1/me", token: learner, body: `{"locale":"sv"}`, status: 200},
		{name: "and is answered in Swedish at once", method: "GET", path: "/api/v1/courses/ei-ole", token: learner, status: 404, want: []string{"kursen hittades inte"}},
	})
}

// TestSignInErrorsFollowAcceptLanguage: without an account to go by, the sign-in and reset
// answers are in the language of Accept-Language, else Finnish (issue 16, finding 5).
func TestSignInErrorsFollowAcceptLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wrong := `{"email":"learner@example.fi","password":"ei-tämä-salasana"}`
	run(t, e.app, []scenario{
		{name: "Swedish", method: "POST", path: "/api/v1/auth/login", body: wrong, headers: map[string]string{"Accept-Language": "sv-FI,sv;q=0.9"}, status: 401,
			want: []string{"fel e-postadress eller lösenord"}},
		{name: "Swedish field messages", method: "POST", path: "/api/v1/auth/login", body: `{}`, headers: map[string]string{"Accept-Language": "sv"}, status: 422,
			want: []string{`"field":"email","message":"krävs"`}},
		{name: "English", method: "POST", path: "/api/v1/auth/login", body: wrong, headers: map[string]string{"Accept-Language": "en"}, status: 401,
			want: []string{"invalid email or password"}},
		{name: "Finnish without a header", method: "POST", path: "/api/v1/auth/login", body: wrong, headers: map[string]string{"Accept-Language": ""}, status: 401,
			want: []string{"väärä sähköpostiosoite tai salasana"}},
		{name: "a malformed body in Swedish", method: "POST", path: "/api/v1/auth/password-reset", body: `{"email":`, headers: map[string]string{"Accept-Language": "sv"}, status: 400,
			want: []string{"felaktig JSON"}},
	})
}

// TestALockReasonIsInHerLanguage: the 409 for a locked lesson gives the lock's reason in the
// learner's language, not the English one (issue 16, finding 5).
func TestALockReasonIsInHerLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	e.mustSpeak(t, "learner", "fi")
	learner := e.token(t, "learner")
	run(t, e.app, []scenario{
		{name: "Finnish", method: "POST", path: "/api/v1/courses/kokeilu/lessons/visa/events", token: learner, body: `{"type":"viewed"}`,
			headers: map[string]string{"Accept-Language": "en"}, status: 409,
			want: []string{"oppitunti on lukittu: Suorita ensin oppitunti"}, forbid: []string{"Complete the lesson"}},
	})
}

// TestEnrolmentResultsSpeakTheTrainersLanguage: the reasons a trainer reads in enrolment
// results, upload refusals and course problems are in her language, while the per-row status
// stays machine-readable (issue 16, finding 5).
func TestEnrolmentResultsSpeakTheTrainersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(time.Now()) // S3 checks the presigned form's expiry against its own clock
	e.publishFixture(t)
	trainer := e.token(t, "trainer")
	id := e.createCohort(t, trainer, `{"course":"kokeilu","name":"Kieli"}`)
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	fw, _ := w.CreateFormFile("file", "osallistujat.csv")
	_, _ = fw.Write([]byte("email;name;org_unit\nlearner@example.fi;Liisa;Joensuu\n\"rikki@example.fi;Rikki;Lieksa\nei-osoite;Eino;Lieksa\n"))
	_ = w.Close()
	svg := uploadToS3(t, e, trainer, "kuva.svg", "image/svg+xml",
		[]byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script></svg>`))
	if resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/courses", token: trainer, body: `{"slug":"kielet","title":{"fi":"Kielet"}}`}); resp.StatusCode != 201 {
		t.Fatalf("create a course: %d %s", resp.StatusCode, body)
	}
	e.mustSpeak(t, "trainer", "fi")
	run(t, e.app, []scenario{
		{name: "a Finnish trainer's CSV upload with bad rows", method: "POST", path: "/api/v1/cohorts/" + id + "/members", token: trainer,
			body: form.String(), headers: map[string]string{"Content-Type": w.FormDataContentType()}, status: 200,
			want: []string{`"email":"learner@example.fi","status":"enrolled"`,
				`"email":"rikki@example.fi","status":"invalid","reason":"rivi 3 ei ole kelvollista CSV:tä (tarkista lainausmerkit)"`,
				`"email":"ei-osoite","status":"invalid","reason":"ei ole sähköposti`},
			forbid: []string{"not valid CSV", "not an e-mail address"}},
		{name: "her course's problems in Finnish", method: "POST", path: "/api/v1/courses/kielet/publish", token: trainer, status: 422,
			want: []string{`"field":"modules","message":"kurssilla on oltava vähintään yksi moduuli"`}, forbid: []string{"needs at least one module"}},
	})
	e.mustSpeak(t, "trainer", "sv")
	run(t, e.app, []scenario{
		{name: "an SVG refusal in Swedish", method: "POST", path: "/api/v1/media/uploads/" + svg + "/complete", token: trainer, status: 422,
			want: []string{`SVG-bilden innehåller ett \u003cscript\u003e-element`}, forbid: []string{"contains a"}},
	})
}

// TestDraftProblemsSpeakTheTrainersLanguage: the problems listed with a draft are in the
// trainer's language, like every other message (issue 16, finding 5).
func TestDraftProblemsSpeakTheTrainersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.mustSpeak(t, "trainer", "fi")
	trainer := e.token(t, "trainer")
	run(t, e.app, []scenario{
		{name: "a new, empty draft lists its problems in Finnish", method: "POST", path: "/api/v1/courses", token: trainer,
			body: `{"slug":"tyhja-kurssi","title":{"fi":"Tyhjä kurssi"}}`, status: 201,
			want: []string{"kurssilla on oltava vähintään yksi moduuli"}, forbid: []string{"at least one module"}},
		{name: "and so does reading it", method: "GET", path: "/api/v1/courses/tyhja-kurssi/draft", token: trainer, status: 200,
			want: []string{"kurssilla on oltava vähintään yksi moduuli"}},
	})
}
