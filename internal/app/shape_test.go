package app_test

import (
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/taito-lms/taito/"

// allowed lists, for every package of Taito, the packages of Taito it may import. Any edge not
// listed here fails TestImportShape, which names the rule the edge breaks. The README's
// "Project structure" shows the same picture.
var allowed = map[string][]string{
	// Shared pieces every layer may use; they import (almost) nothing of Taito.
	"internal/i18n":     {},
	"internal/apperr":   {"internal/i18n"},
	"internal/cache":    {},
	"internal/links":    {},
	"internal/config":   {},
	"internal/embedded": {},
	"internal/metrics":  {"internal/apperr"},
	"internal/mongox":   {"internal/apperr", "internal/metrics"},
	"internal/outbox":   {"internal/apperr", "internal/mongox"},
	"internal/notify":   {"internal/outbox", "internal/i18n"},
	// Credentials: Open Badges, signing keys, status lists and PDFs, from plain inputs.
	"internal/credential": {},

	// Capabilities: each may import the shared pieces and auth's principal and policy types;
	// learning, activity and cohort may import course's content types; activity may import
	// learning, because it records statements. Nothing else: cohort does not import learning or
	// activity, course imports no other capability, auth none.
	"internal/auth":     shared(),
	"internal/media":    shared("internal/auth", "internal/config"),
	"internal/course":   shared("internal/auth"),
	"internal/learning": shared("internal/auth", "internal/course"),
	"internal/activity": shared("internal/auth", "internal/course", "internal/learning"),
	"internal/cohort":   shared("internal/auth", "internal/course"),
	// Certificates: course's content types and the credential formats.
	"internal/certificate": shared("internal/auth", "internal/course", "internal/credential"),
	// Accessibility feedback kept for admins.
	"internal/feedback": shared("internal/auth"),
	// The audit log: who did what to whom, for admins.
	"internal/audit": shared("internal/auth"),

	// Backups: whole collections and the media bucket, read and written as they are.
	"internal/backup": {"internal/media"},

	// The application layer builds and connects them all.
	"internal/app": shared("internal/auth", "internal/media", "internal/backup", "internal/course", "internal/learning", "internal/activity", "internal/cohort",
		"internal/certificate", "internal/credential", "internal/config", "internal/embedded", "internal/feedback", "internal/audit"),

	// Front doors call the application layer and may use capability packages' types.
	"internal/httpapi": frontDoor(),
	"internal/web":     frontDoor(),
	"cmd/taito":        append(frontDoor(), "internal/httpapi", "internal/web", "internal/config"),

	// Tools and test helpers.
	"cmd/taitobench":   {"internal/auth", "internal/embedded", "internal/learning"},
	"internal/testenv": {"internal/app", "internal/auth", "internal/config", "internal/course", "internal/embedded", "internal/media"},
}

func shared(more ...string) []string {
	return append([]string{"internal/apperr", "internal/i18n", "internal/cache", "internal/links", "internal/metrics", "internal/mongox", "internal/outbox", "internal/notify"}, more...)
}

func frontDoor() []string {
	return []string{"internal/app", "internal/apperr", "internal/i18n", "internal/links", "internal/metrics", "internal/notify", "internal/outbox", "internal/auth", "internal/media", "internal/course",
		"internal/learning", "internal/activity", "internal/cohort", "internal/certificate", "internal/feedback", "internal/audit"}
}

// Only these may import the web framework; these may never import the MongoDB driver.
var (
	fiberImporters = []string{"internal/httpapi", "internal/web", "cmd/taito"}
	noDriver       = []string{"internal/httpapi", "internal/web", "cmd/taito", "internal/apperr", "internal/i18n", "internal/cache", "internal/links", "internal/metrics", "internal/notify", "internal/config"}
)

// TestImportShape reads the import graph of every package (not of tests) and fails on any edge
// outside the allowed shape.
func TestImportShape(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	graph := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		graph[strings.TrimPrefix(fields[0], module)] = fields[1:]
	}
	if len(graph) < 10 {
		t.Fatalf("go list found only %d packages: %s", len(graph), out)
	}
	var problems []string
	for pkg, imports := range graph {
		rules, known := allowed[pkg]
		if !known {
			problems = append(problems, pkg+": a package the shape does not know; add it to allowed (and to the README's picture)")
			continue
		}
		for _, imp := range imports {
			switch {
			case strings.HasPrefix(imp, module):
				dep := strings.TrimPrefix(imp, module)
				if !slices.Contains(rules, dep) {
					problems = append(problems, pkg+" imports "+dep+": "+rule(pkg, dep))
				}
			case strings.HasPrefix(imp, "github.com/gofiber/"):
				if !slices.Contains(fiberImporters, pkg) {
					problems = append(problems, pkg+" imports "+imp+": only front doors import Fiber")
				}
			case strings.HasPrefix(imp, "go.mongodb.org/mongo-driver"):
				if slices.Contains(noDriver, pkg) {
					problems = append(problems, pkg+" imports "+imp+": front doors and shared pieces never see the MongoDB driver; stores translate its errors")
				}
			}
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// rule names the rule a forbidden edge breaks.
func rule(pkg, dep string) string {
	capability := map[string]bool{"internal/auth": true, "internal/media": true, "internal/course": true, "internal/learning": true,
		"internal/activity": true, "internal/cohort": true, "internal/certificate": true}
	switch {
	case dep == "internal/app" || dep == "internal/httpapi" || dep == "cmd/taito":
		return "nothing below a front door imports the application layer or a front door"
	case capability[pkg] && capability[dep]:
		return "capabilities reach each other through small interfaces that the application layer connects, not imports (only learning, activity and cohort may import course; activity may import learning)"
	case pkg == "internal/httpapi" || pkg == "cmd/taito":
		return "front doors call the application layer; they do not reach into infrastructure"
	default:
		return "not in the allowed shape (see allowed in this file)"
	}
}

// TestOnlyStoresBuildQueries keeps storage a layer inside every capability: filters, updates and
// options (the driver's bson and options packages) appear only in store files (store.go or
// <capability>_store.go); services may name *mongo.Database only to build their store.
func TestOnlyStoresBuildQueries(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Dir}} {{join .GoFiles \" \"}}",
		module+"internal/auth", module+"internal/media", module+"internal/course", module+"internal/learning",
		module+"internal/activity", module+"internal/cohort", module+"internal/outbox", module+"internal/certificate", module+"internal/feedback", module+"internal/backup").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	fset := token.NewFileSet()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, dir := strings.TrimPrefix(fields[0], module), fields[1]
		for _, name := range fields[2:] {
			if name == "store.go" || strings.HasSuffix(name, "_store.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				p := strings.Trim(imp.Path.Value, `"`)
				if strings.HasPrefix(p, "go.mongodb.org/mongo-driver/v2/") && p != "go.mongodb.org/mongo-driver/v2/mongo" {
					t.Errorf("%s/%s imports %s: queries belong in the package's store file", pkg, name, p)
				}
			}
		}
	}
}
