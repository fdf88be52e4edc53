package web

import (
	"errors"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/course"
)

// The quiz pages: the quiz with its rules and her attempts, an attempt as a form (every
// question type as ordinary controls, saved as she goes when scripts run), and the result.
//
// An answer is posted as the field q-<question id>: the option's token for single choice and
// true/false, one value per ticked box for multiple choice, the typed text for a short answer,
// and "<item>=<token>" from each item's <select> for matching. The tokens are the attempt's
// own: they tell nothing of the answer.
func (w *Web) quizRoutes(r fiber.Router) {
	r.Get("/quizzes/:id", w.signedIn, w.quizPage)
	r.Post("/quizzes/:id/attempts", w.signedIn, w.quizStart)
	r.Get("/attempts/:id", w.signedIn, w.attemptPage)
	r.Post("/attempts/:id/save", w.signedIn, w.attemptSave)
	r.Post("/attempts/:id/submit", w.signedIn, w.attemptSubmit)
	r.Get("/attempts/:id/result", w.signedIn, w.attemptResult)
}

// submitGrace is how long after the deadline a submission is still taken (the application's
// minute for the network).
const submitGrace = time.Minute

func param(c *fiber.Ctx, name string) string {
	v := c.Params(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// link is a link with its words.
type link struct{ Href, Text string }

// quizPlace is where a quiz sits in its course: the course's title and the way back.
type quizPlace struct {
	CourseTitle string
	Back        link
}

// placeOf finds the quiz's course and the lesson that holds it.
func (w *Web) placeOf(c *fiber.Ctx, p *Page, quizID string) (quizPlace, error) {
	slug, local, _ := course.ParseActivityID(quizID)
	pub, err := w.app.Courses.Current(c.UserContext(), principal(c), slug)
	if err != nil {
		return quizPlace{}, err
	}
	co := pub.Course
	pl := quizPlace{CourseTitle: co.Title.Get(p.Lang), Back: link{Href: "/courses/" + url.PathEscape(slug), Text: p.T("quiz.back-course")}}
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			holds := l.Completion.Quiz == local
			for _, b := range l.Blocks {
				holds = holds || (b.Kind == course.KindQuiz && b.Quiz == local)
			}
			if holds {
				pl.Back = link{Href: "/courses/" + url.PathEscape(slug) + "/lessons/" + url.PathEscape(l.ID), Text: p.T("quiz.back-lesson", "lesson", l.Title.Get(p.Lang))}
				return pl, nil
			}
		}
	}
	return pl, nil
}

// percent is a share 0-1 as a whole percent.
func percent(f float64) int { return int(math.Round(f * 100)) }

// langIf is lang when it differs from the page's language (the lang attribute a passage needs),
// else "".
func langIf(p *Page, lang string) string {
	if lang == "" || lang == p.Lang {
		return ""
	}
	return lang
}

// ---- the quiz page

type quizView struct {
	ID, Title, TitleLang string
	Questions            int
	PassPercent          int
	AttemptsAllowed      int
	AttemptsUsed         int
	TimeLimit            string // "Aikaa on 20 minuuttia", "" without a limit
	Best                 string // her best score in words, "" before any submitted attempt
	Passed               bool
	Attempts             []attemptRow
	Resume               string // the open attempt's page
	CanStart             bool
	Place                quizPlace
}

type attemptRow struct {
	Number  int
	Started string
	State   string // words: passed, not passed, open, time ran out
	Score   string
	Href    string
	Open    bool
	Passed  bool
}

func (w *Web) quizPage(c *fiber.Ctx) error {
	return w.showQuiz(c, w.page(c, ""), param(c, "id"))
}

