//go:build browser

package web_test

// The admin's journey in Chromium: she signs in, invites a trainer, changes a learner's roles,
// disables an account — and a second browser signed in as that person is sent to the sign-in
// page —, retries an e-mail that could not be sent, and reads the feedback sent from the
// accessibility statement. Every page is checked as in browser_test.go.

import (
	"context"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

// TestBrowserAdminJourney is the admin's journey in Chromium, with JavaScript and without.
func TestBrowserAdminJourney(t *testing.T) {
	tools := needBrowserTools(t)
	shots := os.Getenv("TAITO_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	t.Logf("screenshots in %s", shots)
	for _, mode := range staffModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dir := staffShots(t, shots, "admin-"+mode.name)
			s := startStaffSite(t, testenv.NewClock(time.Now()))
			failed := s.failOneEmail(t)
			if err := s.a.AccessibilityFeedback(context.Background(), feedbackText, "anneli.etuus@example.fi", "fi"); err != nil {
				t.Fatal(err)
			}
			j := &journey{t: t, s: s.site, js: mode.js, axe: tools.axe, shots: dir, ctx: newChromium(t, tools.chromium, mode.js)}
			aj := &adminJourney{journey: j, st: s, failed: failed, chromium: tools.chromium}
			aj.walk()
		})
	}
}

// adminJourney is one run of the admin's journey.
type adminJourney struct {
	*journey
	st       *staffSite
	failed   outbox.Job // the e-mail that could not be sent
	chromium string
}

func (j *adminJourney) walk() {
	j.checksFindFaults()
	j.steps([]staffStep{
		{"sign in as the admin", func() { j.signIn(j.st.admin.Email) }},
		{"find the accounts", j.accounts},
		{"invite a trainer", j.invite},
		{"change a role", j.changeRole},
		{"disable an account and end its sessions", j.disable},
		{"retry a failed e-mail", j.retry},
		{"read the feedback", j.feedback},
		{"see how the installation is doing", j.status},
		{"read the audit log", j.audit},
		{"export a person's data", j.export},
		{"erase a person", j.erase},
	})
}

// status reads the status page: e-mail queue, backups and the stores.
func (j *adminJourney) status() {
	j.follow(`main nav a[href="/admin/status"]`)
	j.page("status", "/admin/status")
	main := j.text("main")
	for _, want := range []string{"Varmuuskopiota ei ole otettu", "Toimii"} {
		if !strings.Contains(main, want) {
			j.t.Errorf("the status page does not say %q:\n%.1500s", want, main)
		}
	}
}

// audit finds her own sign-in in the audit log, filtered by her address.
func (j *adminJourney) audit() {
	j.follow(`main nav a[href="/admin/audit"]`)
	j.page("audit", "/admin/audit")
	form := `main form[action="/admin/audit"]`
	j.do("filter by who", chromedp.SendKeys(chromedp.CSS(form+` #f-who`), j.st.admin.Email))
	j.submit(form + ` button[type=submit]`)
	j.page("audit-filtered", "/admin/audit")
	if n := j.count(`main table tbody tr`); n == 0 {
		j.t.Errorf("the audit log filtered by the admin's address lists nothing:\n%.1500s", j.text("main"))
	}
}

// export asks for a learner's data for a request made on paper: the export waits on the admin's
// own profile page.
func (j *adminJourney) export() {
	who := j.st.people[0]
	j.open("/admin/accounts/" + who.ID)
	j.submit(`main form[action="/admin/accounts/` + who.ID + `/exports"] button[type=submit]`)
	j.page("export-requested", "/profile")
	list, err := j.s.a.MyExports(context.Background(), principalOf(j.st.admin))
	if err != nil {
		j.t.Fatal(err)
	}
	if len(list) != 1 || list[0].User != who.ID {
		j.t.Errorf("the admin's exports after asking for %s's data: %+v", who.Name, list)
	}
}

// erase erases a learner after typing her address, and reads the result.
func (j *adminJourney) erase() {
	who := j.st.people[len(j.st.people)-1]
	j.open("/admin/accounts/" + who.ID)
	j.follow(`main a[href="/admin/accounts/` + who.ID + `/erase"]`)
	j.page("erase", "/admin/accounts/"+who.ID+"/erase")
	form := `main form[action="/admin/accounts/` + who.ID + `/erase"]`
	j.do("type her address", chromedp.SendKeys(chromedp.CSS(form+` #f-confirm`), who.Email))
	j.submit(form + ` button[type=submit]`)
	j.page("erased", "/admin/erasures/")
	if _, err := j.s.a.Auth.GetUser(context.Background(), principalOf(j.st.admin), who.ID); err == nil {
		j.t.Errorf("%s's account is still there after the erasure", who.Name)
	}
}

