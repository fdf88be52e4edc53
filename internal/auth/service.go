package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/cache"
	"github.com/taito-lms/taito/internal/links"
	"github.com/taito-lms/taito/internal/mongox"
	"github.com/taito-lms/taito/internal/notify"
	"github.com/taito-lms/taito/internal/outbox"
)

// Lifetimes and limits.
const (
	RefreshTokenTTL   = 30 * 24 * time.Hour
	InvitationTTL     = 7 * 24 * time.Hour
	PasswordResetTTL  = time.Hour
	throttleWindow    = 15 * time.Minute
	accountFailures   = 10  // failed sign-ins per account per window before a back-off
	ipFailures        = 100 // per client address: offices share addresses behind NAT
	maxBackoff        = 15 * time.Minute
	statusCacheTTL    = 30 * time.Second // among replicas: another's change shows within this
	soleStatusTTL     = 10 * time.Minute // a sole writer forgets its own changes at once
	maxNameLength     = 200
	maxOrgUnitLength  = 200
	maxEmailLength    = 254
	oneTimeInvitation = "invitation"
	oneTimeReset      = "password_reset"
)

// Session is what a successful sign-in or refresh returns.
type Session struct {
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string
}

// Service is the accounts and authentication capability.
type Service struct {
	store     *store
	tokens    *Tokens
	hasher    *Hasher
	outbox    *outbox.Outbox
	links     links.Links
	now       func() time.Time
	log       *slog.Logger
	cache     *cache.Cache[userStatus]
	dummyHash string
}

// NewService returns the service over db. links builds invitation and reset links.
// soleWriter says that no other process changes the database (the embedded default): accounts'
// roles and disabled flags are then cached for longer, as every change passes through this
// process and is forgotten at once.
func NewService(db *mongo.Database, tokens *Tokens, hasher *Hasher, ob *outbox.Outbox, l links.Links, soleWriter bool, now func() time.Time, log *slog.Logger) *Service {
	ttl := statusCacheTTL
	if soleWriter {
		ttl = soleStatusTTL
	}
	s := &Service{store: newStore(db), tokens: tokens, hasher: hasher, outbox: ob, links: l,
		now: now, log: log, cache: cache.New[userStatus](ttl, 10000, now)}
	// A real hash to verify against when the account does not exist, so that an unknown e-mail
	// takes as long as a wrong password.
	s.dummyHash, _ = hasher.Hash(context.Background(), randomToken())
	return s
}

// EnsureIndexes creates the indexes the service needs.
func (s *Service) EnsureIndexes(ctx context.Context) error { return s.store.ensureIndexes(ctx) }

// Tokens is the access-token signer and verifier.
func (s *Service) Tokens() *Tokens { return s.tokens }

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// NormalizeEmail trims and lower-cases an e-mail address and checks its form.
func NormalizeEmail(field, email string) (string, *apperr.FieldError) {
	e := strings.ToLower(strings.TrimSpace(email))
	bad := &apperr.FieldError{Field: field, Message: "must be an e-mail address such as name@example.fi"}
	if e == "" || len(e) > maxEmailLength || strings.ContainsAny(e, " \t\r\n<>\"(),;:\\[]") {
		return "", bad
	}
	addr, err := mail.ParseAddress(e)
	if err != nil || addr.Address != e || addr.Name != "" {
		return "", bad
	}
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || domain == "" || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", bad
	}
	return e, nil
}

func checkText(f *apperr.Fields, field, v string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(v) == "":
		f.Add(field, "is required")
	case !utf8.ValidString(v):
		f.Add(field, "must be valid UTF-8 text")
	case utf8.RuneCountInString(v) > max:
		f.Add(field, fmt.Sprintf("must be at most %d characters", max))
	case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		f.Add(field, "must not contain control characters")
	}
}

