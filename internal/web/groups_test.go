package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/testenv"
)

// postMultipart sends a form with one file as a browser does (multipart/form-data), with the
// CSRF token of the last page.
func (b *browser) postMultipart(path string, fields url.Values, file, name string, content []byte) response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if _, ok := fields["csrf"]; !ok {
		_ = mw.WriteField("csrf", b.csrf)
	}
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	if file != "" {
		fw, err := mw.CreateFormFile(file, name)
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", testenv.Issuer)
	return b.do(req)
}

// groupSay fails unless the page says every one of words.
func groupSay(t *testing.T, what string, r response, words ...string) {
	t.Helper()
	page := r.body
	if r.doc != nil {
		page = text(r.doc)
	}
	for _, w := range words {
		if !strings.Contains(page, w) {
			t.Errorf("%s: the page does not say %q\n%s", what, w, page)
		}
	}
}

func groupStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, want, r.body)
	}
}

// inputValue is the value of the input with id.
func inputValue(r response, id string) string {
	if n := find(r.doc, byID(id)); len(n) == 1 {
		return attr(n[0], "value")
	}
	return "(no such input)"
}

// summaryLinks are the targets of the error summary's links.
func summaryLinks(r response) []string {
	var out []string
	for _, s := range find(r.doc, byID("error-summary")) {
		for _, a := range find(s, byTag("a")) {
			out = append(out, attr(a, "href"))
		}
	}
	return out
}

// newGroupForm is a valid form of the fixture course's group.
func newGroupForm() url.Values {
	return url.Values{"course": {"kokeilu"}, "name": {"Joensuu kevät"}, "opens-0": {"2026-02-02"}, "due-0": {"2026-02-09"},
		"opens-1": {"2026-02-09"}, "due-1": {"2026-02-16"}, "reminders": {"on"}, "reminder_days": {"3"}, "join_code": {"on"}}
}

// groupEnv is the web app with the fixture course published and the trainer's group created
// through the form; it returns the trainer's browser and the group's id.
func groupEnv(t *testing.T) (*env, *browser, string) {
	t.Helper()
	e := newEnv(t)
	testenv.PublishFixture(t, e.a)
	b := e.signedIn(t, "trainer")
	b.get("/groups/new")
	r := b.post("/groups/new", newGroupForm())
	groupStatus(t, "create", r, http.StatusSeeOther)
	id := strings.TrimSuffix(strings.TrimPrefix(r.location, "/groups/"), "/participants")
	return e, b, id
}

func TestGroupCreateAndSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	testenv.PublishFixture(t, e.a)
	b := e.signedIn(t, "trainer")

	r := b.get("/groups")
	groupStatus(t, "no groups", r, http.StatusOK)
	mustBeWellFormed(t, "no groups", r)

	// The form has the defaults a week apart from today (2.2.2026).
	r = b.get("/groups/new")
	groupStatus(t, "new", r, http.StatusOK)
	mustBeWellFormed(t, "new", r)
	for id, want := range map[string]string{"f-opens-0": "2026-02-02", "f-due-0": "2026-02-09", "f-opens-1": "2026-02-09", "f-due-1": "2026-02-16"} {
		if got := inputValue(r, id); got != want {
			t.Errorf("new: %s = %q, want %q", id, got, want)
		}
	}

	// A date that is no date, and an empty name: the errors, the values kept.
	bad := newGroupForm()
	bad.Set("name", "")
	bad.Set("due-1", "16.2.")
	r = b.post("/groups/new", bad)
	groupStatus(t, "bad date", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "bad date", r)
	if got := summaryLinks(r); !slices.Equal(got, []string{"#f-due-1"}) {
		t.Errorf("bad date: summary links %v", got)
	}
	if got := inputValue(r, "f-due-1"); got != "16.2." {
		t.Errorf("bad date: due-1 kept as %q", got)
	}
	// The application's own errors (a name, a due date before opening) go to their fields.
	bad.Set("due-1", "2026-02-01")
	r = b.post("/groups/new", bad)
	groupStatus(t, "due before opening", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "due before opening", r)
	if got := summaryLinks(r); !slices.Equal(got, []string{"#f-name", "#f-due-1"}) {
		t.Errorf("due before opening: summary links %v", got)
	}
	if got := inputValue(r, "f-opens-1"); got != "2026-02-09" {
		t.Errorf("due before opening: opens-1 kept as %q", got)
	}

	r = b.post("/groups/new", newGroupForm())
	groupStatus(t, "create", r, http.StatusSeeOther)
	id := strings.TrimSuffix(strings.TrimPrefix(r.location, "/groups/"), "/participants")
	co, err := e.a.Cohorts.Get(context.Background(), e.principalOf("trainer"), id)
	if err != nil {
		t.Fatal(err)
	}
	if co.Name != "Joensuu kevät" || co.AutoReminderDays != 3 || co.JoinCode == "" || len(co.Schedule) != 2 || co.StartsOn == nil {
		t.Errorf("created %+v", co)
	}
	if got := co.Schedule[1].Due.UTC().Format("2006-01-02 15:04"); got != "2026-02-16 21:59" {
		t.Errorf("due of module 2 is %s UTC, want the end of 16.2. in Helsinki", got)
	}
	r = b.get(r.location)
	groupSay(t, "after create", r, "Ryhmä on perustettu")

	r = b.get("/groups")
	mustBeWellFormed(t, "groups", r)
	groupSay(t, "groups", r, "Joensuu kevät", "0/0 suorittanut", "Käynnissä")

	// Settings: the dates as they are; a change is saved.
	r = b.get("/groups/" + id + "/settings")
	groupStatus(t, "settings", r, http.StatusOK)
	mustBeWellFormed(t, "settings", r)
	if got := inputValue(r, "f-due-1"); got != "2026-02-16" {
		t.Errorf("settings: due-1 = %q", got)
	}
	if got := inputValue(r, "f-reminder_days"); got != "3" {
		t.Errorf("settings: reminder days = %q", got)
	}
	form := newGroupForm()
	form.Del("course")
	form.Del("reminders")
	form.Set("due-1", "2026-02-23")
	r = b.post("/groups/"+id+"/settings", form)
	groupStatus(t, "save settings", r, http.StatusSeeOther)
	co, _ = e.a.Cohorts.Get(context.Background(), e.principalOf("trainer"), id)
	if got := co.Schedule[1].Due.UTC().Format("2006-01-02"); got != "2026-02-23" || co.AutoReminderDays != 0 {
		t.Errorf("after saving: due %s, reminder days %d", got, co.AutoReminderDays)
	}
	// Invalid dates: the summary, the values kept.
	form.Set("opens-1", "2026-03-01")
	r = b.post("/groups/"+id+"/settings", form)
	groupStatus(t, "bad settings", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "bad settings", r)
	if got := summaryLinks(r); !slices.Equal(got, []string{"#f-due-1"}) {
		t.Errorf("bad settings: summary links %v", got)
	}
	if got := inputValue(r, "f-opens-1"); got != "2026-03-01" {
		t.Errorf("bad settings: opens-1 kept as %q", got)
	}
	r = b.post("/groups/"+id+"/settings", url.Values{"name": {"x"}, "reminders": {"on"}, "reminder_days": {"99"}})
	groupStatus(t, "too many days", r, http.StatusUnprocessableEntity)
	if got := summaryLinks(r); !slices.Equal(got, []string{"#f-reminder_days"}) {
		t.Errorf("too many days: summary links %v", got)
	}

	// Closing asks first.
	r = b.post("/groups/"+id+"/close", nil)
	groupStatus(t, "close", r, http.StatusOK)
	mustBeWellFormed(t, "close", r)
	groupSay(t, "close", r, "Haluatko varmasti päättää ryhmän Joensuu kevät?")
	if co, _ = e.a.Cohorts.Get(context.Background(), e.principalOf("trainer"), id); co.Status == cohort.StatusClosed {
		t.Fatal("closed without confirmation")
	}
	r = b.post("/groups/"+id+"/close", url.Values{"confirm": {"yes"}})
	groupStatus(t, "close confirmed", r, http.StatusSeeOther)
	if co, _ = e.a.Cohorts.Get(context.Background(), e.principalOf("trainer"), id); co.Status != cohort.StatusClosed {
		t.Fatalf("status %s after closing", co.Status)
	}
	r = b.get("/groups/" + id + "/settings")
	mustBeWellFormed(t, "closed settings", r)
	groupSay(t, "closed settings", r, "Ryhmä on päättynyt")
	mustBeWellFormed(t, "closed reminders", b.get("/groups/"+id+"/reminders"))
}

