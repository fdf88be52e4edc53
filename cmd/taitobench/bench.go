package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/embedded"
	"github.com/taito-lms/taito/internal/learning"
)

type benchOptions struct {
	learners, clients, lessons int
	duration                   time.Duration
	out                        string
	growth10k                  bool
	mongodbURI                 string
}

// Result is one scenario's numbers.
type Result struct {
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	PerSecond  float64 `json:"per_second"`
	Statements float64 `json:"statements_per_second,omitempty"`
	P50ms      float64 `json:"p50_ms"`
	P95ms      float64 `json:"p95_ms"`
	P99ms      float64 `json:"p99_ms"`
	RSSPeakMB  float64 `json:"rss_peak_mb,omitempty"` // the server's, sampled while the scenario ran
	FirstMs    float64 `json:"first_ms,omitempty"`    // dashboards: the first load, before anything is cached
}

// Report is what --out writes.
type Report struct {
	Scenarios    map[string]Result  `json:"scenarios"`
	Ratios       map[string]float64 `json:"ratios"`
	Errors       int                `json:"errors"`
	LostOrDouble int                `json:"lost_or_doubled"`
	RSSPeakMB    float64            `json:"rss_peak_mb"` // during the concurrent scenarios
	RSSMB        float64            `json:"rss_mb"`      // at the end
	GoHeapMB     float64            `json:"go_heap_mb"`  // at the end
	Machine      map[string]any     `json:"machine"`
}

