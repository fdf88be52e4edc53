package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/minio/minio-go/v7"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/connstring"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/testenv"
	"github.com/taito-lms/taito/internal/web"
)

// faultDeadline is the request deadline (TAITO_REQUEST_TIMEOUT) of the Taito the fault tests
// build; faultGrace is what an answer may take beyond it on a loaded machine.
const (
	faultDeadline = time.Second
	faultGrace    = 1500 * time.Millisecond
)

// faultEnv is Taito whose MongoDB and S3 are reached through fault proxies; env.db and direct
// read the stores themselves, past the proxies.
type faultEnv struct {
	*env
	mongo, s3 *testenv.FaultProxy
	direct    *media.Storage
	t         *testing.T
}

// mongoHost is the (first) host:port of a MongoDB URI.
func mongoHost(t *testing.T, uri string) string {
	t.Helper()
	cs, err := connstring.Parse(uri)
	if err != nil || len(cs.Hosts) == 0 {
		t.Fatalf("test MongoDB URI: %v", err)
	}
	return cs.Hosts[0]
}

// withHost puts addr in place of host in uri and asks for a direct connection, so that the
// driver never goes round the proxy to another member it discovers.
func withHost(uri, host, addr string) string {
	u := strings.Replace(uri, host, addr, 1)
	switch {
	case strings.Contains(u, "?"):
		return u + "&directConnection=true"
	case strings.HasSuffix(u, "/"):
		return u + "?directConnection=true"
	}
	return u + "/?directConnection=true"
}

