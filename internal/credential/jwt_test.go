package credential

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

const testJWKSURL = "https://taito.example.fi/credentials/jwks.json"

func issueToken(t testing.TB, ks *KeySet, is Issue) string {
	t.Helper()
	vc, err := Build(is)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := (&Signer{Keys: ks, JWKSURL: testJWKSURL}).Sign(vc)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// joseVerify checks token with go-jose, which did not sign it, against the published JWKS
// and returns the verified payload.
func joseVerify(t *testing.T, token string, jwksJSON []byte) (map[string]any, error) {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(jwksJSON, &set); err != nil {
		t.Fatalf("go-jose cannot read the JWKS: %v", err)
	}
	obj, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil {
		return nil, err
	}
	if len(obj.Signatures) != 1 {
		return nil, fmt.Errorf("%d signatures", len(obj.Signatures))
	}
	keys := set.Key(obj.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		return nil, fmt.Errorf("kid %q: %d keys in the JWKS", obj.Signatures[0].Header.KeyID, len(keys))
	}
	payload, err := obj.Verify(keys[0])
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// requiredProperties are what Open Badges 3.0 requires of an OpenBadgeCredential secured as a
// VC-JWT, as paths into the JWT payload: the credential's own required properties, those of
// its Profile, AchievementSubject, Achievement, Criteria and Alignment, the
// BitstringStatusListEntry properties of Bitstring Status List v1.0, and the JWT claims of
// the JSON Web Token proof format. name is listed as the credential's display name, which
// this package always sets.
var requiredProperties = []string{
	"@context", "id", "type", "issuer", "validFrom", "name", "credentialSubject",
	"issuer.id", "issuer.type",
	"credentialSubject.type", "credentialSubject.achievement",
	"credentialSubject.achievement.id", "credentialSubject.achievement.type",
	"credentialSubject.achievement.name", "credentialSubject.achievement.description",
	"credentialSubject.achievement.criteria", "credentialSubject.achievement.criteria.narrative",
	"credentialSubject.achievement.alignment.0.type", "credentialSubject.achievement.alignment.0.targetName",
	"credentialSubject.achievement.alignment.0.targetUrl",
	"credentialStatus.type", "credentialStatus.statusPurpose", "credentialStatus.statusListIndex",
	"credentialStatus.statusListCredential",
	"iss", "jti", "nbf", "sub",
}

func lookup(v any, path string) (any, bool) {
	for _, p := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[p]; !ok {
				return nil, false
			}
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	if s, ok := v.(string); ok && s == "" {
		return nil, false
	}
	return v, v != nil
}

func hasType(v any, want string) bool {
	switch x := v.(type) {
	case string:
		return x == want
	case []any:
		return slices.Contains(x, any(want))
	}
	return false
}

func TestVCJWTVerifiesWithGoJoseAndHasEveryRequiredProperty(t *testing.T) {
	ks := GenerateKeySet()
	token := issueToken(t, ks, sampleIssue())
	jwks := ks.JWKS(testJWKSURL)

	m, err := joseVerify(t, token, jwks)
	if err != nil {
		t.Fatalf("go-jose does not verify the credential: %v", err)
	}
	for _, p := range requiredProperties {
		if _, ok := lookup(m, p); !ok {
			t.Errorf("required property %s is missing", p)
		}
	}
	ctx, _ := lookup(m, "@context")
	if !reflect.DeepEqual(ctx, []any{ContextVC2, ContextOB30}) {
		t.Errorf("@context %v", ctx)
	}
	for path, typ := range map[string]string{
		"type":                               "VerifiableCredential",
		"issuer.type":                        "Profile",
		"credentialSubject.type":             "AchievementSubject",
		"credentialSubject.achievement.type": "Achievement",
		"credentialStatus.type":              "BitstringStatusListEntry",
		"credentialSubject.achievement.alignment.0.type": "Alignment",
	} {
		v, _ := lookup(m, path)
		if !hasType(v, typ) {
			t.Errorf("%s is %v, want %s", path, v, typ)
		}
	}
	if v, _ := lookup(m, "type"); !hasType(v, "OpenBadgeCredential") {
		t.Errorf("type %v lacks OpenBadgeCredential", v)
	}
	// The registered claims repeat the credential, as Open Badges 3.0 requires.
	for claim, prop := range map[string]string{"iss": "issuer.id", "jti": "id", "sub": "credentialSubject.id"} {
		a, _ := lookup(m, claim)
		b, _ := lookup(m, prop)
		if a != b {
			t.Errorf("%s %v differs from %s %v", claim, a, prop, b)
		}
	}
	nbf, _ := lookup(m, "nbf")
	vf, _ := lookup(m, "validFrom")
	if ts, _ := time.Parse(time.RFC3339, vf.(string)); float64(ts.Unix()) != nbf.(float64) {
		t.Errorf("nbf %v differs from validFrom %v", nbf, vf)
	}
	if _, ok := m["vc"]; ok {
		t.Error("the payload wraps the credential in vc; Open Badges 3.0 with Data Model 2.0 makes the payload the credential")
	}

	// The JOSE header holds only alg, kid and typ; kid is a URI that leads to the JWKS.
	hdrJSON, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
	var hdr map[string]any
	json.Unmarshal(hdrJSON, &hdr)
	if len(hdr) != 3 || hdr["alg"] != "EdDSA" || hdr["typ"] != "JWT" || !strings.HasPrefix(hdr["kid"].(string), testJWKSURL+"#") {
		t.Errorf("JOSE header %s", hdrJSON)
	}

	// And this package's own verifier agrees.
	v, err := Verify(token, jwks, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Credential.CredentialSubject.Achievement.Name != "Digitaidot asiakastyössä" || v.KeyID != hdr["kid"] {
		t.Errorf("verified %+v", v)
	}
}

func TestSameIssueGivesSameToken(t *testing.T) {
	ks := GenerateKeySet()
	if issueToken(t, ks, sampleIssue()) != issueToken(t, ks, sampleIssue()) {
		t.Error("issuing the same certificate twice gives two tokens")
	}
}

func TestTamperingIsDetected(t *testing.T) {
	ks := GenerateKeySet()
	token := issueToken(t, ks, sampleIssue())
	jwks := ks.JWKS(testJWKSURL)
	parts := strings.Split(token, ".")

	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	changed := strings.Replace(string(payload), "Digitaidot asiakastyössä", "Johtamisen erikoiskurssi", 1)
	if changed == string(payload) {
		t.Fatal("test payload lacks the course name")
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[0] ^= 1
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	otherHeader := strings.Replace(string(header), `"typ":"JWT"`, `"typ":"JWS"`, 1)

	for name, tok := range map[string]string{
		"payload":   parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(changed)) + "." + parts[2],
		"signature": parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig),
		"header":    base64.RawURLEncoding.EncodeToString([]byte(otherHeader)) + "." + parts[1] + "." + parts[2],
	} {
		if _, err := Verify(tok, jwks, nil); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("tampered %s: err %v, want ErrInvalidSignature", name, err)
		}
		if _, err := joseVerify(t, tok, jwks); err == nil {
			t.Errorf("tampered %s: go-jose accepts it", name)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	ks := GenerateKeySet()
	jwks := ks.JWKS(testJWKSURL)
	signer := &Signer{Keys: ks, JWKSURL: testJWKSURL}
	vc, _ := Build(sampleIssue())

	if _, err := Verify(issueToken(t, GenerateKeySet(), sampleIssue()), jwks, nil); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("another issuer's key: err %v, want ErrUnknownKey", err)
	}

	// Claims that disagree with the credential, signed with the right key.
	vf, _ := time.Parse(time.RFC3339, vc.ValidFrom)
	for name, rc := range map[string]jwt.RegisteredClaims{
		"iss": {Issuer: "https://elsewhere.example/", Subject: vc.CredentialSubject.ID, ID: vc.ID, NotBefore: jwt.NewNumericDate(vf)},
		"sub": {Issuer: vc.Issuer.ID, Subject: "urn:uuid:someone-else", ID: vc.ID, NotBefore: jwt.NewNumericDate(vf)},
		"jti": {Issuer: vc.Issuer.ID, Subject: vc.CredentialSubject.ID, ID: "urn:uuid:other", NotBefore: jwt.NewNumericDate(vf)},
		"nbf": {Issuer: vc.Issuer.ID, Subject: vc.CredentialSubject.ID, ID: vc.ID, NotBefore: jwt.NewNumericDate(vf.Add(-time.Hour))},
	} {
		tok, err := signer.sign(jwtPayload{vc, rc})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(tok, jwks, nil); !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("wrong %s: err %v, want ErrInvalidClaims", name, err)
		}
	}

	// Not valid yet.
	future := sampleIssue()
	future.IssuedAt = time.Now().Add(24 * time.Hour)
	if _, err := Verify(issueToken(t, ks, future), jwks, nil); !errors.Is(err, ErrInvalidClaims) {
		t.Errorf("validFrom tomorrow: err %v, want ErrInvalidClaims", err)
	}

	// Another algorithm, or none.
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"iss": vc.Issuer.ID})
	hs.Header["kid"] = KeyID(testJWKSURL, ks.keys[0].Public().(ed25519.PublicKey))
	hsTok, _ := hs.SignedString([]byte("secret"))
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": vc.Issuer.ID}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	for name, tok := range map[string]string{"HS256": hsTok, "none": none, "empty": "", "garbage": "a.b.c", "two parts": "a.b"} {
		if v, err := Verify(tok, jwks, nil); err == nil || v != nil {
			t.Errorf("%s: verified", name)
		}
	}
}

