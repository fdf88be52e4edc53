package auth_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/taito-lms/taito/internal/auth"
)

func TestPasswordHashing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := auth.NewHasher(auth.DefaultArgon2, 2, 8)
	phc, err := h.Hash(ctx, "pitkä ja hyvä salasana ✓")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("PHC string %q does not record the OWASP minimum parameters", phc)
	}
	if ok, rehash, _ := h.Verify(ctx, phc, "pitkä ja hyvä salasana ✓"); !ok || rehash {
		t.Errorf("right password: ok=%v rehash=%v", ok, rehash)
	}
	if ok, _, _ := h.Verify(ctx, phc, "pitkä ja hyvä salasana"); ok {
		t.Error("wrong password accepted")
	}
	for _, broken := range []string{"", "$argon2id$", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=1,t=0,p=1$c2FsdA$a2V5", phc + "x"} {
		if ok, _, err := h.Verify(ctx, broken, "anything"); ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want false, nil", broken, ok, err)
		}
	}
	// A hash made with weaker parameters still verifies and asks to be replaced.
	weak := auth.NewHasher(auth.Argon2Params{Time: 1, Memory: 8 * 1024, Threads: 1}, 1, 1)
	old, _ := weak.Hash(ctx, "vanha salasana 2020")
	if ok, rehash, _ := h.Verify(ctx, old, "vanha salasana 2020"); !ok || !rehash {
		t.Errorf("old parameters: ok=%v rehash=%v, want true true", ok, rehash)
	}
}

func TestHasherQueueIsBounded(t *testing.T) {
	t.Parallel()
	h := auth.NewHasher(auth.Argon2Params{Time: 1, Memory: 64 * 1024, Threads: 1}, 1, 2)
	ctx := context.Background()
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		go func() { _, err := h.Hash(ctx, "salasana salasana"); errs <- err }()
	}
	busy := 0
	for i := 0; i < 20; i++ {
		if err := <-errs; err != nil {
			if !strings.Contains(err.Error(), "unavailable") {
				t.Fatalf("unexpected error: %v", err)
			}
			busy++
		}
	}
	if busy == 0 {
		t.Error("20 concurrent hashes with one slot and a queue of two: none was turned away")
	}
}

func TestCheckPassword(t *testing.T) {
	cases := map[string]bool{
		"":                           false,
		"elevenchars":                false,
		"twelve chars":               true,
		"ääääääääääää":               true, // 12 characters, 24 bytes
		strings.Repeat("a", 256):     true,
		strings.Repeat("a", 257):     false,
		strings.Repeat("ä", 129):     false, // 258 bytes
		"valid until\xffinvalid utf": false,
	}
	for pw, ok := range cases {
		if got := auth.CheckPassword("password", pw) == nil; got != ok {
			t.Errorf("CheckPassword(%q) ok = %v, want %v", pw, got, ok)
		}
	}
}

