package activity

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

// Errors of quizzes.
var (
	ErrQuizNotFound    = apperr.New(apperr.KindNotFound, "quiz not found")
	ErrAttemptNotFound = apperr.New(apperr.KindNotFound, "attempt not found")
	ErrSubmitted       = apperr.New(apperr.KindConflict, "this attempt was submitted already")
	ErrNoAttemptsLeft  = apperr.New(apperr.KindConflict, "no attempts left for this quiz")
	ErrTimeUp          = apperr.New(apperr.KindConflict, "the time limit of this attempt has passed")
)

// Quizzes runs quizzes: attempts drawn and graded on the server, and their statistics.
type Quizzes struct {
	store    attemptStore
	courses  *course.Service
	learning *learning.Service
	now      func() time.Time
	rand     func() *rand.Rand
}

// NewQuizzes returns the quiz service over db.
func NewQuizzes(db *mongo.Database, courses *course.Service, lrn *learning.Service, now func() time.Time) *Quizzes {
	return &Quizzes{store: newAttemptStore(db), courses: courses, learning: lrn, now: now,
		rand: func() *rand.Rand { return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())) }}
}

// EnsureIndexes creates the indexes of attempts.
func (s *Quizzes) EnsureIndexes(ctx context.Context) error { return s.store.ensureIndexes(ctx) }

// quiz finds a quiz in the current published version the actor may read.
func (s *Quizzes) quiz(ctx context.Context, actor auth.Principal, id string) (course.Published, *course.Quiz, error) {
	slug, local, ok := course.ParseActivityID(id)
	if !ok {
		return course.Published{}, nil, ErrQuizNotFound
	}
	pub, err := s.courses.Current(ctx, actor, slug)
	if err != nil {
		return pub, nil, err
	}
	q, ok := pub.Course.QuizByID(local)
	if !ok {
		return pub, nil, ErrQuizNotFound
	}
	return pub, q, nil
}

// QuizInfo is a quiz as a learner sees it before an attempt: no answers.
type QuizInfo struct {
	ID               string
	Title            string
	PassScore        float64
	AttemptsAllowed  int // 0: unlimited
	AttemptsUsed     int
	Questions        int // per attempt
	TimeLimitMinutes int
	Review           bool
	BestScore        *float64
	Passed           bool
	Locale           string          // the language asked for
	Fallback         course.Fallback // texts not in Locale
}

// Quiz describes a quiz and the actor's attempts at it.
//
// Returns ErrQuizNotFound and the course package's access errors.
func (s *Quizzes) Quiz(ctx context.Context, actor auth.Principal, id, locale string) (QuizInfo, error) {
	_, q, err := s.quiz(ctx, actor, id)
	if err != nil {
		return QuizInfo{}, err
	}
	l := course.Localizer{Locale: locale}
	info := QuizInfo{ID: id, Title: l.Text("title", q.Title), Locale: locale, PassScore: q.PassScore, AttemptsAllowed: q.Attempts, Questions: len(q.Questions),
		TimeLimitMinutes: q.TimeLimitMinutes, Review: q.Review, Fallback: l.Fallback}
	if q.Draw > 0 {
		info.Questions = q.Draw
	}
	prev, err := s.store.mine(ctx, actor.UserID, id)
	if err != nil {
		return QuizInfo{}, err
	}
	info.AttemptsUsed = len(prev)
	for _, a := range prev {
		if a.SubmittedAt != nil {
			if info.BestScore == nil || a.Score > *info.BestScore {
				info.BestScore = ptr(a.Score)
			}
			info.Passed = info.Passed || a.Passed
		}
	}
	return info, nil
}

// QuestionView is a question as shown in an attempt: no answers.
type QuestionView struct {
	ID      string
	Type    string
	Prompt  string
	Options []Choice // single, multiple; true_false gets true/false
	Left    []Choice // matching
	Right   []Choice // matching, shuffled, with tokens as ids
	// Fallback names the texts not in the attempt's locale: the prompt, and the i-th choice's
	// text as options.i, left.i or right.i.
	Fallback course.Fallback
}

// Attempt is an attempt as its learner sees it.
type Attempt struct {
	ID          string
	Quiz        string
	Questions   []QuestionView
	Answers     map[string][]string
	StartedAt   time.Time
	Deadline    *time.Time
	SubmittedAt *time.Time
	Result      *Result
	Locale      string // the language the attempt is shown in, chosen when it started
}

