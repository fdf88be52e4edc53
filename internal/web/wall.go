package web

import (
	"errors"
	"html/template"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/course"
)

// reactionKeys are the words of the reactions.
var reactionKeys = map[string]string{"thumbs_up": "wall.reaction.thumbs_up", "heart": "wall.reaction.heart", "lightbulb": "wall.reaction.lightbulb",
	"clap": "wall.reaction.clap"}

// wallPageSize is how many posts a page of the wall shows.
const wallPageSize = 20

// wallData is what wall.html shows.
type wallData struct {
	Base       string // /courses/<slug>/walls/<task>
	Task       *course.ReflectionView
	PromptHTML template.HTML
	Posts      []postView
	Before     string // the cursor of this page ("" for the newest)
	Older      string // the cursor of the next page of older posts
	Remaining  remaining
	Preview    template.HTML
	Anonymous  bool // she ticked "anonymous"
	CourseURL  string
}

// postView is a post or comment as the page shows it.
type postView struct {
	activity.Post
	Editable  bool
	Edited    bool
	Reactions []reactionView
	Comments  []postView
	HTMLSafe  template.HTML
}

// reactionView is one reaction button of a post.
type reactionView struct {
	Kind, Label string
	Count       int
	Pressed     bool
}

// remaining is what still counts toward her completion of the task, in words.
type remaining struct {
	Text        string
	Done        bool
	Have, Total int
}

// wallCtx is a wall resolved for the request: the course, her wall's scope and the task.
type wallCtx struct {
	slug, task, scope string
	course            *app.MyCourse
}

// wallOf resolves the wall of the request from her courses: her cohort's, or the open course's
// when she studies it self-paced. The scope never comes from the form.
func (w *Web) wallOf(c *fiber.Ctx) (wallCtx, error) {
	wc := wallCtx{slug: c.Params("slug"), task: c.Params("task")}
	if !course.ValidSlug(wc.slug) || wc.task == "" {
		return wc, fiber.ErrNotFound
	}
	mine, err := w.app.MyCourses(c.UserContext(), principal(c))
	if err != nil {
		return wc, err
	}
	for i := range mine {
		if mine[i].Published.Course != nil && mine[i].Published.Course.Slug == wc.slug {
			wc.course = &mine[i]
			if mine[i].Wall == "" {
				return wc, activity.ErrWallNotFound
			}
			wc.scope = mine[i].Wall
			return wc, nil
		}
	}
	// A course she has not started yet: its open wall, which the application refuses for a
	// course of cohorts' members only.
	wc.scope = activity.OpenScope(wc.slug)
	return wc, nil
}

func (wc wallCtx) base() string { return "/courses/" + wc.slug + "/walls/" + wc.task }

// courseTitle is the course's title in locale, "" when unknown.
func courseTitle(mc *app.MyCourse, locale string) string {
	if mc == nil || mc.Published.Course == nil {
		return ""
	}
	t := mc.Published.Course.Title
	if s := t[locale]; s != "" {
		return s
	}
	return t["fi"]
}

func (w *Web) wallGet(c *fiber.Ctx) error {
	wc, err := w.wallOf(c)
	if err != nil {
		return err
	}
	p := w.page(c, "wall.title")
	return w.renderWall(c, p, wc, c.Query("before"))
}

// renderWall shows the wall's page: the task, what still counts, the posting form and a page of
// posts (before: its cursor).
func (w *Web) renderWall(c *fiber.Ctx, p *Page, wc wallCtx, before string) error {
	ctx, actor := c.UserContext(), principal(c)
	task, err := w.app.Walls.Task(ctx, actor, wc.scope, wc.task, p.Lang)
	if err != nil {
		return err
	}
	posts, next, err := w.app.Walls.ListPosts(ctx, actor, wc.scope, wc.task, before, wallPageSize)
	if err != nil {
		return err
	}
	if err := w.app.NamePostAuthors(ctx, posts, p.Lang); err != nil {
		return err
	}
	d := wallData{Base: wc.base(), Task: task, PromptHTML: nested(task.PromptHTML, 3), Before: before, Older: next, CourseURL: "/courses/" + wc.slug}
	if d.Remaining, err = w.remainingOf(c, p, wc, task); err != nil {
		return err
	}
	for _, post := range posts {
		d.Posts = append(d.Posts, w.postView(p, post, 4))
	}
	if !task.Anonymous { // no checkbox to link to: the problem stands on its own
		for i := range p.Errors {
			if p.Errors[i].Field == "anonymous" {
				p.Errors[i].Field = ""
			}
		}
	}
	if prev, ok := p.Data.(wallData); ok { // a preview or a refused post: what she wrote
		d.Preview, d.Anonymous = prev.Preview, prev.Anonymous
	}
	p.Title = p.T("wall.page-title", "task", task.Title)
	p.H1 = task.Title
	p.Course = courseTitle(wc.course, p.Lang)
	p.Scripts = append(p.Scripts, "wall.js")
	p.Data = d
	return w.render(c, "wall", p)
}

