package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/testenv"
)

// crashChildEnv makes the test binary run `taito serve` (configured by its environment)
// instead of the tests: the server process the crash test kills.
const crashChildEnv = "TAITO_TEST_CRASH_CHILD"

// serveIfCrashChild runs `taito serve` and exits when this process is the crash test's child;
// TestMain calls it first.
func serveIfCrashChild() {
	if os.Getenv(crashChildEnv) == "" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, []string{"taito", "serve"}, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "taito:", err)
		os.Exit(exitCode(err))
	}
	os.Exit(0)
}

const (
	crashLearners = 8
	crashClients  = 16
	crashPassword = "Kaatuu-mutta-ei-unohda-1"
	crashCourse   = "kokeilu"
	crashLesson   = "tervetuloa"
)

// crashServer is a `taito serve` child process.
type crashServer struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	done chan error
	addr string
}

// startCrashServer starts the test binary as a `taito serve` child with env and waits until
// it listens.
func startCrashServer(t *testing.T, env map[string]string) *crashServer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	s := &crashServer{cmd: cmd, logs: &syncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = io.Discard, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	s.addr = logLine(t, s.logs, s.done, "listening")["addr"].(string)
	return s
}

// kill ends the server at once, as a power cut or the OOM killer would.
func (s *crashServer) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s.done
}

// stop ends the server as SIGTERM does and requires a clean exit.
func (s *crashServer) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("taito serve exited with %v after SIGTERM; logs:\n%s", err, s.logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("taito serve did not stop within 30s; logs:\n%s", s.logs.String())
	}
}

// crashCLI runs a taito command in this process against the test's stores.
func crashCLI(t *testing.T, env map[string]string, stdin string, args ...string) string {
	t.Helper()
	var out, errs bytes.Buffer
	if err := run(context.Background(), append([]string{"taito"}, args...), func(k string) string { return env[k] }, strings.NewReader(stdin), &out, &errs); err != nil {
		t.Fatalf("taito %s: %v\n%s", strings.Join(args, " "), err, errs.String())
	}
	return out.String()
}

// crashEnv returns the environment of a Taito on the test's MongoDB-compatible server and S3,
// with a fresh database and bucket, its key files, a catch-up grace of a millisecond, the
// test course published and the learners' accounts; and the database.
func crashEnv(t *testing.T, learners []string) (map[string]string, *mongo.Database) {
	t.Helper()
	dir := t.TempDir()
	uri := testenv.MongoURI(t)
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	db := client.Database(testenv.RandomName("crash_"))
	t.Cleanup(func() {
		_ = db.Drop(context.Background())
		_ = client.Disconnect(context.Background())
	})
	s3 := testenv.S3Config(t)
	bucket := testenv.RandomName("crash-")
	t.Cleanup(func() { crashRemoveBucket(t, s3.Endpoint, s3.AccessKey, s3.SecretKey.Reveal(), s3.UseTLS, bucket) })

	env := map[string]string{
		"TAITO_MONGODB_URI":      uri,
		"TAITO_MONGODB_DATABASE": db.Name(),
		"TAITO_S3_ENDPOINT":      s3.Endpoint,
		"TAITO_S3_ACCESS_KEY":    s3.AccessKey,
		"TAITO_S3_SECRET_KEY":    s3.SecretKey.Reveal(),
		"TAITO_S3_REGION":        s3.Region,
		"TAITO_S3_USE_TLS":       fmt.Sprint(s3.UseTLS),
		"TAITO_S3_BUCKET":        bucket,
		"TAITO_DATA_DIR":         filepath.Join(dir, "data"),
		"TAITO_HTTP_ADDR":        "127.0.0.1:0",
		"TAITO_LOG_FORMAT":       "json",
		"TAITO_SHUTDOWN_TIMEOUT": "10s",
		"TAITO_CATCHUP_GRACE":    "1ms",
	}
	for name, args := range map[string][]string{"TAITO_JWT_KEY_FILE": {"keys", "generate"}, "TAITO_CREDENTIAL_KEY_FILE": {"credential-keys", "generate"}} {
		path := filepath.Join(dir, strings.ToLower(name)+".pem")
		if err := os.WriteFile(path, []byte(crashCLI(t, env, "", args...)), 0o600); err != nil {
			t.Fatal(err)
		}
		env[name] = path
	}
	for _, l := range learners {
		crashCLI(t, env, crashPassword+"\n", "user", "add", "--email", l, "--name", "Oppija", "--role", "learner", "--password-stdin")
	}
	_, fsys := testenv.Fixture(t)
	for name, f := range fsys {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	crashCLI(t, env, "", "import", "--publish", filepath.Join(dir, "courses", crashCourse))
	return env, db
}

func crashRemoveBucket(t *testing.T, endpoint, access, secret string, tls bool, bucket string) {
	c, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""), Secure: tls})
	if err != nil {
		t.Error(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for obj := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err == nil {
			_ = c.RemoveObject(ctx, bucket, obj.Key, minio.RemoveObjectOptions{})
		}
	}
	_ = c.RemoveBucket(ctx, bucket)
}

