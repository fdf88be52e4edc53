package activity

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// byUser matches one person's activity records.
func byUser(userID string) bson.D { return bson.D{{Key: "user", Value: userID}} }

// exportAttempts reads one learner's quiz attempts.
func (s attemptStore) exportAttempts(ctx context.Context, userID string) ([]json.RawMessage, error) {
	return mongox.ExportDocs(ctx, s.attempts, byUser(userID))
}

// exportSafaris reads one learner's service-safari logs.
func (s safariStore) exportSafaris(ctx context.Context, userID string) ([]json.RawMessage, error) {
	return mongox.ExportDocs(ctx, s.logs, byUser(userID))
}

// exportAssessments reads one learner's assessments (with the coach's ratings and notes about
// her, less the coach's identity) and her drafts.
func (s assessmentStore) exportAssessments(ctx context.Context, userID string) (assessments, drafts []json.RawMessage, err error) {
	if assessments, err = mongox.ExportDocs(ctx, s.assessments, byUser(userID), "coach.by"); err != nil {
		return nil, nil, err
	}
	drafts, err = mongox.ExportDocs(ctx, s.drafts, byUser(userID))
	return assessments, drafts, err
}

// exportedPost is a post or comment she wrote, with how many reactions of each kind it got (not
// who gave them).
type exportedPost struct {
	ID                string         `json:"id"`
	Course            string         `json:"course"`
	Task              string         `json:"task"`
	Scope             string         `json:"scope"`
	Parent            string         `json:"parent,omitempty"`
	Body              string         `json:"body"`
	Anonymous         bool           `json:"anonymous,omitempty"`
	Hidden            bool           `json:"hidden,omitempty"`
	Featured          bool           `json:"featured,omitempty"`
	Deleted           bool           `json:"deleted,omitempty"`
	CreatedAt         time.Time      `json:"created_at"`
	EditedAt          *time.Time     `json:"edited_at,omitempty"`
	ReactionsReceived map[string]int `json:"reactions_received,omitempty"`
}

// otherComment is a comment someone else wrote on one of her posts, without its author.
type otherComment struct {
	ID        string    `json:"id"`
	Parent    string    `json:"parent"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// reactionGiven is a reaction she gave to a post or comment.
type reactionGiven struct {
	Post string `json:"post"`
	Kind string `json:"kind"`
}

// anotherPerson stands for the author of a comment on her post in her export.
const anotherPerson = "another person"

// exportWalls reads the posts and comments she wrote, the comments others wrote on her posts
// (without their authors) and the reactions she gave.
func (s postStore) exportWalls(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	own, err := findAll[postDoc](ctx, s.posts, "export posts", byUser(userID), byIDOrder())
	if err != nil {
		return nil, err
	}
	var posts, comments, reactions []json.RawMessage
	ids := make([]string, 0, len(own))
	for _, d := range own {
		ids = append(ids, d.ID)
		p := exportedPost{ID: d.ID, Course: d.Course, Task: d.Task, Scope: d.Scope, Parent: d.Parent, Body: d.Body, Anonymous: d.Anonymous,
			Hidden: d.Hidden, Featured: d.Featured, Deleted: d.Deleted, CreatedAt: d.CreatedAt.UTC(), EditedAt: d.EditedAt}
		for kind, who := range d.Reactions {
			if len(who) > 0 {
				if p.ReactionsReceived == nil {
					p.ReactionsReceived = map[string]int{}
				}
				p.ReactionsReceived[kind] = len(who)
			}
		}
		if err := appendJSON(&posts, p); err != nil {
			return nil, err
		}
	}
	if len(ids) > 0 {
		others, err := findAll[postDoc](ctx, s.posts, "export comments on posts",
			bson.D{{Key: "parent", Value: in(ids)}, {Key: "user", Value: bson.D{{Key: "$ne", Value: userID}}}, notDeleted}, byIDOrder())
		if err != nil {
			return nil, err
		}
		for _, d := range others {
			if err := appendJSON(&comments, otherComment{ID: d.ID, Parent: d.Parent, Author: anotherPerson, Body: d.Body, CreatedAt: d.CreatedAt.UTC()}); err != nil {
				return nil, err
			}
		}
	}
	for _, kind := range Reactions {
		given, err := findAll[postDoc](ctx, s.posts, "export reactions",
			bson.D{{Key: "reactions." + kind + "." + userID, Value: bson.D{{Key: "$exists", Value: true}}}}, byIDOrder())
		if err != nil {
			return nil, err
		}
		for _, d := range given {
			if err := appendJSON(&reactions, reactionGiven{Post: d.ID, Kind: kind}); err != nil {
				return nil, err
			}
		}
	}
	return map[string][]json.RawMessage{"wall_posts": posts, "wall_comments_on_my_posts": comments, "wall_reactions_given": reactions}, nil
}

// appendJSON adds v as JSON to list.
func appendJSON(list *[]json.RawMessage, v any) error {
	j, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("export %T: %w", v, err)
	}
	*list = append(*list, j)
	return nil
}
