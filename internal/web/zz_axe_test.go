//go:build browser

package web_test

import (
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

func TestZZAxeCertificates(t *testing.T) {
	tools := needBrowserTools(t)
	e, id := certified(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	go func() { _ = e.fiber.Listener(ln) }()
	for _, tc := range []struct{ who, path string }{
		{"learner", "/certificates"}, {"learner2", "/certificates"}, {"", "/verify/" + id}, {"", "/verify/QQQQQQQQQQQQQQQQQQQQQQ"},
		{"admin", "/admin/certificates"}, {"admin", "/admin/certificates?id=nope"}, {"admin", "/admin/certificates/" + id},
	} {
		for _, js := range []bool{true} {
			ctx := newChromium(t, tools.chromium, js)
			if tc.who != "" {
				b := e.signedIn(t, tc.who)
				for k, v := range b.cookies {
					_ = chromedp.Do(ctx)
					if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: k, Value: v, URL: base}); err != nil {
						t.Fatal(err)
					}
				}
			}
			c2, cancel := context.WithTimeout(ctx, 60*time.Second)
			if err := chromedp.Do(c2, chromedp.Navigate(base+tc.path)); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(c2, chromedp.Evaluate[chromedp.Void](tools.axe)); err != nil {
				t.Fatal(err)
			}
			vs, err := chromedp.Run(c2, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			title, _ := chromedp.Run(c2, chromedp.Evaluate[string](`document.title`))
			out, _ := json.MarshalIndent(vs, "", " ")
			t.Logf("%s %s (%s): %d violations %s", tc.who, tc.path, title, len(vs), out)
			_ = chromedp.Do(c2, chromedp.EmulateViewport(320, 800))
			sw, _ := chromedp.Run(c2, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			cw, _ := chromedp.Run(c2, chromedp.Evaluate[int](`document.documentElement.clientWidth`))
			t.Logf("  at 320: scroll %d client %d", sw, cw)
			cancel()
		}
	}
}
