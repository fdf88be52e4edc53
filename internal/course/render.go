package course

import (
	"bytes"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/taito-lms/taito/internal/links"
)

// Renderer turns Markdown into HTML that is safe to insert into a page: goldmark renders, and
// bluemonday keeps only user-generated-content markup (no scripts, styles or event handlers).
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewRenderer returns a Renderer. It is safe for concurrent use.
func NewRenderer() *Renderer {
	p := bluemonday.UGCPolicy()
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &Renderer{md: goldmark.New(goldmark.WithExtensions(extension.GFM)), policy: p}
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// HTML renders and sanitises Markdown.
func (r *Renderer) HTML(markdown string) string {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	if err := r.md.Convert([]byte(markdown), buf); err != nil {
		// goldmark writes to a buffer and does not fail on any input; be safe anyway.
		return r.policy.Sanitize("<p>" + markdown + "</p>")
	}
	return r.policy.Sanitize(buf.String())
}

// LessonView is a lesson as a reader in one locale sees it.
type LessonView struct {
	Course          string      `json:"course"`
	Version         int         `json:"version"` // 0 for a draft preview
	ID              string      `json:"id"`
	Module          string      `json:"module"`
	Title           string      `json:"title"`
	Locale          string      `json:"locale"`
	DurationMinutes int         `json:"duration_minutes"`
	Completion      Rule        `json:"completion"`
	Blocks          []BlockView `json:"blocks"`
	Previous        string      `json:"previous,omitempty"`
	Next            string      `json:"next,omitempty"`
	Fallback        Fallback    `json:"fallback,omitempty"` // texts not in Locale
}

// BlockView is a block in one locale. Activity blocks carry the activity's API id
// ("course:activity") and, except quizzes, everything a learner reads to do it (the same view
// the activity's own read route gives); quiz answers never leave the server with a lesson.
type BlockView struct {
	Kind         string   `json:"kind"`
	Markdown     string   `json:"markdown,omitempty"`
	HTML         string   `json:"html,omitempty"`
	MediaID      string   `json:"media_id,omitempty"`
	MediaURL     string   `json:"media_url,omitempty"`
	CaptionsURL  string   `json:"captions_url,omitempty"`
	Alt          string   `json:"alt,omitempty"`
	Caption      string   `json:"caption,omitempty"`
	Title        string   `json:"title,omitempty"`
	Transcript   string   `json:"transcript,omitempty"`
	URL          string   `json:"url,omitempty"`
	Text         string   `json:"text,omitempty"`
	Instructions string   `json:"instructions,omitempty"`
	Items        []string `json:"items,omitempty"`
	QuizID       string   `json:"quiz_id,omitempty"`
	TaskID       string   `json:"task_id,omitempty"`
	AssessmentID string   `json:"assessment_id,omitempty"`
	SafariID     string   `json:"safari_id,omitempty"`

	Reflection *ReflectionView `json:"reflection,omitempty"` // reflection
	Assessment *AssessmentForm `json:"assessment,omitempty"` // self_assessment
	Safari     *SafariForm     `json:"safari,omitempty"`     // service_safari

	Fallback Fallback `json:"fallback,omitempty"` // texts not in the lesson's locale
}

// MediaURL is where the API serves a media item.
func MediaURL(id string) string { return links.Media(id) }

// View renders lesson id of co in locale, falling back to Finnish per field.
func (r *Renderer) View(co *Course, version int, id, locale string) (*LessonView, bool) {
	ids := co.LessonIDs()
	m, l, ok := co.Lesson(id)
	if !ok {
		return nil, false
	}
	lv := Localizer{Locale: locale}
	v := &LessonView{Course: co.Slug, Version: version, ID: l.ID, Module: m.ID, Title: lv.Text("title", l.Title), Locale: locale,
		DurationMinutes: l.DurationMinutes, Completion: l.Completion, Blocks: make([]BlockView, 0, len(l.Blocks))}
	v.Fallback = lv.Fallback
	for i, x := range ids {
		if x == id {
			if i > 0 {
				v.Previous = ids[i-1]
			}
			if i+1 < len(ids) {
				v.Next = ids[i+1]
			}
		}
	}
	for _, b := range l.Blocks {
		if !linkURL(b.URL) {
			b.URL = "" // every view, a draft's preview too, serves only links publishing allows
		}
		lb := Localizer{Locale: locale}
		bv := BlockView{Kind: b.Kind, URL: b.URL, QuizID: apiID(co.Slug, b.Quiz), TaskID: apiID(co.Slug, b.Task), AssessmentID: apiID(co.Slug, b.Assessment),
			SafariID: apiID(co.Slug, b.Safari), Alt: lb.Text("alt", b.Alt), Caption: lb.Text("caption", b.Caption), Title: lb.Text("title", b.Title),
			Transcript: lb.Text("transcript", b.Transcript), Text: lb.Text("text", b.Text), Instructions: lb.Text("instructions", b.Instructions)}
		switch b.Kind {
		case KindReflection:
			bv.Reflection, _ = r.Reflection(co, b.Task, locale)
		case KindSelfAssessment:
			bv.Assessment, _ = r.AssessmentForm(co, b.Assessment, locale)
		case KindServiceSafari:
			bv.Safari, _ = r.SafariForm(co, b.Safari, locale)
		}
		if b.Kind == KindMarkdown {
			bv.Markdown = lb.Text("markdown", b.Markdown)
			bv.HTML = r.HTML(bv.Markdown)
			lb.alsoFor("markdown", "html")
		}
		if id := b.MediaFor(locale); id != "" {
			bv.MediaID, bv.MediaURL = id, MediaURL(id)
		}
		if b.Captions != "" {
			bv.CaptionsURL = MediaURL(b.Captions)
		}
		if len(b.Items) > 0 {
			bv.Items = lb.Texts("items", b.Items)
		}
		bv.Fallback = lb.Fallback
		v.Blocks = append(v.Blocks, bv)
	}
	return v, true
}

// apiID is an activity's API id, or "" for a block without that activity.
func apiID(slug, id string) string {
	if id == "" {
		return ""
	}
	return ActivityID(slug, id)
}

// ReflectionView is a reflection task in one locale: what its wall asks of a learner and what
// completes the lesson that asks for it.
type ReflectionView struct {
	ID         string `json:"id"`   // the API id, course:task
	Task       string `json:"task"` // the task's id in the course (a wall's {task})
	Title      string `json:"title"`
	Prompt     string `json:"prompt"` // Markdown
	PromptHTML string `json:"prompt_html"`
	Posts      int    `json:"posts"`    // posts the task asks of each participant
	Comments   int    `json:"comments"` // comments on other participants' posts the task asks
	Anonymous  bool   `json:"anonymous"`
	// Completion is what completes the lesson that asks for the task; nil when no lesson's
	// completion counts it.
	Completion *ReflectionCompletion `json:"completion,omitempty"`
	Locale     string                `json:"locale"`
	// Fallback names the texts not in Locale (prompt_html follows prompt).
	Fallback Fallback `json:"fallback,omitempty"`
}

// ReflectionCompletion is the reflection_posted rule of a lesson: a post of one's own and a
// number of comments on other participants' posts (comments on one's own posts do not count).
type ReflectionCompletion struct {
	Lesson   string `json:"lesson"`
	Posts    int    `json:"posts"`
	Comments int    `json:"comments"`
}

// Reflection renders reflection task id of co in locale, falling back to Finnish per field.
func (r *Renderer) Reflection(co *Course, id, locale string) (*ReflectionView, bool) {
	def, ok := co.ReflectionByID(id)
	if !ok {
		return nil, false
	}
	l := Localizer{Locale: locale}
	title, prompt := l.Text("title", def.Title), l.Text("prompt", def.Prompt)
	v := &ReflectionView{ID: ActivityID(co.Slug, def.ID), Task: def.ID, Title: title, Prompt: prompt, PromptHTML: r.HTML(prompt),
		Posts: def.Posts, Comments: def.Comments, Anonymous: def.Anonymous, Locale: locale, Fallback: l.alsoFor("prompt", "prompt_html")}
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			if c := l.Completion; v.Completion == nil && c.Rule == RuleReflectionPosted && c.Task == def.ID {
				v.Completion = &ReflectionCompletion{Lesson: l.ID, Posts: 1, Comments: c.Comments}
			}
		}
	}
	return v, true
}

