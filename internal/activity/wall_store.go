package activity

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

const postsColl = "posts"

// postDoc is a post or, with a parent, a comment. Ids are UUIDv7, so they sort by time.
type postDoc struct {
	ID        string                     `bson:"_id"`
	Wall      string                     `bson:"wall"` // scope/task
	Scope     string                     `bson:"scope"`
	Course    string                     `bson:"course"`
	Task      string                     `bson:"task"`
	Parent    string                     `bson:"parent"`
	User      string                     `bson:"user"`
	Body      string                     `bson:"body"`
	HTML      string                     `bson:"html"`
	Anonymous bool                       `bson:"anonymous,omitempty"`
	Hidden    bool                       `bson:"hidden,omitempty"`
	Featured  bool                       `bson:"featured,omitempty"`
	Deleted   bool                       `bson:"deleted,omitempty"`
	Erased    bool                       `bson:"erased,omitempty"`    // its author was erased: no text, no author, kept in its thread
	Reactions map[string]map[string]bool `bson:"reactions,omitempty"` // kind → user → true
	CreatedAt time.Time                  `bson:"created_at"`
	EditedAt  *time.Time                 `bson:"edited_at,omitempty"`
}

// postEdit is what an edit sets; nil fields are left alone.
type postEdit struct {
	Text             *postText
	Hidden, Featured *bool
}

// postText is an author's new text of a post.
type postText struct {
	Body, HTML string
	EditedAt   time.Time
}

type postStore struct{ posts *mongo.Collection }

func newPostStore(db *mongo.Database) postStore { return postStore{posts: db.Collection(postsColl)} }

func (s postStore) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.posts, bson.D{{Key: "wall", Value: 1}, {Key: "_id", Value: 1}})
}

var notDeleted = bson.E{Key: "deleted", Value: bson.D{{Key: "$ne", Value: true}}}

// page lists up to limit posts (not comments) of a wall, newest first, older than the post
// before when it is given.
func (s postStore) page(ctx context.Context, wall, before string, limit int) ([]postDoc, error) {
	filter := bson.D{{Key: "wall", Value: wall}, {Key: "parent", Value: ""}, notDeleted}
	if before != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$lt", Value: before}}})
	}
	return findAll[postDoc](ctx, s.posts, "list posts", filter, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(int64(limit)))
}

// commentsOn lists the comments on the posts, oldest first.
func (s postStore) commentsOn(ctx context.Context, posts []string) ([]postDoc, error) {
	return findAll[postDoc](ctx, s.posts, "list comments", bson.D{{Key: "parent", Value: in(posts)}, notDeleted}, byIDOrder())
}

// get returns a post or comment (deleted ones too), or ErrPostNotFound.
func (s postStore) get(ctx context.Context, id string) (postDoc, error) {
	return findByID[postDoc](ctx, s.posts, "load post", id, ErrPostNotFound)
}

func (s postStore) insert(ctx context.Context, d postDoc) error {
	_, err := s.posts.InsertOne(ctx, d)
	return mongox.Err(ctx, "save post", err)
}

// react sets (on) or removes a user's reaction of a kind; false when there was nothing to do
// (she reacted so already, or had not).
func (s postStore) react(ctx context.Context, id, kind, user string, on bool) (bool, error) {
	field := "reactions." + kind + "." + user
	filter := bson.D{{Key: "_id", Value: id}, {Key: field, Value: bson.D{{Key: "$exists", Value: !on}}}}
	update := bson.D{{Key: "$unset", Value: bson.D{{Key: field, Value: ""}}}}
	if on {
		update = bson.D{{Key: "$set", Value: bson.D{{Key: field, Value: true}}}}
	}
	res, err := s.posts.UpdateOne(ctx, filter, update)
	if err != nil {
		return false, mongox.Err(ctx, "react", err)
	}
	return res.MatchedCount > 0, nil
}

// edit sets what e gives.
func (s postStore) edit(ctx context.Context, id string, e postEdit) error {
	set := bson.D{}
	if e.Text != nil {
		set = append(set, bson.E{Key: "body", Value: e.Text.Body}, bson.E{Key: "html", Value: e.Text.HTML}, bson.E{Key: "edited_at", Value: e.Text.EditedAt})
	}
	if e.Hidden != nil {
		set = append(set, bson.E{Key: "hidden", Value: *e.Hidden})
	}
	if e.Featured != nil {
		set = append(set, bson.E{Key: "featured", Value: *e.Featured})
	}
	_, err := s.posts.UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: set}})
	return mongox.Err(ctx, "edit post", err)
}

// remove marks a post or comment deleted.
func (s postStore) remove(ctx context.Context, id string) error {
	_, err := s.posts.UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{{Key: "deleted", Value: true}}}})
	return mongox.Err(ctx, "delete post", err)
}
