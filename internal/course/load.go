package course

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits on files the importer reads.
const (
	maxContentFile = 1 << 20  // a YAML or Markdown file
	MaxAssetSize   = 50 << 20 // an image or other asset
)

// source is where a part of the course came from.
type source struct {
	file string
	line int
	node *yaml.Node // the YAML value of that part, to find lines of fields below it
}

// loader reads one course directory and remembers where each part came from.
type loader struct {
	fsys    fs.FS
	dir     string
	ps      Problems
	sources map[string]source
}

func (l *loader) problem(sev, file string, line int, format string, args ...any) {
	where := file
	if line > 0 {
		where = fmt.Sprintf("%s:%d", file, line)
	}
	l.ps = append(l.ps, Problem{Severity: sev, Where: where, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) errorf(file string, line int, format string, args ...any) {
	l.problem(SeverityError, file, line, format, args...)
}

// readFile reads a regular file (no symlink) of at most max bytes.
func (l *loader) readFile(name string, max int64) ([]byte, bool) {
	fi, err := fs.Lstat(l.fsys, name)
	if err != nil {
		l.errorf(name, 0, "cannot read: %v", errors.Unwrap(err))
		return nil, false
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		l.errorf(name, 0, "symbolic links are not followed; copy the file instead")
		return nil, false
	}
	if !fi.Mode().IsRegular() {
		l.errorf(name, 0, "not a regular file")
		return nil, false
	}
	if fi.Size() > max {
		l.errorf(name, 0, "the file is %d bytes; at most %d are allowed", fi.Size(), max)
		return nil, false
	}
	b, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		l.errorf(name, 0, "cannot read: %v", err)
		return nil, false
	}
	return b, true
}

// decodeYAML decodes YAML into v strictly: through JSON, so the content types' JSON names and
// rules apply, with unknown fields refused. lineOffset is added to reported lines (front
// matter and blocks inside Markdown). It returns the YAML tree for finding lines later.
func (l *loader) decodeYAML(file string, lineOffset int, data []byte, v any) (*yaml.Node, bool) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line := 0
		msg := err.Error()
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = strings.TrimSpace(yamlLineRE.ReplaceAllString(msg, ""))
		}
		l.errorf(file, line+lineOffset, "malformed YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return nil, false
	}
	doc := &root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		doc = doc.Content[0]
	}
	if doc.Kind == 0 {
		l.errorf(file, 1+lineOffset, "empty")
		return nil, false
	}
	var generic any
	if err := doc.Decode(&generic); err != nil {
		l.errorf(file, doc.Line+lineOffset, "malformed YAML: %v", err)
		return nil, false
	}
	j, err := json.Marshal(generic)
	if err != nil {
		l.errorf(file, doc.Line+lineOffset, "only text keys are allowed in mappings")
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			line := nodeLine(doc, strings.Split(te.Field, "."))
			l.errorf(file, line+lineOffset, "%s must be %s", te.Field, describeType(te.Type.String()))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			l.errorf(file, findKeyLine(doc, name)+lineOffset, "unknown field %q", name)
			// Read the known fields anyway, so that their problems are reported too.
			if json.Unmarshal(j, v) == nil {
				return doc, true
			}
		default:
			l.errorf(file, doc.Line+lineOffset, "%v", err)
		}
		return nil, false
	}
	return doc, true
}

var yamlLineRE = regexp.MustCompile(`line (\d+):?`)

func describeType(t string) string {
	switch {
	case t == "string":
		return "text"
	case strings.HasPrefix(t, "int"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map") || strings.HasPrefix(t, "course."):
		return "a mapping"
	default:
		return "of another type"
	}
}

// nodeLine follows a path of mapping keys and list indexes from n and returns the line of the
// deepest node it reaches.
func nodeLine(n *yaml.Node, parts []string) int {
	line := n.Line
	for _, p := range parts {
		if p == "" {
			continue
		}
		switch n.Kind {
		case yaml.MappingNode:
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
			if !found {
				return line
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
		default:
			return line
		}
	}
	return line
}

// findKeyLine returns the line of the first mapping key named name anywhere under n.
func findKeyLine(n *yaml.Node, name string) int {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return n.Content[i].Line
			}
		}
	}
	for _, c := range n.Content {
		if l := findKeyLine(c, name); l > 0 {
			return l
		}
	}
	return 0
}

