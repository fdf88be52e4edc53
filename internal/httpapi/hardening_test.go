package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/httpapi"
)

// newDraft creates course slug as trainer and saves the fixture's outline as its draft. It
// returns the draft's ETag and a function that gives a fresh copy of the outline to edit.
func newDraft(t *testing.T, e *env, trainer, slug string) (etag string, outline func() *course.Course) {
	t.Helper()
	resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/courses", token: trainer, body: `{"slug":"` + slug + `","title":{"fi":"Kovennus"}}`})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create %s: %d %s", slug, resp.StatusCode, body)
	}
	co, _ := fixture(t)
	co.Slug = slug
	saved, _ := json.Marshal(co)
	outline = func() *course.Course {
		var c course.Course
		if err := json.Unmarshal(saved, &c); err != nil {
			t.Fatal(err)
		}
		return &c
	}
	resp, body = do(t, e.app, scenario{method: "PUT", path: "/api/v1/courses/" + slug + "/draft", token: trainer, body: string(saved),
		headers: map[string]string{"If-Match": resp.Header.Get("ETag")}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("save %s: %d %s", slug, resp.StatusCode, body)
	}
	return resp.Header.Get("ETag"), outline
}

// TestDraftMapKeysNeverReachTheDatabase: a language map whose key the database cannot store, or
// that is not a locale, is refused with a 422 naming the field (it used to answer 500), and the
// importer's validation finds the same problem.
func TestDraftMapKeysNeverReachTheDatabase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.token(t, "trainer")
	etag, outline := newDraft(t, e, trainer, "avaimet")
	shortText := func(co *course.Course) *course.Question {
		for qi := range co.Quizzes {
			for ui := range co.Quizzes[qi].Questions {
				if q := &co.Quizzes[qi].Questions[ui]; q.Type == course.QuestionShortText {
					return q
				}
			}
		}
		t.Fatal("the fixture has no short-text question")
		return nil
	}
	cases := []struct {
		name  string
		edit  func(co *course.Course)
		field string
		want  string
	}{
		{"operator key in the course title", func(co *course.Course) { co.Title["$where"] = "x" }, "title", `unknown locale \"$where\"`},
		{"dotted key in a lesson title", func(co *course.Course) { co.Modules[0].Lessons[0].Title["a.b"] = "x" }, "modules.0.lessons.0.title", `unknown locale \"a.b\"`},
		{"NUL in the key of an option's text", func(co *course.Course) { co.Quizzes[0].Questions[0].Options[0].Text["f\x00i"] = "x" }, "quizzes.0.questions.0.options.0.text", "unknown locale"},
		{"operator key with no accepted answers", func(co *course.Course) { shortText(co).Accepted["$gt"] = nil }, ".accepted", `unknown locale \"$gt\"`},
		{"key of 100 bytes", func(co *course.Course) { co.Summary[strings.Repeat("k", 100)] = "x" }, "summary", "a key of 100 bytes"},
		{"locale the model does not know", func(co *course.Course) { co.Modules[1].Title["de"] = "Modul" }, "modules.1.title", `unknown locale \"de\"`},
	}
	var scenarios []scenario
	for _, tc := range cases {
		co := outline()
		tc.edit(co)
		// The importer refuses the same outline before storing anything.
		if err := course.Validate(co).Err(); err == nil || !strings.Contains(err.Error(), "problems") {
			t.Errorf("%s: the importer's validation passed: %v", tc.name, err)
		}
		body, _ := json.Marshal(co)
		scenarios = append(scenarios, scenario{name: tc.name, method: "PUT", path: "/api/v1/courses/avaimet/draft", token: trainer, body: string(body),
			headers: map[string]string{"If-Match": etag}, status: 422, want: []string{tc.field + `","message":`, tc.want}})
	}
	scenarios = append(scenarios, scenario{name: "nothing was stored", method: "GET", path: "/api/v1/courses/avaimet/draft", token: trainer, status: 200,
		forbid: []string{"$where", "a.b", "$gt", "kkkk"}, check: func(t *testing.T, resp *http.Response, _ []byte) {
			if got := resp.Header.Get("ETag"); got != etag {
				t.Errorf("ETag %s, want the unchanged %s", got, etag)
			}
		}})
	run(t, e.app, scenarios)
}

