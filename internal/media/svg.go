package media

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/taito-lms/taito/internal/apperr"
)

// An SVG file is a document a browser may run. Taito serves SVG as an attachment, and refuses
// on upload and import any SVG that could run script or load another document, reading the
// whole file with a real XML tokenizer, so that entities are decoded as a browser decodes them
// and nothing hides behind a long comment. Refused are:
//
//   - elements that run script or embed other documents: script, foreignObject, iframe, frame,
//     embed, object, applet, handler, listener, and any element in the XHTML namespace;
//   - attributes whose name starts with "on" (event handlers);
//   - animations of an event handler or a link (<set attributeName="onclick">,
//     <animate attributeName="xlink:href">);
//   - javascript: or vbscript: in any attribute value, processing instruction or style sheet,
//     after entities are decoded and white space and control characters are removed;
//   - links (href, src) to anything but http(s), mailto, fragments and relative paths, and
//     embedded PNG, JPEG, GIF or WebP images;
//   - style sheets that @import others, processing instructions other than the XML declaration
//     (xml-stylesheet), and DOCTYPEs that declare entities;
//   - anything that is not well-formed UTF-8 XML: a browser's parser and this one must see the
//     same document.

// svgRefusal is CheckSVG's verdict on a file's content, as opposed to a failure to read it: a
// validation error whose message is a catalogue key, so that it is said in the reader's language.
type svgRefusal struct{ why *apperr.Error }

func (r svgRefusal) Error() string { return r.why.Message }

// refuseSVG is the refusal of a file for what its message says, with the message's values.
func refuseSVG(e *apperr.Error) error {
	if e == nil {
		return nil
	}
	return svgRefusal{e}
}

// IsSVGRefusal reports whether err is CheckSVG refusing the content.
func IsSVGRefusal(err error) bool {
	return svgReason(err) != nil
}

// svgReason is the refusal in err as a validation error, or nil when err is not CheckSVG
// refusing the content.
func svgReason(err error) *apperr.Error {
	var r svgRefusal
	if errors.As(err, &r) {
		return r.why
	}
	return nil
}

// CheckSVG reads an SVG document to its end, or to its first problem, and returns nil when it
// may be stored or an error saying why not (IsSVGRefusal). An error reading r is returned as
// it is.
func CheckSVG(r io.Reader) error {
	src := &firstErr{r: r}
	d := xml.NewDecoder(src)
	d.Strict = true
	style := 0 // depth of <style> elements around the current token
	for {
		tok, err := d.Token()
		switch {
		case src.err != nil:
			return src.err
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			if se := (*xml.SyntaxError)(nil); errors.As(err, &se) {
				return refuseSVG(apperr.New(apperr.KindValidation, "the SVG is not well-formed UTF-8 XML: {problem} on line {line}",
					apperr.Params{"problem": se.Msg, "line": strconv.Itoa(se.Line)}))
			}
			return refuseSVG(apperr.New(apperr.KindValidation, "the SVG is not well-formed UTF-8 XML: {problem}", apperr.Params{"problem": err.Error()}))
		}
		var reason *apperr.Error
		switch t := tok.(type) {
		case xml.StartElement:
			reason = svgElement(t)
			if strings.EqualFold(t.Name.Local, "style") {
				style++
			}
		case xml.EndElement:
			if strings.EqualFold(t.Name.Local, "style") {
				style--
			}
		case xml.CharData:
			if style > 0 {
				reason = svgStyle(t)
			}
		case xml.ProcInst:
			if t.Target != "xml" {
				reason = apperr.New(apperr.KindValidation, "the SVG contains the processing instruction <?{target}?>", apperr.Params{"target": clip(t.Target)})
			} else if scriptURL(string(t.Inst)) {
				reason = apperr.New(apperr.KindValidation, "the SVG contains a javascript: address")
			}
		case xml.Directive:
			if bytes.Contains(t, []byte("[")) || bytes.Contains(bytes.ToUpper(t), []byte("ENTITY")) {
				reason = apperr.New(apperr.KindValidation, "the SVG declares entities in its DOCTYPE")
			}
		}
		if reason != nil {
			return refuseSVG(reason)
		}
	}
}

