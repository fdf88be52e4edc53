package activity

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

const safariLogsColl = "safari_logs"

type safariDoc struct {
	ID          string     `bson:"_id"`
	User        string     `bson:"user"`
	Course      string     `bson:"course"`
	Safari      string     `bson:"safari"`
	WithPeer    bool       `bson:"with_peer"`
	Steps       []stepDoc  `bson:"steps"`
	Debrief     string     `bson:"debrief"`
	Submitted   bool       `bson:"submitted"`
	SubmittedAt *time.Time `bson:"submitted_at,omitempty"`
	UpdatedAt   time.Time  `bson:"updated_at"`
}

type stepDoc struct {
	Step         string           `bson:"step"`
	DidAndSaid   string           `bson:"did_and_said"`
	Observations []observationDoc `bson:"observations"`
}

type observationDoc struct {
	Type       string `bson:"type"`
	Severity   int    `bson:"severity"`
	Competence string `bson:"competence,omitempty"`
	Note       string `bson:"note"`
}

func newSafariDoc(l SafariLog) safariDoc {
	return safariDoc{ID: l.ID, User: l.User, Course: l.Course, Safari: l.Safari, WithPeer: l.WithPeer, Debrief: l.Debrief, Submitted: l.Submitted,
		SubmittedAt: l.SubmittedAt, UpdatedAt: l.UpdatedAt, Steps: each(l.Steps, func(st StepLog) stepDoc {
			return stepDoc{Step: st.Step, DidAndSaid: st.DidAndSaid, Observations: each(st.Observations, func(o Observation) observationDoc { return observationDoc(o) })}
		})}
}

func (d safariDoc) log() SafariLog {
	return SafariLog{ID: d.ID, User: d.User, Course: d.Course, Safari: d.Safari, WithPeer: d.WithPeer, Debrief: d.Debrief, Submitted: d.Submitted,
		SubmittedAt: d.SubmittedAt, UpdatedAt: d.UpdatedAt, Steps: each(d.Steps, func(st stepDoc) StepLog {
			return StepLog{Step: st.Step, DidAndSaid: st.DidAndSaid, Observations: each(st.Observations, func(o observationDoc) Observation { return Observation(o) })}
		})}
}

type safariStore struct{ logs *mongo.Collection }

func newSafariStore(db *mongo.Database) safariStore {
	return safariStore{logs: db.Collection(safariLogsColl)}
}

func (s safariStore) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.logs, bson.D{{Key: "user", Value: 1}}, bson.D{{Key: "course", Value: 1}, {Key: "safari", Value: 1}})
}

// get returns a log, or ErrSafariNotFound.
func (s safariStore) get(ctx context.Context, id string) (SafariLog, error) {
	d, err := findByID[safariDoc](ctx, s.logs, "load safari log", id, ErrSafariNotFound)
	return d.log(), err
}

// put creates or replaces a log.
func (s safariStore) put(ctx context.Context, l SafariLog) error {
	_, err := s.logs.ReplaceOne(ctx, byID(l.ID), newSafariDoc(l), options.Replace().SetUpsert(true))
	return mongox.Err(ctx, "save safari log", err)
}

// mine lists a user's logs, in one course's when slug is not "".
func (s safariStore) mine(ctx context.Context, user, slug string) ([]SafariLog, error) {
	filter := bson.D{{Key: "user", Value: user}}
	if slug != "" {
		filter = append(filter, bson.E{Key: "course", Value: slug})
	}
	docs, err := findAll[safariDoc](ctx, s.logs, "list safari logs", filter, options.Find().SetSort(bson.D{{Key: "updated_at", Value: -1}, {Key: "_id", Value: 1}}))
	return each(docs, safariDoc.log), err
}

// submitted lists the submitted logs of a course's safari, of the given users (everyone's when
// users is nil).
func (s safariStore) submitted(ctx context.Context, slug, safari string, users []string) ([]SafariLog, error) {
	filter := bson.D{{Key: "course", Value: slug}, {Key: "safari", Value: safari}, {Key: "submitted", Value: true}}
	docs, err := findAll[safariDoc](ctx, s.logs, "summarise safari logs", amongUsers(filter, users))
	return each(docs, safariDoc.log), err
}
