package certificate

import (
	"context"
	"fmt"
	"time"
)

// objectRemover is the Objects that can also delete (S3 storage can).
type objectRemover interface {
	RemoveObject(ctx context.Context, key string) error
}

// erasureReason is the reason recorded on a certificate revoked because its holder was erased.
const erasureReason = "holder erased (GDPR Article 17)"

// EraseHolder revokes every certificate of a person who is erased (GDPR Article 17), as Revoke
// does, by the admin who ordered the erasure (by; "" for retention), and then removes her from
// them: her name, the signed credential and the PDF are deleted and the record names the
// pseudonym, so that /verify answers "revoked" without her name. It can be run again. The
// caller decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Service) EraseHolder(ctx context.Context, userID, pseudonym, by string) error {
	docs, err := s.store.allOfUser(ctx, userID)
	if err != nil {
		return fmt.Errorf("read the certificates of %s: %w", userID, err)
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	for _, d := range docs {
		if err := s.store.revoke(ctx, d, now, by, erasureReason); err != nil {
			return err
		}
		if rm, ok := s.objects.(objectRemover); ok && d.PDFKey != "" {
			if err := rm.RemoveObject(ctx, d.PDFKey); err != nil {
				return fmt.Errorf("delete the PDF of certificate %s: %w", d.ID, err)
			}
		}
		if err := s.store.scrubHolder(ctx, d.ID, pseudonym); err != nil {
			return err
		}
	}
	return nil
}
