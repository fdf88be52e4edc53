package media

import (
	"bytes"
	"strings"
)

// Allowed media types, recognised by their first bytes rather than by what a client claims.
const (
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeGIF  = "image/gif"
	TypeWebP = "image/webp"
	TypeSVG  = "image/svg+xml"
	TypePDF  = "application/pdf"
	TypeMP4  = "video/mp4"
	TypeWebM = "video/webm"
	TypeMP3  = "audio/mpeg"
	TypeM4A  = "audio/mp4"
	TypeOGG  = "audio/ogg"
	TypeVTT  = "text/vtt"
)

// SniffLen is how many leading bytes Sniff needs.
const SniffLen = 512

// Allowed reports whether data, a whole file, is of an allowed type and, when it is SVG,
// passes CheckSVG. The importer checks every asset with it before storing any.
func Allowed(data []byte) bool {
	ct := Sniff(data[:min(len(data), SniffLen)])
	return ct != "" && (ct != TypeSVG || CheckSVG(bytes.NewReader(data)) == nil)
}

// Sniff returns the media type of content from its first bytes, or "" when it is none of the
// allowed types. SVG is recognised as XML text whose root element is svg.
func Sniff(head []byte) string {
	h := head
	switch {
	case bytes.HasPrefix(h, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG
	case bytes.HasPrefix(h, []byte("\xff\xd8\xff")):
		return TypeJPEG
	case bytes.HasPrefix(h, []byte("GIF87a")), bytes.HasPrefix(h, []byte("GIF89a")):
		return TypeGIF
	case len(h) >= 12 && bytes.Equal(h[:4], []byte("RIFF")) && bytes.Equal(h[8:12], []byte("WEBP")):
		return TypeWebP
	case bytes.HasPrefix(h, []byte("%PDF-")):
		return TypePDF
	case len(h) >= 12 && bytes.Equal(h[4:8], []byte("ftyp")):
		brand := string(h[8:12])
		if brand == "M4A " || brand == "M4B " {
			return TypeM4A
		}
		return TypeMP4
	case bytes.HasPrefix(h, []byte("\x1a\x45\xdf\xa3")):
		return TypeWebM
	case bytes.HasPrefix(h, []byte("ID3")), len(h) >= 2 && h[0] == 0xff && (h[1]&0xe0) == 0xe0 && (h[1]&0x06) != 0:
		return TypeMP3
	case bytes.HasPrefix(h, []byte("OggS")):
		return TypeOGG
	}
	text := bytes.TrimPrefix(h, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(text, []byte("WEBVTT")) && (len(text) == 6 || text[6] == ' ' || text[6] == '\t' || text[6] == '\n' || text[6] == '\r') {
		return TypeVTT
	}
	if isSVG(text) {
		return TypeSVG
	}
	return ""
}

// isSVG reports whether text starts, after an optional XML declaration, comments and a
// doctype, with an <svg element.
func isSVG(text []byte) bool {
	s := strings.TrimSpace(string(text))
	for i := 0; i < 8; i++ {
		switch {
		case strings.HasPrefix(s, "<?xml"):
			end := strings.Index(s, "?>")
			if end < 0 {
				return false
			}
			s = strings.TrimSpace(s[end+2:])
		case strings.HasPrefix(s, "<!--"):
			end := strings.Index(s, "-->")
			if end < 0 {
				return false
			}
			s = strings.TrimSpace(s[end+3:])
		case strings.HasPrefix(s, "<!DOCTYPE"):
			end := strings.Index(s, ">")
			if end < 0 {
				return false
			}
			s = strings.TrimSpace(s[end+1:])
		default:
			return strings.HasPrefix(s, "<svg") && len(s) > 4 && (s[4] == ' ' || s[4] == '>' || s[4] == '\n' || s[4] == '\t' || s[4] == '\r')
		}
	}
	return false
}
