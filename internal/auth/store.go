package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Collection names.
const (
	usersColl    = "users"
	refreshColl  = "refresh_tokens"
	oneTimeColl  = "auth_tokens" // invitations and password resets
	throttleColl = "login_throttle"
)

type userDoc struct {
	ID           string    `bson:"_id"`
	Email        string    `bson:"email"`
	Name         string    `bson:"name"`
	Roles        []Role    `bson:"roles"`
	OrgUnit      string    `bson:"org_unit"`
	Locale       string    `bson:"locale"`
	PasswordHash string    `bson:"password_hash"`
	Disabled     bool      `bson:"disabled"`
	RemindersOff bool      `bson:"reminders_off,omitempty"`
	CreatedAt    time.Time `bson:"created_at"`
	UpdatedAt    time.Time `bson:"updated_at"`
}

func (d userDoc) user() User {
	return User{ID: d.ID, Email: d.Email, Name: d.Name, Roles: d.Roles, OrgUnit: d.OrgUnit, Locale: d.Locale,
		Disabled: d.Disabled, Pending: d.PasswordHash == "", RemindersOff: d.RemindersOff, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

type refreshDoc struct {
	ID        string     `bson:"_id"` // sha256 of the token, hex
	UserID    string     `bson:"user_id"`
	Family    string     `bson:"family"`
	ExpiresAt time.Time  `bson:"expires_at"`
	CreatedAt time.Time  `bson:"created_at"`
	UsedAt    *time.Time `bson:"used_at"`
	RevokedAt *time.Time `bson:"revoked_at"`
}

type oneTimeDoc struct {
	ID        string     `bson:"_id"` // sha256 of the token, hex
	Kind      string     `bson:"kind"`
	UserID    string     `bson:"user_id"`
	ExpiresAt time.Time  `bson:"expires_at"`
	CreatedAt time.Time  `bson:"created_at"`
	UsedAt    *time.Time `bson:"used_at"`
}

type throttleDoc struct {
	ID           string    `bson:"_id"`
	Failures     int       `bson:"failures"`
	WindowStart  time.Time `bson:"window_start"`
	BlockedUntil time.Time `bson:"blocked_until"`
}

type store struct {
	users, refresh, oneTime, throttle *mongo.Collection
}

func newStore(db *mongo.Database) *store {
	return &store{
		users:    db.Collection(usersColl),
		refresh:  db.Collection(refreshColl),
		oneTime:  db.Collection(oneTimeColl),
		throttle: db.Collection(throttleColl),
	}
}

func (s *store) ensureIndexes(ctx context.Context) error {
	indexes := []struct {
		coll  *mongo.Collection
		model mongo.IndexModel
	}{
		{s.users, mongo.IndexModel{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true).SetName("email_unique")}},
		{s.users, mongo.IndexModel{Keys: bson.D{{Key: "roles", Value: 1}}}},
		{s.users, mongo.IndexModel{Keys: bson.D{{Key: "org_unit", Value: 1}}}},
		{s.refresh, mongo.IndexModel{Keys: bson.D{{Key: "family", Value: 1}}}},
		{s.refresh, mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}}}},
		{s.refresh, mongo.IndexModel{Keys: bson.D{{Key: "expires_at", Value: 1}}}},
		{s.oneTime, mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}}}},
	}
	// One at a time: FerretDB 1.24 drops the connection when CreateMany meets existing indexes.
	for _, ix := range indexes {
		if _, err := ix.coll.Indexes().CreateOne(ctx, ix.model); err != nil {
			return fmt.Errorf("%s indexes: %w", ix.coll.Name(), err)
		}
	}
	return nil
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

