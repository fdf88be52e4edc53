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
}

// BlockView is a block in one locale. Activity blocks carry only the activity's id: quiz
// answers never leave the server with a lesson.
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
	v := &LessonView{Course: co.Slug, Version: version, ID: l.ID, Module: m.ID, Title: l.Title.Get(locale), Locale: locale,
		DurationMinutes: l.DurationMinutes, Completion: l.Completion, Blocks: make([]BlockView, 0, len(l.Blocks))}
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
		if b.Quiz != "" {
			b.Quiz = co.Slug + ":" + b.Quiz // the quiz API's id
		}
		if !linkURL(b.URL) {
			b.URL = "" // every view, a draft's preview too, serves only links publishing allows
		}
		bv := BlockView{Kind: b.Kind, URL: b.URL, QuizID: b.Quiz, TaskID: b.Task, AssessmentID: b.Assessment, SafariID: b.Safari,
			Alt: b.Alt.Get(locale), Caption: b.Caption.Get(locale), Title: b.Title.Get(locale), Transcript: b.Transcript.Get(locale),
			Text: b.Text.Get(locale), Instructions: b.Instructions.Get(locale)}
		if b.Kind == KindMarkdown {
			bv.Markdown = b.Markdown.Get(locale)
			bv.HTML = r.HTML(bv.Markdown)
		}
		if b.Media != "" {
			bv.MediaID, bv.MediaURL = b.Media, MediaURL(b.Media)
		}
		if b.Captions != "" {
			bv.CaptionsURL = MediaURL(b.Captions)
		}
		for _, it := range b.Items {
			bv.Items = append(bv.Items, it.Get(locale))
		}
		v.Blocks = append(v.Blocks, bv)
	}
	return v, true
}