type courseFile struct {
	Title       Text         `json:"title"`
	Summary     Text         `json:"summary"`
	Audience    Text         `json:"audience"`
	Outcomes    []Text       `json:"outcomes"`
	Credits     *Credits     `json:"credits"`
	Achievement *Achievement `json:"achievement"`
	Licence     string       `json:"licence"`
	Access      string       `json:"access"`
}

type moduleFile struct {
	Title         Text     `json:"title"`
	Summary       Text     `json:"summary"`
	Outcomes      []Text   `json:"outcomes"`
	Prerequisites []string `json:"prerequisites"`
	Sequential    bool     `json:"sequential"`
	Completion    any      `json:"completion"` // "all" or a number
}

type lessonFront struct {
	Title           string `json:"title"`
	DurationMinutes *int   `json:"duration_minutes"`
	Required        *bool  `json:"required"`
	Completion      *Rule  `json:"completion"`
}

type blockFile struct {
	Kind         string   `json:"kind"`
	Src          string   `json:"src"`
	Captions     string   `json:"captions"`
	Alt          string   `json:"alt"`
	Caption      string   `json:"caption"`
	Title        string   `json:"title"`
	Transcript   string   `json:"transcript"`
	URL          string   `json:"url"`
	Text         string   `json:"text"`
	Instructions string   `json:"instructions"`
	Items        []string `json:"items"`
	Quiz         string   `json:"quiz"`
	Task         string   `json:"task"`
	Assessment   string   `json:"assessment"`
	Safari       string   `json:"safari"`
}

// parsedBlock is one block of one locale's lesson file.
type parsedBlock struct {
	line int
	b    blockFile
	md   string // for markdown
}

var (
	moduleDirRE  = regexp.MustCompile(`^(\d{2})-([a-z][a-z0-9-]{1,63})$`)
	lessonFileRE = regexp.MustCompile(`^(\d{2})-([a-z][a-z0-9-]{1,63})\.([a-z]{2})\.md$`)
	activityRE   = regexp.MustCompile(`^([a-z][a-z0-9-]{1,63})\.(quiz|reflection|assessment|safari)\.yaml$`)
)