// checkRoles checks a non-empty list of known roles and returns it sorted without repeats.
func checkRoles(f *apperr.Fields, roles []Role) []Role {
	if len(roles) == 0 {
		f.Add("roles", "at least one role is required")
	}
	for i, r := range roles {
		if !r.Valid() {
			f.Add(fmt.Sprintf("roles.%d", i), "must be learner, trainer or admin")
		}
	}
	out := slices.Clone(roles)
	slices.Sort(out)
	return slices.Compact(out)
}

func checkLocale(f *apperr.Fields, field, v string) {
	if v != "" && !slices.Contains(Locales, v) {
		f.Add(field, "must be one of fi, sv, en")
	}
}

func (s *Service) newSession(ctx context.Context, u userDoc, family string) (Session, error) {
	access, err := s.tokens.Sign(Principal{UserID: u.ID, Roles: u.Roles})
	if err != nil {
		return Session{}, fmt.Errorf("sign access token: %w", err)
	}
	refresh := randomToken()
	if family == "" {
		family = newID()
	}
	now := s.now().UTC()
	if err := s.store.insertRefresh(ctx, refreshDoc{ID: hashToken(refresh), UserID: u.ID, Family: family, ExpiresAt: now.Add(RefreshTokenTTL), CreatedAt: now}); err != nil {
		return Session{}, err
	}
	return Session{AccessToken: access, ExpiresIn: s.tokens.TTL(), RefreshToken: refresh}, nil
}

// Login checks an e-mail and password. A wrong e-mail, a wrong password, a disabled or a pending
// account all give ErrInvalidCredentials after the same hashing work. After repeated failures
// for the account or the client address it gives ErrTooManyAttempts with a Retry-After.
func (s *Service) Login(ctx context.Context, email, password, clientIP string) (Session, error) {
	key := strings.ToLower(strings.TrimSpace(email))
	if len(key) > maxEmailLength || len(password) > MaxPasswordBytes {
		return Session{}, ErrInvalidCredentials
	}
	acctKey, ipKey := "acct:"+key, "ip:"+clientIP
	now := s.now().UTC()
	docs, err := s.store.throttleDocs(ctx, acctKey, ipKey)
	if err != nil {
		return Session{}, err
	}
	for _, d := range docs {
		if d.BlockedUntil.After(now) {
			e := *ErrTooManyAttempts
			e.RetryAfter = d.BlockedUntil.Sub(now)
			return Session{}, &e
		}
	}

	u, err := s.store.userByEmail(ctx, key)
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return Session{}, err
	}
	hash := u.PasswordHash
	if hash == "" {
		hash = s.dummyHash
	}
	ok, rehash, err := s.hasher.Verify(ctx, hash, password)
	if err != nil {
		return Session{}, err
	}
	if !ok || u.ID == "" || u.PasswordHash == "" || u.Disabled {
		if err := s.recordFailure(ctx, acctKey, accountFailures, now); err != nil {
			return Session{}, err
		}
		if err := s.recordFailure(ctx, ipKey, ipFailures, now); err != nil {
			return Session{}, err
		}
		return Session{}, ErrInvalidCredentials
	}
	if err := s.store.clearThrottle(ctx, acctKey); err != nil {
		return Session{}, err
	}
	if rehash {
		if h, err := s.hasher.Hash(ctx, password); err == nil {
			if _, err := s.store.updateUser(ctx, u.ID, bson.D{{Key: "password_hash", Value: h}}); err != nil {
				s.log.Warn("re-hash password", "user", u.ID, "err", err)
			}
		}
	}
	return s.newSession(ctx, u, "")
}

func (s *Service) recordFailure(ctx context.Context, key string, limit int, now time.Time) error {
	n, err := s.store.recordFailure(ctx, key, now, throttleWindow)
	if err != nil || n < limit {
		return err
	}
	// A short back-off that doubles with every further failure, instead of a lock an attacker
	// could use to keep staff out.
	backoff := 30 * time.Second << min(n-limit, 5)
	return s.store.block(ctx, key, now.Add(min(backoff, maxBackoff)))
}

