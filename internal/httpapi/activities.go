package httpapi

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/app"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
)

type choiceOut struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type questionOut struct {
	ID       string          `json:"id"`
	Type     string          `json:"type"`
	Prompt   string          `json:"prompt"`
	Options  []choiceOut     `json:"options,omitempty"`
	Left     []choiceOut     `json:"left,omitempty"`
	Right    []choiceOut     `json:"right,omitempty"`
	Fallback course.Fallback `json:"fallback,omitempty"`
}

type questionResultOut struct {
	ID       string          `json:"id"`
	Correct  bool            `json:"correct"`
	Feedback []string        `json:"feedback"`
	Answer   []string        `json:"answer,omitempty"`
	Fallback course.Fallback `json:"fallback,omitempty"`
}

type resultOut struct {
	Score     float64             `json:"score"`
	Passed    bool                `json:"passed"`
	PassScore float64             `json:"pass_score"`
	Questions []questionResultOut `json:"questions"`
}

type attemptOut struct {
	ID          string              `json:"id"`
	Quiz        string              `json:"quiz"`
	Questions   []questionOut       `json:"questions"`
	Answers     map[string][]string `json:"answers"`
	StartedAt   time.Time           `json:"started_at"`
	Deadline    *time.Time          `json:"deadline,omitempty"`
	SubmittedAt *time.Time          `json:"submitted_at,omitempty"`
	Result      *resultOut          `json:"result,omitempty"`
	Locale      string              `json:"locale"`
}

func choices(cs []activity.Choice) []choiceOut {
	var out []choiceOut
	for _, c := range cs {
		out = append(out, choiceOut{ID: c.ID, Text: c.Text})
	}
	return out
}

func newAttemptOut(a activity.Attempt) attemptOut {
	out := attemptOut{ID: a.ID, Quiz: a.Quiz, Answers: a.Answers, StartedAt: a.StartedAt, Deadline: a.Deadline, SubmittedAt: a.SubmittedAt, Questions: []questionOut{},
		Locale: a.Locale}
	for _, q := range a.Questions {
		out.Questions = append(out.Questions, questionOut{ID: q.ID, Type: q.Type, Prompt: q.Prompt, Options: choices(q.Options), Left: choices(q.Left), Right: choices(q.Right),
			Fallback: q.Fallback})
	}
	if r := a.Result; r != nil {
		ro := &resultOut{Score: r.Score, Passed: r.Passed, PassScore: r.PassScore, Questions: []questionResultOut{}}
		for _, q := range r.Questions {
			fb := q.Feedback
			if fb == nil {
				fb = []string{}
			}
			ro.Questions = append(ro.Questions, questionResultOut{ID: q.ID, Correct: q.Correct, Feedback: fb, Answer: q.Answer, Fallback: q.Fallback})
		}
		out.Result = ro
	}
	return out
}

type quizOut struct {
	ID               string          `json:"id"`
	Title            string          `json:"title"`
	PassScore        float64         `json:"pass_score"`
	AttemptsAllowed  int             `json:"attempts_allowed"`
	AttemptsUsed     int             `json:"attempts_used"`
	Questions        int             `json:"questions"`
	TimeLimitMinutes int             `json:"time_limit_minutes"`
	Review           bool            `json:"review"`
	BestScore        *float64        `json:"best_score,omitempty"`
	Passed           bool            `json:"passed"`
	Locale           string          `json:"locale"`
	Fallback         course.Fallback `json:"fallback,omitempty"`
}

func (s *Server) getQuiz(c *fiber.Ctx) error {
	q, err := s.quizzes.Quiz(c.UserContext(), principal(c), c.Params("id"), locale(c))
	if err != nil {
		return err
	}
	return c.JSON(quizOut{ID: q.ID, Title: q.Title, PassScore: q.PassScore, AttemptsAllowed: q.AttemptsAllowed, AttemptsUsed: q.AttemptsUsed,
		Questions: q.Questions, TimeLimitMinutes: q.TimeLimitMinutes, Review: q.Review, BestScore: q.BestScore, Passed: q.Passed,
		Locale: q.Locale, Fallback: q.Fallback})
}