const publicURL = "http://bench.taito"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("taitobench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o benchOptions
	fs.IntVar(&o.learners, "learners", 2000, "learners in the cohort")
	fs.IntVar(&o.clients, "clients", 64, "concurrent clients")
	fs.IntVar(&o.lessons, "lessons", 40, "lessons in the course")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long each scenario runs")
	fs.StringVar(&o.out, "out", "", "write the results as JSON to this file")
	fs.StringVar(&o.mongodbURI, "mongodb-uri", "", "run taito and the same-work ceiling on this MongoDB instead of the embedded default (a fresh database, dropped afterwards)")
	fs.BoolVar(&o.growth10k, "growth-10k", true, "also measure the dashboard at 10,000 learners (--growth-10k=false skips seeding them)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run from the repository root: go run ./cmd/taitobench")
	}
	tmp, err := os.MkdirTemp("", "taitobench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	fmt.Fprintln(stdout, "building taito…")
	bin := filepath.Join(tmp, "taito")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/taito").CombinedOutput(); err != nil {
		return fmt.Errorf("build taito: %v\n%s", err, out)
	}
	if err := writeCourse(filepath.Join(tmp, "root", "courses", "bench"), o.lessons); err != nil {
		return err
	}
	dbName := "taito"
	if o.mongodbURI != "" {
		dbName = "taitobench_" + strconv.FormatInt(time.Now().Unix(), 36)
	}
	srv, err := startServer(ctx, bin, tmp, o.mongodbURI, dbName)
	if err != nil {
		return err
	}
	defer srv.stop()
	fmt.Fprintf(stdout, "taito on %s (pid %d)\n", srv.addr, srv.cmd.Process.Pid)

	b := &bench{base: "http://" + srv.addr, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.clients * 2, MaxConnsPerHost: o.clients * 2}, Timeout: 30 * time.Second}}
	seedStart := time.Now()
	if err := b.seed(ctx, tmp, o.learners); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded %d learners in a cohort of a %d-lesson course in %s\n", len(b.learners), o.lessons, time.Since(seedStart).Round(time.Millisecond))

	rep := Report{Scenarios: map[string]Result{}, Ratios: map[string]float64{}, Machine: map[string]any{
		"cores": runtime.NumCPU(), "go": runtime.Version(), "os": runtime.GOOS + "/" + runtime.GOARCH}}
	rep.Machine["database"] = "embedded FerretDB 1.24 (SQLite), in the server's process"
	if o.mongodbURI != "" {
		rep.Machine["database"] = "external, --mongodb-uri"
	}
	runScenario := func(name string, perRequest int, fn func(r *rand.Rand) (int, error)) {
		stopSampling := srv.sampleRSS()
		res := load(ctx, o.clients, o.duration, fn)
		res.RSSPeakMB = stopSampling()
		rep.RSSPeakMB = max(rep.RSSPeakMB, res.RSSPeakMB)
		if perRequest > 0 {
			res.Statements = res.PerSecond * float64(perRequest)
		}
		rep.Scenarios[name] = res
		rep.Errors += res.Errors
		fmt.Fprintf(stdout, "  %-22s %8.0f req/s  p50 %6.1f ms  p99 %7.1f ms  errors %d  rss %4.0f MB\n", name, res.PerSecond, res.P50ms, res.P99ms, res.Errors, res.RSSPeakMB)
	}
	// Steady state: each learner has opened the course once, as she does before studying, so
	// her account status and her progress are in the server's caches (a first request costs
	// _id reads).
	warm := time.Now()
	var wg sync.WaitGroup
	var next, warmErrs atomic.Int64
	for c := 0; c < o.clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < len(b.learners); i = int(next.Add(1)) - 1 {
				if code, err := b.get("/api/v1/me/progress/bench", b.learners[i].token); err != nil || code != 200 {
					warmErrs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := warmErrs.Load(); n > 0 {
		return fmt.Errorf("%d learners could not open the course", n)
	}
	fmt.Fprintf(stdout, "warmed %d learners' sessions in %s\n", len(b.learners), time.Since(warm).Round(time.Millisecond))
	runScenario("http_ceiling", 0, func(r *rand.Rand) (int, error) { return b.get("/healthz", "") })
	runScenario("lesson_read", 0, func(r *rand.Rand) (int, error) {
		l := b.learners[r.IntN(len(b.learners))]
		return b.get(fmt.Sprintf("/api/v1/courses/bench/lessons/l%02d", r.IntN(o.lessons)+1), l.token)
	})
	// The ceiling's client opens no more connections than the server's own.
	copts := options.Client().ApplyURI(srv.mongo)
	if o.mongodbURI == "" {
		copts.SetMaxPoolSize(embedded.PoolSize)
	}
	mc, err := mongo.Connect(copts)
	if err != nil {
		return err
	}
	defer mc.Disconnect(context.Background())
	if o.mongodbURI != "" {
		defer mc.Database(dbName).Drop(context.Background())
	}
	scratch := mc.Database(dbName + "_ceiling")
	// The same indexes as the server's collections, so that the writes are the same work.
	if err := learning.NewService(scratch, nil, nil, nil, publicURL, false, time.Now, nil).EnsureIndexes(ctx); err != nil {
		return err
	}
	if o.mongodbURI == "" {
		if _, err := embedded.IndexIDs(ctx, filepath.Join(tmp, "data", "db"), scratch.Name()); err != nil {
			return err
		}
	}
	runScenario("same_work_ceiling", 1, func(r *rand.Rand) (int, error) { return 200, sameWork(ctx, scratch, r) })
	runScenario("insert_one", 1, func(r *rand.Rand) (int, error) {
		_, err := scratch.Collection("plain").InsertOne(ctx, bson.D{{Key: "_id", Value: uuid.NewString()}, {Key: "n", Value: r.Int()}})
		return 200, err
	})
	// The scratch database's SQLite connections live in the server's process: drop it so that
	// they do not count against the server's memory in the scenarios that follow.
	if err := scratch.Drop(ctx); err != nil {
		return err
	}
	acked := &ackSet{}
	runScenario("progress_ingest", 1, func(r *rand.Rand) (int, error) {
		l := b.learners[r.IntN(len(b.learners))]
		id := uuid.NewString()
		code, err := b.post(fmt.Sprintf("/api/v1/courses/bench/lessons/l%02d/events", r.IntN(o.lessons)+1), l.token, fmt.Sprintf(`{"id":"%s","type":"progressed","seconds":1}`, id))
		if err == nil && code/100 == 2 {
			acked.add(id)
		}
		return code, err
	})
	runScenario("batch_ingest", 10, func(r *rand.Rand) (int, error) {
		l := b.learners[r.IntN(len(b.learners))]
		ids := make([]string, 10)
		var sb strings.Builder
		sb.WriteString("[")
		for i := range ids {
			ids[i] = uuid.NewString()
			if i > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `{"id":"%s","actor":{"objectType":"Agent","account":{"homePage":"%s","name":"%s"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/progressed"},"object":{"objectType":"Activity","id":"%s/courses/bench/lessons/l%02d"},"result":{"duration":"PT1S"}}`,
				ids[i], publicURL, l.id, publicURL, r.IntN(o.lessons)+1)
		}
		sb.WriteString("]")
		code, err := b.post("/api/v1/statements", l.token, sb.String())
		if err == nil && code/100 == 2 {
			for _, id := range ids {
				acked.add(id)
			}
		}
		return code, err
	})
	lost, err := verify(ctx, mc.Database(dbName), acked.list())
	if err != nil {
		return err
	}
	rep.LostOrDouble = lost
	fmt.Fprintf(stdout, "  verified %d acknowledged statements: %d lost or doubled\n", len(acked.list()), lost)

	dash := func(cohort string) Result {
		var lat []time.Duration
		errs := 0
		deadline := time.Now().Add(o.duration)
		for n := 0; n < 3 || time.Now().Before(deadline) && n < 20; n++ {
			start := time.Now()
			code, err := b.get("/api/v1/cohorts/"+cohort+"/dashboard", b.admin)
			lat = append(lat, time.Since(start))
			if err != nil || code != 200 {
				errs++
			}
		}
		r := summarise(lat, errs, 0)
		r.FirstMs = float64(lat[0]) / float64(time.Millisecond)
		return r
	}
	small, err := b.cohortOf(ctx, b.learners[:min(200, len(b.learners))])
	if err != nil {
		return err
	}
	rep.Scenarios["dashboard_200"] = dash(small)
	rep.Scenarios["dashboard_2000"] = dash(b.cohort)
	for _, n := range []string{"dashboard_200", "dashboard_2000"} {
		r := rep.Scenarios[n]
		rep.Errors += r.Errors
		fmt.Fprintf(stdout, "  %-22s p50 %7.1f ms  p99 %7.1f ms  first %7.1f ms  errors %d\n", n, r.P50ms, r.P99ms, r.FirstMs, r.Errors)
	}
	if o.growth10k {
		start := time.Now()
		if err := b.addLearners(ctx, tmp, 10000-len(b.learners)); err != nil {
			return err
		}
		big, err := b.cohortOf(ctx, b.learners)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seeded a cohort of %d learners in %s\n", len(b.learners), time.Since(start).Round(time.Millisecond))
		r := dash(big)
		rep.Scenarios["dashboard_10000"] = r
		rep.Errors += r.Errors
		fmt.Fprintf(stdout, "  %-22s p50 %7.1f ms  p99 %7.1f ms  first %7.1f ms  errors %d\n", "dashboard_10000", r.P50ms, r.P99ms, r.FirstMs, r.Errors)
		rep.Ratios["dashboard_growth_10k_vs_2k"] = rep.Scenarios["dashboard_10000"].P50ms / rep.Scenarios["dashboard_2000"].P50ms
	}
	rep.Ratios["dashboard_growth_2k_vs_200"] = rep.Scenarios["dashboard_2000"].P50ms / rep.Scenarios["dashboard_200"].P50ms
	rep.Ratios["lesson_read_vs_http"] = rep.Scenarios["lesson_read"].PerSecond / rep.Scenarios["http_ceiling"].PerSecond
	rep.Ratios["ingest_vs_same_work"] = rep.Scenarios["progress_ingest"].Statements / rep.Scenarios["same_work_ceiling"].Statements
	rep.Ratios["batch_vs_single"] = rep.Scenarios["batch_ingest"].Statements / rep.Scenarios["progress_ingest"].Statements
	rep.RSSMB = srv.rssMB()
	srv.stop()
	rep.GoHeapMB = srv.goHeapMB

	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nratio\tvalue")
	keys := make([]string, 0, len(rep.Ratios))
	for k := range rep.Ratios {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%.2f\n", k, rep.Ratios[k])
	}
	fmt.Fprintf(tw, "rss_peak_mb\t%.0f\nrss_mb\t%.0f\ngo_heap_mb\t%.0f\nerrors\t%d\nlost_or_doubled\t%d\n", rep.RSSPeakMB, rep.RSSMB, rep.GoHeapMB, rep.Errors, rep.LostOrDouble)
	tw.Flush()
	if o.out != "" {
		buf, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.out, buf, 0o644); err != nil {
			return err
		}
	}
	if rep.Errors > 0 || rep.LostOrDouble > 0 {
		return fmt.Errorf("%d errors, %d statements lost or doubled", rep.Errors, rep.LostOrDouble)
	}
	return nil
}

