package config_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/config"
)

var update = flag.Bool("update", false, "rewrite golden files")

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestLoadGolden parses named environments and compares the result (or every reported problem)
// with testdata/NAME.golden. Run with -update to rewrite the files after a deliberate change.
func TestLoadGolden(t *testing.T) {
	cases := map[string]map[string]string{
		"defaults": {"TAITO_DATA_DIR": "/var/lib/taito", "TAITO_COURSES_DIR": "/srv/taito/courses"},
		"production": {
			"TAITO_HTTP_ADDR":           "0.0.0.0:8080",
			"TAITO_METRICS_ADDR":        "127.0.0.1:9090",
			"TAITO_PUBLIC_URL":          "https://taito.example.fi/",
			"TAITO_DATA_DIR":            "/var/lib/taito",
			"TAITO_COURSES_DIR":         "/app/courses",
			"TAITO_MONGODB_URI":         "mongodb://taito:hunter2hunter2@db1,db2,db3/?replicaSet=rs0",
			"TAITO_MONGODB_DATABASE":    "taito_prod",
			"TAITO_S3_ENDPOINT":         "s3.example.fi",
			"TAITO_S3_ACCESS_KEY":       "AKIAEXAMPLE",
			"TAITO_S3_SECRET_KEY":       "very-secret-key",
			"TAITO_S3_BUCKET":           "taito-media",
			"TAITO_S3_REGION":           "eu-north-1",
			"TAITO_S3_USE_TLS":          "true",
			"TAITO_LOG_FORMAT":          "json",
			"TAITO_SHUTDOWN_TIMEOUT":    "30s",
			"TAITO_TRUSTED_PROXIES":     "10.0.0.0/8, 192.168.1.1",
			"TAITO_JWT_KEY_FILE":        "/etc/taito/jwt-keys.pem",
			"TAITO_CREDENTIAL_KEY_FILE": "/etc/taito/credential-keys.pem",
			"TAITO_ORG_LOGO_FILE":       "/etc/taito/logo.png",
			"TAITO_ACCESS_TOKEN_TTL":    "10m",
			"TAITO_ORG_NAME":            "Pohjois-Karjalan hyvinvointialue",
			"TAITO_PRIVACY_CONTACT":     "tietosuoja@example.fi",
			"TAITO_DPO_CONTACT":         "tietosuojavastaava@example.fi",
		},
		"every-problem": {
			"TAITO_HTTP_ADDR":        "localhost",
			"TAITO_METRICS_ADDR":     "localhost",
			"TAITO_PUBLIC_URL":       "ftp://x",
			"TAITO_MONGODB_URI":      "postgres://user:pw@x",
			"TAITO_MONGODB_DATABASE": "bad name",
			"TAITO_S3_ENDPOINT":      "https://s3.example.fi",
			"TAITO_S3_BUCKET":        "Bad_Bucket",
			"TAITO_S3_USE_TLS":       "maybe",
			"TAITO_LOG_FORMAT":       "xml",
			"TAITO_LOG_LEVEL":        "loud",
			"TAITO_SHUTDOWN_TIMEOUT": "-1s",
			"TAITO_REQUEST_TIMEOUT":  "soon",
			"TAITO_BODY_LIMIT":       "10",
			"TAITO_TRUSTED_PROXIES":  "not-an-ip",
			"TAITO_ACCESS_TOKEN_TTL": "2h",
			"TAITO_MEDIA_DELIVERY":   "stream",
			"TAITO_ORG_NAME":         "two\nlines",
			"TAITO_CACHE_LIFETIME":   "a while",
		},
	}
	for name, e := range cases {
		t.Run(name, func(t *testing.T) {
			cfg, err := config.Load(env(e))
			var got string
			if err != nil {
				got = "error:\n" + err.Error() + "\n"
			} else {
				b, _ := json.MarshalIndent(cfg, "", "  ")
				got = string(b) + "\n"
			}
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("Load mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	cfg, err := config.Load(env(map[string]string{
		"TAITO_MONGODB_URI":         "mongodb://u:topsecretpw@h/",
		"TAITO_JWT_KEY_FILE":        "/etc/taito/jwt.pem",
		"TAITO_CREDENTIAL_KEY_FILE": "/etc/taito/credential.pem",
		"TAITO_S3_ENDPOINT":         "h:9000",
		"TAITO_S3_ACCESS_KEY":       "ak",
		"TAITO_S3_SECRET_KEY":       "topsecretkey",
	}))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(cfg)
	for _, out := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), string(b)} {
		if strings.Contains(out, "topsecret") {
			t.Errorf("secret printed: %s", out)
		}
	}
	if cfg.S3.SecretKey.Reveal() != "topsecretkey" {
		t.Error("Reveal lost the value")
	}
	// A malformed URI must not be echoed in the error either: it may hold a password.
	_, err = config.Load(env(map[string]string{"TAITO_MONGODB_URI": "postgres://u:topsecretpw@h/"}))
	if err == nil || strings.Contains(err.Error(), "topsecret") {
		t.Errorf("error %v: want a problem that does not echo the URI", err)
	}
}

func TestRelativeDataDirBecomesAbsolute(t *testing.T) {
	cfg, err := config.Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(cfg.DataDir) || filepath.Base(cfg.DataDir) != "data" {
		t.Errorf("DataDir = %q, want an absolute path ending in data", cfg.DataDir)
	}
	if cfg.PublicURL != "http://127.0.0.1:8080" || cfg.HTTPAddr != "127.0.0.1:8080" {
		t.Errorf("defaults: %q %q", cfg.HTTPAddr, cfg.PublicURL)
	}
}