// Refresh rotates a refresh token: the presented one is used up and a new one returned in the
// same family. Presenting a token that was already used revokes the whole family (it has been
// copied), so both the thief and the owner must sign in again.
//
// Returns ErrInvalidToken.
func (s *Service) Refresh(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 128 {
		return Session{}, ErrInvalidToken
	}
	hash := hashToken(token)
	now := s.now().UTC()
	d, ok, err := s.store.useRefresh(ctx, hash, now)
	if err != nil {
		return Session{}, err
	}
	if !ok {
		old, found, err := s.store.refreshByHash(ctx, hash)
		if err != nil {
			return Session{}, err
		}
		if found && old.UsedAt != nil && old.RevokedAt == nil {
			s.log.Warn("refresh token reused: family revoked", "user", old.UserID, "family", old.Family)
			if err := s.store.revokeFamily(ctx, old.Family, now); err != nil {
				return Session{}, err
			}
		}
		return Session{}, ErrInvalidToken
	}
	u, err := s.store.userByID(ctx, d.UserID)
	if errors.Is(err, ErrUserNotFound) || (err == nil && u.Disabled) {
		return Session{}, ErrInvalidToken
	}
	if err != nil {
		return Session{}, err
	}
	return s.newSession(ctx, u, d.Family)
}

// Logout revokes the family of a refresh token. An unknown token is not an error.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" || len(token) > 128 {
		return nil
	}
	d, found, err := s.store.refreshByHash(ctx, hashToken(token))
	if err != nil || !found {
		return err
	}
	return s.store.revokeFamily(ctx, d.Family, s.now().UTC())
}

// Authenticate verifies an access token and checks the account is still enabled, from a cache
// at most 30 seconds old: a disabled user is locked out within that, well inside the access
// token's life. The roles are the account's current ones, not the token's.
//
// Returns ErrInvalidToken.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	p, err := s.tokens.Verify(token)
	if err != nil {
		return Principal{}, err
	}
	st, ok := s.cache.Get(p.UserID)
	if !ok {
		u, err := s.store.userByID(ctx, p.UserID)
		if errors.Is(err, ErrUserNotFound) {
			return Principal{}, ErrInvalidToken
		}
		if err != nil {
			return Principal{}, err
		}
		st = userStatus{roles: u.Roles, disabled: u.Disabled}
		s.cache.Put(p.UserID, st)
	}
	if st.disabled {
		return Principal{}, ErrInvalidToken
	}
	return Principal{UserID: p.UserID, Roles: slices.Clone(st.roles)}, nil
}

// UserByEmail returns the account with an e-mail address, for other capabilities (cohort
// enrolment). It checks nothing about the caller.
//
// Returns ErrUserNotFound.
func (s *Service) UserByEmail(ctx context.Context, email string) (User, error) {
	d, err := s.store.userByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return User{}, err
	}
	return d.user(), nil
}

// UsersByEmails returns accounts by (normalised) e-mail, for bulk enrolment; unknown addresses
// are left out. It checks nothing about the caller.
func (s *Service) UsersByEmails(ctx context.Context, emails []string) (map[string]User, error) {
	return s.usersWhere(ctx, "email", emails, func(u User) string { return u.Email })
}

