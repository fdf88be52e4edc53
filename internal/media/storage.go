// Package media keeps lesson media in S3-compatible storage: the bucket, uploads, validation,
// content-addressed keys and presigned delivery URLs.
//
// Media bytes never flow through the application: clients upload and download directly on
// presigned URLs, and this package signs, checks and records. It is not an S3 server and has no
// fallback store: every call goes to a real S3-compatible service through minio-go.
package media

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/taito-lms/taito/internal/config"
)

// Storage is the bucket Taito keeps its media in.
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

// EnsureBucket checks that the bucket exists and creates it if it does not. An error means the
// service is unreachable, the credentials are wrong, or the bucket cannot be created.
func (s *Storage) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("check bucket %q: %w", s.bucket, err)
	}
	if ok {
		return nil
	}
	if err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.region}); err != nil {
		return fmt.Errorf("bucket %q does not exist and could not be created: %w", s.bucket, err)
	}
	return nil
}

// Ping checks that the bucket answers, for readiness probes.
func (s *Storage) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("bucket %q does not exist", s.bucket)
	}
	return nil
}