// StartAttempt draws an attempt's questions (fixed on the server from then on).
//
// Returns ErrQuizNotFound, ErrNoAttemptsLeft, learning.ErrLocked and the course package's
// access errors.
func (s *Quizzes) StartAttempt(ctx context.Context, actor auth.Principal, id, locale string) (Attempt, error) {
	pub, q, err := s.quiz(ctx, actor, id)
	if err != nil {
		return Attempt{}, err
	}
	if err := s.learning.CheckOpen(ctx, actor, pub.Course.Slug, "quizzes", q.ID); err != nil {
		return Attempt{}, err
	}
	prev, err := s.store.mine(ctx, actor.UserID, id)
	if err != nil {
		return Attempt{}, err
	}
	for _, a := range prev {
		if a.SubmittedAt == nil && (a.Deadline == nil || s.now().Before(*a.Deadline)) {
			return s.view(pub.Course, q, &a), nil // resume the open attempt
		}
	}
	if q.Attempts > 0 && len(prev) >= q.Attempts {
		return Attempt{}, ErrNoAttemptsLeft
	}
	r := s.rand()
	order := make([]int, len(q.Questions))
	for i := range order {
		order[i] = i
	}
	if q.Shuffle || q.Draw > 0 {
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	}
	if q.Draw > 0 && q.Draw < len(order) {
		order = order[:q.Draw]
	}
	now := s.now().UTC()
	d := attemptDoc{ID: uuid.NewString(), User: actor.UserID, Course: pub.Course.Slug, Version: pub.Version, Quiz: id, Locale: locale, StartedAt: now}
	if q.TimeLimitMinutes > 0 {
		d.Deadline = ptr(now.Add(time.Duration(q.TimeLimitMinutes) * time.Minute))
	}
	for _, i := range order {
		qq := q.Questions[i]
		dq := drawn{ID: qq.ID}
		if len(qq.Options) > 0 {
			ids := make([]string, len(qq.Options))
			for i, o := range qq.Options {
				ids[i] = o.ID
			}
			dq.Options, dq.Tokens = tokens(ids)
			if q.Shuffle {
				r.Shuffle(len(dq.Options), func(i, j int) { dq.Options[i], dq.Options[j] = dq.Options[j], dq.Options[i] })
			}
		}
		if qq.Type == course.QuestionMatching {
			ids := make([]string, len(qq.Pairs))
			for i, p := range qq.Pairs {
				ids[i] = p.ID
			}
			dq.Order, dq.Rights = tokens(ids)
			r.Shuffle(len(dq.Order), func(i, j int) { dq.Order[i], dq.Order[j] = dq.Order[j], dq.Order[i] })
		}
		d.Questions = append(d.Questions, dq)
	}
	if err := s.store.insert(ctx, d); err != nil {
		return Attempt{}, err
	}
	return s.view(pub.Course, q, &d), nil
}

// tokens draws a token for each id, to be shown instead of it: the ids of options and pairs
// follow the author's order and would tell the answer. It returns the tokens in the order of
// ids and what each stands for.
func tokens(ids []string) ([]string, map[string]string) {
	order := make([]string, len(ids))
	to := make(map[string]string, len(ids))
	for i, id := range ids {
		tok := uuid.NewString()[:8]
		for to[tok] != "" {
			tok = uuid.NewString()[:8]
		}
		order[i], to[tok] = tok, id
	}
	return order, to
}

// shown turns the option ids of stored answers into the tokens the attempt shows.
func shown(d *attemptDoc, answers map[string][]string) map[string][]string {
	return eachChoice(d, answers, func(dq *drawn, id string) string { return dq.token(id) })
}

// stored turns the tokens of checked answers into option ids, the form answers are kept,
// graded and recorded in.
func stored(d *attemptDoc, answers map[string][]string) map[string][]string {
	return eachChoice(d, answers, func(dq *drawn, tok string) string { id, _ := dq.option(tok); return id })
}

// eachChoice maps the answers to questions with tokened options through f, and keeps the others.
func eachChoice(d *attemptDoc, answers map[string][]string, f func(dq *drawn, v string) string) map[string][]string {
	out := make(map[string][]string, len(answers))
	for qid, vals := range answers {
		dq := drawnQuestion(d, qid)
		if dq == nil || dq.Tokens == nil {
			out[qid] = vals
			continue
		}
		mapped := make([]string, len(vals))
		for i, v := range vals {
			mapped[i] = f(dq, v)
		}
		out[qid] = mapped
	}
	return out
}