func (s *Server) startAttempt(c *fiber.Ctx) error {
	a, err := s.quizzes.StartAttempt(c.UserContext(), principal(c), c.Params("id"), locale(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newAttemptOut(a))
}

func (s *Server) getAttempt(c *fiber.Ctx) error {
	a, err := s.quizzes.GetAttempt(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(newAttemptOut(a))
}

type answersRequest struct {
	Answers map[string][]string `json:"answers"`
}

func (s *Server) saveAnswers(c *fiber.Ctx) error {
	var req answersRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := s.quizzes.SaveAnswers(c.UserContext(), principal(c), c.Params("id"), req.Answers)
	if err != nil {
		return err
	}
	return c.JSON(newAttemptOut(a))
}

func (s *Server) submitAttempt(c *fiber.Ctx) error {
	var req answersRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	a, err := s.quizzes.Submit(c.UserContext(), principal(c), c.Params("id"), req.Answers)
	if err != nil {
		return err
	}
	return c.JSON(newAttemptOut(a))
}

type questionStatsOut struct {
	ID              string  `json:"id"`
	Answered        int     `json:"answered"`
	Correct         int     `json:"correct"`
	Difficulty      float64 `json:"difficulty"`
	CommonWrong     string  `json:"common_wrong,omitempty"`
	CommonWrongPick int     `json:"common_wrong_picks"`
}

func (s *Server) quizStats(c *fiber.Ctx) error {
	stats, n, err := s.app.QuizStats(c.UserContext(), principal(c), c.Params("id"), c.Query("cohort"))
	if err != nil {
		return err
	}
	out := struct {
		Attempts  int                `json:"attempts"`
		Questions []questionStatsOut `json:"questions"`
	}{Attempts: n, Questions: []questionStatsOut{}}
	for _, q := range stats {
		out.Questions = append(out.Questions, questionStatsOut(q))
	}
	return c.JSON(out)
}

type postOut struct {
	ID     string `json:"id"`
	Author string `json:"author,omitempty"`
	// AuthorName is the author's display name, or "anonymous" in the reader's language.
	AuthorName string         `json:"author_name,omitempty"`
	Anonymous  bool           `json:"anonymous"`
	Mine       bool           `json:"mine"`
	Body       string         `json:"body"`
	HTML       string         `json:"html"`
	Hidden     bool           `json:"hidden"`
	Featured   bool           `json:"featured"`
	Reactions  map[string]int `json:"reactions"`
	Reacted    []string       `json:"reacted"`
	CreatedAt  time.Time      `json:"created_at"`
	EditedAt   *time.Time     `json:"edited_at,omitempty"`
	Comments   []postOut      `json:"comments,omitempty"`
	// Erased: its author was erased; it keeps its place with no text and no author.
	Erased bool `json:"erased,omitempty"`
}

func newPostOut(p activity.Post) postOut {
	out := postOut{ID: p.ID, Author: p.Author, AuthorName: p.AuthorName, Anonymous: p.Anonymous, Mine: p.Mine, Body: p.Body, HTML: p.HTML, Hidden: p.Hidden, Featured: p.Featured,
		Reactions: p.Reactions, Reacted: p.Reacted, CreatedAt: p.CreatedAt, EditedAt: p.EditedAt, Erased: p.Erased}
	if out.Reacted == nil {
		out.Reacted = []string{}
	}
	for _, cm := range p.Comments {
		out.Comments = append(out.Comments, newPostOut(cm))
	}
	return out
}

// wallResponse is a page of a wall's posts with the task they answer.
type wallResponse struct {
	Task *course.ReflectionView `json:"task"`
	listResponse[postOut]
}

func (s *Server) listPosts(c *fiber.Ctx) error {
	if err := checkLocaleParam(c); err != nil {
		return err
	}
	limit, after, err := pageParams(c)
	if err != nil {
		return err
	}
	task, err := s.walls.Task(c.UserContext(), principal(c), c.Params("id"), c.Params("task"), locale(c))
	if err != nil {
		return err
	}
	posts, next, err := s.walls.ListPosts(c.UserContext(), principal(c), c.Params("id"), c.Params("task"), after, limit)
	if err != nil {
		return err
	}
	if err := s.app.NamePostAuthors(c.UserContext(), posts, locale(c)); err != nil {
		return err
	}
	out := make([]postOut, len(posts))
	for i, p := range posts {
		out[i] = newPostOut(p)
	}
	return c.JSON(wallResponse{Task: task, listResponse: newList(out, next)})
}

// namedPost is one post with its authors' names as the caller sees them.
func (s *Server) namedPost(c *fiber.Ctx, p activity.Post) (activity.Post, error) {
	one := []activity.Post{p}
	err := s.app.NamePostAuthors(c.UserContext(), one, locale(c))
	return one[0], err
}

type postRequest struct {
	Body      string `json:"body"`
	Anonymous bool   `json:"anonymous"`
}

func (s *Server) createPost(c *fiber.Ctx) error {
	var req postRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.walls.CreatePost(c.UserContext(), principal(c), c.Params("id"), c.Params("task"), req.Body, req.Anonymous)
	if err != nil {
		return err
	}
	if p, err = s.namedPost(c, p); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newPostOut(p))
}

type commentRequest struct {
	Body string `json:"body"`
}

func (s *Server) createComment(c *fiber.Ctx) error {
	var req commentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.walls.Comment(c.UserContext(), principal(c), c.Params("id"), c.Params("task"), c.Params("post"), req.Body)
	if err != nil {
		return err
	}
	if p, err = s.namedPost(c, p); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newPostOut(p))
}

