package credential

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
)

// KeySet holds the Ed25519 keys that sign credentials: the first signs, all of them verify
// and are published. It is kept apart from the keys that sign access tokens, whose rotation
// drops old keys; this one never drops a key.
type KeySet struct {
	keys []ed25519.PrivateKey // keys[0] signs
}

// GenerateKeySet returns a key set with one new key.
func GenerateKeySet() *KeySet {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return &KeySet{keys: []ed25519.PrivateKey{priv}}
}

// ParseKeySet reads PEM "PRIVATE KEY" blocks (PKCS #8 Ed25519), current key first.
func ParseKeySet(data []byte) (*KeySet, error) {
	ks := &KeySet{}
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("credential key file: unexpected PEM block %q", block.Type)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("credential key file: %w", err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("credential key file: key is %T, want Ed25519", k)
		}
		ks.keys = append(ks.keys, priv)
	}
	if len(ks.keys) == 0 {
		return nil, errors.New("credential key file holds no PRIVATE KEY block")
	}
	return ks, nil
}

// MarshalPEM returns the key set as PEM, current key first.
func (ks *KeySet) MarshalPEM() []byte {
	var out []byte
	for _, k := range ks.keys {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic(err) // an Ed25519 key always marshals
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})...)
	}
	return out
}

// Rotated returns a new key set whose current key is new and which keeps every key of ks.
func (ks *KeySet) Rotated() *KeySet {
	n := GenerateKeySet()
	n.keys = append(n.keys, ks.keys...)
	return n
}

// Len returns the number of keys.
func (ks *KeySet) Len() int { return len(ks.keys) }

// LoadOrCreateKeyFile reads the key set at path, creating the file (mode 0600) with one new
// key if it does not exist.
func LoadOrCreateKeyFile(path string) (*KeySet, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		ks := GenerateKeySet()
		if err := writeFileAtomic(path, ks.MarshalPEM()); err != nil {
			return nil, err
		}
		return ks, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read credential key file: %w", err)
	}
	return ParseKeySet(b)
}

// RotateKeyFile puts a new signing key first in the file at path and keeps every older key.
// Running processes pick the new key up when they load the file again.
func RotateKeyFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read credential key file: %w", err)
	}
	ks, err := ParseKeySet(b)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, ks.Rotated().MarshalPEM())
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

// Thumbprint is the RFC 7638 JWK thumbprint of an Ed25519 public key, base64url.
func Thumbprint(pub ed25519.PublicKey) string {
	canonical := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// KeyID returns the kid of pub when the JWKS is published at jwksURL: the URL, "#", and the
// thumbprint. Open Badges 3.0 asks for a kid that is a URI leading to the key.
func KeyID(jwksURL string, pub ed25519.PublicKey) string {
	return jwksURL + "#" + Thumbprint(pub)
}

// JWK is one public key of a JSON Web Key Set.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWKS returns {"keys": [...]} with every public key, current first, for publication at
// jwksURL.
func (ks *KeySet) JWKS(jwksURL string) []byte {
	out := struct {
		Keys []JWK `json:"keys"`
	}{}
	for _, k := range ks.keys {
		pub := k.Public().(ed25519.PublicKey)
		out.Keys = append(out.Keys, JWK{
			Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub),
			Kid: KeyID(jwksURL, pub), Alg: "EdDSA", Use: "sig",
		})
	}
	b, _ := json.Marshal(out)
	return b
}

// parseJWKS reads the Ed25519 keys of a JWKS by kid; other keys are skipped.
func parseJWKS(data []byte) (map[string]ed25519.PublicKey, error) {
	var set struct {
		Keys []JWK `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("JWKS: %w", err)
	}
	out := make(map[string]ed25519.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" || k.Kid == "" {
			continue
		}
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			continue
		}
		out[k.Kid] = ed25519.PublicKey(x)
	}
	return out, nil
}
