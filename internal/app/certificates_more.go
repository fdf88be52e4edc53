package app

import (
	"context"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/certificate"
)

// VerifyWithDetails is Verify with what the certificate's PDF says of its course (modules and
// learning outcomes, workload, description, criteria, competences), for the public verification
// page, which shows everything the PDF does. An unknown or malformed id takes Verify's path
// and nothing more.
//
// Returns certificate.ErrNotFound.
func (a *App) VerifyWithDetails(ctx context.Context, id string) (certificate.Verification, certificate.Details, error) {
	v, err := a.Certificates.Verify(ctx, id)
	if err != nil {
		return certificate.Verification{}, certificate.Details{}, err
	}
	d, err := a.Certificates.Details(ctx, v)
	return v, d, err
}

// CredentialRecord returns any certificate with its revocation, for admins.
//
// Returns certificate.ErrNotAdmin and certificate.ErrNotFound.
func (a *App) CredentialRecord(ctx context.Context, actor auth.Principal, id string) (certificate.Record, error) {
	return a.Certificates.Record(ctx, actor, id)
}

// RecentCredentials lists the newest certificates (at most limit, up to 200), for admins.
//
// Returns certificate.ErrNotAdmin.
func (a *App) RecentCredentials(ctx context.Context, actor auth.Principal, limit int) ([]certificate.Record, error) {
	return a.Certificates.Recent(ctx, actor, limit)
}
