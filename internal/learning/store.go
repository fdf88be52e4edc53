package learning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/mongox"
)

// store is the learning record in MongoDB: the statement log (this file), the source of truth,
// and the progress projections kept from it (projection_store.go). Every filter, update and
// option of the capability is in these two files; the service decides what to write and when.
// Errors come back translated (mongox.Err) or as the package's own not-found errors.
type store struct {
	statements, progress, secrets *mongo.Collection
}

func newStore(db *mongo.Database) *store {
	return &store{statements: db.Collection("statements"), progress: db.Collection("progress"), secrets: db.Collection("secrets")}
}

// ensureIndexes creates the secondary indexes: a learner's log by time (her statements) and by
// course (a rebuild), projections by learner (her courses) and by course (dashboards).
func (s *store) ensureIndexes(ctx context.Context) error {
	for _, ix := range []struct {
		coll *mongo.Collection
		keys bson.D
	}{
		{s.statements, bson.D{{Key: "user", Value: 1}, {Key: "stored", Value: 1}}},
		{s.statements, bson.D{{Key: "user", Value: 1}, {Key: "course", Value: 1}}},
		{s.progress, bson.D{{Key: "user", Value: 1}}},
		{s.progress, bson.D{{Key: "course", Value: 1}}},
		{s.batches(), bson.D{{Key: "created", Value: 1}}}, // catch-up (catchup_store.go)
	} {
		if _, err := ix.coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys}); err != nil {
			return mongox.Err(ctx, ix.coll.Name()+" indexes", err)
		}
	}
	return nil
}

// statementDoc is a statement in the log.
type statementDoc struct {
	ID        string    `bson:"_id"`
	User      string    `bson:"user"`
	Course    string    `bson:"course"`
	Verb      string    `bson:"verb"`
	Object    string    `bson:"object"`
	Timestamp time.Time `bson:"timestamp"`
	Stored    time.Time `bson:"stored"`
	Hash      string    `bson:"hash"`
	Voided    bool      `bson:"voided,omitempty"`
	// System marks a statement that records a consequence of others (the course completed):
	// it is not part of the projection and cannot be voided.
	System bool `bson:"system,omitempty"`
	// Authority is who asserts the statement: AuthorityTaito or AuthorityLearner. Statements
	// logged before authorities were kept have none (see authority).
	Authority string `bson:"authority,omitempty"`
	// Target is what the statement is about, in Taito's terms and without the public URL (the
	// course is Course): nil for a voiding and for entries logged before targets were kept,
	// whose target is read from the object's IRI (see target).
	Target *targetDoc `bson:"target,omitempty"`
	// JSON is the statement as stored, in its xAPI JSON form: extension keys are IRIs, whose dots
	// MongoDB-compatible servers do not all accept in field names.
	JSON string `bson:"json"`
}

func (d *statementDoc) statement() (Statement, error) {
	var st Statement
	if err := json.Unmarshal([]byte(d.JSON), &st); err != nil {
		return st, fmt.Errorf("decode stored statement %s: %w", d.ID, err)
	}
	st.timestamp, st.stored = d.Timestamp, d.Stored
	return st, nil
}

// targetDoc is the kind ("" for the course itself) and id of a statement's target.
type targetDoc struct {
	Kind string `bson:"kind"`
	ID   string `bson:"id"`
}

// target returns what a logged statement st (its decoded form) is about: the target kept with
// it, or for an entry logged before targets were kept, its object's IRI read against the public
// URL it was recorded under (its actor's home page), else against fallback (the current one).
func (d *statementDoc) target(st *Statement, fallback string) (target, bool) {
	if d.Target != nil {
		return target{slug: d.Course, kind: d.Target.Kind, id: d.Target.ID}, d.Course != ""
	}
	t, ok := parseIRI(strings.TrimRight(st.base(), "/"), st.Object.ID)
	if !ok {
		t, ok = parseIRI(fallback, st.Object.ID)
	}
	return t, ok
}

// authority is who asserts the statement. A statement logged before authorities were kept is
// Taito's when its content hash is one only Taito's services gave (a client's is the hex SHA-256
// of what she sent, which never has a colon), otherwise the learner's.
func (d *statementDoc) authority() string {
	if d.Authority != "" {
		return d.Authority
	}
	if strings.Contains(d.Hash, ":") {
		return AuthorityTaito
	}
	return AuthorityLearner
}

// errNoStatement is a statement id that is not in the log (or, to void, not the actor's).
var errNoStatement = apperr.New(apperr.KindNotFound, "no statement of yours with that id")

// insertStatement appends one statement to the log. An id in the log already is
// mongox.ErrDuplicate.
func (s *store) insertStatement(ctx context.Context, d statementDoc) error {
	_, err := s.statements.InsertOne(ctx, d)
	return mongox.Err(ctx, "store statement "+d.ID, err)
}

