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
	// Session is the refresh family the token was issued in: logging that session out ends
	// the token too. Empty for tokens signed outside a session (Sign).
	Session string `json:"sid,omitempty"`
	// Gen is the account's token generation at issue: ending every session of the account
	// raises it, and older tokens are refused.
	Gen int64 `json:"gen,omitempty"`
	jwt.RegisteredClaims
}

// grant is what a verified access token says: who, in which session, of which generation.
// Whether the session or the generation has ended is for Service.Authenticate to check.
type grant struct {
	Principal
	session string
	gen     int64
}

// principal is a copy of the grant's principal that the caller may change.
func (g grant) principal() Principal {
	return Principal{UserID: g.UserID, Roles: slices.Clone(g.Roles)}
}

// Tokens signs and verifies access tokens.
type Tokens struct {
	keys   *KeySet
	issuer string
	ttl    time.Duration
	now    func() time.Time
	parser *jwt.Parser

	// verified remembers tokens whose signature and claims passed, until they expire or for 30
	// seconds at most, so that a learner's stream of requests costs one signature check. It
	// says nothing of revocation, which Service.Authenticate checks on every request.
	verified *cache.Cache[grant]
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
		keys: keys, issuer: issuer, ttl: ttl, now: now, verified: cache.New[grant](verifiedTTL, verifiedMax, now),
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

// Sign issues an access token for p outside any session (for tools and tests): only the
// account's generation 0 accepts it, so ending every session of the account ends it too.
func (t *Tokens) Sign(p Principal) (string, error) { return t.sign(grant{Principal: p}) }

// sign issues an access token for a grant.
func (t *Tokens) sign(g grant) (string, error) {
	now := t.now()
	k := t.keys.current()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, accessClaims{
		Roles:   g.Roles,
		Session: g.session,
		Gen:     g.gen,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   g.UserID,
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

// Verify checks an access token's signature and claims and returns its principal. It does not
// know whether the token's session has ended: requests go through Service.Authenticate, which
// does. Every failure is ErrInvalidToken: the client is never told why.
func (t *Tokens) Verify(raw string) (Principal, error) {
	g, err := t.verify(raw)
	if err != nil {
		return Principal{}, err
	}
	return g.principal(), nil
}

// verify checks an access token's signature and claims and returns its grant.
func (t *Tokens) verify(raw string) (grant, error) {
	if raw == "" || len(raw) > maxTokenLength {
		return grant{}, ErrInvalidToken
	}
	if g, ok := t.verified.Get(raw); ok {
		return g, nil
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
	if err != nil || claims.Subject == "" || claims.ID == "" || claims.Gen < 0 {
		return grant{}, ErrInvalidToken
	}
	for _, r := range claims.Roles {
		if !r.Valid() {
			return grant{}, ErrInvalidToken
		}
	}
	g := grant{Principal: Principal{UserID: claims.Subject, Roles: claims.Roles}, session: claims.Session, gen: claims.Gen}
	t.verified.PutUntil(raw, g, claims.ExpiresAt.Time)
	return g, nil
}