// UsersByIDs returns accounts by id, for reports of other capabilities; unknown ids are left
// out. It checks nothing about the caller.
//
// A long list is answered by reading every account once and keeping the asked-for ones: a
// server that compares each document with the whole list (FerretDB does) would otherwise take
// time growing with the square of the list, and reading all accounts of an organisation is
// cheap anywhere.
func (s *Service) UsersByIDs(ctx context.Context, ids []string) (map[string]User, error) {
	if len(ids) <= longList {
		return s.usersWhere(ctx, "_id", ids, func(u User) string { return u.ID })
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	cur, err := s.store.users.Find(ctx, bson.D{})
	if err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	defer cur.Close(ctx)
	out := make(map[string]User, len(ids))
	for cur.Next(ctx) {
		var d userDoc
		if err := cur.Decode(&d); err != nil {
			return nil, fmt.Errorf("load users: %w", err)
		}
		if want[d.ID] {
			out[d.ID] = d.user()
		}
	}
	if err := cur.Err(); err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	return out, nil
}

// longList is the length from which UsersByIDs reads all accounts.
const longList = 1000

// usersWhere loads the accounts whose field is one of values, in as few queries as the
// 16 MB command limit allows (FerretDB over SQLite reads the whole table for each query).
func (s *Service) usersWhere(ctx context.Context, field string, values []string, key func(User) string) (map[string]User, error) {
	out := make(map[string]User, len(values))
	const chunk = 20000
	for start := 0; start < len(values); start += chunk {
		cur, err := s.store.users.Find(ctx, bson.D{{Key: field, Value: bson.D{{Key: "$in", Value: values[start:min(start+chunk, len(values))]}}}})
		if err != nil {
			return nil, fmt.Errorf("load users: %w", err)
		}
		var docs []userDoc
		if err := cur.All(ctx, &docs); err != nil {
			return nil, fmt.Errorf("load users: %w", err)
		}
		for _, d := range docs {
			u := d.user()
			out[key(u)] = u
		}
	}
	return out, nil
}

// UnsubscribeToken is the signed token of a user's unsubscribe-from-reminders link.
func (s *Service) UnsubscribeToken(userID string) string {
	return s.tokens.Keys().SignValue("unsub:" + userID)
}

// Unsubscribe turns reminders off for the user a token names.
//
// Returns ErrInvalidToken.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	v, ok := s.tokens.Keys().VerifyValue(token)
	user, isUnsub := strings.CutPrefix(v, "unsub:")
	if !ok || !isUnsub {
		return ErrInvalidToken
	}
	if _, err := s.store.updateUser(ctx, user, bson.D{{Key: "reminders_off", Value: true}}); err != nil {
		if errors.Is(err, ErrUserNotFound) {
			return ErrInvalidToken
		}
		return err
	}
	return nil
}

// Me returns the actor's own account.
func (s *Service) Me(ctx context.Context, p Principal) (User, error) {
	d, err := s.store.userByID(ctx, p.UserID)
	if err != nil {
		return User{}, err
	}
	return d.user(), nil
}

// MeUpdate changes the actor's own account; nil fields are left alone.
type MeUpdate struct {
	Name            *string
	Locale          *string
	Password        *string
	CurrentPassword string
}

