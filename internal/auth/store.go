package auth

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// Collection names.
const (
	usersColl    = "users"
	refreshColl  = "refresh_tokens"
	oneTimeColl  = "auth_tokens" // invitations and password resets
	throttleColl = "login_throttle"
	endedColl    = "ended_sessions" // sessions (refresh families) ended before their tokens expire
	browserColl  = "browser_sessions"
)

type userDoc struct {
	ID           string `bson:"_id"`
	Email        string `bson:"email"`
	Name         string `bson:"name"`
	Roles        []Role `bson:"roles"`
	OrgUnit      string `bson:"org_unit"`
	Locale       string `bson:"locale"`
	PasswordHash string `bson:"password_hash"`
	Disabled     bool   `bson:"disabled"`
	RemindersOff bool   `bson:"reminders_off,omitempty"`
	// TokenGen is the generation of the account's tokens: raised when every session ends, and
	// every token of an older generation is refused.
	TokenGen  int64     `bson:"token_gen,omitempty"`
	CreatedAt time.Time `bson:"created_at"`
	UpdatedAt time.Time `bson:"updated_at"`
}

func (d userDoc) user() User {
	return User{ID: d.ID, Email: d.Email, Name: d.Name, Roles: d.Roles, OrgUnit: d.OrgUnit, Locale: d.Locale,
		Disabled: d.Disabled, Pending: d.PasswordHash == "", RemindersOff: d.RemindersOff, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

type refreshDoc struct {
	ID        string     `bson:"_id"` // sha256 of the token, hex
	UserID    string     `bson:"user_id"`
	Family    string     `bson:"family"`
	Gen       int64      `bson:"gen,omitempty"` // the account's token generation when issued
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

// throttleDoc counts attempts against one key (an account, a client address) in a window.
type throttleDoc struct {
	ID           string    `bson:"_id"`
	Failures     int       `bson:"failures"` // attempts in the window not yet known to succeed
	WindowStart  time.Time `bson:"window_start"`
	BlockedUntil time.Time `bson:"blocked_until"`
	Blocks       int       `bson:"blocks,omitempty"` // back-offs so far in the window
}

// endedDoc records a session ended before its access tokens expire; it is kept until they have.
type endedDoc struct {
	ID        string    `bson:"_id"` // the refresh family
	UserID    string    `bson:"user_id"`
	EndedAt   time.Time `bson:"ended_at"`
	ExpiresAt time.Time `bson:"expires_at"`
}

// browserDoc is a browser session (browser.go).
type browserDoc struct {
	ID        string    `bson:"_id"` // sha256 of the cookie's value, hex
	UserID    string    `bson:"user_id"`
	Gen       int64     `bson:"gen,omitempty"` // the account's token generation when it started
	CSRF      string    `bson:"csrf"`
	CreatedAt time.Time `bson:"created_at"`
	SeenAt    time.Time `bson:"seen_at"`    // the last request, to within touchEvery
	ExpiresAt time.Time `bson:"expires_at"` // the absolute end
	Mark      *PageMark `bson:"mark,omitempty"`
}

type store struct {
	users, refresh, oneTime, throttle, ended, browsers *mongo.Collection
}

func newStore(db *mongo.Database) *store {
	return &store{
		users:    db.Collection(usersColl),
		refresh:  db.Collection(refreshColl),
		oneTime:  db.Collection(oneTimeColl),
		throttle: db.Collection(throttleColl),
		ended:    db.Collection(endedColl),
		browsers: db.Collection(browserColl),
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
		{s.browsers, mongo.IndexModel{Keys: bson.D{{Key: "user_id", Value: 1}}}},
	}
	// One at a time: FerretDB 1.24 drops the connection when CreateMany meets existing indexes.
	for _, ix := range indexes {
		if _, err := ix.coll.Indexes().CreateOne(ctx, ix.model); err != nil {
			return mongox.Err(ctx, ix.coll.Name()+" indexes", err)
		}
	}
	return nil
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

// anys is docs as the driver's many-document writes take them.
func anys[T any](docs []T) []any {
	out := make([]any, len(docs))
	for i, d := range docs {
		out[i] = d
	}
	return out
}

// Accounts.

// findUser loads the account filter selects.
//
// Returns ErrUserNotFound.
func (s *store) findUser(ctx context.Context, filter bson.D, doing string) (userDoc, error) {
	var d userDoc
	err := s.users.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrUserNotFound
	}
	return d, mongox.Err(ctx, doing, err)
}

func (s *store) userByID(ctx context.Context, id string) (userDoc, error) {
	return s.findUser(ctx, byID(id), "load user")
}

func (s *store) userByEmail(ctx context.Context, email string) (userDoc, error) {
	return s.findUser(ctx, bson.D{{Key: "email", Value: email}}, "load user by email")
}

// longList is the length from which usersByIDs reads all accounts.
const longList = 1000

// usersByIDs loads the accounts with these ids; unknown ids are left out.
//
// A long list is answered by reading every account once and keeping the asked-for ones: a
// server that compares each document with the whole list (FerretDB does) would otherwise take
// time growing with the square of the list, and reading all accounts of an organisation is
// cheap anywhere.
func (s *store) usersByIDs(ctx context.Context, ids []string) ([]userDoc, error) {
	if len(ids) <= longList {
		return s.usersWhere(ctx, "_id", ids)
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	cur, err := s.users.Find(ctx, bson.D{})
	if err != nil {
		return nil, mongox.Err(ctx, "load users", err)
	}
	defer cur.Close(ctx)
	var out []userDoc
	for cur.Next(ctx) {
		var d userDoc
		if err := cur.Decode(&d); err != nil {
			return nil, mongox.Err(ctx, "load users", err)
		}
		if want[d.ID] {
			out = append(out, d)
		}
	}
	return out, mongox.Err(ctx, "load users", cur.Err())
}

// usersByEmails loads the accounts with these (normalised) e-mail addresses; unknown ones are
// left out.
func (s *store) usersByEmails(ctx context.Context, emails []string) ([]userDoc, error) {
	return s.usersWhere(ctx, "email", emails)
}

// usersWhere loads the accounts whose field is one of values, in as few queries as the
// 16 MB command limit allows (FerretDB over SQLite reads the whole table for each query).
func (s *store) usersWhere(ctx context.Context, field string, values []string) ([]userDoc, error) {
	var out []userDoc
	const chunk = 20000
	for start := 0; start < len(values); start += chunk {
		cur, err := s.users.Find(ctx, bson.D{{Key: field, Value: bson.D{{Key: "$in", Value: values[start:min(start+chunk, len(values))]}}}})
		docs, err := mongox.All[userDoc](ctx, "load users", cur, err)
		if err != nil {
			return nil, err
		}
		out = append(out, docs...)
	}
	return out, nil
}

// insertUser stores a new account.
//
// Returns ErrEmailTaken.
func (s *store) insertUser(ctx context.Context, d userDoc) error {
	_, err := s.users.InsertOne(ctx, d)
	if mongo.IsDuplicateKeyError(err) {
		return ErrEmailTaken
	}
	return mongox.Err(ctx, "insert user", err)
}

// insertUsers stores new accounts in one write and returns the indexes of those whose e-mail
// was taken.
func (s *store) insertUsers(ctx context.Context, docs []userDoc) ([]int, error) {
	return mongox.InsertAll(ctx, s.users, anys(docs))
}

// userUpdate is a change to an account; nil fields are left alone.
type userUpdate struct {
	Name, Locale, OrgUnit *string
	Roles                 []Role
	Disabled              *bool
	PasswordHash          *string
	RemindersOff          *bool
	UpdatedAt             *time.Time
	EndSessions           bool // raise the token generation: every token issued so far is refused
}

// update is the change as a MongoDB update.
func (u userUpdate) update() bson.D {
	up := bson.D{}
	if set := u.set(); len(set) > 0 {
		up = append(up, bson.E{Key: "$set", Value: set})
	}
	if u.EndSessions {
		up = append(up, bson.E{Key: "$inc", Value: bson.D{{Key: "token_gen", Value: 1}}})
	}
	return up
}

func (u userUpdate) set() bson.D {
	set := bson.D{}
	setIf(&set, "name", u.Name)
	setIf(&set, "locale", u.Locale)
	setIf(&set, "org_unit", u.OrgUnit)
	if u.Roles != nil {
		set = append(set, bson.E{Key: "roles", Value: u.Roles})
	}
	setIf(&set, "disabled", u.Disabled)
	setIf(&set, "password_hash", u.PasswordHash)
	setIf(&set, "reminders_off", u.RemindersOff)
	setIf(&set, "updated_at", u.UpdatedAt)
	return set
}

func setIf[T any](set *bson.D, key string, v *T) {
	if v != nil {
		*set = append(*set, bson.E{Key: key, Value: *v})
	}
}

// updateUser applies a change to an account and returns the account as it is now.
//
// Returns ErrUserNotFound.
func (s *store) updateUser(ctx context.Context, id string, u userUpdate) (userDoc, error) {
	var d userDoc
	err := s.users.FindOneAndUpdate(ctx, byID(id), u.update(),
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrUserNotFound
	}
	return d, mongox.Err(ctx, "update user", err)
}

func (s *store) anyUser(ctx context.Context) (bool, error) {
	err := s.users.FindOne(ctx, bson.D{}).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	if err != nil {
		return false, mongox.Err(ctx, "look for users", err)
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
	return mongox.All[userDoc](ctx, "list users", cur, err)
}

// Refresh tokens.

func (s *store) insertRefresh(ctx context.Context, d refreshDoc) error {
	_, err := s.refresh.InsertOne(ctx, d)
	return mongox.Err(ctx, "store refresh token", err)
}

// useRefresh marks a live refresh token used, atomically: of two concurrent uses only one wins.
func (s *store) useRefresh(ctx context.Context, hash string, now time.Time) (refreshDoc, bool, error) {
	var d refreshDoc
	err := s.refresh.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: hash}, {Key: "used_at", Value: nil}, {Key: "revoked_at", Value: nil}, {Key: "expires_at", Value: bson.D{{Key: "$gt", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used_at", Value: now}}}}).Decode(&d)
	return lookup(ctx, d, err, "use refresh token")
}

func (s *store) refreshByHash(ctx context.Context, hash string) (refreshDoc, bool, error) {
	var d refreshDoc
	err := s.refresh.FindOne(ctx, byID(hash)).Decode(&d)
	return lookup(ctx, d, err, "load refresh token")
}

// lookup is the answer of a lookup whose miss is no error: the document, whether there was one,
// and a translated error.
func lookup[T any](ctx context.Context, d T, err error, doing string) (T, bool, error) {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, false, nil
	}
	if err != nil {
		return d, false, mongox.Err(ctx, doing, err)
	}
	return d, true, nil
}

func (s *store) revokeFamily(ctx context.Context, family string, now time.Time) error {
	_, err := s.refresh.UpdateMany(ctx, bson.D{{Key: "family", Value: family}, {Key: "revoked_at", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: now}}}})
	return mongox.Err(ctx, "revoke token family", err)
}

func (s *store) revokeUserTokens(ctx context.Context, userID string, now time.Time) error {
	_, err := s.refresh.UpdateMany(ctx, bson.D{{Key: "user_id", Value: userID}, {Key: "revoked_at", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: now}}}})
	return mongox.Err(ctx, "revoke user's tokens", err)
}

// Ended sessions.

// endSession records that a session ended; expires is when its last access token does.
func (s *store) endSession(ctx context.Context, d endedDoc) error {
	_, err := s.ended.UpdateOne(ctx, byID(d.ID), bson.D{{Key: "$set", Value: bson.D{
		{Key: "user_id", Value: d.UserID}, {Key: "ended_at", Value: d.EndedAt}, {Key: "expires_at", Value: d.ExpiresAt}}}},
		options.UpdateOne().SetUpsert(true))
	return mongox.Err(ctx, "end session", err)
}

// sessionEnded reports whether a session (refresh family) was ended.
func (s *store) sessionEnded(ctx context.Context, family string) (bool, error) {
	var d endedDoc
	err := s.ended.FindOne(ctx, byID(family)).Decode(&d)
	_, found, err := lookup(ctx, d, err, "check session")
	return found, err
}

// One-time tokens (invitations and password resets).

func (s *store) insertOneTime(ctx context.Context, d oneTimeDoc) error {
	_, err := s.oneTime.InsertOne(ctx, d)
	return mongox.Err(ctx, "store one-time token", err)
}

// insertOneTimes stores many one-time tokens in one write.
func (s *store) insertOneTimes(ctx context.Context, docs []oneTimeDoc) error {
	if len(docs) == 0 {
		return nil
	}
	_, err := s.oneTime.InsertMany(ctx, anys(docs))
	return mongox.Err(ctx, "store invitations", err)
}

// endOneTimes ends every unused one-time token of kind of a user (a re-sent invitation ends the
// earlier links).
func (s *store) endOneTimes(ctx context.Context, userID, kind string, now time.Time) error {
	_, err := s.oneTime.UpdateMany(ctx,
		bson.D{{Key: "user_id", Value: userID}, {Key: "kind", Value: kind}, {Key: "used_at", Value: nil}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used_at", Value: now}}}})
	return mongox.Err(ctx, "end earlier one-time tokens", err)
}

// useOneTime consumes a live one-time token of kind, atomically.
func (s *store) useOneTime(ctx context.Context, hash, kind string, now time.Time) (oneTimeDoc, bool, error) {
	var d oneTimeDoc
	err := s.oneTime.FindOneAndUpdate(ctx,
		bson.D{{Key: "_id", Value: hash}, {Key: "kind", Value: kind}, {Key: "used_at", Value: nil}, {Key: "expires_at", Value: bson.D{{Key: "$gt", Value: now}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "used_at", Value: now}}}}).Decode(&d)
	return lookup(ctx, d, err, "use one-time token")
}

// Throttling.

// countAttempt counts one attempt against key in the current window, starting a new window when
// the old one has passed, and returns the counter as it is now. The count is one increment,
// atomic on MongoDB (on FerretDB only within the process, which the service serialises).
func (s *store) countAttempt(ctx context.Context, key string, now time.Time, window time.Duration) (throttleDoc, error) {
	cutoff := now.Add(-window)
	for range 3 {
		var d throttleDoc
		err := s.throttle.FindOneAndUpdate(ctx,
			bson.D{{Key: "_id", Value: key}, {Key: "window_start", Value: bson.D{{Key: "$gt", Value: cutoff}}}},
			bson.D{
				{Key: "$inc", Value: bson.D{{Key: "failures", Value: 1}}},
				{Key: "$setOnInsert", Value: bson.D{{Key: "window_start", Value: now}, {Key: "blocked_until", Value: time.Time{}}}},
			},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
		if !mongo.IsDuplicateKeyError(err) {
			return d, mongox.Err(ctx, "count attempt", err)
		}
		// The counter is there but its window has passed (or another attempt created it just
		// now): start a new window, which only one of concurrent attempts does, and count again.
		_, err = s.throttle.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: key}, {Key: "window_start", Value: bson.D{{Key: "$lte", Value: cutoff}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "failures", Value: 0}, {Key: "window_start", Value: now}, {Key: "blocked_until", Value: time.Time{}}, {Key: "blocks", Value: 0}}}})
		if err != nil {
			return throttleDoc{}, mongox.Err(ctx, "count attempt", err)
		}
	}
	return throttleDoc{}, mongox.Err(ctx, "count attempt", errors.New("counter keeps changing"))
}