func (e *env) principalOf(who string) auth.Principal {
	u := e.users[who]
	return auth.Principal{UserID: u.ID, Roles: u.Roles}
}

// resultRows are the result table's rows: e-mail and result.
func resultRows(r response) [][2]string {
	var out [][2]string
	for _, tr := range find(r.doc, func(n *html.Node) bool { return n.Data == "tr" && strings.HasPrefix(attr(n, "class"), "result-") }) {
		tds := find(tr, byTag("td"))
		out = append(out, [2]string{text(tds[0]), strings.TrimPrefix(attr(tr, "class"), "result-")})
	}
	return out
}

func TestGroupParticipants(t *testing.T) {
	t.Parallel()
	e, b, id := groupEnv(t)
	path := "/groups/" + id + "/participants"
	r := b.get(path)
	groupStatus(t, "participants", r, http.StatusOK)
	mustBeWellFormed(t, "participants", r)

	// Pasted: a line of two addresses, a bad one, a line with a name and an org unit.
	r = b.post(path, url.Values{"emails": {"learner@example.fi, uusi@example.fi\nei-osoite\nkolmas@example.fi;Kolmas Henkilö;Lieksa / kotihoito"}})
	groupStatus(t, "paste", r, http.StatusOK)
	mustBeWellFormed(t, "paste", r)
	want := [][2]string{{"learner@example.fi", "enrolled"}, {"uusi@example.fi", "invited"}, {"ei-osoite", "invalid"}, {"kolmas@example.fi", "invited"}}
	if got := resultRows(r); !slices.Equal(got, want) {
		t.Errorf("paste: results %v, want %v", got, want)
	}
	groupSay(t, "paste", r, "Lisätty 1, kutsuttu 2, jo ryhmässä 0, toisessa ryhmässä 0, virheellisiä 1.", "Kolmas Henkilö", "Lieksa / kotihoito",
		"Kutsuttu, ei vielä ottanut tunnusta käyttöön")
	members, _ := e.a.Cohorts.Members(context.Background(), id)
	if len(members) != 3 {
		t.Errorf("%d members after pasting, want 3", len(members))
	}

	// The result table as a CSV file: the rows the page sent back.
	form := url.Values{}
	for _, in := range find(r.doc, func(n *html.Node) bool { return n.Data == "input" && strings.HasPrefix(attr(n, "name"), "r_") }) {
		form.Add(attr(in, "name"), attr(in, "value"))
	}
	csvRes := b.post(path+"/result.csv", form)
	groupStatus(t, "result csv", csvRes, http.StatusOK)
	if ct := csvRes.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("result csv: content type %q", ct)
	}
	if cd := csvRes.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="osallistujat-joensuu-kevat.csv"`) {
		t.Errorf("result csv: disposition %q", cd)
	}
	if !strings.HasPrefix(csvRes.body, "\ufeffSähköpostiosoite;Tulos;Syy\n") || !strings.Contains(csvRes.body, "uusi@example.fi;Kutsuttu ja lisätty;\n") ||
		!strings.Contains(csvRes.body, "ei-osoite;Ei lisätty;") {
		t.Errorf("result csv:\n%s", csvRes.body)
	}
	form.Del("csrf")
	groupStatus(t, "result csv without token", b.postRaw(path+"/result.csv", form), http.StatusForbidden)

	// A CSV file with bad rows: the good rows are enrolled, the bad ones listed with reasons.
	file := "email;name;org_unit\nlearner2@example.fi;Learner2;Lieksa\nhuono\n\"rikki@example.fi;x\nneljas@example.fi;Neljäs;Outokumpu\n"
	r = b.postMultipart(path, nil, "file", "osallistujat.csv", []byte("\ufeff"+file))
	groupStatus(t, "upload", r, http.StatusOK)
	mustBeWellFormed(t, "upload", r)
	want = [][2]string{{"learner2@example.fi", "enrolled"}, {"huono", "invalid"}, {"rikki@example.fi", "invalid"}, {"neljas@example.fi", "invited"}}
	if got := resultRows(r); !slices.Equal(got, want) {
		t.Errorf("upload: results %v, want %v", got, want)
	}
	groupSay(t, "upload", r, "Neljäs", "Outokumpu")
	if !strings.Contains(r.body, "4") || !strings.Contains(text(r.doc), "CSV") {
		t.Errorf("upload: the broken line's reason is not said")
	}
	// No file, a file too large, and a file that is no UTF-8: the error beside the file input.
	r = b.postMultipart(path, nil, "", "", nil)
	groupStatus(t, "no file", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "no file", r)
	r = b.postMultipart(path, nil, "file", "iso.csv", bytes.Repeat([]byte("a@example.fi\n"), 73_000))
	groupStatus(t, "too large", r, http.StatusUnprocessableEntity)
	groupSay(t, "too large", r, "Tiedosto on liian suuri")
	r = b.postMultipart(path, nil, "file", "latin1.csv", []byte("\xe4iti@example.fi\n"))
	groupStatus(t, "not utf-8", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "not utf-8", r)
	if got := summaryLinks(r); !slices.Equal(got, []string{"#f-file"}) {
		t.Errorf("not utf-8: summary links %v", got)
	}
	r = b.post(path, url.Values{"emails": {"  "}})
	groupStatus(t, "nothing pasted", r, http.StatusUnprocessableEntity)
	if got := summaryLinks(r); !slices.Equal(got, []string{"#f-emails"}) {
		t.Errorf("nothing pasted: summary links %v", got)
	}

	// Re-sending an invitation to one who has not activated her account.
	uusi, err := e.a.Auth.UserByEmail(context.Background(), "uusi@example.fi")
	if err != nil {
		t.Fatal(err)
	}
	b.get(path)
	r = b.post(path+"/"+uusi.ID+"/invitation", nil)
	groupStatus(t, "resend", r, http.StatusSeeOther)
	groupSay(t, "resent", b.get(r.location), "Uusi kutsu on lähetetty")
	r = b.post(path+"/"+e.users["learner"].ID+"/invitation", nil)
	groupStatus(t, "resend to an active account", r, http.StatusSeeOther)
	groupSay(t, "resend to an active account", b.get(r.location), "on jo ottanut tunnuksensa käyttöön")

	// Removing asks first.
	r = b.post(path+"/"+uusi.ID+"/remove", nil)
	groupStatus(t, "remove", r, http.StatusOK)
	mustBeWellFormed(t, "remove", r)
	if ok, _ := e.a.Cohorts.IsMember(context.Background(), uusi.ID, id); !ok {
		t.Fatal("removed without confirmation")
	}
	r = b.post(path+"/"+uusi.ID+"/remove", url.Values{"confirm": {"yes"}})
	groupStatus(t, "remove confirmed", r, http.StatusSeeOther)
	if ok, _ := e.a.Cohorts.IsMember(context.Background(), uusi.ID, id); ok {
		t.Fatal("still a member")
	}
	groupStatus(t, "remove again", b.post(path+"/"+uusi.ID+"/remove", nil), http.StatusNotFound)
}

func TestGroupAccess(t *testing.T) {
	t.Parallel()
	e, trainer, id := groupEnv(t)
	learnerID := e.users["learner"].ID
	if _, err := e.a.Cohorts.AddMembers(context.Background(), e.principalOf("trainer"), id, []string{"learner@example.fi"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.a.AddUser(context.Background(), auth.NewUser{Email: "toinen@example.fi", Name: "Toinen Kouluttaja", Roles: []auth.Role{auth.RoleTrainer},
		Password: testPassword, Locale: "fi"}); err != nil {
		t.Fatal(err)
	}
	pages := []string{"/groups/" + id + "/settings", "/groups/" + id + "/participants", "/groups/" + id + "/reminders"}
	posts := []string{"/groups/" + id + "/settings", "/groups/" + id + "/close", "/groups/" + id + "/participants", "/groups/" + id + "/participants/result.csv",
		"/groups/" + id + "/participants/" + learnerID + "/remove", "/groups/" + id + "/participants/" + learnerID + "/invitation", "/groups/" + id + "/reminders"}

	other := e.signedIn(t, "toinen")
	r := other.get("/groups")
	mustBeWellFormed(t, "another trainer's groups", r)
	if strings.Contains(r.body, "Joensuu kevät") {
		t.Error("another trainer sees the group")
	}
	for _, p := range pages {
		r := other.get(p)
		groupStatus(t, "another trainer: "+p, r, http.StatusNotFound)
		mustBeWellFormed(t, "another trainer: "+p, r)
	}
	for _, p := range posts {
		groupStatus(t, "another trainer posts "+p, other.post(p, url.Values{"confirm": {"yes"}, "emails": {"x@example.fi"}}), http.StatusNotFound)
	}
	if ok, _ := e.a.Cohorts.IsMember(context.Background(), learnerID, id); !ok {
		t.Fatal("another trainer removed a member")
	}

	learner := e.signedIn(t, "learner")
	for _, p := range append([]string{"/groups", "/groups/new"}, pages...) {
		r := learner.get(p)
		groupStatus(t, "learner: "+p, r, http.StatusForbidden)
		mustBeWellFormed(t, "learner: "+p, r)
	}
	groupStatus(t, "learner posts", learner.post("/groups/new", newGroupForm()), http.StatusForbidden)

	anon := e.browser(t)
	for _, p := range append([]string{"/groups", "/groups/new"}, pages...) {
		r := anon.get(p)
		if r.status != http.StatusSeeOther || r.location != "/sign-in?next="+url.QueryEscape(p) {
			t.Errorf("no session: %s → %d %s", p, r.status, r.location)
		}
	}

	trainer.get("/groups/" + id + "/settings")
	for _, p := range posts {
		groupStatus(t, "no token: "+p, trainer.postRaw(p, url.Values{"confirm": {"yes"}}), http.StatusForbidden)
	}
	groupStatus(t, "no token: new", trainer.postRaw("/groups/new", newGroupForm()), http.StatusForbidden)
	if ok, _ := e.a.Cohorts.IsMember(context.Background(), learnerID, id); !ok {
		t.Fatal("a post without its token removed a member")
	}
	groupStatus(t, "unknown group", trainer.get("/groups/ei-ole/settings"), http.StatusNotFound)
}

func TestGroupReminders(t *testing.T) {
	t.Parallel()
	e, b, id := groupEnv(t)
	ctx := context.Background()
	sv, _, err := e.a.AddUser(ctx, auth.NewUser{Email: "svea@example.fi", Name: "Svea Svensson", Roles: []auth.Role{auth.RoleLearner}, Password: testPassword, Locale: "sv"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.a.Cohorts.AddMembers(ctx, e.principalOf("trainer"), id, []string{"learner@example.fi", "svea@example.fi", "kutsuttu@example.fi"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	path := "/groups/" + id + "/reminders"
	r := b.get(path)
	groupStatus(t, "reminders", r, http.StatusOK)
	mustBeWellFormed(t, "reminders", r)
	groupSay(t, "reminders", r, "Ryhmälle ei ole vielä lähetetty muistutuksia.", "Tarvitsee tukea")

	// Finnish only: the Swedish-speaking recipient gets the Finnish text, and the page says so.
	form := url.Values{"audience": {cohort.AudienceNotStarted}, "message_fi": {"Muistakaa aloittaa!"}, "action": {"preview"}}
	r = b.post(path, form)
	groupStatus(t, "preview", r, http.StatusOK)
	mustBeWellFormed(t, "preview", r)
	groupSay(t, "preview", r, "Muistutus lähtee 3 vastaanottajalle", "Svea Svensson", "Suomeksi: viestiä ei ole kirjoitettu vastaanottajan kielellä (ruotsi)",
		"Vastaanottajan kielellä (suomi)", "Ei vielä ottanut tunnusta käyttöön", "Lähetä muistutus 3 vastaanottajalle")
	var svea *html.Node
	for _, a := range find(r.doc, func(n *html.Node) bool { return n.Data == "article" }) {
		if strings.Contains(text(a), "svea@example.fi") {
			svea = a
		}
	}
	if svea == nil || !strings.Contains(text(svea), "Muistakaa aloittaa!") || len(find(svea, func(n *html.Node) bool { return attr(n, "lang") == "sv" })) != 1 {
		t.Fatalf("preview: Svea's e-mail is not in Swedish with the Finnish text")
	}
	if strings.Contains(r.body, "unsubscribe?token=") || strings.Contains(r.body, "invitation?token=") {
		t.Error("the preview shows someone's own link")
	}
	if jobs := reminderJobs(t, e, id); len(jobs) != 0 {
		t.Fatalf("the preview queued %d e-mails", len(jobs))
	}
	// With a Swedish text she gets it.
	form.Set("message_sv", "Kom ihåg att börja!")
	r = b.post(path, form)
	groupSay(t, "preview in Swedish", r, "Kom ihåg att börja!", "Vastaanottajan kielellä (ruotsi)")
	// Swedish without Finnish: the Finnish field's error, the texts kept.
	bad := url.Values{"audience": {cohort.AudienceNotStarted}, "message_sv": {"Bara svenska"}, "action": {"preview"}}
	r = b.post(path, bad)
	groupStatus(t, "no Finnish", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "no Finnish", r)
	if got := summaryLinks(r); !slices.Equal(got, []string{"#f-message_fi"}) {
		t.Errorf("no Finnish: summary links %v", got)
	}
	groupSay(t, "no Finnish", r, "Bara svenska")
	r = b.post(path, url.Values{"audience": {"laiskat"}, "action": {"preview"}})
	groupStatus(t, "unknown audience", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "unknown audience", r)

	// Sending queues one e-mail per recipient, in her language, and the page lists it.
	form.Set("action", "send")
	r = b.post(path, form)
	groupStatus(t, "send", r, http.StatusSeeOther)
	jobs := reminderJobs(t, e, id)
	var to []string
	for _, j := range jobs {
		to = append(to, j.Email.To)
		if j.Email.To == sv.Email && !strings.Contains(j.Email.Text, "Kom ihåg att börja!") {
			t.Errorf("Svea's e-mail:\n%s", j.Email.Text)
		}
	}
	slices.Sort(to)
	if want := []string{"kutsuttu@example.fi", "learner@example.fi", "svea@example.fi"}; !slices.Equal(to, want) {
		t.Errorf("sent to %v, want %v", to, want)
	}
	r = b.get(r.location)
	mustBeWellFormed(t, "after sending", r)
	groupSay(t, "after sending", r, "Muistutus on lähetetty", "Ei aloittaneet")
	rows := find(r.doc, func(n *html.Node) bool { return n.Data == "tbody" })
	if len(rows) != 1 || !strings.HasSuffix(text(rows[0]), "3") {
		t.Errorf("the history does not list the reminder to 3")
	}
}

// reminderJobs are the outbox's reminder e-mails to a group.
func reminderJobs(t *testing.T, e *env, group string) []struct{ Email struct{ To, Text string } } {
	t.Helper()
	var out []struct{ Email struct{ To, Text string } }
	after := ""
	for {
		page, next, err := e.a.Outbox.List(context.Background(), after, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range page {
			if strings.HasPrefix(j.ID, "reminder:"+group+":") {
				var x struct{ Email struct{ To, Text string } }
				x.Email.To, x.Email.Text = j.Email.To, j.Email.Text
				out = append(out, x)
			}
		}
		if next == "" {
			return out
		}
		after = next
	}
}