// TestDraftPreviewServesOnlyLinksPublishingAllows: the preview shows a draft's link only when
// publishing would allow it, whatever block carries it.
func TestDraftPreviewServesOnlyLinksPublishingAllows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.token(t, "trainer")
	etag, outline := newDraft(t, e, trainer, "linkit")
	preview := "/api/v1/courses/linkit/draft/lessons/tervetuloa"
	run(t, e.app, []scenario{
		{name: "an https link is previewed", method: "GET", path: preview, token: trainer, status: 200, want: []string{`"url":"https://www.suomi.fi"`}},
	})

	co := outline()
	blocks := co.Modules[0].Lessons[0].Blocks
	blocks[3].URL = "javascript:alert(document.domain)" // the link block
	blocks[0].URL = "JavaScript:alert(2)"               // a URL on a Markdown block
	blocks[4].URL = "data:text/html,<script>alert(3)</script>"
	body, _ := json.Marshal(co)
	noScriptURL := func(t *testing.T, _ *http.Response, body []byte) {
		for _, bad := range []string{"javascript:", "data:text/html"} {
			if strings.Contains(strings.ToLower(string(body)), bad) {
				t.Errorf("the preview serves a %s link: %s", bad, body)
			}
		}
	}
	run(t, e.app, []scenario{
		{name: "a draft with script links is saved with problems", method: "PUT", path: "/api/v1/courses/linkit/draft", token: trainer, body: string(body),
			headers: map[string]string{"If-Match": etag}, status: 200, want: []string{"blocks.3.url"}},
		{name: "publishing refuses the javascript: link", method: "POST", path: "/api/v1/courses/linkit/publish", token: trainer, status: 422, want: []string{"blocks.3.url", "https://"}},
		{name: "the preview does not serve it", method: "GET", path: preview, token: trainer, status: 200, check: noScriptURL},
		{name: "nor in English", method: "GET", path: preview + "?locale=en", token: trainer, status: 200, check: noScriptURL},
	})
}

// uploadToS3 starts an upload through the API and sends data to the presigned form, as a
// browser would; it returns the upload's id.
func uploadToS3(t *testing.T, e *env, token, filename, contentType string, data []byte) string {
	t.Helper()
	resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/media/uploads", token: token,
		body: jsonBody(map[string]any{"filename": filename, "content_type": contentType, "size": len(data)})})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("start upload: %d %s", resp.StatusCode, body)
	}
	var up struct {
		ID     string            `json:"upload_id"`
		URL    string            `json:"url"`
		Fields map[string]string `json:"fields"`
	}
	if err := json.Unmarshal(body, &up); err != nil {
		t.Fatal(err)
	}
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	for k, v := range up.Fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	s3resp, err := http.Post(up.URL, w.FormDataContentType(), &form)
	if err != nil {
		t.Fatal(err)
	}
	s3body, _ := io.ReadAll(s3resp.Body)
	s3resp.Body.Close()
	if s3resp.StatusCode >= 300 {
		t.Fatalf("S3 refused the upload: %d %s", s3resp.StatusCode, s3body)
	}
	return up.ID
}

// TestSVGUploadsThatCouldRunScriptAreRefused: the whole SVG is checked, with entities decoded
// and animations read, not only its first 64 KiB by pattern.
func TestSVGUploadsThatCouldRunScriptAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.clock.Set(time.Now()) // S3 checks the presigned form's expiry against its own clock
	trainer := e.token(t, "trainer")
	open := `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">`
	comment := "<!--" + strings.Repeat("x", 64<<10) + "-->"
	cases := []struct {
		name   string
		svg    string
		status int
		want   string
	}{
		{"a harmless SVG after 64 KiB of comment is stored", open + comment + `<rect width="10" height="10"/></svg>`, 201, `"content_type":"image/svg+xml"`},
		{"script after 64 KiB of comment", open + comment + `<script>alert(document.domain)</script></svg>`, 422, "script"},
		{"javascript: behind a character reference", open + `<a xlink:href="javascript&#58;alert(document.domain)"><text y="5">x</text></a></svg>`, 422, "javascript:"},
		{"set on an event attribute", open + `<rect width="10" height="10"><set attributeName="onmouseover" to="alert(document.domain)"/></rect></svg>`, 422, "animates an event handler"},
	}
	var scenarios []scenario
	for i, tc := range cases {
		id := uploadToS3(t, e, trainer, fmt.Sprintf("kuva-%d.svg", i), "image/svg+xml", []byte(tc.svg))
		scenarios = append(scenarios, scenario{name: tc.name, method: "POST", path: "/api/v1/media/uploads/" + id + "/complete", token: trainer, status: tc.status, want: []string{tc.want}})
	}
	run(t, e.app, scenarios)
}

