package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/web"
)

// authoringFiles are the shipped course's package files read from the repository:
// courses/digiohjaus/… and the files under assets/ that it uses.
func authoringFiles(t *testing.T) map[string][]byte {
	t.Helper()
	root := os.DirFS("../..")
	files := map[string][]byte{}
	err := fs.WalkDir(root, "courses/"+shipped, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files[name], err = fs.ReadFile(root, name)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	co, ps := course.Load(root, "courses/"+shipped)
	if err := ps.Err(); err != nil {
		t.Fatal(err)
	}
	for name := range course.PackageAssets(co) {
		if files[name], err = fs.ReadFile(root, name); err != nil {
			t.Fatal(err)
		}
	}
	return files
}

// authoringZip packs files into a zip; a name ending in "@symlink" becomes a symbolic link.
func authoringZip(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		if n, ok := strings.CutSuffix(name, "@symlink"); ok {
			h.Name = n
			h.SetMode(fs.ModeSymlink | 0o777)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload opens the upload form (for its token) and sends a package as the browser does.
func (b *browser) upload(data []byte) response {
	b.t.Helper()
	r := b.get("/authoring/upload")
	if r.status != http.StatusOK {
		b.t.Fatalf("upload form: status %d", r.status)
	}
	return b.postMultipart("/authoring/upload", nil, "package", "kurssi.zip", data)
}

func authoringStatus(t *testing.T, what string, r response, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%s: status %d, want %d\n%.4000s", what, r.status, want, r.body)
	}
}

func authoringSays(t *testing.T, what string, r response, words ...string) {
	t.Helper()
	page := r.body
	if r.doc != nil {
		page = text(r.doc)
	}
	for _, w := range words {
		if !strings.Contains(page, w) {
			t.Errorf("%s: the page does not say %q\n%.4000s", what, w, page)
		}
	}
}

// noCourse fails unless the shipped course was never stored.
func noCourse(t *testing.T, e *env, what string) {
	t.Helper()
	_, err := e.a.Courses.GetDraft(context.Background(), e.principal("admin"), shipped)
	if !errors.Is(err, course.ErrCourseNotFound) {
		t.Fatalf("%s: something was stored (GetDraft: %v)", what, err)
	}
}

// anotherTrainer adds a trainer who is on no course's team.
func anotherTrainer(t *testing.T, e *env, key string) {
	t.Helper()
	u, _, err := e.a.AddUser(context.Background(), auth.NewUser{Email: key + "@example.fi", Name: "Toinen Kouluttaja", Roles: []auth.Role{auth.RoleTrainer},
		Password: testPassword, Locale: "fi"})
	if err != nil {
		t.Fatal(err)
	}
	e.users[key] = u
}

// TestAuthoringUploadPublishAndRoundTrip: a trainer uploads the shipped course as a package,
// sees it in her list, previews a draft lesson, publishes it after the confirmation, downloads
// the draft as a package and uploads it again, which leaves the draft as it was; a new package
// that drops lessons lists them on the confirmation.
func TestAuthoringUploadPublishAndRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.signedIn(t, "trainer")

	r := b.get("/authoring")
	authoringStatus(t, "empty list", r, http.StatusOK)
	mustBeWellFormed(t, "empty list", r)
	r = b.get("/authoring/upload")
	mustBeWellFormed(t, "upload form", r)
	if n := find(r.doc, byID("f-package")); len(n) != 1 || attr(n[0], "type") != "file" {
		t.Fatal("the upload form has no file input f-package")
	}

	files := authoringFiles(t)
	r = b.upload(authoringZip(t, files))
	authoringStatus(t, "upload", r, http.StatusSeeOther)
	if r.location != "/authoring/"+shipped {
		t.Fatalf("upload went to %q", r.location)
	}
	draft, err := e.a.Courses.GetDraft(ctx, e.principal("trainer"), shipped)
	if err != nil {
		t.Fatal(err)
	}
	team, _ := e.a.CourseTeam(ctx, e.principal("trainer"), shipped)
	if len(team.Owners) != 1 || team.Owners[0] != e.users["trainer"].ID {
		t.Errorf("the uploaded course's owners are %v, want the trainer", team.Owners)
	}

	r = b.get(r.location)
	authoringStatus(t, "course page", r, http.StatusOK)
	mustBeWellFormed(t, "course page", r)
	authoringSays(t, "course page", r, "Kurssipaketti tarkistettiin ja tallennettiin luonnokseksi.", "Luonnos", "Ei vielä julkaistu")
	r = b.get("/authoring")
	mustBeWellFormed(t, "list", r)
	authoringSays(t, "list", r, draft.Course.Title["fi"], "Luonnos", "Omistaja")

	// Preview a draft lesson: the lesson page's blocks, under the draft banner.
	lesson := draft.Course.Modules[3].Lessons[0] // dialoginen-kartoitus, with a diagram
	r = b.get("/authoring/" + shipped + "/draft/lessons/" + lesson.ID)
	authoringStatus(t, "preview", r, http.StatusOK)
	mustBeWellFormed(t, "preview", r)
	authoringSays(t, "preview", r, "Luonnos – esikatselu.", lesson.Title["fi"])
	if imgs := find(r.doc, byTag("img")); len(imgs) == 0 || !strings.HasPrefix(attr(imgs[0], "src"), "/media/") || attr(imgs[0], "alt") == "" {
		t.Errorf("the preview shows no diagram with alt text through /media/")
	} else if m := b.get(attr(imgs[0], "src")); m.status != http.StatusOK && m.status != http.StatusFound && m.status != http.StatusSeeOther {
		t.Errorf("the preview's image answers %d", m.status)
	}
	if len(find(r.doc, func(n *html.Node) bool { return attr(n, "class") == "content" })) != 1 {
		t.Error("the preview has no lesson content")
	}
	r = b.get("/authoring/" + shipped + "/draft/lessons/no-such-lesson")
	authoringStatus(t, "preview of no lesson", r, http.StatusNotFound)
	mustBeWellFormed(t, "preview of no lesson", r)

	// Publish: the confirmation, then the post without and with the box ticked.
	r = b.get("/authoring/" + shipped + "/publish")
	authoringStatus(t, "publish confirmation", r, http.StatusOK)
	mustBeWellFormed(t, "publish confirmation", r)
	authoringSays(t, "publish confirmation", r, "ensimmäinen versio")
	r = b.post("/authoring/"+shipped+"/publish", nil)
	authoringStatus(t, "publish unconfirmed", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "publish unconfirmed", r)
	if _, err := e.a.Courses.Current(ctx, e.principal("trainer"), shipped); err == nil {
		t.Fatal("published without the confirmation")
	}
	r = b.post("/authoring/"+shipped+"/publish", url.Values{"confirm": {"yes"}})
	authoringStatus(t, "publish", r, http.StatusSeeOther)
	pub, err := e.a.Courses.Current(ctx, e.principal("trainer"), shipped)
	if err != nil || pub.Version != 1 {
		t.Fatalf("published version %d, %v", pub.Version, err)
	}
	r = b.get(r.location)
	mustBeWellFormed(t, "course page after publishing", r)
	authoringSays(t, "course page after publishing", r, "Versio 1", "käytössä nyt", "Julkaistu")

	// Round trip: download the draft, upload it again: the same draft, not even a new revision.
	r = b.get("/authoring/" + shipped + "/package.zip")
	authoringStatus(t, "download", r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/zip" || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %s, %s", ct, r.header.Get("Content-Disposition"))
	}
	downloaded := []byte(r.body)
	zr, err := zip.NewReader(bytes.NewReader(downloaded), int64(len(downloaded)))
	if err != nil {
		t.Fatal(err)
	}
	hasAsset := false
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "courses/"+shipped+"/") && !strings.HasPrefix(f.Name, "assets/") {
			t.Errorf("the package has %s outside courses/ and assets/", f.Name)
		}
		hasAsset = hasAsset || strings.HasPrefix(f.Name, "assets/")
	}
	if !hasAsset {
		t.Error("the package has none of the course's assets")
	}
	r = b.upload(downloaded)
	authoringStatus(t, "upload the download", r, http.StatusSeeOther)
	again, err := e.a.Courses.GetDraft(ctx, e.principal("trainer"), shipped)
	if err != nil {
		t.Fatal(err)
	}
	if again.Hash != draft.Hash || again.Revision != draft.Revision {
		t.Fatalf("the round trip changed the draft: revision %d → %d, hash %s → %s", draft.Revision, again.Revision, draft.Hash[:8], again.Hash[:8])
	}
	r = b.post("/authoring/"+shipped+"/publish", url.Values{"confirm": {"yes"}})
	authoringStatus(t, "publish the same", r, http.StatusSeeOther)
	authoringSays(t, "publish the same", b.get(r.location), "Luonnos on sama kuin julkaistu versio")

	// A package without two lessons: the confirmation lists both.
	dropped := []course.Lesson{draft.Course.Modules[0].Lessons[1], draft.Course.Modules[2].Lessons[2]}
	smaller := map[string][]byte{}
	for name, data := range files {
		if strings.Contains(name, "/02-digisyrjaytyminen.") || strings.Contains(name, "/03-jumikohdat.") {
			continue
		}
		smaller[name] = data
	}
	r = b.upload(authoringZip(t, smaller))
	authoringStatus(t, "upload a smaller course", r, http.StatusSeeOther)
	r = b.get("/authoring/" + shipped + "/publish")
	mustBeWellFormed(t, "confirmation with dropped lessons", r)
	list := find(r.doc, byID("dropped-lessons"))
	if len(list) != 1 {
		t.Fatalf("the confirmation lists no dropped lessons\n%s", text(r.doc))
	}
	for _, l := range dropped {
		if !strings.Contains(text(list[0]), l.Title["fi"]) {
			t.Errorf("the confirmation does not list %q: %s", l.Title["fi"], text(list[0]))
		}
	}
	if n := len(find(list[0], byTag("li"))); n != len(dropped) {
		t.Errorf("%d lessons listed, want %d", n, len(dropped))
	}

	// Archive and restore, each after its confirmation.
	r = b.get("/authoring/" + shipped + "/archive")
	mustBeWellFormed(t, "archive confirmation", r)
	r = b.post("/authoring/"+shipped+"/archive", nil)
	authoringStatus(t, "archive", r, http.StatusSeeOther)
	authoringSays(t, "archived", b.get("/authoring"), "Arkistoitu")
	r = b.get("/authoring/" + shipped + "/archive")
	mustBeWellFormed(t, "restore confirmation", r)
	r = b.post("/authoring/"+shipped+"/archive", url.Values{"restore": {"yes"}})
	authoringStatus(t, "restore", r, http.StatusSeeOther)
	authoringSays(t, "restored", b.get("/authoring"), "Julkaistu")
}

