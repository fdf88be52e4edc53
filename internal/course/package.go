package course

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A course package is a zip laid out as the repository is: courses/<slug>/… (course.yaml,
// modules/NN-id/…) and the files under assets/ that the course uses. The same importer reads it
// as `taito import` reads the repository (Load, then Import), through the zip as an fs.FS.
const (
	// MaxPackageSize bounds a package's zip file, in bytes.
	MaxPackageSize = 200 << 20
	// MaxPackageFiles bounds the entries of a package.
	MaxPackageFiles = 2000
	// maxPackageUnpacked bounds the sum of a package's files unpacked (a zip bomb stops here).
	maxPackageUnpacked = 1 << 30
)

// Reasons a package is refused before anything in it is read.
const (
	PackageNotZip       = "not-zip"
	PackageTooLarge     = "too-large"
	PackageTooManyFiles = "too-many-files"
	PackageUnsafePath   = "unsafe-path"
	PackageSymlink      = "symlink"
	PackageSpecialFile  = "special-file"
	PackageNoCourse     = "no-course"
	PackageManyCourses  = "many-courses"
)

// PackageError is a package refused as a whole: Reason says why (one of the Package…
// constants), Name the entry at fault when there is one.
type PackageError struct {
	Reason string
	Name   string
}

func (e *PackageError) Error() string {
	if e.Name != "" {
		return "course package refused: " + e.Reason + ": " + e.Name
	}
	return "course package refused: " + e.Reason
}

var packageCourseRE = regexp.MustCompile(`^courses/([^/]+)/course\.yaml$`)

// OpenPackage checks a package's entries and returns it as a file system rooted where courses/
// and assets/ are, with the course's directory in it ("courses/<slug>"). Nothing is unpacked: it
// refuses a file that is not a zip, more than MaxPackageFiles entries, more than
// maxPackageUnpacked bytes unpacked, paths outside the root (absolute, "..", backslashes),
// symbolic links and other special files, and a package with no course or more than one.
// A package wrapped in one top-level folder (as "Compress folder" makes it) is read inside it.
//
// Returns *PackageError.
func OpenPackage(r io.ReaderAt, size int64) (fs.FS, string, error) {
	if size > MaxPackageSize {
		return nil, "", &PackageError{Reason: PackageTooLarge}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, "", &PackageError{Reason: PackageNotZip}
	}
	if len(zr.File) > MaxPackageFiles {
		return nil, "", &PackageError{Reason: PackageTooManyFiles}
	}
	var unpacked uint64
	var courses []string
	tops := map[string]bool{}
	for _, f := range zr.File {
		name := f.Name
		clean := strings.TrimSuffix(name, "/")
		if name == "" || strings.Contains(name, "\\") || path.IsAbs(name) || !fs.ValidPath(clean) || slices.Contains(strings.Split(clean, "/"), "..") {
			return nil, "", &PackageError{Reason: PackageUnsafePath, Name: name}
		}
		mode := f.Mode()
		switch {
		case mode&fs.ModeSymlink != 0:
			return nil, "", &PackageError{Reason: PackageSymlink, Name: name}
		case mode&fs.ModeType&^fs.ModeDir != 0:
			return nil, "", &PackageError{Reason: PackageSpecialFile, Name: name}
		}
		unpacked += f.UncompressedSize64
		if unpacked > maxPackageUnpacked {
			return nil, "", &PackageError{Reason: PackageTooLarge}
		}
		top, _, _ := strings.Cut(clean, "/")
		if top != "__MACOSX" {
			tops[top] = true
		}
		courses = append(courses, clean)
	}
	root := ""
	if len(tops) == 1 && !tops["courses"] && !tops["assets"] {
		for t := range tops {
			root = t
		}
	}
	var dirs []string
	for _, name := range courses {
		rel := name
		if root != "" {
			var ok bool
			if rel, ok = strings.CutPrefix(name, root+"/"); !ok {
				continue
			}
		}
		if m := packageCourseRE.FindStringSubmatch(rel); m != nil {
			dirs = append(dirs, "courses/"+m[1])
		}
	}
	switch {
	case len(dirs) == 0:
		return nil, "", &PackageError{Reason: PackageNoCourse}
	case len(dirs) > 1:
		return nil, "", &PackageError{Reason: PackageManyCourses}
	}
	var fsys fs.FS = zr
	if root != "" {
		if fsys, err = fs.Sub(zr, root); err != nil {
			return nil, "", &PackageError{Reason: PackageNotZip}
		}
	}
	return fsys, dirs[0], nil
}

// DroppedLessons lists the lessons of prev (a published version) that next (the draft) no longer
// has, in prev's order: what publishing next takes away from learners.
func DroppedLessons(prev, next *Course) []string {
	if prev == nil || next == nil {
		return nil
	}
	return removedLessons(prev, next)
}

// PackageFiles writes a course outline back as the files of a package (courses/<slug>/…), the
// inverse of Load: loading them gives the same outline (with the media ids that the import
// fills in). Media blocks name their files by their asset paths (Src); the files themselves are
// WritePackage's.
func PackageFiles(co *Course) (map[string][]byte, error) {
	out := map[string][]byte{}
	dir := "courses/" + co.Slug
	b, err := toYAML(courseOut{Title: co.Title, Summary: co.Summary, Audience: co.Audience, Outcomes: co.Outcomes, Credits: co.Credits,
		Achievement: co.Achievement, Licence: co.Licence, Access: co.Access})
	if err != nil {
		return nil, err
	}
	out[dir+"/course.yaml"] = b
	mstart := numberFrom(len(co.Modules))
	mdirs := make([]string, len(co.Modules))
	for i, m := range co.Modules {
		mdir := fmt.Sprintf("%s/modules/%02d-%s", dir, i+mstart, m.ID)
		mdirs[i] = mdir
		b, err := toYAML(moduleOut{Title: m.Title, Summary: m.Summary, Outcomes: m.Outcomes, Prerequisites: m.Prerequisites, Sequential: m.Sequential,
			Completion: m.Required})
		if err != nil {
			return nil, err
		}
		out[mdir+"/module.yaml"] = b
		lstart := numberFrom(len(m.Lessons))
		for j, l := range m.Lessons {
			for _, loc := range Locales {
				if !lessonHas(l, loc) {
					continue
				}
				b, err := lessonFile(l, loc)
				if err != nil {
					return nil, err
				}
				out[fmt.Sprintf("%s/%02d-%s.%s.md", mdir, j+lstart, l.ID, loc)] = b
			}
		}
	}
	// Each activity goes to the module of the first lesson that uses it (the loader gathers
	// them from every module).
	home := func(kind, id string) string {
		for i, m := range co.Modules {
			for _, l := range m.Lessons {
				if l.Completion.Quiz == id && kind == "quiz" || l.Completion.Task == id && kind == "reflection" ||
					l.Completion.Assessment == id && kind == "assessment" || l.Completion.Safari == id && kind == "safari" {
					return mdirs[i]
				}
				for _, b := range l.Blocks {
					if b.Quiz == id && kind == "quiz" || b.Task == id && kind == "reflection" || b.Assessment == id && kind == "assessment" || b.Safari == id && kind == "safari" {
						return mdirs[i]
					}
				}
			}
		}
		if len(mdirs) > 0 {
			return mdirs[0]
		}
		return dir + "/modules/01-activities"
	}
	add := func(kind, id string, v any) error {
		b, err := toYAML(v, "id")
		if err != nil {
			return err
		}
		out[home(kind, id)+"/"+id+"."+kind+".yaml"] = b
		return nil
	}
	for _, q := range co.Quizzes {
		if err := add("quiz", q.ID, q); err != nil {
			return nil, err
		}
	}
	for _, r := range co.Reflections {
		if err := add("reflection", r.ID, r); err != nil {
			return nil, err
		}
	}
	for _, a := range co.Assessments {
		if err := add("assessment", a.ID, a); err != nil {
			return nil, err
		}
	}
	for _, s := range co.Safaris {
		if err := add("safari", s.ID, s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// numberFrom is the number of the first of n directories or files: 01, or 00 when 100 of them
// need every two-digit number.
func numberFrom(n int) int {
	if n > 99 {
		return 0
	}
	return 1
}

// PackageAssets lists the files a course uses by their asset paths, each with its media id
// ("" when the outline has none yet).
func PackageAssets(co *Course) map[string]string {
	out := map[string]string{}
	for _, name := range assetNames(co) {
		out[name] = ""
	}
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			for _, b := range l.Blocks {
				if b.Src != "" && b.Media != "" {
					out[b.Src] = b.Media
				}
				if b.CaptionsSrc != "" && b.Captions != "" {
					out[b.CaptionsSrc] = b.Captions
				}
				for loc, src := range b.SrcByLocale {
					if id := b.MediaByLocale[loc]; src != "" && id != "" {
						out[src] = id
					}
				}
			}
		}
	}
	return out
}

// WritePackage writes a course as a package: its files (PackageFiles) and the files under
// assets/ it uses, whose bytes open gives by media id.
func WritePackage(w io.Writer, co *Course, open func(id string) (io.ReadCloser, error)) error {
	files, err := PackageFiles(co)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f, err := zw.Create(name)
		if err != nil {
			return err
		}
		if _, err := f.Write(files[name]); err != nil {
			return err
		}
	}
	assets := PackageAssets(co)
	anames := make([]string, 0, len(assets))
	for name := range assets {
		anames = append(anames, name)
	}
	slices.Sort(anames)
	for _, name := range anames {
		id := assets[name]
		if id == "" {
			continue // never imported: nothing to write
		}
		r, err := open(id)
		if err != nil {
			return fmt.Errorf("asset %s: %w", name, err)
		}
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err == nil {
			_, err = io.Copy(f, io.LimitReader(r, MaxAssetSize+1))
		}
		r.Close()
		if err != nil {
			return fmt.Errorf("asset %s: %w", name, err)
		}
	}
	return zw.Close()
}

type courseOut struct {
	Title       Text         `json:"title"`
	Summary     Text         `json:"summary,omitempty"`
	Audience    Text         `json:"audience,omitempty"`
	Outcomes    []Text       `json:"outcomes,omitempty"`
	Credits     *Credits     `json:"credits,omitempty"`
	Achievement *Achievement `json:"achievement,omitempty"`
	Licence     string       `json:"licence,omitempty"`
	Access      string       `json:"access"`
}

type moduleOut struct {
	Title         Text     `json:"title"`
	Summary       Text     `json:"summary,omitempty"`
	Outcomes      []Text   `json:"outcomes,omitempty"`
	Prerequisites []string `json:"prerequisites,omitempty"`
	Sequential    bool     `json:"sequential,omitempty"`
	Completion    int      `json:"completion,omitempty"` // 0: all
}

type lessonFrontOut struct {
	Title           string `json:"title"`
	DurationMinutes *int   `json:"duration_minutes,omitempty"`
	Required        *bool  `json:"required,omitempty"`
	Completion      *Rule  `json:"completion,omitempty"`
}

type blockOut struct {
	Kind         string   `json:"kind"`
	Src          string   `json:"src,omitempty"`
	Captions     string   `json:"captions,omitempty"`
	Alt          string   `json:"alt,omitempty"`
	Caption      string   `json:"caption,omitempty"`
	Title        string   `json:"title,omitempty"`
	Transcript   string   `json:"transcript,omitempty"`
	URL          string   `json:"url,omitempty"`
	Text         string   `json:"text,omitempty"`
	Instructions string   `json:"instructions,omitempty"`
	Items        []string `json:"items,omitempty"`
	Quiz         string   `json:"quiz,omitempty"`
	Task         string   `json:"task,omitempty"`
	Assessment   string   `json:"assessment,omitempty"`
	Safari       string   `json:"safari,omitempty"`
}

// lessonHas reports whether a lesson has a file in loc: Finnish always, a translation when
// it has a title (even an empty one, as a file without one gives) or any text in it.
func lessonHas(l Lesson, loc string) bool {
	if loc == SourceLocale {
		return true
	}
	if _, ok := l.Title[loc]; ok {
		return true
	}
	for _, b := range l.Blocks {
		for _, t := range []Text{b.Markdown, b.Alt, b.Caption, b.Title, b.Transcript, b.Text, b.Instructions} {
			if t[loc] != "" {
				return true
			}
		}
		for _, it := range b.Items {
			if it[loc] != "" {
				return true
			}
		}
	}
	return false
}

// assetPrefix leads from a lesson file (courses/<slug>/modules/NN-id/) back to the package's
// root, where assets/ is.
const assetPrefix = "../../../../"

func lessonFile(l Lesson, loc string) ([]byte, error) {
	front := lessonFrontOut{Title: l.Title[loc]}
	if loc == SourceLocale {
		d, c := l.DurationMinutes, l.Completion
		front.DurationMinutes, front.Completion = &d, &c
		if l.Optional {
			no := false
			front.Required = &no
		}
	}
	fb, err := toYAML(front)
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	sb.WriteString("---\n")
	sb.Write(fb)
	sb.WriteString("---\n")
	for _, b := range l.Blocks {
		if b.Kind == KindMarkdown {
			sb.WriteString(strings.TrimSpace(b.Markdown[loc]))
			sb.WriteString("\n\n")
			continue
		}
		bo := blockOut{Kind: b.Kind, URL: b.URL, Quiz: b.Quiz, Task: b.Task, Assessment: b.Assessment, Safari: b.Safari,
			Alt: b.Alt[loc], Caption: b.Caption[loc], Title: b.Title[loc], Transcript: b.Transcript[loc], Text: b.Text[loc], Instructions: b.Instructions[loc]}
		if loc == SourceLocale {
			if b.Src != "" {
				bo.Src = assetPrefix + b.Src
			}
			if b.CaptionsSrc != "" {
				bo.Captions = assetPrefix + b.CaptionsSrc
			}
			for _, it := range b.Items {
				bo.Items = append(bo.Items, it[loc])
			}
		} else {
			if src := b.SrcByLocale[loc]; src != "" {
				bo.Src = assetPrefix + src
			}
			if slices.ContainsFunc(b.Items, func(t Text) bool { return t[loc] != "" }) {
				for _, it := range b.Items {
					bo.Items = append(bo.Items, it[loc])
				}
			}
		}
		yb, err := toYAML(bo)
		if err != nil {
			return nil, err
		}
		sb.WriteString("```taito\n")
		sb.Write(yb)
		sb.WriteString("```\n\n")
	}
	return []byte(strings.TrimRight(sb.String(), "\n") + "\n"), nil
}

// toYAML writes v as block-style YAML with the keys in the order of its JSON (so that a loaded
// file, which is read through JSON, gives v back), leaving out the top-level keys in drop.
func toYAML(v any, drop ...string) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := yaml.Unmarshal(j, &n); err != nil {
		return nil, err
	}
	doc := &n
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind == yaml.MappingNode && len(drop) > 0 {
		kept := doc.Content[:0]
		for i := 0; i+1 < len(doc.Content); i += 2 {
			if !slices.Contains(drop, doc.Content[i].Value) {
				kept = append(kept, doc.Content[i], doc.Content[i+1])
			}
		}
		doc.Content = kept
	}
	plain(doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// plain drops JSON's flow and quoting styles, so the encoder writes block YAML and quotes only
// what needs it (multi-line texts as literal blocks).
func plain(n *yaml.Node) {
	n.Style = 0
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.Contains(n.Value, "\n") {
		n.Style = yaml.LiteralStyle
	}
	for _, c := range n.Content {
		plain(c)
	}
}
