package learning_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

func rulesCourse() *course.Course {
	return &course.Course{Slug: "c", Title: course.Text{"fi": "C"}, Access: course.AccessOpen, Modules: []course.Module{
		{ID: "m1", Title: course.Text{"fi": "Yksi", "en": "One"}, Sequential: true, Lessons: []course.Lesson{
			{ID: "aika", Title: course.Text{"fi": "Aika"}, DurationMinutes: 10, Completion: course.Rule{Rule: course.RuleViewedSeconds, Seconds: 90}},
			{ID: "seina", Title: course.Text{"fi": "Seinä"}, DurationMinutes: 10, Completion: course.Rule{Rule: course.RuleReflectionPosted, Task: "t", Comments: 2}},
		}},
		{ID: "m2", Title: course.Text{"fi": "Kaksi", "en": "Two"}, Lessons: []course.Lesson{
			{ID: "valmis", Title: course.Text{"fi": "Valmis"}, DurationMinutes: 5, Completion: course.Rule{Rule: course.RuleMarkedDone}},
		}},
	}}
}

func TestEvaluateRules(t *testing.T) {
	co := rulesCourse()
	t0 := time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	key := func(s int) string { return strconv.FormatInt(at(s).Unix()/30, 10) } // the 30-second bucket
	f := &learning.Facts{FirstAt: t0, LastAt: at(600), Lessons: map[string]*learning.LessonFacts{
		"aika": {FirstAt: t0, LastAt: at(200), Time: map[string]int{key(0): 30, key(60): 30, key(120): 20}},
	}, Tasks: map[string]*learning.TaskFacts{"t": {Posts: map[string]time.Time{"p": at(300)}, Comments: map[string]time.Time{"c1": at(310)}}}}
	sched := learning.Schedule{"m2": {Opens: time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)}}
	p := learning.Evaluate(co, 1, f, sched, at(700))
	if l := p.Modules[0].Lessons[0]; l.State != learning.StateInProgress || l.Seconds != 80 {
		t.Errorf("80 of 90 seconds: %+v", l)
	}
	if l := p.Modules[0].Lessons[1]; l.Lock == nil || l.Lock.Reason != learning.LockSequence || l.Lock.Message["fi"] != "Suorita ensin oppitunti Aika." {
		t.Errorf("sequential lesson after an unfinished one: %+v", l.Lock)
	}
	if m := p.Modules[1]; m.Lock == nil || m.Lock.Reason != learning.LockSchedule || m.Lock.Message["fi"] != "Avautuu 3.2.2026." || m.Lock.Message["en"] != "Opens on 3 Feb 2026." {
		t.Errorf("module before its opening date: %+v", m.Lock)
	}
	if p.Percent != 0 || p.State != learning.StateInProgress || p.Next != "aika" {
		t.Errorf("course: %d%% %s next %q", p.Percent, p.State, p.Next)
	}

	f.Lessons["aika"].Time[key(180)] = 10
	f.Tasks["t"].Comments["c2"] = at(400)
	f.Lessons["valmis"] = &learning.LessonFacts{DoneAt: at(500)}
	p = learning.Evaluate(co, 1, f, sched, time.Date(2026, 2, 4, 0, 0, 0, 0, time.UTC))
	aika := p.Modules[0].Lessons[0]
	if aika.State != learning.StateCompleted || !aika.CompletedAt.Equal(at(210)) {
		t.Errorf("90 seconds reached in the bucket starting at +180 s: %+v", aika)
	}
	seina := p.Modules[0].Lessons[1]
	if seina.State != learning.StateCompleted || !seina.CompletedAt.Equal(at(400)) {
		t.Errorf("post and two comments, done at the second comment: %+v", seina)
	}
	if p.State != learning.StateCompleted || p.Percent != 100 || !p.CompletedAt.Equal(at(500)) {
		t.Errorf("course complete at the last module's time: %+v", p)
	}
	// Lessons a new version dropped stop counting; facts about them stay harmless.
	f.Lessons["poistettu"] = &learning.LessonFacts{ViewedAt: t0}
	if p2 := learning.Evaluate(co, 2, f, nil, at(800)); p2.Percent != 100 {
		t.Errorf("a removed lesson's facts changed the percent: %d", p2.Percent)
	}
	b, _ := json.Marshal(p)
	if !strings.Contains(string(b), `"completed_at"`) {
		t.Errorf("progress JSON lacks completion times: %s", b)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"PT1M30S": 90 * time.Second, "PT0.5S": 500 * time.Millisecond, "P1D": 24 * time.Hour, "PT2H": 2 * time.Hour} {
		if got, ok := learning.ParseDuration(in); !ok || got != want {
			t.Errorf("%s = %v %v, want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "P", "PT", "1M", "PT-1S", "P1DT", "PT1H1H"} {
		if _, ok := learning.ParseDuration(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzStatementCheck feeds arbitrary JSON to the statement validator: it must never panic and
// must refuse statements whose scaled score is out of range.
func FuzzStatementCheck(f *testing.F) {
	f.Add(`{"actor":{"account":{"homePage":"http://x","name":"u"}},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed"},"object":{"id":"http://x/courses/c/quizzes/q"},"result":{"score":{"scaled":0.5},"duration":"PT1M"}}`)
	f.Add(`{"id":"not-a-uuid","verb":{"id":"x"},"object":{"objectType":"StatementRef","id":"y"},"timestamp":"2999-01-01T00:00:00Z"}`)
	f.Add(`{"context":{"registration":"r","contextActivities":{"parent":[{"id":":"}]},"language":"?"}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var st learning.Statement
		if json.Unmarshal([]byte(body), &st) != nil {
			return
		}
		err := st.Check(time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC))
		if err == nil && st.Result != nil && st.Result.Score != nil && st.Result.Score.Scaled != nil {
			if s := *st.Result.Score.Scaled; s < -1 || s > 1 {
				t.Fatalf("accepted scaled score %v", s)
			}
		}
	})
}
