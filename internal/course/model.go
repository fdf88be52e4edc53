// Package course is the course content model (course → modules → lessons → blocks, and the
// activity definitions lessons refer to), the courses-as-code importer, authoring with
// optimistic concurrency, immutable published versions, and delivery of published content in
// the reader's language.
//
// The outline types here are the content format itself: the same structure is written as YAML
// and Markdown under courses/, exchanged as JSON by the authoring API and stored in MongoDB. The
// package stores and validates completion rules and activity definitions; it does not evaluate
// progress (internal/learning) or run activities (internal/activity).
package course

import (
	"strconv"
	"strings"
)

// Locales content may be written in. Finnish is the source language.
var Locales = []string{"fi", "sv", "en"}

// SourceLocale is the language every text must have.
const SourceLocale = "fi"

// Text is a language map: locale → text.
type Text map[string]string

// Get returns the text in locale, falling back to Finnish.
func (t Text) Get(locale string) string {
	v, _ := t.In(locale)
	return v
}

// In returns the text in locale, falling back to Finnish, and the language it is in.
func (t Text) In(locale string) (text, lang string) {
	if v := t[locale]; v != "" {
		return v, locale
	}
	return t[SourceLocale], SourceLocale
}

// Fallback names the texts of one delivered object that are not in the language the reader
// asked for, so that a page can mark each with its lang: the field's JSON name (".i" appended
// for the i-th string of a list) → the language the text is in. Nil when every text is in the
// language asked for.
type Fallback map[string]string

// Localizer delivers the texts of one object in a locale, falling back to Finnish per field,
// and notes in Fallback the fields that fell back. One Localizer serves one object: a nested
// object carries a Fallback of its own.
type Localizer struct {
	Locale   string
	Fallback Fallback
}

// Text returns t in the reader's locale and notes field when it is in another language.
func (l *Localizer) Text(field string, t Text) string {
	v, lang := t.In(l.Locale)
	if v != "" && lang != l.Locale {
		if l.Fallback == nil {
			l.Fallback = Fallback{}
		}
		l.Fallback[field] = lang
	}
	return v
}

// alsoFor notes derived (the HTML rendered from field's Markdown) in field's language, and
// returns the Fallback.
func (l *Localizer) alsoFor(field, derived string) Fallback {
	if lang, ok := l.Fallback[field]; ok {
		l.Fallback[derived] = lang
	}
	return l.Fallback
}

// Texts returns ts in the reader's locale, noting the i-th as field.i when it falls back.
func (l *Localizer) Texts(field string, ts []Text) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = l.Text(field+"."+strconv.Itoa(i), t)
	}
	return out
}

// Access says who may study a course.
const (
	AccessOpen   = "open"   // any signed-in user; her first activity enrols her self-paced
	AccessCohort = "cohort" // members of a cohort of the course only
)

// Course is one course's whole outline.
type Course struct {
	Slug     string   `json:"slug" bson:"slug"`
	Title    Text     `json:"title" bson:"title"`
	Summary  Text     `json:"summary,omitempty" bson:"summary,omitempty"`
	Audience Text     `json:"audience,omitempty" bson:"audience,omitempty"`
	Outcomes []Text   `json:"outcomes,omitempty" bson:"outcomes,omitempty"`
	Credits  *Credits `json:"credits,omitempty" bson:"credits,omitempty"`
	// Achievement is what the course's certificate says it stands for; nil issues none.
	Achievement *Achievement `json:"achievement,omitempty" bson:"achievement,omitempty"`
	Licence     string       `json:"licence,omitempty" bson:"licence,omitempty"`
	Access      string       `json:"access" bson:"access"`
	Modules     []Module     `json:"modules" bson:"modules"`

	Quizzes     []Quiz       `json:"quizzes,omitempty" bson:"quizzes,omitempty"`
	Reflections []Reflection `json:"reflections,omitempty" bson:"reflections,omitempty"`
	Assessments []Assessment `json:"assessments,omitempty" bson:"assessments,omitempty"`
	Safaris     []Safari     `json:"safaris,omitempty" bson:"safaris,omitempty"`
}