func drawnQuestion(d *attemptDoc, id string) *drawn {
	for i := range d.Questions {
		if d.Questions[i].ID == id {
			return &d.Questions[i]
		}
	}
	return nil
}

func (s *Quizzes) view(co *course.Course, q *course.Quiz, d *attemptDoc) Attempt {
	loc := d.Locale
	if loc == "" {
		loc = course.SourceLocale
	}
	a := Attempt{ID: d.ID, Quiz: d.Quiz, Answers: shown(d, d.Answers), StartedAt: d.StartedAt, Deadline: d.Deadline, SubmittedAt: d.SubmittedAt, Locale: loc}
	for _, dq := range d.Questions {
		qq := findQuestion(q, dq.ID)
		if qq == nil {
			continue
		}
		l := course.Localizer{Locale: loc}
		v := QuestionView{ID: qq.ID, Type: qq.Type, Prompt: l.Text("prompt", qq.Prompt)}
		choice := func(list []Choice, field, id string, t course.Text) []Choice {
			return append(list, Choice{ID: id, Text: l.Text(field+"."+strconv.Itoa(len(list)), t)})
		}
		switch qq.Type {
		case course.QuestionTrueFalse:
			v.Options = []Choice{{ID: "true", Text: map[string]string{"fi": "Tosi", "sv": "Sant", "en": "True"}[loc]}, {ID: "false", Text: map[string]string{"fi": "Epätosi", "sv": "Falskt", "en": "False"}[loc]}}
		case course.QuestionMatching:
			for _, p := range qq.Pairs {
				v.Left = choice(v.Left, "left", p.ID, p.Left)
			}
			for _, tok := range dq.Order {
				for _, p := range qq.Pairs {
					if p.ID == dq.Rights[tok] {
						v.Right = choice(v.Right, "right", tok, p.Right)
					}
				}
			}
		default:
			for _, tok := range dq.Options {
				oid, _ := dq.option(tok)
				for _, o := range qq.Options {
					if o.ID == oid {
						v.Options = choice(v.Options, "options", tok, o.Text)
					}
				}
			}
		}
		v.Fallback = l.Fallback
		a.Questions = append(a.Questions, v)
	}
	if d.SubmittedAt != nil {
		a.Result = s.result(q, d, loc)
	}
	return a
}

func findQuestion(q *course.Quiz, id string) *course.Question {
	for i := range q.Questions {
		if q.Questions[i].ID == id {
			return &q.Questions[i]
		}
	}
	return nil
}

func (s *Quizzes) attempt(ctx context.Context, actor auth.Principal, id string) (*attemptDoc, course.Published, *course.Quiz, error) {
	d, err := s.store.get(ctx, id)
	if err != nil {
		return nil, course.Published{}, nil, err
	}
	if d.User != actor.UserID {
		return nil, course.Published{}, nil, ErrAttemptNotFound
	}
	pub, q, err := s.quiz(ctx, actor, d.Quiz)
	if err != nil {
		return nil, pub, nil, err
	}
	return &d, pub, q, nil
}

// GetAttempt returns one of the actor's attempts.
//
// Returns ErrAttemptNotFound.
func (s *Quizzes) GetAttempt(ctx context.Context, actor auth.Principal, id string) (Attempt, error) {
	d, pub, q, err := s.attempt(ctx, actor, id)
	if err != nil {
		return Attempt{}, err
	}
	return s.view(pub.Course, q, d), nil
}

// checkAnswers refuses answers to questions not in the attempt, and choices the question does
// not have.
func checkAnswers(q *course.Quiz, d *attemptDoc, answers map[string][]string) error {
	var f apperr.Fields
	for qid, vals := range answers {
		dq := drawnQuestion(d, qid)
		if dq == nil {
			f.Add("answers."+qid, "is not a question of this attempt")
			continue
		}
		qq := findQuestion(q, qid)
		if len(vals) > 50 {
			f.Add("answers."+qid, "too many values")
			continue
		}
		for _, v := range vals {
			if len(v) > 500 {
				f.Add("answers."+qid, "an answer is longer than 500 characters")
				break
			}
			switch qq.Type {
			case course.QuestionSingle, course.QuestionMultiple:
				if _, ok := dq.option(v); !ok {
					f.Add("answers."+qid, "{value} is not an option of this question", apperr.Params{"value": strconv.Quote(v)})
				}
			case course.QuestionTrueFalse:
				if v != "true" && v != "false" {
					f.Add("answers."+qid, "must be true or false")
				}
			case course.QuestionMatching:
				left, tok, ok := strings.Cut(v, "=")
				if _, known := dq.Rights[tok]; !ok || !known || findPair(qq, left) == nil {
					f.Add("answers."+qid, "matching answers are \"left id=right id\"")
				}
			}
		}
		if qq.Type == course.QuestionSingle || qq.Type == course.QuestionTrueFalse || qq.Type == course.QuestionShortText {
			if len(vals) > 1 {
				f.Add("answers."+qid, "takes one answer")
			}
		}
	}
	return f.Err()
}

