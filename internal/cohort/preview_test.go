package cohort_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/course"
)

// TestPreviewReminder: the preview is what sending queues, per recipient in her language with
// the Finnish fallback said, and it queues nothing, mints no invitation and shows no one's
// unsubscribe link.
func TestPreviewReminder(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino, bertta, celia := w.speakers(t)
	c := w.mustCohort(t, cohort.NewCohort{StartsOn: at(0)}, aino, bertta, celia, w.unsubscribed(t, "dora"))
	if _, err := w.a.Cohorts.AddMembers(ctx, w.trainer, c.ID, []string{"eeva@example.fi"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	msg := course.Text{"fi": "Muistakaa!", "sv": "Kom ihåg!"}
	pre, err := w.a.Cohorts.PreviewReminder(ctx, w.trainer, c.ID, cohort.AudienceAll, msg)
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		To, Locale, MessageLocale string
		Fallback, Activate, Says  bool
	}
	var gots []got
	for _, r := range pre.Recipients {
		text, _ := msg.In(r.MessageLocale)
		gots = append(gots, got{To: r.Email.To, Locale: r.Email.Locale, MessageLocale: r.MessageLocale, Fallback: r.Fallback, Activate: r.Activate,
			Says: strings.Contains(r.Email.Text, text)})
		if strings.Contains(r.Email.Text, "token=") {
			t.Errorf("%s: the preview shows a link of hers:\n%s", r.Email.To, r.Email.Text)
		}
	}
	want := []got{
		{To: "aino@example.fi", Locale: "fi", MessageLocale: "fi", Says: true},
		{To: "bertta@example.fi", Locale: "sv", MessageLocale: "sv", Says: true},
		{To: "celia@example.fi", Locale: "en", MessageLocale: "fi", Fallback: true, Says: true},
		{To: "eeva@example.fi", Locale: "fi", MessageLocale: "fi", Activate: true, Says: true},
	}
	if d := cmp.Diff(want, gots); d != "" {
		t.Errorf("preview (-want +got):\n%s", d)
	}
	if pre.Unsubscribed != 1 {
		t.Errorf("unsubscribed %d, want 1", pre.Unsubscribed)
	}
	if jobs := w.jobs(t, "reminder:"); len(jobs) != 0 {
		t.Errorf("the preview queued %d e-mails", len(jobs))
	}
	// Without a message of her own nobody gets a fallback.
	pre, _ = w.a.Cohorts.PreviewReminder(ctx, w.trainer, c.ID, cohort.AudienceAll, nil)
	for _, r := range pre.Recipients {
		if r.MessageLocale != "" || r.Fallback {
			t.Errorf("no message: %+v", r)
		}
	}
	// The same refusals as sending.
	_, err = w.a.Cohorts.PreviewReminder(ctx, w.trainer2, c.ID, cohort.AudienceAll, msg)
	checkErr(t, err, cohort.ErrNotFound, nil)
	_, err = w.a.Cohorts.PreviewReminder(ctx, w.trainer, c.ID, "lazy", course.Text{"sv": "x"})
	checkErr(t, err, nil, []string{"audience", "message.fi"})
}

// TestRemindersSent: every reminder sent is recorded for the group's trainers, newest first.
func TestRemindersSent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino, bertta, _ := w.speakers(t)
	c := w.mustCohort(t, cohort.NewCohort{StartsOn: at(0)}, aino, bertta)
	sent, err := w.a.Cohorts.RemindersSent(ctx, w.trainer, c.ID)
	if err != nil || len(sent) != 0 {
		t.Fatalf("before sending: %v %v", sent, err)
	}
	first, err := w.a.Cohorts.SendReminder(ctx, w.trainer, c.ID, cohort.AudienceAll, "")
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(days(1))
	second, err := w.a.Cohorts.SendReminderText(ctx, w.admin, c.ID, cohort.AudienceNotStarted, course.Text{"fi": "Hei"})
	if err != nil {
		t.Fatal(err)
	}
	sent, err = w.a.Cohorts.RemindersSent(ctx, w.trainer, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []cohort.SentReminder{
		{ID: second.ID, Cohort: c.ID, Audience: cohort.AudienceNotStarted, Queued: 2, SentBy: w.admin.UserID, SentAt: t0.Add(days(1))},
		{ID: first.ID, Cohort: c.ID, Audience: cohort.AudienceAll, Queued: 2, SentBy: w.trainer.UserID, SentAt: t0},
	}
	if d := cmp.Diff(want, sent); d != "" {
		t.Errorf("sent (-want +got):\n%s", d)
	}
	_, err = w.a.Cohorts.RemindersSent(ctx, w.trainer2, c.ID)
	checkErr(t, err, cohort.ErrNotFound, nil)
	_, err = w.a.Cohorts.RemindersSent(ctx, as(aino), c.ID)
	checkErr(t, err, cohort.ErrNotFound, nil)
}

// TestCreateWithAutoReminders: a cohort may remind its members from the start.
func TestCreateWithAutoReminders(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.mustCohort(t, cohort.NewCohort{AutoReminderDays: 3})
	if got, _ := w.a.Cohorts.Get(ctx, w.trainer, c.ID); got.AutoReminderDays != 3 {
		t.Errorf("auto reminder days %d, want 3", got.AutoReminderDays)
	}
	_, err := w.a.Cohorts.Create(ctx, w.trainer, cohort.NewCohort{Course: slug, Name: "x", AutoReminderDays: 31})
	checkErr(t, err, nil, []string{"auto_reminder_days"})
}

func rowsOf(rows []cohort.MemberRow) []string {
	var out []string
	for _, r := range rows {
		s := r.Email + "|" + r.Name + "|" + r.OrgUnit
		if r.Bad != nil {
			s += "|bad"
		}
		out = append(out, s)
	}
	return out
}

func TestParseMembers(t *testing.T) {
	t.Parallel()
	rows, err := cohort.ParseMemberRows([]byte("\ufeffemail;name;org_unit\r\na@example.fi;Anna A;Joensuu\r\n\r\n\"b@example.fi;x\nc@example.fi\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"a@example.fi|Anna A|Joensuu", "b@example.fi|||bad", "c@example.fi||"}, rowsOf(rows)); d != "" {
		t.Errorf("file (-want +got):\n%s", d)
	}
	for _, bad := range []string{"", "\n\n", "\xff@example.fi"} {
		if _, err := cohort.ParseMemberRows([]byte(bad)); !slices.Equal(fieldsOf(err), []string{"file"}) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	rows, err = cohort.ParsePastedMembers("a@example.fi, b@example.fi; c@example.fi\nd@example.fi;Dora D;Lieksa / kotihoito\ne@example.fi,Eeva E\nei-osoite\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a@example.fi||", "b@example.fi||", "c@example.fi||", "d@example.fi|Dora D|Lieksa / kotihoito", "e@example.fi|Eeva E|", "ei-osoite||"}
	if d := cmp.Diff(want, rowsOf(rows)); d != "" {
		t.Errorf("pasted (-want +got):\n%s", d)
	}
	if _, err := cohort.ParsePastedMembers(" \n "); fieldsOf(err) == nil {
		t.Errorf("nothing pasted: %v", err)
	}
}

// TestAddMemberRows: every row gets a result in the list's order, unreadable rows invalid, and
// the invited get their names and org units.
func TestAddMemberRows(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.learner(t, "aino")
	c := w.mustCohort(t, cohort.NewCohort{})
	rows, _ := cohort.ParseMemberRows([]byte("aino@example.fi;Aino\n\"rikki;x\nuusi@example.fi;Uusi U;Lieksa\nei-osoite\n"))
	res, err := w.a.Cohorts.AddMemberRows(ctx, w.trainer, c.ID, rows)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"aino@example.fi enrolled", "rikki invalid", "uusi@example.fi invited", "ei-osoite invalid"}, results(res)); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if !strings.Contains(res[1].ReasonIn("en"), "line 2") {
		t.Errorf("the broken line's reason: %q", res[1].ReasonIn("en"))
	}
	u, err := w.a.Auth.UserByEmail(ctx, "uusi@example.fi")
	if err != nil || u.Name != "Uusi U" || u.OrgUnit != "Lieksa" {
		t.Errorf("invited %+v %v", u, err)
	}
	_, err = w.a.Cohorts.AddMemberRows(ctx, w.trainer2, c.ID, rows)
	checkErr(t, err, cohort.ErrNotFound, nil)
}
