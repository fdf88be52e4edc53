package main

import (
	"strings"
	"testing"
)

// TestRetentionCommand: `taito retention --dry-run` lists every rule and changes nothing, a
// bad period is refused before anything opens, and the real run reports what went.
func TestRetentionCommand(t *testing.T) {
	env := map[string]string{"TAITO_DATA_DIR": t.TempDir(), "TAITO_PUBLIC_URL": "https://taito.example.fi", "TAITO_RETENTION_AUDIT": "off"}
	if _, err := runCLI(t, env, "", "user", "add", "--email", "oona@example.fi", "--name", "Oona Oppija", "--role", "learner"); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, env, "", "retention", "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"dry run: nothing is changed", "learning records (statements and progress) with no activity since", "(1826 days): 0 would go",
		"accounts inactive since", "(1095 days), erased: 0 would go", "e-mails sent or failed before", "(90 days): 0 would go",
		"expired data exports: 0 would go", "audit entries: kept (TAITO_RETENTION_AUDIT=off)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the dry run does not say %q:\n%s", want, out)
		}
	}
	out, err = runCLI(t, env, "", "retention")
	if err != nil || strings.Contains(out, "dry run") || !strings.Contains(out, "0 removed") {
		t.Errorf("retention: %q, %v", out, err)
	}
	if out, err := runCLI(t, env, "", "user", "list"); err != nil || !strings.Contains(out, "oona@example.fi") {
		t.Errorf("a new account went: %q, %v", out, err)
	}
	env["TAITO_RETENTION_OUTBOX"] = "forever"
	if _, err := runCLI(t, env, "", "retention", "--dry-run"); err == nil || !strings.Contains(err.Error(), "TAITO_RETENTION_OUTBOX") {
		t.Errorf("a bad period: %v", err)
	}
	if _, err := runCLI(t, env, "", "retention", "now"); err == nil || !strings.Contains(err.Error(), "taito retention [--dry-run]") {
		t.Errorf("an argument: %v", err)
	}
}
