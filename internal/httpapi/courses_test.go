package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
)

func TestCourseAuthoringAndPublishing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	trainer, learner := e.token(t, "trainer"), e.token(t, "learner")
	resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/courses", token: trainer, body: `{"slug":"uusi-kurssi","title":{"fi":"Uusi kurssi","en":"New course"}}`})
	if resp.StatusCode != 201 || resp.Header.Get("ETag") == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	etag := resp.Header.Get("ETag")
	// The trainer has uploaded the course's image; the outline refers to it by media id.
	co, fsys := fixture(t)
	if _, _, err := e.media.PutAsset(context.Background(), "kuva.svg", fsys["assets/kokeilu/kuva.svg"].Data, e.users["trainer"].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := app.CheckCourse(co, fsys, nil); err != nil {
		t.Fatal(err)
	}
	co.Slug = "uusi-kurssi"
	outline, _ := json.Marshal(co)

	run(t, e.app, []scenario{
		{name: "learner creates", method: "POST", path: "/api/v1/courses", token: learner, body: `{"slug":"oma","title":{"fi":"Oma"}}`, status: 403},
		{name: "duplicate slug", method: "POST", path: "/api/v1/courses", token: trainer, body: `{"slug":"uusi-kurssi","title":{"fi":"X"}}`, status: 409},
		{name: "bad slug and title", method: "POST", path: "/api/v1/courses", token: trainer, body: `{"slug":"../etc","title":{"de":"X"}}`, status: 422, want: []string{`"field":"slug"`, `"field":"title.fi"`, `"field":"title.de"`}},
		{name: "unknown field", method: "POST", path: "/api/v1/courses", token: trainer, body: `{"slug":"abc","title":{"fi":"X"},"owner":"me"}`, status: 422},
		{name: "learner reads draft", method: "GET", path: "/api/v1/courses/uusi-kurssi/draft", token: learner, status: 403},
		{name: "unknown draft", method: "GET", path: "/api/v1/courses/ei-ole/draft", token: trainer, status: 404},
		{name: "empty draft has problems", method: "GET", path: "/api/v1/courses/uusi-kurssi/draft", token: trainer, status: 200, want: []string{"a course needs at least one module"}},
		{name: "not yet published", method: "GET", path: "/api/v1/courses/uusi-kurssi", token: learner, status: 404},
		{name: "publishing an invalid draft", method: "POST", path: "/api/v1/courses/uusi-kurssi/publish", token: trainer, status: 422, want: []string{"at least one module"}},
		{name: "save without If-Match", method: "PUT", path: "/api/v1/courses/uusi-kurssi/draft", token: trainer, body: string(outline), status: 412, want: []string{"If-Match"}},
		{name: "save with a stale ETag", method: "PUT", path: "/api/v1/courses/uusi-kurssi/draft", token: trainer, body: string(outline), headers: map[string]string{"If-Match": `"r0-000000000000"`}, status: 412},
		{name: "learner saves", method: "PUT", path: "/api/v1/courses/uusi-kurssi/draft", token: learner, body: string(outline), headers: map[string]string{"If-Match": etag}, status: 403},
		{name: "outline of another course", method: "PUT", path: "/api/v1/courses/uusi-kurssi/draft", token: trainer, body: strings.Replace(string(outline), `"slug":"uusi-kurssi"`, `"slug":"muu"`, 1), headers: map[string]string{"If-Match": etag}, status: 422},
		{name: "outline with an unknown field", method: "PUT", path: "/api/v1/courses/uusi-kurssi/draft", token: trainer, body: strings.Replace(string(outline), `"access":`, `"colour":"red","access":`, 1), headers: map[string]string{"If-Match": etag}, status: 422, want: []string{`"field":"colour"`}},
	})

	resp, body = do(t, e.app, scenario{method: "PUT", path: "/api/v1/courses/uusi-kurssi/draft", token: trainer, body: string(outline), headers: map[string]string{"If-Match": etag}})
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == etag {
		t.Fatalf("save: %d %s", resp.StatusCode, body)
	}
	newTag := resp.Header.Get("ETag")
	run(t, e.app, []scenario{
		{name: "the old ETag is stale now", method: "PUT", path: "/api/v1/courses/uusi-kurssi/draft", token: trainer, body: string(outline), headers: map[string]string{"If-Match": etag}, status: 412},
		{name: "preview a draft lesson", method: "GET", path: "/api/v1/courses/uusi-kurssi/draft/lessons/tervetuloa?locale=en", token: trainer, status: 200, want: []string{`"version":0`, `"title":"Welcome"`}},
		{name: "learner previews", method: "GET", path: "/api/v1/courses/uusi-kurssi/draft/lessons/tervetuloa", token: learner, status: 403},
		{name: "publish", method: "POST", path: "/api/v1/courses/uusi-kurssi/publish", token: trainer, status: 201, want: []string{`"version":1`, `"removed_lessons":[]`}},
		{name: "publish unchanged", method: "POST", path: "/api/v1/courses/uusi-kurssi/publish", token: trainer, status: 409},
		{name: "learner publishes", method: "POST", path: "/api/v1/courses/uusi-kurssi/publish", token: learner, status: 403},
		{name: "learner reads the outline", method: "GET", path: "/api/v1/courses/uusi-kurssi", token: learner, status: 200, want: []string{`"version":1`, `"title":"Kokeilukurssi"`}},
	})

	// A block pointing at media that was never uploaded cannot be published.
	broken := *co
	broken.Modules = append([]course.Module(nil), co.Modules...)
	broken.Modules[0].Lessons = append([]course.Lesson(nil), co.Modules[0].Lessons...)
	broken.Modules[0].Lessons[0].Blocks = append([]course.Block(nil), co.Modules[0].Lessons[0].Blocks...)
	broken.Modules[0].Lessons[0].Blocks[1].Media = strings.Repeat("ab", 32)
	brokenJSON, _ := json.Marshal(&broken)
	resp, body = do(t, e.app, scenario{method: "PUT", path: "/api/v1/courses/uusi-kurssi/draft", token: trainer, body: string(brokenJSON), headers: map[string]string{"If-Match": newTag}})
	if resp.StatusCode != 200 {
		t.Fatalf("save with unknown media: %d %s", resp.StatusCode, body)
	}
	newTag = resp.Header.Get("ETag")
	run(t, e.app, []scenario{{name: "publish with unknown media", method: "POST", path: "/api/v1/courses/uusi-kurssi/publish", token: trainer, status: 422, want: []string{"blocks.1.media", "upload it first"}}})

	// Version 2 drops a lesson: allowed, and reported.
	co.Modules[1].Lessons = co.Modules[1].Lessons[:3]
	outline, _ = json.Marshal(co)
	run(t, e.app, []scenario{
		{name: "save v2", method: "PUT", path: "/api/v1/courses/uusi-kurssi/draft", token: trainer, body: string(outline), headers: map[string]string{"If-Match": newTag}, status: 200},
		{name: "publish v2", method: "POST", path: "/api/v1/courses/uusi-kurssi/publish", token: trainer, status: 201, want: []string{`"version":2`, `"removed_lessons":["lopuksi"]`}},
		{name: "versions", method: "GET", path: "/api/v1/courses/uusi-kurssi/versions", token: trainer, status: 200, want: []string{`"version":2`, `"version":1`, `"current":true`}},
		{name: "learner lists versions", method: "GET", path: "/api/v1/courses/uusi-kurssi/versions", token: learner, status: 403},
		{name: "learner archives", method: "POST", path: "/api/v1/courses/uusi-kurssi/archive", token: learner, status: 403},
		{name: "archive", method: "POST", path: "/api/v1/courses/uusi-kurssi/archive", token: trainer, status: 200, want: []string{`"status":"archived"`}},
		{name: "archived is gone for learners", method: "GET", path: "/api/v1/courses/uusi-kurssi", token: learner, status: 404},
		{name: "archived not in the catalogue", method: "GET", path: "/api/v1/courses", token: learner, status: 200, forbid: []string{"uusi-kurssi"}},
		{name: "trainer sees archived", method: "GET", path: "/api/v1/courses?status=archived", token: trainer, status: 200, want: []string{"uusi-kurssi"}},
		{name: "learner asks for drafts", method: "GET", path: "/api/v1/courses?status=draft", token: learner, status: 403},
		{name: "restore", method: "POST", path: "/api/v1/courses/uusi-kurssi/archive", token: trainer, body: `{"archived":false}`, status: 200, want: []string{`"status":"restored"`}},
		{name: "back in the catalogue", method: "GET", path: "/api/v1/courses", token: learner, status: 200, want: []string{`"slug":"uusi-kurssi"`, `"version":2`}},
	})
}

func TestCourseDelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	learner := e.token(t, "learner")
	resp, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/courses/kokeilu/lessons/tervetuloa?locale=en", token: learner})
	if resp.StatusCode != 200 {
		t.Fatalf("lesson: %d %s", resp.StatusCode, body)
	}
	etag := resp.Header.Get("ETag")
	var lesson struct {
		Title  string `json:"title"`
		Next   string `json:"next"`
		Blocks []map[string]any
	}
	if err := json.Unmarshal(body, &lesson); err != nil {
		t.Fatal(err)
	}
	if lesson.Title != "Welcome" || lesson.Next != "visa" || len(lesson.Blocks) != 5 {
		t.Fatalf("lesson: %s", body)
	}
	if html := lesson.Blocks[0]["html"].(string); !strings.Contains(html, "<strong>trial</strong>") || !strings.Contains(html, "<h2") {
		t.Errorf("markdown not rendered: %q", html)
	}
	img := lesson.Blocks[1]
	if img["alt"] != "Diagram" || img["caption"] != "Kaavion kuvateksti" || !strings.HasPrefix(img["media_url"].(string), "/api/v1/media/") {
		t.Errorf("image block (English alt, Finnish caption by fallback, media url): %v", img)
	}
	run(t, e.app, []scenario{
		{name: "catalogue", method: "GET", path: "/api/v1/courses?locale=en", token: learner, status: 200,
			want: []string{`"slug":"kokeilu"`, `"title":"Trial course"`, `"modules":2`, `"duration_minutes":65`, `"locales":["fi"]`, `"enrolled":false`}},
		{name: "outline in Finnish by default", method: "GET", path: "/api/v1/courses/kokeilu", token: learner, status: 200,
			want: []string{`"title":"Kokeilukurssi"`, `"id":"alku"`, `"id":"tervetuloa"`, `"rule":"quiz_passed"`, `"prerequisites":["alku"]`}},
		{name: "outline by Accept-Language", method: "GET", path: "/api/v1/courses/kokeilu", token: learner, headers: map[string]string{"Accept-Language": "en-GB,en;q=0.9"}, status: 200, want: []string{`"title":"Trial course"`}},
		{name: "Swedish falls back to Finnish", method: "GET", path: "/api/v1/courses/kokeilu/lessons/tervetuloa?locale=sv", token: learner, status: 200, want: []string{`"title":"Tervetuloa"`, `"locale":"sv"`}},
		{name: "scripts are removed", method: "GET", path: "/api/v1/courses/kokeilu/lessons/tervetuloa", token: learner, status: 200, forbid: []string{"<script", "alert(1)</script"}},
		{name: "the welcome lesson viewed opens the quiz lesson", method: "POST", path: "/api/v1/courses/kokeilu/lessons/tervetuloa/events", token: learner, body: `{"type":"viewed"}`, status: 201},
		{name: "quiz block has no answers", method: "GET", path: "/api/v1/courses/kokeilu/lessons/visa", token: learner, status: 200, want: []string{`"quiz_id":"kokeilu:alkuvisa"`}, forbid: []string{"correct", "Palvelu", "accepted"}},
		{name: "not modified", method: "GET", path: "/api/v1/courses/kokeilu/lessons/tervetuloa?locale=en", token: learner, headers: map[string]string{"If-None-Match": etag}, status: 304},
		{name: "other locale has another ETag", method: "GET", path: "/api/v1/courses/kokeilu/lessons/tervetuloa?locale=fi", token: learner, headers: map[string]string{"If-None-Match": etag}, status: 200},
		{name: "unknown lesson", method: "GET", path: "/api/v1/courses/kokeilu/lessons/ei-ole", token: learner, status: 404},
		{name: "unknown course", method: "GET", path: "/api/v1/courses/ei-ole", token: learner, status: 404},
		{name: "bad slug", method: "GET", path: "/api/v1/courses/..%2F..%2Fetc", token: learner, status: 404},
		{name: "bad locale", method: "GET", path: "/api/v1/courses/kokeilu?locale=xx", token: learner, status: 422},
		{name: "bad status", method: "GET", path: "/api/v1/courses?status=secret", token: learner, status: 422},
	})
}