// insertStatements appends docs to the log in one unordered write, so that one refused
// statement does not keep the others out. err is a failure of the write as a whole; otherwise
// failed[i] says why docs[i] was not written (nil: it was): mongox.ErrDuplicate when its id is in
// the log already.
func (s *store) insertStatements(ctx context.Context, docs []statementDoc) (failed []error, err error) {
	failed = make([]error, len(docs))
	all := make([]any, len(docs))
	for i := range docs {
		all[i] = docs[i]
	}
	_, err = s.statements.InsertMany(ctx, all, options.InsertMany().SetOrdered(false))
	if err == nil {
		return failed, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, mongox.Err(ctx, "store statements", err)
	}
	for _, we := range bwe.WriteErrors {
		if we.Index < 0 || we.Index >= len(docs) {
			return nil, mongox.Err(ctx, "store statements", err)
		}
		failed[we.Index] = fmt.Errorf("store statement %s: %w", docs[we.Index].ID, we)
		if we.Code == 11000 {
			failed[we.Index] = mongox.ErrDuplicate.With(failed[we.Index])
		}
	}
	return failed, nil
}

// statement returns one statement of the log; errNoStatement when there is none.
func (s *store) statement(ctx context.Context, id string) (statementDoc, error) {
	var d statementDoc
	err := s.statements.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, errNoStatement
	}
	return d, mongox.Err(ctx, "load statement "+id, err)
}

// secret returns the secret kept under id, storing fresh as it when there is none yet: the first
// replica to ask stores its own, and every replica reads the same one from then on.
func (s *store) secret(ctx context.Context, id, fresh string) (string, error) {
	_, err := s.secrets.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}},
		bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "value", Value: fresh}}}}, options.UpdateOne().SetUpsert(true))
	if err = mongox.Err(ctx, "keep the secret "+id, err); err != nil && !errors.Is(err, mongox.ErrDuplicate) {
		return "", err // a duplicate is another replica's insert at the same moment: read it
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

// markVoided flags a statement as voided: it stays in the log and no longer counts.
func (s *store) markVoided(ctx context.Context, id string) error {
	_, err := s.statements.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}}, bson.D{{Key: "$set", Value: bson.D{{Key: "voided", Value: true}}}})
	return mongox.Err(ctx, "void statement "+id, err)
}

// byStored is the log's order: as stored, ties by id.
func byStored() bson.D { return bson.D{{Key: "stored", Value: 1}, {Key: "_id", Value: 1}} }

// logOf returns the statements of a learner in a course that her projection is made of (not
// voided, not written by Taito), in log order.
func (s *store) logOf(ctx context.Context, user, slug string) ([]statementDoc, error) {
	cur, err := s.statements.Find(ctx, bson.D{{Key: "user", Value: user}, {Key: "course", Value: slug},
		{Key: "voided", Value: bson.D{{Key: "$ne", Value: true}}}, {Key: "system", Value: bson.D{{Key: "$ne", Value: true}}}},
		options.Find().SetSort(byStored()))
	return mongox.All[statementDoc](ctx, "read the log of "+user+" in "+slug, cur, err)
}

// statementQuery selects a page of a learner's statements in log order.
type statementQuery struct {
	user   string
	course string    // "": any course
	verb   string    // short name; "": any verb
	since  time.Time // zero: from the start
	after  *logPosition
	limit  int
}

// logPosition is a statement's place in the log order: where the previous page ended.
type logPosition struct {
	stored time.Time
	id     string
}

// statementsOf returns the statements q selects.
func (s *store) statementsOf(ctx context.Context, q statementQuery) ([]statementDoc, error) {
	filter := bson.D{{Key: "user", Value: q.user}}
	if q.course != "" {
		filter = append(filter, bson.E{Key: "course", Value: q.course})
	}
	if q.verb != "" {
		filter = append(filter, bson.E{Key: "verb", Value: q.verb})
	}
	if !q.since.IsZero() {
		filter = append(filter, bson.E{Key: "stored", Value: bson.D{{Key: "$gte", Value: q.since}}})
	}
	if q.after != nil {
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "stored", Value: bson.D{{Key: "$gt", Value: q.after.stored}}}},
			bson.D{{Key: "stored", Value: q.after.stored}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: q.after.id}}}},
		}})
	}
	cur, err := s.statements.Find(ctx, filter, options.Find().SetSort(byStored()).SetLimit(int64(q.limit)))
	return mongox.All[statementDoc](ctx, "list statements", cur, err)
}

// learnerCourse is a learner and a course she has a log or a projection in.
type learnerCourse struct {
	User   string `bson:"user"`
	Course string `bson:"course"`
}

// learnerCourses returns every learner and course that has statements or a projection, once
// each; in one course when slug is not empty.
func (s *store) learnerCourses(ctx context.Context, slug string) ([]learnerCourse, error) {
	filter := bson.D{}
	if slug != "" {
		filter = bson.D{{Key: "course", Value: slug}}
	}
	seen := map[learnerCourse]bool{}
	var out []learnerCourse
	for _, coll := range []*mongo.Collection{s.statements, s.progress} {
		cur, err := coll.Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "user", Value: 1}, {Key: "course", Value: 1}}))
		rows, err := mongox.All[learnerCourse](ctx, "list learners", cur, err)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if !seen[r] {
				seen[r] = true
				out = append(out, r)
			}
		}
	}
	return out, nil
}
