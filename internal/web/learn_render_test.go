package web

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/links"
)

// TestLessonMediaBlocks renders a lesson's video and audio as the page shows them: the media and
// captions through the web app's media route, captions as <track kind="captions"> in the
// content's language, the transcript below, and content that fell back to another language
// marked with lang.
func TestLessonMediaBlocks(t *testing.T) {
	id, vtt := strings.Repeat("a", 64), strings.Repeat("b", 64)
	v := &course.LessonView{Course: "k", ID: "l", Module: "m", Title: "Video", Locale: "sv", Blocks: []course.BlockView{
		{Kind: course.KindMarkdown, HTML: "<h1>Rubrik</h1><p>Text &lt;h1&gt; här</p><h4>Under</h4>"},
		{Kind: course.KindVideo, MediaID: id, MediaURL: links.Media(id), CaptionsURL: links.Media(vtt), Caption: "Videon kuvateksti", Transcript: "Puhe videolla.",
			Fallback: course.Fallback{"caption": "fi", "transcript": "fi"}},
		{Kind: course.KindAudio, MediaID: id, MediaURL: links.Media(id), CaptionsURL: links.Media(vtt), Transcript: "Ljud."},
		{Kind: course.KindQuiz, QuizID: "k:visa"},
		{Kind: course.KindReflection, TaskID: "k:viikko-1", Reflection: &course.ReflectionView{Title: "Veckouppgift"}},
		{Kind: course.KindSelfAssessment, AssessmentID: "k:alkuarvio"},
		{Kind: course.KindServiceSafari, SafariID: "k:kela"},
	}}
	p := &Page{Lang: "sv", Title: v.Title, Form: map[string]string{}, Data: lessonData{Slug: "k", Lesson: "l", State: "in_progress", Blocks: lessonBlocks(v, "k", "sv")}}
	var buf bytes.Buffer
	if err := mustParsePages().pages["lesson"].ExecuteTemplate(&buf, "layout", p); err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var videos, audios, tracks, details, headings []*html.Node
	var hrefs []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "video":
				videos = append(videos, n)
			case "audio":
				audios = append(audios, n)
			case "track":
				tracks = append(tracks, n)
			case "details":
				details = append(details, n)
			case "h1", "h2", "h3", "h4", "h5", "h6":
				headings = append(headings, n)
			case "a":
				hrefs = append(hrefs, learnAttr(n, "href"))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if len(videos) != 1 || learnAttr(videos[0], "src") != "/media/"+id || len(audios) != 1 || learnAttr(audios[0], "src") != "/media/"+id {
		t.Fatalf("video and audio do not come from /media/: %d %d", len(videos), len(audios))
	}
	if len(tracks) != 2 {
		t.Fatalf("%d caption tracks, want 2", len(tracks))
	}
	if a := tracks[0]; learnAttr(a, "kind") != "captions" || learnAttr(a, "src") != "/media/"+vtt || learnAttr(a, "srclang") != "fi" || learnAttr(a, "label") == "" {
		t.Errorf("the video's track: %v", a.Attr)
	}
	if learnAttr(tracks[1], "srclang") != "sv" {
		t.Errorf("the audio's captions are not in the lesson's language: %v", tracks[1].Attr)
	}
	if len(details) != 2 || learnAttr(details[0], "lang") != "fi" || !strings.Contains(learnText(details[0]), "Puhe videolla.") {
		t.Errorf("the transcripts: %d", len(details))
	}
	var levels []string
	for _, h := range headings {
		levels = append(levels, h.Data)
	}
	if got := strings.Join(levels, " "); got != "h1 h2 h3 h2 h2 h2 h2" {
		t.Errorf("heading levels %q, want the course's h1 under the page's h1 and no level skipped", got)
	}
	for _, want := range []string{"/quizzes/k:visa", "/courses/k/walls/viikko-1", "/courses/k/assessments/alkuarvio", "/courses/k/safaris/kela"} {
		found := false
		for _, h := range hrefs {
			found = found || h == want
		}
		if !found {
			t.Errorf("no link to the activity %s", want)
		}
	}
}

func TestPageMediaURL(t *testing.T) {
	for in, want := range map[string]string{links.Media("abc"): "/media/abc", "https://example.fi/x": "https://example.fi/x", "": "", links.Media(""): links.Media("")} {
		if got := pageMediaURL(in); got != want {
			t.Errorf("pageMediaURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func learnAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func learnText(n *html.Node) string {
	var sb strings.Builder
	var f func(*html.Node)
	f = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f(c)
		}
	}
	f(n)
	return sb.String()
}

// TestNestedHeadingsFitUnderTheirPlace: texts people write (posts, comments) and course texts
// shown inside a section (instructions, prompts) keep the page's heading order: their highest
// heading becomes the given level and no level is skipped.
func TestNestedHeadingsFitUnderTheirPlace(t *testing.T) {
	for _, c := range []struct {
		in   string
		top  int
		want string
	}{
		{"<h1>Otsikko</h1><p>x</p><h3>Alaotsikko</h3>", 4, "<h4>Otsikko</h4><p>x</p><h5>Alaotsikko</h5>"},
		{"<h2>Ennen safaria</h2><h2>Safarin aikana</h2>", 3, "<h3>Ennen safaria</h3><h3>Safarin aikana</h3>"},
		{"<p>no headings</p>", 3, "<p>no headings</p>"},
		{"<h6>deep</h6>", 3, "<h3>deep</h3>"},
	} {
		if got := string(nested(c.in, c.top)); got != c.want {
			t.Errorf("nested(%q, %d) = %q, want %q", c.in, c.top, got, c.want)
		}
	}
}
