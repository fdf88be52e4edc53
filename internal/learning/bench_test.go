package learning_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/learning"
)

func BenchmarkStatementCheck(b *testing.B) {
	raw := `{"id":"5c1d3b0e-8a47-4a8f-b6f1-7a9d2e4c6b21","actor":{"objectType":"Agent","account":{"homePage":"http://taito.test","name":"u1"}},
	"verb":{"id":"http://adlnet.gov/expapi/verbs/progressed","display":{"en":"progressed"}},
	"object":{"objectType":"Activity","id":"http://taito.test/courses/c/lessons/l1"},
	"result":{"duration":"PT30S","extensions":{"http://taito.test/xapi/extensions/position":120.5}},
	"context":{"contextActivities":{"parent":[{"id":"http://taito.test/courses/c/modules/m1"}]}},
	"timestamp":"2026-02-02T10:00:00+02:00"}`
	now := time.Date(2026, 2, 2, 9, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		var st learning.Statement
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			b.Fatal(err)
		}
		if err := st.Check(now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate40Lessons evaluates a learner half-way through a 40-lesson course.
func BenchmarkEvaluate40Lessons(b *testing.B) {
	co := &course.Course{Slug: "c", Title: course.Text{"fi": "C"}, Access: course.AccessOpen}
	f := &learning.Facts{FirstAt: time.Unix(1.77e9, 0), LastAt: time.Unix(1.77e9+3600, 0), Lessons: map[string]*learning.LessonFacts{}}
	for m := 0; m < 8; m++ {
		mod := course.Module{ID: "m" + strconv.Itoa(m), Title: course.Text{"fi": "M"}, Sequential: true}
		if m > 0 {
			mod.Prerequisites = []string{"m" + strconv.Itoa(m-1)}
		}
		for l := 0; l < 5; l++ {
			id := "l" + strconv.Itoa(m*5+l)
			mod.Lessons = append(mod.Lessons, course.Lesson{ID: id, Title: course.Text{"fi": "L"}, DurationMinutes: 10, Completion: course.Rule{Rule: course.RuleViewedSeconds, Seconds: 60}})
			if m*5+l < 20 {
				f.Lessons[id] = &learning.LessonFacts{Time: map[string]int{strconv.Itoa(59000000 + m*5 + l): 30, strconv.Itoa(59000100 + m*5 + l): 30}}
			}
		}
		co.Modules = append(co.Modules, mod)
	}
	now := time.Unix(1.8e9, 0)
	b.ReportAllocs()
	for b.Loop() {
		p := learning.Evaluate(co, 1, f, nil, now)
		if p.Percent != 50 {
			b.Fatalf("percent %d", p.Percent)
		}
	}
}
