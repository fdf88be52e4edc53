package activity

import (
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

const attemptsColl = "attempts"

// drawn is one question as drawn for an attempt.
type drawn struct {
	ID      string            `bson:"id"`
	Options []string          `bson:"options,omitempty"` // tokens shown in display order (option ids in attempts drawn before tokens)
	Tokens  map[string]string `bson:"tokens,omitempty"`  // token shown → option id
	Rights  map[string]string `bson:"rights,omitempty"`  // matching: token shown → pair id
	Order   []string          `bson:"order,omitempty"`   // matching: tokens in display order
}

// option is the option id a token shown in this attempt stands for.
func (dq drawn) option(token string) (string, bool) {
	if dq.Tokens == nil { // drawn before options had tokens: the ids were shown
		return token, slices.Contains(dq.Options, token)
	}
	id, ok := dq.Tokens[token]
	return id, ok
}

// token is the token that stands for an option id in this attempt.
func (dq drawn) token(option string) string {
	for tok, id := range dq.Tokens {
		if id == option {
			return tok
		}
	}
	return option
}

type attemptDoc struct {
	ID          string              `bson:"_id"`
	User        string              `bson:"user"`
	Course      string              `bson:"course"`
	Version     int                 `bson:"version"`
	Quiz        string              `bson:"quiz"` // API id
	Locale      string              `bson:"locale"`
	Questions   []drawn             `bson:"questions"`
	Answers     map[string][]string `bson:"answers,omitempty"`
	StartedAt   time.Time           `bson:"started_at"`
	Deadline    *time.Time          `bson:"deadline,omitempty"`
	SubmittedAt *time.Time          `bson:"submitted_at,omitempty"`
	Score       float64             `bson:"score"`
	Passed      bool                `bson:"passed"`
	Correct     map[string]bool     `bson:"correct,omitempty"`
}

// grading is what submitting writes into an attempt.
type grading struct {
	Answers     map[string][]string
	SubmittedAt time.Time
	Score       float64
	Passed      bool
	Correct     map[string]bool
}

type attemptStore struct{ attempts *mongo.Collection }

func newAttemptStore(db *mongo.Database) attemptStore {
	return attemptStore{attempts: db.Collection(attemptsColl)}
}

func (s attemptStore) ensureIndexes(ctx context.Context) error {
	return ensureIndexes(ctx, s.attempts,
		bson.D{{Key: "user", Value: 1}, {Key: "quiz", Value: 1}},
		bson.D{{Key: "course", Value: 1}, {Key: "quiz", Value: 1}})
}

// unsubmitted matches an attempt that has not been submitted.
func unsubmitted(id string) bson.D {
	return bson.D{{Key: "_id", Value: id}, {Key: "submitted_at", Value: nil}}
}

func (s attemptStore) insert(ctx context.Context, d attemptDoc) error {
	_, err := s.attempts.InsertOne(ctx, d)
	return mongox.Err(ctx, "start attempt", err)
}

// get returns an attempt, or ErrAttemptNotFound.
func (s attemptStore) get(ctx context.Context, id string) (attemptDoc, error) {
	return findByID[attemptDoc](ctx, s.attempts, "load attempt", id, ErrAttemptNotFound)
}

// mine lists a user's attempts at a quiz, oldest first.
func (s attemptStore) mine(ctx context.Context, user, quiz string) ([]attemptDoc, error) {
	return findAll[attemptDoc](ctx, s.attempts, "list attempts", bson.D{{Key: "user", Value: user}, {Key: "quiz", Value: quiz}},
		options.Find().SetSort(bson.D{{Key: "started_at", Value: 1}}))
}

// saveAnswers sets answers of an open attempt, by question id; false when the attempt was
// submitted meanwhile.
func (s attemptStore) saveAnswers(ctx context.Context, id string, answers map[string][]string) (bool, error) {
	set := bson.D{}
	for qid, v := range answers {
		set = append(set, bson.E{Key: "answers." + qid, Value: v})
	}
	res, err := s.attempts.UpdateOne(ctx, unsubmitted(id), bson.D{{Key: "$set", Value: set}})
	if err != nil {
		return false, mongox.Err(ctx, "save answers", err)
	}
	return res.MatchedCount > 0, nil
}

// submit writes the grading into an open attempt; false when it was submitted already.
func (s attemptStore) submit(ctx context.Context, id string, g grading) (bool, error) {
	res, err := s.attempts.UpdateOne(ctx, unsubmitted(id), bson.D{{Key: "$set", Value: bson.D{{Key: "answers", Value: g.Answers},
		{Key: "submitted_at", Value: g.SubmittedAt}, {Key: "score", Value: g.Score}, {Key: "passed", Value: g.Passed}, {Key: "correct", Value: g.Correct}}}})
	if err != nil {
		return false, mongox.Err(ctx, "submit attempt", err)
	}
	return res.MatchedCount > 0, nil
}

// submitted lists the submitted attempts at a quiz, of the given users (everyone's when users
// is nil).
func (s attemptStore) submitted(ctx context.Context, quiz string, users []string) ([]attemptDoc, error) {
	filter := bson.D{{Key: "quiz", Value: quiz}, {Key: "submitted_at", Value: bson.D{{Key: "$ne", Value: nil}}}}
	return findAll[attemptDoc](ctx, s.attempts, "quiz statistics", amongUsers(filter, users))
}
