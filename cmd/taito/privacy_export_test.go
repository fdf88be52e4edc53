package main

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrivacyExportCommand: `taito privacy export` writes a person's archive on the embedded
// default with the server stopped, refuses to overwrite a file, and names an unknown address
// and missing flags clearly.
func TestPrivacyExportCommand(t *testing.T) {
	env := map[string]string{"TAITO_DATA_DIR": t.TempDir(), "TAITO_PUBLIC_URL": "https://taito.example.fi"}
	if _, err := runCLI(t, env, "", "user", "add", "--email", "oona@example.fi", "--name", "Oona Oppija", "--role", "learner"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "oona.zip")
	got, err := runCLI(t, env, "", "privacy", "export", "--email", "Oona@example.fi", "--out", out)
	if err != nil || !strings.Contains(got, "oona@example.fi") {
		t.Fatalf("export: %q %v", got, err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		names[f.Name] = true
	}
	zr.Close()
	for _, want := range []string{"README.txt", "account.json", "emails.json", "statements.csv", "media_uploads.json"} {
		if !names[want] {
			t.Errorf("no %s in %v", want, names)
		}
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the file's mode: %v %v", fi, err)
	}
	if _, err := runCLI(t, env, "", "privacy", "export", "--email", "oona@example.fi", "--out", out); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("overwrite: %v", err)
	}
	if _, err := runCLI(t, env, "", "privacy", "export", "--email", "nobody@example.fi", "--out", filepath.Join(dir, "x.zip")); err == nil || !strings.Contains(err.Error(), "no account") {
		t.Errorf("an unknown address: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.zip")); !os.IsNotExist(err) {
		t.Errorf("a file was left for an unknown address: %v", err)
	}
	for _, args := range [][]string{{"privacy", "export", "--email", "oona@example.fi"}, {"privacy"}, {"privacy", "forget"}} {
		if _, err := runCLI(t, env, "", args...); err == nil || exitCode(err) != 2 {
			t.Errorf("%v: %v", args, err)
		}
	}
}
