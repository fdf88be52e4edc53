package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/course"
)

// safariData is what safari.html shows.
type safariData struct {
	Action           string
	Form             *course.SafariForm
	InstructionsHTML template.HTML
	Log              *activity.SafariLog // her saved log, nil before she saves
	Steps            []safariStepView
	WithPeer         bool
	Debrief          FieldView
	Summary          []safariSummaryStep
	Kinds            []safariChoice
	Severities       []safariChoice
	CourseURL        string
}

type safariChoice struct{ Value, Label string }

// safariStepView is one step of the form: its task, what was done and said, and its
// observations with one empty slot for a new one.
type safariStepView struct {
	Index        int
	Prefix       string
	Count        int
	Task         string
	DidAndSaid   FieldView
	Observations []safariObsView
}

type safariObsView struct {
	Prefix     string // the form names' prefix, "s0-o1"
	Number     int
	Type       string
	Severity   int
	Competence string
	Note       FieldView
	TypeError  string
	SevError   string
}

// safariSummaryStep is one step of her saved log as the summary shows it.
type safariSummaryStep struct {
	Task         string
	DidAndSaid   string
	Observations []safariSummaryObs
}

type safariSummaryObs struct{ Kind, Severity, Note string }

// The kinds of observation in the order the form offers them.
var safariKinds = []string{activity.ObsUsability, activity.ObsSkillGap, activity.ObsWentWell}

func stepPrefix(i int) string    { return "s" + strconv.Itoa(i) }
func obsPrefix(i, j int) string  { return stepPrefix(i) + "-o" + strconv.Itoa(j) }
func kindKey(kind string) string { return "safari.kind." + strings.ReplaceAll(kind, "_", "-") }
func severityKey(n int) string   { return "safari.severity." + strconv.Itoa(n) }
func (w *Web) safariID(c *fiber.Ctx) (string, string, error) {
	slug, id := c.Params("slug"), c.Params("id")
	if !course.ValidSlug(slug) || id == "" || strings.Contains(id, ":") {
		return "", "", fiber.ErrNotFound
	}
	return slug, id, nil
}

// safariPage reads the safari and her latest log of it.
func (w *Web) safariPage(c *fiber.Ctx, p *Page) (*safariData, error) {
	ctx, actor := c.UserContext(), principal(c)
	slug, id, err := w.safariID(c)
	if err != nil {
		return nil, err
	}
	form, err := w.app.Safaris.Form(ctx, actor, course.ActivityID(slug, id), p.Lang)
	if err != nil {
		return nil, err
	}
	d := &safariData{Action: "/courses/" + slug + "/safaris/" + id, Form: form, CourseURL: "/courses/" + slug,
		InstructionsHTML: nested(form.InstructionsHTML, 3)}
	logs, err := w.app.Safaris.Mine(ctx, actor)
	if err != nil {
		return nil, err
	}
	for i := range logs { // last updated first
		if logs[i].Course == slug && logs[i].Safari == id {
			d.Log = &logs[i]
			break
		}
	}
	for _, k := range safariKinds {
		d.Kinds = append(d.Kinds, safariChoice{Value: k, Label: p.T(kindKey(k))})
	}
	for n := 1; n <= 3; n++ {
		d.Severities = append(d.Severities, safariChoice{Value: strconv.Itoa(n), Label: p.T(severityKey(n))})
	}
	return d, nil
}

// fromLog fills the form with her saved log.
func (d *safariData) fromLog(p *Page) {
	byStep := map[string]activity.StepLog{}
	if d.Log != nil {
		d.WithPeer = d.Log.WithPeer
		p.Form["debrief"] = d.Log.Debrief
		for _, st := range d.Log.Steps {
			byStep[st.Step] = st
		}
	}
	for i, st := range d.Form.Steps {
		sl := byStep[st.ID]
		p.Form[stepPrefix(i)+"-did"] = sl.DidAndSaid
		for j, o := range sl.Observations {
			pre := obsPrefix(i, j)
			p.Form[pre+"-type"], p.Form[pre+"-severity"], p.Form[pre+"-note"], p.Form[pre+"-competence"] = o.Type, strconv.Itoa(o.Severity), o.Note, o.Competence
		}
		p.Form[stepPrefix(i)+"-count"] = strconv.Itoa(len(sl.Observations) + 1)
	}
}

// views builds the form's steps from p.Form, and the summary of her saved log.
func (d *safariData) views(p *Page) {
	d.Debrief = p.Field("debrief", "safari.debrief", "", "", "safari.debrief.hint")
	for i, st := range d.Form.Steps {
		sv := safariStepView{Index: i + 1, Task: st.Task,
			DidAndSaid: p.Field(stepPrefix(i)+"-did", "safari.did-and-said", "short", "", "")}
		n, _ := strconv.Atoi(p.Form[stepPrefix(i)+"-count"])
		n = max(1, min(n, 51))
		sv.Prefix, sv.Count = stepPrefix(i), n
		for j := range n {
			pre := obsPrefix(i, j)
			sev, _ := strconv.Atoi(p.Form[pre+"-severity"])
			note := p.Field(pre+"-note", "safari.note", "short", "", "")
			note.Label = p.T("safari.note.numbered", "n", j+1)
			sv.Observations = append(sv.Observations, safariObsView{Prefix: pre, Number: j + 1, Type: p.Form[pre+"-type"], Severity: sev,
				Competence: p.Form[pre+"-competence"], Note: note, TypeError: p.ErrorOf(pre + "-type"), SevError: p.ErrorOf(pre + "-severity")})
		}
		d.Steps = append(d.Steps, sv)
	}
	if d.Log == nil {
		return
	}
	tasks := map[string]string{}
	for _, st := range d.Form.Steps {
		tasks[st.ID] = st.Task
	}
	for _, st := range d.Log.Steps {
		ss := safariSummaryStep{Task: tasks[st.Step], DidAndSaid: st.DidAndSaid}
		for _, o := range st.Observations {
			so := safariSummaryObs{Kind: p.T(kindKey(o.Type)), Note: o.Note}
			if o.Severity >= 1 && o.Severity <= 3 {
				so.Severity = p.T(severityKey(o.Severity))
			}
			ss.Observations = append(ss.Observations, so)
		}
		d.Summary = append(d.Summary, ss)
	}
}