func TestTokensAcrossKeyRotation(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys.pem")
	keys, err := auth.LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := auth.Principal{UserID: "u1", Roles: []auth.Role{auth.RoleLearner}}
	before, err := auth.NewTokens(keys, "https://taito.example.fi", 15*time.Minute, clock).Sign(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := auth.RotateKeyFile(path); err != nil {
		t.Fatal(err)
	}
	rotated, err := auth.LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	jwks := rotated.JWKS()
	if len(jwks) != 2 || jwks[1].Kid != keys.JWKS()[0].Kid {
		t.Fatalf("after rotation the JWKS should hold the new key and the previous one: %+v", jwks)
	}
	tok := auth.NewTokens(rotated, "https://taito.example.fi", 15*time.Minute, clock)
	if got, err := tok.Verify(before); err != nil || got.UserID != "u1" {
		t.Errorf("token from before the rotation: %+v, %v", got, err)
	}
	after, _ := tok.Sign(p)
	hdr, _, _ := jwt.NewParser().ParseUnverified(after, jwt.MapClaims{})
	if hdr.Header["kid"] != jwks[0].Kid || hdr.Header["alg"] != "EdDSA" {
		t.Errorf("new tokens must be signed by the new key: header %v", hdr.Header)
	}
	// A second rotation drops the oldest key: its tokens stop working.
	if err := auth.RotateKeyFile(path); err != nil {
		t.Fatal(err)
	}
	twice, _ := auth.LoadKeyFile(path)
	if _, err := auth.NewTokens(twice, "https://taito.example.fi", 15*time.Minute, clock).Verify(before); err == nil {
		t.Error("a token signed two rotations ago still verifies")
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	pemKey := auth.GenerateKeyPEM()
	keys, _ := auth.ParseKeySet(pemKey)
	block, _ := pem.Decode(pemKey)
	priv, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	issue := func(at time.Time, iss string) string {
		s, err := auth.NewTokens(keys, iss, 15*time.Minute, func() time.Time { return at }).Sign(auth.Principal{UserID: "u1", Roles: []auth.Role{auth.RoleAdmin}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	v := auth.NewTokens(keys, "https://a.fi", 15*time.Minute, func() time.Time { return now })
	kid := keys.JWKS()[0].Kid
	wrongAud := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"sub": "u1", "roles": []string{"admin"}, "iss": "https://a.fi", "aud": "someone-else", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "j"})
	wrongAud.Header["kid"] = kid
	noExp := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"sub": "u1", "roles": []string{"admin"}, "iss": "https://a.fi", "aud": auth.Audience, "iat": now.Unix(), "jti": "j"})
	noExp.Header["kid"] = kid
	badRole := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"sub": "u1", "roles": []string{"root"}, "iss": "https://a.fi", "aud": auth.Audience, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "jti": "j"})
	badRole.Header["kid"] = kid
	sign := func(tok *jwt.Token) string {
		s, err := tok.SignedString(priv)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	cases := map[string]string{
		"expired":        issue(now.Add(-16*time.Minute), "https://a.fi"),
		"issued later":   issue(now.Add(5*time.Minute), "https://a.fi"),
		"other issuer":   issue(now, "https://b.fi"),
		"other audience": sign(wrongAud),
		"no expiry":      sign(noExp),
		"unknown role":   sign(badRole),
		"empty":          "",
		"huge":           strings.Repeat("a", 5000),
		"three dots":     "a.b.c",
	}
	for name, tok := range cases {
		if _, err := v.Verify(tok); err != auth.ErrInvalidToken {
			t.Errorf("%s: err = %v, want ErrInvalidToken", name, err)
		}
	}
	if _, err := v.Verify(issue(now, "https://a.fi")); err != nil {
		t.Errorf("a good token: %v", err)
	}
	// Within the leeway, a token just past its expiry still works (clock skew between replicas).
	if _, err := v.Verify(issue(now.Add(-15*time.Minute-10*time.Second), "https://a.fi")); err != nil {
		t.Errorf("token 10 s past expiry, inside the leeway: %v", err)
	}
}

// FuzzVerify feeds arbitrary strings to the token parser: it must never panic, and never accept
// anything it did not sign.
func FuzzVerify(f *testing.F) {
	keys, _ := auth.ParseKeySet(auth.GenerateKeyPEM())
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v := auth.NewTokens(keys, "https://a.fi", 15*time.Minute, func() time.Time { return now })
	good, _ := v.Sign(auth.Principal{UserID: "u1", Roles: []auth.Role{auth.RoleLearner}})
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1MSJ9.")
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := v.Verify(s)
		if err == nil && s != good {
			// Accepting a different string is only right if it is the same token re-encoded,
			// which strict decoding forbids.
			t.Fatalf("accepted a token it did not issue: %q -> %+v", s, p)
		}
	})
}

// TestVerifiedTokensExpire: the cache of verified tokens never outlives a token.
func TestVerifiedTokensExpire(t *testing.T) {
	keys, _ := auth.ParseKeySet(auth.GenerateKeyPEM())
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tok := auth.NewTokens(keys, "https://a.fi", 15*time.Minute, func() time.Time { return now })
	s, _ := tok.Sign(auth.Principal{UserID: "u1", Roles: []auth.Role{auth.RoleLearner}})
	if _, err := tok.Verify(s); err != nil {
		t.Fatal(err)
	}
	if p, err := tok.Verify(s); err != nil || p.UserID != "u1" {
		t.Fatalf("from the cache: %+v %v", p, err)
	}
	now = now.Add(16 * time.Minute)
	if _, err := tok.Verify(s); err != auth.ErrInvalidToken {
		t.Errorf("an expired token was accepted from the cache: %v", err)
	}
}
