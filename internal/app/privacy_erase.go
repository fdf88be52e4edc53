package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/outbox"
)

// Erasure states.
const (
	ErasureRunning = "running" // begun; its steps are done one by one and it resumes if stopped
	ErasureDone    = "done"    // every step done; the record keeps only the pseudonym and times
)

// Erasure is an erasure of a person (GDPR Article 17) as the record in "erasures" keeps it. Its id
// is the pseudonym that stands for her wherever her records stay for statistics.
type Erasure struct {
	ID        string // the pseudonym, erased-<random>
	Status    string // ErasureRunning or ErasureDone
	Steps     []string
	Total     int // steps in a whole erasure
	OrderedBy string
	Started   time.Time
	Finished  *time.Time
}

var (
	errEraseNotAdmin = apperr.New(apperr.KindForbidden, "only an admin can erase a person")
	// ErrEraseSelf is an admin who asks to erase herself: another admin must.
	ErrEraseSelf = apperr.New(apperr.KindInvalid, "an admin cannot erase herself; ask another admin")
	// ErrEraseConfirm is a confirmation that is not the person's e-mail address.
	ErrEraseConfirm   = apperr.New(apperr.KindInvalid, "the confirmation is not the e-mail address of the person to erase")
	errErasureUnknown = apperr.New(apperr.KindNotFound, "no such erasure")
	errEraseStorage   = apperr.New(apperr.KindUnavailable, "a person cannot be erased without the file storage")
	// ErrErasureUnderWay is an erasure of the person that another request is running.
	ErrErasureUnderWay = apperr.New(apperr.KindConflict, "this person's erasure is under way; try again in a few minutes")
)

// eraseBeforeLease names, for the tests' hook, the moment before an erasure takes its lease.
const eraseBeforeLease = "before the lease"

// eraseStep is one idempotent step of an erasure.
type eraseStep struct {
	name string
	run  func(ctx context.Context, a *App, j *erasureDoc) error
}

// eraseSteps are the steps of an erasure, in order. The account goes last: until then a stopped
// erasure finds the person again by her id and resumes under the same pseudonym.
var eraseSteps = []eraseStep{
	{"sessions", func(ctx context.Context, a *App, j *erasureDoc) error { return a.Auth.EndForErasure(ctx, j.User) }},
	{"learning", func(ctx context.Context, a *App, j *erasureDoc) error {
		return a.Learning.PseudonymiseLearner(ctx, j.User, j.ID)
	}},
	{"cohorts", func(ctx context.Context, a *App, j *erasureDoc) error {
		return a.Cohorts.PseudonymiseMember(ctx, j.User, j.ID)
	}},
	{"courses", func(ctx context.Context, a *App, j *erasureDoc) error {
		return a.Courses.PseudonymiseAuthor(ctx, j.User, j.ID)
	}},
	{"quizzes", func(ctx context.Context, a *App, j *erasureDoc) error {
		return a.Quizzes.PseudonymiseAttempts(ctx, j.User, j.ID)
	}},
	{"walls", func(ctx context.Context, a *App, j *erasureDoc) error { return a.Walls.ErasePosts(ctx, j.User, j.ID) }},
	{"mentions", func(ctx context.Context, a *App, j *erasureDoc) error {
		words := []string{mentionable(j.Name), j.Email}
		if err := a.Walls.ScrubMentions(ctx, words); err != nil {
			return err
		}
		return a.Learning.ScrubMentions(ctx, words)
	}},
	{"assessments", func(ctx context.Context, a *App, j *erasureDoc) error {
		return a.Assessments.EraseAssessments(ctx, j.User, j.ID)
	}},
	{"safaris", func(ctx context.Context, a *App, j *erasureDoc) error { return a.Safaris.EraseLogs(ctx, j.User) }},
	{"certificates", func(ctx context.Context, a *App, j *erasureDoc) error {
		return a.Certificates.EraseHolder(ctx, j.User, j.ID, j.OrderedBy)
	}},
	{"media", func(ctx context.Context, a *App, j *erasureDoc) error {
		if a.Media == nil {
			return nil
		}
		return a.Media.EraseUploads(ctx, j.User, j.ID)
	}},
	{"exports", func(ctx context.Context, a *App, j *erasureDoc) error { return a.DeleteExportsOf(ctx, j.User) }},
	{"feedback", func(ctx context.Context, a *App, j *erasureDoc) error {
		return a.Feedback.EraseSender(ctx, j.User, j.Email, j.ID)
	}},
	{"outbox", func(ctx context.Context, a *App, j *erasureDoc) error {
		_, _, err := a.Outbox.EraseMentions(ctx, outbox.Person{ID: j.User, Email: j.Email, Name: mentionable(j.Name)})
		return err
	}},
	{"audit", func(ctx context.Context, a *App, j *erasureDoc) error {
		if _, err := a.Audit.Pseudonymise(ctx, j.User, j.ID); err != nil {
			return err
		}
		return newErasureStore(a.db).pseudonymiseOrderer(ctx, j.User, j.ID) // erasures she ordered as an admin
	}},
	{"account", func(ctx context.Context, a *App, j *erasureDoc) error { return a.Auth.DeleteForErasure(ctx, j.User) }},
}

