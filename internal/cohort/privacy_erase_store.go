package cohort

import (
	"context"
	"errors"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// rekeyEnrolments stores each enrolment of user again as cohort:pseudonym, then deletes the old.
func (s *store) rekeyEnrolments(ctx context.Context, userID, pseudonym string) error {
	cur, err := s.enrolments.Find(ctx, bson.D{{Key: "user", Value: userID}})
	docs, err := mongox.All[bson.D](ctx, "read the enrolments of "+userID, cur, err)
	if err != nil {
		return err
	}
	for _, d := range docs {
		var oldID, cohort string
		for _, e := range d {
			switch e.Key {
			case "_id":
				oldID, _ = e.Value.(string)
			case "cohort":
				cohort, _ = e.Value.(string)
			}
		}
		if err := rekey(ctx, s.enrolments, d, oldID, cohort+":"+pseudonym, pseudonym); err != nil {
			return err
		}
	}
	return nil
}

// rekeyMemberships stores each course:user membership of user again as course:pseudonym, then
// deletes the old, and returns the courses. Memberships name the learner only in their key, so
// the keys are read whole.
func (s *store) rekeyMemberships(ctx context.Context, userID, pseudonym string) ([]string, error) {
	cur, err := s.memberships.Find(ctx, bson.D{})
	docs, err := mongox.All[bson.D](ctx, "read memberships", cur, err)
	if err != nil {
		return nil, err
	}
	var courses []string
	for _, d := range docs {
		var id string
		for _, e := range d {
			if e.Key == "_id" {
				id, _ = e.Value.(string)
			}
		}
		slug, ok := strings.CutSuffix(id, ":"+userID)
		if !ok {
			continue
		}
		if err := rekey(ctx, s.memberships, d, id, membershipID(slug, pseudonym), ""); err != nil {
			return courses, err
		}
		courses = append(courses, slug)
	}
	return courses, nil
}

// rekey stores d under newID (with its user field set to user, when given) and deletes oldID.
func rekey(ctx context.Context, coll *mongo.Collection, d bson.D, oldID, newID, user string) error {
	for i, e := range d {
		switch {
		case e.Key == "_id":
			d[i].Value = newID
		case e.Key == "user" && user != "":
			d[i].Value = user
		}
	}
	// Two erasures of one person running at once may both insert it: the loser's duplicate is
	// retried as a replacement.
	var err error
	for range 2 {
		_, err = coll.ReplaceOne(ctx, byID(newID), d, options.Replace().SetUpsert(true))
		if err = mongox.Err(ctx, "store "+coll.Name()+" "+newID, err); !errors.Is(err, mongox.ErrDuplicate) {
			break
		}
	}
	if err != nil {
		return err
	}
	_, err = coll.DeleteOne(ctx, byID(oldID))
	return mongox.Err(ctx, "delete "+coll.Name()+" "+oldID, err)
}

// pseudonymiseStaff takes a person off the cohorts she trains and names the pseudonym where she
// made a cohort or sent reminders.
func (s *store) pseudonymiseStaff(ctx context.Context, userID, pseudonym string) error {
	if _, err := s.cohorts.UpdateMany(ctx, bson.D{{Key: "trainers", Value: userID}},
		bson.D{{Key: "$pull", Value: bson.D{{Key: "trainers", Value: userID}}}}); err != nil {
		return mongox.Err(ctx, "take a trainer off cohorts", err)
	}
	if _, err := s.cohorts.UpdateMany(ctx, bson.D{{Key: "created_by", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "created_by", Value: pseudonym}}}}); err != nil {
		return mongox.Err(ctx, "pseudonymise cohorts", err)
	}
	_, err := s.cohorts.Database().Collection(remindersColl).UpdateMany(ctx, bson.D{{Key: "sent_by", Value: userID}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "sent_by", Value: pseudonym}}}})
	return mongox.Err(ctx, "pseudonymise reminders", err)
}