// Load reads the course in directory dir of fsys. Asset paths in lessons are resolved within
// fsys and must stay under its top-level assets/ directory. It never stops at the first
// problem: every problem found is returned, each with its file and line. The course is nil
// only when nothing useful could be read.
func Load(fsys fs.FS, dir string) (*Course, Problems) {
	dir = path.Clean(dir)
	l := &loader{fsys: fsys, dir: dir, sources: map[string]source{}}
	slug := path.Base(dir)
	co := &Course{Slug: slug}
	if !ValidSlug(slug) {
		l.errorf(dir, 0, "the directory name %q is the course slug: use 2-64 lower-case letters, digits or '-', starting with a letter", slug)
	}

	cfile := path.Join(dir, "course.yaml")
	l.sources[""] = source{file: cfile, line: 1}
	if b, ok := l.readFile(cfile, maxContentFile); ok {
		var cf courseFile
		if root, ok := l.decodeYAML(cfile, 0, b, &cf); ok {
			co.Title, co.Summary, co.Audience, co.Outcomes, co.Credits, co.Achievement, co.Licence, co.Access = cf.Title, cf.Summary, cf.Audience, cf.Outcomes, cf.Credits, cf.Achievement, cf.Licence, cf.Access
			if co.Access == "" {
				co.Access = AccessOpen
			}
			l.sources[""] = source{file: cfile, line: 1, node: root}
		}
	}

	mdir := path.Join(dir, "modules")
	entries, err := fs.ReadDir(fsys, mdir)
	if err != nil {
		l.errorf(mdir, 0, "a course needs a modules/ directory")
	}
	for _, e := range entries {
		name := path.Join(mdir, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			l.errorf(name, 0, "symbolic links are not followed")
			continue
		}
		if !e.IsDir() {
			l.problem(SeverityWarning, name, 0, "ignored: only module directories belong in modules/")
			continue
		}
		m := moduleDirRE.FindStringSubmatch(e.Name())
		if m == nil {
			l.errorf(name, 0, "a module directory is named NN-slug, e.g. 01-digitalisaatio")
			continue
		}
		l.loadModule(co, name, m[2])
	}

	slices.SortFunc(co.Quizzes, func(a, b Quiz) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(co.Reflections, func(a, b Reflection) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(co.Assessments, func(a, b Assessment) int { return strings.Compare(a.ID, b.ID) })
	slices.SortFunc(co.Safaris, func(a, b Safari) int { return strings.Compare(a.ID, b.ID) })
	l.recordActivitySources(co)

	l.ps = append(l.ps, l.locate(Validate(co))...)
	return co, summarise(l.ps)
}

func (l *loader) loadModule(co *Course, dir, id string) {
	mi := len(co.Modules)
	mod := Module{ID: id}
	mfile := path.Join(dir, "module.yaml")
	mp := path.Join("modules", strconv.Itoa(mi))
	mp = strings.ReplaceAll(mp, "/", ".")
	l.sources[mp] = source{file: dir, line: 0}
	if b, ok := l.readFile(mfile, maxContentFile); ok {
		var mf moduleFile
		if root, ok := l.decodeYAML(mfile, 0, b, &mf); ok {
			mod.Title, mod.Summary, mod.Outcomes, mod.Prerequisites, mod.Sequential = mf.Title, mf.Summary, mf.Outcomes, mf.Prerequisites, mf.Sequential
			switch v := mf.Completion.(type) {
			case nil:
			case string:
				if v != "all" {
					l.errorf(mfile, findKeyLine(root, "completion"), "completion is all or a number of lessons")
				}
			case float64:
				if v != float64(int(v)) || v < 1 {
					l.errorf(mfile, findKeyLine(root, "completion"), "completion is all or a whole number of lessons")
				}
				mod.Required = int(v)
			default:
				l.errorf(mfile, findKeyLine(root, "completion"), "completion is all or a number of lessons")
			}
			l.sources[mp] = source{file: mfile, line: 1, node: root}
			l.sources[mp+".required"] = source{file: mfile, line: findKeyLine(root, "completion")}
		}
	}

	entries, _ := fs.ReadDir(l.fsys, dir)
	type lessonFiles struct {
		order string
		files map[string]string // locale → file
	}
	lessons := map[string]*lessonFiles{}
	for _, e := range entries {
		name := path.Join(dir, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			l.errorf(name, 0, "symbolic links are not followed")
			continue
		}
		if e.IsDir() {
			l.problem(SeverityWarning, name, 0, "ignored: a module holds files only")
			continue
		}
		switch {
		case e.Name() == "module.yaml":
		case lessonFileRE.MatchString(e.Name()):
			m := lessonFileRE.FindStringSubmatch(e.Name())
			if !slices.Contains(Locales, m[3]) {
				l.errorf(name, 0, "unknown locale %q in the file name (use fi, sv or en)", m[3])
				continue
			}
			lf := lessons[m[2]]
			if lf == nil {
				lf = &lessonFiles{order: m[1], files: map[string]string{}}
				lessons[m[2]] = lf
			}
			if prev, dup := lf.files[m[3]]; dup {
				l.errorf(name, 0, "lesson id %q is used by %s already: lesson ids are unique in a course", m[2], path.Base(prev))
				continue
			}
			if lf.order != m[1] {
				l.errorf(name, 0, "the locales of lesson %q have different numbers (%s and %s)", m[2], lf.order, m[1])
			}
			lf.files[m[3]] = name
		case activityRE.MatchString(e.Name()):
			m := activityRE.FindStringSubmatch(e.Name())
			l.loadActivity(co, name, m[1], m[2])
		case strings.HasSuffix(e.Name(), ".md"):
			l.errorf(name, 0, "a lesson file is named NN-slug.LOCALE.md, e.g. 01-digi-arjessa.fi.md (slug: 2-64 lower-case letters, digits or '-')")
		case strings.HasSuffix(e.Name(), ".yaml"):
			l.errorf(name, 0, "an activity file is named ID.KIND.yaml with KIND quiz, reflection, assessment or safari")
		default:
			l.problem(SeverityWarning, name, 0, "ignored: not module.yaml, NN-slug.LOCALE.md or ID.KIND.yaml")
		}
	}
	ids := make([]string, 0, len(lessons))
	for id := range lessons {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return strings.Compare(lessons[a].order+a, lessons[b].order+b) })
	for _, id := range ids {
		lf := lessons[id]
		fi, ok := lf.files[SourceLocale]
		if !ok {
			for _, f := range lf.files {
				l.errorf(f, 0, "lesson %q has no Finnish file (%s-%s.fi.md); Finnish is the source", id, lf.order, id)
				break
			}
			continue
		}
		li := len(mod.Lessons)
		lp := fmt.Sprintf("%s.lessons.%d", mp, li)
		lesson, ok := l.loadLesson(id, fi, lf.files, lp)
		if ok {
			mod.Lessons = append(mod.Lessons, lesson)
		}
	}
	co.Modules = append(co.Modules, mod)
}

func (l *loader) loadActivity(co *Course, file, id, kind string) {
	b, ok := l.readFile(file, maxContentFile)
	if !ok {
		return
	}
	var root *yaml.Node
	switch kind {
	case "quiz":
		var q Quiz
		if root, ok = l.decodeYAML(file, 0, withID(b, id), &q); ok {
			co.Quizzes = append(co.Quizzes, q)
		}
	case "reflection":
		var r Reflection
		if root, ok = l.decodeYAML(file, 0, withID(b, id), &r); ok {
			co.Reflections = append(co.Reflections, r)
		}
	case "assessment":
		var a Assessment
		if root, ok = l.decodeYAML(file, 0, withID(b, id), &a); ok {
			co.Assessments = append(co.Assessments, a)
		}
	case "safari":
		var s Safari
		if root, ok = l.decodeYAML(file, 0, withID(b, id), &s); ok {
			co.Safaris = append(co.Safaris, s)
		}
	}
	if ok {
		l.sources["activity:"+id] = source{file: file, line: 1, node: root}
	}
}

// withID appends the id taken from the file name to an activity's YAML (the file has none).
// The added line comes last, so reported line numbers stay those of the file.
func withID(b []byte, id string) []byte {
	out := bytes.TrimRight(b, "\n")
	return append(out, []byte("\nid: "+strconv.Quote(id)+"\n")...)
}

func (l *loader) recordActivitySources(co *Course) {
	for i, q := range co.Quizzes {
		if s, ok := l.sources["activity:"+q.ID]; ok {
			l.sources[fmt.Sprintf("quizzes.%d", i)] = s
		}
	}
	for i, r := range co.Reflections {
		if s, ok := l.sources["activity:"+r.ID]; ok {
			l.sources[fmt.Sprintf("reflections.%d", i)] = s
		}
	}
	for i, a := range co.Assessments {
		if s, ok := l.sources["activity:"+a.ID]; ok {
			l.sources[fmt.Sprintf("assessments.%d", i)] = s
		}
	}
	for i, s := range co.Safaris {
		if src, ok := l.sources["activity:"+s.ID]; ok {
			l.sources[fmt.Sprintf("safaris.%d", i)] = src
		}
	}
}

// splitFrontMatter returns the front matter, its first line number, the body and the body's
// first line number.
func splitFrontMatter(b []byte) (front []byte, body []byte, bodyLine int, ok bool) {
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) == 0 || strings.TrimRight(lines[0], "\r\n") != "---" {
		return nil, nil, 0, false
	}
	for i := 1; i < len(lines); i++ {
		if strings.TrimRight(lines[i], "\r\n") == "---" {
			return []byte(strings.Join(lines[1:i], "")), []byte(strings.Join(lines[i+1:], "")), i + 2, true
		}
	}
	return nil, nil, 0, false
}