// firstErr remembers the first read error other than io.EOF.
type firstErr struct {
	r   io.Reader
	err error
}

func (e *firstErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && e.err == nil {
		e.err = err
	}
	return n, err
}

const xhtmlNS = "http://www.w3.org/1999/xhtml"

var svgForbiddenElements = map[string]bool{
	"script": true, "foreignobject": true, "iframe": true, "frame": true, "embed": true, "object": true,
	"applet": true, "handler": true, "listener": true,
}

// svgElement says why an element is refused, or nil.
func svgElement(t xml.StartElement) *apperr.Error {
	if svgForbiddenElements[strings.ToLower(t.Name.Local)] {
		return apperr.New(apperr.KindValidation, "the SVG contains a <{element}> element", apperr.Params{"element": clip(t.Name.Local)})
	}
	if t.Name.Space == xhtmlNS {
		return apperr.New(apperr.KindValidation, "the SVG contains HTML elements")
	}
	for _, a := range t.Attr {
		name := strings.ToLower(a.Name.Local)
		v := squeeze(a.Value)
		switch {
		case strings.HasPrefix(name, "on"):
			return apperr.New(apperr.KindValidation, "the SVG has an event-handler attribute ({attribute})", apperr.Params{"attribute": clip(a.Name.Local)})
		case name == "attributename" && animatesScript(v):
			return apperr.New(apperr.KindValidation, "the SVG animates an event handler or a link ({attribute})", apperr.Params{"attribute": clip(a.Value)})
		case scriptURL(v):
			return apperr.New(apperr.KindValidation, "the SVG contains a javascript: address (in {attribute})", apperr.Params{"attribute": clip(a.Name.Local)})
		case (name == "href" || name == "src") && !safeLink(v):
			return apperr.New(apperr.KindValidation, "the SVG links to an address that is not allowed (in {attribute})", apperr.Params{"attribute": clip(a.Name.Local)})
		}
	}
	return nil
}

// animatesScript reports whether an animation's attributeName names an event handler or a
// link, whatever its prefix.
func animatesScript(v string) bool {
	if _, local, ok := strings.Cut(v, ":"); ok {
		v = local
	}
	return strings.HasPrefix(v, "on") || v == "href" || v == "src"
}

// svgStyle says why a style sheet is refused, or nil.
func svgStyle(css []byte) *apperr.Error {
	v := squeeze(string(css))
	switch {
	case scriptURL(v):
		return apperr.New(apperr.KindValidation, "the SVG contains a javascript: address in a style sheet")
	case strings.Contains(v, "@import"):
		return apperr.New(apperr.KindValidation, "the SVG imports another style sheet")
	}
	return nil
}

// clip shortens a name from the file for a message.
func clip(s string) string {
	if len(s) <= 40 {
		return s
	}
	return strings.ToValidUTF8(s[:40], "") + "…"
}

// squeeze lower-cases s and removes white space and control characters, which browsers skip
// inside a URL's scheme ("java\tscript:").
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u200b' || r == '\ufeff' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// scriptURL reports whether a squeezed value holds a script address anywhere.
func scriptURL(v string) bool {
	return strings.Contains(v, "javascript:") || strings.Contains(v, "vbscript:")
}

var (
	schemeRE    = regexp.MustCompile(`^[a-z][a-z0-9+.-]*:`)
	rasterURIRE = regexp.MustCompile(`^data:image/(png|jpeg|gif|webp)[;,]`)
)

// safeLink reports whether a squeezed href or src may stay: a fragment, a relative path, an
// http(s) or mailto address, or an embedded raster image.
func safeLink(v string) bool {
	scheme := schemeRE.FindString(v)
	switch scheme {
	case "", "http:", "https:", "mailto:":
		return true
	case "data:":
		return rasterURIRE.MatchString(v)
	}
	return false
}
