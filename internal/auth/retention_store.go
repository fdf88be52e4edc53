package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// lastSignInField is when the account last signed in (password or invitation): kept for the
// retention of inactive accounts.
const lastSignInField = "last_sign_in_at"

// noteSignIn records a sign-in's time on the account.
func (s *store) noteSignIn(ctx context.Context, id string, at time.Time) error {
	_, err := s.users.UpdateOne(ctx, byID(id), bson.D{{Key: "$max", Value: bson.D{{Key: lastSignInField, Value: at}}}})
	return mongox.Err(ctx, "note the sign-in of "+id, err)
}

// signInEpochID names the document that says since when sign-ins are noted on accounts. It is
// in the secrets collection, whose documents a fresh start writes and a restore replaces with
// the archive's, so that a restored installation keeps its own.
const signInEpochID = "sign-ins-noted-since"

// ensureSignInEpoch notes now as the start of noting sign-ins, unless a start is noted already.
func (s *store) ensureSignInEpoch(ctx context.Context, now time.Time) error {
	_, err := s.users.Database().Collection("secrets").InsertOne(ctx, bson.D{{Key: "_id", Value: signInEpochID}, {Key: "since", Value: now}})
	if err = mongox.Err(ctx, "note when sign-ins began to be noted", err); errors.Is(err, mongox.ErrDuplicate) {
		return nil
	}
	return err
}

// signInEpoch returns since when sign-ins are noted (zero: not known).
func (s *store) signInEpoch(ctx context.Context) (time.Time, error) {
	var doc struct {
		Since time.Time `bson:"since"`
	}
	err := s.users.Database().Collection("secrets").FindOne(ctx, byID(signInEpochID)).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return time.Time{}, nil
	}
	return doc.Since, mongox.Err(ctx, "read when sign-ins began to be noted", err)
}

// idleUser is an account with the time it last signed in.
type idleUser struct {
	userDoc
	LastSignIn time.Time
}

// usersIdleSince returns the accounts created, changed and signed in to only before t.
func (s *store) usersIdleSince(ctx context.Context, t time.Time) ([]idleUser, error) {
	before := bson.D{{Key: "$lt", Value: t}}
	cur, err := s.users.Find(ctx, bson.D{{Key: "created_at", Value: before}, {Key: "updated_at", Value: before},
		{Key: "$or", Value: bson.A{
			bson.D{{Key: lastSignInField, Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: lastSignInField, Value: before}},
		}}}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	raws, err := mongox.All[bson.Raw](ctx, "list idle accounts", cur, err)
	if err != nil {
		return nil, err
	}
	out := make([]idleUser, len(raws))
	for i, raw := range raws {
		var signIn struct {
			At time.Time `bson:"last_sign_in_at"`
		}
		if err := bson.Unmarshal(raw, &out[i].userDoc); err != nil {
			return nil, fmt.Errorf("decode account: %w", err)
		}
		if err := bson.Unmarshal(raw, &signIn); err != nil {
			return nil, fmt.Errorf("decode account: %w", err)
		}
		out[i].LastSignIn = signIn.At
	}
	return out, nil
}

// refreshedSince reports whether the account was given a refresh token at or after t (an app
// that stays signed in).
func (s *store) refreshedSince(ctx context.Context, id string, t time.Time) (bool, error) {
	n, err := s.refresh.CountDocuments(ctx, bson.D{{Key: "user_id", Value: id}, {Key: "created_at", Value: bson.D{{Key: "$gte", Value: t}}}},
		options.Count().SetLimit(1))
	return n > 0, mongox.Err(ctx, "look for refresh tokens of "+id, err)
}

// activeAdmins returns the ids of the enabled admin accounts that have a password.
func (s *store) activeAdmins(ctx context.Context) ([]string, error) {
	cur, err := s.users.Find(ctx, bson.D{{Key: "roles", Value: RoleAdmin}, {Key: "disabled", Value: false}, {Key: "password_hash", Value: bson.D{{Key: "$ne", Value: ""}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	rows, err := mongox.All[struct {
		ID string `bson:"_id"`
	}](ctx, "list admins", cur, err)
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, err
}
