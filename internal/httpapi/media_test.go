package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMediaRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	co := e.publishFixture(t)
	ctx := context.Background()
	used := co.Modules[0].Lessons[0].Blocks[1].Media // the fixture's image
	if used == "" {
		t.Fatal("the fixture's image has no media id")
	}
	unused, _, err := e.media.PutAsset(ctx, "piilossa.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), e.users["trainer"].ID)
	if err != nil {
		t.Fatal(err)
	}
	video, _, err := e.media.PutAsset(ctx, "v.mp4", append([]byte("\x00\x00\x00\x18ftypisom"), make([]byte, 32)...), e.users["trainer"].ID)
	if err != nil {
		t.Fatal(err)
	}
	learner, trainer := e.token(t, "learner"), e.token(t, "trainer")
	redirects := func(t *testing.T, resp *http.Response, _ []byte) {
		if loc := resp.Header.Get("Location"); !strings.Contains(loc, "X-Amz-Signature=") || !strings.Contains(loc, used[:16]) {
			t.Errorf("Location %q is not a presigned S3 URL of the item", loc)
		}
	}
	run(t, e.app, []scenario{
		{name: "learner gets media of a course she may read", method: "GET", path: "/api/v1/media/" + used, token: learner, status: 302, check: redirects},
		{name: "as JSON", method: "GET", path: "/api/v1/media/" + used + "?redirect=false", token: learner, status: 200, want: []string{`"content_type":"image/svg+xml"`, `"url":"http`}},
		{name: "learner asks for media no course uses", method: "GET", path: "/api/v1/media/" + unused.ID, token: learner, status: 404},
		{name: "trainer reads any media", method: "GET", path: "/api/v1/media/" + unused.ID + "?redirect=false", token: trainer, status: 200},
		{name: "unknown id", method: "GET", path: "/api/v1/media/" + strings.Repeat("0", 64), token: trainer, status: 404},
		{name: "malformed id", method: "GET", path: "/api/v1/media/..%2Fsecret", token: trainer, status: 404},
		{name: "learner starts an upload", method: "POST", path: "/api/v1/media/uploads", token: learner, body: `{"filename":"a.png","content_type":"image/png","size":10}`, status: 403},
		{name: "path in the file name", method: "POST", path: "/api/v1/media/uploads", token: trainer, body: `{"filename":"../a.png","content_type":"image/png","size":10}`, status: 422, want: []string{`"field":"filename"`}},
		{name: "every problem at once", method: "POST", path: "/api/v1/media/uploads", token: trainer, body: `{"filename":"","content_type":"text/html","size":0}`, status: 422, want: []string{`"field":"filename"`, `"field":"content_type"`, `"field":"size"`}},
		{name: "unknown upload", method: "POST", path: "/api/v1/media/uploads/nope/complete", token: trainer, status: 404},
		{name: "learner sets captions", method: "PUT", path: "/api/v1/media/" + video.ID + "/captions/fi", token: learner, body: `{"vtt":"WEBVTT\n"}`, status: 403},
		{name: "captions", method: "PUT", path: "/api/v1/media/" + video.ID + "/captions/fi", token: trainer, body: `{"vtt":"WEBVTT\n\n00:00.000 --> 00:01.000\nHei\n","transcript":"Hei"}`, status: 200, want: []string{`"url":"/api/v1/media/`}},
		{name: "captions on an image", method: "PUT", path: "/api/v1/media/" + used + "/captions/fi", token: trainer, body: `{"vtt":"WEBVTT\n"}`, status: 422},
		{name: "captions in a bad locale", method: "PUT", path: "/api/v1/media/" + video.ID + "/captions/de", token: trainer, body: `{"vtt":"WEBVTT\n"}`, status: 422},
		{name: "captions listed", method: "GET", path: "/api/v1/media/" + video.ID + "?redirect=false", token: trainer, status: 200, want: []string{`"captions":{"fi":`, `"transcript":"Hei"`}},
	})

	// Another trainer's upload cannot be completed.
	resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/media/uploads", token: trainer, body: `{"filename":"a.png","content_type":"image/png","size":100}`})
	if resp.StatusCode != 201 {
		t.Fatalf("start upload: %d %s", resp.StatusCode, body)
	}
	var up struct {
		ID string `json:"upload_id"`
	}
	_ = json.Unmarshal(body, &up)
	admin := e.token(t, "admin")
	run(t, e.app, []scenario{{name: "someone else's upload", method: "POST", path: "/api/v1/media/uploads/" + up.ID + "/complete", token: admin, status: 404}})
}