type editPostRequest struct {
	Body     *string `json:"body"`
	Hidden   *bool   `json:"hidden"`
	Featured *bool   `json:"featured"`
}

func (s *Server) editPost(c *fiber.Ctx) error {
	var req editPostRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.walls.EditPost(c.UserContext(), principal(c), c.Params("id"), c.Params("task"), c.Params("post"), activity.PostChange(req))
	if err != nil {
		return err
	}
	if p, err = s.namedPost(c, p); err != nil {
		return err
	}
	return c.JSON(newPostOut(p))
}

func (s *Server) deletePost(c *fiber.Ctx) error {
	if err := s.walls.DeletePost(c.UserContext(), principal(c), c.Params("id"), c.Params("task"), c.Params("post")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) react(on bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := s.walls.React(c.UserContext(), principal(c), c.Params("id"), c.Params("task"), c.Params("post"), c.Params("kind"), on); err != nil {
			return err
		}
		return c.SendStatus(fiber.StatusNoContent)
	}
}

type competenceOut struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Fallback    course.Fallback `json:"fallback,omitempty"`
}

type areaOut struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Competences []competenceOut `json:"competences"`
	Fallback    course.Fallback `json:"fallback,omitempty"`
}

type levelOut struct {
	Name     string          `json:"name"`
	From     int             `json:"from"`
	To       int             `json:"to"`
	Fallback course.Fallback `json:"fallback,omitempty"`
}

