package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	"github.com/taito-lms/taito/internal/i18n"
)

// The web app's words live in messages/<area>.json: each key with its text in fi, sv and en side
// by side ({"signin.title": {"fi": "…", "sv": "…", "en": "…"}}), placeholders in braces. Every
// key is in all three languages (TestCatalogue), and templates hold no words of their own.

//go:embed messages/*.json
var messageFS embed.FS

type catalogue map[string]map[string]string // key → locale → text

var words = sync.OnceValues(loadCatalogue)

func loadCatalogue() (catalogue, error) {
	all := catalogue{}
	files, err := fs.Glob(messageFS, "messages/*.json")
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		b, err := messageFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var m catalogue
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for k, v := range m {
			if _, dup := all[k]; dup {
				return nil, fmt.Errorf("%s: key %q is in another file too", name, k)
			}
			all[k] = v
		}
	}
	return all, nil
}

// say is the text of key in locale with params (name, value, name, value…) filled; Finnish
// when the locale has none, the key itself when no language has it (a test keeps that from
// happening).
func say(locale, key string, params ...string) string {
	c, _ := words()
	t := c[key][locale]
	if t == "" {
		t = c[key][i18n.Default]
	}
	if t == "" {
		t = key
	}
	if len(params) == 0 {
		return t
	}
	m := make(map[string]string, len(params)/2)
	for i := 0; i+1 < len(params); i += 2 {
		m[params[i]] = params[i+1]
	}
	return i18n.Fill(t, m)
}

// hasWord reports whether key is in the catalogue.
func hasWord(key string) bool {
	c, _ := words()
	_, ok := c[key]
	return ok
}

// localeName is each language's name in itself, for the language switch.
var localeName = map[string]string{"fi": "Suomeksi", "sv": "På svenska", "en": "In English"}

func validLocale(l string) bool { return slices.Contains(i18n.Locales, l) }

// trimLocale is l when it is one of the languages, else "".
func trimLocale(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if validLocale(l) {
		return l
	}
	return ""
}