func findPair(q *course.Question, id string) *course.Pair {
	for i := range q.Pairs {
		if q.Pairs[i].ID == id {
			return &q.Pairs[i]
		}
	}
	return nil
}

// SaveAnswers keeps answers of an open attempt, to resume later.
//
// Returns ErrAttemptNotFound, ErrSubmitted, ErrTimeUp and validation errors.
func (s *Quizzes) SaveAnswers(ctx context.Context, actor auth.Principal, id string, answers map[string][]string) (Attempt, error) {
	d, pub, q, err := s.attempt(ctx, actor, id)
	if err != nil {
		return Attempt{}, err
	}
	if d.SubmittedAt != nil {
		return Attempt{}, ErrSubmitted
	}
	if d.Deadline != nil && s.now().After(*d.Deadline) {
		return Attempt{}, ErrTimeUp
	}
	if err := checkAnswers(q, d, answers); err != nil {
		return Attempt{}, err
	}
	answers = stored(d, answers)
	if len(answers) > 0 {
		saved, err := s.store.saveAnswers(ctx, id, answers)
		if err != nil {
			return Attempt{}, err
		}
		if !saved {
			return Attempt{}, ErrSubmitted
		}
	}
	for qid, v := range answers {
		if d.Answers == nil {
			d.Answers = map[string][]string{}
		}
		d.Answers[qid] = v
	}
	return s.view(pub.Course, q, d), nil
}

func normalise(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return unicode.IsSpace(r) || r == '.' || r == '!' }), " ")
}

// grade decides each drawn question.
func grade(q *course.Quiz, d *attemptDoc, answers map[string][]string) map[string]bool {
	out := map[string]bool{}
	for _, dq := range d.Questions {
		qq := findQuestion(q, dq.ID)
		if qq == nil {
			continue
		}
		got := answers[dq.ID]
		ok := false
		switch qq.Type {
		case course.QuestionSingle, course.QuestionMultiple:
			var want []string
			for _, o := range qq.Options {
				if o.Correct {
					want = append(want, o.ID)
				}
			}
			g := slices.Clone(got)
			slices.Sort(g)
			g = slices.Compact(g)
			slices.Sort(want)
			ok = len(g) > 0 && slices.Equal(g, want)
		case course.QuestionTrueFalse:
			ok = len(got) == 1 && qq.Answer != nil && got[0] == fmt.Sprint(*qq.Answer)
		case course.QuestionMatching:
			matched := map[string]string{}
			for _, v := range got {
				left, tok, _ := strings.Cut(v, "=")
				matched[left] = dq.Rights[tok]
			}
			ok = len(qq.Pairs) > 0
			for _, p := range qq.Pairs {
				if matched[p.ID] != p.ID {
					ok = false
				}
			}
		case course.QuestionShortText:
			if len(got) == 1 {
				for _, list := range qq.Accepted {
					for _, a := range list {
						if normalise(a) == normalise(got[0]) && normalise(a) != "" {
							ok = true
						}
					}
				}
			}
		}
		out[dq.ID] = ok
	}
	return out
}

// Result is a graded attempt.
type Result struct {
	Score     float64
	Passed    bool
	PassScore float64
	Questions []QuestionResult
}

// QuestionResult is one question's outcome, with feedback; the correct answer only when the
// quiz allows review.
type QuestionResult struct {
	ID       string
	Correct  bool
	Feedback []string
	Answer   []string // correct answer (review only)
	// Fallback names the texts not in the attempt's locale: the i-th feedback as feedback.i,
	// accepted short answers as answer.i.
	Fallback course.Fallback
}

