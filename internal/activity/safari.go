package activity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

// ErrSafariNotFound is returned for an unknown safari log or one the actor may not see.
var ErrSafariNotFound = apperr.New(apperr.KindNotFound, "safari log not found")

// Observation types.
const (
	ObsUsability = "usability" // a problem of the service, for anyone
	ObsSkillGap  = "skill_gap" // something the client could learn
)

// Observation is one thing the coach saw during a step.
type Observation struct {
	Type       string `json:"type" bson:"type"`
	Severity   int    `json:"severity" bson:"severity"` // 1 minor, 2 slowed down, 3 stopped the task
	Competence string `json:"competence,omitempty" bson:"competence,omitempty"`
	Note       string `json:"note" bson:"note"`
}

// StepLog is what happened in one step of the safari.
type StepLog struct {
	Step         string        `json:"step" bson:"step"`
	DidAndSaid   string        `json:"did_and_said" bson:"did_and_said"`
	Observations []Observation `json:"observations" bson:"observations"`
}

// SafariLog is one service-safari observation log.
type SafariLog struct {
	ID          string     `json:"id" bson:"_id"`
	User        string     `json:"user" bson:"user"`
	Course      string     `json:"course" bson:"course"`
	Safari      string     `json:"safari" bson:"safari"`
	WithPeer    bool       `json:"with_peer" bson:"with_peer"` // done with a colleague acting as the client
	Steps       []StepLog  `json:"steps" bson:"steps"`
	Debrief     string     `json:"debrief" bson:"debrief"`
	Submitted   bool       `json:"submitted" bson:"submitted"`
	SubmittedAt *time.Time `json:"submitted_at,omitempty" bson:"submitted_at,omitempty"`
	UpdatedAt   time.Time  `json:"updated_at" bson:"updated_at"`
}

func safariDef(co *course.Course, id string) (*course.Safari, bool) {
	for i := range co.Safaris {
		if co.Safaris[i].ID == id {
			return &co.Safaris[i], true
		}
	}
	return nil, false
}

func checkLog(def *course.Safari, l *SafariLog) error {
	var f apperr.Fields
	steps := map[string]bool{}
	for _, st := range def.Steps {
		steps[st.ID] = true
	}
	seen := map[string]bool{}
	for i, sl := range l.Steps {
		p := "steps." + strconv.Itoa(i)
		if !steps[sl.Step] {
			f.Add(p+".step", fmt.Sprintf("%q is not a step of this safari", sl.Step))
		}
		if seen[sl.Step] {
			f.Add(p+".step", "is logged twice")
		}
		seen[sl.Step] = true
		if utf8.RuneCountInString(sl.DidAndSaid) > 4000 {
			f.Add(p+".did_and_said", "is longer than 4000 characters")
		}
		if len(sl.Observations) > 50 {
			f.Add(p+".observations", "at most 50 per step")
		}
		for j, o := range sl.Observations {
			op := p + ".observations." + strconv.Itoa(j)
			if o.Type != ObsUsability && o.Type != ObsSkillGap {
				f.Add(op+".type", "must be usability or skill_gap")
			}
			if o.Severity < 1 || o.Severity > 3 {
				f.Add(op+".severity", "must be 1, 2 or 3")
			}
			if _, ok := competence(o.Competence); o.Competence != "" && !ok {
				f.Add(op+".competence", "is not a DigComp 2.2 competence (1.1 to 5.4)")
			}
			if o.Note == "" || utf8.RuneCountInString(o.Note) > 2000 {
				f.Add(op+".note", "is required, at most 2000 characters")
			}
		}
	}
	if len(l.Steps) > len(def.Steps) {
		f.Add("steps", "more steps than the safari has")
	}
	if utf8.RuneCountInString(l.Debrief) > 8000 {
		f.Add("debrief", "is longer than 8000 characters")
	}
	if l.Submitted && len(l.Steps) == 0 {
		f.Add("steps", "a submitted log records at least one step")
	}
	return f.Err()
}

