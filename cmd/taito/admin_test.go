package main

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, env map[string]string, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"taito"}, args...), func(k string) string { return env[k] }, strings.NewReader(stdin), &out, io.Discard)
	return out.String(), err
}

func TestUserCommands(t *testing.T) {
	env := map[string]string{"TAITO_DATA_DIR": t.TempDir(), "TAITO_PUBLIC_URL": "https://taito.example.fi"}
	out, err := runCLI(t, env, "Kouluttajan salasana 1\n", "user", "add", "--email", "Kaisa.Kouluttaja@example.fi", "--name", "Kaisa Kouluttaja", "--role", "trainer", "--role", "learner", "--org-unit", "Joensuu / työllisyyspalvelut", "--password-stdin")
	if err != nil || !strings.Contains(out, "created Kaisa Kouluttaja <kaisa.kouluttaja@example.fi> (learner, trainer)") || strings.Contains(out, "invitation") {
		t.Fatalf("add with password: %q, %v", out, err)
	}
	out, err = runCLI(t, env, "", "user", "add", "--email", "oona@example.fi", "--name", "Oona Oppija", "--role", "learner")
	if err != nil || !strings.Contains(out, "https://taito.example.fi/invitation?token=") {
		t.Fatalf("add with invitation: %q, %v", out, err)
	}
	_, err = runCLI(t, env, "", "user", "add", "--email", "oona@example.fi", "--name", "Toinen", "--role", "learner")
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("duplicate: %v", err)
	}
	_, err = runCLI(t, env, "", "user", "add", "--email", "bad", "--name", "", "--role", "boss")
	for _, want := range []string{"--email", "--name", "--roles.0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad input: error %v does not name %s", err, want)
		}
	}
	if _, err := runCLI(t, env, "", "user", "add", "--email", "x@example.fi", "--name", "X", "--role", "learner", "--password-stdin"); err == nil {
		t.Error("--password-stdin with empty input succeeded")
	}
	out, err = runCLI(t, env, "", "user", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kaisa.kouluttaja@example.fi", "learner,trainer", "active", "oona@example.fi", "invited"} {
		if !strings.Contains(out, want) {
			t.Errorf("user list lacks %q:\n%s", want, out)
		}
	}
	out, _ = runCLI(t, env, "", "user", "list", "--role", "trainer")
	if strings.Contains(out, "oona@") {
		t.Errorf("--role trainer lists a learner:\n%s", out)
	}
	if _, err := runCLI(t, env, "", "user", "remove"); err == nil || exitCode(err) != 2 {
		t.Errorf("unknown subcommand: %v", err)
	}
}

func TestKeysCommands(t *testing.T) {
	out, err := runCLI(t, nil, "", "keys", "generate")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := pem.Decode([]byte(out)); b == nil || b.Type != "PRIVATE KEY" {
		t.Fatalf("keys generate printed %q", out)
	}
	path := filepath.Join(t.TempDir(), "jwt.pem")
	if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, nil, "", "keys", "rotate", "--file", path); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), "BEGIN PRIVATE KEY"); n != 2 {
		t.Errorf("after rotation the file holds %d keys, want 2", n)
	}
	if !strings.Contains(string(b), strings.TrimSpace(out)) {
		t.Error("rotation dropped the current key")
	}
	if _, err := runCLI(t, nil, "", "keys", "rotate"); err == nil || exitCode(err) != 2 {
		t.Errorf("rotate without --file: %v", err)
	}
}

func TestImportCommand(t *testing.T) {
	out, err := runCLI(t, nil, "", "import", "--dry-run", "../../courses")
	if err != nil || !strings.Contains(out, "digiohjaus: 5 modules") || !strings.Contains(out, "draft checked") {
		t.Fatalf("dry run of the shipped courses: %v\n%s", err, out)
	}
	// A broken course: every problem printed with file and line, non-zero exit, nothing stored.
	root := t.TempDir()
	dir := filepath.Join(root, "courses", "rikki")
	if err := os.MkdirAll(filepath.Join(dir, "modules"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "course.yaml"), []byte("title: {fi: Rikki}\naccess: kaikille\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runCLI(t, nil, "", "import", "--dry-run", filepath.Join(root, "courses"))
	if err == nil || !strings.Contains(out, "course.yaml:2: error: access: must be open or cohort") || !strings.Contains(out, "not imported") {
		t.Fatalf("broken course: %v\n%s", err, out)
	}
	if _, err := runCLI(t, nil, "", "import", "--dry-run", filepath.Join(root, "nowhere")); err == nil {
		t.Error("a missing directory was accepted")
	}

	env := map[string]string{"TAITO_DATA_DIR": t.TempDir()}
	first, err := runCLI(t, env, "", "import", "--publish", "../../courses")
	if err != nil || !strings.Contains(first, "draft created; published version 1") || strings.Contains(first, "(0 uploaded)") {
		t.Fatalf("first import: %v\n%s", err, first)
	}
	second, err := runCLI(t, env, "", "import", "--publish", "../../courses")
	if err != nil || !strings.Contains(second, "(0 uploaded); draft unchanged; published version unchanged") {
		t.Fatalf("second import should upload nothing and make no version: %v\n%s", err, second)
	}
}