// Credits are study credits, e.g. 2 ECTS.
type Credits struct {
	Amount float64 `json:"amount" bson:"amount" yaml:"amount"`
	Unit   string  `json:"unit" bson:"unit" yaml:"unit"`
}

// Achievement describes what completing the course stands for, as its certificate and Open
// Badges 3.0 credential say it: a description, the criteria in words (the completion rules
// themselves are the modules'), the DigComp 2.2 competences it develops and its workload.
type Achievement struct {
	Description Text `json:"description" bson:"description" yaml:"description"`
	Criteria    Text `json:"criteria" bson:"criteria" yaml:"criteria"`
	// DigComp lists DigComp 2.2 competence ids such as "2.3".
	DigComp []string `json:"digcomp,omitempty" bson:"digcomp,omitempty" yaml:"digcomp"`
	// WorkloadHours is the workload in hours as the course states it; 0 leaves it out.
	WorkloadHours float64 `json:"workload_hours,omitempty" bson:"workload_hours,omitempty" yaml:"workload_hours"`
}

// Module is a group of lessons with its own completion.
type Module struct {
	ID            string   `json:"id" bson:"id"`
	Title         Text     `json:"title" bson:"title"`
	Summary       Text     `json:"summary,omitempty" bson:"summary,omitempty"`
	Outcomes      []Text   `json:"outcomes,omitempty" bson:"outcomes,omitempty"`
	Prerequisites []string `json:"prerequisites,omitempty" bson:"prerequisites,omitempty"`
	Sequential    bool     `json:"sequential,omitempty" bson:"sequential,omitempty"`
	// Required is how many required lessons complete the module; 0 means all of them.
	Required int      `json:"required,omitempty" bson:"required,omitempty"`
	Lessons  []Lesson `json:"lessons" bson:"lessons"`
}

// DurationMinutes is the sum of the lessons' estimates.
func (m Module) DurationMinutes() int {
	n := 0
	for _, l := range m.Lessons {
		n += l.DurationMinutes
	}
	return n
}

// Lesson is one page of study.
type Lesson struct {
	ID              string  `json:"id" bson:"id"`
	Title           Text    `json:"title" bson:"title"`
	DurationMinutes int     `json:"duration_minutes" bson:"duration_minutes"`
	Optional        bool    `json:"optional,omitempty" bson:"optional,omitempty"` // does not count toward module completion
	Completion      Rule    `json:"completion" bson:"completion"`
	Blocks          []Block `json:"blocks" bson:"blocks"`
}

// Completion rules.
const (
	RuleViewed              = "viewed"
	RuleViewedSeconds       = "viewed_seconds"
	RuleQuizPassed          = "quiz_passed"
	RuleReflectionPosted    = "reflection_posted"
	RuleAssessmentSubmitted = "assessment_submitted"
	RuleSafariSubmitted     = "safari_submitted"
	RuleMarkedDone          = "marked_done"
)

// Rules lists the completion rules.
var Rules = []string{RuleViewed, RuleViewedSeconds, RuleQuizPassed, RuleReflectionPosted, RuleAssessmentSubmitted, RuleSafariSubmitted, RuleMarkedDone}

// Rule is a lesson's completion requirement.
type Rule struct {
	Rule       string  `json:"rule" bson:"rule" yaml:"rule"`
	Seconds    int     `json:"seconds,omitempty" bson:"seconds,omitempty" yaml:"seconds"`
	Quiz       string  `json:"quiz,omitempty" bson:"quiz,omitempty" yaml:"quiz"`
	Score      float64 `json:"score,omitempty" bson:"score,omitempty" yaml:"score"`
	Task       string  `json:"task,omitempty" bson:"task,omitempty" yaml:"task"`
	Comments   int     `json:"comments,omitempty" bson:"comments,omitempty" yaml:"comments"`
	Assessment string  `json:"assessment,omitempty" bson:"assessment,omitempty" yaml:"assessment"`
	Safari     string  `json:"safari,omitempty" bson:"safari,omitempty" yaml:"safari"`
}