func (w *Web) safariGet(c *fiber.Ctx) error {
	p := w.page(c, "safari.title")
	d, err := w.safariPage(c, p)
	if err != nil {
		return err
	}
	d.fromLog(p)
	d.views(p)
	return w.renderSafari(c, p, d)
}

func (w *Web) renderSafari(c *fiber.Ctx, p *Page, d *safariData) error {
	p.H1 = d.Form.Title
	p.Title = p.T("safari.page-title", "title", d.Form.Title)
	p.Data = d
	return w.render(c, "safari", p)
}

// safariPost saves her log (action=submit also submits it). A refused log comes back with
// everything she typed.
func (w *Web) safariPost(c *fiber.Ctx) error {
	p := w.page(c, "safari.title")
	d, err := w.safariPage(c, p)
	if err != nil {
		return err
	}
	slug, id, _ := w.safariID(c)
	in := activity.SafariInput{WithPeer: c.FormValue("with_peer") == "on", Debrief: c.FormValue("debrief"), Submitted: c.FormValue("action") == "submit"}
	d.WithPeer = in.WithPeer
	p.Form["debrief"] = in.Debrief
	// The application names a problem by the step's place in what is sent: fields maps it back
	// to the form's names.
	fields := map[string]string{"debrief": "debrief", "steps": stepPrefix(0) + "-did"}
	for i, st := range d.Form.Steps {
		did := c.FormValue(stepPrefix(i) + "-did")
		p.Form[stepPrefix(i)+"-did"] = did
		n, _ := strconv.Atoi(c.FormValue(stepPrefix(i) + "-count"))
		n = max(1, min(n, 51))
		p.Form[stepPrefix(i)+"-count"] = strconv.Itoa(n)
		sl := activity.StepLog{Step: st.ID, DidAndSaid: strings.TrimSpace(did)}
		k := len(in.Steps)
		sp := "steps." + strconv.Itoa(k)
		fields[sp+".did_and_said"] = stepPrefix(i) + "-did"
		fields[sp+".step"] = stepPrefix(i) + "-did"
		fields[sp+".observations"] = stepPrefix(i) + "-did"
		for j := range n {
			pre := obsPrefix(i, j)
			typ, sev, note, comp := c.FormValue(pre+"-type"), c.FormValue(pre+"-severity"), c.FormValue(pre+"-note"), c.FormValue(pre+"-competence")
			p.Form[pre+"-type"], p.Form[pre+"-severity"], p.Form[pre+"-note"], p.Form[pre+"-competence"] = typ, sev, note, comp
			if strings.TrimSpace(note) == "" && typ == "" {
				continue // an empty slot
			}
			if typ == "" {
				p.Errors = append(p.Errors, FieldError{Field: pre + "-type", Message: p.T("safari.obs-kind.missing")})
			}
			severity, _ := strconv.Atoi(sev)
			op := sp + ".observations." + strconv.Itoa(len(sl.Observations))
			fields[op+".type"], fields[op+".severity"], fields[op+".note"], fields[op+".competence"] = pre+"-type", pre+"-severity", pre+"-note", pre+"-note"
			sl.Observations = append(sl.Observations, activity.Observation{Type: typ, Severity: severity, Competence: comp, Note: strings.TrimSpace(note)})
		}
		if sl.DidAndSaid != "" || len(sl.Observations) > 0 {
			in.Steps = append(in.Steps, sl)
		}
	}
	if len(p.Errors) > 0 {
		return w.safariRefused(c, p, d, fiber.StatusUnprocessableEntity)
	}
	logID := ""
	if d.Log != nil {
		logID = d.Log.ID
	} else {
		in.Course, in.Safari = slug, id
	}
	if _, err := w.app.Safaris.Save(c.UserContext(), principal(c), logID, in); err != nil {
		if err := p.formErrors(err, fields); err != nil {
			return err
		}
		return w.safariRefused(c, p, d, 0)
	}
	notice := "safari.saved"
	if in.Submitted {
		notice = "safari.submitted"
	}
	return w.redirectToAnchor(c, d.Action, "summary", notice)
}

// safariRefused shows the log again with its problems: beside each field its own message, and in
// the summary the step and observation it belongs to.
func (w *Web) safariRefused(c *fiber.Ctx, p *Page, d *safariData, status int) error {
	if status != 0 {
		p.withStatus(status)
	}
	d.views(p)
	for i, e := range p.Errors {
		var step, obs int
		if n, _ := fmt.Sscanf(e.Field, "s%d-o%d-", &step, &obs); n == 2 {
			p.Errors[i].Message = p.T("safari.error-at-observation", "step", step+1, "n", obs+1) + " " + e.Message
		} else if n == 1 || strings.HasPrefix(e.Field, "s") && strings.HasSuffix(e.Field, "-did") {
			p.Errors[i].Message = p.T("safari.error-at-step", "step", step+1) + " " + e.Message
		}
	}
	return w.renderSafari(c, p, d)
}