// showQuiz renders the quiz page; p may carry errors of a refused start.
func (w *Web) showQuiz(c *fiber.Ctx, p *Page, id string) error {
	ctx, actor := c.UserContext(), principal(c)
	info, err := w.app.Quizzes.Quiz(ctx, actor, id, p.Lang)
	if err != nil {
		return err
	}
	attempts, err := w.app.Quizzes.Attempts(ctx, actor, id)
	if err != nil {
		return err
	}
	pl, err := w.placeOf(c, p, id)
	if err != nil {
		return err
	}
	v := quizView{ID: id, Title: info.Title, TitleLang: langIf(p, info.Fallback["title"]), Questions: info.Questions, PassPercent: percent(info.PassScore),
		AttemptsAllowed: info.AttemptsAllowed, AttemptsUsed: info.AttemptsUsed, Passed: info.Passed, Place: pl}
	if info.TimeLimitMinutes > 0 {
		v.TimeLimit = minutesText(p, "quiz.time-limit", info.TimeLimitMinutes)
	}
	if info.BestScore != nil {
		v.Best = p.T("quiz.percent", "percent", percent(*info.BestScore))
	}
	for i, a := range attempts {
		r := attemptRow{Number: i + 1, Started: p.DateTime(a.StartedAt), Href: "/attempts/" + url.PathEscape(a.ID), Open: a.Open, Passed: a.Passed}
		switch {
		case a.SubmittedAt != nil:
			r.Href += "/result"
			r.Score = p.T("quiz.percent", "percent", percent(a.Score))
			r.State = p.T("quiz.not-passed")
			if a.Passed {
				r.State = p.T("quiz.passed")
			}
		case a.Open:
			r.State = p.T("quiz.state.open")
			v.Resume = r.Href
		default:
			r.State = p.T("quiz.state.expired")
		}
		v.Attempts = append(v.Attempts, r)
	}
	v.CanStart = v.Resume == "" && (info.AttemptsAllowed == 0 || info.AttemptsUsed < info.AttemptsAllowed)
	p.Title, p.Course, p.Data = info.Title, pl.CourseTitle, v
	return w.render(c, "quiz", p)
}

// minutesText says a number of minutes in words with key ("… {minutes} minuuttia"), or with
// key.one for one minute.
func minutesText(p *Page, key string, n int) string {
	if n == 1 {
		return p.T(key + ".one")
	}
	return p.T(key, "minutes", n)
}

func (w *Web) quizStart(c *fiber.Ctx) error {
	id := param(c, "id")
	a, err := w.app.Quizzes.StartAttempt(c.UserContext(), principal(c), id, w.locale(c))
	if err != nil {
		p := w.page(c, "")
		if err := p.formErrors(err, nil); err != nil {
			return err
		}
		return w.showQuiz(c, p, id)
	}
	return c.Redirect("/attempts/"+url.PathEscape(a.ID), fiber.StatusSeeOther)
}

// ---- the attempt

type attemptView struct {
	ID, Quiz, Title, TitleLang string
	Number                     int
	Questions                  []questionView
	Deadline                   string // in words, "" without a limit
	DeadlineISO                string
	TimeLeft                   string
	SecondsLeft                int
	Expired                    bool // the time ran out before she sent her answers
	Unanswered                 bool // she sent with unanswered questions: offer to send anyway
	Place                      quizPlace
	QuizHref                   string
}

type questionView struct {
	ID, Type   string
	Number     int
	Prompt     string
	PromptLang string
	Options    []optionView // single, multiple, true_false
	Items      []matchItem  // matching
	Text       string       // short_text: what she typed
	Error      string
}

// optionView is one radio, checkbox or <option>.
type optionView struct {
	ID, Value, Text, Lang string
	Checked               bool
}

type matchItem struct {
	ID, Text, Lang string
	Options        []optionView
}

// IsChoice tells the template to draw radios or checkboxes.
func (q questionView) IsChoice() bool {
	return q.Type == course.QuestionSingle || q.Type == course.QuestionMultiple || q.Type == course.QuestionTrueFalse
}

// InputType is the input type of a choice question.
func (q questionView) InputType() string {
	if q.Type == course.QuestionMultiple {
		return "checkbox"
	}
	return "radio"
}

// IsMatching and IsText tell the template the other kinds.
func (q questionView) IsMatching() bool { return q.Type == course.QuestionMatching }
func (q questionView) IsText() bool     { return q.Type == course.QuestionShortText }

// Described is the id list for aria-describedby.
func (q questionView) Described() string {
	if q.Error != "" {
		return "f-" + q.ID + "-error"
	}
	return ""
}

func textLang(p *Page, a activity.Attempt, fb course.Fallback, field string) string {
	if l := fb[field]; l != "" {
		return langIf(p, l)
	}
	return langIf(p, a.Locale)
}