// TestAuthoringPackageProblems: a package with problems lists each by file, line and message
// and stores nothing; packages refused as a whole say why and store nothing either.
func TestAuthoringPackageProblems(t *testing.T) {
	e := newEnv(t)
	b := e.signedIn(t, "trainer")
	files := authoringFiles(t)

	broken := map[string][]byte{}
	for k, v := range files {
		broken[k] = v
	}
	lessonFile := "courses/" + shipped + "/modules/01-digitalisaatio/01-digi-arjessa.fi.md"
	broken[lessonFile] = bytes.Replace(files[lessonFile], []byte("duration_minutes: 15"), []byte("duration_minutes: viisitoista"), 1)
	r := b.upload(authoringZip(t, broken))
	authoringStatus(t, "package with a problem", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "package with a problem", r)
	authoringSays(t, "package with a problem", r, "Mitään ei tallennettu")
	var row []string
	for _, tr := range find(r.doc, byTag("tr")) {
		if strings.Contains(text(tr), lessonFile) {
			for _, td := range find(tr, byTag("td")) {
				row = append(row, text(td))
			}
		}
	}
	if len(row) != 4 || row[0] != lessonFile || row[1] != "3" || row[2] != "Virhe" || !strings.Contains(row[3], "duration_minutes") {
		t.Errorf("the problems table has no row for %s, line 3, an error naming duration_minutes: %q", lessonFile, row)
	}
	if len(find(r.doc, byID("error-summary"))) != 1 {
		t.Error("no error summary")
	}
	noCourse(t, e, "package with a problem")

	restore := web.SetMaxPackageBytes(1 << 20)
	big := map[string][]byte{}
	for k, v := range files {
		big[k] = v
	}
	noise := make([]byte, 2<<20)
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(rnd.Uint32())
	}
	big["assets/"+shipped+"/iso.bin"] = noise
	bigZip := authoringZip(t, big)
	if len(bigZip) <= 1<<20 {
		t.Fatal("the oversize package is not over 1 MB")
	}
	r = b.upload(bigZip)
	restore()
	if r.status == http.StatusRequestEntityTooLarge && (r.doc == nil || len(find(r.doc, byID("f-package"))) == 0) {
		t.Fatal("the API's body limit refused the package before the page read it")
	}
	authoringStatus(t, "oversize package", r, http.StatusRequestEntityTooLarge)
	mustBeWellFormed(t, "oversize package", r)
	authoringSays(t, "oversize package", r, "Kurssipaketti on liian suuri")
	noCourse(t, e, "oversize package")

	// Under the package limit, a package larger than the API's body limit (1 MB here) is read
	// whole: the file it carries and the course does not use is left out.
	r = b.upload(bigZip)
	authoringStatus(t, "a package over the API's body limit", r, http.StatusSeeOther)
	e2 := newEnv(t) // a fresh one: the refusals below must store nothing

	e, b = e2, e2.signedIn(t, "trainer")

	for _, tc := range []struct {
		name  string
		data  []byte
		words string
	}{
		{"not a zip", []byte("tämä ei ole zip-tiedosto"), "Tiedosto ei ole zip-tiedosto"},
		{"zip slip", authoringZip(t, with(files, "courses/"+shipped+"/../../../../etc/cron.d/x", "* * * * * root true")), "osoittaa paketin ulkopuolelle"},
		{"absolute path", authoringZip(t, with(files, "/etc/passwd", "x")), "osoittaa paketin ulkopuolelle"},
		{"symlink", authoringZip(t, with(files, "assets/"+shipped+"/linkki.svg@symlink", "/etc/passwd")), "symbolinen linkki"},
		{"no course", authoringZip(t, map[string][]byte{"assets/a.svg": []byte("<svg/>")}), "ei löytynyt kurssia"},
		{"no file", nil, "Valitse lähetettävä kurssipaketti"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r response
			if tc.data == nil {
				b.get("/authoring/upload")
				r = b.postMultipart("/authoring/upload", nil, "", "", nil)
			} else {
				r = b.upload(tc.data)
			}
			if r.status < 400 || r.status >= 500 {
				t.Fatalf("status %d\n%.3000s", r.status, r.body)
			}
			mustBeWellFormed(t, tc.name, r)
			authoringSays(t, tc.name, r, tc.words)
			if len(find(r.doc, byID("f-package"))) != 1 {
				t.Error("the refusal does not show the form again")
			}
			noCourse(t, e, tc.name)
		})
	}
}

