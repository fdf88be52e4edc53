package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// signingKey is one Ed25519 key with its key id.
type signingKey struct {
	kid  string
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
}

// KeySet holds the key that signs new access tokens and the previous keys that still verify
// tokens signed before a rotation.
type KeySet struct {
	keys []signingKey // keys[0] signs
}

// kidOf is the RFC 7638 JWK thumbprint of an Ed25519 public key, base64url.
func kidOf(pub ed25519.PublicKey) string {
	canonical := fmt.Sprintf(`{"crv":"Ed25519","kty":"OKP","x":"%s"}`, base64.RawURLEncoding.EncodeToString(pub))
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func newSigningKey(priv ed25519.PrivateKey) signingKey {
	pub := priv.Public().(ed25519.PublicKey)
	return signingKey{kid: kidOf(pub), priv: priv, pub: pub}
}

// ParseKeySet reads PEM "PRIVATE KEY" blocks (PKCS #8 Ed25519). The first key signs; the others
// only verify.
func ParseKeySet(data []byte) (*KeySet, error) {
	ks := &KeySet{}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("JWT key file: unexpected PEM block %q, want PRIVATE KEY", block.Type)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("JWT key file: %w", err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("JWT key file: key is %T, want Ed25519", k)
		}
		ks.keys = append(ks.keys, newSigningKey(priv))
	}
	if len(ks.keys) == 0 {
		return nil, errors.New("JWT key file holds no PRIVATE KEY block")
	}
	return ks, nil
}

// GenerateKeyPEM returns a new Ed25519 private key as a PEM block.
func GenerateKeyPEM() []byte {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// LoadKeyFile reads a key set from path.
func LoadKeyFile(path string) (*KeySet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read JWT key file: %w", err)
	}
	return ParseKeySet(b)
}

// LoadOrCreateKeyFile reads a key set from path, creating the file (mode 0600) with one new key
// if it does not exist. For the embedded default, where keys live in the data directory.
func LoadOrCreateKeyFile(path string) (*KeySet, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := writeFileAtomic(path, GenerateKeyPEM()); err != nil {
			return nil, err
		}
	}
	return LoadKeyFile(path)
}

// RotateKeyFile puts a new signing key first in the file at path and keeps the current one as
// the previous key, dropping older ones: tokens signed with the old key stay valid until they
// expire. Running processes pick the change up when restarted.
func RotateKeyFile(path string) error {
	ks, err := LoadKeyFile(path)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(ks.keys[0].priv)
	if err != nil {
		return err
	}
	out := append(GenerateKeyPEM(), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)
	return writeFileAtomic(path, out)
}

func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func (ks *KeySet) current() signingKey { return ks.keys[0] }

func (ks *KeySet) byKID(kid string) (ed25519.PublicKey, bool) {
	for _, k := range ks.keys {
		if k.kid == kid {
			return k.pub, true
		}
	}
	return nil, false
}

// JWK is one public key in a JSON Web Key Set.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS returns the public keys, current first, for /.well-known/jwks.json.
func (ks *KeySet) JWKS() []JWK {
	out := make([]JWK, 0, len(ks.keys))
	for _, k := range ks.keys {
		out = append(out, JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k.pub), Kid: k.kid, Alg: "EdDSA", Use: "sig"})
	}
	return out
}

// MarshalJWKS returns {"keys": [...]}.
func (ks *KeySet) MarshalJWKS() []byte {
	b, _ := json.Marshal(struct {
		Keys []JWK `json:"keys"`
	}{ks.JWKS()})
	return b
}

// SignValue returns v with an Ed25519 signature by the current key, for links such as
// unsubscribing from reminders: "v.signature".
func (ks *KeySet) SignValue(v string) string {
	sig := ed25519.Sign(ks.current().priv, []byte("taito-value:"+v))
	return v + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// VerifyValue checks a SignValue string against every key and returns the value.
func (ks *KeySet) VerifyValue(tok string) (string, bool) {
	i := strings.LastIndexByte(tok, '.')
	if i <= 0 || len(tok) > 512 {
		return "", false
	}
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		return "", false
	}
	for _, k := range ks.keys {
		if ed25519.Verify(k.pub, []byte("taito-value:"+tok[:i]), sig) {
			return tok[:i], true
		}
	}
	return "", false
}
