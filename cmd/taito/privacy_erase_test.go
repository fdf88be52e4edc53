package main

import (
	"strings"
	"testing"
)

// TestPrivacyEraseCommand: without --confirm nothing happens and the refusal says why; with it
// the person is erased from the embedded default; again, or an unknown address, says so.
func TestPrivacyEraseCommand(t *testing.T) {
	env := map[string]string{"TAITO_DATA_DIR": t.TempDir(), "TAITO_PUBLIC_URL": "https://taito.example.fi"}
	if _, err := runCLI(t, env, "", "user", "add", "--email", "oona@example.fi", "--name", "Oona Oppija", "--role", "learner"); err != nil {
		t.Fatal(err)
	}
	_, err := runCLI(t, env, "", "privacy", "erase", "--email", "oona@example.fi")
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "--confirm") {
		t.Fatalf("without --confirm: %v", err)
	}
	if _, err := runCLI(t, env, "", "privacy", "erase", "--confirm"); err == nil || exitCode(err) != 2 {
		t.Errorf("without --email: %v", err)
	}
	out, _ := runCLI(t, env, "", "user", "list")
	if !strings.Contains(out, "oona@example.fi") {
		t.Fatalf("refused erasure removed her: %s", out)
	}
	out, err = runCLI(t, env, "", "privacy", "erase", "--email", "Oona@Example.fi", "--confirm")
	if err != nil || !strings.Contains(out, "erased Oona@Example.fi") || !strings.Contains(out, "erased-") {
		t.Fatalf("erase: %q, %v", out, err)
	}
	if out, _ := runCLI(t, env, "", "user", "list"); strings.Contains(out, "oona@") {
		t.Errorf("she is still listed: %s", out)
	}
	for _, email := range []string{"oona@example.fi", "nobody@example.fi"} {
		if _, err := runCLI(t, env, "", "privacy", "erase", "--email", email, "--confirm"); err == nil || !strings.Contains(err.Error(), "no account") {
			t.Errorf("erase %s: %v", email, err)
		}
	}
}
