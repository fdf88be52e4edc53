package media_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/config"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/testenv"
)

// closedEndpoint returns a loopback address nothing listens on.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// silentEndpoint returns a loopback address that accepts connections and never answers.
func silentEndpoint(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestStorageThatCannotBeReached checks that S3 out of reach comes out of the library as
// KindUnavailable with a Retry-After, and S3 that does not answer within the request's deadline
// as KindTimeout: never as a raw network error.
func TestStorageThatCannotBeReached(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		endpoint string
		deadline time.Duration
		want     apperr.Kind
	}{
		{"nothing listens", closedEndpoint(t), time.Minute, apperr.KindUnavailable},
		{"no answer before the request's deadline", silentEndpoint(t), 300 * time.Millisecond, apperr.KindTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, err := media.NewStorage(config.S3Config{Endpoint: tc.endpoint, AccessKey: "taito", SecretKey: "secret-key", Region: config.DefaultRegion, Bucket: "media"})
			if err != nil {
				t.Fatal(err)
			}
			lib := media.NewLibrary(testenv.Mongo(t), st, media.Limits{MaxVideo: 64 << 20, MaxOther: 20 << 20, Multipart: 6 << 20, PartSize: 5 << 20}, time.Now)
			for _, call := range []struct {
				name string
				do   func(context.Context) error
			}{
				{"ping", st.Ping},
				{"ensure the bucket", st.EnsureBucket},
				{"start a multipart upload", func(ctx context.Context) error {
					_, err := lib.StartUpload(ctx, trainer, "luento.mp4", media.TypeMP4, 10<<20)
					return err
				}},
				{"store an asset", func(ctx context.Context) error {
					_, _, err := lib.PutAsset(ctx, "kuva.png", pngBytes(t, 4, 4), "t")
					return err
				}},
			} {
				t.Run(call.name, func(t *testing.T) {
					t.Parallel()
					ctx, cancel := context.WithTimeout(context.Background(), tc.deadline)
					defer cancel()
					err := call.do(ctx)
					var ae *apperr.Error
					if !errors.As(err, &ae) || ae.Kind != tc.want {
						t.Fatalf("err = %v (kind %v), want kind %v", err, apperr.KindOf(err), tc.want)
					}
					if tc.want == apperr.KindUnavailable && ae.RetryAfter != 5*time.Second {
						t.Errorf("Retry-After %v, want 5s", ae.RetryAfter)
					}
				})
			}
		})
	}
}
