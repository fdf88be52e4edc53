package cohort_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/cohort"
)

// issued answers which learners hold a certificate, as the certificates capability does.
type issued struct {
	at    map[string]time.Time
	asked []string
}

func (f *issued) IssuedTo(_ context.Context, slug string, users []string) (map[string]time.Time, error) {
	if slug != "kokeilu" {
		return map[string]time.Time{}, nil
	}
	f.asked = append([]string(nil), users...)
	out := map[string]time.Time{}
	for _, u := range users {
		if t, ok := f.at[u]; ok {
			out[u] = t
		}
	}
	return out, nil
}

// TestDashboardCountsCertificates: the dashboard counts the members who hold a certificate,
// whatever the filter, and gives each her issue date.
func TestDashboardCountsCertificates(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c, people := dashboardCohort(t, w)
	when := t0.Add(days(5))
	f := &issued{at: map[string]time.Time{people["Aino"].ID: when, "not-a-member": when}}
	w.a.Cohorts.UseCertificates(f)

	d, err := w.a.Cohorts.Dashboard(ctx, w.trainer, c.ID, cohort.DashboardQuery{Sort: "name"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Certificates != 1 || len(d.Learners) != 3 {
		t.Fatalf("%d certificates among %d learners", d.Certificates, len(d.Learners))
	}
	if got := d.Learners[0].CertificateIssuedAt; d.Learners[0].Name != "Aino" || got == nil || !got.Equal(when) {
		t.Errorf("Aino's certificate: %v", got)
	}
	if d.Learners[1].CertificateIssuedAt != nil || d.Learners[2].CertificateIssuedAt != nil {
		t.Errorf("the others hold none: %+v", d.Learners[1:])
	}
	if slices.Contains(f.asked, "not-a-member") || len(f.asked) != 3 {
		t.Errorf("asked about %v", f.asked)
	}
	d, err = w.a.Cohorts.Dashboard(ctx, w.trainer, c.ID, cohort.DashboardQuery{State: "not_started"})
	if err != nil || d.Certificates != 1 || len(d.Learners) != 1 {
		t.Errorf("filtered: %d certificates, %d learners, %v", d.Certificates, len(d.Learners), err)
	}
}
