package media

import (
	"context"
	"encoding/json"
	"fmt"
)

// ExportOf returns the records of the uploads one person started ("media_uploads": file name,
// type, size, state, times), for her data export (GDPR Articles 15 and 20). The files
// themselves are course material and stay in the library. The caller decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (l *Library) ExportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	docs, err := l.store.exportUploads(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export the uploads of %s: %w", userID, err)
	}
	return map[string][]json.RawMessage{"media_uploads": docs}, nil
}

// RemoveObject deletes the object under key (nothing there is not an error): for files other
// capabilities write themselves, such as a person's data exports.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Storage) RemoveObject(ctx context.Context, key string) error {
	return s.remove(ctx, key)
}
