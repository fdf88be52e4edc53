// Package i18n holds the message catalogues: every text Taito itself says to people — problem
// details, field messages, e-mails, report headings — in Finnish, Swedish and English, one
// embedded JSON file per language, keyed by a stable message key.
//
// A key of an error message is its English text ("course not found"); other texts have dotted
// keys ("email.reset.subject", "report.name"). Values in a text are placeholders in braces
// ("must be at most {max} characters"), filled by Text. Every key is in all three catalogues with
// the same placeholders (a test checks it), so the fallbacks — Finnish, then the key itself — are
// for keys that are not Taito's own (a course's problem texts).
//
// It deliberately knows nothing of HTTP or accounts: Choose takes the account's locale and an
// Accept-Language header as strings. Course content is not here: courses carry their own texts.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Locales are the languages of the catalogues; Default, Finnish, is the fallback.
var Locales = []string{"fi", "sv", "en"}

// Default is the language when nothing else is known, and the first fallback of a missing text.
const Default = "fi"

//go:embed fi.json sv.json en.json
var files embed.FS

// catalogues are the embedded files, read once. A file that does not parse is a build mistake
// the catalogue test catches; at run time it leaves that language empty (texts fall back).
var catalogues = sync.OnceValue(func() map[string]map[string]string {
	all := map[string]map[string]string{}
	for _, loc := range Locales {
		m := map[string]string{}
		if b, err := files.ReadFile(loc + ".json"); err == nil {
			_ = json.Unmarshal(b, &m)
		}
		all[loc] = m
	}
	return all
})

// Catalogue returns a copy of one language's catalogue, or an error when its file does not parse.
func Catalogue(locale string) (map[string]string, error) {
	b, err := files.ReadFile(locale + ".json")
	if err != nil {
		return nil, fmt.Errorf("no catalogue for %q: %w", locale, err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s.json: %w", locale, err)
	}
	return m, nil
}

// Has reports whether key is in the catalogue of locale.
func Has(locale, key string) bool {
	_, ok := catalogues()[locale][key]
	return ok
}

// Text returns the text of key in locale with its placeholders filled from params: in Finnish
// when locale has no text for key, and the key itself when Finnish has none either.
func Text(locale, key string, params map[string]string) string {
	c := catalogues()
	t, ok := c[locale][key]
	if !ok || t == "" {
		t, ok = c[Default][key]
	}
	if !ok || t == "" {
		t = key
	}
	return Fill(t, params)
}

// Fill puts params into the {name} placeholders of text; a placeholder without a value stays.
func Fill(text string, params map[string]string) string {
	if len(params) == 0 || !strings.Contains(text, "{") {
		return text
	}
	pairs := make([]string, 0, 2*len(params))
	for k, v := range params {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// Placeholders lists the names of text's placeholders, sorted, each once.
func Placeholders(text string) []string {
	var names []string
	for rest := text; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		if name := rest[i+1 : i+j]; name != "" && !strings.ContainsAny(name, " {\"") {
			names = append(names, name)
		}
		rest = rest[i+j+1:]
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Choose is the language to speak to someone in: her account's locale when it is one of
// Locales, else the first language of an Accept-Language header that is, else Finnish.
func Choose(account, acceptLanguage string) string {
	if slices.Contains(Locales, account) {
		return account
	}
	return FromHeader(acceptLanguage)
}

// FromHeader is the first language of an Accept-Language header that is one of Locales ("sv-FI"
// counts as sv), in the order given, or Finnish.
func FromHeader(acceptLanguage string) string {
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if slices.Contains(Locales, base) {
			return base
		}
	}
	return Default
}
