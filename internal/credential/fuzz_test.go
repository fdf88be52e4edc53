package credential

import (
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzVerify feeds Verify arbitrary tokens. It must never panic, and whatever it accepts must
// be signed by the key set and carry claims that match the credential.
func FuzzVerify(f *testing.F) {
	ks := GenerateKeySet()
	jwks := ks.JWKS(testJWKSURL)
	good := issueToken(f, ks, sampleIssue())
	parts := strings.Split(good, ".")
	f.Add(good)
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(parts[0] + ".e30." + parts[2])
	f.Add(parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"vc":{"type":["VerifiableCredential","OpenBadgeCredential"]}}`)) + "." + parts[2])
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("...")
	f.Add("")
	f.Fuzz(func(t *testing.T, token string) {
		lookup := func(string) (*StatusList, error) { return NewStatusList(0) }
		v, err := Verify(token, jwks, lookup)
		if err != nil {
			return
		}
		if v == nil || v.Credential == nil || v.Credential.Issuer.ID == "" || v.Credential.ID == "" {
			t.Fatalf("accepted %q without a credential", token)
		}
		if token != good {
			t.Fatalf("accepted a token that differs from the one signed: %q", token)
		}
	})
}
