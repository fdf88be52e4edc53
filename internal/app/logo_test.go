package app

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadLogo(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 40, 20))); err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if b, err := loadLogo(""); b != nil || err != nil {
		t.Errorf("no logo: %v, %v", b, err)
	}
	if b, err := loadLogo(write("logo.png", buf.Bytes())); err != nil || !bytes.Equal(b, buf.Bytes()) {
		t.Errorf("a PNG: %v", err)
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"svg.png":   {[]byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), "not a PNG or JPEG"},
		"cut.png":   {buf.Bytes()[:20], "TAITO_ORG_LOGO_FILE"},
		"large.png": {append(append([]byte{}, buf.Bytes()...), make([]byte, maxLogo)...), "larger than"},
	} {
		if _, err := loadLogo(write(name, tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	if _, err := loadLogo(filepath.Join(dir, "missing.png")); err == nil {
		t.Error("a missing logo file is accepted")
	}
}