// parseBody splits a lesson body into Markdown segments and ```taito blocks.
func (l *loader) parseBody(file string, body []byte, firstLine int) []parsedBlock {
	var out []parsedBlock
	var md strings.Builder
	mdLine := firstLine
	flush := func() {
		if strings.TrimSpace(md.String()) != "" {
			out = append(out, parsedBlock{line: mdLine, b: blockFile{Kind: KindMarkdown}, md: strings.TrimSpace(md.String()) + "\n"})
		}
		md.Reset()
	}
	lines := strings.SplitAfter(string(body), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimRight(lines[i], "\r\n")
		if strings.TrimSpace(line) != "```taito" {
			if md.Len() == 0 {
				mdLine = firstLine + i
			}
			md.WriteString(lines[i])
			continue
		}
		flush()
		start := i
		var y strings.Builder
		closed := false
		for i++; i < len(lines); i++ {
			if strings.TrimSpace(strings.TrimRight(lines[i], "\r\n")) == "```" {
				closed = true
				break
			}
			y.WriteString(lines[i])
		}
		if !closed {
			l.errorf(file, firstLine+start, "a ```taito block is not closed with ```")
			return out
		}
		var bf blockFile
		if _, ok := l.decodeYAML(file, firstLine+start, []byte(y.String()), &bf); ok {
			out = append(out, parsedBlock{line: firstLine + start, b: bf})
		}
		mdLine = firstLine + i + 1
	}
	flush()
	return out
}

