package credential

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

func TestStatusListEncoding(t *testing.T) {
	l, err := NewStatusList(0, 0, 7, 8, 94567, 131071)
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 131072 {
		t.Fatalf("Len %d, want 131072", l.Len())
	}
	enc := l.Encode()
	if !strings.HasPrefix(enc, "u") {
		t.Fatalf("encodedList %q lacks the multibase base64url prefix", enc[:8])
	}
	// Decode by hand: base64url without padding, then GZIP, then bits from the left.
	z, err := base64.RawURLEncoding.DecodeString(enc[1:])
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	bits, _ := io.ReadAll(zr)
	if len(bits) != 16*1024 || bits[0] != 0b1000_0001 || bits[1] != 0b1000_0000 || bits[94567/8] != 0x80>>(94567%8) || bits[len(bits)-1] != 1 {
		t.Errorf("bitstring: %d bytes, first %08b %08b", len(bits), bits[0], bits[1])
	}

	back, err := DecodeStatusList(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range back.Len() {
		want := i == 0 || i == 7 || i == 8 || i == 94567 || i == 131071
		if got, _ := back.Revoked(i); got != want {
			t.Fatalf("entry %d: revoked %v, want %v", i, got, want)
		}
	}
	if _, err := back.Revoked(131072); err == nil {
		t.Error("an index past the end is accepted")
	}
	if err := back.Set(-1, true); err == nil {
		t.Error("a negative index is accepted")
	}
	back.Set(94567, false)
	if r, _ := back.Revoked(94567); r {
		t.Error("an entry cannot be cleared")
	}
	if _, err := NewStatusList(10, 200000); err == nil {
		t.Error("NewStatusList accepts an index past its size")
	}
	if big, _ := NewStatusList(200001); big.Len() < 200001 {
		t.Errorf("a list of 200001 entries has %d", big.Len())
	}
}

func TestDecodeStatusListRejects(t *testing.T) {
	small := func() string {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(make([]byte, 1024))
		zw.Close()
		return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
	}()
	bomb := func() string {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(make([]byte, 32<<20))
		zw.Close()
		return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
	}()
	for name, enc := range map[string]string{
		"no prefix":    "H4sIAAAAAAAA",
		"not base64":   "u!!!",
		"not gzip":     "u" + base64.RawURLEncoding.EncodeToString([]byte("plain")),
		"too short":    small,
		"inflates far": bomb,
	} {
		if _, err := DecodeStatusList(enc); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func TestStatusListCredential(t *testing.T) {
	l, _ := NewStatusList(0, 3)
	issued := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	c := NewStatusListCredential("https://taito.example.fi/credentials/status/1", "https://taito.example.fi/credentials/issuer", issued, l)
	b, _ := json.Marshal(c)
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, p := range []string{"@context", "id", "type", "issuer", "validFrom", "credentialSubject.id", "credentialSubject.type", "credentialSubject.statusPurpose", "credentialSubject.encodedList"} {
		if _, ok := lookup(m, p); !ok {
			t.Errorf("status list credential lacks %s", p)
		}
	}
	if v, _ := lookup(m, "type"); !hasType(v, "BitstringStatusListCredential") {
		t.Errorf("type %v", v)
	}

	ks := GenerateKeySet()
	tok, err := (&Signer{Keys: ks, JWKSURL: testJWKSURL}).SignStatusList(c)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := joseVerify(t, tok, ks.JWKS(testJWKSURL))
	if err != nil {
		t.Fatalf("go-jose: %v", err)
	}
	raw, _ := json.Marshal(payload)
	back, err := ParseStatusListCredential(raw)
	if err != nil {
		t.Fatal(err)
	}
	list, err := back.List()
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := list.Revoked(3); !r {
		t.Error("the signed list lost its revoked entry")
	}
	back.CredentialSubject.StatusPurpose = "suspension"
	if _, err := back.List(); err == nil {
		t.Error("a suspension list is taken for a revocation list")
	}
}
