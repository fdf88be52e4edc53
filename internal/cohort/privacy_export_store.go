package cohort

import (
	"context"
	"encoding/json"
	"regexp"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/taito-lms/taito/internal/mongox"
)

// exportOf reads one person's enrolments, her active cohort in each course (memberships, keyed
// course:user), the cohorts she is enrolled in or trains (without the other trainers) and the
// reminders she sent as a trainer.
func (s *store) exportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	enrolments, err := mongox.ExportDocs(ctx, s.enrolments, bson.D{{Key: "user", Value: userID}})
	if err != nil {
		return nil, err
	}
	memberships, err := mongox.ExportDocs(ctx, s.memberships,
		bson.D{{Key: "_id", Value: bson.D{{Key: "$regex", Value: ":" + regexp.QuoteMeta(userID) + "$"}}}})
	if err != nil {
		return nil, err
	}
	var cohortIDs []string
	cur, err := s.enrolments.Find(ctx, bson.D{{Key: "user", Value: userID}})
	mine, err := mongox.All[enrolmentDoc](ctx, "export enrolments", cur, err)
	if err != nil {
		return nil, err
	}
	for _, e := range mine {
		cohortIDs = append(cohortIDs, e.Cohort)
	}
	cohorts, err := mongox.ExportDocs(ctx, s.cohorts, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: append([]string{}, cohortIDs...)}}}},
		bson.D{{Key: "trainers", Value: userID}},
	}}}, "trainers", "created_by", "join_code", "schedule")
	if err != nil {
		return nil, err
	}
	reminders, err := mongox.ExportDocs(ctx, s.cohorts.Database().Collection(remindersColl), bson.D{{Key: "sent_by", Value: userID}})
	if err != nil {
		return nil, err
	}
	return map[string][]json.RawMessage{"enrolments": enrolments, "cohort_memberships": memberships, "cohorts": cohorts, "reminders_sent": reminders}, nil
}