func (l *loader) loadLesson(id, fiFile string, files map[string]string, lp string) (Lesson, bool) {
	lesson := Lesson{ID: id, Title: Text{}}
	l.sources[lp] = source{file: fiFile, line: 1}
	parsed := map[string][]parsedBlock{}
	locales := []string{SourceLocale}
	for _, loc := range Locales {
		if loc != SourceLocale && files[loc] != "" {
			locales = append(locales, loc)
		}
	}
	for _, loc := range locales {
		file := files[loc]
		b, ok := l.readFile(file, maxContentFile)
		if !ok {
			if loc == SourceLocale {
				return lesson, false
			}
			continue
		}
		front, body, bodyLine, ok := splitFrontMatter(b)
		if !ok {
			l.errorf(file, 1, "a lesson starts with front matter between two --- lines")
			if loc == SourceLocale {
				return lesson, false
			}
			continue
		}
		var fm lessonFront
		root, ok := l.decodeYAML(file, 1, front, &fm)
		if !ok {
			if loc == SourceLocale {
				return lesson, false
			}
			continue
		}
		lesson.Title[loc] = fm.Title
		if loc == SourceLocale {
			if fm.DurationMinutes != nil {
				lesson.DurationMinutes = *fm.DurationMinutes
			}
			lesson.Optional = fm.Required != nil && !*fm.Required
			if fm.Completion != nil {
				lesson.Completion = *fm.Completion
			} else {
				lesson.Completion = Rule{Rule: RuleViewed}
			}
			l.sources[lp+".title"] = source{file: file, line: 1 + findKeyLine(root, "title")}
			l.sources[lp+".duration_minutes"] = source{file: file, line: 1 + findKeyLine(root, "duration_minutes")}
			l.sources[lp+".completion"] = source{file: file, line: 1 + findKeyLine(root, "completion")}
		} else if fm.DurationMinutes != nil || fm.Required != nil || fm.Completion != nil {
			l.errorf(file, 2, "a translation carries only title; duration, required and completion belong in the Finnish file")
		}
		parsed[loc] = l.parseBody(file, body, bodyLine)
	}

	fiBlocks := parsed[SourceLocale]
	for bi, pb := range fiBlocks {
		l.sources[fmt.Sprintf("%s.blocks.%d", lp, bi)] = source{file: fiFile, line: pb.line}
		lesson.Blocks = append(lesson.Blocks, l.fiBlock(fiFile, pb))
	}
	for _, loc := range locales[1:] {
		pbs, ok := parsed[loc]
		if !ok {
			continue
		}
		file := files[loc]
		if kinds(pbs) != kinds(fiBlocks) {
			l.errorf(file, 1, "the blocks differ from the Finnish file: %s here, %s in Finnish", kinds(pbs), kinds(fiBlocks))
			continue
		}
		for bi, pb := range pbs {
			l.mergeBlock(file, loc, &lesson.Blocks[bi], pb)
		}
	}
	return lesson, true
}