// SaveSafariLog creates (empty id) or updates one of the actor's safari logs. Submitting writes
// its completed statement once; a submitted log can still be corrected.
//
// Returns validation errors, ErrSafariNotFound and the course package's access errors.
func (s *Service) SaveSafariLog(ctx context.Context, actor auth.Principal, in SafariLog) (SafariLog, error) {
	coll := s.db.Collection("safari_logs")
	now := s.now().UTC()
	if in.ID != "" {
		var prev SafariLog
		err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: in.ID}}).Decode(&prev)
		if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && prev.User != actor.UserID) {
			return SafariLog{}, ErrSafariNotFound
		}
		if err != nil {
			return SafariLog{}, fmt.Errorf("load safari log: %w", err)
		}
		in.Course, in.Safari, in.SubmittedAt = prev.Course, prev.Safari, prev.SubmittedAt
		in.Submitted = in.Submitted || prev.Submitted
	} else {
		in.ID = uuid.NewString()
	}
	pub, err := s.courses.Current(ctx, actor, in.Course)
	if err != nil {
		return SafariLog{}, err
	}
	def, ok := safariDef(pub.Course, in.Safari)
	if !ok {
		return SafariLog{}, apperr.Validation(apperr.FieldError{Field: "safari", Message: "no such safari in this course"})
	}
	if in.Steps == nil {
		in.Steps = []StepLog{}
	}
	for i := range in.Steps {
		if in.Steps[i].Observations == nil {
			in.Steps[i].Observations = []Observation{}
		}
	}
	if err := checkLog(def, &in); err != nil {
		return SafariLog{}, err
	}
	in.User, in.UpdatedAt = actor.UserID, now
	if in.Submitted && in.SubmittedAt == nil {
		in.SubmittedAt = &now
	}
	if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: in.ID}}, in, optionsUpsert()); err != nil {
		return SafariLog{}, fmt.Errorf("save safari log: %w", err)
	}
	if in.Submitted {
		st := learning.Statement{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("safari/"+in.ID)).String(), Actor: s.learning.Actor(actor.UserID),
			Verb: learning.Verb{ID: learning.VerbCompleted}, Object: learning.Object{ObjectType: "Activity", ID: s.learning.IRI(in.Course, "safaris", in.Safari)},
			Result: &learning.Result{Completion: ptr(true)}}
		if _, err := s.learning.Record(ctx, actor, []learning.Entry{{Statement: st, Hash: "safari:" + in.ID}}); err != nil {
			return SafariLog{}, err
		}
	}
	return in, nil
}

// GetSafariLog returns one of the actor's own logs.
func (s *Service) GetSafariLog(ctx context.Context, actor auth.Principal, id string) (SafariLog, error) {
	var l SafariLog
	err := s.db.Collection("safari_logs").FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&l)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && l.User != actor.UserID) {
		return l, ErrSafariNotFound
	}
	if err != nil {
		return l, fmt.Errorf("load safari log: %w", err)
	}
	return l, nil
}

// MySafariLogs lists the actor's logs.
func (s *Service) MySafariLogs(ctx context.Context, actor auth.Principal) ([]SafariLog, error) {
	cur, err := s.db.Collection("safari_logs").Find(ctx, bson.D{{Key: "user", Value: actor.UserID}})
	if err != nil {
		return nil, fmt.Errorf("list safari logs: %w", err)
	}
	out := []SafariLog{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list safari logs: %w", err)
	}
	return out, nil
}

// Finding is one kind of observation on one step, summed over submitted logs.
type Finding struct {
	Step        string
	Type        string
	Competence  string
	Count       int
	MaxSeverity int
	Notes       []string // up to five, most severe first
}

// SafariSummary aggregates submitted logs of one safari for trainers: the most frequent
// usability problems and skill gaps per step, over the given learners (all when users is nil).
func (s *Service) SafariSummary(ctx context.Context, actor auth.Principal, slug, safari string, users []string) ([]Finding, int, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return nil, 0, err
	}
	filter := bson.D{{Key: "course", Value: slug}, {Key: "safari", Value: safari}, {Key: "submitted", Value: true}}
	if users != nil {
		filter = append(filter, bson.E{Key: "user", Value: bson.D{{Key: "$in", Value: users}}})
	}
	cur, err := s.db.Collection("safari_logs").Find(ctx, filter)
	if err != nil {
		return nil, 0, fmt.Errorf("summarise safari logs: %w", err)
	}
	var logs []SafariLog
	if err := cur.All(ctx, &logs); err != nil {
		return nil, 0, fmt.Errorf("summarise safari logs: %w", err)
	}
	type key struct{ step, typ, comp string }
	agg := map[key]*Finding{}
	type note struct {
		sev  int
		text string
	}
	notes := map[key][]note{}
	for _, l := range logs {
		for _, st := range l.Steps {
			for _, o := range st.Observations {
				k := key{st.Step, o.Type, o.Competence}
				f := agg[k]
				if f == nil {
					f = &Finding{Step: st.Step, Type: o.Type, Competence: o.Competence}
					agg[k] = f
				}
				f.Count++
				f.MaxSeverity = max(f.MaxSeverity, o.Severity)
				notes[k] = append(notes[k], note{o.Severity, o.Note})
			}
		}
	}
	out := make([]Finding, 0, len(agg))
	for k, f := range agg {
		ns := notes[k]
		slices.SortStableFunc(ns, func(a, b note) int { return b.sev - a.sev })
		for i := 0; i < len(ns) && i < 5; i++ {
			f.Notes = append(f.Notes, ns[i].text)
		}
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b Finding) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		if a.MaxSeverity != b.MaxSeverity {
			return b.MaxSeverity - a.MaxSeverity
		}
		return compareStrings(a.Step+a.Type+a.Competence, b.Step+b.Type+b.Competence)
	})
	return out, len(logs), nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
