package activity

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

// Wall errors.
var (
	ErrWallNotFound   = apperr.New(apperr.KindNotFound, "wall not found")
	ErrPostNotFound   = apperr.New(apperr.KindNotFound, "post not found")
	ErrNotOnWall      = apperr.New(apperr.KindForbidden, "you are not a member of this cohort")
	ErrReactedAlready = apperr.New(apperr.KindConflict, "you reacted so already")
	ErrEditWindow     = apperr.New(apperr.KindConflict, "posts can be edited for 30 minutes after posting")
	ErrNotReacted     = apperr.New(apperr.KindNotFound, "you have not reacted so")
)

// Reactions is the fixed set of reactions.
var Reactions = []string{"thumbs_up", "heart", "lightbulb", "clap"}

// EditWindow is how long a post or comment can be edited.
const EditWindow = 30 * time.Minute

// MaxPostLength bounds a post or comment.
const MaxPostLength = 10000

// OpenScope is the wall scope of self-paced learners of an open course: "open.<slug>".
func OpenScope(slug string) string { return "open." + slug }

// Walls runs the reflection walls: a wall per cohort (or per open course) and task, with posts,
// comments and reactions.
type Walls struct {
	store    postStore
	courses  *course.Service
	learning *learning.Service
	members  Members
	now      func() time.Time
}

// NewWalls returns the wall service over db. members may be nil where no cohorts exist (every
// wall is then an open course's).
func NewWalls(db *mongo.Database, courses *course.Service, lrn *learning.Service, members Members, now func() time.Time) *Walls {
	return &Walls{store: newPostStore(db), courses: courses, learning: lrn, members: members, now: now}
}

// EnsureIndexes creates the indexes of posts.
func (s *Walls) EnsureIndexes(ctx context.Context) error { return s.store.ensureIndexes(ctx) }

// Post is a post or comment as a reader sees it.
type Post struct {
	ID     string
	Author string // user id; empty when anonymous to this reader
	// AuthorName is the author's display name, or the "anonymous" label in the reader's language
	// where the author is hidden from her (see NameAuthors).
	AuthorName string
	Anonymous  bool
	Mine       bool
	Body       string
	HTML       string
	Hidden     bool
	Featured   bool
	Reactions  map[string]int
	Reacted    []string
	CreatedAt  time.Time
	EditedAt   *time.Time
	Comments   []Post
	// Erased is a post or comment whose author was erased: shown as deleted, with no text.
	Erased bool
}

// wall resolves and authorises a wall: the course, the task definition, and whether the actor
// moderates it.
type wall struct {
	scope, slug, task string
	def               *course.Reflection
	co                *course.Course // the published version the task is read from
	moderator         bool
}

// id is the wall's key in posts: scope/task.
func (w wall) id() string { return w.scope + "/" + w.task }

// wall resolves a wall the actor may read: an open course's (anyone who may read the course; a
// course open to its cohorts' members only has none), moderated by the course's owners, editors
// and admins, or a cohort's (its members, trainers and admins), moderated by its trainers and
// admins.
//
// Returns ErrWallNotFound, ErrNotOnWall and the course package's access errors; an outage stays
// an outage.
func (s *Walls) wall(ctx context.Context, actor auth.Principal, scope, task string) (wall, error) {
	w := wall{scope: scope, task: task}
	// The task is its API id (course:task) or, as before, its id in the wall's course.
	named, local, full := course.ParseActivityID(task)
	if full {
		w.task = local
	}
	open := strings.HasPrefix(scope, "open.")
	if open {
		w.slug = strings.TrimPrefix(scope, "open.")
		if !course.ValidSlug(w.slug) {
			return w, ErrWallNotFound
		}
		team, err := s.courses.OnTeam(ctx, actor, w.slug)
		if err != nil {
			return w, err
		}
		w.moderator = team
	} else {
		if s.members == nil {
			return w, ErrWallNotFound
		}
		if _, err := uuid.Parse(scope); err != nil {
			return w, ErrWallNotFound
		}
		slug, err := s.members.CourseOf(ctx, scope)
		if apperr.KindOf(err) == apperr.KindNotFound {
			return w, ErrWallNotFound
		}
		if err != nil {
			return w, fmt.Errorf("find the wall's cohort: %w", err)
		}
		w.slug = slug
		trainer, err := s.members.IsTrainerOf(ctx, actor.UserID, scope)
		if err != nil {
			return w, err
		}
		w.moderator = trainer || actor.IsAdmin()
		if !w.moderator {
			member, err := s.members.IsMember(ctx, actor.UserID, scope)
			if err != nil {
				return w, err
			}
			if !member {
				return w, ErrNotOnWall
			}
		}
	}
	if !course.ValidSlug(w.slug) || (full && named != w.slug) {
		return w, ErrWallNotFound
	}
	pub, err := s.courses.Current(ctx, actor, w.slug)
	if err != nil {
		return w, err
	}
	if open && pub.Course.Access == course.AccessCohort {
		return w, ErrWallNotFound // a cohort-only course has its cohorts' walls only
	}
	w.co = pub.Course
	if w.def, _ = pub.Course.ReflectionByID(w.task); w.def == nil {
		return w, ErrWallNotFound
	}
	return w, nil
}