// AssessmentForm is a self-assessment as a learner fills it in, in one locale: every rated item
// with its statement, the rating scale with its level descriptions, and the notes she may add.
type AssessmentForm struct {
	ID               string     `json:"id"`         // the API id, course:assessment
	Assessment       string     `json:"assessment"` // the assessment's id in the course
	Title            string     `json:"title"`
	Instructions     string     `json:"instructions"` // Markdown
	InstructionsHTML string     `json:"instructions_html"`
	Round            string     `json:"round"` // start | end
	Framework        string     `json:"framework,omitempty"`
	Scale            Scale      `json:"scale"`
	Items            []FormItem `json:"items"`
	Notes            []FormNote `json:"notes"`
	Locale           string     `json:"locale"`
	// Fallback names the form's own texts not in Locale; items, levels and notes carry their own.
	Fallback Fallback `json:"fallback,omitempty"`
}

// Scale is the rating scale of a self-assessment: DigComp 2.2's proficiency levels.
type Scale struct {
	Min    int          `json:"min"`
	Max    int          `json:"max"`
	Levels []ScaleLevel `json:"levels"`
}

// ScaleLevel is one level of the scale: its group (foundation, intermediate, …) and what it means.
type ScaleLevel struct {
	Level       int      `json:"level"`
	Group       string   `json:"group"`
	Description string   `json:"description"`
	Fallback    Fallback `json:"fallback,omitempty"`
}

