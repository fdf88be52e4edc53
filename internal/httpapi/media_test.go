package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
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