// proxyApp is the env's Taito with TAITO_MEDIA_DELIVERY=proxy, over the same database and a
// fresh bucket that holds the fixture's files (the same bytes give the same ids).
func proxyApp(t *testing.T, e *env, opts httpapi.Options) (*fiber.App, *media.Library) {
	t.Helper()
	lim := media.DefaultLimits
	lim.Proxy = true
	cp := *e.a
	cp.Media = media.NewLibrary(e.db, testenv.S3(t), lim, e.clock.Now)
	_, fsys := fixture(t)
	for name, f := range fsys {
		if _, _, err := cp.Media.PutAsset(context.Background(), path.Base(name), f.Data, e.users["trainer"].ID); err != nil && !errors.Is(err, media.ErrNotAllowed) {
			t.Fatal(err)
		}
	}
	opts.Log, opts.Now = quietLog(), e.clock.Now
	return httpapi.New(&cp, opts).App(), cp.Media
}

// TestBrowsersLoadMediaThroughTaitoWhenS3IsLoopbackOnly protects finding 12 of issue 16: on the
// embedded default S3 listens on loopback only, so an <img> or <video> must get the bytes from
// Taito itself — with Range for seeking, ETag and 304 for caching — and uploads go through
// Taito too.
func TestBrowsersLoadMediaThroughTaitoWhenS3IsLoopbackOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	co := e.publishFixture(t)
	app, lib := proxyApp(t, e, httpapi.Options{})
	ctx := context.Background()
	used := co.Modules[0].Lessons[0].Blocks[1].Media // the fixture's SVG
	item, err := e.media.Get(ctx, used)
	if err != nil {
		t.Fatal(err)
	}
	_, fsys := fixture(t)
	var svg []byte
	for _, f := range fsys {
		if sum := sha256.Sum256(f.Data); hex.EncodeToString(sum[:]) == used {
			svg = f.Data
		}
	}
	unused, _, err := lib.PutAsset(ctx, "piilossa.png", pngBytes(t, 2), e.users["trainer"].ID)
	if err != nil {
		t.Fatal(err)
	}
	learner, trainer := e.token(t, "learner"), e.token(t, "trainer")
	size := strconv.Itoa(len(svg))
	etag := `"` + used + `"`
	header := func(name, want string) func(*testing.T, *http.Response, []byte) {
		return func(t *testing.T, resp *http.Response, _ []byte) {
			if got := resp.Header.Get(name); got != want {
				t.Errorf("%s: %q, want %q", name, got, want)
			}
		}
	}
	bodyIs := func(want []byte, more ...func(*testing.T, *http.Response, []byte)) func(*testing.T, *http.Response, []byte) {
		return func(t *testing.T, resp *http.Response, body []byte) {
			if !bytes.Equal(body, want) {
				t.Errorf("body is %d bytes %q, want %d bytes", len(body), body[:min(len(body), 40)], len(want))
			}
			for _, check := range more {
				check(t, resp, body)
			}
		}
	}
	run(t, app, []scenario{
		{name: "an img loads the bytes from Taito", method: "GET", path: "/api/v1/media/" + used, token: learner, status: 200,
			check: bodyIs(svg, header("ETag", etag), header("Content-Type", "image/svg+xml"), header("Cache-Control", media.CacheControl),
				header("Last-Modified", item.CreatedAt.UTC().Format(http.TimeFormat)), header("Accept-Ranges", "bytes"),
				header("Content-Length", size))},
		{name: "SVG is always an attachment", method: "GET", path: "/api/v1/media/" + used, token: learner, status: 200,
			check: header("Content-Disposition", `attachment; filename="`+item.Filename+`"`)},
		{name: "a video seeks with Range", method: "GET", path: "/api/v1/media/" + used, token: learner, headers: map[string]string{"Range": "bytes=5-14"}, status: 206,
			check: bodyIs(svg[5:15], header("Content-Range", "bytes 5-14/"+size), header("Content-Length", "10"))},
		{name: "an open-ended range", method: "GET", path: "/api/v1/media/" + used, token: learner, headers: map[string]string{"Range": "bytes=10-"}, status: 206,
			check: bodyIs(svg[10:], header("Content-Range", "bytes 10-"+strconv.Itoa(len(svg)-1)+"/"+size))},
		{name: "a range past the end", method: "GET", path: "/api/v1/media/" + used, token: learner, headers: map[string]string{"Range": "bytes=" + size + "-"}, status: 416,
			check: header("Content-Range", "bytes */"+size)},
		{name: "a cached copy is still good", method: "GET", path: "/api/v1/media/" + used, token: learner, headers: map[string]string{"If-None-Match": etag}, status: 304,
			check: bodyIs(nil, header("ETag", etag))},
		{name: "another ETag gets the bytes", method: "GET", path: "/api/v1/media/" + used, token: learner, headers: map[string]string{"If-None-Match": `"x"`}, status: 200, check: bodyIs(svg)},
		{name: "JSON points at Taito, not at S3", method: "GET", path: "/api/v1/media/" + used + "?redirect=false", token: learner, status: 200,
			want: []string{`"url":"/api/v1/media/` + used + `"`}, forbid: []string{"X-Amz-Signature"}},
		{name: "media of no course she may study", method: "GET", path: "/api/v1/media/" + unused.ID, token: learner, status: 404},
		{name: "the trainer reads it", method: "GET", path: "/api/v1/media/" + unused.ID, token: trainer, status: 200,
			check: header("Content-Disposition", `inline; filename="piilossa.png"`)},
		{name: "without a token", method: "GET", path: "/api/v1/media/" + used, status: 401},
	})

	// An upload end to end: plan, PUT the bytes to Taito, complete.
	png := pngBytes(t, 7)
	up := planUpload(t, app, trainer, "kuva.png", len(png))
	if up.Method != "PUT" || up.URL != "/api/v1/media/uploads/"+up.ID+"/content" || len(up.Fields) > 0 {
		t.Fatalf("plan %+v: want a PUT to Taito", up)
	}
	sum := sha256.Sum256(png)
	id := hex.EncodeToString(sum[:])
	asPNG := map[string]string{"Content-Type": "image/png"}
	run(t, app, []scenario{
		{name: "another trainer's upload", method: "PUT", path: up.URL, token: e.token(t, "admin"), headers: asPNG, body: string(png), status: 404},
		{name: "a learner's", method: "PUT", path: up.URL, token: learner, headers: asPNG, body: string(png), status: 403},
		{name: "the file goes through Taito", method: "PUT", path: up.URL, token: trainer, headers: asPNG, body: string(png), status: 204},
		{name: "and is checked and stored", method: "POST", path: "/api/v1/media/uploads/" + up.ID + "/complete", token: trainer, status: 201,
			want: []string{`"id":"` + id + `"`, `"content_type":"image/png"`}},
		{name: "once", method: "PUT", path: up.URL, token: trainer, headers: asPNG, body: string(png), status: 409},
		{name: "and read back", method: "GET", path: "/api/v1/media/" + id, token: trainer, status: 200, check: bodyIs(png)},
	})

	small := planUpload(t, app, trainer, "pieni.png", 100)
	run(t, app, []scenario{
		{name: "the JSON body limit still holds elsewhere", method: "POST", path: "/api/v1/media/uploads", token: trainer, body: strings.Repeat(" ", 2<<20), status: 413},
		{name: "more bytes than planned", method: "PUT", path: small.URL, token: trainer, headers: asPNG, body: strings.Repeat("x", 200), status: 413},
		{name: "fewer bytes than planned", method: "PUT", path: small.URL, token: trainer, headers: asPNG, body: "short", status: 422},
		{name: "nothing was stored", method: "POST", path: "/api/v1/media/uploads/" + small.ID + "/complete", token: trainer, status: 422,
			want: []string{"nothing was uploaded"}},
	})
}