// EraseUser erases the person userID for an admin (GDPR Article 17), as an erasure job that
// resumes where it stopped when it is run again: see eraseSteps and the README's "Answering an
// erasure request". An erasure of her that was stopped part-way is resumed under the same
// pseudonym. When it is done the person is gone: erasing her again is not found.
//
// Returns a forbidden error (not an admin), an invalid-request error (herself), auth.ErrUserNotFound,
// an unavailable error without file storage, and the errors of the steps.
func (a *App) EraseUser(ctx context.Context, p auth.Principal, userID string) (Erasure, error) {
	if !p.IsAdmin() {
		return Erasure{}, errEraseNotAdmin
	}
	if userID == p.UserID {
		return Erasure{}, ErrEraseSelf
	}
	return a.erase(ctx, userID, p.UserID)
}

// EraseUserConfirmed is EraseUser for a front door that asked the admin to type the person's
// e-mail address: confirm must be it (in any case).
//
// Returns the errors of EraseUser and an invalid-request error (the confirmation).
func (a *App) EraseUserConfirmed(ctx context.Context, p auth.Principal, userID, confirm string) (Erasure, error) {
	if !p.IsAdmin() {
		return Erasure{}, errEraseNotAdmin
	}
	if userID == p.UserID {
		return Erasure{}, ErrEraseSelf
	}
	st := newErasureStore(a.db)
	if j, found, err := st.runningFor(ctx, userID); err != nil {
		return Erasure{}, err
	} else if found {
		if !sameEmail(j.Email, confirm) {
			return Erasure{}, ErrEraseConfirm
		}
		return a.erase(ctx, userID, p.UserID)
	}
	u, err := a.Auth.GetUser(ctx, p, userID)
	if err != nil {
		return Erasure{}, err
	}
	if !sameEmail(u.Email, confirm) {
		return Erasure{}, ErrEraseConfirm
	}
	return a.erase(ctx, userID, p.UserID)
}

// EraseByEmail erases the person with an e-mail address as the operator (the command line).
//
// Returns auth.ErrUserNotFound and the errors of the steps.
func (a *App) EraseByEmail(ctx context.Context, email string) (Erasure, error) {
	st := newErasureStore(a.db)
	if j, found, err := st.runningForEmail(ctx, strings.ToLower(strings.TrimSpace(email))); err != nil {
		return Erasure{}, err
	} else if found {
		return a.erase(ctx, j.User, operator().UserID)
	}
	u, err := a.Auth.UserByEmail(ctx, email)
	if err != nil {
		return Erasure{}, err
	}
	return a.erase(ctx, u.ID, operator().UserID)
}

// eraseForRetention erases an inactive account for the retention job; the erasure names no
// admin.
func (a *App) eraseForRetention(ctx context.Context, userID string) error {
	_, err := a.erase(ctx, userID, "")
	return err
}

// ErasureOf returns an erasure by its id (the pseudonym), for admins.
//
// Returns a forbidden error and a not-found error.
func (a *App) ErasureOf(ctx context.Context, p auth.Principal, id string) (Erasure, error) {
	if !p.IsAdmin() {
		return Erasure{}, errEraseNotAdmin
	}
	j, found, err := newErasureStore(a.db).get(ctx, id)
	if err != nil {
		return Erasure{}, err
	}
	if !found {
		return Erasure{}, errErasureUnknown
	}
	return j.erasure(), nil
}

// minMention is the shortest name looked for in other people's texts: a shorter one (an initial,
// a nickname) would match ordinary words.
const minMention = 4

// mentionable is a name to look for in other people's texts, or "" when it is too short to.
func mentionable(name string) string {
	name = strings.TrimSpace(name)
	if len([]rune(name)) < minMention {
		return ""
	}
	return name
}

