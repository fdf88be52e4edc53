package testenv_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// forbidden are the MongoDB features FerretDB 1.24 lacks (DESIGN.md §2). Code must run on both
// MongoDB 7+ and FerretDB, so none of them may appear in non-test code.
var forbidden = []struct {
	pattern *regexp.Regexp
	why     string
}{
	{regexp.MustCompile(`"\$(lookup|facet|replaceRoot|replaceWith|avg|push|cond|dateToString|text|graphLookup|unionWith)"`), "aggregation stage or operator not implemented by FerretDB 1.24"},
	{regexp.MustCompile(`\b(StartSession|WithTransaction|StartTransaction|UseSession)\b`), "multi-document transactions"},
	{regexp.MustCompile(`\bSetArrayFilters\b|ArrayFilters:`), "arrayFilters"},
	{regexp.MustCompile(`\bSetCollation\b|Collation:`), "collation"},
	{regexp.MustCompile(`\bSetExpireAfterSeconds\b`), "TTL index (use an expiry field checked in code plus a periodic cleanup)"},
	{regexp.MustCompile(`\bSetPartialFilterExpression\b`), "partial index"},
	{regexp.MustCompile(`\.Watch\(`), "change streams"},
	{regexp.MustCompile(`Indexes\(\)\.CreateMany\(`), "CreateMany of indexes (FerretDB 1.24 drops the connection when some exist; create them one by one)"},
}

// TestMongoSubset fails loudly when code outside tests uses a MongoDB feature the embedded
// default cannot run.
func TestMongoSubset(t *testing.T) {
	root := moduleRoot(t)
	scanned := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "data" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned++
		for i, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") {
				continue
			}
			for _, f := range forbidden {
				if f.pattern.MatchString(line) {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s:%d uses %s: %s", rel, i+1, f.why, strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < 5 {
		t.Fatalf("scanned only %d Go files under %s: the walk is broken", scanned, root)
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}