func (s *store) userByID(ctx context.Context, id string) (userDoc, error) {
	var d userDoc
	err := s.users.FindOne(ctx, byID(id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrUserNotFound
	}
	if err != nil {
		return d, fmt.Errorf("load user: %w", err)
	}
	return d, nil
}

func (s *store) userByEmail(ctx context.Context, email string) (userDoc, error) {
	var d userDoc
	err := s.users.FindOne(ctx, bson.D{{Key: "email", Value: email}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrUserNotFound
	}
	if err != nil {
		return d, fmt.Errorf("load user by email: %w", err)
	}
	return d, nil
}

func (s *store) insertUser(ctx context.Context, d userDoc) error {
	_, err := s.users.InsertOne(ctx, d)
	if mongo.IsDuplicateKeyError(err) {
		return ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func (s *store) updateUser(ctx context.Context, id string, set bson.D) (userDoc, error) {
	var d userDoc
	err := s.users.FindOneAndUpdate(ctx, byID(id), bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrUserNotFound
	}
	if err != nil {
		return d, fmt.Errorf("update user: %w", err)
	}
	return d, nil
}

func (s *store) anyUser(ctx context.Context) (bool, error) {
	err := s.users.FindOne(ctx, bson.D{}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look for users: %w", err)
	}
	return true, nil
}

// listUsers filters only on allow-listed, typed fields.
func (s *store) listUsers(ctx context.Context, role Role, orgUnit, after string, limit int) ([]userDoc, error) {
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
	cur, err := s.users.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	var out []userDoc
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return out, nil
}

func (s *store) insertRefresh(ctx context.Context, d refreshDoc) error {
	if _, err := s.refresh.InsertOne(ctx, d); err != nil {
		return fmt.Errorf("store refresh token: %w", err)
	}
	return nil
}

// useRefresh marks a live refresh token used, atomically: of two concurrent uses only one wins.
func (s *store) useRefresh(ctx context.Context, hash string, now time.Time) (refreshDoc, bool, error) {
	var d refreshDoc
	err := s.refresh.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: hash}, {Key: "used_at", Value: nil}, {Key: "revoked_at", Value: nil}, {Key: "expires_at", Value: bson.D{{Key: "$gt", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used_at", Value: now}}}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("use refresh token: %w", err)
	}
	return d, true, nil
}

func (s *store) refreshByHash(ctx context.Context, hash string) (refreshDoc, bool, error) {
	var d refreshDoc
	err := s.refresh.FindOne(ctx, byID(hash)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("load refresh token: %w", err)
	}
	return d, true, nil
}

func (s *store) revokeFamily(ctx context.Context, family string, now time.Time) error {
	_, err := s.refresh.UpdateMany(ctx, bson.D{{Key: "family", Value: family}, {Key: "revoked_at", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: now}}}})
	if err != nil {
		return fmt.Errorf("revoke token family: %w", err)
	}
	return nil
}

func (s *store) revokeUserTokens(ctx context.Context, userID string, now time.Time) error {
	_, err := s.refresh.UpdateMany(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "revoked_at", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: now}}}})
	if err != nil {
		return fmt.Errorf("revoke user's tokens: %w", err)
	}
	return nil
}

func (s *store) insertOneTime(ctx context.Context, d oneTimeDoc) error {
	if _, err := s.oneTime.InsertOne(ctx, d); err != nil {
		return fmt.Errorf("store one-time token: %w", err)
	}
	return nil
}

// useOneTime consumes a live one-time token of kind, atomically.
func (s *store) useOneTime(ctx context.Context, hash, kind string, now time.Time) (oneTimeDoc, bool, error) {
	var d oneTimeDoc
	err := s.oneTime.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: hash}, {Key: "kind", Value: kind}, {Key: "used_at", Value: nil}, {Key: "expires_at", Value: bson.D{{Key: "$gt", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used_at", Value: now}}}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("use one-time token: %w", err)
	}
	return d, true, nil
}

func (s *store) throttleDocs(ctx context.Context, keys ...string) ([]throttleDoc, error) {
	cur, err := s.throttle.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}})
	if err != nil {
		return nil, fmt.Errorf("read sign-in throttle: %w", err)
	}
	var out []throttleDoc
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read sign-in throttle: %w", err)
	}
	return out, nil
}

// recordFailure counts one failed sign-in against key within the current window, starting a new
// window when the old one has passed, and returns the count so far.
func (s *store) recordFailure(ctx context.Context, key string, now time.Time, window time.Duration) (int, error) {
	var d throttleDoc
	err := s.throttle.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: key}, {Key: "window_start", Value: bson.D{{Key: "$gt", Value: now.Add(-window)}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "failures", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if err == nil {
		return d.Failures, nil
	}
	if !errors.Is(err, mongo.ErrNoDocuments) {
		return 0, fmt.Errorf("count failed sign-in: %w", err)
	}
	_, err = s.throttle.UpdateOne(ctx, byID(key),
		bson.D{{Key: "$set", Value: bson.D{{Key: "failures", Value: 1}, {Key: "window_start", Value: now}, {Key: "blocked_until", Value: time.Time{}}}}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return 0, fmt.Errorf("count failed sign-in: %w", err)
	}
	return 1, nil
}

func (s *store) block(ctx context.Context, key string, until time.Time) error {
	_, err := s.throttle.UpdateOne(ctx, byID(key), bson.D{{Key: "$max", Value: bson.D{{Key: "blocked_until", Value: until}}}})
	if err != nil {
		return fmt.Errorf("throttle sign-in: %w", err)
	}
	return nil
}

func (s *store) clearThrottle(ctx context.Context, key string) error {
	if _, err := s.throttle.DeleteOne(ctx, byID(key)); err != nil {
		return fmt.Errorf("clear sign-in throttle: %w", err)
	}
	return nil
}
