package credential

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func jwksKids(t *testing.T, jwks []byte) []string {
	t.Helper()
	var set struct {
		Keys []JWK `json:"keys"`
	}
	if err := json.Unmarshal(jwks, &set); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range set.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Alg != "EdDSA" || k.Use != "sig" {
			t.Errorf("JWK %+v", k)
		}
		kids = append(kids, k.Kid)
	}
	return kids
}

func TestRotationKeepsEveryPublicKeyAndOldCredentialsVerify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "credential-keys.pem")
	ks, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, fi.Mode())
	}
	again, err := LoadOrCreateKeyFile(path)
	if err != nil || !bytes.Equal(again.MarshalPEM(), ks.MarshalPEM()) {
		t.Fatal("loading the key file again gives other keys")
	}

	var tokens []string
	var kids [][]string
	for range 3 {
		tokens = append(tokens, issueToken(t, ks, sampleIssue()))
		kids = append(kids, jwksKids(t, ks.JWKS(testJWKSURL)))
		if err := RotateKeyFile(path); err != nil {
			t.Fatal(err)
		}
		if ks, err = LoadOrCreateKeyFile(path); err != nil {
			t.Fatal(err)
		}
	}
	if ks.Len() != 4 {
		t.Fatalf("after three rotations the file holds %d keys, want 4", ks.Len())
	}
	now := jwksKids(t, ks.JWKS(testJWKSURL))
	for i, before := range kids {
		// The keys published before a rotation are all still published, after the new one.
		if len(now) < len(before)+1 {
			t.Fatalf("rotation %d: %d keys now, %d before", i, len(now), len(before))
		}
		for j, kid := range before {
			if now[len(now)-len(before)+j] != kid {
				t.Errorf("rotation %d dropped or reordered key %s", i, kid)
			}
		}
	}
	jwks := ks.JWKS(testJWKSURL)
	for i, tok := range tokens {
		if _, err := Verify(tok, jwks, nil); err != nil {
			t.Errorf("credential signed before rotation %d: %v", i, err)
		}
		if _, err := joseVerify(t, tok, jwks); err != nil {
			t.Errorf("credential signed before rotation %d, go-jose: %v", i, err)
		}
	}
	newest := issueToken(t, ks, sampleIssue())
	v, err := Verify(newest, jwks, nil)
	if err != nil || v.KeyID != now[0] {
		t.Errorf("a new credential is not signed with the newest key: %v, kid %s, want %s", err, v.KeyID, now[0])
	}
	if newest == tokens[0] {
		t.Error("the new key signs like the old one")
	}
}

func TestParseKeySetRejects(t *testing.T) {
	for name, data := range map[string]string{
		"empty":     "",
		"other PEM": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"bad DER":   "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
	} {
		if _, err := ParseKeySet([]byte(data)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestJWKSHoldsNoPrivateKey(t *testing.T) {
	var m map[string][]map[string]any
	json.Unmarshal(GenerateKeySet().Rotated().JWKS(testJWKSURL), &m)
	for _, k := range m["keys"] {
		if _, ok := k["d"]; ok {
			t.Error("the JWKS publishes a private key")
		}
	}
	if len(m["keys"]) != 2 {
		t.Errorf("%d keys", len(m["keys"]))
	}
}
