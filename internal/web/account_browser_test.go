//go:build browser

package web_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAccountPages opens the account pages — forgot password, a used invitation link,
// the reset form, unsubscribe, the accessibility statement and the privacy notice without
// signing in, the profile signed in — and their error states, with and without JavaScript:
// axe-core finds no WCAG 2.1 A or AA violation on any of them.
func TestBrowserAccountPages(t *testing.T) {
	tools := needBrowserTools(t)
	shots := os.Getenv("TAITO_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	for _, mode := range []struct {
		name string
		js   bool
	}{{"javascript", true}, {"no-javascript", false}} {
		t.Run(mode.name, func(t *testing.T) {
			dir := filepath.Join(shots, "account-"+mode.name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			s := startSite(t)
			j := &journey{t: t, s: s, js: mode.js, axe: tools.axe, shots: dir, ctx: newChromium(t, tools.chromium, mode.js)}

			j.open("/forgot-password")
			j.page("forgot-password", "/forgot-password")
			j.submitExpecting(`main form[action="/forgot-password"] button[type=submit]`, 422)
			j.page("forgot-password-errors", "/forgot-password")
			j.do("type the address", chromedp.SendKeys(chromedp.ID("f-email"), "liisa.oppija@example.fi"))
			j.submit(`main form[action="/forgot-password"] button[type=submit]`)
			j.page("forgot-password-sent", "/forgot-password")

			j.openAny("/invitation")
			j.page("invitation-expired", "/invitation")

			j.open("/password-reset?token=" + url.QueryEscape("abc"))
			j.page("password-reset", "/password-reset")
			j.submitExpecting(`main form[action="/password-reset"] button[type=submit]`, 422)
			j.page("password-reset-errors", "/password-reset")

			j.open("/unsubscribe?token=" + url.QueryEscape(s.a.Auth.UnsubscribeToken(s.learner.UserID)))
			j.page("unsubscribe", "/unsubscribe")
			j.submit(`main form[action="/unsubscribe"] button[type=submit]`)
			j.page("unsubscribed", "/unsubscribe")

			j.open("/accessibility")
			j.page("accessibility", "/accessibility")
			j.submitExpecting(`main form[action="/accessibility/feedback"] button[type=submit]`, 422)
			j.page("accessibility-feedback-errors", "/accessibility")

			j.open("/privacy")
			j.page("privacy", "/privacy")

			j.open("/sign-in")
			j.do("sign in", chromedp.SendKeys(chromedp.ID("f-email"), "pekka.kollega@example.fi"), chromedp.SendKeys(chromedp.ID("f-password"), testPassword))
			j.submit(`main form[action="/sign-in"] button[type=submit]`)
			j.open("/profile")
			j.page("profile-page", "/profile")
			j.submitExpecting(`main form[action="/profile/password"] button[type=submit]`, 422)
			j.page("profile-password-errors", "/profile")
		})
	}
}

// openAny goes to a path whatever its status (a used link's page answers 410).
func (j *journey) openAny(path string) {
	j.t.Helper()
	ctx, cancel := context.WithTimeout(j.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse(j.s.base+path)); err != nil {
		j.t.Fatalf("open %s: %v", path, err)
	}
}
