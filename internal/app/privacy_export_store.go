package app

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// exportsColl keeps the requests for a person's data export and where each stands; the archives
// themselves are in S3 under privacy-exports/<id>.zip.
const exportsColl = "privacy_exports"

// exportClaimsColl keeps which replica prepares which export: one document per export and
// attempt (see claim).
const exportClaimsColl = "privacy_export_claims"

// exportDoc is one request for a person's data export.
type exportDoc struct {
	ID          string     `bson:"_id"`
	User        string     `bson:"user"`         // whose data
	RequestedBy string     `bson:"requested_by"` // who downloads it: she herself or an admin
	Status      string     `bson:"status"`
	Created     time.Time  `bson:"created"`
	ReadyAt     *time.Time `bson:"ready_at,omitempty"`
	Expires     *time.Time `bson:"expires,omitempty"`
	Size        int64      `bson:"size,omitempty"`
	// ClaimedUntil is when a replica's claim to prepare it runs out; Attempts counts the claims.
	ClaimedUntil *time.Time `bson:"claimed_until,omitempty"`
	Attempts     int        `bson:"attempts,omitempty"`
}

func (d exportDoc) export() Export {
	return Export{ID: d.ID, User: d.User, RequestedBy: d.RequestedBy, Status: d.Status, Created: d.Created, ReadyAt: d.ReadyAt, Expires: d.Expires, Size: d.Size}
}

type exportStore struct{ c *mongo.Collection }

func newExportStore(db *mongo.Database) exportStore {
	return exportStore{c: db.Collection(exportsColl)}
}

func (s exportStore) insert(ctx context.Context, d exportDoc) error {
	_, err := s.c.InsertOne(ctx, d)
	return mongox.Err(ctx, "save export request", err)
}

// get returns one export; errExportNotFound when there is none.
func (s exportStore) get(ctx context.Context, id string) (exportDoc, error) {
	var d exportDoc
	err := s.c.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, errExportNotFound
	}
	return d, mongox.Err(ctx, "load export", err)
}

// where lists the exports whose field equals value, newest first.
func (s exportStore) where(ctx context.Context, field, value string) ([]exportDoc, error) {
	cur, err := s.c.Find(ctx, bson.D{{Key: field, Value: value}}, options.Find().SetSort(bson.D{{Key: "created", Value: -1}, {Key: "_id", Value: 1}}))
	return mongox.All[exportDoc](ctx, "list exports", cur, err)
}

// about lists the exports of one person's data and those she requested, as plain JSON.
func (s exportStore) about(ctx context.Context, userID string) ([]json.RawMessage, error) {
	return mongox.ExportDocs(ctx, s.c, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "user", Value: userID}}, bson.D{{Key: "requested_by", Value: userID}},
	}}}, "claimed_until", "attempts")
}

// claim takes one pending export whose claim has run out (or that was never claimed) for this
// replica until until; false when there is none. The claim is the insert of a document keyed
// by the export and its attempt number: of two replicas that read the same export at once, the
// unique _id lets one insert it, on MongoDB and FerretDB alike (whose find-and-modify is not
// atomic between connections).
func (s exportStore) claim(ctx context.Context, now, until time.Time) (exportDoc, bool, error) {
	filter := bson.D{{Key: "status", Value: ExportPending}, {Key: "$or", Value: bson.A{
		bson.D{{Key: "claimed_until", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "claimed_until", Value: bson.D{{Key: "$lt", Value: now}}}},
	}}}
	cur, err := s.c.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "created", Value: 1}}).SetLimit(20))
	docs, err := mongox.All[exportDoc](ctx, "list pending exports", cur, err)
	if err != nil {
		return exportDoc{}, false, err
	}
	claims := s.c.Database().Collection(exportClaimsColl)
	for _, d := range docs {
		attempt := d.Attempts + 1
		key := d.ID + ":" + strconv.Itoa(attempt)
		_, err := claims.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "until", Value: until}})
		if err = mongox.Err(ctx, "claim export "+d.ID, err); errors.Is(err, mongox.ErrDuplicate) {
			if err := s.skipStaleClaim(ctx, claims, d.ID, key, attempt, now); err != nil {
				return exportDoc{}, false, err
			}
			continue
		}
		if err != nil {
			return exportDoc{}, false, err
		}
		_, err = s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "claimed_until", Value: until}, {Key: "attempts", Value: attempt}}}})
		if err != nil {
			return exportDoc{}, false, mongox.Err(ctx, "claim export "+d.ID, err)
		}
		d.Attempts, d.ClaimedUntil = attempt, &until
		return d, true, nil
	}
	return exportDoc{}, false, nil
}

// skipStaleClaim moves an export past an attempt whose claim ran out before the replica that
// made it recorded it (it stopped in between), so that the next round claims a new attempt.
func (s exportStore) skipStaleClaim(ctx context.Context, claims *mongo.Collection, id, key string, attempt int, now time.Time) error {
	var c struct {
		Until time.Time `bson:"until"`
	}
	if err := claims.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&c); err != nil || !c.Until.Before(now) {
		return nil // taken by a live replica (or gone): leave it
	}
	_, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$max", Value: bson.D{{Key: "attempts", Value: attempt}}}})
	return mongox.Err(ctx, "skip a stale claim of export "+id, err)
}

// finish records the outcome of preparing a claimed export, if the claim is still the one
// this replica made.
func (s exportStore) finish(ctx context.Context, d exportDoc, claimed time.Time) error {
	set := bson.D{{Key: "status", Value: d.Status}, {Key: "size", Value: d.Size}}
	if d.ReadyAt != nil {
		set = append(set, bson.E{Key: "ready_at", Value: *d.ReadyAt}, bson.E{Key: "expires", Value: *d.Expires})
	}
	_, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "status", Value: ExportPending}, {Key: "claimed_until", Value: claimed}},
		bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: bson.D{{Key: "claimed_until", Value: ""}}}})
	return mongox.Err(ctx, "record export "+d.ID, err)
}

// release gives a claim back after a failure, so that another round tries again.
func (s exportStore) release(ctx context.Context, id string) error {
	_, err := s.c.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "status", Value: ExportPending}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "claimed_until", Value: ""}}}})
	return mongox.Err(ctx, "release export "+id, err)
}

// stale lists the exports to delete at now: ready ones past their expiry, and pending or failed
// ones created before abandoned.
func (s exportStore) stale(ctx context.Context, now, abandoned time.Time) ([]exportDoc, error) {
	cur, err := s.c.Find(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "expires", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{{Key: "status", Value: bson.D{{Key: "$ne", Value: ExportReady}}}, {Key: "created", Value: bson.D{{Key: "$lt", Value: abandoned}}}},
	}}})
	return mongox.All[exportDoc](ctx, "list expired exports", cur, err)
}

// involving lists the exports of one person's data and those she requested.
func (s exportStore) involving(ctx context.Context, userID string) ([]exportDoc, error) {
	cur, err := s.c.Find(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "user", Value: userID}}, bson.D{{Key: "requested_by", Value: userID}},
	}}})
	return mongox.All[exportDoc](ctx, "list exports of a person", cur, err)
}

// remove deletes an export's record and its claims.
func (s exportStore) remove(ctx context.Context, id string) error {
	_, err := s.c.Database().Collection(exportClaimsColl).DeleteMany(ctx,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(id+":")}}}})
	if err != nil {
		return mongox.Err(ctx, "delete the claims of export "+id, err)
	}
	_, err = s.c.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mongox.Err(ctx, "delete export "+id, err)
}