func (j *adminJourney) accounts() {
	j.follow(`nav a[href="/admin/accounts"]`)
	j.page("accounts", "/admin/accounts")
	main := j.text("main")
	for _, u := range j.st.people {
		if !strings.Contains(main, u.Name) {
			j.t.Errorf("the accounts list does not name %s", u.Name)
		}
	}
	// Search by a part of the name.
	j.do("search", chromedp.SendKeys(chromedp.CSS(`main form[action="/admin/accounts"] input[type=search], main form[action="/admin/accounts"] input[name=q]`), "Kollega"))
	j.submit(`main form[action="/admin/accounts"] button[type=submit]`)
	j.page("accounts-search", "/admin/accounts")
	if n := j.count(`main a[href^="/admin/accounts/"]:not([href="/admin/accounts/invite"])`); n != 1 || !strings.Contains(j.text("main"), "Pekka Kollega") {
		j.t.Errorf("searching for Kollega finds %d accounts:\n%.1500s", n, j.text("main"))
	}
}

// invite invites a new trainer: her account waits for her to set a password, and the invitation
// is in the outbox.
func (j *adminJourney) invite() {
	j.open("/admin/accounts")
	j.follow(`main a[href="/admin/accounts/invite"]`)
	j.page("invite", "/admin/accounts/invite")
	form := `main form[action="/admin/accounts/invite"]`
	j.do("fill in the invitation",
		chromedp.SendKeys(chromedp.CSS(form+` #f-name`), "Kaisa Kouluttaja"),
		chromedp.SendKeys(chromedp.CSS(form+` #f-email`), invitedTrainer),
		chromedp.Click(chromedp.CSS(form+` label[for="f-role-trainer"]`)),
		chromedp.SendKeys(chromedp.CSS(form+` #f-org_unit`), "Pohjois-Karjala / koulutus"))
	j.submit(form + ` button[type=submit]`)
	j.page("invited", "/admin/accounts/")
	ctx := context.Background()
	found, err := j.s.a.Auth.UsersByEmails(ctx, []string{invitedTrainer})
	if err != nil {
		j.t.Fatal(err)
	}
	u, ok := found[invitedTrainer]
	if !ok {
		j.t.Fatalf("no account for %s after the invitation", invitedTrainer)
	}
	if !slices.Equal(u.Roles, []auth.Role{auth.RoleTrainer}) || !u.Pending || u.OrgUnit != "Pohjois-Karjala / koulutus" {
		j.t.Errorf("the invited account: roles %v, pending %v, unit %q", u.Roles, u.Pending, u.OrgUnit)
	}
	if j.path() != "/admin/accounts/"+u.ID {
		j.t.Errorf("after inviting, the browser is on %s, want her account's page", j.path())
	}
	if !j.queuedTo(invitedTrainer) {
		j.t.Errorf("no invitation to %s in the outbox", invitedTrainer)
	}
}

// queuedTo says whether the outbox holds an e-mail to an address.
func (j *adminJourney) queuedTo(email string) bool {
	j.t.Helper()
	jobs, _, err := j.s.a.Outbox.List(context.Background(), "", 500)
	if err != nil {
		j.t.Fatal(err)
	}
	for _, job := range jobs {
		if job.Email != nil && job.Email.To == email {
			return true
		}
	}
	return false
}

// changeRole makes Mikko a trainer as well as a learner.
func (j *adminJourney) changeRole() {
	mikko := j.st.people[1]
	j.open("/admin/accounts")
	j.follow(`main a[href="/admin/accounts/` + mikko.ID + `"]`)
	j.page("account", "/admin/accounts/"+mikko.ID)
	form := `main form[action="/admin/accounts/` + mikko.ID + `"]`
	j.do("tick trainer", chromedp.Click(chromedp.CSS(form+` label[for="f-role-trainer"]`)))
	j.submit(form + ` button[type=submit]`)
	j.page("account-saved", "/admin/accounts/"+mikko.ID)
	u, err := j.s.a.Auth.GetUser(context.Background(), principalOf(j.st.admin), mikko.ID)
	if err != nil {
		j.t.Fatal(err)
	}
	if !slices.Contains(u.Roles, auth.RoleTrainer) || !slices.Contains(u.Roles, auth.RoleLearner) {
		j.t.Errorf("Mikko's roles are %v, want learner and trainer", u.Roles)
	}
}

