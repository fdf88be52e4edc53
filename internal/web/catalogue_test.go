package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/taito-lms/taito/internal/i18n"
)

// TestCatalogue: every key has a text in fi, sv and en with the same placeholders, and no
// other language.
func TestCatalogue(t *testing.T) {
	c, err := loadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	if len(c) == 0 {
		t.Fatal("empty catalogue")
	}
	for key, texts := range c {
		for _, l := range i18n.Locales {
			if strings.TrimSpace(texts[l]) == "" {
				t.Errorf("%q has no %s text", key, l)
			}
		}
		for l := range texts {
			if !slices.Contains(i18n.Locales, l) {
				t.Errorf("%q has a text in %q, which is not a language of Taito", key, l)
			}
		}
		want := i18n.Placeholders(texts[i18n.Default])
		for _, l := range i18n.Locales {
			if got := i18n.Placeholders(texts[l]); !slices.Equal(got, want) {
				t.Errorf("%q: %s has placeholders %v, fi %v", key, l, got, want)
			}
		}
	}
}

// keyUses finds the message keys the templates and the Go code ask for: .T "key" in templates,
// T("key", say(…, "key", page(c, "key") and redirectWithNotice(…, "key") in Go.
var keyUses = []*regexp.Regexp{
	regexp.MustCompile(`\.T\s+"([^"]+)"`),
	regexp.MustCompile(`\bT\("([^"]+)"`),
	regexp.MustCompile(`\bsay\([^,()]+,\s*"([^"]+)"`),
	regexp.MustCompile(`(?:page|Page)\(c,\s*"([^"]+)"`),
	regexp.MustCompile(`redirectWithNotice\([^\n]*"([^"]+)"\)`),
}

// TestEveryKeyUsedIsInTheCatalogue reads the templates and the package's Go files for the keys
// they use.
func TestEveryKeyUsedIsInTheCatalogue(t *testing.T) {
	files := map[string]string{}
	_ = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := templateFS.ReadFile(p)
			files[p] = string(b)
		}
		return nil
	})
	goFiles, _ := filepath.Glob("*.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files[f] = string(b)
	}
	used := 0
	for name, src := range files {
		for _, re := range keyUses {
			for _, m := range re.FindAllStringSubmatch(src, -1) {
				key := m[1]
				if strings.ContainsAny(key, " {") || !strings.Contains(key, ".") {
					continue
				}
				used++
				if !hasWord(key) {
					t.Errorf("%s uses %q, which is not in the catalogue", name, key)
				}
			}
		}
	}
	if used < 20 {
		t.Fatalf("found only %d key uses: the patterns no longer match the code", used)
	}
}

// TestTemplatesHoldNoWords: every word a page shows comes from the catalogue (or the course):
// the templates' own text, outside actions, has no letters, and no attribute people read (alt,
// title, aria-label, placeholder) holds a literal word. "Taito", the product's name, is the one
// exception.
func TestTemplatesHoldNoWords(t *testing.T) {
	action := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	letters := regexp.MustCompile(`\p{L}`)
	entries, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(entries) == 0 {
		t.Fatal("no templates", err)
	}
	for _, name := range entries {
		b, _ := templateFS.ReadFile(name)
		src := action.ReplaceAllString(string(b), "")
		z := html.NewTokenizer(strings.NewReader(src))
		for {
			tt := z.Next()
			if tt == html.ErrorToken {
				break
			}
			tok := z.Token()
			switch tt {
			case html.TextToken:
				s := strings.TrimSpace(strings.ReplaceAll(tok.Data, "Taito", ""))
				if letters.MatchString(s) {
					t.Errorf("%s: literal text %q", name, s)
				}
			case html.StartTagToken, html.SelfClosingTagToken:
				for _, a := range tok.Attr {
					switch a.Key {
					case "alt", "title", "aria-label", "placeholder":
						if letters.MatchString(a.Val) {
							t.Errorf("%s: <%s %s=%q> holds a literal word", name, tok.Data, a.Key, a.Val)
						}
					}
				}
			}
		}
	}
}