// Block kinds.
const (
	KindMarkdown       = "markdown"
	KindImage          = "image"
	KindVideo          = "video"
	KindAudio          = "audio"
	KindFile           = "file"
	KindLink           = "link"
	KindChecklist      = "checklist"
	KindQuiz           = "quiz"
	KindReflection     = "reflection"
	KindSelfAssessment = "self_assessment"
	KindServiceSafari  = "service_safari"
)

// Kinds lists the block kinds.
var Kinds = []string{KindMarkdown, KindImage, KindVideo, KindAudio, KindFile, KindLink, KindChecklist, KindQuiz, KindReflection, KindSelfAssessment, KindServiceSafari}

// IsMedia reports whether a block kind shows a media file.
func IsMedia(kind string) bool {
	return kind == KindImage || kind == KindVideo || kind == KindAudio || kind == KindFile
}

// Block is one piece of a lesson. Which fields are used depends on Kind.
type Block struct {
	Kind         string `json:"kind" bson:"kind"`
	Markdown     Text   `json:"markdown,omitempty" bson:"markdown,omitempty"`         // markdown
	Src          string `json:"src,omitempty" bson:"src,omitempty"`                   // media: the asset path it came from
	Media        string `json:"media,omitempty" bson:"media,omitempty"`               // media: the media id (sha256)
	CaptionsSrc  string `json:"captions_src,omitempty" bson:"captions_src,omitempty"` // video, audio: the WebVTT asset path
	Captions     string `json:"captions,omitempty" bson:"captions,omitempty"`         // video, audio: WebVTT media id
	Alt          Text   `json:"alt,omitempty" bson:"alt,omitempty"`                   // image
	Caption      Text   `json:"caption,omitempty" bson:"caption,omitempty"`           // image
	Title        Text   `json:"title,omitempty" bson:"title,omitempty"`               // video, audio, file, checklist
	Transcript   Text   `json:"transcript,omitempty" bson:"transcript,omitempty"`     // video, audio
	URL          string `json:"url,omitempty" bson:"url,omitempty"`                   // link
	Text         Text   `json:"text,omitempty" bson:"text,omitempty"`                 // link: says where it goes
	Instructions Text   `json:"instructions,omitempty" bson:"instructions,omitempty"` // link
	Items        []Text `json:"items,omitempty" bson:"items,omitempty"`               // checklist
	Quiz         string `json:"quiz,omitempty" bson:"quiz,omitempty"`
	Task         string `json:"task,omitempty" bson:"task,omitempty"`
	Assessment   string `json:"assessment,omitempty" bson:"assessment,omitempty"`
	Safari       string `json:"safari,omitempty" bson:"safari,omitempty"`
	// An image may have a version of its own for a language, a diagram with labels in it:
	// the asset path and media id by locale. Other languages show Src and Media.
	SrcByLocale   map[string]string `json:"src_by_locale,omitempty" bson:"src_by_locale,omitempty"`
	MediaByLocale map[string]string `json:"media_by_locale,omitempty" bson:"media_by_locale,omitempty"`
}

// MediaFor is the media id the block shows in locale.
func (b Block) MediaFor(locale string) string {
	if id := b.MediaByLocale[locale]; id != "" {
		return id
	}
	return b.Media
}

// MediaIDs lists every media id the block refers to, each with the field that holds it.
func (b Block) MediaIDs() map[string]string {
	out := map[string]string{}
	for field, id := range map[string]string{"media": b.Media, "captions": b.Captions} {
		if id != "" {
			out[field] = id
		}
	}
	for loc, id := range b.MediaByLocale {
		if id != "" {
			out["media_by_locale."+loc] = id
		}
	}
	return out
}