// TestLongMediaOutlivesTheRequestTimeout protects finding 12 of issue 16 for video: a file
// larger than the JSON body limit goes up through Taito in one stream, and comes back to a
// slow reader long after the request timeout has passed, whole.
func TestLongMediaOutlivesTheRequestTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A second is room for the small requests around the stream even on a loaded machine; the
	// stream itself is read slowly enough to last longer.
	const timeout = time.Second
	app, _ := proxyApp(t, e, httpapi.Options{RequestTimeout: timeout})
	base := "http://" + listen(t, app)
	trainer := e.token(t, "trainer")
	video := append([]byte("\x00\x00\x00\x18ftypisom"), bytes.Repeat([]byte("taito"), 8<<20/5)...) // 8 MiB, 8 × the body limit
	var up plannedUpload
	send := func(method, url, contentType string, body []byte) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, base+url, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+trainer)
		req.Header.Set("Content-Type", contentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	resp := send("POST", "/api/v1/media/uploads", "application/json", []byte(jsonBody(map[string]any{"filename": "v.mp4", "content_type": "video/mp4", "size": len(video)})))
	if err := json.NewDecoder(resp.Body).Decode(&up); err != nil || resp.StatusCode != 201 {
		t.Fatalf("plan: %d %v", resp.StatusCode, err)
	}
	if resp := send("PUT", up.URL, "video/mp4", video); resp.StatusCode != 204 {
		t.Fatalf("PUT content: %d", resp.StatusCode)
	}
	var done struct {
		ID string `json:"id"`
	}
	resp = send("POST", "/api/v1/media/uploads/"+up.ID+"/complete", "application/json", nil)
	if err := json.NewDecoder(resp.Body).Decode(&done); err != nil || resp.StatusCode != 201 {
		t.Fatalf("complete: %d %v", resp.StatusCode, err)
	}

	resp = send("GET", "/api/v1/media/"+done.ID, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	var got bytes.Buffer
	start := time.Now()
	for buf := make([]byte, 256<<10); ; {
		n, err := resp.Body.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond) // a viewer who watches, not a downloader
	}
	if !bytes.Equal(got.Bytes(), video) {
		t.Errorf("got %d of %d bytes after %s: the stream was cut", got.Len(), len(video), time.Since(start))
	}
	if time.Since(start) < timeout {
		t.Errorf("the read took %s, not longer than the request timeout", time.Since(start))
	}

	// A large body refused before it is read ends the connection: the rest of it is not a request.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		_, _ = fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\nContent-Length: %d\r\n\r\n", up.URL, len(video))
		_, _ = conn.Write(video)
	}()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	refused, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || refused.StatusCode != 401 || !refused.Close {
		t.Errorf("PUT without a token: %v, %v; want 401 closing the connection", refused, err)
	}
}