// digcomp delivers the framework in the reader's language; its names exist in Finnish and
// English, so each object names those that fall back.
func (s *Server) digcomp(c *fiber.Ctx) error {
	loc := locale(c)
	out := struct {
		ID     string     `json:"id"`
		Areas  []areaOut  `json:"areas"`
		Levels []levelOut `json:"levels"`
		Locale string     `json:"locale"`
	}{ID: "digcomp-2.2", Locale: loc}
	for _, a := range activity.DigComp {
		la := course.Localizer{Locale: loc}
		ao := areaOut{ID: a.ID, Name: la.Text("name", a.Name)}
		for _, cm := range a.Competences {
			lc := course.Localizer{Locale: loc}
			ao.Competences = append(ao.Competences, competenceOut{ID: cm.ID, Name: lc.Text("name", cm.Name), Description: lc.Text("description", cm.Description),
				Fallback: lc.Fallback})
		}
		ao.Fallback = la.Fallback
		out.Areas = append(out.Areas, ao)
	}
	for _, l := range activity.LevelGroups {
		ll := course.Localizer{Locale: loc}
		out.Levels = append(out.Levels, levelOut{Name: ll.Text("name", l.Name), From: l.From, To: l.To, Fallback: ll.Fallback})
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Set(fiber.HeaderVary, "Accept-Language") // the texts follow the reader's language
	return c.JSON(out)
}

type assessmentRequest struct {
	Course     string            `json:"course"`
	Assessment string            `json:"assessment"`
	Ratings    map[string]int    `json:"ratings"`
	Notes      map[string]string `json:"notes"`
}

type rowOut struct {
	ID       string          `json:"id"`
	Label    string          `json:"label"`
	Self     int             `json:"self"`
	Coach    *int            `json:"coach,omitempty"`
	Gap      *int            `json:"gap,omitempty"`
	Start    *int            `json:"start,omitempty"`
	Change   *int            `json:"change,omitempty"`
	Fallback course.Fallback `json:"fallback,omitempty"`
}

type assessmentOut struct {
	ID          string            `json:"id"`
	User        string            `json:"user"`
	Course      string            `json:"course"`
	Assessment  string            `json:"assessment"`
	Round       string            `json:"round"`
	Rows        []rowOut          `json:"rows"`
	SelfNotes   map[string]string `json:"self_notes,omitempty"`
	CoachNotes  map[string]string `json:"coach_notes,omitempty"`
	SubmittedAt time.Time         `json:"submitted_at"`
	CoachedAt   *time.Time        `json:"coached_at,omitempty"`
	CoachedBy   string            `json:"coached_by,omitempty"`
	Locale      string            `json:"locale"`
}

func newAssessmentOut(a activity.Assessment) assessmentOut {
	out := assessmentOut{ID: a.ID, User: a.User, Course: a.Course, Assessment: a.Assessment, Round: a.Round, SelfNotes: a.SelfNotes,
		CoachNotes: a.CoachNotes, SubmittedAt: a.SubmittedAt, CoachedAt: a.CoachedAt, CoachedBy: a.CoachedBy, Rows: []rowOut{}, Locale: a.Locale}
	for _, r := range a.Rows {
		out.Rows = append(out.Rows, rowOut(r))
	}
	return out
}

// activityRef reads an activity a request body names: by its API id ("course:activity") in
// field, or by its bare id there beside the course.
func activityRef(field, slug, id string) (string, string, error) {
	named, local, ok := course.ParseActivityID(id)
	if !ok {
		return slug, id, nil
	}
	if slug != "" && slug != named {
		return "", "", apperr.Validation(apperr.NewField("course", "names another course than {other}", apperr.Params{"other": field}))
	}
	return named, local, nil
}

func (s *Server) submitAssessment(c *fiber.Ctx) error {
	var req assessmentRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	slug, id, err := activityRef("assessment", req.Course, req.Assessment)
	if err != nil {
		return err
	}
	a, err := s.assessments.Submit(c.UserContext(), principal(c), slug, id, req.Ratings, req.Notes)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(newAssessmentOut(a))
}

// getAssessmentForm serves a self-assessment's form: what a learner reads and rates.
func (s *Server) getAssessmentForm(c *fiber.Ctx) error { return serveForm(c, s.assessments.Form) }

// serveForm serves an activity's definition, read in the reader's language.
func serveForm[T any](c *fiber.Ctx, read func(ctx context.Context, actor auth.Principal, id, locale string) (T, error)) error {
	if err := checkLocaleParam(c); err != nil {
		return err
	}
	f, err := read(c.UserContext(), principal(c), c.Params("id"), locale(c))
	if err != nil {
		return err
	}
	return c.JSON(f)
}

func (s *Server) getAssessment(c *fiber.Ctx) error {
	a, err := s.assessments.Get(c.UserContext(), principal(c), c.Params("id"), locale(c))
	if err != nil {
		return err
	}
	s.recordView(c, audit.ActViewAssessment, a.User, a.Course+":"+a.Assessment)
	return c.JSON(newAssessmentOut(a))
}

func (s *Server) listAssessments(c *fiber.Ctx) error {
	as, err := s.assessments.Mine(c.UserContext(), principal(c), c.Query("course"), locale(c))
	if err != nil {
		return err
	}
	out := make([]assessmentOut, len(as))
	for i, a := range as {
		out[i] = newAssessmentOut(a)
	}
	return c.JSON(newList(out, ""))
}

type coachRequest struct {
	Ratings map[string]int    `json:"ratings"`
	Notes   map[string]string `json:"notes"`
}

func (s *Server) coachAssessment(c *fiber.Ctx) error {
	var req coachRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := s.assessments.Coach(c.UserContext(), principal(c), c.Params("id"), req.Ratings, req.Notes)
	if err != nil {
		return err
	}
	return c.JSON(newAssessmentOut(a))
}

// safariObservation and safariStep are a log's parts, as a client sends them and reads them.
type safariObservation struct {
	Type       string `json:"type"`
	Severity   int    `json:"severity"`
	Competence string `json:"competence,omitempty"`
	Note       string `json:"note"`
}

type safariStep struct {
	Step         string              `json:"step"`
	DidAndSaid   string              `json:"did_and_said"`
	Observations []safariObservation `json:"observations"`
}

// saveSafariRequest is what a client may write in a log; the server sets the rest (who, when).
type saveSafariRequest struct {
	Course    string       `json:"course"`
	Safari    string       `json:"safari"`
	WithPeer  bool         `json:"with_peer"`
	Steps     []safariStep `json:"steps"`
	Debrief   string       `json:"debrief"`
	Submitted bool         `json:"submitted"`
}

func (r saveSafariRequest) input() (activity.SafariInput, error) {
	slug, id, err := activityRef("safari", r.Course, r.Safari)
	if err != nil {
		return activity.SafariInput{}, err
	}
	in := activity.SafariInput{Course: slug, Safari: id, WithPeer: r.WithPeer, Steps: make([]activity.StepLog, len(r.Steps)), Debrief: r.Debrief,
		Submitted: r.Submitted}
	for i, st := range r.Steps {
		in.Steps[i] = st.log()
	}
	return in, nil
}

func (st safariStep) log() activity.StepLog {
	l := activity.StepLog{Step: st.Step, DidAndSaid: st.DidAndSaid, Observations: make([]activity.Observation, len(st.Observations))}
	for i, o := range st.Observations {
		l.Observations[i] = activity.Observation(o)
	}
	return l
}

func newSafariStep(l activity.StepLog) safariStep {
	st := safariStep{Step: l.Step, DidAndSaid: l.DidAndSaid, Observations: make([]safariObservation, len(l.Observations))}
	for i, o := range l.Observations {
		st.Observations[i] = safariObservation(o)
	}
	return st
}

type safariLogOut struct {
	ID          string       `json:"id"`
	User        string       `json:"user"`
	Course      string       `json:"course"`
	Safari      string       `json:"safari"`
	WithPeer    bool         `json:"with_peer"`
	Steps       []safariStep `json:"steps"`
	Debrief     string       `json:"debrief"`
	Submitted   bool         `json:"submitted"`
	SubmittedAt *time.Time   `json:"submitted_at,omitempty"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

func newSafariLogOut(l activity.SafariLog) safariLogOut {
	out := safariLogOut{ID: l.ID, User: l.User, Course: l.Course, Safari: l.Safari, WithPeer: l.WithPeer, Steps: make([]safariStep, len(l.Steps)),
		Debrief: l.Debrief, Submitted: l.Submitted, SubmittedAt: l.SubmittedAt, UpdatedAt: l.UpdatedAt}
	for i, st := range l.Steps {
		out.Steps[i] = newSafariStep(st)
	}
	return out
}

func (s *Server) saveSafari(create bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var req saveSafariRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		id, status := c.Params("id"), fiber.StatusOK
		if create {
			id, status = "", fiber.StatusCreated
		}
		in, err := req.input()
		if err != nil {
			return err
		}
		l, err := s.safaris.Save(c.UserContext(), principal(c), id, in)
		if err != nil {
			return err
		}
		return c.Status(status).JSON(newSafariLogOut(l))
	}
}

// getSafariForm serves a service safari: what a learner reads and logs.
func (s *Server) getSafariForm(c *fiber.Ctx) error { return serveForm(c, s.safaris.Form) }

func (s *Server) getSafari(c *fiber.Ctx) error {
	l, err := s.safaris.Get(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	s.recordView(c, audit.ActViewSafari, l.User, l.Course+":"+l.Safari)
	return c.JSON(newSafariLogOut(l))
}

func (s *Server) listSafaris(c *fiber.Ctx) error {
	ls, err := s.safaris.Mine(c.UserContext(), principal(c))
	if err != nil {
		return err
	}
	out := make([]safariLogOut, len(ls))
	for i, l := range ls {
		out[i] = newSafariLogOut(l)
	}
	return c.JSON(newList(out, ""))
}

type findingOut struct {
	Step        string   `json:"step"`
	Type        string   `json:"type"`
	Competence  string   `json:"competence,omitempty"`
	Count       int      `json:"count"`
	MaxSeverity int      `json:"max_severity"`
	Notes       []string `json:"notes"`
}

// safariSummary aggregates a safari's findings for trainers; ?format=csv gives a file a service
// owner can open in a spreadsheet.
func (s *Server) safariSummary(c *fiber.Ctx) error {
	slug, safari, err := activityRef("safari", c.Query("course"), c.Query("safari"))
	if err != nil {
		return err
	}
	fs, n, err := s.app.SafariSummary(c.UserContext(), principal(c), slug, safari, c.Query("cohort"))
	if err != nil {
		return err
	}
	if c.Query("format") == "csv" {
		dl := app.SafariSummaryCSV(slug, safari, fs, messageLocale(c))
		s.record(c, audit.Entry{Act: audit.ActReportDownload, Target: slug + ":" + safari, Detail: "safari summary csv"})
		c.Set(fiber.HeaderContentType, dl.ContentType)
		c.Set(fiber.HeaderContentDisposition, dl.Disposition)
		return c.SendString(dl.Body)
	}
	out := struct {
		Logs     int          `json:"logs"`
		Findings []findingOut `json:"findings"`
	}{Logs: n, Findings: []findingOut{}}
	for _, f := range fs {
		out.Findings = append(out.Findings, findingOut(f))
	}
	return c.JSON(out)
}