// questionViews are the attempt's questions with answers (the saved ones, or those just posted).
func questionViews(p *Page, a activity.Attempt, answers map[string][]string) []questionView {
	var out []questionView
	for i, q := range a.Questions {
		got := answers[q.ID]
		v := questionView{ID: q.ID, Type: q.Type, Number: i + 1, Prompt: q.Prompt, PromptLang: textLang(p, a, q.Fallback, "prompt")}
		switch q.Type {
		case course.QuestionMatching:
			for li, l := range q.Left {
				item := matchItem{ID: "f-" + q.ID, Text: l.Text, Lang: textLang(p, a, q.Fallback, "left."+strconv.Itoa(li))}
				if li > 0 {
					item.ID += "-" + strconv.Itoa(li+1)
				}
				for ri, r := range q.Right {
					val := l.ID + "=" + r.ID
					item.Options = append(item.Options, optionView{Value: val, Text: r.Text, Lang: textLang(p, a, q.Fallback, "right."+strconv.Itoa(ri)), Checked: slices.Contains(got, val)})
				}
				v.Items = append(v.Items, item)
			}
		case course.QuestionShortText:
			if len(got) > 0 {
				v.Text = got[0]
			}
		default:
			for oi, o := range q.Options {
				id := "f-" + q.ID
				if oi > 0 {
					id += "-" + strconv.Itoa(oi+1)
				}
				lang := textLang(p, a, q.Fallback, "options."+strconv.Itoa(oi))
				if q.Type == course.QuestionTrueFalse {
					lang = langIf(p, a.Locale)
				}
				v.Options = append(v.Options, optionView{ID: id, Value: o.ID, Text: o.Text, Lang: lang, Checked: slices.Contains(got, o.ID)})
			}
		}
		out = append(out, v)
	}
	return out
}

// postedAnswers reads the attempt's answers from the form: every question of the attempt, an
// empty list for one left unanswered (which clears what was saved before).
func postedAnswers(c *fiber.Ctx, a activity.Attempt) map[string][]string {
	out := map[string][]string{}
	args := c.Request().PostArgs()
	for _, q := range a.Questions {
		vals := []string{}
		for _, b := range args.PeekMulti("q-" + q.ID) {
			v := string(b)
			if q.Type == course.QuestionShortText {
				v = strings.TrimSpace(v)
			}
			if v != "" {
				vals = append(vals, v)
			}
		}
		out[q.ID] = vals
	}
	return out
}

// unanswered lists the questions without an answer: a matching question counts as answered
// only when every item has its pair.
func unanswered(a activity.Attempt, answers map[string][]string) []string {
	var out []string
	for _, q := range a.Questions {
		n := len(answers[q.ID])
		if n == 0 || (q.Type == course.QuestionMatching && n < len(q.Left)) {
			out = append(out, q.ID)
		}
	}
	return out
}

func (w *Web) attemptPage(c *fiber.Ctx) error {
	p := w.page(c, "")
	a, err := w.app.Quizzes.GetAttempt(c.UserContext(), principal(c), param(c, "id"))
	if err != nil {
		return err
	}
	if a.SubmittedAt != nil {
		return c.Redirect("/attempts/"+url.PathEscape(a.ID)+"/result", fiber.StatusSeeOther)
	}
	return w.showAttempt(c, p, a, a.Answers, false)
}

// showAttempt renders the attempt's form with answers; p may carry errors.
func (w *Web) showAttempt(c *fiber.Ctx, p *Page, a activity.Attempt, answers map[string][]string, askUnanswered bool) error {
	ctx, actor := c.UserContext(), principal(c)
	info, err := w.app.Quizzes.Quiz(ctx, actor, a.Quiz, a.Locale)
	if err != nil {
		return err
	}
	pl, err := w.placeOf(c, p, a.Quiz)
	if err != nil {
		return err
	}
	v := attemptView{ID: a.ID, Quiz: a.Quiz, Title: info.Title, TitleLang: textLang(p, a, info.Fallback, "title"), Place: pl,
		QuizHref: "/quizzes/" + url.PathEscape(a.Quiz), Unanswered: askUnanswered}
	if list, err := w.app.Quizzes.Attempts(ctx, actor, a.Quiz); err == nil {
		for i, s := range list {
			if s.ID == a.ID {
				v.Number = i + 1
			}
		}
	}
	if a.Deadline != nil {
		now := w.now()
		v.Deadline, v.DeadlineISO = p.DateTime(a.Deadline), p.ISO(a.Deadline)
		left := a.Deadline.Sub(now)
		v.SecondsLeft = max(0, int(left/time.Second))
		switch {
		case left <= 0:
			v.TimeLeft = p.T("quiz.time-left.none")
		case left < time.Minute:
			v.TimeLeft = p.T("quiz.time-left.under-minute")
		default:
			v.TimeLeft = minutesText(p, "quiz.time-left", int(left/time.Minute))
		}
		v.Expired = now.After(a.Deadline.Add(submitGrace))
	}
	v.Questions = questionViews(p, a, answers)
	for i := range v.Questions {
		v.Questions[i].Error = p.ErrorOf(v.Questions[i].ID)
	}
	p.Title = p.T("quiz.attempt.title", "quiz", info.Title)
	if v.Number > 0 {
		p.Title = p.T("quiz.attempt.title-number", "quiz", info.Title, "number", v.Number)
	}
	p.H1, p.Course, p.Data = info.Title, pl.CourseTitle, v
	if !v.Expired {
		p.Scripts = append(p.Scripts, "quiz.js")
	}
	return w.render(c, "attempt", p)
}