// Task returns the reflection task of a wall the actor may read, in locale: its prompt, what it
// asks and what completes the lesson that asks for it. task is the task's API id (course:task)
// or its id in the wall's course.
//
// Returns ErrWallNotFound, ErrNotOnWall and the course package's access errors.
func (s *Walls) Task(ctx context.Context, actor auth.Principal, scope, task, locale string) (*course.ReflectionView, error) {
	w, err := s.wall(ctx, actor, scope, task)
	if err != nil {
		return nil, err
	}
	v, _ := s.courses.Renderer().Reflection(w.co, w.task, locale)
	return v, nil
}

func checkBody(body string) error {
	if strings.TrimSpace(body) == "" {
		return apperr.Validation(apperr.FieldError{Field: "body", Message: "is required"})
	}
	if utf8.RuneCountInString(body) > MaxPostLength || !utf8.ValidString(body) {
		return apperr.Validation(apperr.NewField("body", "must be valid text of at most {max} characters", apperr.Params{"max": strconv.Itoa(MaxPostLength)}))
	}
	return nil
}

// anonymousName is how an anonymous author is shown to her peers, by the reader's locale.
var anonymousName = map[string]string{"fi": "Nimetön", "sv": "Anonym", "en": "Anonymous"}

// erasedName is how the author of an erased person's post is shown, by the reader's locale.
var erasedName = map[string]string{"fi": "Poistettu", "sv": "Borttagen", "en": "Deleted"}

