package certificate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/certificate"
)

// TestDetailsRecordsAndReports: the verification's details say what the PDF says of the
// course; admins read any certificate with its revocation and list the newest; reports learn
// who holds a certificate that is not revoked, and since when.
func TestDetailsRecordsAndReports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r := newRig(t)
	completed := r.clock.Now().Add(-time.Hour)
	c, err := r.a.Certificates.Issue(ctx, r.learner.ID, "kokeilu", 1, completed)
	if err != nil {
		t.Fatal(err)
	}

	v, err := r.a.Certificates.Verify(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.a.Certificates.Details(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if d.WorkloadHours != 2.5 || d.Description["fi"] != "Osaa kokeilla." || d.Criteria["en"] != "Every module completed." {
		t.Errorf("details %+v", d)
	}
	if len(d.Modules) != 2 || d.Modules[0].Title["fi"] != "Alku" || len(d.Modules[0].Outcomes) != 1 || d.Modules[0].Outcomes[0]["fi"] != "Tunnet kurssin." {
		t.Errorf("modules %+v", d.Modules)
	}
	if len(d.Competences) != 2 || d.Competences[0].Code != "2.3" || d.Competences[0].Name == "" || d.Competences[0].URL == "" {
		t.Errorf("competences %+v", d.Competences)
	}

	admin := auth.Principal{UserID: "admin", Roles: []auth.Role{auth.RoleAdmin}}
	if _, err := r.a.Certificates.Record(ctx, r.learnerPrincipal(), c.ID); !errors.Is(err, certificate.ErrNotAdmin) {
		t.Errorf("a learner reads a record: %v", err)
	}
	if _, err := r.a.Certificates.Recent(ctx, r.learnerPrincipal(), 10); !errors.Is(err, certificate.ErrNotAdmin) {
		t.Errorf("a learner lists certificates: %v", err)
	}
	for _, id := range []string{"AAAAAAAAAAAAAAAAAAAAAA", "../x"} {
		if _, err := r.a.Certificates.Record(ctx, admin, id); !errors.Is(err, certificate.ErrNotFound) {
			t.Errorf("record %q: %v", id, err)
		}
	}
	issued, err := r.a.Certificates.IssuedTo(ctx, "kokeilu", []string{r.learner.ID, "someone-else"})
	if err != nil || len(issued) != 1 || !issued[r.learner.ID].Equal(c.IssuedAt) {
		t.Errorf("issued to: %v %v", issued, err)
	}
	if got, err := r.a.Certificates.IssuedTo(ctx, "another-course", []string{r.learner.ID}); err != nil || len(got) != 0 {
		t.Errorf("another course: %v %v", got, err)
	}

	if _, err := r.a.Certificates.Revoke(ctx, admin, c.ID, "Väärä henkilö."); err != nil {
		t.Fatal(err)
	}
	rec, err := r.a.Certificates.Record(ctx, admin, c.ID)
	if err != nil || rec.RevokeReason != "Väärä henkilö." || rec.RevokedBy != "admin" || rec.RevokedAt == nil || rec.Name != "Åsa Ähtäri" {
		t.Errorf("record %+v %v", rec, err)
	}
	list, err := r.a.Certificates.Recent(ctx, admin, 10)
	if err != nil || len(list) != 1 || list[0].ID != c.ID || list[0].RevokeReason == "" {
		t.Errorf("newest %+v %v", list, err)
	}
	if got, err := r.a.Certificates.IssuedTo(ctx, "kokeilu", []string{r.learner.ID}); err != nil || len(got) != 0 {
		t.Errorf("a revoked certificate is counted: %v %v", got, err)
	}
}
