package main

import (
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCredentialKeysCommands(t *testing.T) {
	out, err := runCLI(t, nil, "", "credential-keys", "generate")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := pem.Decode([]byte(out)); b == nil || b.Type != "PRIVATE KEY" {
		t.Fatalf("credential-keys generate printed %q", out)
	}
	// Rotation of the configured file keeps every earlier key, however often it runs.
	path := filepath.Join(t.TempDir(), "credential-keys.pem")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"TAITO_DATA_DIR": t.TempDir(), "TAITO_CREDENTIAL_KEY_FILE": path}
	for range 2 {
		got, err := runCLI(t, env, "", "credential-keys", "rotate")
		if err != nil || !strings.Contains(got, path) {
			t.Fatalf("rotate: %q, %v", got, err)
		}
	}
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), "BEGIN PRIVATE KEY"); n != 3 || !strings.Contains(string(b), strings.TrimSpace(out)) {
		t.Errorf("after two rotations the file holds %d keys (want 3, the first kept)", n)
	}
	// Without a configured file, the data directory's.
	dataDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dataDir, "credential-keys.pem"), []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, map[string]string{"TAITO_DATA_DIR": dataDir}, "", "credential-keys", "rotate"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dataDir, "credential-keys.pem")); strings.Count(string(b), "BEGIN PRIVATE KEY") != 2 {
		t.Error("the data directory's key file was not rotated")
	}
	if _, err := runCLI(t, nil, "", "credential-keys"); err == nil || exitCode(err) != 2 {
		t.Errorf("no subcommand: %v", err)
	}
	if _, err := runCLI(t, nil, "", "credential-keys", "drop"); err == nil || exitCode(err) != 2 {
		t.Errorf("unknown subcommand: %v", err)
	}
}