// TestJSONTextMustBeUTF8: a body with bytes that are not UTF-8, or with half of a UTF-16
// surrogate pair escaped, is refused; it used to be stored with U+FFFD in place of the text.
func TestJSONTextMustBeUTF8(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.token(t, "trainer")
	create := func(slug, title string) string { return `{"slug":"` + slug + `","title":{"fi":"` + title + `"}}` }
	run(t, e.app, []scenario{
		{name: "a byte that is not UTF-8", method: "POST", path: "/api/v1/courses", token: trainer, body: create("utf-a", "Kurssi \xff"), status: 400, want: []string{"not valid UTF-8", "byte 38"}},
		{name: "a truncated sequence", method: "POST", path: "/api/v1/courses", token: trainer, body: create("utf-b", "Kurssi \xc3"), status: 400, want: []string{"not valid UTF-8"}},
		{name: "a lone high surrogate", method: "POST", path: "/api/v1/courses", token: trainer, body: create("utf-c", `Kurssi \ud800`), status: 400, want: []string{"surrogate"}},
		{name: "a lone low surrogate", method: "POST", path: "/api/v1/courses", token: trainer, body: create("utf-d", `\udc00 Kurssi`), status: 400, want: []string{"surrogate"}},
		{name: "a high surrogate before another character", method: "POST", path: "/api/v1/courses", token: trainer, body: create("utf-e", `\uD800\u0041`), status: 400, want: []string{"surrogate"}},
		{name: "nothing was stored", method: "GET", path: "/api/v1/courses?status=draft", token: trainer, status: 200, forbid: []string{"utf-"}},
		{name: "a surrogate pair is one character", method: "POST", path: "/api/v1/courses", token: trainer, body: create("utf-f", `Hymy \ud83d\ude00`), status: 201, want: []string{`"fi":"Hymy 😀"`}},
		{name: "an escaped backslash before u is text", method: "POST", path: "/api/v1/courses", token: trainer, body: create("utf-g", `C:\\ud800`), status: 201, want: []string{`"fi":"C:\\ud800"`}},
		{name: "UTF-8 text is kept", method: "POST", path: "/api/v1/courses", token: trainer, body: create("utf-h", "Äidinkieli ja ß"), status: 201, want: []string{`"fi":"Äidinkieli ja ß"`}},
	})
}

// listen serves app on a port of its own until the test ends and returns its address.
func listen(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return ln.Addr().String()
}

// securityHeaders are what every API response carries, whatever its status.
var securityHeaders = map[string]string{
	"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options":  "nosniff",
	"X-Frame-Options":         "DENY",
	"Referrer-Policy":         "no-referrer",
	"Cache-Control":           "no-store",
}

func checkSecurityHeaders(t *testing.T, resp *http.Response, _ []byte) {
	t.Helper()
	for k, want := range securityHeaders {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("status %d: %s = %q, want %q", resp.StatusCode, k, got, want)
		}
	}
}

// TestEveryResponseCarriesSecurityHeaders: success, errors from handlers, Fiber's own 404 and
// 405, and responses Fiber writes before any middleware runs (413, a malformed request) all
// carry the security headers and the Content-Security-Policy.
func TestEveryResponseCarriesSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.token(t, "trainer")
	run(t, e.app, []scenario{
		{name: "200", method: "GET", path: "/healthz", status: 200, check: checkSecurityHeaders},
		{name: "400 from the decoder", method: "POST", path: "/api/v1/courses", token: trainer, body: `{"slug":`, status: 400, check: checkSecurityHeaders},
		{name: "401", method: "GET", path: "/api/v1/me", status: 401, check: checkSecurityHeaders},
		{name: "404 for an unknown path", method: "GET", path: "/api/v1/nope", status: 404, check: checkSecurityHeaders},
		{name: "405 for a wrong method", method: "DELETE", path: "/healthz", status: 405, check: checkSecurityHeaders},
		{name: "422", method: "POST", path: "/api/v1/courses", token: trainer, body: `{"slug":"x","title":{}}`, status: 422, check: checkSecurityHeaders},
	})

	// These are refused by the HTTP server while reading the request, so they need a listener.
	addr := listen(t, newServer(t, httpapi.Options{BodyLimit: 1024}).App())
	raw := map[string]struct {
		request string
		status  int
	}{
		"413 for a body over the limit": {"POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n" + strings.Repeat("x", 4096), 413},
		"400 for a malformed request":   {"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -5x\r\n\r\n", 400},
	}
	for name, tc := range raw {
		t.Run(name, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.WriteString(conn, tc.request); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			checkProblem(t, resp, body)
			checkSecurityHeaders(t, resp, body)
		})
	}
}
