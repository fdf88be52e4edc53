package web_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// checkPage checks a page against the accessibility contract that can be read off its HTML:
// the language, the title, the skip link to main, the landmarks, one h1 and headings in order,
// every form control labelled, radios and checkboxes grouped with a legend, every image with
// alt, no inline script or style attribute, ids unique and every error summary link pointing
// at a field. It returns the problems found.
func checkPage(doc *html.Node) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	htmlEl := find(doc, byTag("html"))
	if len(htmlEl) != 1 || !regexp.MustCompile(`^(fi|sv|en)$`).MatchString(attr(htmlEl[0], "lang")) {
		bad("<html> has no lang of fi, sv or en")
	}
	if titles := find(doc, byTag("title")); len(titles) != 1 || !strings.HasSuffix(text(titles[0]), "Taito") {
		bad("the <title> is not \"… – Taito\"")
	}
	// The skip link is the first link and leads to main.
	links := find(doc, byTag("a"))
	if len(links) == 0 || attr(links[0], "href") != "#main" {
		bad("the first link is not the skip link to #main")
	}
	mains := find(doc, byTag("main"))
	if len(mains) != 1 || attr(mains[0], "id") != "main" {
		bad("not exactly one <main id=main>")
	}
	for _, tag := range []string{"header", "footer"} {
		if len(find(doc, byTag(tag))) == 0 {
			bad("no <%s> landmark", tag)
		}
	}
	// Headings: one h1, and no level skipped going down.
	var levels []int
	walk(doc, func(n *html.Node) bool {
		if n.Type == html.ElementNode && len(n.Data) == 2 && n.Data[0] == 'h' && n.Data[1] >= '1' && n.Data[1] <= '6' {
			l, _ := strconv.Atoi(n.Data[1:])
			levels = append(levels, l)
			if strings.TrimSpace(text(n)) == "" {
				bad("an empty <%s>", n.Data)
			}
		}
		return true
	})
	h1 := 0
	prev := 0
	for _, l := range levels {
		if l == 1 {
			h1++
		}
		if prev == 0 && l != 1 {
			bad("the first heading is h%d, not h1", l)
		}
		if prev > 0 && l > prev+1 {
			bad("heading h%d follows h%d", l, prev)
		}
		prev = l
	}
	if h1 != 1 {
		bad("%d h1 elements, want 1", h1)
	}
	// Ids are unique; labels point at controls.
	ids := map[string]int{}
	walk(doc, func(n *html.Node) bool {
		if n.Type == html.ElementNode && attr(n, "id") != "" {
			ids[attr(n, "id")]++
		}
		return true
	})
	for id, k := range ids {
		if k > 1 {
			bad("id %q is used %d times", id, k)
		}
	}
	labelFor := map[string]bool{}
	for _, l := range find(doc, byTag("label")) {
		if f := attr(l, "for"); f != "" {
			labelFor[f] = true
			if ids[f] == 0 {
				bad("a label points at id %q, which no element has", f)
			}
		}
	}
	for _, n := range find(doc, func(n *html.Node) bool { return n.Data == "input" || n.Data == "select" || n.Data == "textarea" }) {
		typ := attr(n, "type")
		if typ == "hidden" || typ == "submit" || typ == "button" || typ == "reset" {
			continue
		}
		labelled := labelFor[attr(n, "id")] && attr(n, "id") != "" || attr(n, "aria-labelledby") != "" || insideLabel(n)
		if !labelled {
			bad("<%s name=%q> has no label", n.Data, attr(n, "name"))
		}
		if (typ == "radio" || typ == "checkbox") && !insideFieldsetWithLegend(n) && attr(n, "name") != "" && countByName(doc, attr(n, "name")) > 1 {
			bad("%s %q is not in a <fieldset> with a <legend>", typ, attr(n, "name"))
		}
		if ref := attr(n, "aria-describedby"); ref != "" {
			for _, id := range strings.Fields(ref) {
				if ids[id] == 0 {
					bad("<%s name=%q> is described by id %q, which no element has", n.Data, attr(n, "name"), id)
				}
			}
		}
	}
	for _, n := range find(doc, byTag("button")) {
		if strings.TrimSpace(text(n)) == "" && attr(n, "aria-label") == "" {
			bad("a button without text")
		}
	}
	for _, n := range find(doc, byTag("img")) {
		if !hasAttr(n, "alt") {
			bad("<img src=%q> has no alt", attr(n, "src"))
		}
	}
	for _, n := range find(doc, byTag("video")) {
		if len(find(n, func(c *html.Node) bool { return c.Data == "track" && attr(c, "kind") == "captions" })) == 0 {
			bad("<video> has no captions track")
		}
	}
	// No inline script: every script has a src and no body, no element has an on* handler or a
	// style attribute (the policy would block them).
	walk(doc, func(n *html.Node) bool {
		if n.Type != html.ElementNode {
			return true
		}
		if n.Data == "script" && (attr(n, "src") == "" || strings.TrimSpace(text(n)) != "") {
			bad("an inline <script>")
		}
		if n.Data == "style" {
			bad("an inline <style>")
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				bad("<%s %s=…>: an inline event handler", n.Data, a.Key)
			}
			if a.Key == "style" {
				bad("<%s style=…>: an inline style", n.Data)
			}
			if (a.Key == "href" || a.Key == "src" || a.Key == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				bad("<%s %s=javascript:…>", n.Data, a.Key)
			}
		}
		return true
	})
	// The error summary links to fields that exist.
	for _, s := range find(doc, byID("error-summary")) {
		if attr(s, "role") != "alert" {
			bad("the error summary has no role=alert")
		}
		for _, a := range find(s, byTag("a")) {
			if h := attr(a, "href"); strings.HasPrefix(h, "#") && ids[h[1:]] == 0 {
				bad("the error summary links to %s, which no element has", h)
			}
		}
	}
	return problems
}

func insideLabel(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "label" {
			return true
		}
	}
	return false
}

func insideFieldsetWithLegend(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "fieldset" {
			return len(find(p, byTag("legend"))) > 0
		}
	}
	return false
}

func countByName(doc *html.Node, name string) int {
	return len(find(doc, func(n *html.Node) bool { return n.Data == "input" && attr(n, "name") == name }))
}

// mustBeWellFormed fails the test with every problem checkPage finds on the page.
func mustBeWellFormed(t *testing.T, what string, r response) {
	t.Helper()
	if r.doc == nil {
		t.Fatalf("%s: not an HTML page (status %d)", what, r.status)
	}
	for _, p := range checkPage(r.doc) {
		t.Errorf("%s: %s", what, p)
	}
}
