package media

import (
	"context"
	"fmt"
)

// EraseUploads removes a person from the media library, for her erasure (GDPR Article 17): the
// records of the uploads she started are deleted with any file still in quarantine, and the
// media she added to courses stay (they are the organisation's course material) with the
// pseudonym as the one who added them. It can be run again. The caller decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (l *Library) EraseUploads(ctx context.Context, userID, pseudonym string) error {
	keys, err := l.store.uploadKeysOf(ctx, userID)
	if err != nil {
		return fmt.Errorf("read the uploads of %s: %w", userID, err)
	}
	for _, k := range keys {
		if err := l.storage.remove(ctx, k); err != nil {
			return fmt.Errorf("delete an upload of %s: %w", userID, err)
		}
	}
	if err := l.store.eraseUploader(ctx, userID, pseudonym); err != nil {
		return fmt.Errorf("erase the uploads of %s: %w", userID, err)
	}
	return nil
}
