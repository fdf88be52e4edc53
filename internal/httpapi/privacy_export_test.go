package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestDataExports: a learner asks for her data and downloads it once prepared; the body is an
// empty object or nothing; another learner, a trainer and an admin cannot see or download it
// (the same 404 as an unknown id); a trainer cannot export anyone else (403); an admin can, for
// herself; the link is dead after 24 hours; a request without a token is 401.
func TestDataExports(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	learner, learner2, trainer, admin := e.token(t, "learner"), e.token(t, "learner2"), e.token(t, "trainer"), e.token(t, "admin")
	var id string
	run(t, e.app, []scenario{
		{name: "no token", method: "POST", path: "/api/v1/me/exports", status: http.StatusUnauthorized},
		{name: "malformed JSON", method: "POST", path: "/api/v1/me/exports", token: learner, body: `{"x":`, status: http.StatusBadRequest},
		{name: "an unknown field", method: "POST", path: "/api/v1/me/exports", token: learner, body: `{"user":"` + e.users["learner2"].ID + `"}`, status: http.StatusUnprocessableEntity},
		{name: "not JSON", method: "POST", path: "/api/v1/me/exports", token: learner, body: `x`, headers: map[string]string{"Content-Type": "text/plain"}, status: http.StatusUnsupportedMediaType},
		{name: "her own", method: "POST", path: "/api/v1/me/exports", token: learner, body: `{}`, status: http.StatusAccepted, want: []string{`"status":"pending"`, `"self":true`},
			check: func(t *testing.T, _ *http.Response, body []byte) {
				var it struct{ ID string }
				if err := json.Unmarshal(body, &it); err != nil || len(it.ID) < 22 {
					t.Fatalf("id %q %v", it.ID, err)
				}
				id = it.ID
			}},
		{name: "again without a body: the same", method: "POST", path: "/api/v1/me/exports", token: learner, status: http.StatusAccepted,
			check: func(t *testing.T, _ *http.Response, body []byte) {
				if !strings.Contains(string(body), id) {
					t.Errorf("a second export: %s", body)
				}
			}},
		{name: "a trainer exports a learner", method: "POST", path: "/api/v1/admin/users/" + e.users["learner"].ID + "/exports", token: trainer, status: http.StatusForbidden},
		{name: "a learner exports another", method: "POST", path: "/api/v1/admin/users/" + e.users["learner"].ID + "/exports", token: learner2, status: http.StatusForbidden},
		{name: "an admin, an unknown person", method: "POST", path: "/api/v1/admin/users/nobody/exports", token: admin, status: http.StatusNotFound},
		{name: "an admin, bad JSON", method: "POST", path: "/api/v1/admin/users/" + e.users["learner"].ID + "/exports", token: admin, body: `[`, status: http.StatusBadRequest},
		{name: "an admin exports a learner", method: "POST", path: "/api/v1/admin/users/" + e.users["learner"].ID + "/exports", token: admin, status: http.StatusAccepted, want: []string{`"self":false`}},
	})
	run(t, e.app, []scenario{
		{name: "not ready yet", method: "GET", path: "/api/v1/me/exports/" + id + "/download", token: learner, status: http.StatusConflict},
	})
	if n, err := e.a.PrepareExports(ctx); err != nil || n != 2 {
		t.Fatalf("prepared %d: %v", n, err)
	}
	var notFound []byte
	run(t, e.app, []scenario{
		{name: "her list", method: "GET", path: "/api/v1/me/exports", token: learner, status: http.StatusOK, want: []string{id, `"status":"ready"`, "/download"}},
		{name: "her export", method: "GET", path: "/api/v1/me/exports/" + id, token: learner, status: http.StatusOK, want: []string{`"expires_at":"2026-02-03T09:00:00Z"`}},
		{name: "another learner's list", method: "GET", path: "/api/v1/me/exports", token: learner2, status: http.StatusOK, forbid: []string{id}},
		{name: "download", method: "GET", path: "/api/v1/me/exports/" + id + "/download", token: learner, status: http.StatusOK,
			check: func(t *testing.T, resp *http.Response, body []byte) {
				if resp.Header.Get("Content-Type") != "application/zip" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
					t.Errorf("headers %v", resp.Header)
				}
				zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
				if err != nil {
					t.Fatal(err)
				}
				if len(zr.File) < 10 {
					t.Errorf("%d files", len(zr.File))
				}
			}},
		{name: "an unknown id", method: "GET", path: "/api/v1/me/exports/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/download", token: learner, status: http.StatusNotFound,
			check: func(t *testing.T, _ *http.Response, body []byte) { notFound = body }},
	})
	withoutRequestID := func(body []byte) string {
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		delete(m, "request_id")
		out, _ := json.Marshal(m)
		return string(out)
	}
	same := func(t *testing.T, _ *http.Response, body []byte) {
		if withoutRequestID(body) != withoutRequestID(notFound) {
			t.Errorf("body %s, an unknown id's %s", body, notFound)
		}
	}
	run(t, e.app, []scenario{
		{name: "another learner downloads", method: "GET", path: "/api/v1/me/exports/" + id + "/download", token: learner2, status: http.StatusNotFound, check: same},
		{name: "a trainer downloads", method: "GET", path: "/api/v1/me/exports/" + id + "/download", token: trainer, status: http.StatusNotFound, check: same},
		{name: "an admin downloads hers", method: "GET", path: "/api/v1/me/exports/" + id + "/download", token: admin, status: http.StatusNotFound, check: same},
		{name: "another learner reads it", method: "GET", path: "/api/v1/me/exports/" + id, token: learner2, status: http.StatusNotFound},
		{name: "the admin's own list", method: "GET", path: "/api/v1/me/exports", token: admin, status: http.StatusOK, want: []string{`"self":false`, `"status":"ready"`}},
	})
	e.clock.Advance(24 * time.Hour)
	learner = e.token(t, "learner")
	run(t, e.app, []scenario{
		{name: "after 24 hours", method: "GET", path: "/api/v1/me/exports/" + id + "/download", token: learner, status: http.StatusNotFound, check: same},
		{name: "listed as expired", method: "GET", path: "/api/v1/me/exports/" + id, token: learner, status: http.StatusOK, want: []string{`"expired":true`}, forbid: []string{"download_url"}},
	})
}
