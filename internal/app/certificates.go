package app

import (
	"context"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/certificate"
)

// The certificate use cases: every front door (the JSON API, the web pages) calls these. A
// learner sees, downloads and shows only her own certificates — anyone else's id is not found,
// never forbidden; verification and the issuer's documents are public; only admins revoke.

// MyCredentials lists the actor's certificates, newest first.
func (a *App) MyCredentials(ctx context.Context, actor auth.Principal) ([]certificate.Certificate, error) {
	return a.Certificates.Mine(ctx, actor)
}

// MyCredential returns one of the actor's certificates.
//
// Returns certificate.ErrNotFound (also for another learner's id).
func (a *App) MyCredential(ctx context.Context, actor auth.Principal, id string) (certificate.Certificate, error) {
	return a.Certificates.Get(ctx, actor, id)
}

// CredentialPDF returns the PDF of one of the actor's certificates.
//
// Returns certificate.ErrNotFound (also for another learner's id).
func (a *App) CredentialPDF(ctx context.Context, actor auth.Principal, id string) ([]byte, error) {
	return a.Certificates.PDF(ctx, actor, id)
}

// CredentialJWT returns one of the actor's certificates with its signed Open Badges 3.0
// credential (Certificate.JWT, a VC-JWT).
//
// Returns certificate.ErrNotFound (also for another learner's id).
func (a *App) CredentialJWT(ctx context.Context, actor auth.Principal, id string) (certificate.Certificate, error) {
	return a.Certificates.Get(ctx, actor, id)
}

// SetShowName records whether the actor shows her name on her certificate's public
// verification page.
//
// Returns certificate.ErrNotFound (also for another learner's id).
func (a *App) SetShowName(ctx context.Context, actor auth.Principal, id string, show bool) (certificate.Certificate, error) {
	return a.Certificates.SetShowName(ctx, actor, id, show)
}

// Verify tells anyone, signed in or not, whether id is a valid or revoked certificate, with the
// issuer, course, dates and, if she chose to show it, the learner's name. A malformed id and an
// unknown one answer alike.
//
// Returns certificate.ErrNotFound.
func (a *App) Verify(ctx context.Context, id string) (certificate.Verification, error) {
	return a.Certificates.Verify(ctx, id)
}

// RevokeCredential revokes a certificate with a reason (at most 500 characters), for admins.
// Revoking it again keeps the first revocation.
//
// Returns certificate.ErrNotAdmin, certificate.ErrNotFound and validation errors (reason).
func (a *App) RevokeCredential(ctx context.Context, actor auth.Principal, id, reason string) (certificate.Certificate, error) {
	return a.Certificates.Revoke(ctx, actor, id, reason)
}

// CredentialIssuer returns the issuer's profile (Open Badges 3.0 Profile JSON), public.
func (a *App) CredentialIssuer() ([]byte, error) { return a.Certificates.IssuerProfile() }

// CredentialJWKS returns every public key that has signed a credential (JWKS JSON), public.
func (a *App) CredentialJWKS() []byte { return a.Certificates.JWKS() }

// CredentialStatusList returns a revocation status list as a signed
// BitstringStatusListCredential (VC-JWT), public.
//
// Returns certificate.ErrNoStatusList.
func (a *App) CredentialStatusList(ctx context.Context, list string) (string, error) {
	return a.Certificates.StatusList(ctx, list)
}

// IssueCertificates works the queued certificate jobs (safe on several replicas at once) and
// returns how many certificates it issued. It needs no SMTP: the e-mails it queues wait in the
// outbox for the e-mail worker.
func (a *App) IssueCertificates(ctx context.Context) (int, error) {
	return a.Certificates.ProcessDue(ctx)
}
