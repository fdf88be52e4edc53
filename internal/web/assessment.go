package web

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/activity"
	"github.com/taito-lms/taito/internal/course"
)

// assessmentData is what assessment.html shows.
type assessmentData struct {
	Action           string
	Form             *course.AssessmentForm
	InstructionsHTML template.HTML
	Items            []ratingItem
	Notes            []FieldView
	// Mine is her submitted assessment (nil before she submits), with the trainer's ratings
	// beside hers once coached and, in the end round, her start round's.
	Mine       *activity.Assessment
	Coached    bool
	WithStart  bool
	CoachNotes []noteView
	Draft      *activity.AssessmentDraft
	CourseURL  string
	// Scale is the rating scale, shown once above the items: each radio names its level and
	// points to the level's description here (aria-describedby), so that a screen reader reads
	// the description while the page does not repeat it under every item.
	Scale []scaleLevel
}

// scaleLevel is one level of the rating scale with its description.
type scaleLevel struct {
	ID, Label, Description string
}

// ratingItem is one rated item as a radio group.
type ratingItem struct {
	ID, Name, Statement, Description, Error string
	Levels                                  []ratingLevel
}

// ratingLevel is one radio of an item.
type ratingLevel struct {
	ID, Label, DescribedBy string
	Value                  int
	Checked                bool
}

type noteView struct{ Label, Text string }

// assessmentField is the form name of an item's rating; noteField that of a note.
func assessmentField(item string) string { return "rating-" + item }
func noteField(note string) string       { return "note-" + note }

// assessmentPage reads the form and her own assessment and draft.
func (w *Web) assessmentPage(c *fiber.Ctx, p *Page) (*assessmentData, error) {
	ctx, actor := c.UserContext(), principal(c)
	slug, id := c.Params("slug"), c.Params("id")
	if !course.ValidSlug(slug) || id == "" || strings.Contains(id, ":") {
		return nil, fiber.ErrNotFound
	}
	form, err := w.app.Assessments.Form(ctx, actor, course.ActivityID(slug, id), p.Lang)
	if err != nil {
		return nil, err
	}
	d := &assessmentData{Action: "/courses/" + slug + "/assessments/" + id, Form: form, CourseURL: "/courses/" + slug,
		InstructionsHTML: nested(form.InstructionsHTML, 3)}
	mine, err := w.app.Assessments.Mine(ctx, actor, slug, p.Lang)
	if err != nil {
		return nil, err
	}
	for i := range mine {
		if mine[i].Assessment == id {
			d.Mine = &mine[i]
		}
	}
	if d.Mine != nil {
		d.Coached = d.Mine.CoachedAt != nil
		for _, r := range d.Mine.Rows {
			d.WithStart = d.WithStart || r.Start != nil
		}
		for _, n := range form.Notes {
			if t := d.Mine.CoachNotes[n.ID]; t != "" {
				d.CoachNotes = append(d.CoachNotes, noteView{Label: n.Label, Text: t})
			}
		}
	}
	if d.Draft, err = w.app.Assessments.Draft(ctx, actor, slug, id); err != nil {
		return nil, err
	}
	return d, nil
}

