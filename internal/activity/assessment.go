package activity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

// ErrAssessmentNotFound is returned for an unknown assessment or one the actor may not see.
var ErrAssessmentNotFound = apperr.New(apperr.KindNotFound, "assessment not found")

// Rating levels are DigComp's proficiency levels.
const (
	MinLevel = 1
	MaxLevel = 8
)

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

func toList(m map[string]int) []rating {
	out := make([]rating, 0, len(m))
	for k, v := range m {
		out = append(out, rating{ID: k, Level: v})
	}
	slices.SortFunc(out, func(a, b rating) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (v viewDoc) ratings() map[string]int {
	out := map[string]int{}
	for _, r := range v.Ratings {
		out[r.ID] = r.Level
	}
	return out
}

type assessmentDoc struct {
	ID         string   `bson:"_id"` // user:course:assessment
	User       string   `bson:"user"`
	Course     string   `bson:"course"`
	Assessment string   `bson:"assessment"`
	Round      string   `bson:"round"`
	Self       viewDoc  `bson:"self"`
	Coach      *viewDoc `bson:"coach,omitempty"`
}

// Assessment is a self-assessment with the coach's view beside it.
type Assessment struct {
	ID          string
	User        string
	Course      string
	Assessment  string
	Round       string
	Rows        []AssessmentRow
	SelfNotes   map[string]string
	CoachNotes  map[string]string
	SubmittedAt time.Time
	CoachedAt   *time.Time
	CoachedBy   string
}

// AssessmentRow is one competence or item: the learner's rating, the coach's, the gap between
// them, and the change since the start round.
type AssessmentRow struct {
	ID     string
	Label  string
	Self   int
	Coach  *int
	Gap    *int // coach − self
	Start  *int // the learner's own rating in the start round
	Change *int // self − start
}

func assessmentID(user, slug, id string) string { return user + ":" + slug + ":" + id }

// rateables lists the competences and items an assessment definition rates.
func rateables(a *course.Assessment, loc string) []Choice {
	var out []Choice
	if a.Framework != "" {
		ids := a.Competences
		if len(ids) == 0 {
			for _, ar := range DigComp {
				for _, c := range ar.Competences {
					ids = append(ids, c.ID)
				}
			}
		}
		for _, id := range ids {
			c, _ := competence(id)
			out = append(out, Choice{ID: id, Text: id + " " + c.Name.Get(loc)})
		}
	}
	for _, it := range a.Items {
		out = append(out, Choice{ID: it.ID, Text: it.Statement.Get(loc)})
	}
	return out
}

func definition(co *course.Course, id string) (*course.Assessment, bool) {
	for i := range co.Assessments {
		if co.Assessments[i].ID == id {
			return &co.Assessments[i], true
		}
	}
	return nil, false
}

func checkView(a *course.Assessment, ratings map[string]int, notes map[string]string, requireAll bool) error {
	var f apperr.Fields
	allowed := map[string]bool{}
	for _, r := range rateables(a, "fi") {
		allowed[r.ID] = true
		if _, ok := ratings[r.ID]; requireAll && !ok {
			f.Add("ratings."+r.ID, "is required")
		}
	}
	for k, v := range ratings {
		if !allowed[k] {
			f.Add("ratings."+k, "is not rated in this assessment")
		} else if v < MinLevel || v > MaxLevel {
			f.Add("ratings."+k, fmt.Sprintf("must be a level from %d to %d", MinLevel, MaxLevel))
		}
	}
	for k, v := range notes {
		if k != "1" && k != "2" && k != "3" && k != "4" && k != "5" && k != "general" {
			f.Add("notes."+k, "notes are per DigComp area (1–5) or general")
		}
		if utf8.RuneCountInString(v) > 4000 {
			f.Add("notes."+k, "is longer than 4000 characters")
		}
	}
	return f.Err()
}

// SubmitAssessment records a learner's self-assessment (submitting again replaces her ratings)
// and writes its completed statement once.
//
// Returns validation errors and the course package's access errors.
func (s *Service) SubmitAssessment(ctx context.Context, actor auth.Principal, slug, id string, ratings map[string]int, notes map[string]string) (Assessment, error) {
	pub, err := s.courses.Current(ctx, actor, slug)
	if err != nil {
		return Assessment{}, err
	}
	def, ok := definition(pub.Course, id)
	if !ok {
		return Assessment{}, ErrAssessmentNotFound
	}
	if err := checkView(def, ratings, notes, true); err != nil {
		return Assessment{}, err
	}
	now := s.now().UTC()
	did := assessmentID(actor.UserID, slug, id)
	coll := s.db.Collection("assessments")
	_, err = coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: did}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "user", Value: actor.UserID}, {Key: "course", Value: slug}, {Key: "assessment", Value: id}, {Key: "round", Value: def.Round},
			{Key: "self", Value: viewDoc{Ratings: toList(ratings), Notes: notes, By: actor.UserID, At: now}}}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return Assessment{}, fmt.Errorf("save assessment: %w", err)
	}
	st := learning.Statement{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("assessment/"+did)).String(), Actor: s.learning.Actor(actor.UserID),
		Verb: learning.Verb{ID: learning.VerbCompleted}, Object: learning.Object{ObjectType: "Activity", ID: s.learning.IRI(slug, "assessments", id)},
		Result: &learning.Result{Completion: ptr(true)}}
	if _, err := s.learning.Record(ctx, actor, []learning.Entry{{Statement: st, Hash: "assessment:" + did}}); err != nil && !errors.Is(err, learning.ErrConflict) {
		return Assessment{}, err
	}
	return s.GetAssessment(ctx, actor, did, "fi")
}

