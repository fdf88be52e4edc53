package course_test

import (
	"os"
	"testing"

	"github.com/taito-lms/taito/internal/course"
)

// BenchmarkRenderLesson renders the longest lesson of the shipped course (what a cache miss
// costs).
func BenchmarkRenderLesson(b *testing.B) {
	co, problems := course.Load(os.DirFS("../.."), "courses/digiohjaus")
	if err := problems.Err(); err != nil {
		b.Fatal(err)
	}
	longest, n := "", 0
	for _, m := range co.Modules {
		for _, l := range m.Lessons {
			size := 0
			for _, bl := range l.Blocks {
				size += len(bl.Markdown["fi"])
			}
			if size > n {
				longest, n = l.ID, size
			}
		}
	}
	r := course.NewRenderer()
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := r.View(co, 1, longest, "fi"); !ok {
			b.Fatal("no lesson")
		}
	}
}