func newFaultEnv(t *testing.T) *faultEnv {
	t.Helper()
	ctx := context.Background()
	db := testenv.Mongo(t)
	uri := testenv.MongoURI(t)
	host := mongoHost(t, uri)
	mp := testenv.NewFaultProxy(t, host)
	client, err := mongo.Connect(app.ClientOptions(withHost(uri, host, mp.Addr())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Disconnect(context.Background()) })

	direct := testenv.S3(t)
	cfg := testenv.S3Config(t)
	sp := testenv.NewFaultProxy(t, cfg.Endpoint)
	cfg.Endpoint, cfg.Bucket = sp.Addr(), direct.Bucket()
	proxied, err := media.NewStorage(cfg)
	if err != nil {
		t.Fatal(err)
	}

	clk := testenv.NewClock(time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC))
	keys, err := auth.ParseKeySet(auth.GenerateKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	lim := testenv.QuickLimits
	lim.Media.Proxy = true // uploads pass through Taito, and so through the S3 proxy
	lim.Media.Idle = faultDeadline
	a, err := app.New(ctx, app.Deps{DB: client.Database(db.Name()), Storage: proxied, Keys: keys, PublicURL: testIssuer, Now: clk.Now, Log: quietLog(), Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{a: a, db: db, auth: a.Auth, outbox: a.Outbox, courses: a.Courses, learning: a.Learning, media: a.Media, cohorts: a.Cohorts, clock: clk, keys: keys, users: map[string]auth.User{}}
	api := httpapi.New(a, httpapi.Options{Log: quietLog(), Now: clk.Now, RequestTimeout: faultDeadline})
	e.app = api.App()
	web.Mount(e.app, a, web.Options{Log: quietLog(), Now: clk.Now, PublicURL: testIssuer, Media: api.ServeMedia})
	for _, u := range []struct {
		key   string
		roles []auth.Role
	}{{"admin", []auth.Role{auth.RoleAdmin}}, {"trainer", []auth.Role{auth.RoleTrainer}}, {"learner", []auth.Role{auth.RoleLearner}}} {
		created, _, err := a.AddUser(ctx, auth.NewUser{Email: u.key + "@example.fi", Name: u.key, Roles: u.roles, OrgUnit: "Joensuu", Password: testPassword, Locale: "en"})
		if err != nil {
			t.Fatal(err)
		}
		e.users[u.key] = created
	}
	return &faultEnv{env: e, mongo: mp, s3: sp, direct: direct, t: t}
}

// answer is what a client got, and how long it waited.
type answer struct {
	what   string
	method string
	path   string
	status int
	header http.Header
	body   []byte
	took   time.Duration
	err    error
}

// send sends one request, waiting far longer than the deadline so that a hang shows as one.
func (fe *faultEnv) send(what, method, path, token, contentType, body string) answer {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return fe.sendWith(what, method, path, h, contentType, body)
}

// sendWith sends one request with headers h.
func (fe *faultEnv) sendWith(what, method, path string, h http.Header, contentType, body string) answer {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	start := time.Now()
	resp, err := fe.app.Test(req, int((10 * faultDeadline).Milliseconds()))
	a := answer{what: what, method: method, path: path, took: time.Since(start), err: err}
	if err != nil {
		return a
	}
	defer resp.Body.Close()
	a.status, a.header = resp.StatusCode, resp.Header
	a.body = make([]byte, 0, 512)
	buf := make([]byte, 4096)
	for {
		n, rerr := resp.Body.Read(buf)
		a.body = append(a.body, buf[:n]...)
		if rerr != nil {
			break
		}
	}
	a.took = time.Since(start)
	return a
}

// ok reports a success.
func (a answer) ok() bool { return a.err == nil && a.status >= 200 && a.status < 300 }

// checkAnswer fails the test unless a is a success or a 503 with Retry-After and a problem,
// given within the request's deadline.
func checkAnswer(t *testing.T, a answer) {
	t.Helper()
	switch {
	case a.err != nil:
		t.Errorf("%s: no answer after %v: %v", a.what, a.took.Round(time.Millisecond), a.err)
		return
	case a.took > faultDeadline+faultGrace:
		t.Errorf("%s: answered %d after %v, beyond the deadline of %v", a.what, a.status, a.took.Round(time.Millisecond), faultDeadline)
	}
	if strings.HasPrefix(a.path, "/api/") {
		checkContract(t, scenario{method: a.method, path: a.path}, nil, &http.Response{StatusCode: a.status, Header: a.header}, a.body)
	}
	if a.ok() {
		return
	}
	if a.status != http.StatusServiceUnavailable {
		t.Errorf("%s: status %d, want success or 503: %s", a.what, a.status, a.body)
		return
	}
	if s, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("%s: 503 with Retry-After %q", a.what, a.header.Get("Retry-After"))
	}
	if strings.HasPrefix(a.what, "page") {
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(a.body), "<h1") {
			t.Errorf("%s: 503 as %q, not a page: %.300s", a.what, ct, a.body)
		}
		return
	}
	var p struct{ Status int }
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") || json.Unmarshal(a.body, &p) != nil || p.Status != 503 {
		t.Errorf("%s: 503 as %q, not a problem: %s", a.what, ct, a.body)
	}
}

// faultOps are the requests that meet the faults: each returns the answers its steps got,
// stopping at the first that is not a success.
type faultOps struct {
	fe      *faultEnv
	learner string // access tokens taken while the stores were well
	trainer string
	wall    string
	batches [][]map[string]any // every batch of statements sent, to retry and count
	staged  string             // an upload whose file is in quarantine, to complete
	image   string             // a media item of the course, to read
	mu      sync.Mutex
	serial  int
}

func (o *faultOps) signIn() []answer {
	return []answer{o.fe.send("sign-in", "POST", "/api/v1/auth/login", "", "application/json",
		jsonBody(map[string]string{"email": "learner@example.fi", "password": testPassword}))}
}