// claimBackoff starts a back-off until until, if the counter is still blocked until prev (a
// compare-and-set: of concurrent attempts only one claims it). It reports whether this one did.
func (s *store) claimBackoff(ctx context.Context, key string, prev, until time.Time) (bool, error) {
	res, err := s.throttle.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "blocked_until", Value: prev}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "blocked_until", Value: until}}}, {Key: "$inc", Value: bson.D{{Key: "blocks", Value: 1}}}})
	if err != nil {
		return false, mongox.Err(ctx, "throttle", err)
	}
	return res.ModifiedCount == 1, nil
}

// uncount takes back one attempt that turned out to succeed.
func (s *store) uncount(ctx context.Context, key string) error {
	_, err := s.throttle.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "failures", Value: bson.D{{Key: "$gt", Value: 0}}}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "failures", Value: -1}}}})
	return mongox.Err(ctx, "throttle", err)
}

func (s *store) clearThrottle(ctx context.Context, key string) error {
	_, err := s.throttle.DeleteOne(ctx, byID(key))
	return mongox.Err(ctx, "clear sign-in throttle", err)
}

// deleteExpired deletes refresh and one-time tokens and ended-session records that expired before
// cutoff and throttle counters whose window started before it, and returns how many it deleted.
func (s *store) deleteExpired(ctx context.Context, cutoff time.Time) (int64, error) {
	var total int64
	for _, c := range []struct {
		coll   *mongo.Collection
		filter bson.D
	}{
		{s.refresh, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: cutoff}}}}},
		{s.oneTime, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: cutoff}}}}},
		{s.throttle, bson.D{{Key: "window_start", Value: bson.D{{Key: "$lt", Value: cutoff}}}}},
		{s.ended, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: cutoff}}}}},
		{s.browsers, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: cutoff}}}}},
	} {
		res, err := c.coll.DeleteMany(ctx, c.filter)
		if err != nil {
			return total, mongox.Err(ctx, "clean up "+c.coll.Name(), err)
		}
		total += res.DeletedCount
	}
	return total, nil
}