// Authors returns the ids of the authors the reader may see of the posts and their comments.
func Authors(posts []Post) []string {
	var out []string
	for _, p := range posts {
		if p.Author != "" && !slices.Contains(out, p.Author) {
			out = append(out, p.Author)
		}
		for _, id := range Authors(p.Comments) {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
	}
	return out
}

// NameAuthors gives the posts and their comments their authors' display names (names: by user
// id), and the "anonymous" label in the reader's locale (Finnish when unknown) where the author
// is hidden from the reader: moderators always see the name.
func NameAuthors(posts []Post, names map[string]string, locale string) {
	for i := range posts {
		p := &posts[i]
		switch {
		case p.Erased:
			p.AuthorName = erasedName["fi"]
			if l, ok := erasedName[locale]; ok {
				p.AuthorName = l
			}
		case p.Author != "":
			p.AuthorName = names[p.Author]
		case p.Anonymous:
			p.AuthorName = anonymousName["fi"]
			if l, ok := anonymousName[locale]; ok {
				p.AuthorName = l
			}
		}
		NameAuthors(p.Comments, names, locale)
	}
}

func (s *Walls) postView(w wall, actor auth.Principal, d postDoc) Post {
	p := Post{ID: d.ID, Author: d.User, Anonymous: d.Anonymous, Mine: d.User == actor.UserID, Body: d.Body, HTML: d.HTML, Hidden: d.Hidden,
		Featured: d.Featured, Reactions: map[string]int{}, CreatedAt: d.CreatedAt, EditedAt: d.EditedAt}
	if d.Erased {
		p.Author, p.Mine, p.Erased = "", false, true
	}
	if d.Anonymous && !w.moderator && !p.Mine {
		p.Author = ""
	}
	for k, users := range d.Reactions {
		if len(users) > 0 {
			p.Reactions[k] = len(users)
		}
		if users[actor.UserID] {
			p.Reacted = append(p.Reacted, k)
		}
	}
	slices.Sort(p.Reacted)
	return p
}

// ListPosts returns a page of a wall's posts, newest first (before: the last post of the
// previous page), each with its comments, and the cursor of the next page. Hidden posts are
// shown to moderators and their authors only; an anonymous post's author to moderators and
// herself only.
//
// Returns ErrWallNotFound, ErrNotOnWall and the course package's access errors.
func (s *Walls) ListPosts(ctx context.Context, actor auth.Principal, scope, task, before string, limit int) ([]Post, string, error) {
	w, err := s.wall(ctx, actor, scope, task)
	if err != nil {
		return nil, "", err
	}
	docs, err := s.store.page(ctx, w.id(), before, limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > limit {
		docs = docs[:limit]
		next = docs[limit-1].ID
	}
	ids := each(docs, func(d postDoc) string { return d.ID })
	comments := map[string][]Post{}
	if len(ids) > 0 {
		cs, err := s.store.commentsOn(ctx, ids)
		if err != nil {
			return nil, "", err
		}
		for _, c := range cs {
			if c.Hidden && !w.moderator && c.User != actor.UserID {
				continue
			}
			comments[c.Parent] = append(comments[c.Parent], s.postView(w, actor, c))
		}
	}
	out := []Post{}
	for _, d := range docs {
		if d.Hidden && !w.moderator && d.User != actor.UserID {
			continue
		}
		p := s.postView(w, actor, d)
		p.Comments = comments[d.ID]
		if p.Comments == nil {
			p.Comments = []Post{}
		}
		out = append(out, p)
	}
	return out, next, nil
}

// CreatePost writes a post on a wall and records it (an answered statement about the task).
//
// Returns ErrWallNotFound, ErrNotOnWall, learning.ErrLocked, validation errors and the course
// package's access errors.
func (s *Walls) CreatePost(ctx context.Context, actor auth.Principal, scope, task, body string, anonymous bool) (Post, error) {
	w, err := s.wall(ctx, actor, scope, task)
	if err != nil {
		return Post{}, err
	}
	if err := s.learning.CheckOpen(ctx, actor, w.slug, "reflections", w.task); err != nil {
		return Post{}, err
	}
	if err := checkBody(body); err != nil {
		return Post{}, err
	}
	if anonymous && !w.def.Anonymous {
		return Post{}, apperr.Validation(apperr.FieldError{Field: "anonymous", Message: "this task does not allow anonymous posts"})
	}
	d := postDoc{ID: uuid.Must(uuid.NewV7()).String(), Wall: w.id(), Scope: scope, Course: w.slug, Task: w.task, User: actor.UserID,
		Body: body, HTML: s.courses.Renderer().HTML(body), Anonymous: anonymous, CreatedAt: s.now().UTC()}
	if err := s.store.insert(ctx, d); err != nil {
		return Post{}, err
	}
	if err := s.recordPost(ctx, actor, w, d, learning.VerbAnswered, false); err != nil {
		return Post{}, err
	}
	if err := s.countEngagement(ctx, scope, engagementPosts, 1); err != nil {
		return Post{}, err
	}
	return s.postView(w, actor, d), nil
}

// recordPost records a post or comment as a statement Taito judged, its id derived from the post.
func (s *Walls) recordPost(ctx context.Context, actor auth.Principal, w wall, d postDoc, verb string, peer bool) error {
	sid, err := s.learning.StatementID(ctx, "post", d.ID)
	if err != nil {
		return err
	}
	st := learning.Statement{ID: sid, Actor: s.learning.Actor(actor.UserID),
		Verb: learning.Verb{ID: verb}, Object: learning.Object{ObjectType: "Activity", ID: s.learning.IRI(w.slug, "reflections", w.task)},
		Result: &learning.Result{Response: truncate(d.Body, 4000)}}
	if verb == learning.VerbCommented {
		st.Result.Extensions = map[string]any{s.learning.Ext(learning.ExtPeer): peer}
	}
	_, err = s.learning.RecordJudged(ctx, actor.UserID, []learning.Entry{{Statement: st, Hash: "post:" + d.ID}})
	return err
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// post returns a post or comment of the wall, or ErrPostNotFound.
func (s *Walls) post(ctx context.Context, w wall, id string) (postDoc, error) {
	d, err := s.store.get(ctx, id)
	if err != nil {
		return d, err
	}
	if d.Wall != w.id() || d.Deleted {
		return d, ErrPostNotFound
	}
	return d, nil
}

// Comment answers a post. A comment on someone else's post counts toward the task's rule.
//
// Returns ErrWallNotFound, ErrNotOnWall, ErrPostNotFound, learning.ErrLocked and validation
// errors.
func (s *Walls) Comment(ctx context.Context, actor auth.Principal, scope, task, postID, body string) (Post, error) {
	w, err := s.wall(ctx, actor, scope, task)
	if err != nil {
		return Post{}, err
	}
	if err := s.learning.CheckOpen(ctx, actor, w.slug, "reflections", w.task); err != nil {
		return Post{}, err
	}
	parent, err := s.post(ctx, w, postID)
	if err != nil {
		return Post{}, err
	}
	if parent.Parent != "" || (parent.Hidden && !w.moderator && parent.User != actor.UserID) {
		return Post{}, ErrPostNotFound
	}
	if err := checkBody(body); err != nil {
		return Post{}, err
	}
	d := postDoc{ID: uuid.Must(uuid.NewV7()).String(), Wall: parent.Wall, Scope: scope, Course: w.slug, Task: w.task, Parent: parent.ID, User: actor.UserID,
		Body: body, HTML: s.courses.Renderer().HTML(body), CreatedAt: s.now().UTC()}
	if err := s.store.insert(ctx, d); err != nil {
		return Post{}, err
	}
	if err := s.recordPost(ctx, actor, w, d, learning.VerbCommented, parent.User != actor.UserID); err != nil {
		return Post{}, err
	}
	if err := s.countEngagement(ctx, scope, engagementComments, 1); err != nil {
		return Post{}, err
	}
	return s.postView(w, actor, d), nil
}

// React adds (on) or takes back the actor's reaction of a kind to a post or comment.
//
// Returns ErrReactedAlready, ErrNotReacted, ErrPostNotFound, ErrWallNotFound, ErrNotOnWall
// and validation errors.
func (s *Walls) React(ctx context.Context, actor auth.Principal, scope, task, postID, kind string, on bool) error {
	if !slices.Contains(Reactions, kind) {
		return apperr.Validation(apperr.NewField("kind", "must be one of {values}", apperr.Params{"values": strings.Join(Reactions, ", ")}))
	}
	w, err := s.wall(ctx, actor, scope, task)
	if err != nil {
		return err
	}
	if _, err := s.post(ctx, w, postID); err != nil {
		return err
	}
	changed, err := s.store.react(ctx, postID, kind, actor.UserID, on)
	switch {
	case err != nil:
		return err
	case !changed && on:
		return ErrReactedAlready
	case !changed:
		return ErrNotReacted
	}
	if on {
		return s.countEngagement(ctx, scope, engagementReactions, 1)
	}
	return s.countEngagement(ctx, scope, engagementReactions, -1)
}

// PostChange edits a post: its author may change the body within the edit window; moderators
// may hide or feature it.
type PostChange struct {
	Body     *string
	Hidden   *bool
	Featured *bool
}

// EditPost applies a PostChange.
//
// Returns ErrEditWindow, ErrPostNotFound, ErrWallNotFound, ErrNotOnWall, errors of
// apperr.KindForbidden (someone else's body, a learner hiding or featuring) and validation
// errors.
func (s *Walls) EditPost(ctx context.Context, actor auth.Principal, scope, task, postID string, ch PostChange) (Post, error) {
	w, err := s.wall(ctx, actor, scope, task)
	if err != nil {
		return Post{}, err
	}
	d, err := s.post(ctx, w, postID)
	if err != nil {
		return Post{}, err
	}
	var e postEdit
	if ch.Body != nil {
		if d.User != actor.UserID {
			return Post{}, apperr.New(apperr.KindForbidden, "only the author edits a post")
		}
		if s.now().After(d.CreatedAt.Add(EditWindow)) {
			return Post{}, ErrEditWindow
		}
		if err := checkBody(*ch.Body); err != nil {
			return Post{}, err
		}
		now := s.now().UTC()
		d.Body, d.HTML, d.EditedAt = *ch.Body, s.courses.Renderer().HTML(*ch.Body), &now
		e.Text = &postText{Body: d.Body, HTML: d.HTML, EditedAt: now}
	}
	if ch.Hidden != nil || ch.Featured != nil {
		if !w.moderator {
			return Post{}, apperr.New(apperr.KindForbidden, "only the wall's moderators hide or feature posts")
		}
		if ch.Hidden != nil {
			d.Hidden = *ch.Hidden
		}
		if ch.Featured != nil {
			d.Featured = *ch.Featured
		}
		e.Hidden, e.Featured = ch.Hidden, ch.Featured
	}
	if e == (postEdit{}) {
		return Post{}, apperr.New(apperr.KindInvalid, "nothing to change: send body, hidden or featured")
	}
	if err := s.store.edit(ctx, postID, e); err != nil {
		return Post{}, err
	}
	return s.postView(w, actor, d), nil
}

// DeletePost removes the actor's own post or comment from view (moderators may remove any).
// What was learnt stays in the learning record.
//
// Returns ErrPostNotFound, ErrWallNotFound, ErrNotOnWall and an error of apperr.KindForbidden.
func (s *Walls) DeletePost(ctx context.Context, actor auth.Principal, scope, task, postID string) error {
	w, err := s.wall(ctx, actor, scope, task)
	if err != nil {
		return err
	}
	d, err := s.post(ctx, w, postID)
	if err != nil {
		return err
	}
	if d.User != actor.UserID && !w.moderator {
		return apperr.New(apperr.KindForbidden, "only the author or the wall's moderators remove a post")
	}
	return s.store.remove(ctx, postID)
}