// UpdateMe changes the actor's name, locale or password. A new password needs the current one,
// and signs the account out everywhere else (every refresh-token family is revoked).
//
// Returns validation errors and ErrUserNotFound.
func (s *Service) UpdateMe(ctx context.Context, p Principal, in MeUpdate) (User, error) {
	var f apperr.Fields
	set := bson.D{}
	if in.Name != nil {
		checkText(&f, "name", *in.Name, true, maxNameLength)
		set = append(set, bson.E{Key: "name", Value: strings.TrimSpace(*in.Name)})
	}
	if in.Locale != nil {
		if *in.Locale == "" {
			f.Add("locale", "must be one of fi, sv, en")
		}
		checkLocale(&f, "locale", *in.Locale)
		set = append(set, bson.E{Key: "locale", Value: *in.Locale})
	}
	if in.Password != nil {
		if fe := CheckPassword("password", *in.Password); fe != nil {
			f = append(f, *fe)
		}
		if in.CurrentPassword == "" {
			f.Add("current_password", "is required to change the password")
		}
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	if in.Password != nil {
		d, err := s.store.userByID(ctx, p.UserID)
		if err != nil {
			return User{}, err
		}
		ok, _, err := s.hasher.Verify(ctx, d.PasswordHash, in.CurrentPassword)
		if err != nil {
			return User{}, err
		}
		if !ok {
			return User{}, apperr.Validation(apperr.FieldError{Field: "current_password", Message: "is wrong"})
		}
		h, err := s.hasher.Hash(ctx, *in.Password)
		if err != nil {
			return User{}, err
		}
		set = append(set, bson.E{Key: "password_hash", Value: h})
	}
	set = append(set, bson.E{Key: "updated_at", Value: s.now().UTC()})
	d, err := s.store.updateUser(ctx, p.UserID, set)
	if err != nil {
		return User{}, err
	}
	if in.Password != nil {
		if err := s.store.revokeUserTokens(ctx, p.UserID, s.now().UTC()); err != nil {
			return User{}, err
		}
	}
	return d.user(), nil
}

// NewUser is an account to create.
type NewUser struct {
	Email   string
	Name    string
	Roles   []Role
	OrgUnit string
	Locale  string
	// Password, when set (the command line's --password-stdin), makes the account usable at
	// once; otherwise an invitation is sent.
	Password string
}

// Invitation is a single-use sign-up link.
type Invitation struct {
	URL       string
	ExpiresAt time.Time
}

func (s *Service) validateNewUser(in *NewUser) error {
	var f apperr.Fields
	email, fe := NormalizeEmail("email", in.Email)
	if fe != nil {
		f = append(f, *fe)
	}
	in.Email = email
	checkText(&f, "name", in.Name, true, maxNameLength)
	in.Name = strings.TrimSpace(in.Name)
	checkText(&f, "org_unit", in.OrgUnit, false, maxOrgUnitLength)
	in.OrgUnit = strings.TrimSpace(in.OrgUnit)
	if in.Locale == "" {
		in.Locale = DefaultLocale
	}
	checkLocale(&f, "locale", in.Locale)
	in.Roles = checkRoles(&f, in.Roles)
	if in.Password != "" {
		if fe := CheckPassword("password", in.Password); fe != nil {
			f = append(f, *fe)
		}
	}
	return f.Err()
}

// CreateUser creates an account. Admins may create any account, trainers learners only. Without
// a password the account is pending and an invitation e-mail is queued in the outbox; the
// returned Invitation carries the link for the command line, and is never shown over HTTP.
//
// Returns validation errors, ErrForbidden, ErrEmailTaken.
func (s *Service) CreateUser(ctx context.Context, actor Principal, in NewUser) (User, Invitation, error) {
	if err := s.validateNewUser(&in); err != nil {
		return User{}, Invitation{}, err
	}
	if err := CanCreateUser(actor, in.Roles); err != nil {
		return User{}, Invitation{}, err
	}
	return s.createUser(ctx, in)
}

// createUser creates a validated account whose creation was allowed.
func (s *Service) createUser(ctx context.Context, in NewUser) (User, Invitation, error) {
	now := s.now().UTC()
	d := userDoc{ID: newID(), Email: in.Email, Name: in.Name, Roles: in.Roles, OrgUnit: in.OrgUnit, Locale: in.Locale, CreatedAt: now, UpdatedAt: now}
	if in.Password != "" {
		h, err := s.hasher.Hash(ctx, in.Password)
		if err != nil {
			return User{}, Invitation{}, err
		}
		d.PasswordHash = h
	}
	if err := s.store.insertUser(ctx, d); err != nil {
		return User{}, Invitation{}, err
	}
	var inv Invitation
	if in.Password == "" {
		var err error
		if inv, err = s.invite(ctx, d, now); err != nil {
			return User{}, Invitation{}, err
		}
	}
	return d.user(), inv, nil
}

// Created is one row of InviteUsers: the new account, or why there is none.
type Created struct {
	User User
	Err  error // validation errors, ErrForbidden, ErrEmailTaken
}

// InviteUsers creates many pending accounts and queues their invitations, as CreateUser does
// for one without a password, in one write per collection: an enrolment of a whole
// organisation's staff fits in a request's deadline. A row's own problem is in its result; the
// error is for a failure of the database, after which the call may be repeated (an address
// that got its account then is ErrEmailTaken).
func (s *Service) InviteUsers(ctx context.Context, actor Principal, in []NewUser) ([]Created, error) {
	out := make([]Created, len(in))
	now := s.now().UTC()
	var docs []any
	var rows []int
	for i := range in {
		u := in[i]
		u.Password = ""
		if err := s.validateNewUser(&u); err != nil {
			out[i].Err = err
			continue
		}
		if err := CanCreateUser(actor, u.Roles); err != nil {
			out[i].Err = err
			continue
		}
		d := userDoc{ID: newID(), Email: u.Email, Name: u.Name, Roles: u.Roles, OrgUnit: u.OrgUnit, Locale: u.Locale, CreatedAt: now, UpdatedAt: now}
		docs, rows = append(docs, d), append(rows, i)
		out[i].User = d.user()
	}
	if len(docs) == 0 {
		return out, nil
	}
	created := make([]bool, len(docs))
	for j := range created {
		created[j] = true
	}
	dups, err := mongox.InsertAll(ctx, s.store.users, docs)
	if err != nil {
		return nil, fmt.Errorf("insert users: %w", err)
	}
	for _, j := range dups {
		created[j] = false
		out[rows[j]] = Created{Err: ErrEmailTaken}
	}
	var tokens []any
	var mails []outbox.Keyed
	for j, d := range docs {
		if !created[j] {
			continue
		}
		ud := d.(userDoc)
		tok := randomToken()
		exp := now.Add(InvitationTTL)
		tokens = append(tokens, oneTimeDoc{ID: hashToken(tok), Kind: oneTimeInvitation, UserID: ud.ID, ExpiresAt: exp, CreatedAt: now})
		msg := notify.Invitation{Locale: ud.Locale, Name: ud.Name, Link: s.links.Invitation(tok), Expires: exp, Trainer: Principal{Roles: ud.Roles}.IsTrainer()}.Email()
		msg.To = ud.Email
		mails = append(mails, outbox.Keyed{Key: "invitation:" + hashToken(tok)[:32], Email: msg})
	}
	if len(tokens) > 0 {
		if _, err := s.store.oneTime.InsertMany(ctx, tokens); err != nil {
			return nil, fmt.Errorf("store invitations: %w", err)
		}
	}
	if err := s.outbox.EnqueueEmails(ctx, mails); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) invite(ctx context.Context, d userDoc, now time.Time) (Invitation, error) {
	tok := randomToken()
	exp := now.Add(InvitationTTL)
	if err := s.store.insertOneTime(ctx, oneTimeDoc{ID: hashToken(tok), Kind: oneTimeInvitation, UserID: d.ID, ExpiresAt: exp, CreatedAt: now}); err != nil {
		return Invitation{}, err
	}
	inv := Invitation{URL: s.links.Invitation(tok), ExpiresAt: exp}
	msg := notify.Invitation{Locale: d.Locale, Name: d.Name, Link: inv.URL, Expires: exp, Trainer: Principal{Roles: d.Roles}.IsTrainer()}.Email()
	msg.To = d.Email
	if err := s.outbox.EnqueueEmail(ctx, "invitation:"+hashToken(tok)[:32], msg); err != nil {
		return Invitation{}, err
	}
	return inv, nil
}

// AcceptInvitation sets the password of an invited account and signs it in. The token works
// once, for seven days.
//
// Returns validation errors and ErrInvalidToken.
func (s *Service) AcceptInvitation(ctx context.Context, token, password string, name *string) (Session, error) {
	var f apperr.Fields
	if fe := CheckPassword("password", password); fe != nil {
		f = append(f, *fe)
	}
	if name != nil {
		checkText(&f, "name", *name, true, maxNameLength)
	}
	if err := f.Err(); err != nil {
		return Session{}, err
	}
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return Session{}, err
	}
	if len(token) > 128 {
		return Session{}, ErrInvalidToken
	}
	now := s.now().UTC()
	ot, ok, err := s.store.useOneTime(ctx, hashToken(token), oneTimeInvitation, now)
	if err != nil {
		return Session{}, err
	}
	if !ok {
		return Session{}, ErrInvalidToken
	}
	set := bson.D{{Key: "password_hash", Value: h}, {Key: "updated_at", Value: now}}
	if name != nil {
		set = append(set, bson.E{Key: "name", Value: strings.TrimSpace(*name)})
	}
	d, err := s.store.updateUser(ctx, ot.UserID, set)
	if err != nil {
		return Session{}, err
	}
	if d.Disabled {
		return Session{}, ErrInvalidToken
	}
	return s.newSession(ctx, d, "")
}

