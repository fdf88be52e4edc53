package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

// replicaLifetime is the cache lifetime the replicas run with (TAITO_CACHE_LIFETIME): another
// replica's change must show within it. The default (30 seconds for accounts) would make the
// test wait; the bound is the same code either way.
const replicaLifetime = time.Second

// convergeSlack is what a change may take beyond the lifetime on a loaded machine: the
// polling step, a request's own time.
const convergeSlack = 2 * time.Second

const replicaPassword = "Kolme-replikaa-yksi-kanta"

// cluster is several `taito serve` processes (run in this process, as main would) over one
// MongoDB-compatible server and one S3 bucket, with one SMTP server for all of them.
type cluster struct {
	env      map[string]string
	replicas []*process
	db       *mongo.Database
	mail     *testenv.MailServer
}

// startCluster starts n replicas over a fresh database and bucket, after seeding an admin, the
// learners named and two courses through the command line: kokeilu (open to every learner)
// and ryhma (for its cohorts' members only).
func startCluster(t *testing.T, n int, learners []string) *cluster {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	c := &cluster{mail: testenv.StartMailServer(t)}

	uri := testenv.MongoURI(t)
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	c.db = client.Database(testenv.RandomName("replicas_"))
	t.Cleanup(func() {
		_ = c.db.Drop(context.Background())
		_ = client.Disconnect(context.Background())
	})

	s3 := testenv.S3Config(t)
	bucket := testenv.RandomName("replicas-")
	t.Cleanup(func() { removeTestBucket(t, s3.Endpoint, s3.AccessKey, s3.SecretKey.Reveal(), s3.UseTLS, bucket) })

	// Every replica signs with the same keys: the files an operator generates once.
	jwtKeys, credKeys := filepath.Join(dir, "jwt-keys.pem"), filepath.Join(dir, "credential-keys.pem")
	for path, args := range map[string][]string{jwtKeys: {"taito", "keys", "generate"}, credKeys: {"taito", "credential-keys", "generate"}} {
		var out bytes.Buffer
		if err := run(ctx, args, func(string) string { return "" }, nil, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if err := os.WriteFile(path, out.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c.env = map[string]string{
		"TAITO_MONGODB_URI":         uri,
		"TAITO_MONGODB_DATABASE":    c.db.Name(),
		"TAITO_S3_ENDPOINT":         s3.Endpoint,
		"TAITO_S3_ACCESS_KEY":       s3.AccessKey,
		"TAITO_S3_SECRET_KEY":       s3.SecretKey.Reveal(),
		"TAITO_S3_REGION":           s3.Region,
		"TAITO_S3_USE_TLS":          fmt.Sprint(s3.UseTLS),
		"TAITO_S3_BUCKET":           bucket,
		"TAITO_JWT_KEY_FILE":        jwtKeys,
		"TAITO_CREDENTIAL_KEY_FILE": credKeys,
		// One address for all, as behind a load balancer: statements name it.
		"TAITO_PUBLIC_URL":       "http://taito.test",
		"TAITO_HTTP_ADDR":        "127.0.0.1:0",
		"TAITO_LOG_FORMAT":       "json",
		"TAITO_LOG_LEVEL":        "info", // the "listening" line
		"TAITO_SHUTDOWN_TIMEOUT": "10s",
		"TAITO_CACHE_LIFETIME":   replicaLifetime.String(),
		"TAITO_OUTBOX_INTERVAL":  "100ms",
		"TAITO_SMTP_URL":         "smtp://" + c.mail.Addr(),
		"TAITO_SMTP_FROM":        "Taito <noreply@taito.test>",
	}

	c.cli(t, strings.NewReader(replicaPassword+"\n"), "user", "add", "--email", "admin@taito.test", "--name", "Ylläpitäjä", "--role", "admin", "--password-stdin")
	for _, l := range learners {
		c.cli(t, strings.NewReader(replicaPassword+"\n"), "user", "add", "--email", l, "--name", "Oppija "+strings.Split(l, "@")[0], "--role", "learner", "--password-stdin")
	}
	c.cli(t, nil, append([]string{"import", "--publish"}, writeCourses(t, filepath.Join(dir, "courses"))...)...)

	for i := range n {
		env := map[string]string{"TAITO_DATA_DIR": filepath.Join(dir, fmt.Sprintf("replica-%d", i))}
		for k, v := range c.env {
			env[k] = v
		}
		p := startReplica(t, env)
		c.replicas = append(c.replicas, p)
	}
	t.Cleanup(func() { c.stop(t) })
	return c
}

// stop stops the replicas still running, as SIGTERM does.
func (c *cluster) stop(t *testing.T) {
	t.Helper()
	for _, p := range c.replicas {
		p.stop(t)
	}
	c.replicas = nil
}

// cli runs a taito command against the cluster's stores, as an operator would.
func (c *cluster) cli(t *testing.T, stdin io.Reader, args ...string) string {
	t.Helper()
	var out, errs bytes.Buffer
	env := map[string]string{"TAITO_DATA_DIR": filepath.Join(t.TempDir(), "cli")}
	for k, v := range c.env {
		env[k] = v
	}
	if err := run(context.Background(), append([]string{"taito"}, args...), func(k string) string { return env[k] }, stdin, &out, &errs); err != nil {
		t.Fatalf("taito %s: %v\n%s", strings.Join(args, " "), err, errs.String())
	}
	return out.String()
}

// writeCourses writes the test course twice under dir: kokeilu as it is (open), ryhma for its
// cohorts' members only; it returns their directories.
func writeCourses(t *testing.T, dir string) []string {
	t.Helper()
	_, fsys := testenv.Fixture(t)
	for name, f := range fsys {
		for _, out := range []string{name, strings.Replace(name, "courses/kokeilu/", "courses/ryhma/", 1)} {
			data := f.Data
			if out == "courses/ryhma/course.yaml" {
				data = bytes.Replace(data, []byte("access: open"), []byte("access: cohort"), 1)
			}
			path := filepath.Join(dir, filepath.FromSlash(out))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return []string{filepath.Join(dir, "courses", "kokeilu"), filepath.Join(dir, "courses", "ryhma")}
}

// startReplica runs `taito serve` on external stores in this process and waits until it
// listens.
func startReplica(t *testing.T, env map[string]string) *process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{cancel: cancel, done: make(chan error, 1), logs: &syncBuffer{}, stdout: &syncBuffer{}}
	go func() {
		p.done <- run(ctx, []string{"taito", "serve"}, func(k string) string { return env[k] }, nil, p.stdout, p.logs)
	}()
	p.addr = logLine(t, p.logs, p.done, "listening")["addr"].(string)
	return p
}

func removeTestBucket(t *testing.T, endpoint, access, secret string, tls bool, bucket string) {
	c, err := minio.New(endpoint, &minio.Options{Creds: credentials.NewStaticV4(access, secret, ""), Secure: tls})
	if err != nil {
		t.Error(err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if ok, err := c.BucketExists(ctx, bucket); err != nil || !ok {
		return
	}
	for obj := range c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err == nil {
			_ = c.RemoveObject(ctx, bucket, obj.Key, minio.RemoveObjectOptions{})
		}
	}
	if err := c.RemoveBucket(ctx, bucket); err != nil {
		t.Errorf("remove bucket %s: %v", bucket, err)
	}
}

// call makes one JSON API request and returns the status and body; a request that gets no
// answer fails the test and returns status 0 (it may run on any goroutine).
func call(t *testing.T, method, url, token string, body any, header ...string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Error(err)
		return 0, nil
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, url, err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (p *process) url(path string) string { return "http://" + p.addr + path }

// signIn signs in through the API of replica p and returns the access token and user id.
func signIn(t *testing.T, p *process, email string) (token, id string) {
	t.Helper()
	status, body := call(t, "POST", p.url("/api/v1/auth/login"), "", map[string]string{"email": email, "password": replicaPassword})
	if status != 200 {
		t.Fatalf("sign-in of %s: %d %s", email, status, body)
	}
	var login struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(body, &login)
	status, body = call(t, "GET", p.url("/api/v1/me"), login.AccessToken, nil)
	var me struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &me); status != 200 || err != nil || me.ID == "" {
		t.Fatalf("GET /api/v1/me: %d %s", status, body)
	}
	return login.AccessToken, me.ID
}

// browser is a web client with a cookie jar: cookies are not kept per port, so a session
// started on one replica is carried to the others, as behind a load balancer.
type browser struct {
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn signs in through the web app's form on replica p.
func (b *browser) signIn(t *testing.T, p *process, email string) {
	t.Helper()
	resp, err := b.c.Get(p.url("/sign-in"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	u, _ := url.Parse(p.url("/"))
	csrf := ""
	for _, ck := range b.c.Jar.Cookies(u) {
		if ck.Name == "taito_form" {
			csrf = ck.Value
		}
	}
	if csrf == "" {
		t.Fatal("the sign-in page set no form cookie")
	}
	resp, err = b.c.PostForm(p.url("/sign-in"), url.Values{"email": {email}, "password": {replicaPassword}, "csrf": {csrf}, "next": {"/profile"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("web sign-in on %s: %d", p.addr, resp.StatusCode)
	}
}

// status is the status of GET path on replica p, redirects not followed.
func (b *browser) status(t *testing.T, p *process, path string) int {
	t.Helper()
	resp, err := b.c.Get(p.url(path))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// within polls cond every 50 ms until it holds and returns how long after since that was; it
// fails the test when cond does not hold within limit of since.
func within(t *testing.T, since time.Time, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := since
	for {
		if cond() {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			t.Errorf("%s: not within %s", what, limit)
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSeveralReplicas runs three Taito servers over one MongoDB-compatible server and one S3
// bucket, none of them the sole writer, and shows that they act as one Taito: the same
// learners' events sent through all of them at once leave every projection equal to a rebuild
// from the log; a disabled account, a new cohort member and a newly published version show on
// the other replicas within the cache lifetime; and every e-mail is delivered once, though all
// three send from the same outbox.
func TestSeveralReplicas(t *testing.T) {
	learners := []string{"aino@taito.test", "eino@taito.test", "helmi@taito.test", "onni@taito.test"}
	const disabled, joining = "suljettu@taito.test", "liittyva@taito.test"
	setup := time.Now()
	c := startCluster(t, 3, append(append([]string{}, learners...), disabled, joining))
	a, b, cc := c.replicas[0], c.replicas[1], c.replicas[2]
	t.Logf("seeded and started %d replicas in %s", len(c.replicas), time.Since(setup).Round(time.Millisecond))
	admin, _ := signIn(t, a, "admin@taito.test")

	t.Run("events through every replica equal a rebuild", func(t *testing.T) {
		c.concurrentEvents(t, learners)
	})
	t.Run("a disabled account is refused by the other replicas", func(t *testing.T) {
		tokB, id := signIn(t, b, disabled)
		tokC, _ := signIn(t, cc, disabled)
		web := newBrowser(t)
		web.signIn(t, b, disabled)
		// Sticky sessions are not needed: each replica honours the others' tokens and sessions,
		// and now has her account's status cached.
		for _, p := range []*process{b, cc} {
			for _, tok := range []string{tokB, tokC} {
				if status, body := call(t, "GET", p.url("/api/v1/me"), tok, nil); status != 200 {
					t.Fatalf("GET /api/v1/me on %s before disabling: %d %s", p.addr, status, body)
				}
			}
			if status := web.status(t, p, "/profile"); status != 200 {
				t.Fatalf("GET /profile on %s before disabling: %d", p.addr, status)
			}
		}
		changed := time.Now()
		if status, body := call(t, "PATCH", a.url("/api/v1/users/"+id), admin, map[string]any{"disabled": true}); status != 200 {
			t.Fatalf("disable on A: %d %s", status, body)
		}
		for _, p := range []*process{b, cc} {
			took := within(t, changed, replicaLifetime+convergeSlack, "API refused on "+p.addr, func() bool {
				s1, _ := call(t, "GET", p.url("/api/v1/me"), tokB, nil)
				s2, _ := call(t, "GET", p.url("/api/v1/me"), tokC, nil)
				return s1 == 401 && s2 == 401
			})
			t.Logf("the disabled account's tokens refused on %s after %s", p.addr, took.Round(time.Millisecond))
		}
		for _, p := range []*process{cc, b} {
			took := within(t, changed, replicaLifetime+convergeSlack, "web session refused on "+p.addr, func() bool {
				return web.status(t, p, "/profile") == http.StatusSeeOther
			})
			t.Logf("the disabled account's browser session refused on %s after %s", p.addr, took.Round(time.Millisecond))
		}
	})
	t.Run("cohort and course changes converge", func(t *testing.T) {
		tokB, _ := signIn(t, b, joining)
		tokC, _ := signIn(t, cc, joining)
		for _, x := range []struct {
			p   *process
			tok string
		}{{b, tokB}, {cc, tokC}} {
			if status, body := call(t, "GET", x.p.url("/api/v1/courses/ryhma"), x.tok, nil); status == 200 {
				t.Fatalf("a cohort-only course is shown to a learner in no cohort: %s", body)
			}
		}
		changed := time.Now()
		status, body := call(t, "POST", a.url("/api/v1/cohorts"), admin, map[string]any{"course": "ryhma", "name": "Kevät"})
		if status != 201 {
			t.Fatalf("create cohort on A: %d %s", status, body)
		}
		var cohort struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(body, &cohort)
		if status, body := call(t, "POST", a.url("/api/v1/cohorts/"+cohort.ID+"/members"), admin, map[string]any{"emails": []string{joining}}); status != 200 || !strings.Contains(string(body), `"enrolled"`) {
			t.Fatalf("add member on A: %d %s", status, body)
		}
		for _, x := range []struct {
			p   *process
			tok string
		}{{b, tokB}, {cc, tokC}} {
			took := within(t, changed, replicaLifetime+convergeSlack, "new member sees the course on "+x.p.addr, func() bool {
				status, _ := call(t, "GET", x.p.url("/api/v1/courses/ryhma"), x.tok, nil)
				return status == 200
			})
			t.Logf("the new member reads the cohort's course on %s after %s", x.p.addr, took.Round(time.Millisecond))
		}

		// A new version published on A.
		version := func(p *process, tok string) int {
			status, body := call(t, "GET", p.url("/api/v1/courses/kokeilu"), tok, nil)
			var o struct {
				Version int `json:"version"`
			}
			if err := json.Unmarshal(body, &o); status != 200 || err != nil {
				t.Fatalf("GET /api/v1/courses/kokeilu on %s: %d %s", p.addr, status, body)
			}
			return o.Version
		}
		if vb, vc := version(b, tokB), version(cc, tokC); vb != 1 || vc != 1 {
			t.Fatalf("versions before publishing: %d and %d, want 1", vb, vc)
		}
		changed = time.Now()
		c.publishNewVersion(t, a, admin, "kokeilu")
		for _, x := range []struct {
			p   *process
			tok string
		}{{b, tokB}, {cc, tokC}} {
			took := within(t, changed, replicaLifetime+convergeSlack, "version 2 on "+x.p.addr, func() bool { return version(x.p, x.tok) == 2 })
			t.Logf("version 2 delivered on %s after %s", x.p.addr, took.Round(time.Millisecond))
		}
	})
	t.Run("each e-mail is sent once", func(t *testing.T) {
		c.emailsOnce(t, admin, learners)
	})
	c.stop(t)
	t.Run("a resend after a crash keeps the Message-ID", func(t *testing.T) {
		c.resendAfterCrash(t)
	})
}

// concurrentEvents sends every learner's lesson events through all replicas at once, each
// event twice through different replicas (a client retrying elsewhere), and then compares every
// projection with what `taito progress rebuild` makes of the log.
func (c *cluster) concurrentEvents(t *testing.T, learners []string) {
	type learner struct {
		email  string
		tokens []string // one per replica
	}
	ls := make([]learner, len(learners))
	for i, e := range learners {
		ls[i].email = e
		for _, p := range c.replicas {
			tok, _ := signIn(t, p, e)
			ls[i].tokens = append(ls[i].tokens, tok)
		}
	}
	// The lessons open to a learner who has not passed the first module's quiz.
	lessons := []string{"tervetuloa", "visa"}
	type event struct {
		lesson string
		body   map[string]any
	}
	var events []event
	for round := range 8 {
		for i, lesson := range lessons {
			kinds := []map[string]any{
				{"type": "viewed"},
				{"type": "progressed", "seconds": 5 + round + i, "position": float64(10*round + i)},
			}
			if round == 3 && lesson == "tervetuloa" {
				kinds = append(kinds, map[string]any{"type": "completed"})
			}
			for _, k := range kinds {
				k["id"] = uuid.NewString()
				events = append(events, event{lesson, k})
			}
		}
	}
	// Her first view of the first lesson opens the second (the module is sequential): sent
	// before the others, so that no event finds its lesson still locked.
	for _, l := range ls {
		if status, body := call(t, "POST", c.replicas[0].url("/api/v1/courses/kokeilu/lessons/tervetuloa/events"), l.tokens[0], map[string]any{"type": "viewed"}); status != 201 {
			t.Fatalf("first view of %s: %d %s", l.email, status, body)
		}
	}
	var mu sync.Mutex
	answers := map[int]int{}
	var wg sync.WaitGroup
	start := time.Now()
	for li := range ls {
		for r := range c.replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Replica r sends the events whose index is r or r+1 modulo the replica count:
				// each event goes through two replicas.
				for n, e := range events {
					if n%len(c.replicas) != r && (n+1)%len(c.replicas) != r {
						continue
					}
					body := maps.Clone(e.body)
					body["id"] = uuid.NewSHA1(uuid.NameSpaceURL, []byte(ls[li].email+"|"+e.body["id"].(string))).String() // hers alone
					status, answer := call(t, "POST", c.replicas[r].url("/api/v1/courses/kokeilu/lessons/"+e.lesson+"/events"), ls[li].tokens[r], body)
					if status >= 500 || status == 401 || status == 400 || status == 409 {
						t.Errorf("event %d (%v) of %s through replica %d: %d %s", n, body, ls[li].email, r, status, answer)
					}
					mu.Lock()
					answers[status]++
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	t.Logf("%d learners' %d events sent twice through %d replicas in %s; answers by status: %v",
		len(ls), len(events), len(c.replicas), time.Since(start).Round(time.Millisecond), answers)
	if answers[201] != len(ls)*len(events) || answers[200] != len(ls)*len(events) {
		t.Errorf("answers %v to %d events sent twice: want each recorded once (201) and its retry answered as a duplicate (200)", answers, len(ls)*len(events))
	}

	live := c.projections(t)
	if len(live) != len(ls) {
		t.Fatalf("%d projections of kokeilu, want one per learner (%d)", len(live), len(ls))
	}
	c.cli(t, nil, "progress", "rebuild", "--course", "kokeilu")
	rebuilt := c.projections(t)
	if diff := cmp.Diff(live, rebuilt); diff != "" {
		t.Errorf("live projections differ from their rebuild from the log (-live +rebuilt):\n%s", diff)
	}
	n, _ := c.db.Collection("statements").CountDocuments(context.Background(), bson.D{})
	t.Logf("%d statements in the log", n)
}

// projections reads every stored projection, without its revision (a fresh one per write) and
// with its fields unordered (the order in which updates first set them is no part of it).
func (c *cluster) projections(t *testing.T) map[string]any {
	t.Helper()
	ctx := context.Background()
	cur, err := c.db.Collection("progress").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.M
	if err := cur.All(ctx, &docs); err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	for _, d := range docs {
		delete(d, "rev")
		out[fmt.Sprint(d["_id"])] = unordered(d)
	}
	return out
}

// unordered turns the documents in v into maps, recursively.
func unordered(v any) any {
	switch x := v.(type) {
	case bson.D:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[e.Key] = unordered(e.Value)
		}
		return m
	case bson.M:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = unordered(e)
		}
		return m
	case bson.A:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = unordered(e)
		}
		return out
	}
	return v
}

// publishNewVersion changes the draft of a course on replica p and publishes it.
func (c *cluster) publishNewVersion(t *testing.T, p *process, token, slug string) {
	t.Helper()
	status, body := call(t, "GET", p.url("/api/v1/courses/"+slug+"/draft"), token, nil)
	if status != 200 {
		t.Fatalf("GET draft: %d %s", status, body)
	}
	var draft struct {
		Course map[string]any `json:"course"`
		ETag   string         `json:"etag"`
	}
	if err := json.Unmarshal(body, &draft); err != nil {
		t.Fatal(err)
	}
	title, ok := draft.Course["title"].(map[string]any)
	if !ok {
		t.Fatalf("draft without a title: %s", body)
	}
	title["fi"] = fmt.Sprint(title["fi"]) + " (syksy)"
	if status, body := call(t, "PUT", p.url("/api/v1/courses/"+slug+"/draft"), token, draft.Course, "If-Match", draft.ETag); status != 200 {
		t.Fatalf("PUT draft: %d %s", status, body)
	}
	if status, body := call(t, "POST", p.url("/api/v1/courses/"+slug+"/publish"), token, nil); status != 201 || !strings.Contains(string(body), `"version":2`) {
		t.Fatalf("publish: %d %s", status, body)
	}
}

// emailsOnce makes e-mail through every replica at once — invitations and password resets —
// and checks that each queued e-mail reached the SMTP server exactly once, though every
// replica's worker sends from the same outbox.
func (c *cluster) emailsOnce(t *testing.T, admin string, learners []string) {
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	for i, p := range c.replicas {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := range 4 {
				email := fmt.Sprintf("kutsuttu-%d-%d@taito.test", i, j)
				if status, body := call(t, "POST", p.url("/api/v1/users"), admin, map[string]any{"email": email, "name": "Kutsuttu", "roles": []string{"learner"}}); status != 201 {
					t.Errorf("invite %s through %s: %d %s", email, p.addr, status, body)
				}
			}
		}()
		go func() {
			defer wg.Done()
			for _, l := range learners {
				if status, body := call(t, "POST", p.url("/api/v1/auth/password-reset"), "", map[string]string{"email": l}); status >= 300 {
					t.Errorf("password reset of %s through %s: %d %s", l, p.addr, status, body)
				}
			}
		}()
	}
	wg.Wait()
	want := len(c.replicas)*4 + len(c.replicas)*len(learners)
	jobs := func() (all, done int, ids []string) {
		cur, err := c.db.Collection("outbox").Find(ctx, bson.D{{Key: "kind", Value: "email"}})
		if err != nil {
			t.Fatal(err)
		}
		var js []outbox.Job
		if err := cur.All(ctx, &js); err != nil {
			t.Fatal(err)
		}
		for _, j := range js {
			ids = append(ids, j.ID)
			if j.State == outbox.StateDone {
				done++
			}
		}
		return len(js), done, ids
	}
	var ids []string
	took := within(t, start, 30*time.Second, "every e-mail sent", func() bool {
		all, done, js := jobs()
		ids = js
		return all >= want && done == all
	})
	if t.Failed() {
		return
	}
	// A worker that sent twice would have done so by the time every job is done; give the
	// replicas a few more rounds to be sure.
	time.Sleep(500 * time.Millisecond)
	got := c.mail.ByMessageID()
	for _, id := range ids {
		if n := got[outbox.MessageID(id)]; n != 1 {
			t.Errorf("job %s delivered %d times, want once", id, n)
		}
	}
	if len(got) != len(ids) {
		t.Errorf("%d distinct Message-IDs delivered for %d jobs", len(got), len(ids))
	}
	t.Logf("%d e-mails (%d asked for) sent by %d replicas' workers, each once, all within %s of the first request",
		len(ids), want, len(c.replicas), took.Round(time.Millisecond))
}

// resendAfterCrash has a worker send an e-mail and die before recording it (its context ends
// while the SMTP server accepts the message), and another take the attempt over once the dead
// worker's claim has expired: the message is sent again with the same Message-ID, so the
// recipient's mail program shows it once.
func (c *cluster) resendAfterCrash(t *testing.T) {
	ctx := context.Background()
	clk := testenv.NewClock(time.Now())
	ob := outbox.New(c.db, clk.Now)
	const to = "kaatuminen@taito.test"
	if err := ob.EnqueueEmail(ctx, "replicas-crash", outbox.Email{To: to, Subject: "Kokeilu", Text: "Hei"}); err != nil {
		t.Fatal(err)
	}
	sender, err := outbox.ParseSMTP("smtp://"+c.mail.Addr(), "Taito <noreply@taito.test>")
	if err != nil {
		t.Fatal(err)
	}
	dying, die := context.WithCancel(ctx)
	c.mail.OnData(func(rcpt []string) {
		if slices.Contains(rcpt, to) {
			die()
		}
	})
	if _, err := outbox.NewWorker(ob, sender, quietLog()).RunOnce(dying); err == nil {
		t.Fatal("the dying worker recorded its attempt")
	}
	if n := len(c.mail.To(to)); n != 1 {
		t.Fatalf("the dying worker's message reached the server %d times, want once", n)
	}
	job, err := jobByEmail(ctx, c.db, to)
	if err != nil {
		t.Fatal(err)
	}
	if job.State != outbox.StatePending {
		t.Fatalf("the job is %s after the crash, want pending", job.State)
	}

	// Another worker: while the claim is alive it leaves the job alone; after it expires it
	// sends again.
	other := outbox.NewWorker(ob, sender, quietLog())
	if n, err := other.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("another worker within the claim's lease sent %d (%v), want 0", n, err)
	}
	clk.Advance(3 * time.Minute)
	sent := 0
	for range 2 { // the first round releases the expired claim, the second takes the attempt
		n, err := other.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sent += n
	}
	if sent != 1 {
		t.Fatalf("the resend sent %d e-mails, want 1", sent)
	}
	msgs := c.mail.To(to)
	if len(msgs) != 2 {
		t.Fatalf("%d messages for %s, want the first send and the resend", len(msgs), to)
	}
	first, second := msgs[0].Header.Get("Message-ID"), msgs[1].Header.Get("Message-ID")
	if first == "" || first != second || first != outbox.MessageID(job.ID) {
		t.Errorf("Message-IDs %q and %q, want both %q", first, second, outbox.MessageID(job.ID))
	}
	if job, _ := jobByEmail(ctx, c.db, to); job.State != outbox.StateDone {
		t.Errorf("the job is %s after the resend, want done", job.State)
	}
}

func jobByEmail(ctx context.Context, db *mongo.Database, to string) (outbox.Job, error) {
	var j outbox.Job
	err := db.Collection("outbox").FindOne(ctx, bson.D{{Key: "email.to", Value: to}}).Decode(&j)
	return j, err
}

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }
