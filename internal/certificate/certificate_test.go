package certificate_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/certificate"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/credential"
	"github.com/taito-lms/taito/internal/links"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = slog.New(slog.DiscardHandler)

// rig is Taito over a fresh database and bucket with the fixture course published (with an
// achievement) and one learner, and what a second certificates service needs.
type rig struct {
	a       *app.App
	db      *mongo.Database
	storage *media.Storage
	keys    *credential.KeySet
	clock   *testenv.Clock
	learner auth.User
}

func newRig(t *testing.T) rig {
	t.Helper()
	ctx := context.Background()
	r := rig{db: testenv.Mongo(t), storage: testenv.S3(t), keys: credential.GenerateKeySet(),
		clock: testenv.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))}
	keys, err := auth.ParseKeySet(auth.GenerateKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	r.a, err = app.New(ctx, app.Deps{DB: r.db, Storage: r.storage, Keys: keys, CredentialKeys: r.keys, OrgName: "Pohjois-Karjalan hyvinvointialue",
		PublicURL: testenv.Issuer, Now: r.clock.Now, Log: quiet, Limits: testenv.QuickLimits})
	if err != nil {
		t.Fatal(err)
	}
	co, fsys := testenv.Fixture(t)
	co.Achievement = &course.Achievement{
		Description: course.Text{"fi": "Osaa kokeilla.", "en": "Can try things out."},
		Criteria:    course.Text{"fi": "Kaikki osiot suoritettu.", "en": "Every module completed."},
		DigComp:     []string{"2.3", "5.4"}, WorkloadHours: 2.5,
	}
	if _, err := r.a.ImportCourse(ctx, co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
	r.learner, _, err = r.a.AddUser(ctx, auth.NewUser{Email: "asa@example.fi", Name: "Åsa Ähtäri", Roles: []auth.Role{auth.RoleLearner},
		Password: "correct horse battery staple", Locale: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// people reads learners from the accounts, as the application layer's adapter does.
type people struct{ auth *auth.Service }

func (p people) Person(ctx context.Context, id string) (certificate.Person, error) {
	us, err := p.auth.UsersByIDs(ctx, []string{id})
	if err != nil {
		return certificate.Person{}, err
	}
	u, ok := us[id]
	if !ok {
		return certificate.Person{}, errors.New("no such account")
	}
	return certificate.Person{Name: u.Name, Email: u.Email, Locale: u.Locale}, nil
}

// crashingObjects stores a PDF and then fails, as a process that dies between writing the PDF
// and recording the certificate.
type crashingObjects struct{ *media.Storage }

var errCrash = errors.New("the process died")

func (c crashingObjects) PutObject(ctx context.Context, key string, data []byte, contentType string) error {
	if err := c.Storage.PutObject(ctx, key, data, contentType); err != nil {
		return err
	}
	return errCrash
}

// service returns a second certificates service over the rig's database, as on another replica.
func (r rig) service(objects certificate.Objects) *certificate.Service {
	return certificate.NewService(r.db, r.a.Courses, people{r.a.Auth}, objects, r.a.Outbox,
		certificate.Issuer{Name: "Pohjois-Karjalan hyvinvointialue", Keys: r.keys}, links.New(testenv.Issuer), r.clock.Now, quiet)
}

// certificates counts the certificate documents of a learner, issued or not.
func (r rig) certificates(t *testing.T, user string) int64 {
	t.Helper()
	n, err := r.db.Collection("certificates").CountDocuments(context.Background(), map[string]any{"user": user})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (r rig) learnerPrincipal() auth.Principal {
	return auth.Principal{UserID: r.learner.ID, Roles: r.learner.Roles, Locale: "fi"}
}

func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	rd, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("PDF reader: %v", err)
	}
	tr, err := rd.GetPlainText()
	if err != nil {
		t.Fatal(err)
	}
	txt, _ := io.ReadAll(tr)
	return string(txt)
}

func TestTwoWorkersRacingIssueOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	other := r.service(r.storage) // a second replica
	completed := r.clock.Now().Add(-time.Hour)
	var wg sync.WaitGroup
	got := make([]certificate.Certificate, 4)
	errs := make([]error, 4)
	begin := make(chan struct{})
	for i := range got {
		svc := r.a.Certificates
		if i%2 == 1 {
			svc = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-begin
			got[i], errs[i] = svc.Issue(ctx, r.learner.ID, "kokeilu", 1, completed)
		}()
	}
	close(begin)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for i, c := range got[1:] {
		if c.ID != got[0].ID || c.JWT != got[0].JWT {
			t.Errorf("worker %d got another certificate: %s vs %s", i+1, c.ID, got[0].ID)
		}
	}
	if n := r.certificates(t, r.learner.ID); n != 1 {
		t.Errorf("%d certificates after four racing workers, want 1", n)
	}
	mine, err := r.a.MyCredentials(ctx, r.learnerPrincipal())
	if err != nil || len(mine) != 1 {
		t.Fatalf("her certificates: %v, %v", mine, err)
	}

	// Two workers draining the outbox's job: one issues it, the job is done, one e-mail queued.
	if err := r.a.Outbox.EnqueueJob(ctx, "certificate:"+r.learner.ID+":kokeilu:1", certificate.JobKind,
		map[string]string{"user": r.learner.ID, "course": "kokeilu", "version": "1"}); err != nil {
		t.Fatal(err)
	}
	issued := make([]int, 2)
	for i, svc := range []*certificate.Service{r.a.Certificates, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			issued[i], errs[i] = svc.ProcessDue(ctx)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if issued[0]+issued[1] != 1 {
		t.Errorf("the workers processed %d and %d jobs, want 1 together", issued[0], issued[1])
	}
	j, err := r.a.Outbox.Get(ctx, "certificate:"+r.learner.ID+":kokeilu:1")
	if err != nil || j.State != outbox.StateDone || j.Attempts != 1 {
		t.Errorf("the job after processing: %+v, %v", j, err)
	}
	if n := r.certificates(t, r.learner.ID); n != 1 {
		t.Errorf("%d certificates after the job, want 1", n)
	}
	mail, err := r.a.Outbox.Get(ctx, "certificate-mail:"+got[0].ID)
	if err != nil || mail.Email == nil || mail.Email.To != "asa@example.fi" {
		t.Fatalf("completion e-mail: %+v, %v", mail, err)
	}
	for _, w := range []string{"Kurssi suoritettu", testenv.Issuer + "/certificates", testenv.Issuer + "/verify/" + got[0].ID} {
		if !strings.Contains(mail.Email.Subject+mail.Email.Text, w) {
			t.Errorf("the e-mail lacks %q: %s\n%s", w, mail.Email.Subject, mail.Email.Text)
		}
	}
}

func TestCrashBetweenPDFAndRecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	completed := r.clock.Now().Add(-time.Hour)
	crashing := r.service(crashingObjects{r.storage})
	if _, err := crashing.Issue(ctx, r.learner.ID, "kokeilu", 1, completed); !errors.Is(err, errCrash) {
		t.Fatalf("the crashing attempt: %v", err)
	}
	if mine, _ := r.a.MyCredentials(ctx, r.learnerPrincipal()); len(mine) != 0 {
		t.Fatalf("a certificate that was never recorded is listed: %+v", mine)
	}
	// Run again, twice: one certificate, with its PDF.
	for range 2 {
		if _, err := r.a.Certificates.Issue(ctx, r.learner.ID, "kokeilu", 1, completed); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.certificates(t, r.learner.ID); n != 1 {
		t.Errorf("%d certificates after a crash and two runs, want 1", n)
	}
	mine, err := r.a.MyCredentials(ctx, r.learnerPrincipal())
	if err != nil || len(mine) != 1 {
		t.Fatalf("her certificates: %+v, %v", mine, err)
	}
	b, err := r.a.CredentialPDF(ctx, r.learnerPrincipal(), mine[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	txt := pdfText(t, b)
	for _, w := range []string{"Åsa Ähtäri", "Todistus", "Pohjois-Karjalan hyvinvointialue", "2,5 tuntia"} {
		if !strings.Contains(txt, w) {
			t.Errorf("the PDF lacks %q:\n%s", w, txt)
		}
	}
	// The credential verifies, and its index is the one recorded.
	v, err := r.a.Verify(ctx, mine[0].ID)
	if err != nil || v.Status != certificate.StatusValid {
		t.Errorf("verify: %+v, %v", v, err)
	}
}

func TestVersionsAndOwners(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	at := r.clock.Now()
	c1, err := r.a.Certificates.Issue(ctx, r.learner.ID, "kokeilu", 1, at)
	if err != nil {
		t.Fatal(err)
	}
	id2, _ := r.a.Certificates.ID(ctx, r.learner.ID, "kokeilu", 2)
	other, _ := r.a.Certificates.ID(ctx, "someone-else", "kokeilu", 1)
	again, _ := r.a.Certificates.ID(ctx, r.learner.ID, "kokeilu", 1)
	if again != c1.ID || id2 == c1.ID || other == c1.ID || len(c1.ID) != 22 {
		t.Errorf("ids: %s, again %s, v2 %s, other %s", c1.ID, again, id2, other)
	}
	// Nobody else reads, downloads or shows it.
	stranger := auth.Principal{UserID: "someone-else", Roles: []auth.Role{auth.RoleLearner}}
	if _, err := r.a.CredentialPDF(ctx, stranger, c1.ID); !errors.Is(err, certificate.ErrNotFound) {
		t.Errorf("another learner's PDF: %v", err)
	}
	if _, err := r.a.SetShowName(ctx, stranger, c1.ID, true); !errors.Is(err, certificate.ErrNotFound) {
		t.Errorf("another learner shows the name: %v", err)
	}
	// A version that was never published has no certificate.
	if _, err := r.a.Certificates.Issue(ctx, r.learner.ID, "kokeilu", 2, at); err == nil {
		t.Error("a certificate of an unpublished version")
	}
	// Malformed and unknown ids answer alike.
	for _, id := range []string{"x", strings.Repeat("A", 22), id2, "../../etc", fmt.Sprint(c1.ID, "x")} {
		if _, err := r.a.Verify(ctx, id); !errors.Is(err, certificate.ErrNotFound) {
			t.Errorf("verify %q: %v", id, err)
		}
	}
}