// Form item kinds.
const (
	ItemCompetence = "competence" // a DigComp competence the assessment rates
	ItemStatement  = "statement"  // a course's own "I can…" statement
)

// FormItem is one rated row of a self-assessment; its id is the key of its rating.
type FormItem struct {
	ID          string   `json:"id"`
	Kind        string   `json:"kind"`
	Statement   string   `json:"statement"`
	Description string   `json:"description,omitempty"` // a competence's short description
	Competence  string   `json:"competence,omitempty"`
	Required    bool     `json:"required"`
	Fallback    Fallback `json:"fallback,omitempty"`
}

// FormNote is a note a learner may add to a self-assessment: one per DigComp area, and a
// general one; all are optional.
type FormNote struct {
	ID       string   `json:"id"`
	Label    string   `json:"label"`
	Fallback Fallback `json:"fallback,omitempty"`
}

// GeneralNote is the id of a self-assessment's general note.
const GeneralNote = "general"

var generalNoteLabel = Text{"fi": "Yleiset huomiot", "sv": "Allmänna anteckningar", "en": "General notes"}

// Rated lists the items a self-assessment rates, in order: the framework's competences (all of
// them when the assessment names none), then the course's own statements. Every item is
// required when a learner submits.
func (a *Assessment) Rated(locale string) []FormItem {
	var out []FormItem
	if a.Framework != "" {
		ids := a.Competences
		if len(ids) == 0 {
			for _, ar := range DigComp {
				for _, c := range ar.Competences {
					ids = append(ids, c.ID)
				}
			}
		}
		for _, id := range ids {
			c, _ := CompetenceByID(id)
			l := Localizer{Locale: locale}
			it := FormItem{ID: id, Kind: ItemCompetence, Statement: id + " " + l.Text("statement", c.Name), Description: l.Text("description", c.Description),
				Competence: id, Required: true}
			it.Fallback = l.Fallback
			out = append(out, it)
		}
	}
	for _, it := range a.Items {
		l := Localizer{Locale: locale}
		fi := FormItem{ID: it.ID, Kind: ItemStatement, Statement: l.Text("statement", it.Statement), Competence: it.Competence, Required: true}
		fi.Fallback = l.Fallback
		out = append(out, fi)
	}
	return out
}

