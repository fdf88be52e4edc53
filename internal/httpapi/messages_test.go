package httpapi_test

import (
	"testing"
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
