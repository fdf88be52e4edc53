package media

import (
	"context"
	"errors"
	"io"
)

// ErrNoObject is an object key with nothing stored under it.
var ErrNoObject = errNoObject

// PutObject stores data under key, replacing what was there: for files other capabilities
// write themselves (certificates), outside the media library's quarantine and checks.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Storage) PutObject(ctx context.Context, key string, data []byte, contentType string) error {
	return s.put(ctx, key, data, contentType)
}

// GetObject returns the whole object under key, at most max bytes.
//
// Returns ErrNoObject, apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Storage) GetObject(ctx context.Context, key string, max int64) ([]byte, error) {
	r, size, err := s.open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if size > max {
		return nil, errors.New("object " + key + " is larger than expected")
	}
	return io.ReadAll(io.LimitReader(r, max))
}
