package auth

import (
	"errors"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/cache"
)

// Audience is the aud claim of Taito access tokens.
const Audience = "taito-api"

// MaxAccessTokenTTL bounds access-token life: a disabled user is locked out within it.
const MaxAccessTokenTTL = 15 * time.Minute

// tokenLeeway absorbs clock skew between replicas.
const tokenLeeway = 30 * time.Second

type accessClaims struct {
	Roles []Role `json:"roles"`
	jwt.RegisteredClaims
}

// Tokens signs and verifies access tokens.
type Tokens struct {
	keys   *KeySet
	issuer string
	ttl    time.Duration
	now    func() time.Time
	parser *jwt.Parser

	// verified remembers tokens that passed, until they expire or for 30 seconds at most, so
	// that a learner's stream of requests costs one signature check.
	verified *cache.Cache[Principal]
}

const (
	verifiedTTL = 30 * time.Second
	verifiedMax = 20000
)

// NewTokens returns a signer/verifier for tokens issued by issuer (the public URL).
func NewTokens(keys *KeySet, issuer string, ttl time.Duration, now func() time.Time) *Tokens {
	if ttl <= 0 || ttl > MaxAccessTokenTTL {
		ttl = MaxAccessTokenTTL
	}
	return &Tokens{
		keys: keys, issuer: issuer, ttl: ttl, now: now, verified: cache.New[Principal](verifiedTTL, verifiedMax, now),
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{"EdDSA"}),
			jwt.WithIssuer(issuer),
			jwt.WithAudience(Audience),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(tokenLeeway),
			jwt.WithTimeFunc(now),
			jwt.WithStrictDecoding(),
		),
	}
}

// TTL is the life of an access token.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Keys is the key set, for publishing.
func (t *Tokens) Keys() *KeySet { return t.keys }

// Sign issues an access token for p.
func (t *Tokens) Sign(p Principal) (string, error) {
	now := t.now()
	k := t.keys.current()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, accessClaims{
		Roles: p.Roles,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   p.UserID,
			Issuer:    t.issuer,
			Audience:  jwt.ClaimStrings{Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			ID:        uuid.NewString(),
		},
	})
	tok.Header["kid"] = k.kid
	return tok.SignedString(k.priv)
}

// maxTokenLength bounds what is parsed at all.
const maxTokenLength = 4096

// Verify checks an access token and returns its principal. Every failure is ErrInvalidToken: the
// client is never told why.
func (t *Tokens) Verify(raw string) (Principal, error) {
	if raw == "" || len(raw) > maxTokenLength {
		return Principal{}, ErrInvalidToken
	}
	if p, ok := t.verified.Get(raw); ok {
		return Principal{UserID: p.UserID, Roles: slices.Clone(p.Roles)}, nil
	}
	var claims accessClaims
	_, err := t.parser.ParseWithClaims(raw, &claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		pub, ok := t.keys.byKID(kid)
		if !ok {
			return nil, errors.New("unknown kid")
		}
		return pub, nil
	})
	if err != nil || claims.Subject == "" || claims.ID == "" {
		return Principal{}, ErrInvalidToken
	}
	for _, r := range claims.Roles {
		if !r.Valid() {
			return Principal{}, ErrInvalidToken
		}
	}
	p := Principal{UserID: claims.Subject, Roles: slices.Clone(claims.Roles)}
	t.verified.PutUntil(raw, p, claims.ExpiresAt.Time)
	return Principal{UserID: p.UserID, Roles: slices.Clone(p.Roles)}, nil
}
