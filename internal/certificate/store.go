package certificate

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

// store keeps certificates in MongoDB:
//
//   - certificates: one document per learner and course version, keyed by the certificate's
//     public id (derived from that triple, so a retry finds the same document), inserted
//     whole when it is issued: of two workers that issue it at once, the first insert wins
//     on MongoDB and FerretDB alike (a unique _id), and the other reads it;
//   - certificate_attempts: when issuing a certificate began (the issue date every attempt
//     uses);
//   - counters: the next status-list index, one document incremented atomically;
//   - certificate_status: one document per allocated index, so that an index is handed out
//     once even where the counter's increment is not atomic between connections (FerretDB);
//   - certificate_revocations: the revoked certificates, read to build the status lists;
//   - secrets: the key public ids are derived with.
type store struct {
	certs, attempts, counters, indexes, revocations, secrets *mongo.Collection
}

func newStore(db *mongo.Database) *store {
	return &store{certs: db.Collection("certificates"), attempts: db.Collection("certificate_attempts"), counters: db.Collection("counters"),
		indexes: db.Collection("certificate_status"), revocations: db.Collection("certificate_revocations"),
		secrets: db.Collection("secrets")}
}

func (s *store) ensureIndexes(ctx context.Context) error {
	_, err := s.certs.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "user", Value: 1}}})
	if err != nil {
		return mongox.Err(ctx, "certificate indexes", err)
	}
	_, err = s.revocations.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "list", Value: 1}}})
	return mongox.Err(ctx, "certificate revocation indexes", err)
}

// certDoc is one issued certificate.
type certDoc struct {
	ID          string            `bson:"_id"`
	User        string            `bson:"user"`
	Course      string            `bson:"course"`
	Version     int               `bson:"version"`
	CompletedAt time.Time         `bson:"completed_at"`
	IssuedAt    time.Time         `bson:"issued_at"`
	Locale      string            `bson:"locale,omitempty"`
	Name        string            `bson:"name,omitempty"`
	Title       map[string]string `bson:"title,omitempty"`
	JWT         string            `bson:"jwt,omitempty"`
	PDFKey      string            `bson:"pdf_key,omitempty"`
	StatusList  int               `bson:"status_list,omitempty"`
	StatusIndex int               `bson:"status_index"`
	ShowName    bool              `bson:"show_name"`
	RevokedAt   *time.Time        `bson:"revoked_at,omitempty"`
	RevokedBy   string            `bson:"revoked_by,omitempty"`
	Reason      string            `bson:"revoke_reason,omitempty"`
}

// attempt is the start of issuing a certificate, kept so that every attempt issues it with the
// same dates.
type attemptDoc struct {
	ID          string    `bson:"_id"`
	CompletedAt time.Time `bson:"completed_at"`
	IssuedAt    time.Time `bson:"issued_at"`
}

// begin records the start of issuing a certificate unless an earlier attempt did, and returns
// the dates the first attempt recorded.
func (s *store) begin(ctx context.Context, a attemptDoc) (attemptDoc, error) {
	_, err := s.attempts.UpdateOne(ctx, bson.D{{Key: "_id", Value: a.ID}}, bson.D{{Key: "$setOnInsert", Value: bson.D{
		{Key: "completed_at", Value: a.CompletedAt}, {Key: "issued_at", Value: a.IssuedAt},
	}}}, options.UpdateOne().SetUpsert(true))
	if err = mongox.Err(ctx, "start certificate "+a.ID, err); err != nil && !errors.Is(err, mongox.ErrDuplicate) {
		return attemptDoc{}, err // a duplicate is another worker's insert at the same moment: read it
	}
	var got attemptDoc
	err = s.attempts.FindOne(ctx, bson.D{{Key: "_id", Value: a.ID}}).Decode(&got)
	return got, mongox.Err(ctx, "read the start of certificate "+a.ID, err)
}

// record stores an issued certificate unless another worker stored it first; either way the
// stored certificate comes back.
func (s *store) record(ctx context.Context, d certDoc) (certDoc, error) {
	_, err := s.certs.InsertOne(ctx, d)
	if err := mongox.Err(ctx, "record certificate "+d.ID, err); err != nil && !errors.Is(err, mongox.ErrDuplicate) {
		return certDoc{}, err
	}
	return s.get(ctx, d.ID)
}

