package course

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/i18n"
)

// Severity of a problem.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Problem is one thing wrong with a course. Path names the field ("modules.0.lessons.2.title");
// Where, when the course came from files, is "file:line".
//
// Message is English. A problem Validate finds is also said in fi and sv: Key, when set, is its
// catalogue key (internal/i18n) with placeholders that Params fill, as in apperr.FieldError.
// The loader's problems (with Where) are for the operator who imports files and stay English.
type Problem struct {
	Severity string        `json:"severity"`
	Path     string        `json:"path"`
	Where    string        `json:"where,omitempty"`
	Message  string        `json:"message"`
	Key      string        `json:"-"`
	Params   apperr.Params `json:"-"`
}

// MessageKey is the catalogue key of the problem's message: Key, else Message.
func (p Problem) MessageKey() string {
	if p.Key != "" {
		return p.Key
	}
	return p.Message
}

// In returns the problems with their messages in locale (see i18n.Text).
func (ps Problems) In(locale string) Problems {
	out := make(Problems, len(ps))
	for i, p := range ps {
		out[i] = p
		out[i].Message = i18n.Text(locale, p.MessageKey(), p.Params)
	}
	return out
}

func (p Problem) String() string {
	switch {
	case p.Where != "" && p.Path != "":
		return fmt.Sprintf("%s: %s: %s: %s", p.Where, p.Severity, p.Path, p.Message)
	case p.Where != "":
		return fmt.Sprintf("%s: %s: %s", p.Where, p.Severity, p.Message)
	default:
		return fmt.Sprintf("%s: %s: %s", p.Path, p.Severity, p.Message)
	}
}

// Problems is a list of problems.
type Problems []Problem

// Errors returns only the errors.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == SeverityError {
			out = append(out, p)
		}
	}
	return out
}

// Err returns a validation error listing every error, or nil when there is none. Warnings do
// not fail.
func (ps Problems) Err() error {
	errs := ps.Errors()
	if len(errs) == 0 {
		return nil
	}
	f := make([]apperr.FieldError, 0, len(errs))
	for _, p := range errs {
		if p.Where != "" { // a file's problem, for the operator: English, naming the file
			f = append(f, apperr.FieldError{Field: p.Path, Message: p.Where + ": " + p.Message})
			continue
		}
		f = append(f, apperr.FieldError{Field: p.Path, Message: p.Message, Key: p.Key, Params: p.Params})
	}
	e := apperr.Validation(f...)
	e.Message = "the course has problems"
	return e
}

var (
	slugRE    = regexp.MustCompile(`^[a-z][a-z0-9-]{1,63}$`)
	localIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
)

// ValidSlug reports whether s may be a course, module, lesson or activity id.
func ValidSlug(s string) bool { return slugRE.MatchString(s) }

// Limits on content size.
const (
	maxTextLength     = 100_000 // characters in one text (a lesson's Markdown)
	maxShortText      = 500
	maxModules        = 50
	maxLessons        = 100 // per module
	maxBlocks         = 200 // per lesson
	maxQuestions      = 200
	maxLessonDuration = 600
)