func kinds(pbs []parsedBlock) string {
	ks := make([]string, len(pbs))
	for i, p := range pbs {
		ks[i] = p.b.Kind
	}
	return "[" + strings.Join(ks, " ") + "]"
}

func set(t *Text, loc, v string) {
	if v == "" {
		return
	}
	if *t == nil {
		*t = Text{}
	}
	(*t)[loc] = v
}

func (l *loader) fiBlock(file string, pb parsedBlock) Block {
	bf := pb.b
	b := Block{Kind: bf.Kind, URL: bf.URL, Quiz: bf.Quiz, Task: bf.Task, Assessment: bf.Assessment, Safari: bf.Safari}
	if bf.Kind == KindMarkdown {
		b.Markdown = Text{SourceLocale: pb.md}
		return b
	}
	set(&b.Alt, SourceLocale, bf.Alt)
	set(&b.Caption, SourceLocale, bf.Caption)
	set(&b.Title, SourceLocale, bf.Title)
	set(&b.Transcript, SourceLocale, bf.Transcript)
	set(&b.Text, SourceLocale, bf.Text)
	set(&b.Instructions, SourceLocale, bf.Instructions)
	for _, it := range bf.Items {
		b.Items = append(b.Items, Text{SourceLocale: it})
	}
	if bf.Src != "" {
		b.Src = l.asset(file, pb.line, bf.Src, IsMedia(bf.Kind))
	}
	if bf.Captions != "" {
		b.CaptionsSrc = l.asset(file, pb.line, bf.Captions, true)
	}
	if bf.Src != "" && !IsMedia(bf.Kind) {
		l.errorf(file, pb.line, "a %s block has no src", bf.Kind)
	}
	return b
}

func (l *loader) mergeBlock(file, loc string, b *Block, pb parsedBlock) {
	bf := pb.b
	if bf.Kind == KindMarkdown {
		set(&b.Markdown, loc, pb.md)
		return
	}
	same := func(field, fi, here string) {
		if here != "" && here != fi {
			l.errorf(file, pb.line, "%s differs from the Finnish file (%q there)", field, fi)
		}
	}
	if bf.Src != "" && b.Src != "" && l.resolve(file, bf.Src) != b.Src {
		if b.Kind != KindImage {
			l.errorf(file, pb.line, "src differs from the Finnish file: translations use the same media (only an image may have a version per language)")
		} else if src := l.asset(file, pb.line, bf.Src, true); src != "" {
			if b.SrcByLocale == nil {
				b.SrcByLocale = map[string]string{}
			}
			b.SrcByLocale[loc] = src // a diagram with labels in this language
		}
	}
	same("url", b.URL, bf.URL)
	same("quiz", b.Quiz, bf.Quiz)
	same("task", b.Task, bf.Task)
	same("assessment", b.Assessment, bf.Assessment)
	same("safari", b.Safari, bf.Safari)
	set(&b.Alt, loc, bf.Alt)
	set(&b.Caption, loc, bf.Caption)
	set(&b.Title, loc, bf.Title)
	set(&b.Transcript, loc, bf.Transcript)
	set(&b.Text, loc, bf.Text)
	set(&b.Instructions, loc, bf.Instructions)
	if len(bf.Items) > 0 && len(bf.Items) != len(b.Items) {
		l.errorf(file, pb.line, "the checklist has %d items here and %d in Finnish", len(bf.Items), len(b.Items))
		return
	}
	for i, it := range bf.Items {
		set(&b.Items[i], loc, it)
	}
}

