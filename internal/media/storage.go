// Package media keeps lesson media in S3-compatible storage: the bucket, uploads, validation,
// content-addressed keys and presigned delivery URLs.
//
// With TAITO_MEDIA_DELIVERY=redirect, media bytes never flow through the application: clients
// upload and download directly on presigned URLs, and this package signs, checks and records.
// With proxy (the embedded default, whose S3 only Taito reaches) the bytes are streamed through
// Taito in both directions. It is not an S3 server and has no
// fallback store: every call goes to a real S3-compatible service through minio-go.
package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/config"
)

// Storage is the bucket Taito keeps its media in. Its methods are the only calls to S3; what
// they return has gone through storageErr, so no layer above sees a raw network error.
type Storage struct {
	client *minio.Client
	bucket string
	region string
}

// NewStorage builds a client for cfg. It makes no request.
func NewStorage(cfg config.S3Config) (*Storage, error) {
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey.Reveal(), ""),
		Secure: cfg.UseTLS,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("S3 client for %s: %w", cfg.Endpoint, err)
	}
	return &Storage{client: client, bucket: cfg.Bucket, region: cfg.Region}, nil
}

// Bucket is the bucket's name.
func (s *Storage) Bucket() string { return s.bucket }

// Client is the underlying minio-go client.
func (s *Storage) Client() *minio.Client { return s.client }

// storageRetryAfter is what a client is told to wait when S3 cannot be reached.
const storageRetryAfter = 5 * time.Second

// storageErr translates an error of minio-go for the layers above, as mongox.Err does for the
// database: nil stays nil; the request's own deadline passing (or the request being cancelled)
// is apperr.KindTimeout; S3 that cannot be reached — a network error, the HTTP client's own
// timeout, a connection cut in the middle of a body, a gateway or S3 itself answering that it is
// unavailable — is apperr.KindUnavailable with a Retry-After. Anything else is an answer S3
// gave, wrapped with what was being done, so that errors.As still finds its
// minio.ErrorResponse.
func storageErr(ctx context.Context, doing string, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && (errors.Is(err, ctx.Err()) || errors.Is(err, context.DeadlineExceeded)):
		return apperr.Timeout("the media storage", fmt.Errorf("%s: %w", doing, err))
	case unreachable(err):
		return apperr.Unavailable("the media storage", storageRetryAfter, fmt.Errorf("%s: %w", doing, err))
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// unreachable reports whether err means that S3 could not be reached or did not answer, as
// opposed to an answer refusing the request.
func unreachable(err error) bool {
	var ne net.Error // *url.Error, *net.OpError, timeouts
	if errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch er.StatusCode {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
	}
	return false
}

// notFound reports whether S3 answered that there is no such object.
func notFound(err error) bool {
	var er minio.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusNotFound
}

// errNoObject is an object key with nothing stored under it.
var errNoObject = errors.New("no such object")

// EnsureBucket checks that the bucket exists and creates it if it does not. An error means the
// service is unreachable (apperr.KindUnavailable), the credentials are wrong, or the bucket
// cannot be created.
func (s *Storage) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return storageErr(ctx, fmt.Sprintf("check bucket %q", s.bucket), err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.region})
	return storageErr(ctx, fmt.Sprintf("bucket %q does not exist and could not be created", s.bucket), err)
}

// Ping checks that the bucket answers, for readiness probes. It returns
// apperr.KindUnavailable when S3 cannot be reached.
func (s *Storage) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return storageErr(ctx, "ping S3", err)
	}
	if !ok {
		return fmt.Errorf("bucket %q does not exist", s.bucket)
	}
	return nil
}

// has reports whether an object is stored under key; false also when S3 does not say.
func (s *Storage) has(ctx context.Context, key string) bool {
	_, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	return err == nil
}

// put stores data under key.
func (s *Storage) put(ctx context.Context, key string, data []byte, contentType string) error {
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{ContentType: contentType})
	return storageErr(ctx, "store "+key, err)
}

// open returns the object under key for reading, and its size; errNoObject when there is none.
// The caller closes it.
func (s *Storage) open(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	return s.openRange(ctx, key, 0, -1)
}

// openRange returns length bytes of the object under key from offset (length < 0: to the end),
// and the size S3 reports for what it sends; errNoObject when there is no object. The caller
// closes it.
func (s *Storage) openRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, int64, error) {
	opts := minio.GetObjectOptions{}
	switch {
	case length >= 0:
		_ = opts.SetRange(offset, offset+length-1)
	case offset > 0:
		_ = opts.SetRange(offset, 0)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, 0, storageErr(ctx, "read "+key, err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		if notFound(err) {
			return nil, 0, errNoObject
		}
		return nil, 0, storageErr(ctx, "stat "+key, err)
	}
	return &objectReader{obj: obj, ctx: ctx, key: key}, info.Size, nil
}

// putStream stores exactly size bytes read from r under key.
func (s *Storage) putStream(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	_, err := s.client.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: contentType})
	return storageErr(ctx, "store "+key, err)
}

