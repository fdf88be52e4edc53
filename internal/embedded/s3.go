package embedded

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/versity/versitygw/backend/meta"
	"github.com/versity/versitygw/backend/posix"
	"github.com/versity/versitygw/embedgw"
)

// Credentials are the root keys of the embedded S3 gateway.
type Credentials struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
}

// LoadOrCreateCredentials reads the gateway keys kept in path, generating and saving them (mode
// 0600) on first use, so that objects stay reachable across restarts.
func LoadOrCreateCredentials(path string) (Credentials, error) {
	var c Credentials
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &c); err != nil || c.AccessKey == "" || c.SecretKey == "" {
			return c, fmt.Errorf("read S3 credentials %s: the file is damaged; restore it from a backup", path)
		}
		return c, nil
	case !errors.Is(err, fs.ErrNotExist):
		return c, fmt.Errorf("read S3 credentials: %w", err)
	}
	c = Credentials{AccessKey: "taito" + randomHex(8), SecretKey: randomHex(24)}
	b, _ = json.MarshalIndent(c, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return c, fmt.Errorf("create S3 credentials directory: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return c, fmt.Errorf("write S3 credentials: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return c, fmt.Errorf("write S3 credentials: %w", err)
	}
	return c, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)
}

// S3 is a running in-process versitygw gateway over a posix directory.
type S3 struct {
	endpoint string
	cancel   context.CancelFunc
	done     chan error
}

// StartS3 starts the gateway on a loopback port with objects under dir/objects, metadata in the
// sidecar directory dir/meta and IAM data in dir/iam, and waits until it answers.
//
// versitygw allows one gateway per process, and its posix backend changes the process's working
// directory to its root: callers must have made every path they use absolute before calling.
// Close restores the previous working directory.
func StartS3(ctx context.Context, dir string, creds Credentials) (*S3, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	root, metaDir, iamDir := filepath.Join(abs, "objects"), filepath.Join(abs, "meta"), filepath.Join(abs, "iam")
	for _, d := range []string{root, metaDir, iamDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("create S3 directory: %w", err)
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, fmt.Errorf("embedded S3: %w", err)
	}
	sidecar, err := meta.NewSideCar(metaDir)
	if err != nil {
		return nil, fmt.Errorf("embedded S3 metadata: %w", err)
	}
	// As a library every zero option is taken literally: a zero copy threshold refuses every
	// server-side copy. 5 GiB is S3's own limit for a single copy.
	be, err := posix.New(root, sidecar, posix.PosixOpts{CopyObjectThreshold: 5 << 30})
	if err != nil {
		_ = os.Chdir(wd)
		return nil, fmt.Errorf("embedded S3 backend: %w", err)
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		_ = os.Chdir(wd)
		return nil, fmt.Errorf("embedded S3: %w", err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	s := &S3{endpoint: addr, cancel: cancel, done: make(chan error, 1)}
	go func() {
		err := embedgw.RunVersityGW(runCtx, be, &embedgw.Config{
			RootUserAccess:      creds.AccessKey,
			RootUserSecret:      creds.SecretKey,
			Region:              "us-east-1",
			Ports:               []string{addr},
			MaxConnections:      1024,
			MaxRequests:         1024,
			AdminMaxConnections: 16,
			AdminMaxRequests:    16,
			MultipartMaxParts:   10000,
			IAMDir:              iamDir,
			// The gateway's defaults come from its command line; as a library every zero is
			// taken literally, and a zero prune interval spins a core.
			IAMCacheTTL:   120,
			IAMCachePrune: 3600,
			Quiet:         true,
		})
		_ = os.Chdir(wd)
		s.done <- err
	}()
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		cancel()
		<-s.done
		return nil, err
	}
	return s, nil
}

// waitReady polls until the gateway answers HTTP (any status: an unsigned request gets 403).
func (s *S3) waitReady(ctx context.Context, limit time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for {
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("embedded S3 gateway stopped at start: %w", err)
		default:
		}
		resp, err := client.Get("http://" + s.endpoint + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("embedded S3 gateway did not answer within %s: %w", limit, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Endpoint is the gateway's host:port, for minio-go without TLS.
func (s *S3) Endpoint() string { return s.endpoint }

// Close stops the gateway and waits for it, at most timeout.
func (s *S3) Close(timeout time.Duration) error {
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("embedded S3 gateway: %w", err)
		}
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("embedded S3 gateway did not stop within %s", timeout)
	}
}
