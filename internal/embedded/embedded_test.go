package embedded_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/taito-lms/taito/internal/embedded"
)

func TestLockDataDirIsExclusive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, err := embedded.LockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = embedded.LockDataDir(dir)
	if !errors.Is(err, embedded.ErrLocked) {
		t.Fatalf("second lock: err = %v, want ErrLocked", err)
	}
	if !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("lock error does not name the holder: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := embedded.LockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	_ = again.Close()
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode = %v, %v; want 0700", fi.Mode().Perm(), err)
	}
}

func TestCredentialsAreKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "s3-credentials.json")
	a, err := embedded.LoadOrCreateCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.SecretKey) < 32 || a.AccessKey == "" {
		t.Fatalf("weak generated credentials: %+v", a)
	}
	b, err := embedded.LoadOrCreateCredentials(path)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("credentials changed between loads: %+v then %+v", a, b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode %v, want 0600", fi.Mode().Perm())
	}
	if err := os.WriteFile(path, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := embedded.LoadOrCreateCredentials(path); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged file: err = %v, want a clear error and no silent regeneration", err)
	}
}
