package activity

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

const engagementColl = "wall_engagement"

// engagementDoc is one scope's counters in one ISO week; its id is "<scope>|<week>".
type engagementDoc struct {
	ID        string    `bson:"_id"`
	Scope     string    `bson:"scope"`
	Week      string    `bson:"week"`
	Monday    time.Time `bson:"monday"`
	Posts     int       `bson:"posts"`
	Comments  int       `bson:"comments"`
	Reactions int       `bson:"reactions"`
}

type engagementStore struct{ c *mongo.Collection }

// engagement is the store of the walls' weekly counters, in the posts' database.
func (s postStore) engagement() engagementStore {
	return engagementStore{c: s.posts.Database().Collection(engagementColl)}
}

// add increments one counter of a scope's week, creating the week's document on its first write.
func (s engagementStore) add(ctx context.Context, scope, week string, monday time.Time, field string, n int) error {
	_, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: scope + "|" + week}},
		bson.D{
			{Key: "$inc", Value: bson.D{{Key: field, Value: n}}},
			{Key: "$setOnInsert", Value: bson.D{{Key: "scope", Value: scope}, {Key: "week", Value: week}, {Key: "monday", Value: monday.UTC()}}},
		}, options.UpdateOne().SetUpsert(true))
	return mongox.Err(ctx, "count wall engagement", err)
}

// weeks lists a scope's weeks in order. Ids start with the scope, so the _id index answers.
func (s engagementStore) weeks(ctx context.Context, scope string) ([]WeekEngagement, error) {
	cur, err := s.c.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$gt", Value: scope + "|"}, {Key: "$lt", Value: scope + "|\uffff"}}}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	docs, err := mongox.All[engagementDoc](ctx, "wall engagement", cur, err)
	if err != nil {
		return nil, err
	}
	out := make([]WeekEngagement, 0, len(docs))
	for _, d := range docs {
		out = append(out, WeekEngagement{Week: d.Week, Monday: d.Monday, Posts: d.Posts, Comments: d.Comments, Reactions: d.Reactions})
	}
	return out, nil
}