// RequestPasswordReset queues a reset link for an enabled account. It says nothing about whether
// the account exists: callers answer the same whatever happens here.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	e, fe := NormalizeEmail("email", email)
	if fe != nil {
		return nil
	}
	d, err := s.store.userByEmail(ctx, e)
	if errors.Is(err, ErrUserNotFound) || (err == nil && d.Disabled) {
		return nil
	}
	if err != nil {
		return err
	}
	tok := randomToken()
	now := s.now().UTC()
	exp := now.Add(PasswordResetTTL)
	if err := s.store.insertOneTime(ctx, oneTimeDoc{ID: hashToken(tok), Kind: oneTimeReset, UserID: d.ID, ExpiresAt: exp, CreatedAt: now}); err != nil {
		return err
	}
	msg := notify.PasswordReset{Locale: d.Locale, Name: d.Name, Link: s.links.PasswordReset(tok), Expires: exp}.Email()
	msg.To = d.Email
	return s.outbox.EnqueueEmail(ctx, "reset:"+hashToken(tok)[:32], msg)
}

// ConfirmPasswordReset sets a new password with a reset token (single use, one hour) and signs
// the account out everywhere.
//
// Returns validation errors and ErrInvalidToken.
func (s *Service) ConfirmPasswordReset(ctx context.Context, token, password string) error {
	if fe := CheckPassword("password", password); fe != nil {
		return apperr.Validation(*fe)
	}
	if len(token) > 128 {
		return ErrInvalidToken
	}
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	ot, ok, err := s.store.useOneTime(ctx, hashToken(token), oneTimeReset, now)
	if err != nil {
		return err
	}
	if !ok {
		return ErrInvalidToken
	}
	if _, err := s.store.updateUser(ctx, ot.UserID, bson.D{{Key: "password_hash", Value: h}, {Key: "updated_at", Value: now}}); err != nil {
		return err
	}
	return s.store.revokeUserTokens(ctx, ot.UserID, now)
}