// crashSignIn returns a learner's access token.
func crashSignIn(t *testing.T, addr, email string) string {
	t.Helper()
	status, body := post(t, "http://"+addr+"/api/v1/auth/login", `{"email":"`+email+`","password":"`+crashPassword+`"}`)
	var login struct {
		AccessToken string `json:"access_token"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(body), &login) != nil || login.AccessToken == "" {
		t.Fatalf("sign-in of %s: %d %s", email, status, body)
	}
	return login.AccessToken
}

// ingest has crashClients clients post progressed events on the course's first lesson for the
// learners (tokens by e-mail) until the server stops answering; it returns the ids of the
// events sent and of those acknowledged, by learner. ackd is told of every acknowledgement.
func ingest(t *testing.T, addr string, tokens map[string]string, learners []string, ackd func()) (sent, acked map[string][]string) {
	t.Helper()
	sent, acked = map[string][]string{}, map[string][]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: crashClients}}
	url := "http://" + addr + "/api/v1/courses/" + crashCourse + "/lessons/" + crashLesson + "/events"
	for c := range crashClients {
		learner := learners[c%len(learners)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			for {
				id := uuid.NewString()
				body := fmt.Sprintf(`{"id":%q,"type":"progressed","seconds":%d,"position":%d}`, id, 1+r.IntN(30), r.IntN(3600))
				req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tokens[learner])
				req.Header.Set("Content-Type", "application/json")
				mu.Lock()
				sent[learner] = append(sent[learner], id)
				mu.Unlock()
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					t.Errorf("event of %s: %d %s", learner, resp.StatusCode, b)
					return
				}
				mu.Lock()
				acked[learner] = append(acked[learner], id)
				mu.Unlock()
				ackd()
			}
		}()
	}
	wg.Wait()
	client.CloseIdleConnections()
	return sent, acked
}

// progressDocs returns every projection in db, by id.
func progressDocs(t *testing.T, db *mongo.Database) map[string]learning.Facts {
	t.Helper()
	ctx := context.Background()
	cur, err := db.Collection("progress").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []learning.Facts
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	out := map[string]learning.Facts{}
	for _, d := range docs {
		out[d.ID] = d
	}
	return out
}

// TestCrashDuringIngestCatchesUp kills a `taito serve` process (SIGKILL) while 16 clients post
// lesson events for 8 learners, starts it again and checks that every acknowledged statement
// is in the log once and that, after the catch-up the restart runs, every learner's progress
// equals a rebuild from the log, although no client retried. A kill that leaves no projection
// behind its log proves nothing, so the kill is repeated (up to three times) until one does.
func TestCrashDuringIngestCatchesUp(t *testing.T) {
	learners := make([]string, crashLearners)
	for i := range learners {
		learners[i] = fmt.Sprintf("oppija%d@taito.test", i+1)
	}
	env, db := crashEnv(t, learners)
	ctx := context.Background()
	ignoreRev := cmpopts.IgnoreFields(learning.Facts{}, "Rev")
	sent, acked := map[string][]string{}, map[string][]string{}
	lagged := false
	for round := 1; round <= 3 && !lagged; round++ {
		srv := startCrashServer(t, env)
		tokens := map[string]string{}
		for _, l := range learners {
			tokens[l] = crashSignIn(t, srv.addr, l)
		}
		// Kill after a while of steady ingest: some hundred acknowledged events.
		var once sync.Once
		var n int
		var nmu sync.Mutex
		killAt := 150 + rand.IntN(150)
		s, a := ingest(t, srv.addr, tokens, learners, func() {
			nmu.Lock()
			n++
			kill := n == killAt
			nmu.Unlock()
			if kill {
				once.Do(func() { _ = srv.cmd.Process.Signal(syscall.SIGKILL) })
			}
		})
		<-srv.done
		for l := range s {
			sent[l] = append(sent[l], s[l]...)
			acked[l] = append(acked[l], a[l]...)
		}
		time.Sleep(200 * time.Millisecond) // the writes the killed process had sent land
		before := progressDocs(t, db)
		markers, err := db.Collection("statement_batches").CountDocuments(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}

		srv = startCrashServer(t, env)
		caught := logLine(t, srv.logs, srv.done, "progress catch-up at start")
		after := progressDocs(t, db)
		srv.stop(t)
		crashCLI(t, env, "", "progress", "rebuild")
		rebuilt := progressDocs(t, db)

		lagged = !cmp.Equal(before, rebuilt, ignoreRev)
		t.Logf("round %d: %d events acknowledged, %d markers left by the kill, live progress behind the log: %v; the restart caught up %v statements",
			round, n, markers, lagged, caught["statements"])
		if diff := cmp.Diff(rebuilt, after, ignoreRev); diff != "" {
			t.Fatalf("round %d: after the restart the live progress differs from a rebuild from the log (-rebuilt +live):\n%s", round, diff)
		}
		if lagged && caught["statements"] == float64(0) {
			t.Errorf("round %d: the live progress lagged the log, but the restart caught up nothing", round)
		}
	}
	if !lagged {
		t.Log("no kill landed between a batch's log and its projections; the catch-up had nothing to show")
	}

	// Every acknowledged statement is in the log once; nothing that was not sent is.
	var docs []struct {
		ID   string `bson:"_id"`
		User string `bson:"user"`
	}
	cur, err := db.Collection("statements").Find(ctx, bson.D{{Key: "system", Value: bson.D{{Key: "$ne", Value: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	inLog := map[string]int{}
	for _, d := range docs {
		inLog[d.ID]++
	}
	wasSent := map[string]bool{}
	total := 0
	for _, l := range learners {
		for _, id := range sent[l] {
			wasSent[id] = true
		}
		for _, id := range acked[l] {
			total++
			if inLog[id] != 1 {
				t.Errorf("acknowledged statement %s of %s is in the log %d times", id, l, inLog[id])
			}
		}
	}
	for _, d := range docs {
		if !wasSent[d.ID] {
			t.Errorf("statement %s of %s is in the log but was never sent", d.ID, d.User)
		}
	}
	if total == 0 {
		t.Fatal("no event was acknowledged")
	}
}
