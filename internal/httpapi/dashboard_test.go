package httpapi_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

// cohortFixture makes a cohort of the fixture course whose first module was due yesterday, with
// three members: learner finished module 1 today, learner2 opened one lesson ten days ago, and
// an invited newcomer has not started.
func cohortFixture(t *testing.T, e *env) (id string) {
	t.Helper()
	e.publishFixture(t)
	do(t, e.app, scenario{method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: e.token(t, "learner2"), body: `{"type":"viewed"}`})
	e.clock.Advance(10 * 24 * time.Hour)
	trainer := e.token(t, "trainer")
	now := e.clock.Now()
	body := jsonBody(map[string]any{"course": "kokeilu", "name": "Pilotti", "starts_on": now.AddDate(0, 0, -20),
		"schedule": []map[string]any{{"module": "alku", "opens": now.AddDate(0, 0, -20), "due": now.AddDate(0, 0, -1)}}})
	resp, out := do(t, e.app, scenario{method: "POST", path: "/api/v1/cohorts", token: trainer, body: body})
	if resp.StatusCode != 201 {
		t.Fatalf("cohort: %d %s", resp.StatusCode, out)
	}
	var c struct{ ID string }
	_ = json.Unmarshal(out, &c)
	do(t, e.app, scenario{method: "POST", path: "/api/v1/cohorts/" + c.ID + "/members", token: trainer, body: `{"emails":["learner@example.fi","learner2@example.fi","uusi.tulokas@example.fi"]}`})
	e.finishStart(t, "learner") // the welcome lesson viewed and the quiz passed, all answers right
	return c.ID
}

func TestDashboardNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := cohortFixture(t, e)
	e.mustSpeak(t, "trainer", "fi")
	trainer := e.token(t, "trainer")
	_, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/cohorts/" + id + "/dashboard?sort=-percent", token: trainer})
	var d struct {
		Modules []struct {
			ID         string
			NotStarted int `json:"not_started"`
			InProgress int `json:"in_progress"`
			Completed  int
			Overdue    int
		}
		Learners []struct {
			Email       string
			Percent     int
			State       string
			AtRisk      bool     `json:"at_risk"`
			RiskReasons []string `json:"risk_reasons"`
			Overdue     []string
			QuizBest    map[string]float64 `json:"quiz_best"`
			Invited     bool
		}
		Totals map[string]int
	}
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	// Hand-computed: module 1 needs 2 lessons, module 2 needs 2 of 3; 4 in all.
	want := []struct {
		email   string
		percent int
		state   string
		risk    string
		overdue int
	}{
		{"learner@example.fi", 50, "in_progress", "", 0},
		{"learner2@example.fi", 25, "in_progress", "inactive overdue", 1},
		{"uusi.tulokas@example.fi", 0, "not_started", "not_started overdue", 1},
	}
	if len(d.Learners) != 3 {
		t.Fatalf("%d learner rows: %s", len(d.Learners), body)
	}
	for i, w := range want {
		got := d.Learners[i]
		if got.Email != w.email || got.Percent != w.percent || got.State != w.state || strings.Join(got.RiskReasons, " ") != w.risk || len(got.Overdue) != w.overdue {
			t.Errorf("row %d = %+v, want %+v", i, got, w)
		}
	}
	if d.Learners[0].QuizBest["alkuvisa"] != 1 || !d.Learners[2].Invited {
		t.Errorf("quiz best or invited flag: %+v", d.Learners)
	}
	m := d.Modules[0]
	if m.ID != "alku" || m.Completed != 1 || m.InProgress != 1 || m.NotStarted != 1 || m.Overdue != 2 {
		t.Errorf("module 1 counts: %+v", m)
	}
	if m2 := d.Modules[1]; m2.NotStarted != 3 || m2.Completed != 0 {
		t.Errorf("module 2 counts: %+v", m2)
	}
	if d.Totals["learners"] != 3 || d.Totals["at_risk"] != 2 || d.Totals["not_started"] != 1 || d.Totals["in_progress"] != 2 || d.Totals["average_percent"] != 25 {
		t.Errorf("totals: %v", d.Totals)
	}
	run(t, e.app, []scenario{
		{name: "filter at risk", method: "GET", path: "/api/v1/cohorts/" + id + "/dashboard?state=at_risk", token: trainer, status: 200, forbid: []string{`"email":"learner@example.fi"`}},
		{name: "filter by org unit", method: "GET", path: "/api/v1/cohorts/" + id + "/dashboard?org_unit=" + strings.ReplaceAll("Lieksa / aikuissosiaalityö", " ", "%20"), token: trainer, status: 200, want: []string{"learner2@example.fi"}, forbid: []string{`"email":"learner@example.fi"`}},
		{name: "sort by a field not allowed", method: "GET", path: "/api/v1/cohorts/" + id + "/dashboard?sort=password_hash", token: trainer, status: 422},
		{name: "bad state", method: "GET", path: "/api/v1/cohorts/" + id + "/dashboard?state=lost", token: trainer, status: 422},
		{name: "another trainer", method: "GET", path: "/api/v1/cohorts/" + id + "/dashboard", token: e.tokenOfNewTrainer(t), status: 404},
		{name: "a learner", method: "GET", path: "/api/v1/cohorts/" + id + "/dashboard", token: e.token(t, "learner"), status: 404},
		{name: "one learner", method: "GET", path: "/api/v1/cohorts/" + id + "/learners/" + e.users["learner2"].ID, token: trainer, status: 200, want: []string{`"email":"learner2@example.fi"`, `"next_lesson":"visa"`, `"reason":"prerequisite"`}},
		{name: "not a member", method: "GET", path: "/api/v1/cohorts/" + id + "/learners/" + e.users["admin"].ID, token: trainer, status: 404},
		{name: "completion by org unit", method: "GET", path: "/api/v1/reports/completion?course=kokeilu", token: e.token(t, "admin"), status: 200, want: []string{`"org_unit":"Lieksa / aikuissosiaalityö","learners":1,"not_started":0,"in_progress":1`}},
		{name: "completion report is for admins", method: "GET", path: "/api/v1/reports/completion?course=kokeilu", token: trainer, status: 403},
	})

	resp, csvBody := do(t, e.app, scenario{method: "GET", path: "/api/v1/cohorts/" + id + "/report.csv?delimiter=semicolon&sort=name", token: trainer})
	if !bytes.HasPrefix(csvBody, []byte("\ufeff")) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("report: %q %q", resp.Header.Get("Content-Type"), csvBody[:min(20, len(csvBody))])
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(csvBody, []byte("\ufeff"))))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) != 4 || rows[0][len(rows[0])-2] != "Moduuli: Alku" {
		t.Fatalf("CSV: %v %q", err, rows)
	}
	if rows[1][1] != "learner@example.fi" || rows[1][4] != "50" || rows[1][len(rows[1])-2] != "suoritettu" {
		t.Errorf("CSV row of learner: %q", rows[1])
	}
}

func TestMembersFromCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	trainer := e.token(t, "trainer")
	_, out := do(t, e.app, scenario{method: "POST", path: "/api/v1/cohorts", token: trainer, body: `{"course":"kokeilu","name":"CSV"}`})
	var c struct{ ID string }
	_ = json.Unmarshal(out, &c)
	upload := func(content []byte) (*http.Response, []byte) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		fw, _ := w.CreateFormFile("file", "osallistujat.csv")
		_, _ = fw.Write(content)
		_ = w.Close()
		req := httptest.NewRequest(http.MethodPost, "/api/v1/cohorts/"+c.ID+"/members", &b)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+trainer)
		resp, err := e.app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	good := "\ufeffemail;name;org_unit\nlearner@example.fi;Liisa;Joensuu\nuusi.ihminen@example.fi;Uusi Ihminen;Outokumpu / sosiaalityö\nrikki-osoite;X;Y\n\n"
	resp, body := upload([]byte(good))
	if resp.StatusCode != 200 {
		t.Fatalf("CSV upload: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{`"email":"learner@example.fi","status":"enrolled"`, `"email":"uusi.ihminen@example.fi","status":"invited"`, `"email":"rikki-osoite","status":"invalid"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("results lack %s: %s", want, body)
		}
	}
	users, _, _ := e.auth.ListUsers(context.Background(), e.principal("admin"), usersWithOrgUnit("Outokumpu / sosiaalityö"))
	if len(users) != 1 || users[0].Name != "Uusi Ihminen" {
		t.Errorf("the invited person's name and org unit from the CSV: %+v", users)
	}
	commas := "email,name,org_unit\nlearner2@example.fi,Lauri,Lieksa\n"
	if resp, body := upload([]byte(commas)); resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"enrolled"`) {
		t.Errorf("comma CSV: %d %s", resp.StatusCode, body)
	}
	if resp, _ := upload([]byte("email;name\n\xff\xfe;broken\n")); resp.StatusCode != 422 {
		t.Errorf("broken encoding: %d, want 422", resp.StatusCode)
	}
	var big strings.Builder
	for i := 0; i < 10001; i++ {
		big.WriteString("a@example.fi;A;B\n")
	}
	if resp, body := upload([]byte(big.String())); resp.StatusCode != 413 || !strings.Contains(string(body), "10000") {
		t.Errorf("10,001 rows: %d %s", resp.StatusCode, body)
	}
}

func TestRemindersDeliveredOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := cohortFixture(t, e)
	e.mustSpeak(t, "learner2", "fi")
	trainer := e.token(t, "trainer")
	run(t, e.app, []scenario{
		{name: "bad audience", method: "POST", path: "/api/v1/cohorts/" + id + "/reminders", token: trainer, body: `{"audience":"everyone"}`, status: 422},
		{name: "a learner sends", method: "POST", path: "/api/v1/cohorts/" + id + "/reminders", token: e.token(t, "learner"), body: `{"audience":"all"}`, status: 404},
		{name: "remind those at risk", method: "POST", path: "/api/v1/cohorts/" + id + "/reminders", token: trainer, body: `{"audience":"at_risk","message":"Moduuli 1 erääntyi eilen."}`, status: 202, want: []string{`"queued":2`}},
	})
	sink := testenv.StartMailServer(t)
	sender, err := outbox.ParseSMTP("smtp://"+sink.Addr(), "Taito <noreply@taito.test>")
	if err != nil {
		t.Fatal(err)
	}
	// Two workers, as on two replicas, racing over the same outbox.
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := outbox.NewWorker(e.outbox, sender, quietLog())
			for j := 0; j < 3; j++ {
				if _, err := w.RunOnce(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	reminders := func(to string) []string {
		var out []string
		for _, m := range sink.Raw(to) {
			if strings.Contains(m, "Subject: Muistutus: Kokeilukurssi") {
				out = append(out, m)
			}
		}
		return out
	}
	for _, to := range []string{"learner2@example.fi", "uusi.tulokas@example.fi"} {
		if n := len(reminders(to)); n != 1 {
			t.Errorf("%s got %d reminders, want exactly 1", to, n)
		}
	}
	if n := len(reminders("learner@example.fi")); n != 0 {
		t.Errorf("learner@example.fi is not at risk but got %d reminders", n)
	}
	if n := len(sink.Raw("uusi.tulokas@example.fi")); n != 2 {
		for _, m := range sink.Raw("uusi.tulokas@example.fi") {
			t.Log(m[:min(300, len(m))])
		}
		t.Errorf("the newcomer should have her invitation and one reminder, got %d messages", n)
	}
	msg := reminders("learner2@example.fi")[0]
	for _, want := range []string{"Moduuli 1 erääntyi eilen.", "List-Unsubscribe: <" + testIssuer + "/unsubscribe?token=", "text/html"} {
		if !strings.Contains(msg, want) {
			t.Errorf("reminder lacks %q:\n%s", want, msg)
		}
	}
	// The link opens the web app's page that asks (mail scanners follow links: opening changes
	// nothing); the API's unsubscribe needs no sign-in, only the token, and a second reminder
	// leaves her out. The old API link of reminders already sent leads to the page too.
	i := strings.Index(msg, "/unsubscribe?token=")
	query := msg[i+len("/unsubscribe") : i+strings.IndexAny(msg[i:], ">\r\n")]
	api := "/api/v1/reminders/unsubscribe" + query
	run(t, e.app, []scenario{
		{name: "the old link only redirects to the page", method: "GET", path: api, status: 303, check: func(t *testing.T, resp *http.Response, _ []byte) {
			if loc := resp.Header.Get("Location"); loc != "/unsubscribe"+query {
				t.Errorf("Location %q, want /unsubscribe%s", loc, query)
			}
		}},
		{name: "remind after only opening the link", method: "POST", path: "/api/v1/cohorts/" + id + "/reminders", token: e.token(t, "trainer"), body: `{"audience":"at_risk"}`, status: 202, want: []string{`"unsubscribed":0`}},
		{name: "tampered unsubscribe token", method: "POST", path: api + "x", status: 401},
		{name: "unsubscribe", method: "POST", path: api, status: 200, want: []string{"unsubscribed"}},
		{name: "remind again", method: "POST", path: "/api/v1/cohorts/" + id + "/reminders", token: e.token(t, "trainer"), body: `{"audience":"at_risk"}`, status: 202, want: []string{`"queued":1`, `"unsubscribed":1`}},
	})
}

func TestAutomaticReminders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := cohortFixture(t, e)
	trainer := e.token(t, "trainer")
	due := e.clock.Now().Add(36 * time.Hour)
	run(t, e.app, []scenario{
		{name: "bad setting", method: "PATCH", path: "/api/v1/cohorts/" + id, token: trainer, body: `{"auto_reminder_days":90}`, status: 422},
		{name: "module 2 due in a day and a half, remind two days before, running", method: "PATCH", path: "/api/v1/cohorts/" + id, token: trainer, status: 200,
			body: jsonBody(map[string]any{"auto_reminder_days": 2, "status": "running", "schedule": []map[string]any{{"module": "harjoitus", "due": due}}}), want: []string{`"auto_reminder_days":2`}},
	})
	ctx := context.Background()
	n, err := e.cohorts.AutoReminders(ctx)
	if err != nil || n != 3 {
		t.Fatalf("first run queued %d (%v), want 3: nobody has completed module 2", n, err)
	}
	before, _, _ := e.outbox.List(ctx, "", 200)
	if _, err := e.cohorts.AutoReminders(ctx); err != nil {
		t.Fatal(err)
	}
	after, _, _ := e.outbox.List(ctx, "", 200)
	if len(after) != len(before) {
		t.Errorf("a second run queued %d more messages; each reminder goes once", len(after)-len(before))
	}
}