// resolve turns a path relative to a lesson file into a path in fsys.
func (l *loader) resolve(file, rel string) string {
	return path.Clean(path.Join(path.Dir(file), rel))
}

// asset checks a media path and returns it resolved within fsys.
func (l *loader) asset(file string, line int, rel string, isMedia bool) string {
	if !isMedia {
		return ""
	}
	if path.IsAbs(rel) || strings.Contains(rel, "\\") {
		l.errorf(file, line, "media path %q must be relative to the lesson file", rel)
		return ""
	}
	p := l.resolve(file, rel)
	if p == ".." || strings.HasPrefix(p, "../") || !strings.HasPrefix(p, "assets/") {
		l.errorf(file, line, "media path %q points outside assets/", rel)
		return ""
	}
	// The resolved path is kept even when the file is unusable, so that the one problem is
	// reported once, here.
	fi, err := fs.Lstat(l.fsys, p)
	switch {
	case err != nil:
		l.errorf(file, line, "media file %s does not exist", p)
	case fi.Mode()&fs.ModeSymlink != 0:
		l.errorf(file, line, "media file %s is a symbolic link; copy the file instead", p)
	case !fi.Mode().IsRegular():
		l.errorf(file, line, "media file %s is not a regular file", p)
	case fi.Size() == 0:
		l.errorf(file, line, "media file %s is empty", p)
	case fi.Size() > MaxAssetSize:
		l.errorf(file, line, "media file %s is %d bytes; at most %d", p, fi.Size(), MaxAssetSize)
	}
	return p
}

// locate fills in Where for problems found by Validate, from the sources recorded on loading.
func (l *loader) locate(ps Problems) Problems {
	for i := range ps {
		if ps[i].Where != "" {
			continue
		}
		best := ""
		found := false
		for prefix := range l.sources {
			if prefix == "" || ps[i].Path == prefix || strings.HasPrefix(ps[i].Path, prefix+".") {
				if !found || len(prefix) > len(best) {
					best, found = prefix, true
				}
			}
		}
		if !found {
			continue
		}
		src := l.sources[best]
		line := src.line
		if src.node != nil {
			rest := strings.TrimPrefix(strings.TrimPrefix(ps[i].Path, best), ".")
			line = nodeLine(src.node, strings.Split(rest, "."))
		}
		if line > 0 {
			ps[i].Where = fmt.Sprintf("%s:%d", src.file, line)
		} else {
			ps[i].Where = src.file
		}
	}
	return ps
}

// summarise folds the many missing-translation warnings of one file into one line per locale.
func summarise(ps Problems) Problems {
	type key struct{ file, msg string }
	counts := map[key]int{}
	first := map[key]int{}
	var out Problems
	for _, p := range ps {
		if p.Severity == SeverityWarning && strings.HasPrefix(p.Message, "missing ") && strings.HasSuffix(p.Message, " translation") {
			file, _, _ := strings.Cut(p.Where, ":")
			k := key{file, p.Message}
			if counts[k] == 0 {
				first[k] = len(out)
				out = append(out, p)
			}
			counts[k]++
			continue
		}
		out = append(out, p)
	}
	for k, n := range counts {
		if n > 1 {
			p := &out[first[k]]
			p.Where = k.file
			p.Message = fmt.Sprintf("%s (%d texts)", k.msg, n)
		}
	}
	return out
}