// answerErrors puts the application's problems with answers ("answers.<question>") on the
// questions' fields.
func answerErrors(p *Page, a activity.Attempt, err error) error {
	ids := map[string]string{}
	for _, q := range a.Questions {
		ids["answers."+q.ID] = q.ID
	}
	return p.formErrors(err, ids)
}

// wantsJSON is a script's request (the autosave), answered with JSON rather than a page.
func wantsJSON(c *fiber.Ctx) bool {
	return strings.Contains(c.Get(fiber.HeaderAccept), fiber.MIMEApplicationJSON)
}

// saveResult is the autosave's answer.
type saveResult struct {
	Saved   bool   `json:"saved"`
	Message string `json:"message"`
}

func (w *Web) attemptSave(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	p := w.page(c, "")
	a, err := w.app.Quizzes.GetAttempt(ctx, actor, param(c, "id"))
	if err != nil {
		if wantsJSON(c) {
			return w.jsonProblem(c, p, err)
		}
		return err
	}
	answers := postedAnswers(c, a)
	_, err = w.app.Quizzes.SaveAnswers(ctx, actor, a.ID, answers)
	if wantsJSON(c) {
		if err != nil {
			return w.jsonProblem(c, p, err)
		}
		return c.JSON(saveResult{Saved: true, Message: p.T("quiz.autosaved")})
	}
	if err != nil {
		if errors.Is(err, activity.ErrSubmitted) {
			return c.Redirect("/attempts/"+url.PathEscape(a.ID)+"/result", fiber.StatusSeeOther)
		}
		if err := answerErrors(p, a, err); err != nil {
			return err
		}
		return w.showAttempt(c, p, a, answers, false)
	}
	return w.redirectWithNotice(c, "/attempts/"+url.PathEscape(a.ID), "quiz.saved")
}

// jsonProblem answers a script with the error in words and its status.
func (w *Web) jsonProblem(c *fiber.Ctx, p *Page, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err
	}
	msg := errorText(ae, err, p.Lang)
	if len(ae.Fields) > 0 {
		var parts []string
		if err := p.formErrors(err, nil); err == nil {
			for _, e := range p.Errors {
				parts = append(parts, e.Message)
			}
		}
		msg = strings.Join(parts, " ")
	}
	return c.Status(kindStatus(ae.Kind)).JSON(saveResult{Message: msg})
}

func (w *Web) attemptSubmit(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	p := w.page(c, "")
	a, err := w.app.Quizzes.GetAttempt(ctx, actor, param(c, "id"))
	if err != nil {
		return err
	}
	result := "/attempts/" + url.PathEscape(a.ID) + "/result"
	if a.SubmittedAt != nil {
		return c.Redirect(result, fiber.StatusSeeOther)
	}
	answers := postedAnswers(c, a)
	timeUp := a.Deadline != nil && w.now().After(*a.Deadline)
	// Unanswered questions are asked about once: she may have missed one. Her answers are
	// kept, and she can answer or send as they are. When the time is up there is no asking.
	if missing := unanswered(a, answers); len(missing) > 0 && c.FormValue("unanswered") != "send" && !timeUp {
		if _, err := w.app.Quizzes.SaveAnswers(ctx, actor, a.ID, answers); err != nil {
			if errors.Is(err, activity.ErrSubmitted) {
				return c.Redirect(result, fiber.StatusSeeOther)
			}
			if err := answerErrors(p, a, err); err != nil {
				return err
			}
			return w.showAttempt(c, p, a, answers, false)
		}
		for _, id := range missing {
			p.Errors = append(p.Errors, FieldError{Field: id, Message: p.T("quiz.unanswered", "number", slices.IndexFunc(a.Questions, func(q activity.QuestionView) bool { return q.ID == id })+1)})
		}
		return w.showAttempt(c, p.withStatus(fiber.StatusUnprocessableEntity), a, answers, true)
	}
	if _, err := w.app.Quizzes.Submit(ctx, actor, a.ID, answers); err != nil {
		if errors.Is(err, activity.ErrSubmitted) {
			return c.Redirect(result, fiber.StatusSeeOther)
		}
		if err := answerErrors(p, a, err); err != nil {
			return err
		}
		return w.showAttempt(c, p, a, answers, false)
	}
	return c.Redirect(result, fiber.StatusSeeOther)
}