// AssessmentForm renders self-assessment id of co in locale, falling back to Finnish per field.
func (r *Renderer) AssessmentForm(co *Course, id, locale string) (*AssessmentForm, bool) {
	def, ok := co.AssessmentByID(id)
	if !ok {
		return nil, false
	}
	l := Localizer{Locale: locale}
	title, ins := l.Text("title", def.Title), l.Text("instructions", def.Instructions)
	f := &AssessmentForm{ID: ActivityID(co.Slug, def.ID), Assessment: def.ID, Title: title, Instructions: ins, InstructionsHTML: r.HTML(ins),
		Round: def.Round, Framework: def.Framework, Scale: Scale{Min: Levels[0].Level, Max: Levels[len(Levels)-1].Level}, Items: def.Rated(locale),
		Locale: locale, Fallback: l.alsoFor("instructions", "instructions_html")}
	for _, lv := range Levels {
		l := Localizer{Locale: locale}
		sl := ScaleLevel{Level: lv.Level, Group: l.Text("group", LevelGroupOf(lv.Level).Name), Description: l.Text("description", lv.Description)}
		sl.Fallback = l.Fallback
		f.Scale.Levels = append(f.Scale.Levels, sl)
	}
	note := func(id string, label Text) {
		l := Localizer{Locale: locale}
		n := FormNote{ID: id, Label: l.Text("label", label)}
		n.Fallback = l.Fallback
		f.Notes = append(f.Notes, n)
	}
	for _, a := range DigComp {
		note(a.ID, a.Name)
	}
	note(GeneralNote, generalNoteLabel)
	return f, true
}

// SafariForm is a service safari as a learner logs it, in one locale: the e-service, the
// instructions and the steps.
type SafariForm struct {
	ID               string           `json:"id"`     // the API id, course:safari
	Safari           string           `json:"safari"` // the safari's id in the course
	Title            string           `json:"title"`
	Service          SafariService    `json:"service"`
	Instructions     string           `json:"instructions"` // Markdown
	InstructionsHTML string           `json:"instructions_html"`
	Steps            []SafariStepView `json:"steps"`
	Locale           string           `json:"locale"`
	// Fallback names the form's own texts not in Locale; the service and steps carry their own.
	Fallback Fallback `json:"fallback,omitempty"`
}

// SafariService is the e-service a safari tries.
type SafariService struct {
	Name     string   `json:"name"`
	URL      string   `json:"url,omitempty"`
	Fallback Fallback `json:"fallback,omitempty"`
}

// SafariStepView is one step of a safari: its id (a log's step) and the task the client does.
type SafariStepView struct {
	ID       string   `json:"id"`
	Task     string   `json:"task"`
	Fallback Fallback `json:"fallback,omitempty"`
}

// SafariForm renders service safari id of co in locale, falling back to Finnish per field.
func (r *Renderer) SafariForm(co *Course, id, locale string) (*SafariForm, bool) {
	def, ok := co.SafariByID(id)
	if !ok {
		return nil, false
	}
	l, ls := Localizer{Locale: locale}, Localizer{Locale: locale}
	title, ins, service := l.Text("title", def.Title), l.Text("instructions", def.Instructions), ls.Text("name", def.Service.Name)
	f := &SafariForm{ID: ActivityID(co.Slug, def.ID), Safari: def.ID, Title: title, Service: SafariService{Name: service, Fallback: ls.Fallback},
		Instructions: ins, InstructionsHTML: r.HTML(ins), Steps: make([]SafariStepView, len(def.Steps)), Locale: locale, Fallback: l.alsoFor("instructions", "instructions_html")}
	if linkURL(def.Service.URL) {
		f.Service.URL = def.Service.URL
	}
	for i, st := range def.Steps {
		l := Localizer{Locale: locale}
		f.Steps[i] = SafariStepView{ID: st.ID, Task: l.Text("task", st.Task)}
		f.Steps[i].Fallback = l.Fallback
	}
	return f, true
}