// DigComp22 lists the 21 competences of DigComp 2.2.
var DigComp22 = []string{"1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "4.4", "5.1", "5.2", "5.3", "5.4"}

// localKinds are ids that only need to be unique within their quiz, question or activity.
var localKinds = map[string]bool{"question": true, "option": true, "pair": true, "step": true, "item": true}

type checker struct {
	ps Problems
}

// err records an error with path. message is a catalogue key (internal/i18n) whose
// placeholders params fill, as in apperr.NewField; a test finds every message in the catalogues.
func (c *checker) err(path, message string, params ...apperr.Params) {
	c.add(SeverityError, path, message, params)
}

// warn records a warning with path, its message a catalogue key as in err.
func (c *checker) warn(path, message string, params ...apperr.Params) {
	c.add(SeverityWarning, path, message, params)
}

func (c *checker) add(severity, path, message string, params []apperr.Params) {
	f := apperr.NewField(path, message, params...)
	c.ps = append(c.ps, Problem{Severity: severity, Path: path, Message: f.Message, Key: f.Key, Params: f.Params})
}

func fieldPath(parts ...any) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		switch v := p.(type) {
		case int:
			s[i] = strconv.Itoa(v)
		default:
			s[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(s, ".")
}

func (c *checker) text(p string, t Text, required bool, max int) {
	if required && strings.TrimSpace(t[SourceLocale]) == "" {
		c.err(p, "Finnish text (fi) is required")
	}
	for _, loc := range Locales {
		if utf8.RuneCountInString(t[loc]) > max {
			c.err(p, "the {locale} text is longer than {max} characters", apperr.Params{"locale": loc, "max": strconv.Itoa(max)})
		}
	}
}

// keys reports every key of the outline's language maps that is not a locale. The keys become
// field names in the database, which refuses names that start with '$' or hold '.' or NUL.
func (c *checker) keys(co *Course) {
	co.eachText(func(p string, t Text) {
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if slices.Contains(Locales, k) {
				continue
			}
			if len(k) > 64 {
				c.err(p, "a key of {bytes} bytes is not a locale (use fi, sv or en)", apperr.Params{"bytes": strconv.Itoa(len(k))})
			} else {
				c.err(p, "unknown locale {locale} (use fi, sv or en)", apperr.Params{"locale": strconv.Quote(k)})
			}
		}
	})
}

// checkKeys returns a validation error naming every key of the outline's language maps that is
// not a locale, or nil. Unlike other problems, which a draft may keep while it is being
// written, such keys are refused before anything is stored.
func checkKeys(co *Course) error {
	c := &checker{}
	c.keys(co)
	return c.ps.Err()
}

// linkURL reports whether raw may be a link a reader follows: an https:// address.
func linkURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

func (c *checker) id(p, kind, id string, seen map[string]bool) {
	switch {
	case localKinds[kind] && !localIDRE.MatchString(id):
		c.err(p, "{kind} id {id} must be 1-64 lower-case letters, digits or '-'", apperr.Params{"kind": kind, "id": strconv.Quote(id)})
	case !localKinds[kind] && !ValidSlug(id):
		c.err(p, "{kind} id {id} must be 2-64 lower-case letters, digits or '-', starting with a letter", apperr.Params{"kind": kind, "id": strconv.Quote(id)})
	case seen[id]:
		c.err(p, "duplicate {kind} id {id}", apperr.Params{"kind": kind, "id": strconv.Quote(id)})
	}
	seen[id] = true
}

// Validate checks a course and returns every problem: errors make it unpublishable, warnings
// (missing translations) do not.
func Validate(co *Course) Problems {
	c := &checker{}
	if !ValidSlug(co.Slug) {
		c.err("slug", "course slug {slug} must be 2-64 lower-case letters, digits or '-', starting with a letter", apperr.Params{"slug": strconv.Quote(co.Slug)})
	}
	c.text("title", co.Title, true, maxShortText)
	c.text("summary", co.Summary, false, 2000)
	c.text("audience", co.Audience, false, 2000)
	for i, o := range co.Outcomes {
		c.text(fieldPath("outcomes", i), o, true, maxShortText)
	}
	if co.Access != AccessOpen && co.Access != AccessCohort {
		c.err("access", "must be open or cohort")
	}
	if co.Credits != nil && (co.Credits.Amount <= 0 || co.Credits.Unit == "") {
		c.err("credits", "needs a positive amount and a unit such as ECTS")
	}
	c.achievement(co.Achievement)
	c.keys(co)

	quizzes, tasks, assessments, safaris := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	c.activities(co, quizzes, tasks, assessments, safaris)

	if len(co.Modules) == 0 {
		c.err("modules", "a course needs at least one module")
	}
	if len(co.Modules) > maxModules {
		c.err("modules", "at most {max} modules", apperr.Params{"max": strconv.Itoa(maxModules)})
	}
	modules, lessons := map[string]bool{}, map[string]bool{}
	for mi, m := range co.Modules {
		mp := fieldPath("modules", mi)
		c.id(mp+".id", "module", m.ID, modules)
		c.text(mp+".title", m.Title, true, maxShortText)
		c.text(mp+".summary", m.Summary, false, 2000)
		for i, o := range m.Outcomes {
			c.text(fieldPath(mp, "outcomes", i), o, true, maxShortText)
		}
		for pi, pre := range m.Prerequisites {
			switch {
			case pre == m.ID:
				c.err(fieldPath(mp, "prerequisites", pi), "a module cannot require itself")
			case !modules[pre]:
				c.err(fieldPath(mp, "prerequisites", pi), "prerequisite {id} is not an earlier module of this course", apperr.Params{"id": strconv.Quote(pre)})
			}
		}
		if len(m.Lessons) == 0 {
			c.err(mp+".lessons", "a module needs at least one lesson")
		}
		if len(m.Lessons) > maxLessons {
			c.err(mp+".lessons", "at most {max} lessons in a module", apperr.Params{"max": strconv.Itoa(maxLessons)})
		}
		required := 0
		for li, l := range m.Lessons {
			if !l.Optional {
				required++
			}
			c.lesson(fieldPath(mp, "lessons", li), l, lessons, quizzes, tasks, assessments, safaris)
		}
		if m.Required < 0 || m.Required > required {
			c.err(mp+".required", "asks for {asked} lessons but the module has {required} required lessons", apperr.Params{"asked": strconv.Itoa(m.Required), "required": strconv.Itoa(required)})
		}
	}

	// Translations: every text should have every locale the course title has.
	declared := []string{}
	for _, l := range Locales {
		if strings.TrimSpace(co.Title[l]) != "" && l != SourceLocale {
			declared = append(declared, l)
		}
	}
	co.eachText(func(p string, t Text) {
		for _, l := range declared {
			if strings.TrimSpace(t[l]) == "" && strings.TrimSpace(t[SourceLocale]) != "" {
				c.warn(p, "missing {locale} translation", apperr.Params{"locale": l})
			}
		}
	})
	return c.ps
}

func (c *checker) lesson(lp string, l Lesson, lessons, quizzes, tasks, assessments, safaris map[string]bool) {
	c.id(lp+".id", "lesson", l.ID, lessons)
	c.text(lp+".title", l.Title, true, maxShortText)
	if l.DurationMinutes < 1 || l.DurationMinutes > maxLessonDuration {
		c.err(lp+".duration_minutes", "must be from 1 to {max} minutes", apperr.Params{"max": strconv.Itoa(maxLessonDuration)})
	}
	r := l.Completion
	rp := lp + ".completion"
	ref := func(field, kind, id string, known map[string]bool) {
		if id == "" {
			c.err(rp+"."+field, "the {rule} rule needs {field}", apperr.Params{"rule": r.Rule, "field": field})
		} else if !known[id] {
			c.err(rp+"."+field, "no {kind} with id {id} in this course", apperr.Params{"kind": kind, "id": strconv.Quote(id)})
		}
	}
	switch r.Rule {
	case RuleViewed, RuleMarkedDone:
	case RuleViewedSeconds:
		if r.Seconds < 1 || r.Seconds > l.DurationMinutes*60*4 {
			c.err(rp+".seconds", "must be from 1 to four times the lesson's duration in seconds")
		}
	case RuleQuizPassed:
		ref("quiz", "quiz", r.Quiz, quizzes)
		if r.Score < 0 || r.Score > 1 {
			c.err(rp+".score", "must be from 0 to 1")
		}
	case RuleReflectionPosted:
		ref("task", "reflection task", r.Task, tasks)
		if r.Comments < 0 || r.Comments > 20 {
			c.err(rp+".comments", "must be from 0 to 20")
		}
	case RuleAssessmentSubmitted:
		ref("assessment", "self-assessment", r.Assessment, assessments)
	case RuleSafariSubmitted:
		ref("safari", "service safari", r.Safari, safaris)
	default:
		c.err(rp+".rule", "unknown completion rule {rule} (one of {values})", apperr.Params{"rule": strconv.Quote(r.Rule), "values": strings.Join(Rules, ", ")})
	}
	if len(l.Blocks) == 0 {
		c.err(lp+".blocks", "a lesson needs at least one block")
	}
	if len(l.Blocks) > maxBlocks {
		c.err(lp+".blocks", "at most {max} blocks in a lesson", apperr.Params{"max": strconv.Itoa(maxBlocks)})
	}
	for bi, b := range l.Blocks {
		c.block(fieldPath(lp, "blocks", bi), b, quizzes, tasks, assessments, safaris)
	}
}

func (c *checker) block(bp string, b Block, quizzes, tasks, assessments, safaris map[string]bool) {
	need := func(field, kind, id string, known map[string]bool) {
		if id == "" {
			c.err(bp+"."+field, "this {kind} block needs {field}", apperr.Params{"kind": b.Kind, "field": field})
		} else if !known[id] {
			c.err(bp+"."+field, "no {kind} with id {id} in this course", apperr.Params{"kind": kind, "id": strconv.Quote(id)})
		}
	}
	switch b.Kind {
	case KindMarkdown:
		c.text(bp+".markdown", b.Markdown, true, maxTextLength)
	case KindImage, KindVideo, KindAudio, KindFile:
		if b.Src == "" && b.Media == "" {
			c.err(bp+".src", "this {kind} block needs src", apperr.Params{"kind": b.Kind})
		}
		if b.Kind == KindImage {
			c.text(bp+".alt", b.Alt, true, maxShortText)
		}
		for _, byLocale := range []struct {
			field string
			m     map[string]string
		}{{"src_by_locale", b.SrcByLocale}, {"media_by_locale", b.MediaByLocale}} {
			if len(byLocale.m) > 0 && b.Kind != KindImage {
				c.err(bp+"."+byLocale.field, "only an image may have a version per language")
			}
			for loc := range byLocale.m {
				if !slices.Contains(Locales, loc) {
					c.err(bp+"."+byLocale.field, "unknown locale {locale} (use fi, sv or en)", apperr.Params{"locale": strconv.Quote(loc)})
				}
			}
		}
		c.text(bp+".caption", b.Caption, false, maxShortText)
		c.text(bp+".title", b.Title, false, maxShortText)
		c.text(bp+".transcript", b.Transcript, false, maxTextLength)
	case KindLink:
		if !linkURL(b.URL) {
			c.err(bp+".url", "must be an https:// address")
		}
		c.text(bp+".text", b.Text, true, maxShortText)
		c.text(bp+".instructions", b.Instructions, false, 5000)
	case KindChecklist:
		if len(b.Items) == 0 {
			c.err(bp+".items", "a checklist needs items")
		}
		for i, it := range b.Items {
			c.text(fieldPath(bp, "items", i), it, true, maxShortText)
		}
		c.text(bp+".title", b.Title, false, maxShortText)
	case KindQuiz:
		need("quiz", "quiz", b.Quiz, quizzes)
	case KindReflection:
		need("task", "reflection task", b.Task, tasks)
	case KindSelfAssessment:
		need("assessment", "self-assessment", b.Assessment, assessments)
	case KindServiceSafari:
		need("safari", "service safari", b.Safari, safaris)
	default:
		c.err(bp+".kind", "unknown block kind {kind} (one of {values})", apperr.Params{"kind": strconv.Quote(b.Kind), "values": strings.Join(Kinds, ", ")})
	}
}

func (c *checker) activities(co *Course, quizzes, tasks, assessments, safaris map[string]bool) {
	all := map[string]bool{}
	for qi, q := range co.Quizzes {
		qp := fieldPath("quizzes", qi)
		c.id(qp+".id", "activity", q.ID, all)
		quizzes[q.ID] = true
		c.text(qp+".title", q.Title, true, maxShortText)
		if q.PassScore <= 0 || q.PassScore > 1 {
			c.err(qp+".pass_score", "must be more than 0 and at most 1")
		}
		if q.Attempts < 0 || q.TimeLimitMinutes < 0 || q.TimeLimitMinutes > 600 {
			c.err(qp, "attempts and time_limit_minutes must not be negative (time limit at most 600)")
		}
		if len(q.Questions) == 0 || len(q.Questions) > maxQuestions {
			c.err(qp+".questions", "a quiz needs 1 to {max} questions", apperr.Params{"max": strconv.Itoa(maxQuestions)})
		}
		if q.Draw < 0 || q.Draw > len(q.Questions) {
			c.err(qp+".draw", "cannot draw {draw} of {questions} questions", apperr.Params{"draw": strconv.Itoa(q.Draw), "questions": strconv.Itoa(len(q.Questions))})
		}
		ids := map[string]bool{}
		for ui, u := range q.Questions {
			c.question(fieldPath(qp, "questions", ui), u, ids)
		}
	}
	for i, r := range co.Reflections {
		rp := fieldPath("reflections", i)
		c.id(rp+".id", "activity", r.ID, all)
		tasks[r.ID] = true
		c.text(rp+".title", r.Title, true, maxShortText)
		c.text(rp+".prompt", r.Prompt, true, 10000)
		if r.Posts < 0 || r.Posts > 10 || r.Comments < 0 || r.Comments > 20 {
			c.err(rp, "posts must be 0-10 and comments 0-20")
		}
	}
	for i, a := range co.Assessments {
		ap := fieldPath("assessments", i)
		c.id(ap+".id", "activity", a.ID, all)
		assessments[a.ID] = true
		c.text(ap+".title", a.Title, true, maxShortText)
		c.text(ap+".instructions", a.Instructions, false, 10000)
		if a.Round != "start" && a.Round != "end" {
			c.err(ap+".round", "must be start or end")
		}
		if a.Framework != "" && a.Framework != "digcomp-2.2" {
			c.err(ap+".framework", "the only framework is digcomp-2.2")
		}
		if a.Framework == "" && len(a.Items) == 0 {
			c.err(ap, "rate the DigComp competences (framework: digcomp-2.2) or give items")
		}
		for ci, comp := range a.Competences {
			if !slices.Contains(DigComp22, comp) {
				c.err(fieldPath(ap, "competences", ci), "{competence} is not a DigComp 2.2 competence (1.1 to 5.4)", apperr.Params{"competence": strconv.Quote(comp)})
			}
		}
		ids := map[string]bool{}
		for ii, it := range a.Items {
			c.id(fieldPath(ap, "items", ii, "id"), "item", it.ID, ids)
			c.text(fieldPath(ap, "items", ii, "statement"), it.Statement, true, maxShortText)
			if it.Competence != "" && !slices.Contains(DigComp22, it.Competence) {
				c.err(fieldPath(ap, "items", ii, "competence"), "{competence} is not a DigComp 2.2 competence", apperr.Params{"competence": strconv.Quote(it.Competence)})
			}
		}
	}
	for i, s := range co.Safaris {
		sp := fieldPath("safaris", i)
		c.id(sp+".id", "activity", s.ID, all)
		safaris[s.ID] = true
		c.text(sp+".title", s.Title, true, maxShortText)
		c.text(sp+".service.name", s.Service.Name, true, maxShortText)
		if s.Service.URL != "" && !linkURL(s.Service.URL) {
			c.err(sp+".service.url", "must be an https:// address")
		}
		if len(s.Steps) == 0 {
			c.err(sp+".steps", "a safari needs at least one step")
		}
		ids := map[string]bool{}
		for si, st := range s.Steps {
			c.id(fieldPath(sp, "steps", si, "id"), "step", st.ID, ids)
			c.text(fieldPath(sp, "steps", si, "task"), st.Task, true, 2000)
		}
	}
}

func (c *checker) question(up string, u Question, ids map[string]bool) {
	c.id(up+".id", "question", u.ID, ids)
	c.text(up+".prompt", u.Prompt, true, 5000)
	c.text(up+".feedback", u.Feedback, false, 5000)
	c.text(up+".feedback_correct", u.FeedbackCorrect, false, 5000)
	c.text(up+".feedback_incorrect", u.FeedbackIncorrect, false, 5000)
	opts := map[string]bool{}
	correct := 0
	for oi, o := range u.Options {
		c.id(fieldPath(up, "options", oi, "id"), "option", o.ID, opts)
		c.text(fieldPath(up, "options", oi, "text"), o.Text, true, maxShortText)
		c.text(fieldPath(up, "options", oi, "feedback"), o.Feedback, false, 2000)
		if o.Correct {
			correct++
		}
	}
	switch u.Type {
	case QuestionSingle:
		if len(u.Options) < 2 || correct != 1 {
			c.err(up+".options", "a single-choice question needs at least two options and exactly one correct")
		}
	case QuestionMultiple:
		if len(u.Options) < 2 || correct < 1 {
			c.err(up+".options", "a multiple-choice question needs at least two options and at least one correct")
		}
	case QuestionTrueFalse:
		if u.Answer == nil {
			c.err(up+".answer", "a true/false question needs answer: true or false")
		}
	case QuestionMatching:
		if len(u.Pairs) < 2 {
			c.err(up+".pairs", "a matching question needs at least two pairs")
		}
		pids := map[string]bool{}
		for pi, p := range u.Pairs {
			c.id(fieldPath(up, "pairs", pi, "id"), "pair", p.ID, pids)
			c.text(fieldPath(up, "pairs", pi, "left"), p.Left, true, maxShortText)
			c.text(fieldPath(up, "pairs", pi, "right"), p.Right, true, maxShortText)
		}
	case QuestionShortText:
		if len(u.Accepted[SourceLocale]) == 0 {
			c.err(up+".accepted", "a short-text question needs accepted answers in Finnish (fi)")
		}
	default:
		c.err(up+".type", "unknown question type {type} (single, multiple, true_false, matching, short_text)", apperr.Params{"type": strconv.Quote(u.Type)})
	}
}

// maxWorkloadHours bounds a course's stated workload.
const maxWorkloadHours = 1000

// achievement checks what a course's certificate says: a description and criteria in Finnish,
// known DigComp 2.2 competences each named once, and a workload from 0 to 1000 hours.
func (c *checker) achievement(a *Achievement) {
	if a == nil {
		return
	}
	c.text("achievement.description", a.Description, true, 2000)
	c.text("achievement.criteria", a.Criteria, true, 2000)
	seen := map[string]bool{}
	for i, id := range a.DigComp {
		p := fieldPath("achievement", "digcomp", i)
		if _, ok := CompetenceByID(id); !ok {
			c.err(p, "{competence} is not a DigComp 2.2 competence (1.1 to 5.4)", apperr.Params{"competence": strconv.Quote(id)})
		} else if seen[id] {
			c.err(p, "duplicate {kind} id {id}", apperr.Params{"kind": "competence", "id": strconv.Quote(id)})
		}
		seen[id] = true
	}
	if a.WorkloadHours < 0 || a.WorkloadHours > maxWorkloadHours || a.WorkloadHours != a.WorkloadHours {
		c.err("achievement.workload_hours", "must be from 0 to {max} hours", apperr.Params{"max": strconv.Itoa(maxWorkloadHours)})
	}
}
