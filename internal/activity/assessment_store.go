package activity

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

const (
	assessmentsColl = "assessments"
	// assessmentDraftsColl keeps unsubmitted answers apart from assessments, so that no list,
	// coach's view or report ever reads a draft.
	assessmentDraftsColl = "assessment_drafts"
)

// assessmentDoc is one learner's assessment in a course, keyed user:course:assessment.
type assessmentDoc struct {
	ID         string   `bson:"_id"`
	User       string   `bson:"user"`
	Course     string   `bson:"course"`
	Assessment string   `bson:"assessment"`
	Round      string   `bson:"round"`
	Self       viewDoc  `bson:"self"`
	Coach      *viewDoc `bson:"coach,omitempty"`
}

// viewDoc is one person's view. Ratings are a list, not a map: competence ids ("1.1") contain
// dots, which MongoDB-compatible servers refuse in field names.
type viewDoc struct {
	Ratings []rating          `bson:"ratings"`
	Notes   map[string]string `bson:"notes,omitempty"`
	By      string            `bson:"by"`
	At      time.Time         `bson:"at"`
}

type rating struct {
	ID    string `bson:"id"`
	Level int    `bson:"level"`
}

// newView stores ratings by competence or item id.
func newView(ratings map[string]int, notes map[string]string, by string, at time.Time) viewDoc {
	v := viewDoc{Ratings: make([]rating, 0, len(ratings)), Notes: notes, By: by, At: at}
	for k, l := range ratings {
		v.Ratings = append(v.Ratings, rating{ID: k, Level: l})
	}
	slices.SortFunc(v.Ratings, func(a, b rating) int { return strings.Compare(a.ID, b.ID) })
	return v
}

func (v viewDoc) ratings() map[string]int {
	out := map[string]int{}
	for _, r := range v.Ratings {
		out[r.ID] = r.Level
	}
	return out
}

type assessmentStore struct{ assessments, drafts *mongo.Collection }

func newAssessmentStore(db *mongo.Database) assessmentStore {
	return assessmentStore{assessments: db.Collection(assessmentsColl), drafts: db.Collection(assessmentDraftsColl)}
}

// draftDoc is a learner's unsubmitted view of an assessment, keyed as the assessment.
type draftDoc struct {
	ID         string  `bson:"_id"`
	User       string  `bson:"user"`
	Course     string  `bson:"course"`
	Assessment string  `bson:"assessment"`
	View       viewDoc `bson:"view"`
}

// putDraft creates or replaces a learner's draft.
func (s assessmentStore) putDraft(ctx context.Context, id, user, slug, assessment string, v viewDoc) error {
	_, err := s.drafts.ReplaceOne(ctx, byID(id), draftDoc{ID: id, User: user, Course: slug, Assessment: assessment, View: v}, options.Replace().SetUpsert(true))
	return mongox.Err(ctx, "save assessment draft", err)
}

// draft returns a learner's draft, nil when she has none.
func (s assessmentStore) draft(ctx context.Context, id string) (*viewDoc, error) {
	d, err := findByID[draftDoc](ctx, s.drafts, "load assessment draft", id, errNoDraft)
	if errors.Is(err, errNoDraft) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &d.View, nil
}

var errNoDraft = errors.New("no draft")

// dropDraft removes a draft, once its assessment is submitted.
func (s assessmentStore) dropDraft(ctx context.Context, id string) error {
	_, err := s.drafts.DeleteOne(ctx, byID(id))
	return mongox.Err(ctx, "remove assessment draft", err)
}

func (s assessmentStore) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.assessments, bson.D{{Key: "user", Value: 1}}, bson.D{{Key: "course", Value: 1}})
}

// putSelf creates the assessment or replaces the learner's own view in it (the coach's stays).
func (s assessmentStore) putSelf(ctx context.Context, d assessmentDoc) error {
	_, err := s.assessments.UpdateOne(ctx, byID(d.ID),
		bson.D{{Key: "$set", Value: bson.D{{Key: "user", Value: d.User}, {Key: "course", Value: d.Course}, {Key: "assessment", Value: d.Assessment},
			{Key: "round", Value: d.Round}, {Key: "self", Value: d.Self}}}}, options.UpdateOne().SetUpsert(true))
	return mongox.Err(ctx, "save assessment", err)
}

// putCoach sets the coach's view of an assessment.
func (s assessmentStore) putCoach(ctx context.Context, id string, coach viewDoc) error {
	_, err := s.assessments.UpdateOne(ctx, byID(id), bson.D{{Key: "$set", Value: bson.D{{Key: "coach", Value: coach}}}})
	return mongox.Err(ctx, "save coach's view", err)
}

// get returns an assessment, or ErrAssessmentNotFound.
func (s assessmentStore) get(ctx context.Context, id string) (assessmentDoc, error) {
	return findByID[assessmentDoc](ctx, s.assessments, "load assessment", id, ErrAssessmentNotFound)
}

// round lists a learner's assessments of one round (start, end) in a course, by id.
func (s assessmentStore) round(ctx context.Context, user, slug, round string) ([]assessmentDoc, error) {
	return findAll[assessmentDoc](ctx, s.assessments, "load "+round+" round",
		bson.D{{Key: "user", Value: user}, {Key: "course", Value: slug}, {Key: "round", Value: round}}, byIDOrder())
}

// mine lists a learner's assessments, by id, in one course or (slug "") all.
func (s assessmentStore) mine(ctx context.Context, user, slug string) ([]assessmentDoc, error) {
	filter := bson.D{{Key: "user", Value: user}}
	if slug != "" {
		filter = append(filter, bson.E{Key: "course", Value: slug})
	}
	return findAll[assessmentDoc](ctx, s.assessments, "list assessments", filter, byIDOrder())
}

// ofUsers lists the assessments of the users in a course.
func (s assessmentStore) ofUsers(ctx context.Context, slug string, users []string) ([]assessmentDoc, error) {
	return findAll[assessmentDoc](ctx, s.assessments, "load assessments", bson.D{{Key: "course", Value: slug}, {Key: "user", Value: in(users)}})
}
