package cohort

import (
	"context"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// remindersColl keeps a record of the reminders trainers sent.
const remindersColl = "cohort_reminders"

type sentReminderDoc struct {
	ID           string    `bson:"_id"`
	Cohort       string    `bson:"cohort"`
	Audience     string    `bson:"audience"`
	Queued       int       `bson:"queued"`
	Unsubscribed int       `bson:"unsubscribed"`
	SentBy       string    `bson:"sent_by"`
	SentAt       time.Time `bson:"sent_at"`
}

func (s *store) recordReminder(ctx context.Context, r SentReminder) error {
	_, err := s.cohorts.Database().Collection(remindersColl).InsertOne(ctx, sentReminderDoc(r))
	return mongox.Err(ctx, "record reminder", err)
}

func (s *store) remindersSent(ctx context.Context, cohort string) ([]SentReminder, error) {
	coll := s.cohorts.Database().Collection(remindersColl)
	cur, err := coll.Find(ctx, bson.D{{Key: "cohort", Value: cohort}}, options.Find().SetSort(bson.D{{Key: "sent_at", Value: -1}}).SetLimit(100))
	docs, err := mongox.All[sentReminderDoc](ctx, "list reminders", cur, err)
	if err != nil {
		return nil, err
	}
	out := make([]SentReminder, len(docs))
	for i, d := range docs {
		out[i] = SentReminder(d)
	}
	return out, nil
}