// get returns one certificate; ErrNotFound when there is none.
func (s *store) get(ctx context.Context, id string) (certDoc, error) {
	var d certDoc
	err := s.certs.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return certDoc{}, ErrNotFound
	}
	return d, mongox.Err(ctx, "load certificate "+id, err)
}

// ofUser returns a learner's issued certificates, newest first.
func (s *store) ofUser(ctx context.Context, user string) ([]certDoc, error) {
	cur, err := s.certs.Find(ctx, bson.D{{Key: "user", Value: user}},
		options.Find().SetSort(bson.D{{Key: "issued_at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(maxMine))
	return mongox.All[certDoc](ctx, "list certificates", cur, err)
}

// setShowName records the learner's choice about her name on the verification page.
func (s *store) setShowName(ctx context.Context, id string, show bool) error {
	_, err := s.certs.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "show_name", Value: show}}}})
	return mongox.Err(ctx, "set show_name of certificate "+id, err)
}

// allocateIndex hands out a status-list index that no other certificate holds: the counter's
// next value, reserved for id by inserting it (a value another worker reserved first is
// skipped).
func (s *store) allocateIndex(ctx context.Context, id string) (int, error) {
	for range 20 {
		var c struct {
			N int `bson:"n"`
		}
		err := s.counters.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: counterID}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "n", Value: 1}}}},
			options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&c)
		if err := mongox.Err(ctx, "count status-list indexes", err); err != nil {
			if errors.Is(err, mongox.ErrDuplicate) {
				continue // the counter's first insert raced another: count again
			}
			return 0, err
		}
		idx := c.N - 1
		_, err = s.indexes.InsertOne(ctx, bson.D{{Key: "_id", Value: idx}, {Key: "certificate", Value: id}})
		if mongo.IsDuplicateKeyError(err) {
			continue
		}
		if err := mongox.Err(ctx, "reserve status-list index", err); err != nil {
			return 0, err
		}
		return idx, nil
	}
	return 0, fmt.Errorf("no free status-list index after 20 tries")
}

// revoke marks a certificate revoked and lists it for its status list, unless it was revoked
// before (the first revocation's date and reason stay).
func (s *store) revoke(ctx context.Context, d certDoc, at time.Time, by, reason string) error {
	_, err := s.certs.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "revoked_at", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "revoked_at", Value: at}, {Key: "revoked_by", Value: by}, {Key: "revoke_reason", Value: reason}}}})
	if err := mongox.Err(ctx, "revoke certificate "+d.ID, err); err != nil {
		return err
	}
	_, err = s.revocations.InsertOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "list", Value: d.StatusList}, {Key: "index", Value: d.StatusIndex}, {Key: "at", Value: at}})
	if mongo.IsDuplicateKeyError(err) {
		return nil
	}
	return mongox.Err(ctx, "list the revocation of "+d.ID, err)
}

// revokedIn returns the revoked indexes of a status list.
func (s *store) revokedIn(ctx context.Context, list int) ([]int, error) {
	type rev struct {
		Index int `bson:"index"`
	}
	cur, err := s.revocations.Find(ctx, bson.D{{Key: "list", Value: list}})
	docs, err := mongox.All[rev](ctx, "read revocations", cur, err)
	out := make([]int, len(docs))
	for i, d := range docs {
		out[i] = d.Index
	}
	return out, err
}

// secret returns the value kept under id in the secrets collection, storing fresh there first
// if there is none (see learning's statement key).
func (s *store) secret(ctx context.Context, id, fresh string) (string, error) {
	_, err := s.secrets.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "value", Value: fresh}}}}, options.UpdateOne().SetUpsert(true))
	if err = mongox.Err(ctx, "keep the secret "+id, err); err != nil && !errors.Is(err, mongox.ErrDuplicate) {
		return "", err
	}
	var d struct {
		Value string `bson:"value"`
	}
	err = s.secrets.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if err == nil && d.Value == "" {
		err = fmt.Errorf("the secret %s is empty", id)
	}
	return d.Value, mongox.Err(ctx, "read the secret "+id, err)
}
