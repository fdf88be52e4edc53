package media_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/taito-lms/taito/internal/media"
)

const svgOpen = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">`

// longComment pushes what follows it past any fixed-size head a check might read.
var longComment = "<!--" + strings.Repeat("x", 70<<10) + "-->"

// svgPayloads are fragments that would run script (or load another document) wherever they
// stand in an SVG's content.
var svgPayloads = []string{
	`<script>alert(1)</script>`,
	`<a xlink:href="javascript&#58;alert(1)"><text>x</text></a>`,
	`<rect width="1" height="1"><set attributeName="onmouseover" to="alert(1)"/></rect>`,
	`<animate attributeName="xlink:href" values="javascript:alert(1)"/>`,
	`<g onload="alert(1)"/>`,
	`<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>`,
	`<a href="&#x6A;ava&#x09;script:alert(1)"/>`,
	`<use href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/>`,
	`<style>@import url(https://example.com/x.css);</style>`,
}

func TestSVGThatCouldRunScriptIsRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		svg  string
		want string // part of the refusal; "" when the SVG is fine
	}{
		{"plain drawing", svgOpen + `<title>Kaavio</title><rect width="10" height="10" fill="url(#g)"/></svg>`, ""},
		{"declaration, doctype and comment", `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">` + "\n<!-- made by hand -->\n" +
			svgOpen + `<style>.a{fill:red}</style><rect class="a" width="1" height="1"/></svg>`, ""},
		{"links and embedded raster image", svgOpen + `<a href="https://suomi.fi/"><text>Suomi.fi</text></a><use xlink:href="#a"/>` +
			`<image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/></svg>`, ""},
		{"a long comment before the drawing", svgOpen + longComment + `<rect width="1" height="1"/></svg>`, ""},
		{"opacity and offset are not handlers", svgOpen + `<stop offset="0" opacity="1"/></svg>`, ""},

		// The three bypasses of issue 15.
		{"script after 64 KiB of comment", svgOpen + longComment + `<script>alert(1)</script></svg>`, "<script>"},
		{"javascript: behind a character reference", svgOpen + `<a xlink:href="javascript&#58;alert(1)"><text>x</text></a></svg>`, "javascript:"},
		{"set on an event attribute", svgOpen + `<rect width="1" height="1"><set attributeName="onmouseover" to="alert(1)"/></rect></svg>`, "animates an event handler"},

		{"script in another namespace prefix", svgOpen + `<svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(1)</svg:script></svg>`, "<script>"},
		{"event handler in capitals", svgOpen + `<rect ONCLICK="alert(1)"/></svg>`, "event-handler attribute"},
		{"javascript: split by a tab and hex references", svgOpen + `<a href="&#x6A;ava&#x09;script:alert(1)"/></svg>`, "javascript:"},
		{"animate a link", svgOpen + `<a><animate attributeName="xlink:href" values="https://a;javascript:alert(1)"/></a></svg>`, "animates an event handler or a link"},
		{"foreignObject", svgOpen + `<foreignObject><p>x</p></foreignObject></svg>`, "<foreignObject>"},
		{"HTML element", svgOpen + `<h:img xmlns:h="http://www.w3.org/1999/xhtml" src="x"/></svg>`, "HTML elements"},
		{"javascript: in a style sheet", svgOpen + `<style>rect{background:url(javascript:alert(1))}</style></svg>`, "javascript:"},
		{"imported style sheet", svgOpen + `<style>@import url(https://example.com/x.css);</style></svg>`, "imports another style sheet"},
		{"SVG inside a data: link", svgOpen + `<use href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="/></svg>`, "not allowed"},
		{"xml-stylesheet", `<?xml-stylesheet href="x.xsl" type="text/xsl"?>` + svgOpen + `</svg>`, "processing instruction"},
		{"entity declarations", `<!DOCTYPE svg [<!ENTITY e "javascript:alert(1)">]>` + svgOpen + `<a href="&e;"/></svg>`, "entities"},
		{"unknown entity", svgOpen + `<a href="javascript&colon;alert(1)"/></svg>`, "not well-formed"},
		{"not UTF-8", svgOpen + "<text>\xff</text></svg>", "not well-formed"},
		{"script after the root element", svgOpen + `</svg><script>alert(1)</script>`, "<script>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := media.CheckSVG(strings.NewReader(tc.svg))
			refused := tc.want != ""
			switch {
			case !refused && err != nil:
				t.Fatalf("refused a harmless SVG: %v", err)
			case refused && err == nil:
				t.Fatal("accepted")
			case refused && (!media.IsSVGRefusal(err) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("refused with %v, want a refusal saying %q", err, tc.want)
			}
			// The importer's check is the same.
			if got := media.Allowed([]byte(tc.svg)); got == refused {
				t.Errorf("media.Allowed = %v, want %v", got, !refused)
			}
		})
	}
}

func TestSVGReadErrorIsNotARefusal(t *testing.T) {
	t.Parallel()
	broken := errors.New("connection reset")
	err := media.CheckSVG(&failingAfter{r: strings.NewReader(svgOpen + longComment), err: broken})
	if !errors.Is(err, broken) || media.IsSVGRefusal(err) {
		t.Fatalf("err = %v, want the read error itself", err)
	}
}

// failingAfter reads r and then fails with err, as a dropped S3 connection does.
type failingAfter struct {
	r   *strings.Reader
	err error
}

func (b *failingAfter) Read(p []byte) (int, error) {
	if b.r.Len() == 0 {
		return 0, b.err
	}
	return b.r.Read(p)
}

// FuzzCheckSVG: the check never fails for another reason than the content, gives the same
// verdict however the bytes arrive, and refuses every payload placed in the content of an SVG it
// accepted, after whatever that SVG holds.
func FuzzCheckSVG(f *testing.F) {
	for _, seed := range []string{
		svgOpen + `</svg>`,
		svgOpen + longComment + `<script>alert(1)</script></svg>`,
		svgOpen + `<a xlink:href="javascript&#58;alert(1)"><text>x</text></a></svg>`,
		svgOpen + `<rect><set attributeName="onmouseover" to="alert(1)"/></rect></svg>`,
		`<?xml version="1.0"?><!-- c --><svg><g><![CDATA[<script>]]></g></svg>`,
		`<svg><style><![CDATA[a{}]]></style><!-- </svg> --></svg>`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := media.CheckSVG(bytes.NewReader(data))
		if err != nil && !media.IsSVGRefusal(err) {
			t.Fatalf("in-memory SVG: %v, want nil or a refusal", err)
		}
		if again := media.CheckSVG(iotest.OneByteReader(bytes.NewReader(data))); (again == nil) != (err == nil) {
			t.Fatalf("read whole: %v; read a byte at a time: %v", err, again)
		}
		body := bytes.TrimSpace(data)
		if err != nil || !bytes.HasSuffix(body, []byte("</svg>")) {
			return
		}
		head := body[:len(body)-len("</svg>")]
		for _, p := range svgPayloads {
			doc := append(append(append([]byte{}, head...), p...), "</svg>"...)
			if media.CheckSVG(bytes.NewReader(doc)) == nil {
				t.Fatalf("accepted %q", doc)
			}
		}
	})
}
