package auth

import (
	"context"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/notify"
	"github.com/taito-lms/taito/internal/outbox"
)

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// oneTimeInvitation is the kind of an invitation's one-time token.
const oneTimeInvitation = "invitation"

// Invitation is a single-use sign-up link.
type Invitation struct {
	URL       string
	ExpiresAt time.Time
}

// invitation makes an invitation to a new account: its link, its one-time token as stored and
// its e-mail, keyed so that queueing it twice sends it once.
func (s *Service) invitation(d userDoc, now time.Time) (Invitation, oneTimeDoc, outbox.Keyed) {
	tok := randomToken()
	hash := hashToken(tok)
	inv := Invitation{URL: s.links.Invitation(tok), ExpiresAt: now.Add(InvitationTTL)}
	msg := notify.Invitation{Locale: d.Locale, Name: d.Name, Link: inv.URL, Expires: inv.ExpiresAt, Trainer: Principal{Roles: d.Roles}.IsTrainer()}.Email()
	msg.To = d.Email
	return inv,
		oneTimeDoc{ID: hash, Kind: oneTimeInvitation, UserID: d.ID, ExpiresAt: inv.ExpiresAt, CreatedAt: now},
		outbox.Keyed{Key: "invitation:" + hash[:32], Email: msg}
}

func (s *Service) invite(ctx context.Context, d userDoc, now time.Time) (Invitation, error) {
	inv, ot, mail := s.invitation(d, now)
	if err := s.store.insertOneTime(ctx, ot); err != nil {
		return Invitation{}, err
	}
	if err := s.outbox.EnqueueEmail(ctx, mail.Key, mail.Email); err != nil {
		return Invitation{}, err
	}
	return inv, nil
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
	now := s.now().UTC()
	out, docs, rows := s.newInvitees(actor, in, now)
	if len(docs) == 0 {
		return out, nil
	}
	dups, err := s.store.insertUsers(ctx, docs)
	if err != nil {
		return nil, err
	}
	created := make([]bool, len(docs))
	for j := range created {
		created[j] = true
	}
	for _, j := range dups {
		created[j] = false
		out[rows[j]] = Created{Err: ErrEmailTaken}
	}
	var tokens []oneTimeDoc
	var mails []outbox.Keyed
	for j, d := range docs {
		if created[j] {
			_, ot, mail := s.invitation(d, now)
			tokens, mails = append(tokens, ot), append(mails, mail)
		}
	}
	if err := s.store.insertOneTimes(ctx, tokens); err != nil {
		return nil, err
	}
	if err := s.outbox.EnqueueEmails(ctx, mails); err != nil {
		return nil, err
	}
	for j, d := range docs {
		if created[j] {
			s.audit(ctx, Event{Kind: EventInvitation, Actor: actor.UserID, Subject: d.ID, Detail: "sent"})
		}
	}
	return out, nil
}

// newInvitees checks the rows of InviteUsers: out has each refused row's error and each
// accepted row's account, docs the accepted accounts as stored, and rows the row of each doc.
func (s *Service) newInvitees(actor Principal, in []NewUser, now time.Time) (out []Created, docs []userDoc, rows []int) {
	out = make([]Created, len(in))
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
		d := newUserDoc(u, now)
		docs, rows = append(docs, d), append(rows, i)
		out[i].User = d.user()
	}
	return out, docs, rows
}

// AcceptInvitation sets the password of an invited account and signs it in. The token works
// once, for seven days.
//
// Returns validation errors and ErrInvalidToken.
func (s *Service) AcceptInvitation(ctx context.Context, token, password string, name *string) (Session, error) {
	d, err := s.acceptInvitation(ctx, token, password, name)
	if err != nil {
		return Session{}, err
	}
	return s.newSession(ctx, d, "")
}

// acceptInvitation is the work of AcceptInvitation and AcceptInvitationInBrowser: the account
// with its password set.
func (s *Service) acceptInvitation(ctx context.Context, token, password string, name *string) (userDoc, error) {
	var f apperr.Fields
	if fe := CheckPassword("password", password); fe != nil {
		f = append(f, *fe)
	}
	if name != nil {
		checkText(&f, "name", *name, true, maxNameLength)
	}
	if err := f.Err(); err != nil {
		return userDoc{}, err
	}
	h, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return userDoc{}, err
	}
	if len(token) > 128 {
		return userDoc{}, ErrInvalidToken
	}
	now := s.now().UTC()
	ot, ok, err := s.store.useOneTime(ctx, hashToken(token), oneTimeInvitation, now)
	if err != nil {
		return userDoc{}, err
	}
	if !ok {
		return userDoc{}, ErrInvalidToken
	}
	up := userUpdate{PasswordHash: &h, UpdatedAt: &now}
	if name != nil {
		up.Name = trimmed(*name)
	}
	d, err := s.store.updateUser(ctx, ot.UserID, up)
	if err != nil {
		return userDoc{}, err
	}
	if d.Disabled {
		return userDoc{}, ErrInvalidToken
	}
	s.audit(ctx, Event{Kind: EventInviteAccepted, Actor: d.ID, Subject: d.ID, Detail: "accepted"})
	return d, nil
}

// ErrAlreadyActive is a re-sent invitation to an account that is in use (or disabled): there is
// nothing to activate.
var ErrAlreadyActive = apperr.New(apperr.KindConflict, "the account is already active: there is no invitation to send")

// ResendInvitation sends a pending account a new invitation with a new link; the links sent
// before stop working. It checks nothing about the caller: the cohort capability decides who
// may (admins, and the trainers of the person's cohorts); actor is who asked, for the audit log.
//
// Returns ErrUserNotFound and ErrAlreadyActive.
func (s *Service) ResendInvitation(ctx context.Context, actor Principal, id string) (Invitation, error) {
	d, err := s.store.userByID(ctx, id)
	if err != nil {
		return Invitation{}, err
	}
	if d.PasswordHash != "" || d.Disabled {
		return Invitation{}, ErrAlreadyActive
	}
	now := s.now().UTC()
	if err := s.store.endOneTimes(ctx, d.ID, oneTimeInvitation, now); err != nil {
		return Invitation{}, err
	}
	inv, err := s.invite(ctx, d, now)
	if err == nil {
		s.audit(ctx, Event{Kind: EventInvitation, Actor: actor.UserID, Subject: d.ID, Detail: "resent"})
	}
	return inv, err
}

// InvitationLinks makes a fresh invitation link for each pending account of users, for a
// reminder to a person who has not activated her account yet: by user id, the link. Active and
// disabled accounts get none. The links sent before keep working until they expire.
func (s *Service) InvitationLinks(ctx context.Context, users []User) (map[string]string, error) {
	now := s.now().UTC()
	out := map[string]string{}
	var tokens []oneTimeDoc
	for _, u := range users {
		if !u.Pending || u.Disabled {
			continue
		}
		tok := randomToken()
		out[u.ID] = s.links.Invitation(tok)
		tokens = append(tokens, oneTimeDoc{ID: hashToken(tok), Kind: oneTimeInvitation, UserID: u.ID, ExpiresAt: now.Add(InvitationTTL), CreatedAt: now})
	}
	if err := s.store.insertOneTimes(ctx, tokens); err != nil {
		return nil, err
	}
	return out, nil
}