func (s *Quizzes) result(q *course.Quiz, d *attemptDoc, loc string) *Result {
	r := &Result{Score: d.Score, Passed: d.Passed, PassScore: q.PassScore}
	for _, dq := range d.Questions {
		qq := findQuestion(q, dq.ID)
		if qq == nil {
			continue
		}
		qr := QuestionResult{ID: dq.ID, Correct: d.Correct[dq.ID]}
		l := course.Localizer{Locale: loc}
		feedback := func(t course.Text) {
			if fb := l.Text("feedback."+strconv.Itoa(len(qr.Feedback)), t); fb != "" {
				qr.Feedback = append(qr.Feedback, fb)
			}
		}
		for _, v := range d.Answers[dq.ID] {
			for _, o := range qq.Options {
				if o.ID == v {
					feedback(o.Feedback)
				}
			}
		}
		verdict := qq.FeedbackIncorrect
		if qr.Correct {
			verdict = qq.FeedbackCorrect
		}
		feedback(verdict)
		feedback(qq.Feedback)
		if q.Review {
			switch qq.Type {
			case course.QuestionSingle, course.QuestionMultiple:
				for _, o := range qq.Options {
					if o.Correct {
						qr.Answer = append(qr.Answer, dq.token(o.ID))
					}
				}
			case course.QuestionTrueFalse:
				qr.Answer = []string{fmt.Sprint(*qq.Answer)}
			case course.QuestionMatching:
				for _, p := range qq.Pairs {
					for tok, pid := range dq.Rights {
						if pid == p.ID {
							qr.Answer = append(qr.Answer, p.ID+"="+tok)
						}
					}
				}
			case course.QuestionShortText:
				qr.Answer = qq.Accepted[loc]
				if len(qr.Answer) == 0 {
					qr.Answer = qq.Accepted[course.SourceLocale]
					for i, v := range qr.Answer { // Finnish forms stand in for the reader's
						l.Text("answer."+strconv.Itoa(i), course.Text{course.SourceLocale: v})
					}
				}
			}
		}
		qr.Fallback = l.Fallback
		r.Questions = append(r.Questions, qr)
	}
	return r
}

// Submit grades an attempt on the server, once, and records answered statements and a passed
// or failed statement with the score. Answers given here are added to those saved before.
//
// Returns ErrAttemptNotFound, ErrSubmitted, ErrTimeUp, learning.ErrLocked and validation errors.
func (s *Quizzes) Submit(ctx context.Context, actor auth.Principal, id string, answers map[string][]string) (Attempt, error) {
	d, pub, q, err := s.attempt(ctx, actor, id)
	if err != nil {
		return Attempt{}, err
	}
	if d.SubmittedAt != nil {
		return s.view(pub.Course, q, d), ErrSubmitted
	}
	if err := s.learning.CheckOpen(ctx, actor, pub.Course.Slug, "quizzes", q.ID); err != nil {
		return Attempt{}, err
	}
	// A minute of grace for the network; later than that the attempt is closed.
	if d.Deadline != nil && s.now().After(d.Deadline.Add(time.Minute)) {
		return Attempt{}, ErrTimeUp
	}
	if err := checkAnswers(q, d, answers); err != nil {
		return Attempt{}, err
	}
	answers = stored(d, answers)
	all := map[string][]string{}
	for k, v := range d.Answers {
		all[k] = v
	}
	for k, v := range answers {
		all[k] = v
	}
	correct := grade(q, d, all)
	n := 0
	for _, ok := range correct {
		if ok {
			n++
		}
	}
	score := 0.0
	if len(d.Questions) > 0 {
		score = float64(n) / float64(len(d.Questions))
	}
	passed := score >= q.PassScore-1e-9
	now := s.now().UTC()
	graded, err := s.store.submit(ctx, id, grading{Answers: all, SubmittedAt: now, Score: score, Passed: passed, Correct: correct})
	if err != nil {
		return Attempt{}, err
	}
	if !graded {
		return Attempt{}, ErrSubmitted
	}
	d.Answers, d.SubmittedAt, d.Score, d.Passed, d.Correct = all, &now, score, passed, correct
	if err := s.recordAttempt(ctx, actor, pub, d); err != nil {
		return Attempt{}, err
	}
	return s.view(pub.Course, q, d), nil
}

