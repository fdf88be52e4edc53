package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/course"
)

// TestShippedCourseWalkthrough takes the shipped course as a learner, through the API, on the
// embedded servers: every lesson opens in Finnish and English, every activity is done the way
// its lesson asks, every quiz is passed, and completion reaches 100 %.
func TestShippedCourseWalkthrough(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	co := importShippedCourse(t, e)
	slug := co.Slug
	tok := func(who string) string { return e.token(t, who) }
	must := func(sc scenario, status int) []byte {
		t.Helper()
		resp, body := do(t, e.app, sc)
		if resp.StatusCode != status {
			t.Fatalf("%s %s: %d, want %d: %.500s", sc.method, sc.path, resp.StatusCode, status, body)
		}
		return body
	}

	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			learner := tok("learner")
			for _, loc := range []string{"fi", "en"} {
				body := must(scenario{method: "GET", path: "/api/v1/courses/" + slug + "/lessons/" + l.ID + "?locale=" + loc, token: learner}, 200)
				if loc == "en" && !strings.Contains(string(body), `"title":"`+l.Title["en"]+`"`) {
					t.Errorf("%s has no English title", l.ID)
				}
			}
			lessonPath := "/api/v1/courses/" + slug + "/lessons/" + l.ID + "/events"
			r := l.Completion
			switch r.Rule {
			case course.RuleViewed:
				must(scenario{method: "POST", path: lessonPath, token: learner, body: `{"type":"viewed"}`}, 201)
			case course.RuleViewedSeconds:
				for spent := 0; spent < r.Seconds; spent += 30 {
					must(scenario{method: "POST", path: lessonPath, token: learner, body: `{"type":"progressed","seconds":30}`}, 201)
					e.clock.Advance(30 * time.Second)
				}
			case course.RuleMarkedDone:
				must(scenario{method: "POST", path: lessonPath, token: learner, body: `{"type":"marked_done"}`}, 201)
			case course.RuleQuizPassed:
				q, _ := co.QuizByID(r.Quiz)
				attempt := must(scenario{method: "POST", path: "/api/v1/quizzes/" + slug + ":" + r.Quiz + "/attempts", token: learner}, 201)
				id, answers := correctAnswers(t, q, attempt)
				res := must(scenario{method: "POST", path: "/api/v1/attempts/" + id + "/submit", token: learner, body: jsonBody(map[string]any{"answers": answers})}, 200)
				if !strings.Contains(string(res), `"passed":true`) || !strings.Contains(string(res), `"score":1`) {
					t.Errorf("quiz %s not passed with the key's answers: %.400s", r.Quiz, res)
				}
			case course.RuleReflectionPosted:
				wall := "/api/v1/cohorts/open." + slug + "/walls/" + r.Task + "/posts"
				must(scenario{method: "POST", path: wall, token: learner, body: `{"body":"Oma pohdintani."}`}, 201)
				for i := 0; i < r.Comments; i++ {
					peer := must(scenario{method: "POST", path: wall, token: tok("learner2"), body: fmt.Sprintf(`{"body":"Kollegan havainto %d."}`, i)}, 201)
					var p struct{ ID string }
					_ = json.Unmarshal(peer, &p)
					must(scenario{method: "POST", path: wall + "/" + p.ID + "/comments", token: learner, body: `{"body":"Kiitos, tunnistan tämän."}`}, 201)
				}
			case course.RuleAssessmentSubmitted:
				var def *course.Assessment
				for i := range co.Assessments {
					if co.Assessments[i].ID == r.Assessment {
						def = &co.Assessments[i]
					}
				}
				ratings := map[string]int{}
				for _, c := range def.Competences {
					ratings[c] = 4
				}
				for _, it := range def.Items {
					ratings[it.ID] = 3
				}
				must(scenario{method: "POST", path: "/api/v1/assessments", token: learner, body: jsonBody(map[string]any{"course": slug, "assessment": r.Assessment, "ratings": ratings})}, 201)
			case course.RuleSafariSubmitted:
				var steps []map[string]any
				for i := range co.Safaris {
					if co.Safaris[i].ID == r.Safari {
						for _, st := range co.Safaris[i].Steps {
							steps = append(steps, map[string]any{"step": st.ID, "did_and_said": "Eteni rauhallisesti.", "observations": []any{}})
						}
					}
				}
				must(scenario{method: "POST", path: "/api/v1/safari-logs", token: learner, body: jsonBody(map[string]any{"course": slug, "safari": r.Safari, "steps": steps, "debrief": "Sujui.", "submitted": true})}, 201)
			default:
				t.Fatalf("lesson %s: rule %s not walked", l.ID, r.Rule)
			}
			prog := must(scenario{method: "GET", path: "/api/v1/me/progress/" + slug, token: learner}, 200)
			if !strings.Contains(string(prog), `"id":"`+l.ID+`","state":"completed"`) {
				t.Fatalf("lesson %s not completed after its activity: %.300s", l.ID, prog)
			}
		}
	}
	final := must(scenario{method: "GET", path: "/api/v1/me/courses", token: tok("learner")}, 200)
	if !strings.Contains(string(final), `"state":"completed","percent":100`) {
		t.Fatalf("the course is not complete: %s", final)
	}
	// The end-round self-assessment is compared with the start round.
	ends := must(scenario{method: "GET", path: "/api/v1/assessments?course=" + slug, token: tok("learner")}, 200)
	if !strings.Contains(string(ends), `"round":"end"`) || !strings.Contains(string(ends), `"change":0`) {
		t.Errorf("end round without its change since the start: %.400s", ends)
	}
}

// correctAnswers answers an attempt from the quiz definition.
func correctAnswers(t *testing.T, q *course.Quiz, attempt []byte) (string, map[string][]string) {
	t.Helper()
	var a struct {
		ID        string `json:"id"`
		Questions []struct {
			ID    string `json:"id"`
			Left  []struct{ ID, Text string }
			Right []struct{ ID, Text string }
		} `json:"questions"`
	}
	if err := json.Unmarshal(attempt, &a); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, aq := range a.Questions {
		var def *course.Question
		for i := range q.Questions {
			if q.Questions[i].ID == aq.ID {
				def = &q.Questions[i]
			}
		}
		switch def.Type {
		case course.QuestionSingle, course.QuestionMultiple:
			for _, o := range def.Options {
				if o.Correct {
					out[aq.ID] = append(out[aq.ID], o.ID)
				}
			}
		case course.QuestionTrueFalse:
			out[aq.ID] = []string{fmt.Sprint(*def.Answer)}
		case course.QuestionShortText:
			out[aq.ID] = []string{def.Accepted["fi"][0]}
		case course.QuestionMatching:
			for _, p := range def.Pairs {
				for _, r := range aq.Right {
					if r.Text == p.Right.Get("fi") {
						out[aq.ID] = append(out[aq.ID], p.ID+"="+r.ID)
					}
				}
			}
		}
	}
	return a.ID, out
}