// CoachAssessment adds the coach's or trainer's view to a learner's assessment.
func (s *Service) CoachAssessment(ctx context.Context, actor auth.Principal, did string, ratings map[string]int, notes map[string]string) (Assessment, error) {
	d, def, err := s.loadAssessment(ctx, actor, did)
	if err != nil {
		return Assessment{}, err
	}
	if err := s.mayCoach(ctx, actor, d.User, d.Course); err != nil {
		return Assessment{}, err
	}
	if err := checkView(def, ratings, notes, false); err != nil {
		return Assessment{}, err
	}
	_, err = s.db.Collection("assessments").UpdateOne(ctx, bson.D{{Key: "_id", Value: did}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "coach", Value: viewDoc{Ratings: toList(ratings), Notes: notes, By: actor.UserID, At: s.now().UTC()}}}}})
	if err != nil {
		return Assessment{}, fmt.Errorf("save coach's view: %w", err)
	}
	return s.GetAssessment(ctx, actor, did, "fi")
}

// mayCoach: trainers of the learner's cohort (any trainer for self-paced learners) and admins.
func (s *Service) mayCoach(ctx context.Context, actor auth.Principal, learner, slug string) error {
	if actor.IsAdmin() {
		return nil
	}
	if !actor.IsTrainer() {
		return auth.ErrForbidden
	}
	if s.members == nil {
		return nil
	}
	cohort, err := s.members.CohortOf(ctx, learner, slug)
	if err != nil || cohort == "" {
		return err
	}
	ok, err := s.members.IsTrainerOf(ctx, actor.UserID, cohort)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.KindForbidden, "this learner is in another trainer's cohort")
	}
	return nil
}