// fill puts her answers into the form: what she posted when p.Form has it, else her draft, else
// her submitted assessment.
func (d *assessmentData) fill(p *Page, posted bool) {
	ratings, notes := map[string]int{}, map[string]string{}
	switch {
	case posted:
		for _, it := range d.Form.Items {
			if v, err := strconv.Atoi(p.Form[assessmentField(it.ID)]); err == nil {
				ratings[it.ID] = v
			}
		}
		for _, n := range d.Form.Notes {
			notes[n.ID] = p.Form[noteField(n.ID)]
		}
	case d.Draft != nil:
		ratings, notes = d.Draft.Ratings, d.Draft.Notes
	case d.Mine != nil:
		for _, r := range d.Mine.Rows {
			ratings[r.ID] = r.Self
		}
		notes = d.Mine.SelfNotes
	}
	for _, n := range d.Form.Notes {
		p.Form[noteField(n.ID)] = notes[n.ID]
		d.Notes = append(d.Notes, FieldView{ID: "f-" + noteField(n.ID), Name: noteField(n.ID), Label: n.Label, Type: "short",
			Value: notes[n.ID], Error: p.ErrorOf(noteField(n.ID))})
	}
	d.Scale = nil
	for _, lv := range d.Form.Scale.Levels {
		d.Scale = append(d.Scale, scaleLevel{ID: "scale-" + strconv.Itoa(lv.Level), Label: p.T("assessment.level.short", "level", lv.Level, "group", lv.Group),
			Description: lv.Description})
	}
	for _, it := range d.Form.Items {
		f := assessmentField(it.ID)
		ri := ratingItem{ID: "f-" + f, Name: f, Statement: it.Statement, Description: it.Description, Error: p.ErrorOf(f)}
		for i, lv := range d.Form.Scale.Levels {
			id := "f-" + f
			if i > 0 {
				id += "-" + strconv.Itoa(lv.Level)
			}
			ri.Levels = append(ri.Levels, ratingLevel{ID: id, Value: lv.Level, Checked: ratings[it.ID] == lv.Level,
				Label: p.T("assessment.level.short", "level", lv.Level, "group", lv.Group), DescribedBy: "scale-" + strconv.Itoa(lv.Level)})
		}
		d.Items = append(d.Items, ri)
	}
}

func (w *Web) assessmentGet(c *fiber.Ctx) error {
	p := w.page(c, "assessment.title")
	d, err := w.assessmentPage(c, p)
	if err != nil {
		return err
	}
	d.fill(p, false)
	return w.renderAssessment(c, p, d)
}

func (w *Web) renderAssessment(c *fiber.Ctx, p *Page, d *assessmentData) error {
	p.H1 = d.Form.Title
	p.Title = p.T("assessment.page-title", "title", d.Form.Title)
	p.Data = d
	return w.render(c, "assessment", p)
}

// assessmentPost saves a draft (action=draft) or submits (action=submit) her self-assessment.
func (w *Web) assessmentPost(c *fiber.Ctx) error {
	p := w.page(c, "assessment.title")
	d, err := w.assessmentPage(c, p)
	if err != nil {
		return err
	}
	ratings, notes := map[string]int{}, map[string]string{}
	fields := map[string]string{}
	labels := map[string]string{}
	for _, it := range d.Form.Items {
		f := assessmentField(it.ID)
		fields["ratings."+it.ID] = f
		labels[f] = it.Statement
		v := c.FormValue(f)
		p.Form[f] = v
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			n = 0 // off the scale: the application says so
		}
		ratings[it.ID] = n
	}
	for _, n := range d.Form.Notes {
		f := noteField(n.ID)
		fields["notes."+n.ID] = f
		labels[f] = n.Label
		v := strings.TrimSpace(c.FormValue(f))
		p.Form[f] = c.FormValue(f)
		if v != "" {
			notes[n.ID] = v
		}
	}
	slug, id := c.Params("slug"), c.Params("id")
	draft := c.FormValue("action") == "draft"
	if draft {
		_, err = w.app.Assessments.SaveDraft(c.UserContext(), principal(c), slug, id, ratings, notes)
	} else {
		_, err = w.app.Assessments.Submit(c.UserContext(), principal(c), slug, id, ratings, notes)
	}
	if err != nil {
		if err := p.formErrors(err, fields); err != nil {
			return err
		}
		d.fill(p, true)
		// In the summary, each problem says which item it is about.
		for i, e := range p.Errors {
			if l := labels[e.Field]; l != "" {
				p.Errors[i].Message = l + ": " + e.Message
			}
		}
		return w.renderAssessment(c, p, d)
	}
	if draft {
		return w.redirectWithNotice(c, d.Action, "assessment.draft-saved")
	}
	return w.redirectToAnchor(c, d.Action, "result", "assessment.submitted")
}