func TestRevocationIsDetected(t *testing.T) {
	ks := GenerateKeySet()
	jwks := ks.JWKS(testJWKSURL)
	is := sampleIssue()
	token := issueToken(t, ks, is)

	published := map[string]*StatusList{}
	lookup := func(url string) (*StatusList, error) {
		l, ok := published[url]
		if !ok {
			return nil, errors.New("no such list")
		}
		return l, nil
	}
	if _, err := Verify(token, jwks, lookup); !errors.Is(err, ErrStatusUnavailable) {
		t.Errorf("list missing: err %v, want ErrStatusUnavailable", err)
	}

	// A list with other credentials revoked, passed through its published JSON form.
	publish := func(revoked ...int) {
		l, err := NewStatusList(0, revoked...)
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := json.Marshal(NewStatusListCredential(is.Status.ListURL, is.Issuer.ID, is.IssuedAt, l))
		c, err := ParseStatusListCredential(doc)
		if err != nil {
			t.Fatal(err)
		}
		if published[is.Status.ListURL], err = c.List(); err != nil {
			t.Fatal(err)
		}
	}
	publish(0, 94566, 94568, 131071)
	if v, err := Verify(token, jwks, lookup); err != nil || v.Revoked {
		t.Fatalf("not revoked: %v, %+v", err, v)
	}
	publish(94567)
	v, err := Verify(token, jwks, lookup)
	if !errors.Is(err, ErrRevoked) || v == nil || !v.Revoked {
		t.Fatalf("revoked: err %v, verified %+v", err, v)
	}
	if v.Credential.ID != is.VerifyURL {
		t.Error("a revoked credential is not returned with ErrRevoked")
	}
}

func TestVerifyReadsVCClaim(t *testing.T) {
	// A credential in the Data Model 1.1 style, wrapped in "vc", is still read.
	ks := GenerateKeySet()
	vc, _ := Build(sampleIssue())
	vf, _ := time.Parse(time.RFC3339, vc.ValidFrom)
	tok, err := (&Signer{Keys: ks, JWKSURL: testJWKSURL}).sign(struct {
		VC *OpenBadgeCredential `json:"vc"`
		jwt.RegisteredClaims
	}{vc, jwt.RegisteredClaims{Issuer: vc.Issuer.ID, Subject: vc.CredentialSubject.ID, ID: vc.ID, NotBefore: jwt.NewNumericDate(vf)}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := Verify(tok, ks.JWKS(testJWKSURL), nil)
	if err != nil || v.Credential.Name != vc.Name {
		t.Fatalf("vc claim: %v", err)
	}
}
