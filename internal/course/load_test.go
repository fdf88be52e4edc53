package course_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/media"
)

var update = flag.Bool("update", false, "rewrite golden files")

// archiveFS turns a txtar archive into a file system.
func archiveFS(t testing.TB, file string) fstest.MapFS {
	t.Helper()
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for _, f := range ar.Files {
		fsys[f.Name] = &fstest.MapFile{Data: f.Data, Mode: 0o644}
	}
	return fsys
}

// courseDir finds the one course directory in an archive.
func courseDir(t testing.TB, fsys fstest.MapFS) string {
	t.Helper()
	for name := range fsys {
		if strings.HasPrefix(name, "courses/") && strings.HasSuffix(name, "/course.yaml") {
			return strings.TrimSuffix(name, "/course.yaml")
		}
	}
	t.Fatal("no course.yaml in the archive")
	return ""
}

// TestImportGolden loads each testdata/import/*.txtar course and compares every problem (with
// file:line) and, for a course without errors, the outline the importer would store, with
// testdata/import/*.golden. Run with -update after a deliberate change.
func TestImportGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/import/*.txtar")
	if len(files) < 2 {
		t.Fatalf("found %d fixtures", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			fsys := archiveFS(t, file)
			co, problems := course.Load(fsys, courseDir(t, fsys))
			slices.SortStableFunc(problems, func(a, b course.Problem) int { return strings.Compare(a.Where+a.Message, b.Where+b.Message) })
			var got strings.Builder
			for _, p := range problems {
				got.WriteString(p.String() + "\n")
			}
			if len(problems.Errors()) == 0 {
				res, err := course.Check(co, fsys, media.Allowed, nil)
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				b, _ := json.MarshalIndent(co, "", "  ")
				got.WriteString("locales: " + strings.Join(co.CompleteLocales(), " ") + "\n")
				got.WriteString("hash: " + res.Hash + "\n")
				got.Write(b)
				got.WriteString("\n")
			}
			golden := strings.TrimSuffix(file, ".txtar") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got.String()); diff != "" {
				t.Errorf("import of %s changed (-want +got):\n%s", file, diff)
			}
		})
	}
}

// TestBrokenCourseReportsEverything checks the broken fixture's problems by kind, so that the
// golden file cannot silently lose one.
func TestBrokenCourseReportsEverything(t *testing.T) {
	fsys := archiveFS(t, "testdata/import/broken.txtar")
	_, problems := course.Load(fsys, courseDir(t, fsys))
	all := ""
	for _, p := range problems {
		all += p.String() + "\n"
		if p.Severity == course.SeverityError && !strings.Contains(p.Where, ":") && !strings.HasSuffix(p.Where, "module.yaml") && !strings.Contains(p.Where, "modules/") {
			t.Errorf("problem without a file: %s", p)
		}
	}
	for _, want := range []string{
		`course.yaml:2: error: access: must be open or cohort`,
		`course.yaml:3: error: unknown field "colour"`,
		"Finnish text (fi) is required",
		`points outside assets/`,
		`unknown block kind "carousel"`,
		`media file assets/rikki/puuttuu.png does not exist`,
		"must be an https:// address",
		`no quiz with id "puuttuu"`,
		"01-eka.fi.md:3: error: modules.0.lessons.0.duration_minutes: must be from 1 to 600 minutes",
		"a lesson file is named NN-slug.LOCALE.md",
		"a translation carries only title",
		`lesson id "eka" is used by 01-eka.fi.md already`,
		"is not closed",
		"malformed YAML",
		`duplicate question id "q1"`,
		`duplicate option id "a"`,
		"exactly one correct",
		`unknown question type "essay"`,
		"huono.quiz.yaml:2: error: quizzes.0.pass_score: must be more than 0",
		`prerequisite "kaksi" is not an earlier module`,
		"a module directory is named NN-slug",
		"asks for 5 lessons",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem %q among:\n%s", want, all)
		}
	}
}

func TestSymlinksAreRefused(t *testing.T) {
	root := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mdir := filepath.Join(root, "courses", "linkki", "modules", "01-alku")
	must(os.MkdirAll(mdir, 0o755))
	must(os.MkdirAll(filepath.Join(root, "assets"), 0o755))
	must(os.WriteFile(filepath.Join(root, "courses", "linkki", "course.yaml"), []byte("title: {fi: Linkki}\n"), 0o644))
	must(os.WriteFile(filepath.Join(mdir, "module.yaml"), []byte("title: {fi: A}\n"), 0o644))
	secret := filepath.Join(root, "secret.png")
	must(os.WriteFile(secret, []byte("\x89PNG\r\n\x1a\nsecret"), 0o644))
	must(os.Symlink(secret, filepath.Join(root, "assets", "kuva.png")))
	must(os.Symlink(secret, filepath.Join(mdir, "02-toka.fi.md")))
	must(os.WriteFile(filepath.Join(mdir, "01-eka.fi.md"), []byte("---\ntitle: A\nduration_minutes: 5\n---\n```taito\nkind: image\nsrc: ../../../../assets/kuva.png\nalt: x\n```\n"), 0o644))
	_, problems := course.Load(os.DirFS(root), "courses/linkki")
	all := ""
	for _, p := range problems {
		all += p.String() + "\n"
	}
	if strings.Count(all, "symbolic link") < 2 {
		t.Errorf("symlinks not refused:\n%s", all)
	}
}

// TestShippedCourses loads every course under courses/ and fails on any error, and on any
// missing English translation.
func TestShippedCourses(t *testing.T) {
	root := filepath.Join("..", "..")
	dirs, _ := filepath.Glob(filepath.Join(root, "courses", "*", "course.yaml"))
	if len(dirs) == 0 {
		t.Fatal("no shipped courses found")
	}
	for _, d := range dirs {
		dir := filepath.ToSlash(filepath.Dir(must(filepath.Rel(root, d))))
		t.Run(dir, func(t *testing.T) {
			fsys := os.DirFS(root)
			co, problems := course.Load(fsys, dir)
			for _, p := range problems {
				if p.Severity == course.SeverityError || strings.Contains(p.Message, "missing en") {
					t.Error(p)
				}
			}
			if t.Failed() {
				return
			}
			if _, err := course.Check(co, fsys, media.Allowed, nil); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(co.CompleteLocales(), "en") {
				t.Errorf("English is not complete: %v", co.CompleteLocales())
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// FuzzLessonFile feeds arbitrary lesson files to the loader: it must never panic, and every
// problem must name its file.
func FuzzLessonFile(f *testing.F) {
	base := archiveFS(f, "testdata/import/fixture.txtar")
	for _, name := range []string{"courses/kokeilu/modules/01-alku/01-tervetuloa.fi.md", "courses/kokeilu/modules/01-alku/alkuvisa.quiz.yaml"} {
		f.Add(name[len(name)-2:] == "md", string(base[name].Data))
	}
	f.Add(true, "---\n---\n```taito\n")
	f.Add(false, "questions: [{id: x, options: {a: b}}]")
	f.Add(true, "---\ntitle: &a [*a]\n---\n")
	f.Fuzz(func(t *testing.T, lesson bool, content string) {
		fsys := fstest.MapFS{}
		for k, v := range base {
			fsys[k] = v
		}
		name := "courses/kokeilu/modules/01-alku/alkuvisa.quiz.yaml"
		if lesson {
			name = "courses/kokeilu/modules/01-alku/01-tervetuloa.fi.md"
		}
		fsys[name] = &fstest.MapFile{Data: []byte(content)}
		_, problems := course.Load(fsys, "courses/kokeilu")
		for _, p := range problems {
			if p.Where == "" && p.Path == "" {
				t.Fatalf("problem with no location: %+v", p)
			}
		}
	})
}