// publishCohortOnlyFixture imports and publishes the fixture course open to its cohorts'
// members only.
func (e *env) publishCohortOnlyFixture(t *testing.T) {
	t.Helper()
	co, fsys := fixture(t)
	co.Access = course.AccessCohort
	if _, err := e.a.ImportCourse(context.Background(), co, fsys, course.ImportOptions{Publish: true}); err != nil {
		t.Fatal(err)
	}
}

func TestCohortOnlyCourse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishCohortOnlyFixture(t)
	run(t, e.app, []scenario{
		{name: "learner outside every cohort", method: "GET", path: "/api/v1/courses/kokeilu", token: e.token(t, "learner"), status: 403, want: []string{"members of its cohorts"}},
		{name: "learner lesson", method: "GET", path: "/api/v1/courses/kokeilu/lessons/tervetuloa", token: e.token(t, "learner"), status: 403},
		{name: "not in the learner's catalogue", method: "GET", path: "/api/v1/courses", token: e.token(t, "learner"), status: 200, forbid: []string{"kokeilu"}},
		{name: "trainer", method: "GET", path: "/api/v1/courses/kokeilu", token: e.token(t, "trainer"), status: 200},
	})
	ctx := context.Background()
	c, err := e.cohorts.Create(ctx, e.principal("trainer"), cohort.NewCohort{Course: "kokeilu", Name: "Ryhmä"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.cohorts.AddMembers(ctx, e.principal("trainer"), c.ID, []string{"learner@example.fi"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	run(t, e.app, []scenario{
		{name: "member", method: "GET", path: "/api/v1/courses/kokeilu/lessons/tervetuloa", token: e.token(t, "learner"), status: 200},
		{name: "non-member", method: "GET", path: "/api/v1/courses/kokeilu/lessons/tervetuloa", token: e.token(t, "learner2"), status: 403},
	})
}

// TestImportTwice: importing the same course again uploads nothing and creates no version.
func TestImportTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	co, fsys := fixture(t)
	first, err := e.a.ImportCourse(ctx, co, fsys, course.ImportOptions{Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if first.Uploaded != 1 || first.Published != 1 || first.Draft != "created" {
		t.Fatalf("first import: %+v", first)
	}
	co, fsys = fixture(t)
	second, err := e.a.ImportCourse(ctx, co, fsys, course.ImportOptions{Publish: true})
	if err != nil {
		t.Fatal(err)
	}
	if second.Uploaded != 0 || second.Published != 0 || second.Draft != "unchanged" || second.Hash != first.Hash {
		t.Fatalf("second import: %+v (first %+v)", second, first)
	}
	vs, err := e.courses.Versions(ctx, e.principal("trainer"), "kokeilu")
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions after two imports: %v %v", vs, err)
	}
	// A learner cannot import.
	learner := auth.Principal{UserID: e.users["learner"].ID, Roles: []auth.Role{auth.RoleLearner}}
	if _, err := e.courses.Import(ctx, learner, co, fsys, course.ImportOptions{}); err == nil {
		t.Error("a learner imported a course")
	}
	// The asset is in S3 under its content address.
	item, err := e.media.Get(ctx, co.Modules[0].Lessons[0].Blocks[1].Media)
	if err != nil || item.ContentType != "image/svg+xml" || !strings.HasPrefix(item.Key, "media/sha256/") {
		t.Errorf("media record: %+v %v", item, err)
	}
	_ = http.StatusOK
}

// makeEditor makes one of the env's users an editor of the fixture course, which the operator
// imported with no owner who signs in: the admin becomes its owner.
func (e *env) makeEditor(t *testing.T, who string) {
	t.Helper()
	body := jsonBody(map[string][]string{"owners": {e.users["admin"].ID}, "editors": {e.users[who].ID}})
	if resp, out := do(t, e.app, scenario{method: "PUT", path: "/api/v1/courses/kokeilu/team", token: e.token(t, "admin"), body: body}); resp.StatusCode != 200 {
		t.Fatalf("make %s an editor: %d %s", who, resp.StatusCode, out)
	}
}

// TestOnlyTheCourseTeamChangesACourse: a course's owners and editors edit, publish and archive
// it, its owners name them, admins do everything; any other trainer reads what is published and
// runs cohorts on it, and nothing more (issue 15, case 4).
func TestOnlyTheCourseTeamChangesACourse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.publishFixture(t)
	trainer, other, learner, admin := e.token(t, "trainer"), e.tokenOfNewTrainer(t), e.token(t, "learner"), e.token(t, "admin")
	resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/courses", token: trainer, body: `{"slug":"oma-kurssi","title":{"fi":"Oma kurssi"}}`})
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	etag := resp.Header.Get("ETag")
	co, _ := fixture(t)
	co.Slug = "oma-kurssi"
	outline := jsonBody(co)
	var otherID string
	_, me := do(t, e.app, scenario{method: "GET", path: "/api/v1/me", token: other})
	var m struct{ ID string }
	_ = json.Unmarshal(me, &m)
	otherID = m.ID
	trainerID, learnerID := e.users["trainer"].ID, e.users["learner"].ID
	team := func(owners, editors []string) string {
		return jsonBody(map[string][]string{"owners": owners, "editors": editors})
	}
	run(t, e.app, []scenario{
		{name: "the creator owns her course", method: "GET", path: "/api/v1/courses/oma-kurssi/team", token: other, status: 200,
			want: []string{`"owners":["` + trainerID + `"]`, `"editors":[]`}},
		{name: "another trainer reads the draft", method: "GET", path: "/api/v1/courses/oma-kurssi/draft", token: other, status: 403, want: []string{"owners and editors"}},
		{name: "another trainer saves the draft", method: "PUT", path: "/api/v1/courses/oma-kurssi/draft", token: other, body: outline, headers: map[string]string{"If-Match": etag}, status: 403},
		{name: "another trainer publishes", method: "POST", path: "/api/v1/courses/oma-kurssi/publish", token: other, status: 403},
		{name: "another trainer archives", method: "POST", path: "/api/v1/courses/oma-kurssi/archive", token: other, status: 403},
		{name: "another trainer archives the imported course", method: "POST", path: "/api/v1/courses/kokeilu/archive", token: other, status: 403},
		{name: "the course's trainer publishes the operator's import", method: "POST", path: "/api/v1/courses/kokeilu/publish", token: trainer, status: 403},
		{name: "another trainer reads the published course", method: "GET", path: "/api/v1/courses/kokeilu", token: other, status: 200},
		{name: "another trainer runs a cohort on it", method: "POST", path: "/api/v1/cohorts", token: other, body: `{"course":"kokeilu","name":"Oma ryhmä"}`, status: 201},
		{name: "another trainer names the team", method: "PUT", path: "/api/v1/courses/oma-kurssi/team", token: other, body: team([]string{otherID}, []string{}), status: 403},
		{name: "a learner reads the team", method: "GET", path: "/api/v1/courses/oma-kurssi/team", token: learner, status: 403},
		{name: "a learner names the team", method: "PUT", path: "/api/v1/courses/oma-kurssi/team", token: learner, body: team([]string{learnerID}, []string{}), status: 403},
		{name: "the team of no course", method: "PUT", path: "/api/v1/courses/ei-ole/team", token: admin, body: team([]string{trainerID}, []string{}), status: 404},
		{name: "without editors", method: "PUT", path: "/api/v1/courses/oma-kurssi/team", token: trainer, body: `{"owners":["` + trainerID + `"]}`, status: 422, want: []string{`"field":"editors"`}},
		{name: "an unknown field", method: "PUT", path: "/api/v1/courses/oma-kurssi/team", token: trainer, body: `{"owners":[],"editors":[],"admins":[]}`, status: 422, want: []string{`"field":"admins"`}},
		{name: "not a list", method: "PUT", path: "/api/v1/courses/oma-kurssi/team", token: trainer, body: `{"owners":"` + trainerID + `","editors":[]}`, status: 422},
		{name: "no owner", method: "PUT", path: "/api/v1/courses/oma-kurssi/team", token: trainer, body: team([]string{}, []string{otherID}), status: 422, want: []string{`"field":"owners"`}},
		{name: "a learner, a stranger and someone twice", method: "PUT", path: "/api/v1/courses/oma-kurssi/team", token: trainer, status: 422,
			body: team([]string{trainerID, learnerID}, []string{"ei-ketaan", trainerID}), want: []string{`"field":"owners.1"`, `"field":"editors.0"`, `"field":"editors.1"`}},
		{name: "the owner names an editor", method: "PUT", path: "/api/v1/courses/oma-kurssi/team", token: trainer, body: team([]string{trainerID}, []string{otherID}), status: 200,
			want: []string{`"slug":"oma-kurssi"`, `"editors":["` + otherID + `"]`}},
		{name: "the editor reads the draft", method: "GET", path: "/api/v1/courses/oma-kurssi/draft", token: other, status: 200},
		{name: "the editor saves it", method: "PUT", path: "/api/v1/courses/oma-kurssi/draft", token: other, body: outline, headers: map[string]string{"If-Match": etag}, status: 200},
		{name: "the editor names the team", method: "PUT", path: "/api/v1/courses/oma-kurssi/team", token: other, body: team([]string{otherID}, []string{}), status: 403},
		{name: "an admin archives any course", method: "POST", path: "/api/v1/courses/kokeilu/archive", token: admin, status: 200},
	})
}
