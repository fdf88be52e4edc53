package course_test

import (
	"os"
	"path"
	"strings"
	"testing"

	"github.com/taito-lms/taito/internal/course"
)

// TestShippedCourseContent holds the shipped course to what its pilot found wanting (issue 16,
// findings 7 and 13): quizzes whose right answers stand anywhere, feedback that never
// contradicts an answer, a workload in hours and no credits only an institution can award, the
// pilots credited, and diagrams in the lesson's language that say what the lesson says.
func TestShippedCourseContent(t *testing.T) {
	t.Parallel()
	fsys := os.DirFS("../..")
	co, problems := course.Load(fsys, "courses/digiohjaus")
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		check func(t *testing.T)
	}{
		{"right answers stand in different places", func(t *testing.T) {
			correct, wrong := map[int]int{}, map[int]int{} // position → how many questions
			for _, q := range co.Quizzes {
				for _, u := range q.Questions {
					for i, o := range u.Options {
						if o.Correct && u.Type == course.QuestionSingle {
							correct[i]++
						}
						if !o.Correct && u.Type == course.QuestionMultiple {
							wrong[i]++
						}
					}
				}
			}
			if len(correct) < 3 {
				t.Errorf("the right option of single-choice questions stands only at positions %v", correct)
			}
			if len(wrong) < 3 {
				t.Errorf("the wrong options of multiple-choice questions stand only at positions %v", wrong)
			}
		}},
		{"feedback everyone reads gives no verdict", func(t *testing.T) {
			verdicts := []string{"Väärin", "Totta", "Oikein", "Tosi", "Epätosi", "Wrong", "True", "False", "Right", "Correct"}
			for _, q := range co.Quizzes {
				for _, u := range q.Questions {
					for loc, fb := range u.Feedback {
						for _, v := range verdicts {
							if strings.HasPrefix(fb, v) {
								t.Errorf("%s %s (%s): feedback shown to every answer starts %q: %.60s", q.ID, u.ID, loc, v, fb)
							}
						}
					}
					if u.Type == course.QuestionTrueFalse && (u.FeedbackCorrect["fi"] == "" || u.FeedbackIncorrect["fi"] == "") {
						t.Errorf("%s %s: a true/false question without feedback for right and wrong answers", q.ID, u.ID)
					}
				}
			}
		}},
		{"short answers accept inflected Finnish", func(t *testing.T) {
			for quiz, forms := range map[string][]string{
				"digitalisaatio-visa":     {"digisyrjäytymistä", "digisyrjäytymisen", "digisyrjäytymiseen"},
				"omat-digitaidot-visa":    {"DigCompia", "DigComp-viitekehystä"},
				"sahkoiset-palvelut-visa": {"Työmarkkinatorilla", "Työmarkkinatoriin"},
				"digiohjaus-visa":         {"haastattelulomaketta", "haastattelulomakkeen"},
			} {
				q, ok := co.QuizByID(quiz)
				if !ok {
					t.Fatalf("no quiz %s", quiz)
				}
				for _, u := range q.Questions {
					if u.Type != course.QuestionShortText {
						continue
					}
					for _, f := range forms {
						if !containsFold(u.Accepted["fi"], f) {
							t.Errorf("%s %s does not accept %q", quiz, u.ID, f)
						}
					}
				}
			}
		}},
		{"workload in hours, no ECTS", func(t *testing.T) {
			if co.Credits != nil {
				t.Errorf("the course claims %v %s: only an institution awards credits", co.Credits.Amount, co.Credits.Unit)
			}
			if !strings.Contains(co.Summary["fi"], "tuntia") || !strings.Contains(co.Summary["en"], "hours") {
				t.Errorf("the summary states no workload in hours: %v", co.Summary)
			}
		}},
		{"the pilots are credited", func(t *testing.T) {
			for _, loc := range []string{"fi", "en"} {
				for _, who := range []string{"YTYÄ!", "SoTyDigi", "Karelia"} {
					if !strings.Contains(co.Summary[loc], who) {
						t.Errorf("the %s summary does not credit %s", loc, who)
					}
				}
			}
		}},
		{"diagrams in the lesson's language", func(t *testing.T) {
			n := 0
			for _, m := range co.Modules {
				for _, l := range m.Lessons {
					for _, b := range l.Blocks {
						if b.Kind != course.KindImage || path.Ext(b.Src) != ".svg" {
							continue
						}
						n++
						if en := b.SrcByLocale["en"]; en == "" || en == b.Src {
							t.Errorf("%s: the diagram %s has no English version", l.ID, b.Src)
						}
					}
				}
			}
			if n == 0 {
				t.Error("no diagrams found")
			}
		}},
		{"the safari diagram says the coach chooses the task, as the lesson does", func(t *testing.T) {
			for file, want := range map[string]string{
				"assets/digiohjaus/palvelusafari.svg":    "Ohjaaja valitsee",
				"assets/digiohjaus/palvelusafari.en.svg": "The coach chooses",
			} {
				b, err := os.ReadFile("../../" + file)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(b), want) || strings.Contains(string(b), "Sovi asiakkaan kanssa, mitä kokeillaan") {
					t.Errorf("%s: the first step does not say %q", file, want)
				}
			}
		}},
	} {
		t.Run(tc.name, tc.check)
	}
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