// writeCourse writes a course of n one-screen lessons in modules of five.
func writeCourse(dir string, n int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "course.yaml"), []byte("title: {fi: \"Kuormitustesti\", en: \"Load test\"}\naccess: open\n"), 0o644); err != nil {
		return err
	}
	for m := 0; m*5 < n; m++ {
		mdir := filepath.Join(dir, "modules", fmt.Sprintf("%02d-m%02d", m+1, m+1))
		if err := os.MkdirAll(mdir, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(mdir, "module.yaml"), []byte(fmt.Sprintf("title: {fi: \"Moduuli %d\", en: \"Module %d\"}\n", m+1, m+1)), 0o644); err != nil {
			return err
		}
		for l := m * 5; l < min(n, m*5+5); l++ {
			body := fmt.Sprintf("---\ntitle: Oppitunti %d\nduration_minutes: 10\ncompletion: {rule: viewed_seconds, seconds: 60}\n---\n## Otsikko\n\n%s\n", l+1, strings.Repeat("Tekstiä asiakastyöstä ja digituesta. ", 60))
			if err := os.WriteFile(filepath.Join(mdir, fmt.Sprintf("%02d-l%02d.fi.md", l-m*5+1, l+1)), []byte(body), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

type server struct {
	cmd   *exec.Cmd
	addr  string
	mongo string
	done  chan struct{}
	// goHeapMB is the Go heap in use that the server reported when told to stop; read it only
	// after stop.
	goHeapMB float64
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func startServer(ctx context.Context, bin, tmp, mongodbURI, dbName string) (*server, error) {
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "TAITO_DATA_DIR="+filepath.Join(tmp, "data"), "TAITO_HTTP_ADDR="+addr, "TAITO_PUBLIC_URL="+publicURL,
		"TAITO_COURSES_DIR="+filepath.Join(tmp, "root", "courses"), "TAITO_LOG_FORMAT=json", "TAITO_BODY_LIMIT=8388608")
	if mongodbURI != "" {
		// Replicas on an external MongoDB share a signing key from a file.
		key, err := exec.CommandContext(ctx, bin, "keys", "generate").Output()
		if err != nil {
			return nil, fmt.Errorf("generate a signing key: %w", err)
		}
		if err := os.MkdirAll(filepath.Join(tmp, "data"), 0o700); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(tmp, "data", "jwt-keys.pem"), key, 0o600); err != nil {
			return nil, err
		}
		credKey, err := exec.CommandContext(ctx, bin, "credential-keys", "generate").Output()
		if err != nil {
			return nil, fmt.Errorf("generate a credential key: %w", err)
		}
		if err := os.WriteFile(filepath.Join(tmp, "data", "credential-keys.pem"), credKey, 0o600); err != nil {
			return nil, err
		}
		cmd.Env = append(cmd.Env, "TAITO_MONGODB_URI="+mongodbURI, "TAITO_MONGODB_DATABASE="+dbName,
			"TAITO_JWT_KEY_FILE="+filepath.Join(tmp, "data", "jwt-keys.pem"),
			"TAITO_CREDENTIAL_KEY_FILE="+filepath.Join(tmp, "data", "credential-keys.pem"))
		// Only the embedded default gets a first admin by itself.
		pw := uuid.NewString()
		add := exec.CommandContext(ctx, bin, "user", "add", "--email", "admin@localhost", "--name", "Kuormitustesti", "--role", "admin", "--password-stdin")
		add.Env, add.Stdin = cmd.Env, strings.NewReader(pw+"\n")
		if out, err := add.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("create an admin: %v\n%s", err, out)
		}
		if err := os.WriteFile(filepath.Join(tmp, "data", "initial-admin.txt"), []byte("password: "+pw+"\n"), 0o600); err != nil {
			return nil, err
		}
		// ... and imports the shipped courses by itself.
		imp := exec.CommandContext(ctx, bin, "import", "--publish", filepath.Join(tmp, "root", "courses", "bench"))
		imp.Env = cmd.Env
		if out, err := imp.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("import the course: %v\n%s", err, out)
		}
	}
	stderr, _ := cmd.StderrPipe()
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, addr: addr, mongo: mongodbURI, done: make(chan struct{})}
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var once sync.Once
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil {
				if uri, ok := rec["uri"].(string); ok && s.mongo == "" {
					s.mongo = uri
				}
				if rec["msg"] == "listening" {
					once.Do(func() { close(found) })
				}
				if h, ok := rec["go_heap_mb"].(float64); ok && rec["msg"] == "shutting down" {
					s.goHeapMB = h
				}
			}
		}
		close(s.done)
	}()
	select {
	case <-found:
		return s, nil
	case <-s.done:
		return nil, errors.New("taito exited at start")
	case <-time.After(5 * time.Minute):
		s.stop()
		return nil, errors.New("taito did not start within 5 minutes")
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
	}
	_ = s.cmd.Wait()
}