// newBatch is a batch of statements with fresh ids, kept for retrying.
func (o *faultOps) newBatch() []map[string]any {
	me := o.fe.users["learner"].ID
	o.mu.Lock()
	defer o.mu.Unlock()
	o.serial++
	b := []map[string]any{
		statement(me, "experienced", "lessons/tervetuloa", map[string]any{"timestamp": time.Date(2026, 2, 2, 8, o.serial%60, 0, 0, time.UTC).Format(time.RFC3339)}),
		statement(me, "progressed", "lessons/tervetuloa", map[string]any{"result": map[string]any{"extensions": map[string]any{"https://w3id.org/xapi/cmi5/result/extensions/progress": 10 * (o.serial % 10)}}}),
		statement(me, "experienced", "lessons/tervetuloa", nil),
	}
	o.batches = append(o.batches, b)
	return b
}

func (o *faultOps) postBatch(b []map[string]any) answer {
	return o.fe.send("statements", "POST", "/api/v1/statements", o.learner, "application/json", jsonBody(b))
}

func (o *faultOps) statements() []answer { return []answer{o.postBatch(o.newBatch())} }

func (o *faultOps) progress() []answer {
	return []answer{o.fe.send("progress", "GET", "/api/v1/me/progress/kokeilu", o.learner, "", "")}
}

func (o *faultOps) wallPost() []answer {
	return []answer{o.fe.send("wall post", "POST", o.wall, o.learner, "application/json", `{"body":"Asiakas jäi kirjautumiseen."}`)}
}

// upload plans an upload, sends the file through Taito and completes it: a new PNG each time.
func (o *faultOps) upload() []answer {
	o.mu.Lock()
	o.serial++
	png := pngBytes(o.fe.t, 3+o.serial)
	o.mu.Unlock()
	plan := o.fe.send("upload plan", "POST", "/api/v1/media/uploads", o.trainer, "application/json",
		jsonBody(map[string]any{"filename": "kuva.png", "content_type": "image/png", "size": len(png)}))
	if !plan.ok() {
		return []answer{plan}
	}
	var up struct {
		ID string `json:"upload_id"`
	}
	_ = json.Unmarshal(plan.body, &up)
	put := o.fe.send("upload content", "PUT", "/api/v1/media/uploads/"+up.ID+"/content", o.trainer, "image/png", string(png))
	if !put.ok() {
		return []answer{plan, put}
	}
	return []answer{plan, put, o.fe.send("upload complete", "POST", "/api/v1/media/uploads/"+up.ID+"/complete", o.trainer, "", "")}
}

// stage plans an upload and sends its file while the stores are well, for completeStaged.
func (o *faultOps) stage(t *testing.T) {
	t.Helper()
	o.mu.Lock()
	o.serial++
	png := pngBytes(t, 100+o.serial)
	o.mu.Unlock()
	plan := o.fe.send("upload plan", "POST", "/api/v1/media/uploads", o.trainer, "application/json",
		jsonBody(map[string]any{"filename": "valmis.png", "content_type": "image/png", "size": len(png)}))
	var up struct {
		ID string `json:"upload_id"`
	}
	_ = json.Unmarshal(plan.body, &up)
	put := o.fe.send("upload content", "PUT", "/api/v1/media/uploads/"+up.ID+"/content", o.trainer, "image/png", string(png))
	if !plan.ok() || !put.ok() {
		t.Fatalf("staging an upload: %d %s; %d %s", plan.status, plan.body, put.status, put.body)
	}
	o.staged = up.ID
}

// completeStaged completes the upload stage sent: the check reads the file back from S3.
func (o *faultOps) completeStaged() []answer {
	return []answer{o.fe.send("staged upload complete", "POST", "/api/v1/media/uploads/"+o.staged+"/complete", o.trainer, "", "")}
}

// readMedia reads the fixture's image through Taito, from S3.
func (o *faultOps) readMedia() []answer {
	return []answer{o.fe.send("media read", "GET", "/api/v1/media/"+o.image, o.learner, "", "")}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// webSignIn signs in on the web app's page: the form, then its post.
func (o *faultOps) webSignIn() []answer {
	form := o.fe.sendWith("page: sign-in form", "GET", "/sign-in", http.Header{}, "", "")
	if !form.ok() {
		return []answer{form}
	}
	m := csrfField.FindSubmatch(form.body)
	if m == nil {
		form.status, form.body = 0, append([]byte("no csrf field: "), form.body...)
		return []answer{form}
	}
	h := http.Header{"Origin": {testIssuer}}
	for _, c := range (&http.Response{Header: form.header}).Cookies() {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	post := o.fe.sendWith("page: sign-in", "POST", "/sign-in", h, "application/x-www-form-urlencoded",
		url.Values{"csrf": {string(m[1])}, "email": {"learner@example.fi"}, "password": {testPassword}}.Encode())
	if post.status == http.StatusSeeOther {
		post.status = http.StatusOK // signed in: on to the next page
	}
	return []answer{form, post}
}

// every is each operation by name.
func (o *faultOps) every() map[string]func() []answer {
	return map[string]func() []answer{"sign-in": o.signIn, "statements": o.statements, "progress": o.progress, "wall post": o.wallPost,
		"upload": o.upload, "staged upload complete": o.completeStaged, "media read": o.readMedia, "web sign-in": o.webSignIn}
}

// all runs every operation at once and returns every answer.
func (o *faultOps) all() []answer {
	var ops []func() []answer
	for _, op := range o.every() {
		ops = append(ops, op)
	}
	out := make([][]answer, len(ops))
	var wg sync.WaitGroup
	for i, op := range ops {
		wg.Add(1)
		go func() { defer wg.Done(); out[i] = op() }()
	}
	wg.Wait()
	var all []answer
	for _, as := range out {
		all = append(all, as...)
	}
	return all
}

// TestStoreFaultsAreSurvived puts a fault-injecting proxy between Taito and each of its stores
// and, for connections cut mid-request, latency beyond the request's deadline and refused
// connections, shows that every request answers within its deadline with success or 503 +
// Retry-After (never 500, never a hang); that nothing is half-written (a batch of statements
// retried with the same ids is in the log exactly once, the projection equals a rebuild from
// the log, no media record lacks its object); and that the same Taito serves again by itself
// soon after the store returns.
func TestStoreFaultsAreSurvived(t *testing.T) {
	t.Parallel()
	fe := newFaultEnv(t)
	e := fe.env
	co := e.publishFixture(t)
	e.finishStart(t, "learner") // the wall's lesson waits for the first module
	ops := &faultOps{fe: fe, learner: e.token(t, "learner"), trainer: e.token(t, "trainer"),
		wall: "/api/v1/cohorts/open.kokeilu/walls/viikko-1/posts", image: co.Modules[0].Lessons[0].Blocks[1].Media}
	ops.stage(t)
	for _, as := range [][]answer{ops.wallPost(), ops.upload(), ops.statements(), ops.readMedia(), ops.webSignIn()} {
		for _, a := range as {
			if !a.ok() {
				t.Fatalf("%s with the stores well: %d %s", a.what, a.status, a.body)
			}
		}
	}

	type fault struct {
		name  string
		proxy *testenv.FaultProxy
		start func(p *testenv.FaultProxy) (stop func())
	}
	cut := func(p *testenv.FaultProxy) func() {
		// Bytes are held long enough for requests to be in flight, and cut again and again.
		p.Latency(200 * time.Millisecond)
		done := make(chan struct{})
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					p.Cut()
				}
			}
		}()
		return func() { close(done); <-stopped }
	}
	slow := func(p *testenv.FaultProxy) func() { p.Latency(3 * faultDeadline); return func() {} }
	refuse := func(p *testenv.FaultProxy) func() { p.Refuse(true); p.Cut(); return func() {} }
	var recovery []string
	for _, f := range []fault{
		{"mongodb cut mid-request", fe.mongo, cut},
		{"mongodb slower than the deadline", fe.mongo, slow},
		{"mongodb refuses connections", fe.mongo, refuse},
		{"s3 cut mid-request", fe.s3, cut},
		{"s3 slower than the deadline", fe.s3, slow},
		{"s3 refuses connections", fe.s3, refuse},
	} {
		t.Run(f.name, func(t *testing.T) {
			ops.stage(t)
			stop := f.start(f.proxy)
			answers := ops.all()
			stop()
			failed := 0
			for _, a := range answers {
				checkAnswer(t, a)
				if !a.ok() {
					failed++
				}
			}
			if failed == 0 {
				t.Errorf("every request succeeded: the fault did not reach Taito")
			}
			f.proxy.Heal()
			took, err := fe.recover(ops, 15*time.Second)
			if err != nil {
				t.Fatalf("after healing: %v", err)
			}
			recovery = append(recovery, fmt.Sprintf("%s: %d of %d failed, served again %v after healing", f.name, failed, len(answers), took.Round(time.Millisecond)))
		})
	}
	t.Log(strings.Join(recovery, "\n"))

	// Nothing half-written.
	ctx := context.Background()
	for i, b := range ops.batches {
		if a := ops.postBatch(b); !a.ok() {
			t.Fatalf("batch %d retried with the same ids: %d %s", i, a.status, a.body)
		}
		ids := make([]string, len(b))
		for j, st := range b {
			ids[j] = st["id"].(string)
		}
		n, err := e.db.Collection("statements").CountDocuments(ctx, bson.M{"_id": bson.M{"$in": ids}})
		if err != nil || n != int64(len(ids)) {
			t.Errorf("batch %d: %d of its %d statements in the log (%v)", i, n, len(ids), err)
		}
	}
	fe.checkProjection(t, fe.users["learner"].ID)
	fe.checkMediaObjects(t)
}