// ---- the result

type resultView struct {
	Title, TitleLang string
	Score            string // "4/5 oikein (80 %)"
	Passed           bool
	PassPercent      int
	Questions        []questionResult
	TryAgain         bool
	Resume           string
	QuizID, QuizHref string
	Place            quizPlace
}

type questionResult struct {
	Number      int
	Prompt      string
	PromptLang  string
	Correct     bool
	Yours       []string
	Right       []string
	AnswerLang  string
	Feedback    []feedbackText
	AnswerLangR string
}

type feedbackText struct{ Text, Lang string }

// answerTexts says answers in words: the options' texts, "item → pair" for matching.
func answerTexts(q activity.QuestionView, vals []string) []string {
	var out []string
	text := func(list []activity.Choice, id string) string {
		for _, c := range list {
			if c.ID == id {
				return c.Text
			}
		}
		return ""
	}
	for _, v := range vals {
		switch q.Type {
		case course.QuestionShortText:
			out = append(out, v)
		case course.QuestionMatching:
			l, r, _ := strings.Cut(v, "=")
			if lt, rt := text(q.Left, l), text(q.Right, r); lt != "" && rt != "" {
				out = append(out, lt+" → "+rt)
			}
		default:
			if t := text(q.Options, v); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

func (w *Web) attemptResult(c *fiber.Ctx) error {
	ctx, actor := c.UserContext(), principal(c)
	p := w.page(c, "")
	a, err := w.app.Quizzes.GetAttempt(ctx, actor, param(c, "id"))
	if err != nil {
		return err
	}
	if a.Result == nil {
		return c.Redirect("/attempts/"+url.PathEscape(a.ID), fiber.StatusSeeOther)
	}
	info, err := w.app.Quizzes.Quiz(ctx, actor, a.Quiz, a.Locale)
	if err != nil {
		return err
	}
	pl, err := w.placeOf(c, p, a.Quiz)
	if err != nil {
		return err
	}
	r := a.Result
	right := 0
	for _, q := range r.Questions {
		if q.Correct {
			right++
		}
	}
	v := resultView{Title: info.Title, TitleLang: textLang(p, a, info.Fallback, "title"), Passed: r.Passed, PassPercent: percent(r.PassScore),
		Score:  p.T("quiz.score-value", "correct", right, "total", len(r.Questions), "percent", percent(r.Score)),
		QuizID: a.Quiz, QuizHref: "/quizzes/" + url.PathEscape(a.Quiz), Place: pl}
	if list, err := w.app.Quizzes.Attempts(ctx, actor, a.Quiz); err == nil {
		for _, s := range list {
			if s.Open {
				v.Resume = "/attempts/" + url.PathEscape(s.ID)
			}
		}
	}
	v.TryAgain = v.Resume == "" && (info.AttemptsAllowed == 0 || info.AttemptsUsed < info.AttemptsAllowed)
	for i, qr := range r.Questions {
		qv := questionResult{Number: i + 1, Correct: qr.Correct, AnswerLang: langIf(p, a.Locale)}
		for _, q := range a.Questions {
			if q.ID == qr.ID {
				qv.Prompt, qv.PromptLang = q.Prompt, textLang(p, a, q.Fallback, "prompt")
				qv.Yours = answerTexts(q, a.Answers[q.ID])
				qv.Right = answerTexts(q, qr.Answer)
				if q.Type == course.QuestionShortText {
					qv.AnswerLangR = textLang(p, a, qr.Fallback, "answer.0")
				} else {
					qv.AnswerLangR = langIf(p, a.Locale)
				}
			}
		}
		for fi, f := range qr.Feedback {
			qv.Feedback = append(qv.Feedback, feedbackText{Text: f, Lang: textLang(p, a, qr.Fallback, "feedback."+strconv.Itoa(fi))})
		}
		v.Questions = append(v.Questions, qv)
	}
	p.Title = p.T("quiz.result.title", "quiz", info.Title)
	p.H1, p.Course, p.Data = p.Title, pl.CourseTitle, v
	return w.render(c, "result", p)
}