// sampleRSS samples the server's RSS every 100 ms until the returned function is called, which
// returns the largest sample.
func (s *server) sampleRSS() func() float64 {
	stop := make(chan struct{})
	peak := make(chan float64, 1)
	go func() {
		top := s.rssMB()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				top = max(top, s.rssMB())
			case <-stop:
				peak <- max(top, s.rssMB())
				return
			}
		}
	}()
	return func() float64 { close(stop); return <-peak }
}

func (s *server) rssMB() float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

type learner struct{ id, token string }

type bench struct {
	base     string
	client   *http.Client
	admin    string
	cohort   string
	learners []learner
	tokens   *auth.Tokens
}

func (b *bench) do(method, path, token, body string) (int, []byte, error) {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, b.base+path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func (b *bench) get(path, token string) (int, error) {
	code, _, err := b.do(http.MethodGet, path, token, "")
	return code, err
}

func (b *bench) post(path, token, body string) (int, error) {
	code, _, err := b.do(http.MethodPost, path, token, body)
	return code, err
}

// seed signs in as the first admin, creates a cohort and enrols learners; their access tokens
// are signed with the server's own key from its data directory (a trusted tool on the same
// machine), so seeding spends no time on password hashing.
func (b *bench) seed(ctx context.Context, tmp string, n int) error {
	adminFile, err := os.ReadFile(filepath.Join(tmp, "data", "initial-admin.txt"))
	if err != nil {
		return err
	}
	pw := ""
	for _, line := range strings.Split(string(adminFile), "\n") {
		if v, ok := strings.CutPrefix(line, "password: "); ok {
			pw = v
		}
	}
	code, body, err := b.do(http.MethodPost, "/api/v1/auth/login", "", fmt.Sprintf(`{"email":"admin@localhost","password":%q}`, pw))
	if err != nil || code != 200 {
		return fmt.Errorf("admin sign-in: %d %s %v", code, body, err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(body, &tok)
	b.admin = tok.AccessToken
	keys, err := auth.LoadKeyFile(filepath.Join(tmp, "data", "jwt-keys.pem"))
	if err != nil {
		return err
	}
	b.tokens = auth.NewTokens(keys, publicURL, 15*time.Minute, time.Now)
	return b.addLearners(ctx, tmp, n)
}

// enrolChunk is how many people one enrolment request adds, as a trainer pasting a list would.
const enrolChunk = 500

func (b *bench) addLearners(ctx context.Context, _ string, n int) error {
	if b.cohort == "" {
		code, body, err := b.do(http.MethodPost, "/api/v1/cohorts", b.admin, `{"course":"bench","name":"Kuormitus"}`)
		if err != nil || code != 201 {
			return fmt.Errorf("create cohort: %d %s %v", code, body, err)
		}
		var c struct{ ID string }
		_ = json.Unmarshal(body, &c)
		b.cohort = c.ID
	}
	start := len(b.learners)
	for done := 0; done < n; done += enrolChunk {
		var emails []string
		for i := done; i < min(n, done+enrolChunk); i++ {
			emails = append(emails, fmt.Sprintf("oppija%05d@bench.taito", start+i))
		}
		buf, _ := json.Marshal(map[string]any{"emails": emails})
		code, body, err := b.do(http.MethodPost, "/api/v1/cohorts/"+b.cohort+"/members", b.admin, string(buf))
		if err != nil || code != 200 {
			return fmt.Errorf("enrol: %d %.300s %v", code, body, err)
		}
		var res struct {
			Results []struct {
				UserID string `json:"user_id"`
			}
		}
		_ = json.Unmarshal(body, &res)
		for _, r := range res.Results {
			t, err := b.tokens.Sign(auth.Principal{UserID: r.UserID, Roles: []auth.Role{auth.RoleLearner}})
			if err != nil {
				return err
			}
			b.learners = append(b.learners, learner{id: r.UserID, token: t})
		}
	}
	return nil
}

// cohortOf makes another cohort of the given learners, for dashboards of other sizes.
func (b *bench) cohortOf(_ context.Context, ls []learner) (string, error) {
	code, body, err := b.do(http.MethodPost, "/api/v1/cohorts", b.admin, `{"course":"bench","name":"Koko `+strconv.Itoa(len(ls))+`"}`)
	if err != nil || code != 201 {
		return "", fmt.Errorf("create cohort: %d %s %v", code, body, err)
	}
	var c struct{ ID string }
	_ = json.Unmarshal(body, &c)
	for i := 0; i < len(ls); i += enrolChunk {
		var emails []string
		for j := i; j < min(len(ls), i+enrolChunk); j++ {
			emails = append(emails, fmt.Sprintf("oppija%05d@bench.taito", j))
		}
		buf, _ := json.Marshal(map[string]any{"emails": emails})
		if code, body, err := b.do(http.MethodPost, "/api/v1/cohorts/"+c.ID+"/members", b.admin, string(buf)); err != nil || code != 200 {
			return "", fmt.Errorf("enrol: %d %.200s %v", code, body, err)
		}
	}
	return c.ID, nil
}

// sameWork does what the server does per statement, straight through the driver: insert the
// statement, upsert the learner's projection by _id.
func sameWork(ctx context.Context, db *mongo.Database, r *rand.Rand) error {
	user := "u" + strconv.Itoa(r.IntN(2000))
	now := time.Now().UTC()
	id := uuid.NewString()
	if _, err := db.Collection("statements").InsertOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "user", Value: user}, {Key: "course", Value: "bench"},
		{Key: "verb", Value: "progressed"}, {Key: "timestamp", Value: now}, {Key: "stored", Value: now}, {Key: "json", Value: strings.Repeat("x", 600)}}); err != nil {
		return err
	}
	lesson := "lessons.l" + strconv.Itoa(r.IntN(40))
	upsert := func() error {
		_, err := db.Collection("progress").UpdateOne(ctx, bson.D{{Key: "_id", Value: user + ":bench"}},
			bson.D{{Key: "$min", Value: bson.D{{Key: "first_at", Value: now}, {Key: lesson + ".first_at", Value: now}}},
				{Key: "$max", Value: bson.D{{Key: "last_at", Value: now}, {Key: lesson + ".time." + strconv.FormatInt(now.Unix()/30, 10), Value: 1}}},
				{Key: "$set", Value: bson.D{{Key: "rev", Value: strconv.FormatUint(r.Uint64(), 36)}}},
				{Key: "$setOnInsert", Value: bson.D{{Key: "user", Value: user}, {Key: "course", Value: "bench"}}}}, options.UpdateOne().SetUpsert(true))
		return err
	}
	err := upsert()
	if mongo.IsDuplicateKeyError(err) { // as the server does: a racing first upsert created it
		err = upsert()
	}
	return err
}

