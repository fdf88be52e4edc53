package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/taito-lms/taito/internal/auth"
)

// Issue 16, finding 8: invitations and reminders.

// invitedMember makes a cohort run by the trainer with an invited newcomer who has not
// activated her account, and returns the cohort's id and the newcomer's id.
func invitedMember(t *testing.T, e *env) (cohortID, userID string) {
	t.Helper()
	e.publishFixture(t)
	trainer := e.token(t, "trainer")
	cohortID = e.mustCreate(t, scenario{method: "POST", path: "/api/v1/cohorts", token: trainer, body: `{"course":"kokeilu","name":"Kutsut"}`})
	resp, out := do(t, e.app, scenario{method: "POST", path: "/api/v1/cohorts/" + cohortID + "/members", token: trainer, body: `{"emails":["uusi.tulokas@example.fi","learner@example.fi"]}`})
	var res struct {
		Results []struct {
			Email  string `json:"email"`
			UserID string `json:"user_id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out, &res); err != nil || resp.StatusCode >= 300 {
		t.Fatalf("members: %d %s", resp.StatusCode, out)
	}
	for _, r := range res.Results {
		if r.Email == "uusi.tulokas@example.fi" {
			userID = r.UserID
		}
	}
	if userID == "" {
		t.Fatalf("no newcomer in %s", out)
	}
	return cohortID, userID
}

// invitationLinks are the tokens of the invitation links e-mailed to an address.
func (e *env) invitationLinks(t *testing.T, to string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, j := range e.outboxTo(t, to) {
		if strings.Contains(j.Email.Text, "/invitation?token=") {
			out[linkToken(t, j.Email.Text)] = true
		}
	}
	return out
}

// newLink is the one link of now that was not in before.
func newLink(t *testing.T, before, now map[string]bool) string {
	t.Helper()
	var fresh []string
	for l := range now {
		if !before[l] {
			fresh = append(fresh, l)
		}
	}
	if len(fresh) != 1 {
		t.Fatalf("want one new invitation link, got %d", len(fresh))
	}
	return fresh[0]
}

// TestInvitationTextFollowsTheRole: a trainer (and an admin) is invited to run groups and
// publish courses, a learner to study, in the invitee's language.
func TestInvitationTextFollowsTheRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.token(t, "admin")
	for _, tc := range []struct {
		name, roles, locale, want, forbid string
	}{
		{"a trainer in Finnish", `["trainer"]`, "fi", "kouluttajan käyttäjätili", "Siellä voit opiskella"},
		{"an admin in Swedish", `["admin"]`, "sv", "ett utbildarkonto", "gå webbkurser"},
		{"a trainer in English", `["learner","trainer"]`, "en", "a trainer account", "at your own pace"},
		{"a learner in Finnish", `["learner"]`, "fi", "Siellä voit opiskella", "kouluttajan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			to := strings.ToLower(strings.ReplaceAll(tc.name, " ", ".")) + "@example.fi"
			run(t, e.app, []scenario{{name: "invite", method: "POST", path: "/api/v1/users", token: admin, status: 201,
				body: `{"email":"` + to + `","name":"Uusi","roles":` + tc.roles + `,"locale":"` + tc.locale + `"}`}})
			mails := e.outboxTo(t, to)
			if len(mails) != 1 || !strings.Contains(mails[0].Email.Text, tc.want) || strings.Contains(mails[0].Email.Text, tc.forbid) {
				t.Fatalf("invitation should say %q and not %q: %+v", tc.want, tc.forbid, mails)
			}
		})
	}
}

// TestResendInvitationEndsTheOldLink: admins and the trainer of the person's cohort re-send an
// invitation; the new link works and the old one does not; other trainers do not see the
// person, learners may not, and an active account has nothing to activate.
func TestResendInvitationEndsTheOldLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, newcomer := invitedMember(t, e)
	const to = "uusi.tulokas@example.fi"
	first := e.invitationLinks(t, to)
	if len(first) != 1 {
		t.Fatalf("the newcomer should have one invitation, has %d", len(first))
	}
	path := "/api/v1/users/" + newcomer + "/invitation"
	trainer, admin := e.token(t, "trainer"), e.token(t, "admin")
	run(t, e.app, []scenario{
		{name: "another trainer", method: "POST", path: path, token: e.tokenOfNewTrainer(t), status: 404},
		{name: "a learner", method: "POST", path: path, token: e.token(t, "learner"), status: 403},
		{name: "without a token", method: "POST", path: path, status: 401},
		{name: "someone outside the trainer's cohorts", method: "POST", path: "/api/v1/users/" + e.users["learner2"].ID + "/invitation", token: trainer, status: 404},
		{name: "an unknown id", method: "POST", path: "/api/v1/users/no-such-user/invitation", token: admin, status: 404},
		{name: "an active account", method: "POST", path: "/api/v1/users/" + e.users["learner"].ID + "/invitation", token: admin, status: 409},
		{name: "the trainer of her cohort", method: "POST", path: path, token: trainer, status: 202, want: []string{`"expires_at"`}},
	})
	second := e.invitationLinks(t, to)
	trainers := newLink(t, first, second)
	run(t, e.app, []scenario{
		{name: "an admin re-sends too", method: "POST", path: path, token: admin, status: 202},
	})
	admins := newLink(t, second, e.invitationLinks(t, to))
	accept := func(token string) string {
		return jsonBody(map[string]string{"token": token, "password": "Pitkä salasana 2026"})
	}
	var old string
	for l := range first {
		old = l
	}
	run(t, e.app, []scenario{
		{name: "the first link has ended", method: "POST", path: "/api/v1/auth/invitations/accept", body: accept(old), status: 401},
		{name: "the trainer's link has ended too", method: "POST", path: "/api/v1/auth/invitations/accept", body: accept(trainers), status: 401},
		{name: "the newest link works", method: "POST", path: "/api/v1/auth/invitations/accept", body: accept(admins), status: 200},
		{name: "once active, nothing to re-send", method: "POST", path: path, token: trainer, status: 409},
	})
}

// TestReminderToAPendingAccountCarriesAFreshInvitation: someone who never activated her
// account is reminded with a link that lets her in, not a link to the front page.
func TestReminderToAPendingAccountCarriesAFreshInvitation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id, _ := invitedMember(t, e)
	run(t, e.app, []scenario{{name: "remind everyone", method: "POST", path: "/api/v1/cohorts/" + id + "/reminders", token: e.token(t, "trainer"), body: `{"audience":"all"}`, status: 202, want: []string{`"queued":2`}}})
	var reminder string
	for _, j := range e.outboxTo(t, "uusi.tulokas@example.fi") {
		if strings.HasPrefix(j.Email.Subject, "Muistutus") {
			reminder = j.Email.Text
		}
	}
	if !strings.Contains(reminder, testIssuer+"/invitation?token=") || !strings.Contains(reminder, "Ota tili käyttöön") {
		t.Fatalf("the reminder should carry an invitation link:\n%s", reminder)
	}
	for _, j := range e.outboxTo(t, "learner@example.fi") {
		if strings.Contains(j.Email.Text, "/invitation?token=") {
			t.Errorf("an active account was sent an invitation link:\n%s", j.Email.Text)
		}
	}
	run(t, e.app, []scenario{{name: "the reminder's link activates the account", method: "POST", path: "/api/v1/auth/invitations/accept",
		body: jsonBody(map[string]string{"token": linkToken(t, reminder), "password": "Pitkä salasana 2026"}), status: 200, want: []string{"access_token"}}})
}

// TestRemindersSpeakTheLearnersLanguage: every text of a reminder is in the learner's language —
// the system's words, the course title where the course has it, and the trainer's own message
// given per language (Finnish required, the others falling back to it).
func TestRemindersSpeakTheLearnersLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id, _ := invitedMember(t, e)
	trainer := e.token(t, "trainer")
	if _, _, err := e.a.AddUser(context.Background(), auth.NewUser{Email: "english@example.fi", Name: "Emma", Roles: []auth.Role{auth.RoleLearner}, Locale: "en", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	do(t, e.app, scenario{method: "POST", path: "/api/v1/cohorts/" + id + "/members", token: trainer, body: `{"emails":["learner2@example.fi","english@example.fi"]}`})
	do(t, e.app, scenario{method: "PATCH", path: "/api/v1/me", token: e.token(t, "learner2"), body: `{"locale":"sv"}`})
	e.mustSpeak(t, "learner", "fi")
	path := "/api/v1/cohorts/" + id + "/reminders"
	run(t, e.app, []scenario{
		{name: "a message without Finnish", method: "POST", path: path, token: trainer, body: `{"audience":"all","message":{"sv":"Bara svenska"}}`, status: 422, want: []string{`"field":"message.fi"`}},
		{name: "a language Taito does not speak", method: "POST", path: path, token: trainer, body: `{"audience":"all","message":{"fi":"Moi","de":"Hallo"}}`, status: 422, want: []string{`"field":"message.de"`}},
		{name: "neither text nor languages", method: "POST", path: path, token: trainer, body: `{"audience":"all","message":["Moi"]}`, status: 422, want: []string{`"field":"message"`}},
		{name: "per language", method: "POST", path: path, token: trainer, body: `{"audience":"all","message":{"fi":"Muistakaa moduuli 1.","sv":"Kom ihåg modul 1."}}`, status: 202},
	})
	for _, tc := range []struct {
		to           string
		want, forbid []string
	}{
		{"learner@example.fi", []string{"Muistutus: Kokeilukurssi", "Hei Learner", "Muistakaa moduuli 1.", "Jatka kurssia"}, []string{"Kom ihåg"}},
		{"learner2@example.fi", []string{"Påminnelse: Kokeilukurssi", "Hej Learner2", "Kom ihåg modul 1.", "Fortsätt kursen"}, []string{"Muistakaa", "Jatka"}},
		{"english@example.fi", []string{"Reminder: Trial course", "Hello Emma", "Muistakaa moduuli 1.", "Continue the course"}, []string{"Kokeilukurssi", "Muistutus"}},
	} {
		t.Run(tc.to, func(t *testing.T) {
			var msg string
			for _, j := range e.outboxTo(t, tc.to) {
				if !strings.Contains(j.Email.Text, "/invitation?token=") {
					msg = j.Email.Subject + "\n" + j.Email.Text
				}
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("lacks %q:\n%s", w, msg)
				}
			}
			for _, f := range tc.forbid {
				if strings.Contains(msg, f) {
					t.Errorf("has %q:\n%s", f, msg)
				}
			}
		})
	}
}

// TestEmailAddressesAsPeopleWriteThem (issue 16, finding 10): an address needs a domain with a
// dot; internationalised addresses are accepted and stored in lower case as written; the
// message names the field.
func TestEmailAddressesAsPeopleWriteThem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.token(t, "admin")
	user := func(email string) string {
		return `{"email":"` + email + `","name":"Uusi","roles":["learner"]}`
	}
	run(t, e.app, []scenario{
		{name: "no top-level domain", method: "POST", path: "/api/v1/users", token: admin, body: user("name@example"), status: 422, want: []string{`"field":"email"`, "with a domain, such as name@example.fi"}},
		{name: "an empty label", method: "POST", path: "/api/v1/users", token: admin, body: user("name@example..fi"), status: 422, want: []string{`"field":"email"`}},
		{name: "a hyphen at the end of a label", method: "POST", path: "/api/v1/users", token: admin, body: user("name@example-.fi"), status: 422},
		{name: "a numeric top-level domain", method: "POST", path: "/api/v1/users", token: admin, body: user("name@10.0.0.1"), status: 422},
		{name: "Finnish letters", method: "POST", path: "/api/v1/users", token: admin, body: user("käyttäjä@esimerkki.fi"), status: 201, want: []string{`"email":"käyttäjä@esimerkki.fi"`}},
		{name: "an internationalised domain, lower-cased", method: "POST", path: "/api/v1/users", token: admin, body: user("X@Bücher.Example"), status: 201, want: []string{`"email":"x@bücher.example"`}},
		{name: "a subdomain", method: "POST", path: "/api/v1/users", token: admin, body: user("etu.suku@kunta.example.fi"), status: 201},
	})
	trainer := e.token(t, "trainer")
	e.publishFixture(t)
	id := e.mustCreate(t, scenario{method: "POST", path: "/api/v1/cohorts", token: trainer, body: `{"course":"kokeilu","name":"Osoitteet"}`})
	run(t, e.app, []scenario{{name: "an enrolment row without a domain", method: "POST", path: "/api/v1/cohorts/" + id + "/members", token: trainer,
		body: `{"emails":["name@example","äiti@esimerkki.fi"]}`, status: 200, want: []string{`"status":"invalid"`, `"email":"äiti@esimerkki.fi"`}}})
}