// disable disables Pekka's account while he is signed in in another browser: his next page is
// the sign-in page.
func (j *adminJourney) disable() {
	pekka := j.st.people[3]
	other := j.otherBrowser()
	other.signIn(pekka.Email)
	other.open("/profile")
	if p := other.path(); p != "/profile" {
		j.t.Fatalf("Pekka, signed in, opens his profile and is on %s", p)
	}

	j.open("/admin/accounts/" + pekka.ID)
	j.follow(`main a[href="/admin/accounts/` + pekka.ID + `/disable"]`)
	j.page("disable", "/admin/accounts/"+pekka.ID+"/disable")
	j.submit(`main form[action="/admin/accounts/` + pekka.ID + `/disable"] button[type=submit]`)
	j.page("disabled", "/admin/accounts/"+pekka.ID)
	u, err := j.s.a.Auth.GetUser(context.Background(), principalOf(j.st.admin), pekka.ID)
	if err != nil {
		j.t.Fatal(err)
	}
	if !u.Disabled {
		j.t.Errorf("Pekka's account is not disabled")
	}

	other.openAny("/profile")
	if p := other.path(); p != "/sign-in" {
		j.t.Errorf("after his account was disabled, Pekka's browser opens /profile and is on %s, want the sign-in page", p)
	}
	other.page("disabled-signed-out", "/sign-in")
}

// otherBrowser is a second browser (its own cookies) beside the admin's, for the person whose
// account she changes.
func (j *adminJourney) otherBrowser() *journey {
	j.t.Helper()
	ctx, cancel := chromedp.NewContext(j.ctx, chromedp.WithNewBrowserContext())
	j.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		j.t.Fatal(err)
	}
	if err := setScripts(ctx, j.js); err != nil {
		j.t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		j.t.Fatal(err)
	}
	return &journey{t: j.t, s: j.s, js: j.js, axe: j.axe, shots: j.shots, ctx: ctx, pages: 90}
}

// retry finds the e-mail that failed, with its reason, and puts it back in the queue.
func (j *adminJourney) retry() {
	j.follow(`main nav a[href="/admin/outbox"]`)
	j.page("outbox", "/admin/outbox")
	j.follow(`main a[href="/admin/outbox?state=failed"]`)
	j.page("outbox-failed", "/admin/outbox")
	main := j.text("main")
	if !strings.Contains(main, j.failed.Email.To) {
		j.t.Errorf("the failed messages do not show the one to %s:\n%.1500s", j.failed.Email.To, main)
	}
	form := `main form[action="/admin/outbox/` + j.failed.ID + `/retry"]`
	j.submit(form + ` button[type=submit]`)
	j.page("outbox-retried", "/admin/outbox")
	job, err := j.s.a.Outbox.Get(context.Background(), j.failed.ID)
	if err != nil {
		j.t.Fatal(err)
	}
	if job.State != outbox.StatePending {
		j.t.Errorf("the retried message is %s, want pending", job.State)
	}
}

// feedback reads the feedback sent from the accessibility statement.
func (j *adminJourney) feedback() {
	j.follow(`main nav a[href="/admin/feedback"]`)
	j.page("feedback", "/admin/feedback")
	if main := j.text("main"); !strings.Contains(main, feedbackText) {
		j.t.Errorf("the feedback page does not show the feedback:\n%.1500s", main)
	}
}

// failOneEmail queues an e-mail and lets the outbox's worker try it against an SMTP server that
// refuses every connection, moving the clock past each back-off until the message is given up
// as failed; then the clock is back at the real time.
func (s *staffSite) failOneEmail(t *testing.T) outbox.Job {
	t.Helper()
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close() // nothing listens there now: every attempt is refused
	smtp, err := outbox.ParseSMTP("smtp://"+closed, "taito@example.fi")
	if err != nil {
		t.Fatal(err)
	}
	const key = "browser-test-undeliverable"
	if err := s.a.Outbox.EnqueueEmail(ctx, key, outbox.Email{To: "pekka.kollega@example.fi", Subject: "Tervetuloa Taitoon",
		Text: "Tervetuloa kurssille.", Locale: "fi"}); err != nil {
		t.Fatal(err)
	}
	w := outbox.NewWorker(s.a.Outbox, smtp, nullLog())
	for range 12 {
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		s.clock.Advance(7 * time.Hour)
	}
	s.clock.Set(time.Now())
	job, err := s.a.Outbox.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if job.State != outbox.StateFailed || job.LastError == "" {
		t.Fatalf("the undeliverable e-mail is %s after %d attempts (%q), want failed", job.State, job.Attempts, job.LastError)
	}
	return job
}

func nullLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