type ackSet struct {
	mu  sync.Mutex
	ids []string
}

func (a *ackSet) add(id string) { a.mu.Lock(); a.ids = append(a.ids, id); a.mu.Unlock() }
func (a *ackSet) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.ids)
}

// verify counts acknowledged statements missing from the log (ids are _id, so none can be
// there twice).
func verify(ctx context.Context, db *mongo.Database, ids []string) (int, error) {
	found := 0
	for i := 0; i < len(ids); i += 1000 {
		n, err := db.Collection("statements").CountDocuments(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids[i:min(len(ids), i+1000)]}}}})
		if err != nil {
			return 0, err
		}
		found += int(n)
	}
	return len(ids) - found, nil
}

// load runs fn from clients goroutines for d and measures it.
func load(ctx context.Context, clients int, d time.Duration, fn func(r *rand.Rand) (int, error)) Result {
	var wg sync.WaitGroup
	var errs atomic.Int64
	lats := make([][]time.Duration, clients)
	deadline := time.Now().Add(d)
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := time.Now()
				code, err := fn(r)
				lats[c] = append(lats[c], time.Since(t))
				if err != nil || code/100 != 2 {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	return summarise(all, int(errs.Load()), time.Since(start))
}

func summarise(lat []time.Duration, errs int, elapsed time.Duration) Result {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))]) / float64(time.Millisecond)
	}
	res := Result{Requests: len(lat), Errors: errs, P50ms: pct(0.50), P95ms: pct(0.95), P99ms: pct(0.99)}
	if elapsed > 0 {
		res.PerSecond = float64(len(lat)) / elapsed.Seconds()
	}
	return res
}