// TestMediaRedirectModeKeepsPresignedURLs: with an external S3 (redirect, the default there)
// nothing goes through Taito.
func TestMediaRedirectModeKeepsPresignedURLs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer := e.token(t, "trainer")
	up := planUpload(t, e.app, trainer, "kuva.png", 100)
	if up.Method != "POST" || !strings.HasPrefix(up.URL, "http") || up.Fields["policy"] == "" {
		t.Fatalf("plan %+v: want a presigned POST form", up)
	}
	run(t, e.app, []scenario{
		{name: "no upload through Taito", method: "PUT", path: "/api/v1/media/uploads/" + up.ID + "/content", token: trainer,
			headers: map[string]string{"Content-Type": "image/png"}, body: "x", status: 404},
	})
}

type plannedUpload struct {
	ID     string            `json:"upload_id"`
	Method string            `json:"method"`
	URL    string            `json:"url"`
	Fields map[string]string `json:"fields"`
}

func planUpload(t *testing.T, app *fiber.App, token, name string, size int) plannedUpload {
	t.Helper()
	resp, body := do(t, app, scenario{method: "POST", path: "/api/v1/media/uploads", token: token,
		body: jsonBody(map[string]any{"filename": name, "content_type": "image/png", "size": size})})
	if resp.StatusCode != 201 {
		t.Fatalf("plan upload: %d %s", resp.StatusCode, body)
	}
	var up plannedUpload
	if err := json.Unmarshal(body, &up); err != nil {
		t.Fatal(err)
	}
	return up
}

// pngBytes is a w×1 PNG.
func pngBytes(t *testing.T, w int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, 1))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