func sameEmail(a, b string) bool {
	return strings.TrimSpace(a) != "" && strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// erase begins the erasure of userID, or resumes the one stopped part-way, and runs its steps.
func (a *App) erase(ctx context.Context, userID, by string) (Erasure, error) {
	if a.storage == nil {
		return Erasure{}, errEraseStorage
	}
	st := newErasureStore(a.db)
	j, found, err := st.runningFor(ctx, userID)
	if err != nil {
		return Erasure{}, err
	}
	if !found {
		users, err := a.Auth.UsersByIDs(ctx, []string{userID})
		if err != nil {
			return Erasure{}, fmt.Errorf("erase %s: %w", userID, err)
		}
		u, ok := users[userID]
		if !ok {
			return Erasure{}, auth.ErrUserNotFound
		}
		j = erasureDoc{ID: newPseudonym(), User: u.ID, Email: strings.ToLower(u.Email), Name: u.Name, Status: ErasureRunning,
			Steps: []string{}, OrderedBy: by, Started: a.now().UTC()}
	}
	// One erasure of a person at a time, under one pseudonym: the lease on her is held while the
	// steps run, renewed after each, and let go when they stop; a lease of a process that died
	// runs out (eraseLease) and the next request resumes.
	hook, _ := ctx.Value(eraseHookKey{}).(func(step string) error)
	if hook != nil {
		if err := hook(eraseBeforeLease); err != nil {
			return Erasure{}, err
		}
	}
	id, err := st.acquire(ctx, userID, j.ID, a.now())
	if err != nil {
		return Erasure{}, err
	}
	if !found {
		// Another request may have run her whole erasure between the look above and the lease,
		// or begun one and died: look again under the lease.
		if j, err = a.eraseAgain(ctx, st, j); err != nil {
			st.release(ctx, userID)
			return Erasure{}, err
		}
	}
	j.ID = id
	if j, err = st.begin(ctx, j); err != nil {
		st.release(ctx, userID)
		return Erasure{}, err
	}
	for _, s := range eraseSteps {
		if contains(j.Steps, s.name) {
			continue
		}
		if err := s.run(ctx, a, &j); err != nil {
			st.release(ctx, userID)
			return j.erasure(), fmt.Errorf("erasure %s, step %s: %w", j.ID, s.name, err)
		}
		if err := st.stepDone(ctx, j.ID, s.name, userID, a.now()); err != nil {
			st.release(ctx, userID)
			return j.erasure(), err
		}
		j.Steps = append(j.Steps, s.name)
		if hook != nil {
			if err := hook(s.name); err != nil {
				st.release(ctx, userID)
				return j.erasure(), err
			}
		}
	}
	finished := a.now().UTC()
	if err := st.finish(ctx, j.ID, userID, finished); err != nil {
		return j.erasure(), err
	}
	j.Status, j.Finished, j.User, j.Email, j.Name = ErasureDone, &finished, "", "", ""
	a.Audit.Record(ctx, audit.Entry{Actor: by, Act: audit.ActErasure, Subject: j.ID, Target: j.ID})
	a.log.Info("person erased", "erasure", j.ID, "by", by)
	return j.erasure(), nil
}

// eraseAgain looks, under the lease, for what another request did since erase first looked: an
// erasure of her it began (resumed instead of j), or one it finished (she is not found).
func (a *App) eraseAgain(ctx context.Context, st erasureStore, j erasureDoc) (erasureDoc, error) {
	running, found, err := st.runningFor(ctx, j.User)
	if err != nil || found {
		return running, err
	}
	users, err := a.Auth.UsersByIDs(ctx, []string{j.User})
	if err != nil {
		return j, fmt.Errorf("erase %s: %w", j.User, err)
	}
	if _, ok := users[j.User]; !ok {
		return j, auth.ErrUserNotFound
	}
	return j, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// newPseudonym returns a fresh random pseudonym, erased-<22 url-safe characters>.
func newPseudonym() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "erased-" + base64.RawURLEncoding.EncodeToString(b)
}

// eraseHookKey carries, in tests, a function called after each step of an erasure; an error
// from it stops the erasure there, as a crash would.
type eraseHookKey struct{}

// IsErasureNotFound reports whether err says that an erasure id is unknown.
func IsErasureNotFound(err error) bool { return errors.Is(err, errErasureUnknown) }