// postView is a post (its headings from h4 down, under the post's h3) or a comment (from h5
// down, under the comments' h4).
func (w *Web) postView(p *Page, post activity.Post, top int) postView {
	v := postView{Post: post, Edited: post.EditedAt != nil, HTMLSafe: nested(post.HTML, top)}
	v.Editable = post.Mine && w.now().Before(post.CreatedAt.Add(activity.EditWindow))
	for _, k := range activity.Reactions {
		v.Reactions = append(v.Reactions, reactionView{Kind: k, Label: p.T(reactionKeys[k]), Count: post.Reactions[k], Pressed: slices.Contains(post.Reacted, k)})
	}
	for _, cm := range post.Comments {
		v.Comments = append(v.Comments, w.postView(p, cm, top+1))
	}
	return v
}

// remainingOf says what still counts toward her completion: the posts and the comments on
// others' posts the lesson's rule asks (the task's own numbers when no lesson counts it),
// against what her learning record holds — what completion itself reads.
func (w *Web) remainingOf(c *fiber.Ctx, p *Page, wc wallCtx, task *course.ReflectionView) (remaining, error) {
	wantPosts, wantComments := task.Posts, task.Comments
	if task.Completion != nil {
		wantPosts, wantComments = task.Completion.Posts, task.Completion.Comments
	}
	facts, err := w.app.Learning.Facts(c.UserContext(), principal(c).UserID, wc.slug)
	if err != nil {
		return remaining{}, err
	}
	posts, comments := 0, 0
	if facts != nil {
		if t := facts.Tasks[task.Task]; t != nil {
			posts, comments = len(t.Posts), len(t.Comments)
		}
	}
	r := remaining{Total: wantPosts + wantComments, Have: min(posts, wantPosts) + min(comments, wantComments)}
	lp, lc := max(wantPosts-posts, 0), max(wantComments-comments, 0)
	switch {
	case lp == 0 && lc == 0:
		r.Done, r.Text = true, p.T("wall.remaining.done")
	case lc == 0:
		r.Text = p.T("wall.remaining.posts", "posts", countWords(p, "wall.n-posts", lp))
	case lp == 0:
		r.Text = p.T("wall.remaining.comments", "comments", countWords(p, "wall.n-comments", lc))
	default:
		r.Text = p.T("wall.remaining.both", "posts", countWords(p, "wall.n-posts", lp), "comments", countWords(p, "wall.n-comments", lc))
	}
	return r, nil
}

// countWords is "1 julkaisu" or "2 julkaisua": key.one or key.other with the count.
func countWords(p *Page, key string, n int) string {
	if n == 1 {
		return p.T(key+".one", "n", n)
	}
	return p.T(key+".other", "n", n)
}

// wallPost writes a post, or with action=preview shows what it will look like.
func (w *Web) wallPost(c *fiber.Ctx) error {
	wc, err := w.wallOf(c)
	if err != nil {
		return err
	}
	body, anonymous := c.FormValue("body"), c.FormValue("anonymous") == "on"
	p := w.page(c, "wall.title")
	p.Form["body"] = body
	d := wallData{Anonymous: anonymous}
	if c.FormValue("action") == "preview" {
		if strings.TrimSpace(body) == "" {
			p.Errors = append(p.Errors, FieldError{Field: "body", Message: p.T("wall.body.missing")})
			p.withStatus(fiber.StatusUnprocessableEntity)
		} else {
			d.Preview = nested(w.app.Courses.Renderer().HTML(body), 4) // the wall's own sanitising renderer
		}
		p.Data = d
		return w.renderWall(c, p, wc, "")
	}
	post, err := w.app.Walls.CreatePost(c.UserContext(), principal(c), wc.scope, wc.task, body, anonymous)
	if err != nil {
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		p.Data = d
		return w.renderWall(c, p, wc, "")
	}
	return w.redirectToAnchor(c, wc.base(), "post-"+post.ID, "wall.posted")
}

