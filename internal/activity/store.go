package activity

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// What the activity stores share: reads by _id, finds decoded whole, and index creation. Each
// capability's own filters and updates are in its store file (quiz_store.go, wall_store.go,
// assessment_store.go, safari_store.go).

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// byIDOrder sorts a find by _id, ascending.
func byIDOrder() *options.FindOptionsBuilder {
	return options.Find().SetSort(bson.D{{Key: "_id", Value: 1}})
}

// in matches a field against a list of values.
func in[T any](values []T) bson.D { return bson.D{{Key: "$in", Value: values}} }

// amongUsers narrows a filter to the documents of the users; nil users leaves it whole.
func amongUsers(filter bson.D, users []string) bson.D {
	if users == nil {
		return filter
	}
	return append(filter, bson.E{Key: "user", Value: in(users)})
}

// findByID decodes the document with the id; a missing one is notFound.
func findByID[T any](ctx context.Context, coll *mongo.Collection, doing, id string, notFound error) (T, error) {
	var d T
	err := coll.FindOne(ctx, byID(id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, notFound
	}
	return d, mongox.Err(ctx, doing, err)
}

// findAll decodes every document the filter matches.
func findAll[T any](ctx context.Context, coll *mongo.Collection, doing string, filter bson.D, opts ...options.Lister[options.FindOptions]) ([]T, error) {
	cur, err := coll.Find(ctx, filter, opts...)
	return mongox.All[T](ctx, doing, cur, err)
}

// ensureIndexes creates the indexes of a collection, one at a time: FerretDB 1.24 drops the
// connection when CreateMany meets existing indexes.
func ensureIndexes(ctx context.Context, coll *mongo.Collection, keys ...bson.D) error {
	for _, k := range keys {
		if _, err := coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: k}); err != nil {
			return mongox.Err(ctx, fmt.Sprintf("%s indexes", coll.Name()), err)
		}
	}
	return nil
}