// UserFilter selects users to list.
type UserFilter struct {
	Role    Role
	OrgUnit string
	After   string
	Limit   int
}

// ListUsers lists accounts in creation order, for admins.
//
// Returns ErrForbidden and validation errors.
func (s *Service) ListUsers(ctx context.Context, actor Principal, f UserFilter) ([]User, string, error) {
	if err := RequireAdmin(actor); err != nil {
		return nil, "", err
	}
	if f.Role != "" && !f.Role.Valid() {
		return nil, "", apperr.Validation(apperr.FieldError{Field: "role", Message: "must be learner, trainer or admin"})
	}
	docs, err := s.store.listUsers(ctx, f.Role, f.OrgUnit, f.After, f.Limit+1)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(docs) > f.Limit {
		docs = docs[:f.Limit]
		next = docs[len(docs)-1].ID
	}
	out := make([]User, len(docs))
	for i, d := range docs {
		out[i] = d.user()
	}
	return out, next, nil
}

// GetUser returns one account, for admins.
//
// Returns ErrForbidden and ErrUserNotFound.
func (s *Service) GetUser(ctx context.Context, actor Principal, id string) (User, error) {
	if err := RequireAdmin(actor); err != nil {
		return User{}, err
	}
	d, err := s.store.userByID(ctx, id)
	if err != nil {
		return User{}, err
	}
	return d.user(), nil
}

