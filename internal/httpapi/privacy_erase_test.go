package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestEraseAPersonAPI: only an admin erases, after typing the person's e-mail address; bad
// bodies, herself and unknown people are refused clearly; the erasure is then read by its id,
// and erasing the person again is 404; the erased person's token no longer works.
func TestEraseAPersonAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	learner, learner2, trainer, admin := e.token(t, "learner"), e.token(t, "learner2"), e.token(t, "trainer"), e.token(t, "admin")
	target := e.users["learner"]
	path := "/api/v1/admin/users/" + target.ID + "/erasure"
	confirm := `{"confirm":"` + strings.ToUpper(target.Email) + `"}`
	var id string
	run(t, e.app, []scenario{
		{name: "no token", method: "POST", path: path, body: confirm, status: http.StatusUnauthorized},
		{name: "a learner", method: "POST", path: path, token: learner2, body: confirm, status: http.StatusForbidden},
		{name: "herself, a learner", method: "POST", path: path, token: learner, body: confirm, status: http.StatusForbidden},
		{name: "a trainer", method: "POST", path: path, token: trainer, body: confirm, status: http.StatusForbidden},
		{name: "malformed JSON", method: "POST", path: path, token: admin, body: `{"confirm":`, status: http.StatusBadRequest},
		{name: "no body", method: "POST", path: path, token: admin, status: http.StatusUnsupportedMediaType},
		{name: "an unknown field", method: "POST", path: path, token: admin, body: `{"confirm":"` + target.Email + `","force":true}`, status: http.StatusUnprocessableEntity, want: []string{"force"}},
		{name: "the wrong address", method: "POST", path: path, token: admin, body: `{"confirm":"` + e.users["learner2"].Email + `"}`, status: http.StatusBadRequest,
			want: []string{"confirmation"}},
		{name: "an empty confirmation", method: "POST", path: path, token: admin, body: `{"confirm":""}`, status: http.StatusBadRequest},
		{name: "the admin herself", method: "POST", path: "/api/v1/admin/users/" + e.users["admin"].ID + "/erasure", token: admin,
			body: `{"confirm":"` + e.users["admin"].Email + `"}`, status: http.StatusBadRequest, want: []string{"herself"}},
		{name: "an unknown person", method: "POST", path: "/api/v1/admin/users/nobody/erasure", token: admin, body: confirm, status: http.StatusNotFound},
		{name: "still there", method: "GET", path: "/api/v1/me", token: learner, status: http.StatusOK},
		{name: "erased", method: "POST", path: path, token: admin, body: confirm, status: http.StatusOK,
			want: []string{`"status":"done"`, `"ordered_by":"` + e.users["admin"].ID + `"`}, forbid: []string{target.ID, target.Email},
			check: func(t *testing.T, _ *http.Response, body []byte) {
				var it struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal(body, &it); err != nil || !strings.HasPrefix(it.ID, "erased-") {
					t.Fatalf("erasure id %q, %v", it.ID, err)
				}
				id = it.ID
			}},
	})
	run(t, e.app, []scenario{
		{name: "twice", method: "POST", path: path, token: admin, body: confirm, status: http.StatusNotFound},
		{name: "by the erasure's id", method: "POST", path: "/api/v1/admin/users/" + id + "/erasure", token: admin, body: confirm, status: http.StatusNotFound},
		{name: "status", method: "GET", path: "/api/v1/admin/erasures/" + id, token: admin, status: http.StatusOK, want: []string{`"status":"done"`, `"finished_at"`}},
		{name: "status, a trainer", method: "GET", path: "/api/v1/admin/erasures/" + id, token: trainer, status: http.StatusForbidden},
		{name: "status, a learner", method: "GET", path: "/api/v1/admin/erasures/" + id, token: learner2, status: http.StatusForbidden},
		{name: "status, no token", method: "GET", path: "/api/v1/admin/erasures/" + id, status: http.StatusUnauthorized},
		{name: "an unknown erasure", method: "GET", path: "/api/v1/admin/erasures/erased-nobody", token: admin, status: http.StatusNotFound},
		{name: "her token", method: "GET", path: "/api/v1/me", token: learner, status: http.StatusUnauthorized},
	})

	// Another request running learner2's erasure holds its lease: 409, and nothing happens.
	other := e.users["learner2"]
	sum := sha256.Sum256([]byte("erasure\x00" + other.ID))
	if _, err := e.db.Collection("erasure_locks").InsertOne(context.Background(), bson.D{{Key: "_id", Value: hex.EncodeToString(sum[:])},
		{Key: "erasure", Value: "erased-elsewhere"}, {Key: "until", Value: e.clock.Now().Add(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	run(t, e.app, []scenario{
		{name: "under way", method: "POST", path: "/api/v1/admin/users/" + other.ID + "/erasure", token: admin, body: `{"confirm":"` + other.Email + `"}`,
			status: http.StatusConflict, want: []string{"under way"}},
		{name: "still there after 409", method: "GET", path: "/api/v1/me", token: learner2, status: http.StatusOK},
	})
}