// Browser sessions.

func (s *store) insertBrowser(ctx context.Context, d browserDoc) error {
	_, err := s.browsers.InsertOne(ctx, d)
	return mongox.Err(ctx, "start browser session", err)
}

func (s *store) browser(ctx context.Context, id string) (browserDoc, bool, error) {
	var d browserDoc
	err := s.browsers.FindOne(ctx, byID(id)).Decode(&d)
	return lookup(ctx, d, err, "read browser session")
}

func (s *store) touchBrowser(ctx context.Context, id string, now time.Time) error {
	_, err := s.browsers.UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{{Key: "seen_at", Value: now}}}})
	return mongox.Err(ctx, "touch browser session", err)
}

func (s *store) deleteBrowser(ctx context.Context, id string) error {
	_, err := s.browsers.DeleteOne(ctx, byID(id))
	return mongox.Err(ctx, "end browser session", err)
}

// deleteBrowsers ends every browser session of an account.
func (s *store) deleteBrowsers(ctx context.Context, userID string) error {
	_, err := s.browsers.DeleteMany(ctx, bson.D{{Key: "user_id", Value: userID}})
	return mongox.Err(ctx, "end browser sessions", err)
}

func (s *store) setMark(ctx context.Context, id string, m *PageMark) error {
	_, err := s.browsers.UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{{Key: "mark", Value: m}}}})
	return mongox.Err(ctx, "note on browser session", err)
}

// takeMark unsets a session's mark and returns it as it was: of two requests at once, one gets
// it (FindOneAndUpdate on a filter that needs the mark).
func (s *store) takeMark(ctx context.Context, id string) (*PageMark, error) {
	var d browserDoc
	err := s.browsers.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}, {Key: "mark", Value: bson.D{{Key: "$exists", Value: true}}}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "mark", Value: ""}}}}).Decode(&d)
	d, found, err := lookup(ctx, d, err, "take note of browser session")
	if err != nil || !found {
		return nil, err
	}
	return d.Mark, nil
}
