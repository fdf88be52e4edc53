package cohort

import (
	"context"
	"time"
)

// Certificates tells dashboards and reports which learners hold a certificate of a course: for
// each of users who holds one that is not revoked, when the newest was issued; users without
// one are left out. The certificates capability answers it.
type Certificates interface {
	IssuedTo(ctx context.Context, slug string, users []string) (map[string]time.Time, error)
}

// UseCertificates lets dashboards and reports count certificates (without it they count none).
// Call it before the service is used.
func (s *Service) UseCertificates(c Certificates) { s.certificates = c }

// issuedTo is Certificates.IssuedTo, or nothing without it.
func (s *Service) issuedTo(ctx context.Context, slug string, users []string) (map[string]time.Time, error) {
	if s.certificates == nil {
		return map[string]time.Time{}, nil
	}
	return s.certificates.IssuedTo(ctx, slug, users)
}
