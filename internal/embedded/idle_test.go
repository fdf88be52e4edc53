package embedded_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/embedded"
)

func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestServersIdleQuietly guards against a busy loop in an idle embedded server (a zero IAM cache
// prune interval once made the S3 gateway spin a whole core). It compares CPU time, not wall
// time: an idle pair uses almost none, a spinning one about one second per second.
func TestServersIdleQuietly(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	ctx := context.Background()
	m, err := embedded.StartMongo(ctx, filepath.Join(dir, "db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(10 * time.Second)
	s, err := embedded.StartS3(ctx, filepath.Join(dir, "s3"), embedded.Credentials{AccessKey: "idletest", SecretKey: "idletestsecret-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // let start-up work settle
	before := cpuTime(t)
	time.Sleep(3 * time.Second)
	used := cpuTime(t) - before
	if used > time.Second {
		t.Errorf("idle embedded servers used %s of CPU in 3s", used)
	}
	if err := s.Close(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.Getwd(); got != wd {
		t.Errorf("working directory after Close = %q, want %q", got, wd)
	}
}
