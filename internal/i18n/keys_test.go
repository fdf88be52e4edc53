package i18n_test

import (
	"slices"
	"testing"

	"github.com/taito-lms/taito/internal/i18n"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
)

// usedKeys returns every message key written as a string literal in the module's non-test Go
// files under root, with where it is: the message of apperr.New, Wrap, NewField and
// Unavailable (with its suffix), of a Fields.Add, of the course validator's err and warn, of a
// FieldError literal and of an assignment to a Message field, in files that import apperr (and
// every file of package course).
func usedKeys(root string) (map[string]string, error) {
	keys := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		uses := false
		for _, im := range f.Imports {
			uses = uses || strings.HasSuffix(im.Path.Value, `/internal/apperr"`)
		}
		// The course validator's helpers count in every file of package course, import or not.
		if !uses && f.Name.Name != "apperr" && f.Name.Name != "course" {
			return nil
		}
		add := func(e ast.Expr, suffix string) {
			if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					keys[s+suffix] = fset.Position(lit.Pos()).String()
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				switch name := sel.Sel.Name; {
				case name == "Unavailable" && len(n.Args) == 3:
					add(n.Args[0], " is unavailable, try again shortly")
				case (name == "New" || name == "Wrap" || name == "NewField") && len(n.Args) >= 2 && isIdent(sel.X, "apperr"):
					add(n.Args[1], "")
				case name == "Add" && len(n.Args) >= 2:
					add(n.Args[1], "")
				case (name == "err" || name == "warn") && len(n.Args) >= 2:
					// the course validator's own helpers, whose problems reach trainers
					add(n.Args[1], "")
				}
			case *ast.CompositeLit:
				if isFieldError(n.Type) {
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Message") {
							add(kv.Value, "")
						}
					}
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == "Message" && i < len(n.Rhs) {
						add(n.Rhs[i], "")
					}
				}
			}
			return true
		})
		return nil
	})
	return keys, err
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func isFieldError(e ast.Expr) bool {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name == "FieldError"
	case *ast.SelectorExpr:
		return t.Sel.Name == "FieldError"
	}
	return false
}

// TestEveryMessageInCodeIsInTheCatalogues: a message written in code without translations fails
// here, so no English-only text reaches a Finnish or Swedish reader.
func TestEveryMessageInCodeIsInTheCatalogues(t *testing.T) {
	t.Parallel()
	used, err := usedKeys(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 100 {
		t.Fatalf("found only %d messages in code: is the extraction broken?", len(used))
	}
	for key, where := range used {
		for _, loc := range i18n.Locales {
			if !i18n.Has(loc, key) {
				t.Errorf("%s: %q is not in %s.json", where, key, loc)
			}
		}
	}
}

// TestCataloguesAgree: every key is in all three catalogues, with a text and the same
// placeholders.
func TestCataloguesAgree(t *testing.T) {
	t.Parallel()
	cats := map[string]map[string]string{}
	for _, loc := range i18n.Locales {
		c, err := i18n.Catalogue(loc)
		if err != nil {
			t.Fatal(err)
		}
		cats[loc] = c
	}
	for _, loc := range i18n.Locales {
		for key, text := range cats[loc] {
			if strings.TrimSpace(text) == "" {
				t.Errorf("%s.json: %q has no text", loc, key)
			}
			want := i18n.Placeholders(cats[i18n.Default][key])
			for _, other := range i18n.Locales {
				o, ok := cats[other][key]
				if !ok {
					t.Errorf("%q is in %s.json but not in %s.json", key, loc, other)
					continue
				}
				if got := i18n.Placeholders(o); !slices.Equal(got, want) {
					t.Errorf("%s.json: %q has placeholders %v, fi.json %v", other, key, got, want)
				}
			}
		}
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, locale, key string
		params            map[string]string
		want              string
	}{
		{"Finnish", "fi", "course not found", nil, "kurssia ei löydy"},
		{"Swedish with a value", "sv", "must be at most {max} characters", map[string]string{"max": "200"}, "får vara högst 200 tecken"},
		{"English", "en", "is required", nil, "is required"},
		{"an unknown language falls back to Finnish", "de", "is required", nil, "on pakollinen"},
		{"an unknown key is said as it is", "sv", "missing en translation", nil, "missing en translation"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := i18n.Text(c.locale, c.key, c.params); got != c.want {
				t.Errorf("Text = %q, want %q", got, c.want)
			}
		})
	}
}

func TestChoose(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, account, header, want string }{
		{"the account's locale first", "sv", "en-GB,en;q=0.9", "sv"},
		{"then Accept-Language", "", "sv-FI,fi;q=0.8", "sv"},
		{"a language Taito does not speak is skipped", "", "de, en;q=0.5", "en"},
		{"then Finnish", "", "", "fi"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := i18n.Choose(c.account, c.header); got != c.want {
				t.Errorf("Choose = %q, want %q", got, c.want)
			}
		})
	}
}
