package course_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/course"
)

// zipOf packs files (name → content) into a zip; a name ending in "@symlink" is stored as a
// symbolic link.
func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		if n, ok := strings.CutSuffix(name, "@symlink"); ok {
			h.Name = n
			h.SetMode(fs.ModeSymlink | 0o777)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withMediaIDs fills in the media ids an import gives (the sha256 of each file).
func withMediaIDs(t *testing.T, co *course.Course, fsys fs.FS) {
	t.Helper()
	if _, err := course.Check(co, fsys, func([]byte) bool { return true }, nil); err != nil {
		t.Fatal(err)
	}
}

// TestPackageRoundTrip writes the fixture and the shipped course as packages and loads them
// back: the same outline, media ids and all.
func TestPackageRoundTrip(t *testing.T) {
	t.Parallel()
	for _, src := range []struct {
		name string
		fsys fs.FS
		dir  string
	}{
		{"fixture", archiveFS(t, "testdata/import/fixture.txtar"), "courses/kokeilu"},
		{"shipped", os.DirFS("../.."), "courses/digiohjaus"},
	} {
		t.Run(src.name, func(t *testing.T) {
			co, ps := course.Load(src.fsys, src.dir)
			if err := ps.Err(); err != nil {
				t.Fatal(err)
			}
			withMediaIDs(t, co, src.fsys)
			byID := map[string][]byte{}
			for name := range course.PackageAssets(co) {
				b, err := fs.ReadFile(src.fsys, name)
				if err != nil {
					t.Fatal(err)
				}
				sum := sha256.Sum256(b)
				byID[hex.EncodeToString(sum[:])] = b
			}
			var buf bytes.Buffer
			if err := course.WritePackage(&buf, co, func(id string) (io.ReadCloser, error) {
				b, ok := byID[id]
				if !ok {
					return nil, errors.New("no such media")
				}
				return io.NopCloser(bytes.NewReader(b)), nil
			}); err != nil {
				t.Fatal(err)
			}
			fsys, dir, err := course.OpenPackage(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
			if err != nil {
				t.Fatal(err)
			}
			if dir != src.dir {
				t.Errorf("course dir %q, want %q", dir, src.dir)
			}
			again, ps := course.Load(fsys, dir)
			if errs := ps.Errors(); len(errs) > 0 {
				t.Fatalf("the written package has problems: %v", errs)
			}
			withMediaIDs(t, again, fsys)
			if diff := cmp.Diff(co, again); diff != "" {
				t.Fatalf("the outline changed on the round trip (-before +after):\n%s", diff)
			}
			if course.ContentHash(co) != course.ContentHash(again) {
				t.Error("content hashes differ")
			}
		})
	}
}

// TestOpenPackageRefuses holds every refusal of a package as a whole to its reason.
func TestOpenPackageRefuses(t *testing.T) {
	t.Parallel()
	good := map[string]string{"courses/x1/course.yaml": "title: {fi: X}\n", "assets/x1/a.svg": "<svg/>"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range good {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	many := map[string]string{}
	for i := range course.MaxPackageFiles + 1 {
		many["assets/f"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+"/"+strings.Repeat("y", i/26)+".txt"] = ""
	}
	many["courses/x1/course.yaml"] = ""
	for _, tc := range []struct {
		name   string
		data   []byte
		reason string
	}{
		{"not a zip", []byte("PK? no, a text file"), course.PackageNotZip},
		{"zip slip", zipOf(t, with(map[string]string{"courses/x1/../../../etc/passwd": "x"})), course.PackageUnsafePath},
		{"absolute", zipOf(t, with(map[string]string{"/etc/passwd": "x"})), course.PackageUnsafePath},
		{"backslash", zipOf(t, with(map[string]string{`assets\..\x`: "x"})), course.PackageUnsafePath},
		{"symlink", zipOf(t, with(map[string]string{"assets/x1/link.svg@symlink": "/etc/passwd"})), course.PackageSymlink},
		{"no course", zipOf(t, map[string]string{"assets/a.svg": "<svg/>"}), course.PackageNoCourse},
		{"two courses", zipOf(t, with(map[string]string{"courses/x2/course.yaml": "title: {fi: Y}\n"})), course.PackageManyCourses},
		{"too many files", zipOf(t, many), course.PackageTooManyFiles},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := course.OpenPackage(bytes.NewReader(tc.data), int64(len(tc.data)))
			var pe *course.PackageError
			if !errors.As(err, &pe) || pe.Reason != tc.reason {
				t.Fatalf("err %v, want reason %s", err, tc.reason)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		_, _, err := course.OpenPackage(bytes.NewReader(nil), course.MaxPackageSize+1)
		var pe *course.PackageError
		if !errors.As(err, &pe) || pe.Reason != course.PackageTooLarge {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("one wrapping folder is fine", func(t *testing.T) {
		data := zipOf(t, map[string]string{"paketti/courses/x1/course.yaml": "title: {fi: X}\n", "__MACOSX/paketti/._x": ""})
		fsys, dir, err := course.OpenPackage(bytes.NewReader(data), int64(len(data)))
		if err != nil || dir != "courses/x1" {
			t.Fatalf("%v %q", err, dir)
		}
		if _, err := fs.ReadFile(fsys, "courses/x1/course.yaml"); err != nil {
			t.Fatal(err)
		}
	})
}

// TestDroppedLessons lists what a new version takes away, in the old version's order.
func TestDroppedLessons(t *testing.T) {
	t.Parallel()
	mk := func(ids ...string) *course.Course {
		co := &course.Course{Modules: []course.Module{{ID: "m1"}}}
		for _, id := range ids {
			co.Modules[0].Lessons = append(co.Modules[0].Lessons, course.Lesson{ID: id})
		}
		return co
	}
	got := course.DroppedLessons(mk("a", "b", "c", "d"), mk("d", "a", "e"))
	if diff := cmp.Diff([]string{"b", "c"}, got); diff != "" {
		t.Error(diff)
	}
	if got := course.DroppedLessons(nil, mk("a")); got != nil {
		t.Errorf("no published version drops nothing: %v", got)
	}
}
