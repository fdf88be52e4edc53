package web_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/outbox"
)

// TestAdminStatusPage: the status page says in plain words how many e-mails wait, that no
// backup was taken (a warning), that each store works; after a backup it shows its time, and it
// warns again when the backup is two days old or an e-mail has failed (with a link to the
// failed messages). Others are refused.
func TestAdminStatusPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for _, key := range []string{"status:a", "status:b", "status:c"} {
		if err := e.a.Outbox.EnqueueEmail(ctx, key, outbox.Email{To: "x@example.fi", Subject: "S", Text: "T", Locale: "fi"}); err != nil {
			t.Fatal(err)
		}
	}
	b := e.signedIn(t, "admin")
	r := b.get("/admin/status")
	mustStatus(t, "status", r, http.StatusOK)
	mustBeWellFormed(t, "status", r)
	for _, want := range []string{"Sähköpostit jonossa: 3", "Varmuuskopiota ei ole otettu", "Tietokanta: Toimii", "Tiedostovarasto (kuvat ja videot): Toimii", "Epäonnistuneet sähköpostit: 0"} {
		if !strings.Contains(text(r.doc), want) {
			t.Errorf("the page does not say %q", want)
		}
	}
	if len(find(r.doc, statusByClass("warning"))) != 1 {
		t.Error("no warning without a backup")
	}

	// A backup at 3.00 Finnish time (1.00 UTC in winter).
	e.clock.Set(time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC))
	if _, err := e.a.RecordBackup(ctx, app.NewBackupRecord("taito-1.12.tar.gz", 3<<20, app.BackupManifest{}, app.BackupViaServer)); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	b = e.signedIn(t, "admin")
	r = b.get("/admin/status")
	mustBeWellFormed(t, "after a backup", r)
	if s := text(r.doc); !strings.Contains(s, "Viimeisin varmuuskopio: 1.12.2026 klo 3.00") || !strings.Contains(s, "taito-1.12.tar.gz") || strings.Contains(s, "Varmuuskopiota ei ole otettu") {
		t.Errorf("after a backup the page says: %s", s)
	}
	if len(find(r.doc, statusByClass("warning"))) != 0 {
		t.Error("a warning with a fresh backup and no failures")
	}

	// Two days later, and one e-mail failed for good.
	e.clock.Advance(2 * 24 * time.Hour)
	cl := e.a.Outbox.NewClaimer("email")
	for range 10 {
		jobs, err := cl.Claim(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j.ID == "status:a" {
				if err := cl.Finish(ctx, j, errors.New("550 no such mailbox")); err != nil {
					t.Fatal(err)
				}
			}
		}
		e.clock.Advance(7 * time.Hour)
	}
	b = e.signedIn(t, "admin")
	r = b.get("/admin/status")
	mustBeWellFormed(t, "with warnings", r)
	warn := find(r.doc, statusByClass("warning"))
	if len(warn) != 1 || !strings.Contains(text(warn[0]), "yli kaksi päivää vanha") || !strings.Contains(text(warn[0]), "Osa sähköposteista ei mennyt perille") {
		t.Fatalf("warnings: %d", len(warn))
	}
	linked := false
	for _, a := range find(warn[0], byTag("a")) {
		linked = linked || attr(a, "href") == "/admin/outbox?state=failed"
	}
	if !linked {
		t.Error("the warning does not link to the failed messages")
	}
	if !strings.Contains(text(r.doc), "Epäonnistuneet sähköpostit: 1") {
		t.Error("the failed e-mail is not counted")
	}

	if r := e.browser(t).get("/admin/status"); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/sign-in?next=") {
		t.Errorf("without a session: %d %q", r.status, r.location)
	}
	if r := e.signedIn(t, "trainer").get("/admin/status"); r.status != http.StatusForbidden {
		t.Errorf("a trainer: %d", r.status)
	}
}

// statusByClass matches elements that have a class.
func statusByClass(class string) func(*html.Node) bool {
	return func(n *html.Node) bool { return slices.Contains(strings.Fields(attr(n, "class")), class) }
}
