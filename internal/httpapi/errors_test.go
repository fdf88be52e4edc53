package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/mongox"
)

// TestErrorMapping drives errors.go through extra routes that return each kind of error.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	down, err := mongo.Connect(options.Client().ApplyURI("mongodb://127.0.0.1:1/").SetServerSelectionTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = down.Disconnect(context.Background()) })

	app := newServer(t, httpapi.Options{}).App()
	secret := "E11000 duplicate key in collection users at /srv/taito/store.go:42"
	app.Get("/t/internal", func(c *fiber.Ctx) error { return errors.New(secret) })
	app.Get("/t/validation", func(c *fiber.Ctx) error {
		var f apperr.Fields
		f.Add("email", "must be an email address")
		f.Add("password", "must be at least 12 characters")
		return fmt.Errorf("create user: %w", f.Err())
	})
	app.Get("/t/notfound", func(c *fiber.Ctx) error {
		return fmt.Errorf("load: %w", apperr.Wrap(apperr.KindNotFound, "course not found", errors.New(secret)))
	})
	app.Get("/t/unauth", func(c *fiber.Ctx) error { return apperr.New(apperr.KindUnauthenticated, "invalid or expired token") })
	app.Get("/t/ratelimited", func(c *fiber.Ctx) error {
		return &apperr.Error{Kind: apperr.KindRateLimited, Message: "too many attempts", RetryAfter: 90 * time.Second}
	})
	// Stores translate driver errors at the source (mongox.Err); the API maps the kinds.
	app.Get("/t/mongodown", func(c *fiber.Ctx) error {
		return mongox.Err(c.UserContext(), "find y", down.Database("x").Collection("y").FindOne(c.UserContext(), bson.D{}).Err())
	})
	app.Get("/t/slow", func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), time.Millisecond)
		defer cancel()
		<-ctx.Done()
		return mongox.Err(ctx, "find y", down.Database("x").Collection("y").FindOne(ctx, bson.D{}).Err())
	})

	cases := []struct {
		path       string
		status     int
		want       []string
		retryAfter string
	}{
		{"/t/internal", 500, []string{`"detail":"internal error"`}, ""},
		{"/t/validation", 422, []string{`"field":"email"`, `"field":"password"`, "at least 12"}, ""},
		{"/t/notfound", 404, []string{`"detail":"course not found"`}, ""},
		{"/t/unauth", 401, []string{"invalid or expired token"}, ""},
		{"/t/ratelimited", 429, []string{"too many attempts"}, "90"},
		{"/t/mongodown", 503, []string{"the database is unavailable, try again shortly", "urn:taito:problem:unavailable"}, "5"},
		// A request whose own deadline passed is slow, not an outage: it says so.
		{"/t/slow", 503, []string{"took too long", "urn:taito:problem:timeout"}, "5"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			start := time.Now()
			req := httptest.NewRequest(http.MethodGet, tc.path, nil)
			req.Header.Set("Accept-Language", "en")
			resp, err := app.Test(req, -1)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			checkProblem(t, resp, body)
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("body lacks %q: %s", w, body)
				}
			}
			if strings.Contains(string(body), "E11000") || strings.Contains(string(body), "store.go") {
				t.Errorf("body leaks the internal error: %s", body)
			}
			if got := resp.Header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			if tc.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			var p map[string]any
			if err := json.Unmarshal(body, &p); err != nil || p["request_id"] == "" {
				t.Errorf("problem without request_id: %s", body)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s, want a fast failure", took)
			}
		})
	}
}