// Quiz question types.
const (
	QuestionSingle    = "single"
	QuestionMultiple  = "multiple"
	QuestionTrueFalse = "true_false"
	QuestionMatching  = "matching"
	QuestionShortText = "short_text"
)

// Quiz is a quiz definition, answers included; never send it to a learner as is.
type Quiz struct {
	ID               string     `json:"id" bson:"id"`
	Title            Text       `json:"title" bson:"title"`
	PassScore        float64    `json:"pass_score" bson:"pass_score"`
	Attempts         int        `json:"attempts,omitempty" bson:"attempts,omitempty"`
	Draw             int        `json:"draw,omitempty" bson:"draw,omitempty"`
	Shuffle          bool       `json:"shuffle,omitempty" bson:"shuffle,omitempty"`
	TimeLimitMinutes int        `json:"time_limit_minutes,omitempty" bson:"time_limit_minutes,omitempty"`
	Review           bool       `json:"review,omitempty" bson:"review,omitempty"`
	Questions        []Question `json:"questions" bson:"questions"`
}

// Question is one quiz question.
type Question struct {
	ID       string              `json:"id" bson:"id"`
	Type     string              `json:"type" bson:"type"`
	Prompt   Text                `json:"prompt" bson:"prompt"`
	Options  []Option            `json:"options,omitempty" bson:"options,omitempty"`
	Answer   *bool               `json:"answer,omitempty" bson:"answer,omitempty"`
	Pairs    []Pair              `json:"pairs,omitempty" bson:"pairs,omitempty"`
	Accepted map[string][]string `json:"accepted,omitempty" bson:"accepted,omitempty"`
	Feedback Text                `json:"feedback,omitempty" bson:"feedback,omitempty"` // after every answer
	// FeedbackCorrect follows a right answer only, FeedbackIncorrect a wrong one only.
	FeedbackCorrect   Text `json:"feedback_correct,omitempty" bson:"feedback_correct,omitempty"`
	FeedbackIncorrect Text `json:"feedback_incorrect,omitempty" bson:"feedback_incorrect,omitempty"`
}

// Option is a choice of a single or multiple choice question.
type Option struct {
	ID       string `json:"id" bson:"id"`
	Text     Text   `json:"text" bson:"text"`
	Correct  bool   `json:"correct,omitempty" bson:"correct,omitempty"`
	Feedback Text   `json:"feedback,omitempty" bson:"feedback,omitempty"`
}

// Pair is a left item and the right item that matches it.
type Pair struct {
	ID    string `json:"id" bson:"id"`
	Left  Text   `json:"left" bson:"left"`
	Right Text   `json:"right" bson:"right"`
}

// Reflection is a weekly task for a cohort wall.
type Reflection struct {
	ID        string `json:"id" bson:"id"`
	Title     Text   `json:"title" bson:"title"`
	Prompt    Text   `json:"prompt" bson:"prompt"`
	Posts     int    `json:"posts" bson:"posts"`
	Comments  int    `json:"comments" bson:"comments"`
	Anonymous bool   `json:"anonymous,omitempty" bson:"anonymous,omitempty"`
}

// Assessment is a digital-skills self-assessment.
type Assessment struct {
	ID           string           `json:"id" bson:"id"`
	Title        Text             `json:"title" bson:"title"`
	Instructions Text             `json:"instructions,omitempty" bson:"instructions,omitempty"`
	Framework    string           `json:"framework,omitempty" bson:"framework,omitempty"` // "digcomp-2.2"
	Competences  []string         `json:"competences,omitempty" bson:"competences,omitempty"`
	Round        string           `json:"round" bson:"round"` // start | end
	Items        []AssessmentItem `json:"items,omitempty" bson:"items,omitempty"`
}