// recover polls every operation until each succeeds once, and returns how long that took.
func (fe *faultEnv) recover(ops *faultOps, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	pending := ops.every()
	for {
		for name, op := range pending {
			good := true
			for _, a := range op() {
				good = good && a.ok()
			}
			if good {
				delete(pending, name)
			}
		}
		if len(pending) == 0 {
			return time.Since(start), nil
		}
		if time.Since(start) > limit {
			var names []string
			for name := range pending {
				names = append(names, name)
			}
			return 0, fmt.Errorf("still failing after %v: %s", limit, strings.Join(names, ", "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkProjection compares the learner's live projection with what a rebuild from the log gives.
func (fe *faultEnv) checkProjection(t *testing.T, user string) {
	t.Helper()
	ctx := context.Background()
	live, err := fe.learning.Facts(ctx, user, "kokeilu")
	if err != nil {
		t.Fatal(err)
	}
	if err := fe.learning.Rebuild(ctx, user, "kokeilu"); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := fe.learning.Facts(ctx, user, "kokeilu")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rebuilt, live, cmpopts.IgnoreFields(learning.Facts{}, "Rev")); diff != "" {
		t.Errorf("after the faults the live projection is not what the log gives (-rebuilt +live):\n%s", diff)
	}
}

// checkMediaObjects fails the test for any media record whose object is not in the bucket.
func (fe *faultEnv) checkMediaObjects(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	cur, err := fe.db.Collection("media").Find(ctx, bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	var items []struct {
		ID  string `bson:"_id"`
		Key string `bson:"key"`
	}
	if err := cur.All(ctx, &items); err != nil {
		t.Fatal(err)
	}
	if len(items) < 2 {
		t.Fatalf("%d media records; the uploads did not happen", len(items))
	}
	for _, it := range items {
		if _, err := fe.direct.Client().StatObject(ctx, fe.direct.Bucket(), it.Key, minio.StatObjectOptions{}); err != nil {
			t.Errorf("media record %s lists object %s, which is not in the bucket: %v", it.ID, it.Key, err)
		}
	}
}