func with(files map[string][]byte, name, data string) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range files {
		out[k] = v
	}
	out[name] = []byte(data)
	return out
}

// TestAuthoringTeam: another trainer's package for the course is refused and stores nothing;
// she does not reach its pages; once its owner adds her as an editor she uploads; learners and
// strangers are refused; posts without the token are refused.
func TestAuthoringTeam(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	anotherTrainer(t, e, "trainer2")
	owner := e.signedIn(t, "trainer")
	files := authoringFiles(t)
	authoringStatus(t, "owner uploads", owner.upload(authoringZip(t, files)), http.StatusSeeOther)
	before, _ := e.a.Courses.GetDraft(ctx, e.principal("trainer"), shipped)

	other := e.signedIn(t, "trainer2")
	changed := with(files, "courses/"+shipped+"/course.yaml", strings.Replace(string(files["courses/"+shipped+"/course.yaml"]), "Digiohjaus", "Kaapattu", 1))
	r := other.upload(authoringZip(t, changed))
	authoringStatus(t, "another trainer's package", r, http.StatusForbidden)
	mustBeWellFormed(t, "another trainer's package", r)
	authoringSays(t, "another trainer's package", r, "etkä ole sen omistaja tai muokkaaja", "Mitään ei tallennettu")
	after, _ := e.a.Courses.GetDraft(ctx, e.principal("trainer"), shipped)
	if after.Hash != before.Hash || after.Revision != before.Revision {
		t.Fatal("another trainer's package changed the draft")
	}
	for _, p := range []string{"/authoring/" + shipped, "/authoring/" + shipped + "/draft/lessons/digi-arjessa", "/authoring/" + shipped + "/publish", "/authoring/" + shipped + "/package.zip"} {
		r := other.get(p)
		authoringStatus(t, "stranger "+p, r, http.StatusForbidden)
		mustBeWellFormed(t, "stranger "+p, r)
	}
	r = other.get("/authoring")
	if strings.Contains(r.body, "/authoring/"+shipped+`"`) {
		t.Error("another trainer's list shows the course")
	}
	r = other.post("/authoring/"+shipped+"/publish", url.Values{"confirm": {"yes"}})
	authoringStatus(t, "stranger publishes", r, http.StatusForbidden)
	r = other.get("/authoring/" + shipped + "/team")
	authoringStatus(t, "stranger's team page", r, http.StatusForbidden)

	// The owner's team page: an unknown address is an error with the value kept.
	r = owner.get("/authoring/" + shipped + "/team")
	authoringStatus(t, "team page", r, http.StatusOK)
	mustBeWellFormed(t, "team page", r)
	r = owner.post("/authoring/"+shipped+"/team", url.Values{"email": {"ei-ketaan@example.fi"}})
	authoringStatus(t, "unknown editor", r, http.StatusUnprocessableEntity)
	mustBeWellFormed(t, "unknown editor", r)
	if in := find(r.doc, byID("f-email")); len(in) != 1 || attr(in[0], "value") != "ei-ketaan@example.fi" || attr(in[0], "aria-invalid") != "true" {
		t.Error("the address is not kept and marked")
	}
	r = owner.post("/authoring/"+shipped+"/team", url.Values{"email": {"learner@example.fi"}})
	authoringStatus(t, "a learner as editor", r, http.StatusUnprocessableEntity)
	r = owner.post("/authoring/"+shipped+"/team", url.Values{"email": {"Trainer2@example.fi"}})
	authoringStatus(t, "add editor", r, http.StatusSeeOther)
	r = owner.get(r.location)
	authoringSays(t, "team after adding", r, "Muokkaaja lisättiin.", "trainer2@example.fi", "Muokkaaja")

	// Now she edits: her package is stored.
	authoringStatus(t, "editor uploads", other.upload(authoringZip(t, changed)), http.StatusSeeOther)
	after, _ = e.a.Courses.GetDraft(ctx, e.principal("trainer"), shipped)
	if after.Course.Title["fi"] == before.Course.Title["fi"] {
		t.Fatal("the editor's package was not stored")
	}
	r = other.get("/authoring/" + shipped + "/team")
	mustBeWellFormed(t, "editor's team page", r)
	authoringSays(t, "editor's team page", r, "Vain kurssin omistajat")
	r = other.post("/authoring/"+shipped+"/team", url.Values{"email": {"admin@example.fi"}})
	authoringStatus(t, "an editor adds an editor", r, http.StatusForbidden)

	// The owner removes her again.
	owner.get("/authoring/" + shipped + "/team")
	r = owner.post("/authoring/"+shipped+"/team/remove", url.Values{"user": {e.users["trainer2"].ID}})
	authoringStatus(t, "remove editor", r, http.StatusSeeOther)
	authoringStatus(t, "removed editor", other.get("/authoring/"+shipped), http.StatusForbidden)

	// A learner gets a refusal in words with a way home; no session is sent to sign in.
	learner := e.signedIn(t, "learner")
	for _, p := range []string{"/authoring", "/authoring/upload", "/authoring/" + shipped, "/authoring/" + shipped + "/package.zip"} {
		r := learner.get(p)
		authoringStatus(t, "learner "+p, r, http.StatusForbidden)
		mustBeWellFormed(t, "learner "+p, r)
	}
	r = learner.upload2(authoringZip(t, files))
	authoringStatus(t, "learner uploads", r, http.StatusForbidden)
	anon := e.browser(t)
	r = anon.get("/authoring/" + shipped)
	authoringStatus(t, "no session", r, http.StatusSeeOther)
	if !strings.HasPrefix(r.location, "/sign-in?next=") {
		t.Errorf("no session went to %q", r.location)
	}

	// Posts without the token.
	r = owner.postRaw("/authoring/"+shipped+"/publish", url.Values{"confirm": {"yes"}})
	authoringStatus(t, "publish without token", r, http.StatusForbidden)
	r = owner.postMultipart("/authoring/upload", url.Values{"csrf": {"väärä"}}, "package", "kurssi.zip", authoringZip(t, changed))
	authoringStatus(t, "upload without token", r, http.StatusForbidden)
	// A refused upload ends its connection: the rest of its body is never read as a request.
	req := httptest.NewRequest(http.MethodPost, "/authoring/upload", strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nväärä\r\n--x--\r\n"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	res, err := e.fiber.Test(req, 30_000)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || !res.Close {
		t.Errorf("a refused upload: status %d, connection closed %v", res.StatusCode, res.Close)
	}
	r = owner.postRaw("/authoring/"+shipped+"/team", url.Values{"email": {"trainer2@example.fi"}})
	authoringStatus(t, "team without token", r, http.StatusForbidden)
}

// upload2 posts a package from whatever page the browser is on (a learner has no form).
func (b *browser) upload2(data []byte) response {
	b.t.Helper()
	b.get("/")
	return b.postMultipart("/authoring/upload", nil, "package", "kurssi.zip", data)
}

// TestAuthoringUploadPathIsTheAPIs keeps the web app's upload where the API's bodyLimit lets
// its body stream.
func TestAuthoringUploadPathIsTheAPIs(t *testing.T) {
	if httpapi.PackageUploadPath != "/authoring/upload" {
		t.Fatalf("httpapi.PackageUploadPath is %q", httpapi.PackageUploadPath)
	}
}