// objectReader reads an object, translating the errors of reading it.
type objectReader struct {
	obj *minio.Object
	ctx context.Context
	key string
}

func (r *objectReader) Read(p []byte) (int, error) {
	n, err := r.obj.Read(p)
	if err != nil && err != io.EOF {
		err = storageErr(r.ctx, "read "+r.key, err)
	}
	return n, err
}

func (r *objectReader) Close() error { return r.obj.Close() }

// copy copies the object under src to dst.
func (s *Storage) copy(ctx context.Context, src, dst string) error {
	_, err := s.client.CopyObject(ctx, minio.CopyDestOptions{Bucket: s.bucket, Object: dst}, minio.CopySrcOptions{Bucket: s.bucket, Object: src})
	return storageErr(ctx, "copy "+src+" to "+dst, err)
}

// remove deletes the object under key; nothing there is not an error.
func (s *Storage) remove(ctx context.Context, key string) error {
	return storageErr(ctx, "remove "+key, s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}))
}

// list calls fn with the key and time of last change of every object under prefix, stopping at
// fn's first error.
func (s *Storage) list(ctx context.Context, prefix string, fn func(key string, modified time.Time) error) error {
	ctx, cancel := context.WithCancel(ctx) // stops the listing when fn stops it
	defer cancel()
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return storageErr(ctx, "list "+prefix, obj.Err)
		}
		if err := fn(obj.Key, obj.LastModified); err != nil {
			return err
		}
	}
	return nil
}

// presignPost returns the URL and form fields of a browser upload of exactly size bytes of
// contentType to key, valid until expires.
func (s *Storage) presignPost(ctx context.Context, key, contentType string, size int64, expires time.Time) (string, map[string]string, error) {
	p := minio.NewPostPolicy()
	_ = p.SetBucket(s.bucket)
	_ = p.SetKey(key)
	_ = p.SetExpires(expires)
	_ = p.SetContentType(contentType)
	_ = p.SetContentLengthRange(size, size)
	u, fields, err := s.client.PresignedPostPolicy(ctx, p)
	if err != nil {
		return "", nil, storageErr(ctx, "presign upload", err)
	}
	return u.String(), fields, nil
}

// startMultipart starts a multipart upload to key and returns its S3 upload id.
func (s *Storage) startMultipart(ctx context.Context, key, contentType string) (string, error) {
	id, err := minio.Core{Client: s.client}.NewMultipartUpload(ctx, s.bucket, key, minio.PutObjectOptions{ContentType: contentType})
	return id, storageErr(ctx, "start multipart upload", err)
}

// presignPart returns the URL to PUT part n of a multipart upload on, valid for ttl.
func (s *Storage) presignPart(ctx context.Context, key, uploadID string, n int, ttl time.Duration) (string, error) {
	u, err := s.client.Presign(ctx, http.MethodPut, s.bucket, key, ttl, url.Values{"partNumber": {strconv.Itoa(n)}, "uploadId": {uploadID}})
	if err != nil {
		return "", storageErr(ctx, "presign part", err)
	}
	return u.String(), nil
}

// completeMultipart joins the uploaded parts into the object. Parts S3 refuses (missing, wrong
// ETags) are a validation error.
func (s *Storage) completeMultipart(ctx context.Context, key, uploadID string, parts []CompletedPart) error {
	cps := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		cps[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	_, err := minio.Core{Client: s.client}.CompleteMultipartUpload(ctx, s.bucket, key, uploadID, cps, minio.PutObjectOptions{})
	var er minio.ErrorResponse
	if errors.As(err, &er) && er.StatusCode >= 400 && er.StatusCode < 500 {
		return apperr.Validation(apperr.NewField("parts", "S3 refused the parts: {code}", apperr.Params{"code": er.Code}))
	}
	return storageErr(ctx, "complete multipart upload", err)
}

// presignGet returns a URL to GET the object under key with the response headers in q, valid
// for ttl.
func (s *Storage) presignGet(ctx context.Context, key string, ttl time.Duration, q url.Values) (string, error) {
	u, err := s.client.PresignedGetObject(ctx, s.bucket, key, ttl, q)
	if err != nil {
		return "", storageErr(ctx, "presign media", err)
	}
	return u.String(), nil
}
