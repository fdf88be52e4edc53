package credential

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// StatusListMinEntries is the smallest bitstring that Bitstring Status List v1.0 allows:
// 16 KiB, so that one credential cannot be told apart among the others.
const StatusListMinEntries = 16 * 1024 * 8

// statusListMaxBytes bounds a decoded list, against compressed input that inflates without end.
const statusListMaxBytes = 16 << 20

// StatusList is a revocation bitstring: bit i set means the credential with statusListIndex
// i is revoked. Index 0 is the most significant bit of the first byte.
type StatusList struct {
	bits []byte
}

// NewStatusList returns an empty list of at least size entries (never fewer than
// StatusListMinEntries), with revoked set.
func NewStatusList(size int, revoked ...int) (*StatusList, error) {
	size = max(size, StatusListMinEntries)
	l := &StatusList{bits: make([]byte, (size+7)/8)}
	for _, i := range revoked {
		if err := l.Set(i, true); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Len returns the number of entries.
func (l *StatusList) Len() int { return len(l.bits) * 8 }

// Set marks entry i revoked or not.
func (l *StatusList) Set(i int, revoked bool) error {
	if i < 0 || i >= l.Len() {
		return fmt.Errorf("status list index %d out of range [0, %d)", i, l.Len())
	}
	mask := byte(0x80 >> (i % 8))
	if revoked {
		l.bits[i/8] |= mask
	} else {
		l.bits[i/8] &^= mask
	}
	return nil
}

// Revoked reports whether entry i is revoked.
func (l *StatusList) Revoked(i int) (bool, error) {
	if i < 0 || i >= l.Len() {
		return false, fmt.Errorf("status list index %d out of range [0, %d)", i, l.Len())
	}
	return l.bits[i/8]&(0x80>>(i%8)) != 0, nil
}

// Encode returns the encodedList value: "u" (multibase base64url) and the unpadded
// base64url of the GZIP-compressed bitstring.
func (l *StatusList) Encode() string {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(l.bits)
	zw.Close()
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())
}

// DecodeStatusList reads an encodedList value.
func DecodeStatusList(encoded string) (*StatusList, error) {
	b64, ok := strings.CutPrefix(encoded, "u")
	if !ok {
		return nil, errors.New("encodedList is not multibase base64url (no \"u\" prefix)")
	}
	z, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("encodedList: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("encodedList: %w", err)
	}
	bits, err := io.ReadAll(io.LimitReader(zr, statusListMaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("encodedList: %w", err)
	}
	if len(bits) > statusListMaxBytes {
		return nil, errors.New("encodedList is too long")
	}
	if len(bits)*8 < StatusListMinEntries {
		return nil, fmt.Errorf("encodedList has %d entries, fewer than %d", len(bits)*8, StatusListMinEntries)
	}
	return &StatusList{bits: bits}, nil
}

// StatusListCredential is a BitstringStatusListCredential.
type StatusListCredential struct {
	Context           []string          `json:"@context"`
	ID                string            `json:"id"`
	Type              []string          `json:"type"`
	Issuer            string            `json:"issuer"`
	ValidFrom         string            `json:"validFrom"`
	CredentialSubject StatusListSubject `json:"credentialSubject"`
}

// StatusListSubject is the BitstringStatusList inside a StatusListCredential.
type StatusListSubject struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	StatusPurpose string `json:"statusPurpose"`
	EncodedList   string `json:"encodedList"`
}

// NewStatusListCredential returns the revocation list credential published at listURL.
func NewStatusListCredential(listURL, issuerID string, validFrom time.Time, l *StatusList) *StatusListCredential {
	return &StatusListCredential{
		Context:   []string{ContextVC2},
		ID:        listURL,
		Type:      []string{"VerifiableCredential", "BitstringStatusListCredential"},
		Issuer:    issuerID,
		ValidFrom: validFrom.UTC().Truncate(time.Second).Format(time.RFC3339),
		CredentialSubject: StatusListSubject{
			ID: listURL + "#list", Type: "BitstringStatusList",
			StatusPurpose: "revocation", EncodedList: l.Encode(),
		},
	}
}

// List decodes the credential's bitstring, checking that it is a revocation list.
func (c *StatusListCredential) List() (*StatusList, error) {
	if c.CredentialSubject.Type != "BitstringStatusList" || c.CredentialSubject.StatusPurpose != "revocation" {
		return nil, errors.New("not a revocation BitstringStatusList")
	}
	return DecodeStatusList(c.CredentialSubject.EncodedList)
}

// ParseStatusListCredential reads a status list credential from its JSON.
func ParseStatusListCredential(data []byte) (*StatusListCredential, error) {
	var c StatusListCredential
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("status list credential: %w", err)
	}
	return &c, nil
}

// SignStatusList returns c as a VC-JWT signed like the credentials it lists.
func (s *Signer) SignStatusList(c *StatusListCredential) (string, error) {
	validFrom, err := time.Parse(time.RFC3339, c.ValidFrom)
	if err != nil {
		return "", fmt.Errorf("status list validFrom: %w", err)
	}
	return s.sign(struct {
		*StatusListCredential
		jwt.RegisteredClaims
	}{c, jwt.RegisteredClaims{Issuer: c.Issuer, ID: c.ID, NotBefore: jwt.NewNumericDate(validFrom)}})
}

func marshal(v any) ([]byte, error) { return json.MarshalIndent(v, "", "  ") }