func (s *Service) loadAssessment(ctx context.Context, actor auth.Principal, did string) (assessmentDoc, *course.Assessment, error) {
	var d assessmentDoc
	err := s.db.Collection("assessments").FindOne(ctx, bson.D{{Key: "_id", Value: did}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, nil, ErrAssessmentNotFound
	}
	if err != nil {
		return d, nil, fmt.Errorf("load assessment: %w", err)
	}
	if d.User != actor.UserID {
		if err := s.mayCoach(ctx, actor, d.User, d.Course); err != nil {
			return d, nil, ErrAssessmentNotFound
		}
	}
	pub, err := s.courses.Published(ctx, d.Course)
	if err != nil {
		return d, nil, err
	}
	def, ok := definition(pub.Course, d.Assessment)
	if !ok {
		return d, nil, ErrAssessmentNotFound
	}
	return d, def, nil
}

// GetAssessment returns an assessment side by side: self, coach, gaps and the change since the
// start round. Learners see their own; trainers their cohorts'.
func (s *Service) GetAssessment(ctx context.Context, actor auth.Principal, did, loc string) (Assessment, error) {
	d, def, err := s.loadAssessment(ctx, actor, did)
	if err != nil {
		return Assessment{}, err
	}
	out := Assessment{ID: d.ID, User: d.User, Course: d.Course, Assessment: d.Assessment, Round: d.Round, SelfNotes: d.Self.Notes, SubmittedAt: d.Self.At}
	var start map[string]int
	if d.Round == "end" {
		// The start round of the same learner in the same course.
		cur, err := s.db.Collection("assessments").Find(ctx, bson.D{{Key: "user", Value: d.User}, {Key: "course", Value: d.Course}, {Key: "round", Value: "start"}})
		if err != nil {
			return Assessment{}, fmt.Errorf("load start round: %w", err)
		}
		var starts []assessmentDoc
		if err := cur.All(ctx, &starts); err != nil {
			return Assessment{}, fmt.Errorf("load start round: %w", err)
		}
		if len(starts) > 0 {
			slices.SortFunc(starts, func(a, b assessmentDoc) int { return strings.Compare(a.ID, b.ID) })
			start = starts[0].Self.ratings()
		}
	}
	if d.Coach != nil {
		out.CoachNotes, out.CoachedAt, out.CoachedBy = d.Coach.Notes, &d.Coach.At, d.Coach.By
	}
	self := d.Self.ratings()
	var coach map[string]int
	if d.Coach != nil {
		coach = d.Coach.ratings()
	}
	for _, r := range rateables(def, loc) {
		row := AssessmentRow{ID: r.ID, Label: r.Text, Self: self[r.ID]}
		if coach != nil {
			if v, ok := coach[r.ID]; ok {
				row.Coach, row.Gap = ptr(v), ptr(v-row.Self)
			}
		}
		if v, ok := start[r.ID]; ok {
			row.Start, row.Change = ptr(v), ptr(row.Self-v)
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// MyAssessments lists the ids of the actor's assessments in a course.
func (s *Service) MyAssessments(ctx context.Context, actor auth.Principal, slug string) ([]string, error) {
	filter := bson.D{{Key: "user", Value: actor.UserID}}
	if slug != "" {
		filter = append(filter, bson.E{Key: "course", Value: slug})
	}
	cur, err := s.db.Collection("assessments").Find(ctx, filter, options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list assessments: %w", err)
	}
	var rows []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, fmt.Errorf("list assessments: %w", err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out, nil
}

func optionsUpsert() *options.ReplaceOptionsBuilder { return options.Replace().SetUpsert(true) }

// SkillChanges returns, per learner, the mean change of her own ratings from the start round to
// the end round of a course, for learners who have both.
func (s *Service) SkillChanges(ctx context.Context, slug string, users []string) (map[string]float64, error) {
	cur, err := s.db.Collection("assessments").Find(ctx, bson.D{{Key: "course", Value: slug}, {Key: "user", Value: bson.D{{Key: "$in", Value: users}}}})
	if err != nil {
		return nil, fmt.Errorf("load assessments: %w", err)
	}
	var docs []assessmentDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("load assessments: %w", err)
	}
	start, end := map[string]map[string]int{}, map[string]map[string]int{}
	for _, d := range docs {
		switch d.Round {
		case "start":
			start[d.User] = d.Self.ratings()
		case "end":
			end[d.User] = d.Self.ratings()
		}
	}
	out := map[string]float64{}
	for u, e := range end {
		st, ok := start[u]
		if !ok {
			continue
		}
		sum, n := 0, 0
		for k, v := range e {
			if sv, ok := st[k]; ok {
				sum += v - sv
				n++
			}
		}
		if n > 0 {
			out[u] = float64(sum) / float64(n)
		}
	}
	return out, nil
}