// AssessmentItem is a course's own "I can…" statement.
type AssessmentItem struct {
	ID         string `json:"id" bson:"id"`
	Statement  Text   `json:"statement" bson:"statement"`
	Competence string `json:"competence,omitempty" bson:"competence,omitempty"`
}

// Safari is a service-safari exercise.
type Safari struct {
	ID           string       `json:"id" bson:"id"`
	Title        Text         `json:"title" bson:"title"`
	Service      SafariTarget `json:"service" bson:"service"`
	Instructions Text         `json:"instructions,omitempty" bson:"instructions,omitempty"`
	Steps        []SafariStep `json:"steps" bson:"steps"`
}

// SafariTarget is the e-service a safari tries.
type SafariTarget struct {
	Name Text   `json:"name" bson:"name"`
	URL  string `json:"url,omitempty" bson:"url,omitempty"`
}

// SafariStep is one task step of a safari.
type SafariStep struct {
	ID   string `json:"id" bson:"id"`
	Task Text   `json:"task" bson:"task"`
}

// Lesson returns the lesson with id, and its module.
func (c *Course) Lesson(id string) (*Module, *Lesson, bool) {
	for mi := range c.Modules {
		for li := range c.Modules[mi].Lessons {
			if c.Modules[mi].Lessons[li].ID == id {
				return &c.Modules[mi], &c.Modules[mi].Lessons[li], true
			}
		}
	}
	return nil, nil, false
}

// LessonIDs lists every lesson id in order.
func (c *Course) LessonIDs() []string {
	var out []string
	for _, m := range c.Modules {
		for _, l := range m.Lessons {
			out = append(out, l.ID)
		}
	}
	return out
}

// ActivityID is the API id of a course's activity — a quiz, reflection task, self-assessment or
// service safari: the course's slug and the activity's id in the course, "course:activity".
// Every activity route takes this one form.
func ActivityID(slug, id string) string { return slug + ":" + id }

// ParseActivityID splits an API activity id into the course's slug and the activity's id.
func ParseActivityID(id string) (slug, local string, ok bool) {
	slug, local, ok = strings.Cut(id, ":")
	return slug, local, ok && ValidSlug(slug) && local != ""
}

// QuizByID returns a quiz definition.
func (c *Course) QuizByID(id string) (*Quiz, bool) {
	for i := range c.Quizzes {
		if c.Quizzes[i].ID == id {
			return &c.Quizzes[i], true
		}
	}
	return nil, false
}

// ReflectionByID returns a reflection task definition.
func (c *Course) ReflectionByID(id string) (*Reflection, bool) {
	return findByID(c.Reflections, id, func(r Reflection) string { return r.ID })
}

// AssessmentByID returns a self-assessment definition.
func (c *Course) AssessmentByID(id string) (*Assessment, bool) {
	return findByID(c.Assessments, id, func(a Assessment) string { return a.ID })
}

// SafariByID returns a service-safari definition.
func (c *Course) SafariByID(id string) (*Safari, bool) {
	return findByID(c.Safaris, id, func(s Safari) string { return s.ID })
}

func findByID[T any](list []T, id string, key func(T) string) (*T, bool) {
	for i := range list {
		if key(list[i]) == id {
			return &list[i], true
		}
	}
	return nil, false
}

// DurationMinutes is the sum of all lessons' estimates.
func (c *Course) DurationMinutes() int {
	n := 0
	for _, m := range c.Modules {
		n += m.DurationMinutes()
	}
	return n
}

