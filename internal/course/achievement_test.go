package course_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/taito-lms/taito/internal/course"
)

// withCourseYAML returns the importer fixture with more lines in its course.yaml.
func withCourseYAML(t *testing.T, extra string) (fstest.MapFS, string) {
	t.Helper()
	fsys := archiveFS(t, "testdata/import/fixture.txtar")
	dir := courseDir(t, fsys)
	f := fsys[dir+"/course.yaml"]
	fsys[dir+"/course.yaml"] = &fstest.MapFile{Data: append(append([]byte{}, f.Data...), []byte(extra)...), Mode: f.Mode}
	return fsys, dir
}

func TestAchievementIsRead(t *testing.T) {
	t.Parallel()
	fsys, dir := withCourseYAML(t, `achievement:
  description: {fi: "Osaa kokeilla.", en: "Can try things out."}
  criteria: {fi: "Kaikki osiot suoritettu.", en: "Every module completed."}
  digcomp: ["2.3", "5.4"]
  workload_hours: 3.5
`)
	co, problems := course.Load(fsys, dir)
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	a := co.Achievement
	if a == nil || a.Description["en"] != "Can try things out." || a.Criteria["fi"] != "Kaikki osiot suoritettu." ||
		strings.Join(a.DigComp, ",") != "2.3,5.4" || a.WorkloadHours != 3.5 {
		t.Errorf("achievement %+v", a)
	}
}

func TestAchievementProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, yaml, path, message string
	}{
		{"no Finnish description", "achievement:\n  description: {en: \"x\"}\n  criteria: {fi: \"x\"}\n", "achievement.description", "Finnish text (fi) is required"},
		{"no criteria", "achievement:\n  description: {fi: \"x\"}\n", "achievement.criteria", "Finnish text (fi) is required"},
		{"unknown competence", "achievement:\n  description: {fi: \"x\"}\n  criteria: {fi: \"x\"}\n  digcomp: [\"6.1\"]\n", "achievement.digcomp.0", "is not a DigComp 2.2 competence"},
		{"a competence twice", "achievement:\n  description: {fi: \"x\"}\n  criteria: {fi: \"x\"}\n  digcomp: [\"2.3\", \"2.3\"]\n", "achievement.digcomp.1", "duplicate"},
		{"negative workload", "achievement:\n  description: {fi: \"x\"}\n  criteria: {fi: \"x\"}\n  workload_hours: -1\n", "achievement.workload_hours", "from 0 to 1000 hours"},
		{"unknown key", "achievement:\n  description: {fi: \"x\"}\n  criteria: {fi: \"x\"}\n  badge: yes\n", "", "badge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys, dir := withCourseYAML(t, tc.yaml)
			_, problems := course.Load(fsys, dir)
			found := false
			for _, p := range problems.Errors() {
				if (tc.path == "" || p.Path == tc.path) && strings.Contains(p.Message, tc.message) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error %q at %q among %+v", tc.message, tc.path, problems)
			}
		})
	}
}

func TestShippedCourseDeclaresItsAchievement(t *testing.T) {
	t.Parallel()
	co, problems := course.Load(os.DirFS("../.."), "courses/digiohjaus")
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	a := co.Achievement
	if a == nil || a.Description["fi"] == "" || a.Description["en"] == "" || a.Criteria["fi"] == "" || a.Criteria["en"] == "" ||
		len(a.DigComp) == 0 || a.WorkloadHours != 8 {
		t.Errorf("the shipped course's achievement: %+v", a)
	}
}
