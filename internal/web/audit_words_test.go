package web

import (
	"testing"

	"github.com/taito-lms/taito/internal/audit"
)

// TestEveryActHasPlainWords: the audit page names every act of the log, and every fixed detail,
// in the catalogue's words (in all three languages: TestCatalogue).
func TestEveryActHasPlainWords(t *testing.T) {
	for _, act := range audit.Acts {
		if key, ok := auditActWord[act]; !ok || !hasWord(key) {
			t.Errorf("act %q has no words (%q)", act, key)
		}
	}
	if len(auditActWord) != len(audit.Acts) {
		t.Errorf("%d words for %d acts", len(auditActWord), len(audit.Acts))
	}
	for detail, key := range auditDetailWord {
		if !hasWord(key) {
			t.Errorf("detail %q: %q is not in the catalogue", detail, key)
		}
	}
}
