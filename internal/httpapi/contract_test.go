package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/httpapi"
)

var spec struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

func loadSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	spec.once.Do(func() {
		loader := openapi3.NewLoader()
		spec.doc, spec.err = loader.LoadFromData(httpapi.OpenAPI)
		if spec.err != nil {
			return
		}
		if spec.err = spec.doc.Validate(context.Background()); spec.err != nil {
			return
		}
		spec.router, spec.err = legacy.NewRouter(spec.doc)
		// Bodies that are files or compact JWTs rather than JSON.
		openapi3filter.RegisterBodyDecoder("application/pdf", openapi3filter.FileBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/vc+jwt", openapi3filter.FileBodyDecoder)
	})
	if spec.err != nil {
		t.Fatalf("openapi.yaml: %v", spec.err)
	}
	return spec.doc, spec.router
}

// scenario is one HTTP exchange and what must (and must not) come back.
type scenario struct {
	name    string
	method  string
	path    string
	body    string            // sent as is; Content-Type application/json unless headers say otherwise
	headers map[string]string // extra request headers
	token   string            // bearer token, if any
	status  int
	want    []string // substrings the body must contain
	forbid  []string // substrings the body must not contain
	check   func(t *testing.T, resp *http.Response, body []byte)
}

// do sends one request through app.Test, checks the response against the OpenAPI document, and
// returns it with its body.
func do(t *testing.T, app *fiber.App, sc scenario) (*http.Response, []byte) {
	t.Helper()
	var body io.Reader
	if sc.body != "" {
		body = strings.NewReader(sc.body)
	}
	req := httptest.NewRequest(sc.method, sc.path, body)
	if sc.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	// Without an account to go by, messages are said in English unless a scenario asks for
	// another language (the env's users' accounts are English: see newEnv).
	if sc.token == "" {
		req.Header.Set("Accept-Language", "en")
	}
	for k, v := range sc.headers {
		req.Header.Set(k, v)
	}
	if sc.token != "" {
		req.Header.Set("Authorization", "Bearer "+sc.token)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", sc.method, sc.path, err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkContract(t, sc, req, resp, got)
	return resp, got
}

// checkContract validates a response against openapi.yaml. A path the document does not know
// must be answered with a problem+json 404 or 405.
func checkContract(t *testing.T, sc scenario, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	_, router := loadSpec(t)
	vreq := httptest.NewRequest(sc.method, "http://localhost"+sc.path, nil)
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s %s answered %d but is not in openapi.yaml", sc.method, sc.path, resp.StatusCode)
		}
		checkProblem(t, resp, body)
		return
	}
	// Errors are problem+json unless the operation documents another body for that status
	// (the readiness probe's 503 names the failing dependency).
	if resp.StatusCode >= 400 {
		documented := route.Operation.Responses.Status(resp.StatusCode)
		if documented == nil || documented.Value.Content.Get("application/problem+json") != nil {
			checkProblem(t, resp, body)
		}
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		t.Errorf("%s %s: response %d does not match openapi.yaml: %v\nbody: %s", sc.method, sc.path, resp.StatusCode, err, body)
	}
}

// checkProblem checks that an error response is RFC 9457 problem+json without internal text.
func checkProblem(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("status %d with Content-Type %q, want application/problem+json", resp.StatusCode, ct)
		return
	}
	var p map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&p); err != nil {
		t.Errorf("problem body is not JSON: %v: %s", err, body)
		return
	}
	if int(p["status"].(float64)) != resp.StatusCode {
		t.Errorf("problem status %v differs from HTTP status %d", p["status"], resp.StatusCode)
	}
	for _, leak := range []string{"mongo", "minio", "runtime error", "goroutine", "sqlite", ".go:"} {
		if strings.Contains(strings.ToLower(string(body)), leak) {
			t.Errorf("problem body leaks %q: %s", leak, body)
		}
	}
}

// run runs scenarios as subtests.
func run(t *testing.T, app *fiber.App, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			resp, body := do(t, app, sc)
			if resp.StatusCode != sc.status {
				t.Fatalf("%s %s: status %d, want %d; body: %s", sc.method, sc.path, resp.StatusCode, sc.status, body)
			}
			for _, w := range sc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("body lacks %q: %s", w, body)
				}
			}
			for _, f := range sc.forbid {
				if strings.Contains(string(body), f) {
					t.Errorf("body contains forbidden %q: %s", f, body)
				}
			}
			if sc.check != nil {
				sc.check(t, resp, body)
			}
		})
	}
}

var fiberParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestEveryRouteIsDocumented checks routes.go and openapi.yaml list the same operations.
func TestEveryRouteIsDocumented(t *testing.T) {
	doc, _ := loadSpec(t)
	app := newServer(t, httpapi.Options{}).App()
	registered := map[string]bool{}
	for _, r := range app.GetRoutes(true) {
		if r.Method == fiber.MethodHead || r.Method == "USE" || r.Path == "/" {
			continue
		}
		registered[r.Method+" "+fiberParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = true
			if op.Responses.Default() == nil {
				t.Errorf("%s %s has no default (problem) response in openapi.yaml", method, path)
			}
		}
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.yaml: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("openapi.yaml operations with no route: %v", extra)
	}
}
