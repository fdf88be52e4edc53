package activity

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// erasedUser matches the records of the person being erased.
func erasedUser(userID string) bson.D { return bson.D{{Key: "user", Value: userID}} }

// pseudonymise puts a learner's attempts under a pseudonym.
func (s attemptStore) pseudonymise(ctx context.Context, userID, pseudonym string) error {
	_, err := s.attempts.UpdateMany(ctx, erasedUser(userID), bson.D{{Key: "$set", Value: bson.D{{Key: "user", Value: pseudonym}}}})
	return mongox.Err(ctx, "pseudonymise attempts", err)
}

// eraseAuthor empties a person's posts and comments and marks them erased, authorless.
func (s postStore) eraseAuthor(ctx context.Context, userID string) error {
	_, err := s.posts.UpdateMany(ctx, erasedUser(userID), bson.D{
		{Key: "$set", Value: bson.D{{Key: "user", Value: ""}, {Key: "body", Value: ""}, {Key: "html", Value: ""}, {Key: "erased", Value: true}}},
		{Key: "$unset", Value: bson.D{{Key: "edited_at", Value: ""}}},
	})
	return mongox.Err(ctx, "erase posts", err)
}

// rekeyReactions moves a person's reactions of each kind to the pseudonym.
func (s postStore) rekeyReactions(ctx context.Context, userID, pseudonym string, kinds []string) error {
	for _, k := range kinds {
		field := "reactions." + k + "." + userID
		_, err := s.posts.UpdateMany(ctx, bson.D{{Key: field, Value: bson.D{{Key: "$exists", Value: true}}}}, bson.D{
			{Key: "$unset", Value: bson.D{{Key: field, Value: ""}}},
			{Key: "$set", Value: bson.D{{Key: "reactions." + k + "." + pseudonym, Value: true}}},
		})
		if err != nil {
			return mongox.Err(ctx, "pseudonymise reactions", err)
		}
	}
	return nil
}

// erase deletes a learner's assessments and drafts, and puts her coach's notes on others'
// under the pseudonym.
func (s assessmentStore) erase(ctx context.Context, userID, pseudonym string) error {
	if _, err := s.assessments.DeleteMany(ctx, erasedUser(userID)); err != nil {
		return mongox.Err(ctx, "erase assessments", err)
	}
	if _, err := s.drafts.DeleteMany(ctx, erasedUser(userID)); err != nil {
		return mongox.Err(ctx, "erase assessment drafts", err)
	}
	_, err := s.assessments.UpdateMany(ctx, bson.D{{Key: "coach.by", Value: userID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "coach.by", Value: pseudonym}}}})
	return mongox.Err(ctx, "pseudonymise coach notes", err)
}

// erase deletes a learner's safari logs.
func (s safariStore) erase(ctx context.Context, userID string) error {
	_, err := s.logs.DeleteMany(ctx, erasedUser(userID))
	return mongox.Err(ctx, "erase safari logs", err)
}

// matching returns the posts and comments whose text matches pattern in any case.
func (s postStore) matching(ctx context.Context, pattern string) ([]postDoc, error) {
	re := bson.Regex{Pattern: pattern, Options: "i"}
	return findAll[postDoc](ctx, s.posts, "find posts", bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "body", Value: re}}, bson.D{{Key: "html", Value: re}}}}})
}

// setText replaces a post's text without marking it edited.
func (s postStore) setText(ctx context.Context, id, body, html string) error {
	_, err := s.posts.UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{{Key: "body", Value: body}, {Key: "html", Value: html}}}})
	return mongox.Err(ctx, "scrub post", err)
}