// findPost finds a post or comment of the wall by id, going through its pages.
func (w *Web) findPost(c *fiber.Ctx, wc wallCtx, id string) (*activity.Post, error) {
	before := ""
	for range 100 {
		posts, next, err := w.app.Walls.ListPosts(c.UserContext(), principal(c), wc.scope, wc.task, before, 100)
		if err != nil {
			return nil, err
		}
		for i := range posts {
			if posts[i].ID == id {
				return &posts[i], nil
			}
			for j := range posts[i].Comments {
				if posts[i].Comments[j].ID == id {
					return &posts[i].Comments[j], nil
				}
			}
		}
		if next == "" {
			break
		}
		before = next
	}
	return nil, activity.ErrPostNotFound
}

// editData is what wall-edit.html shows.
type editData struct {
	Base, PostID string
	Expired      bool
	Preview      template.HTML
}

// ownPost is her own post or comment of the wall; anyone else's does not exist here.
func (w *Web) ownPost(c *fiber.Ctx, wc wallCtx) (*activity.Post, error) {
	post, err := w.findPost(c, wc, c.Params("post"))
	if err != nil {
		return nil, err
	}
	if !post.Mine {
		return nil, activity.ErrPostNotFound
	}
	return post, nil
}

func (w *Web) wallEditGet(c *fiber.Ctx) error {
	wc, err := w.wallOf(c)
	if err != nil {
		return err
	}
	post, err := w.ownPost(c, wc)
	if err != nil {
		return err
	}
	p := w.page(c, "wall.edit.title")
	p.Form["body"] = post.Body
	return w.renderEdit(c, p, wc, post, "")
}

func (w *Web) renderEdit(c *fiber.Ctx, p *Page, wc wallCtx, post *activity.Post, preview template.HTML) error {
	p.Course = courseTitle(wc.course, p.Lang)
	p.Data = editData{Base: wc.base(), PostID: post.ID, Expired: !w.now().Before(post.CreatedAt.Add(activity.EditWindow)), Preview: preview}
	return w.render(c, "wall-edit", p)
}

func (w *Web) wallEditPost(c *fiber.Ctx) error {
	wc, err := w.wallOf(c)
	if err != nil {
		return err
	}
	post, err := w.ownPost(c, wc)
	if err != nil {
		return err
	}
	body := c.FormValue("body")
	p := w.page(c, "wall.edit.title")
	p.Form["body"] = body
	if c.FormValue("action") == "preview" && strings.TrimSpace(body) != "" {
		return w.renderEdit(c, p, wc, post, nested(w.app.Courses.Renderer().HTML(body), 3)) // the wall's own sanitising renderer
	}
	if _, err := w.app.Walls.EditPost(c.UserContext(), principal(c), wc.scope, wc.task, post.ID, activity.PostChange{Body: &body}); err != nil {
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		return w.renderEdit(c, p, wc, post, "")
	}
	return w.redirectToAnchor(c, wc.base(), "post-"+post.ID, "wall.edited")
}

// wallComment answers a post. A refused comment comes back beside its post with what she wrote.
func (w *Web) wallComment(c *fiber.Ctx) error {
	wc, err := w.wallOf(c)
	if err != nil {
		return err
	}
	id := c.Params("post")
	field := "comment-" + id
	body := c.FormValue(field)
	if _, err := w.app.Walls.Comment(c.UserContext(), principal(c), wc.scope, wc.task, id, body); err != nil {
		p := w.page(c, "wall.title")
		p.Form[field] = body
		if err := p.formErrors(err, map[string]string{"body": field}); err != nil {
			return err
		}
		return w.renderWall(c, p, wc, c.FormValue("before"))
	}
	return w.redirectToAnchor(c, wc.base()+beforeQuery(c.FormValue("before")), "post-"+id, "wall.commented")
}

// wallReact adds (on=1) or takes back a reaction. A script asking for JSON gets the post's new
// count; a form post goes back to the post.
func (w *Web) wallReact(c *fiber.Ctx) error {
	wc, err := w.wallOf(c)
	if err != nil {
		return err
	}
	id, kind, on := c.Params("post"), c.FormValue("kind"), c.FormValue("on") == "1"
	err = w.app.Walls.React(c.UserContext(), principal(c), wc.scope, wc.task, id, kind, on)
	// Reacting twice, or taking back what is not there, leaves things as she wanted them.
	if err != nil && !errors.Is(err, activity.ErrReactedAlready) && !errors.Is(err, activity.ErrNotReacted) {
		return err
	}
	if strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON) {
		post, err := w.findPost(c, wc, id)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"kind": kind, "count": post.Reactions[kind], "pressed": slices.Contains(post.Reacted, kind)})
	}
	anchor := "post-" + id
	return w.redirectToAnchor(c, wc.base()+beforeQuery(c.FormValue("before")), anchor, "")
}

func beforeQuery(before string) string {
	if before == "" {
		return ""
	}
	return "?before=" + url.QueryEscape(before)
}