// recordAttempt writes the attempt's statements, as statements Taito judged, with ids derived
// from the attempt, so that a retry after a failure writes each once.
func (s *Quizzes) recordAttempt(ctx context.Context, actor auth.Principal, pub course.Published, d *attemptDoc) error {
	_, local, _ := course.ParseActivityID(d.Quiz)
	obj := learning.Object{ObjectType: "Activity", ID: s.learning.IRI(pub.Course.Slug, "quizzes", local)}
	ext := func(extra map[string]any) map[string]any {
		m := map[string]any{s.learning.Ext(learning.ExtAttempt): d.ID}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	var entries []learning.Entry
	for _, dq := range d.Questions {
		ok := d.Correct[dq.ID]
		sid, err := s.learning.StatementID(ctx, "quiz-answer", d.ID, dq.ID)
		if err != nil {
			return err
		}
		st := learning.Statement{ID: sid, Actor: s.learning.Actor(actor.UserID),
			Verb: learning.Verb{ID: learning.VerbAnswered}, Object: obj,
			Result: &learning.Result{Success: &ok, Response: strings.Join(d.Answers[dq.ID], "[,]"), Extensions: ext(map[string]any{s.learning.Ext(learning.ExtQuestion): dq.ID})}}
		entries = append(entries, learning.Entry{Statement: st, Hash: "answered:" + d.ID + "/" + dq.ID})
	}
	verb := learning.VerbFailed
	if d.Passed {
		verb = learning.VerbPassed
	}
	score := d.Score
	sid, err := s.learning.StatementID(ctx, "quiz-result", d.ID)
	if err != nil {
		return err
	}
	st := learning.Statement{ID: sid, Actor: s.learning.Actor(actor.UserID),
		Verb: learning.Verb{ID: verb}, Object: obj,
		Result: &learning.Result{Score: &learning.Score{Scaled: &score}, Success: &d.Passed, Completion: ptr(true), Extensions: ext(nil)}}
	entries = append(entries, learning.Entry{Statement: st, Hash: "result:" + d.ID})
	_, err = s.learning.RecordJudged(ctx, actor.UserID, entries)
	return err
}

// QuestionStats is how a question went across submitted attempts.
type QuestionStats struct {
	ID              string
	Answered        int
	Correct         int
	Difficulty      float64 // share answered wrong, 0-1
	CommonWrong     string  // the most-chosen wrong option, if any
	CommonWrongPick int
}

// Audience is whose records a trainer's summary covers; the application layer decides it from
// the principal. The zero Audience is everyone's.
type Audience struct {
	// Users, when not nil, are the only learners covered (none when empty).
	Users []string
	// Except are learners left out.
	Except []string
}

// among keeps those of records read for the audience that it covers; user names a record's
// learner.
func among[T any](aud Audience, records []T, user func(T) string) []T {
	if len(aud.Except) == 0 {
		return records
	}
	except := make(map[string]bool, len(aud.Except))
	for _, u := range aud.Except {
		except[u] = true
	}
	out := records[:0]
	for _, r := range records {
		if !except[user(r)] {
			out = append(out, r)
		}
	}
	return out
}

// Stats summarises submitted attempts at a quiz for trainers, over the given learners (all
// learners when users is nil), and counts the attempts.
//
// Returns auth.ErrForbidden, ErrQuizNotFound and the course package's access errors.
func (s *Quizzes) Stats(ctx context.Context, actor auth.Principal, id string, users []string) ([]QuestionStats, int, error) {
	return s.StatsFor(ctx, actor, id, Audience{Users: users})
}

// StatsFor is Stats over an audience.
func (s *Quizzes) StatsFor(ctx context.Context, actor auth.Principal, id string, aud Audience) ([]QuestionStats, int, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return nil, 0, err
	}
	_, q, err := s.quiz(ctx, actor, id)
	if err != nil {
		return nil, 0, err
	}
	docs, err := s.store.submitted(ctx, id, aud.Users)
	if err != nil {
		return nil, 0, err
	}
	docs = among(aud, docs, func(d attemptDoc) string { return d.User })
	out := make([]QuestionStats, len(q.Questions))
	wrong := make([]map[string]int, len(q.Questions))
	for i, qq := range q.Questions {
		out[i].ID = qq.ID
		wrong[i] = map[string]int{}
	}
	for _, d := range docs {
		for i, qq := range q.Questions {
			ok, asked := d.Correct[qq.ID]
			if !asked {
				continue
			}
			out[i].Answered++
			if ok {
				out[i].Correct++
				continue
			}
			for _, v := range d.Answers[qq.ID] {
				for _, o := range qq.Options {
					if o.ID == v && !o.Correct {
						wrong[i][v]++
					}
				}
			}
		}
	}
	for i := range out {
		if out[i].Answered > 0 {
			out[i].Difficulty = 1 - float64(out[i].Correct)/float64(out[i].Answered)
		}
		for opt, n := range wrong[i] {
			if n > out[i].CommonWrongPick || (n == out[i].CommonWrongPick && opt < out[i].CommonWrong) {
				out[i].CommonWrong, out[i].CommonWrongPick = opt, n
			}
		}
	}
	return out, len(docs), nil
}
