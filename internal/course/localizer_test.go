package course_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/course"
)

// TestLocalizerNamesTheTextsThatFellBack: texts come in the reader's language, else in
// Finnish, and exactly those in Finnish for a reader of another language are named with their
// language; a text missing in every language is not named.
func TestLocalizerNamesTheTextsThatFellBack(t *testing.T) {
	t.Parallel()
	title := course.Text{"fi": "Otsikko", "en": "Title"}
	summary := course.Text{"fi": "Tiivistelmä"}
	items := []course.Text{{"fi": "Yksi", "en": "One"}, {"fi": "Kaksi"}}
	tests := []struct {
		name      string
		locale    string
		wantTexts []string
		want      course.Fallback
	}{
		{name: "Finnish reader", locale: "fi", wantTexts: []string{"Otsikko", "Tiivistelmä", "", "Yksi", "Kaksi"}},
		{name: "English reader", locale: "en", wantTexts: []string{"Title", "Tiivistelmä", "", "One", "Kaksi"},
			want: course.Fallback{"summary": "fi", "items.1": "fi"}},
		{name: "Swedish reader", locale: "sv", wantTexts: []string{"Otsikko", "Tiivistelmä", "", "Yksi", "Kaksi"},
			want: course.Fallback{"title": "fi", "summary": "fi", "items.0": "fi", "items.1": "fi"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := course.Localizer{Locale: tc.locale}
			got := []string{l.Text("title", title), l.Text("summary", summary), l.Text("audience", nil)}
			got = append(got, l.Texts("items", items)...)
			if d := cmp.Diff(tc.wantTexts, got); d != "" {
				t.Errorf("texts (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tc.want, l.Fallback); d != "" {
				t.Errorf("fallback (-want +got):\n%s", d)
			}
		})
	}
}