// eachText calls fn with every learner-facing text of the course and a path naming it.
func (c *Course) eachText(fn func(path string, t Text)) {
	p := func(parts ...any) string {
		var b strings.Builder
		for i, x := range parts {
			if i > 0 {
				b.WriteByte('.')
			}
			switch v := x.(type) {
			case string:
				b.WriteString(v)
			case int:
				b.WriteString(strconv.Itoa(v))
			}
		}
		return b.String()
	}
	opt := func(path string, t Text) {
		if len(t) > 0 {
			fn(path, t)
		}
	}
	fn("title", c.Title)
	opt("summary", c.Summary)
	opt("audience", c.Audience)
	for i, o := range c.Outcomes {
		fn(p("outcomes", i), o)
	}
	if c.Achievement != nil {
		fn("achievement.description", c.Achievement.Description)
		fn("achievement.criteria", c.Achievement.Criteria)
	}
	for mi, m := range c.Modules {
		fn(p("modules", mi, "title"), m.Title)
		opt(p("modules", mi, "summary"), m.Summary)
		for i, o := range m.Outcomes {
			fn(p("modules", mi, "outcomes", i), o)
		}
		for li, l := range m.Lessons {
			fn(p("modules", mi, "lessons", li, "title"), l.Title)
			for bi, b := range l.Blocks {
				bp := func(f string) string { return p("modules", mi, "lessons", li, "blocks", bi, f) }
				opt(bp("markdown"), b.Markdown)
				opt(bp("alt"), b.Alt)
				opt(bp("caption"), b.Caption)
				opt(bp("title"), b.Title)
				opt(bp("transcript"), b.Transcript)
				opt(bp("text"), b.Text)
				opt(bp("instructions"), b.Instructions)
				for ii, it := range b.Items {
					fn(p("modules", mi, "lessons", li, "blocks", bi, "items", ii), it)
				}
			}
		}
	}
	for qi, q := range c.Quizzes {
		fn(p("quizzes", qi, "title"), q.Title)
		for ui, u := range q.Questions {
			up := func(parts ...any) string { return p(append([]any{"quizzes", qi, "questions", ui}, parts...)...) }
			fn(up("prompt"), u.Prompt)
			opt(up("feedback"), u.Feedback)
			opt(up("feedback_correct"), u.FeedbackCorrect)
			opt(up("feedback_incorrect"), u.FeedbackIncorrect)
			for oi, o := range u.Options {
				fn(up("options", oi, "text"), o.Text)
				opt(up("options", oi, "feedback"), o.Feedback)
			}
			for pi, pr := range u.Pairs {
				fn(up("pairs", pi, "left"), pr.Left)
				fn(up("pairs", pi, "right"), pr.Right)
			}
			if len(u.Accepted) > 0 {
				t := Text{}
				for loc, vs := range u.Accepted {
					t[loc] = "" // every key, for the key check
					if len(vs) > 0 {
						t[loc] = vs[0]
					}
				}
				fn(up("accepted"), t)
			}
		}
	}
	for i, r := range c.Reflections {
		fn(p("reflections", i, "title"), r.Title)
		fn(p("reflections", i, "prompt"), r.Prompt)
	}
	for i, a := range c.Assessments {
		fn(p("assessments", i, "title"), a.Title)
		opt(p("assessments", i, "instructions"), a.Instructions)
		for ii, it := range a.Items {
			fn(p("assessments", i, "items", ii, "statement"), it.Statement)
		}
	}
	for i, s := range c.Safaris {
		fn(p("safaris", i, "title"), s.Title)
		fn(p("safaris", i, "service", "name"), s.Service.Name)
		opt(p("safaris", i, "instructions"), s.Instructions)
		for si, st := range s.Steps {
			fn(p("safaris", i, "steps", si, "task"), st.Task)
		}
	}
}

// CompleteLocales lists the locales every text of the course has.
func (c *Course) CompleteLocales() []string {
	missing := map[string]bool{}
	c.eachText(func(_ string, t Text) {
		for _, l := range Locales {
			if strings.TrimSpace(t[l]) == "" {
				missing[l] = true
			}
		}
	})
	var out []string
	for _, l := range Locales {
		if !missing[l] {
			out = append(out, l)
		}
	}
	return out
}
