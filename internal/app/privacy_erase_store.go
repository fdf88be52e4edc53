package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// erasuresColl keeps the erasure jobs: written before the first step, each step recorded as it
// is done, and when all are done only the pseudonym, times and who ordered it stay.
const erasuresColl = "erasures"

// erasureLocksColl holds, while a person's erasure runs, the lease that lets one request at a
// time run it (see acquire).
const erasureLocksColl = "erasure_locks"

// erasureDoc is one erasure job. User, Email and Name are kept while it runs, so that a job
// stopped part-way resumes, and removed when it is done.
type erasureDoc struct {
	ID        string     `bson:"_id"` // the pseudonym
	User      string     `bson:"user,omitempty"`
	Email     string     `bson:"email,omitempty"`
	Name      string     `bson:"name,omitempty"`
	Status    string     `bson:"status"`
	Steps     []string   `bson:"steps"`
	OrderedBy string     `bson:"ordered_by,omitempty"`
	Started   time.Time  `bson:"started"`
	Finished  *time.Time `bson:"finished,omitempty"`
}

func (d erasureDoc) erasure() Erasure {
	steps := d.Steps
	if steps == nil {
		steps = []string{}
	}
	return Erasure{ID: d.ID, Status: d.Status, Steps: steps, Total: len(eraseSteps), OrderedBy: d.OrderedBy, Started: d.Started, Finished: d.Finished}
}

type erasureStore struct{ c *mongo.Collection }

func newErasureStore(db *mongo.Database) erasureStore {
	return erasureStore{c: db.Collection(erasuresColl)}
}

// begin writes the record of an erasure unless it is there already (another process began it),
// and returns the record as it is.
func (s erasureStore) begin(ctx context.Context, d erasureDoc) (erasureDoc, error) {
	_, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$setOnInsert", Value: bson.D{
		{Key: "user", Value: d.User}, {Key: "email", Value: d.Email}, {Key: "name", Value: d.Name}, {Key: "status", Value: d.Status},
		{Key: "steps", Value: d.Steps}, {Key: "ordered_by", Value: d.OrderedBy}, {Key: "started", Value: d.Started}}}},
		options.UpdateOne().SetUpsert(true))
	if err = mongox.Err(ctx, "begin erasure", err); err != nil && !errors.Is(err, mongox.ErrDuplicate) {
		return d, err
	}
	got, found, err := s.get(ctx, d.ID)
	if err == nil && !found {
		err = errors.New("begin erasure: the record is not there")
	}
	return got, err
}

// eraseLease is how long an erasure holds its person without renewing (after each step): a
// request that finds a lease of another still running is told the erasure is under way, and
// after a crash the next request resumes once it has run out.
const eraseLease = 10 * time.Minute

// lockID is the key of the lease on erasing a person: a hash of her id, kept only while her
// erasure runs.
func lockID(userID string) string {
	sum := sha256.Sum256([]byte("erasure\x00" + userID))
	return hex.EncodeToString(sum[:])
}

type leaseDoc struct {
	ID      string    `bson:"_id"`
	Erasure string    `bson:"erasure"`
	Until   time.Time `bson:"until"`
}

func (s erasureStore) locks() *mongo.Collection { return s.c.Database().Collection(erasureLocksColl) }

// acquire takes the lease on erasing a person for the erasure pseudonym and returns the erasure
// to run: pseudonym, or the erasure named by a lease that ran out. A lease still running is
// ErrErasureUnderWay.
func (s erasureStore) acquire(ctx context.Context, userID, pseudonym string, now time.Time) (string, error) {
	until := now.Add(eraseLease).UTC()
	_, err := s.locks().InsertOne(ctx, leaseDoc{ID: lockID(userID), Erasure: pseudonym, Until: until})
	if err = mongox.Err(ctx, "lock erasure", err); err == nil || !errors.Is(err, mongox.ErrDuplicate) {
		return pseudonym, err
	}
	var l leaseDoc
	if err := s.locks().FindOne(ctx, bson.D{{Key: "_id", Value: lockID(userID)}}).Decode(&l); err != nil {
		return "", mongox.Err(ctx, "read erasure lease", err)
	}
	if l.Until.After(now) {
		return "", ErrErasureUnderWay
	}
	res, err := s.locks().UpdateOne(ctx, bson.D{{Key: "_id", Value: l.ID}, {Key: "until", Value: l.Until}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: until}}}})
	if err != nil {
		return "", mongox.Err(ctx, "take over erasure lease", err)
	}
	if res.MatchedCount == 0 {
		return "", ErrErasureUnderWay // another request took it over first
	}
	return l.Erasure, nil
}

// release lets go of the lease on a person, so that the next request resumes at once; a
// failure leaves it to run out.
func (s erasureStore) release(ctx context.Context, userID string) {
	_, _ = s.locks().DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: lockID(userID)}})
}

func (s erasureStore) get(ctx context.Context, id string) (erasureDoc, bool, error) {
	var d erasureDoc
	err := s.c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, false, nil
	}
	return d, err == nil, mongox.Err(ctx, "load erasure", err)
}

// runningFor returns the erasure of a person still under way, if there is one.
func (s erasureStore) runningFor(ctx context.Context, userID string) (erasureDoc, bool, error) {
	return s.running(ctx, "user", userID)
}

// runningForEmail returns the erasure under way of the person with an e-mail address.
func (s erasureStore) runningForEmail(ctx context.Context, email string) (erasureDoc, bool, error) {
	return s.running(ctx, "email", email)
}

func (s erasureStore) running(ctx context.Context, field, value string) (erasureDoc, bool, error) {
	var d erasureDoc
	err := s.c.FindOne(ctx, bson.D{{Key: field, Value: value}, {Key: "status", Value: ErasureRunning}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, false, nil
	}
	return d, err == nil, mongox.Err(ctx, "find erasure", err)
}

// stepDone records a step done and renews the lease on the person.
func (s erasureStore) stepDone(ctx context.Context, id, step, userID string, now time.Time) error {
	_, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$addToSet", Value: bson.D{{Key: "steps", Value: step}}}})
	if err != nil {
		return mongox.Err(ctx, "record erasure step", err)
	}
	_, err = s.locks().UpdateOne(ctx, bson.D{{Key: "_id", Value: lockID(userID)}}, bson.D{{Key: "$set", Value: bson.D{{Key: "until", Value: now.Add(eraseLease).UTC()}}}})
	return mongox.Err(ctx, "renew erasure lease", err)
}

// finish lets go of the lease on the person, marks her erasure done and removes who was erased
// from its record. Stopped between the two, the erasure is found running and finished again.
func (s erasureStore) finish(ctx context.Context, id, userID string, at time.Time) error {
	if _, err := s.locks().DeleteOne(ctx, bson.D{{Key: "_id", Value: lockID(userID)}}); err != nil {
		return mongox.Err(ctx, "unlock erasure", err)
	}
	_, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "status", Value: ErasureDone}, {Key: "finished", Value: at}}},
		{Key: "$unset", Value: bson.D{{Key: "user", Value: ""}, {Key: "email", Value: ""}, {Key: "name", Value: ""}}},
	})
	return mongox.Err(ctx, "finish erasure", err)
}

// pseudonymiseOrderer names the pseudonym instead of an erased admin on the erasures she ordered.
func (s erasureStore) pseudonymiseOrderer(ctx context.Context, userID, pseudonym string) error {
	_, err := s.c.UpdateMany(ctx, bson.D{{Key: "ordered_by", Value: userID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "ordered_by", Value: pseudonym}}}})
	return mongox.Err(ctx, "pseudonymise erasures", err)
}
