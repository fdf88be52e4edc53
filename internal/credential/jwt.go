package credential

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Signer signs credentials as VC-JWTs with the current key of Keys.
type Signer struct {
	Keys *KeySet
	// JWKSURL is where Keys.JWKS(JWKSURL) is published; it prefixes every kid.
	JWKSURL string
}

// jwtPayload is the credential with the registered claims that Open Badges 3.0 requires
// beside it: iss, jti, nbf and sub.
type jwtPayload struct {
	*OpenBadgeCredential
	jwt.RegisteredClaims
}

// Sign returns vc as a compact JWS (VC-JWT). Ed25519 signatures are deterministic, so the
// same credential and key give the same token.
func (s *Signer) Sign(vc *OpenBadgeCredential) (string, error) {
	validFrom, err := time.Parse(time.RFC3339, vc.ValidFrom)
	if err != nil {
		return "", fmt.Errorf("credential validFrom: %w", err)
	}
	claims := jwtPayload{
		OpenBadgeCredential: vc,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    vc.Issuer.ID,
			Subject:   vc.CredentialSubject.ID,
			ID:        vc.ID,
			NotBefore: jwt.NewNumericDate(validFrom),
		},
	}
	return s.sign(claims)
}

func (s *Signer) sign(claims jwt.Claims) (string, error) {
	if s.Keys == nil || len(s.Keys.keys) == 0 {
		return "", errors.New("credential signer has no key")
	}
	priv := s.Keys.keys[0]
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = KeyID(s.JWKSURL, priv.Public().(ed25519.PublicKey))
	return tok.SignedString(priv)
}

// Errors of Verify. Test for them with errors.Is.
var (
	// ErrMalformed: not a compact JWS, or its parts do not decode as a credential.
	ErrMalformed = errors.New("credential: malformed token")
	// ErrUnknownKey: the kid is not in the JWKS.
	ErrUnknownKey = errors.New("credential: unknown signing key")
	// ErrInvalidSignature: the signature does not match; a changed payload or signature.
	ErrInvalidSignature = errors.New("credential: invalid signature")
	// ErrInvalidClaims: the JWT claims disagree with the credential, the credential is not an
	// OpenBadgeCredential, or it is not valid yet.
	ErrInvalidClaims = errors.New("credential: claims do not match the credential")
	// ErrRevoked: the status list marks the credential revoked. Verify still returns it.
	ErrRevoked = errors.New("credential: revoked")
	// ErrStatusUnavailable: the credential has a status entry but its list could not be read.
	ErrStatusUnavailable = errors.New("credential: status list unavailable")
)

// StatusLookup returns the decoded status list published at url. The app answers it from
// its own store; a remote verifier would fetch and verify the list credential.
type StatusLookup func(url string) (*StatusList, error)

// Verified is a credential that passed Verify (or failed only as revoked).
type Verified struct {
	Credential *OpenBadgeCredential
	// Payload is the decoded JWT payload as it was signed.
	Payload json.RawMessage
	KeyID   string
	Revoked bool
}

// MaxTokenBytes bounds the size of a token that Verify reads.
const MaxTokenBytes = 64 << 10

// Verify checks token against the keys of jwks (a JWKS document) and, if status is not nil
// and the credential has a status entry, against its status list. A revoked credential is
// returned together with ErrRevoked.
func Verify(token string, jwks []byte, status StatusLookup) (*Verified, error) {
	if len(token) == 0 || len(token) > MaxTokenBytes {
		return nil, ErrMalformed
	}
	keys, err := parseJWKS(jwks)
	if err != nil {
		return nil, err
	}
	var kid string
	var claims jwt.MapClaims
	parser := jwt.NewParser(jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithLeeway(time.Minute), jwt.WithStrictDecoding())
	tok, err := parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		pub, ok := keys[kid]
		if !ok {
			return nil, ErrUnknownKey
		}
		return pub, nil
	})
	switch {
	case err == nil:
	case errors.Is(err, ErrUnknownKey):
		return nil, ErrUnknownKey
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, ErrInvalidSignature
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenExpired),
		errors.Is(err, jwt.ErrTokenInvalidClaims):
		return nil, fmt.Errorf("%w: %v", ErrInvalidClaims, err)
	default:
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	payload, err := jwt.NewParser(jwt.WithStrictDecoding()).DecodeSegment(splitPayload(token))
	if err != nil {
		return nil, ErrMalformed
	}
	vc, err := decodeCredential(payload)
	if err != nil {
		return nil, err
	}
	if err := checkClaims(tok, vc); err != nil {
		return nil, err
	}
	v := &Verified{Credential: vc, Payload: payload, KeyID: kid}
	if status != nil && vc.CredentialStatus != nil {
		revoked, err := checkStatus(vc.CredentialStatus, status)
		if err != nil {
			return v, err
		}
		if revoked {
			v.Revoked = true
			return v, ErrRevoked
		}
	}
	return v, nil
}

func splitPayload(token string) string {
	first := bytes.IndexByte([]byte(token), '.')
	last := bytes.LastIndexByte([]byte(token), '.')
	if first < 0 || last <= first {
		return ""
	}
	return token[first+1 : last]
}

// decodeCredential reads the credential from a payload: the payload itself, or its "vc" claim
// in the Data Model 1.1 style.
func decodeCredential(payload []byte) (*OpenBadgeCredential, error) {
	var outer struct {
		VC json.RawMessage `json:"vc"`
	}
	if err := json.Unmarshal(payload, &outer); err != nil {
		return nil, ErrMalformed
	}
	body := payload
	if len(outer.VC) > 0 && !bytes.Equal(outer.VC, []byte("null")) {
		body = outer.VC
	}
	var vc OpenBadgeCredential
	if err := json.Unmarshal(body, &vc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return &vc, nil
}

func checkClaims(tok *jwt.Token, vc *OpenBadgeCredential) error {
	bad := func(what string) error { return fmt.Errorf("%w: %s", ErrInvalidClaims, what) }
	if !slices.Contains(vc.Type, "VerifiableCredential") ||
		!(slices.Contains(vc.Type, "OpenBadgeCredential") || slices.Contains(vc.Type, "AchievementCredential")) {
		return bad("type")
	}
	if len(vc.Context) < 2 || vc.Context[0] != ContextVC2 {
		return bad("@context")
	}
	iss, _ := tok.Claims.GetIssuer()
	if iss == "" || iss != vc.Issuer.ID {
		return bad("iss")
	}
	sub, _ := tok.Claims.GetSubject()
	if sub != vc.CredentialSubject.ID {
		return bad("sub")
	}
	jti, _ := (*tok.Claims.(*jwt.MapClaims))["jti"].(string)
	if jti == "" || jti != vc.ID {
		return bad("jti")
	}
	nbf, _ := tok.Claims.GetNotBefore()
	validFrom, err := time.Parse(time.RFC3339, vc.ValidFrom)
	if nbf == nil || err != nil || !nbf.Time.Equal(validFrom.Truncate(time.Second)) {
		return bad("nbf")
	}
	return nil
}

func checkStatus(e *StatusEntry, lookup StatusLookup) (bool, error) {
	if e.Type != "BitstringStatusListEntry" || e.StatusPurpose != "revocation" {
		return false, nil // a purpose this package does not act on
	}
	idx, err := e.Index()
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrInvalidClaims, err)
	}
	list, err := lookup(e.StatusListCredential)
	if err != nil || list == nil {
		return false, fmt.Errorf("%w: %v", ErrStatusUnavailable, err)
	}
	revoked, err := list.Revoked(idx)
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrInvalidClaims, err)
	}
	return revoked, nil
}
