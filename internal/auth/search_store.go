package auth

import (
	"context"
	"regexp"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// searchUsers is listUsers narrowed by text: a case-insensitive match of the text, quoted (never
// a pattern of the request's), in the name or the e-mail address. FerretDB and MongoDB both
// answer $regex with the "i" option; neither can use an index for it, which an organisation's
// accounts do not need.
func (s *store) searchUsers(ctx context.Context, text string, role Role, orgUnit, after string, limit int) ([]userDoc, error) {
	filter := bson.D{}
	if after != "" {
		filter = append(filter, bson.E{Key: "_id", Value: bson.D{{Key: "$gt", Value: after}}})
	}
	if role != "" {
		filter = append(filter, bson.E{Key: "roles", Value: string(role)})
	}
	if orgUnit != "" {
		filter = append(filter, bson.E{Key: "org_unit", Value: orgUnit})
	}
	if text != "" {
		re := bson.Regex{Pattern: regexp.QuoteMeta(text), Options: "i"}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "name", Value: re}},
			bson.D{{Key: "email", Value: re}},
		}})
	}
	cur, err := s.users.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	return mongox.All[userDoc](ctx, "search users", cur, err)
}

// orgUnits is every org unit an account has, sorted, without the empty one. It reads the org
// units only (a projection), which an organisation's accounts make a short read.
func (s *store) orgUnits(ctx context.Context) ([]string, error) {
	cur, err := s.users.Find(ctx, bson.D{}, options.Find().SetProjection(bson.D{{Key: "org_unit", Value: 1}}))
	docs, err := mongox.All[userDoc](ctx, "list org units", cur, err)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range docs {
		if d.OrgUnit != "" {
			out = append(out, d.OrgUnit)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