// UserPatch changes an account; nil fields are left alone.
type UserPatch struct {
	Name     *string
	Roles    *[]Role
	OrgUnit  *string
	Disabled *bool
}

// UpdateUser changes an account, for admins. Disabling revokes every refresh token of the user
// at once; the user's access tokens stop working within 30 seconds. An admin cannot disable
// herself or drop her own admin role, so an organisation never locks itself out by accident.
//
// Returns ErrForbidden, ErrUserNotFound, validation errors and conflicts.
func (s *Service) UpdateUser(ctx context.Context, actor Principal, id string, in UserPatch) (User, error) {
	if err := RequireAdmin(actor); err != nil {
		return User{}, err
	}
	var f apperr.Fields
	set := bson.D{}
	if in.Name != nil {
		checkText(&f, "name", *in.Name, true, maxNameLength)
		set = append(set, bson.E{Key: "name", Value: strings.TrimSpace(*in.Name)})
	}
	if in.OrgUnit != nil {
		checkText(&f, "org_unit", *in.OrgUnit, false, maxOrgUnitLength)
		set = append(set, bson.E{Key: "org_unit", Value: strings.TrimSpace(*in.OrgUnit)})
	}
	if in.Roles != nil {
		roles := checkRoles(&f, *in.Roles)
		set = append(set, bson.E{Key: "roles", Value: roles})
		if id == actor.UserID && !slices.Contains(roles, RoleAdmin) {
			return User{}, apperr.New(apperr.KindConflict, "you cannot remove your own admin role")
		}
	}
	if in.Disabled != nil {
		set = append(set, bson.E{Key: "disabled", Value: *in.Disabled})
		if id == actor.UserID && *in.Disabled {
			return User{}, apperr.New(apperr.KindConflict, "you cannot disable your own account")
		}
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
	now := s.now().UTC()
	set = append(set, bson.E{Key: "updated_at", Value: now})
	d, err := s.store.updateUser(ctx, id, set)
	if err != nil {
		return User{}, err
	}
	s.cache.Forget(id)
	if d.Disabled {
		if err := s.store.revokeUserTokens(ctx, id, now); err != nil {
			return User{}, err
		}
	}
	return d.user(), nil
}

// FirstAdminEmail is the account EnsureFirstAdmin creates.
const FirstAdminEmail = "admin@localhost"

// EnsureFirstAdmin creates an admin with a random password when no account exists at all, and
// returns the password; created is false when there were accounts already.
func (s *Service) EnsureFirstAdmin(ctx context.Context) (password string, created bool, err error) {
	any, err := s.store.anyUser(ctx)
	if err != nil || any {
		return "", false, err
	}
	password = randomToken()[:24]
	in := NewUser{Email: FirstAdminEmail, Name: "Admin", Roles: []Role{RoleAdmin}, Password: password}
	if err := s.validateNewUser(&in); err != nil {
		return "", false, err
	}
	_, _, err = s.createUser(ctx, in)
	if errors.Is(err, ErrEmailTaken) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return password, true, nil
}

// Cleanup deletes refresh and one-time tokens that expired more than a day ago and stale
// throttle counters. Run it periodically; it is safe on several replicas at once.
func (s *Service) Cleanup(ctx context.Context) (int64, error) {
	cutoff := s.now().UTC().Add(-24 * time.Hour)
	var total int64
	for _, c := range []struct {
		coll   *mongo.Collection
		filter bson.D
	}{
		{s.store.refresh, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: cutoff}}}}},
		{s.store.oneTime, bson.D{{Key: "expires_at", Value: bson.D{{Key: "$lt", Value: cutoff}}}}},
		{s.store.throttle, bson.D{{Key: "window_start", Value: bson.D{{Key: "$lt", Value: cutoff}}}}},
	} {
		res, err := c.coll.DeleteMany(ctx, c.filter)
		if err != nil {
			return total, fmt.Errorf("clean up %s: %w", c.coll.Name(), err)
		}
		total += res.DeletedCount
	}
	return total, nil
}
