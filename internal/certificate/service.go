// Package certificate issues, keeps, serves and revokes the certificates of course
// completions: one per learner and published course version, as a PDF in S3 and as a signed
// Open Badges 3.0 credential (VC-JWT), with a public verification and a Bitstring Status List
// for revocation.
//
// It works the certificate jobs that the learning record queues in the outbox when a learner
// completes a version, and queues the completion e-mail once the certificate is recorded. The
// credential formats, signing and the PDF are internal/credential's; this package stores and
// decides. It does not record completions (internal/learning) and reads courses and people
// only through the small interfaces it declares.
package certificate

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
	"github.com/taito-lms/taito/internal/credential"
	"github.com/taito-lms/taito/internal/links"
	"github.com/taito-lms/taito/internal/notify"
	"github.com/taito-lms/taito/internal/outbox"
)

// JobKind is the outbox kind of the jobs this package works.
const JobKind = "certificate"

// Errors.
var (
	// ErrNotFound: no such certificate, or not one the actor may see.
	ErrNotFound = apperr.New(apperr.KindNotFound, "certificate not found")
	// ErrNotAdmin: only admins revoke.
	ErrNotAdmin = apperr.New(apperr.KindForbidden, "only admins may revoke certificates")
	// ErrNoStatusList: no status list under that name.
	ErrNoStatusList = apperr.New(apperr.KindNotFound, "status list not found")
)

// Person is what a certificate needs to know of its learner.
type Person struct {
	Name, Email, Locale string
}

// People finds learners.
type People interface {
	// Person returns the learner with account id; an error when there is none.
	Person(ctx context.Context, id string) (Person, error)
}

// Courses gives published course versions.
type Courses interface {
	Version(ctx context.Context, slug string, version int) (course.Published, error)
	Published(ctx context.Context, slug string) (course.Published, error)
}

// Objects keeps files in S3.
type Objects interface {
	PutObject(ctx context.Context, key string, data []byte, contentType string) error
	GetObject(ctx context.Context, key string, max int64) ([]byte, error)
}

// Issuer is the organisation that issues certificates, and its signing keys.
type Issuer struct {
	Name string // TAITO_ORG_NAME; "Taito" when empty
	Logo []byte // PNG or JPEG, may be nil
	Keys *credential.KeySet
}

// Service is the certificates capability.
type Service struct {
	store   *store
	courses Courses
	people  People
	objects Objects
	outbox  *outbox.Outbox
	claimer *outbox.Claimer
	issuer  Issuer
	signer  *credential.Signer
	links   links.Links
	now     func() time.Time
	log     *slog.Logger

	keyMu sync.Mutex
	key   []byte
}

// NewService returns the certificates service over db.
func NewService(db *mongo.Database, courses Courses, people People, objects Objects, ob *outbox.Outbox, iss Issuer, l links.Links, now func() time.Time, log *slog.Logger) *Service {
	if iss.Name == "" {
		iss.Name = "Taito"
	}
	s := &Service{store: newStore(db), courses: courses, people: people, objects: objects, outbox: ob, claimer: ob.NewClaimer(JobKind),
		issuer: iss, links: l, now: now, log: log}
	s.signer = &credential.Signer{Keys: iss.Keys, JWKSURL: s.JWKSURL()}
	return s
}

// EnsureIndexes creates the indexes the certificates need.
func (s *Service) EnsureIndexes(ctx context.Context) error { return s.store.ensureIndexes(ctx) }

// Addresses, all under the public URL.

// IssuerURL is where the issuer's profile is published; it is the issuer's id.
func (s *Service) IssuerURL() string { return s.links.Base() + "/credentials/issuer" }

// JWKSURL is where the public keys are published.
func (s *Service) JWKSURL() string { return s.links.Base() + "/credentials/jwks.json" }

// StatusListURL is the address of status list n.
func (s *Service) StatusListURL(n int) string {
	return s.links.Base() + "/credentials/status/" + strconv.Itoa(n)
}

// VerifyURL is a certificate's public verification page; it is also its credential's id.
func (s *Service) VerifyURL(id string) string { return s.links.Base() + "/verify/" + id }

// MyCertificatesURL is the learner's page of certificates.
func (s *Service) MyCertificatesURL() string { return s.links.Base() + "/certificates" }

// Certificate is one issued certificate.
type Certificate struct {
	ID          string
	User        string
	Course      string
	Version     int
	Title       course.Text
	Locale      string // the language of its PDF and credential
	Name        string // the learner's name on it
	CompletedAt time.Time
	IssuedAt    time.Time
	ShowName    bool // she shows her name on the verification page
	RevokedAt   *time.Time
	JWT         string // the signed credential
}

// Payload returns the credential as it was signed: the JWT's payload, decoded.
func (c Certificate) Payload() (json.RawMessage, error) {
	parts := strings.Split(c.JWT, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("certificate %s: the stored credential is not a JWT", c.ID)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || !json.Valid(b) {
		return nil, fmt.Errorf("certificate %s: the stored credential does not decode", c.ID)
	}
	return b, nil
}

// Revoked reports whether the certificate was revoked.
func (c Certificate) Revoked() bool { return c.RevokedAt != nil }

func (d certDoc) certificate() Certificate {
	return Certificate{ID: d.ID, User: d.User, Course: d.Course, Version: d.Version, Title: course.Text(d.Title), Locale: d.Locale, Name: d.Name,
		CompletedAt: d.CompletedAt, IssuedAt: d.IssuedAt, ShowName: d.ShowName, RevokedAt: d.RevokedAt, JWT: d.JWT}
}

// counterID names the counter of status-list indexes.
const counterID = "certificate.status-index"

// secretID names the key public ids are derived with.
const secretID = "certificate.ids"

// maxMine bounds the list of one learner's certificates.
const maxMine = 500

// maxPDF bounds a stored PDF that is read back.
const maxPDF = 20 << 20

// listSize is the number of entries of one status list.
const listSize = credential.StatusListMinEntries

// idRE is the form of a public id: 22 base64url characters (128 bits).
var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

// idKey returns the key public ids are derived from: made once by whichever replica asks first
// and kept in the database, so that every replica derives the same id for the same completion
// and nobody without the database can compute one.
func (s *Service) idKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	v, err := s.store.secret(ctx, secretID, hex.EncodeToString(fresh))
	if err != nil {
		return nil, err
	}
	k, err := hex.DecodeString(v)
	if err != nil || len(k) < 16 {
		return nil, errors.New("the certificate-id key in the database is malformed")
	}
	s.key = k
	return k, nil
}

func (s *Service) mac(ctx context.Context, names ...string) ([]byte, error) {
	k, err := s.idKey(ctx)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, k)
	for _, n := range names {
		m.Write([]byte(n))
		m.Write([]byte{0})
	}
	return m.Sum(nil), nil
}

// ID returns the public id of the certificate of a learner's completion of a course version:
// the same every time, and unguessable.
func (s *Service) ID(ctx context.Context, user, slug string, version int) (string, error) {
	sum, err := s.mac(ctx, "certificate", user, slug, strconv.Itoa(version))
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sum[:16]), nil
}

// subject is the learner's id in her credentials: a URN that reveals nothing about her account.
func (s *Service) subject(ctx context.Context, user string) (string, error) {
	sum, err := s.mac(ctx, "subject", user)
	if err != nil {
		return "", err
	}
	var id uuid.UUID
	copy(id[:], sum)
	id[6] = id[6]&0x0f | 0x80
	id[8] = id[8]&0x3f | 0x80
	return "urn:uuid:" + id.String(), nil
}

// ProcessDue works the due certificate jobs this worker can claim, on any number of replicas
// at once, and returns how many it issued. A job that fails is retried with a back-off.
func (s *Service) ProcessDue(ctx context.Context) (int, error) {
	done := 0
	for {
		jobs, err := s.claimer.Claim(ctx, 20)
		if err != nil {
			return done, err
		}
		if len(jobs) == 0 {
			return done, nil
		}
		for _, j := range jobs {
			_, perr := s.process(ctx, j)
			if perr != nil {
				s.log.Warn("certificate not issued", "job", j.ID, "attempt", j.Attempts, "err", perr)
			} else {
				done++
			}
			if err := s.claimer.Finish(ctx, j, perr); err != nil {
				return done, err
			}
		}
	}
}

// process issues the certificate of one job and queues its e-mail.
func (s *Service) process(ctx context.Context, j outbox.Job) (Certificate, error) {
	user, slug := j.Payload["user"], j.Payload["course"]
	var version int
	if v := j.Payload["version"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return Certificate{}, fmt.Errorf("job %s: version %q", j.ID, v)
		}
		version = n
	} else {
		// Jobs queued before completions were keyed by version: the version current now.
		pub, err := s.courses.Published(ctx, slug)
		if err != nil {
			return Certificate{}, err
		}
		version = pub.Version
	}
	var completed time.Time
	if v := j.Payload["completed_at"]; v != "" {
		completed, _ = time.Parse(time.RFC3339Nano, v)
	}
	if completed.IsZero() {
		completed = j.CreatedAt
	}
	return s.Issue(ctx, user, slug, version, completed)
}

// Issue issues the certificate of a learner's completion of a course version and queues her
// e-mail about it. It is idempotent: run again, by a second worker at the same moment or
// after a crash at any point, it returns the certificate recorded first and never makes a
// second one (the id, and so the document and the PDF's key, follow from learner, course and
// version). A status-list index allocated by an attempt that did not record is left unused.
func (s *Service) Issue(ctx context.Context, user, slug string, version int, completedAt time.Time) (Certificate, error) {
	id, err := s.ID(ctx, user, slug, version)
	if err != nil {
		return Certificate{}, err
	}
	d, err := s.store.get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		var a attemptDoc
		a, err = s.store.begin(ctx, attemptDoc{ID: id, CompletedAt: completedAt.UTC(), IssuedAt: s.now().UTC()})
		if err != nil {
			return Certificate{}, err
		}
		d = certDoc{ID: id, User: user, Course: slug, Version: version, CompletedAt: a.CompletedAt, IssuedAt: a.IssuedAt}
		if d, err = s.issue(ctx, d); err != nil {
			return Certificate{}, fmt.Errorf("issue the certificate of %s in %s v%d: %w", user, slug, version, err)
		}
	} else if err != nil {
		return Certificate{}, err
	}
	c := d.certificate()
	if err := s.queueMail(ctx, c); err != nil {
		return c, err
	}
	return c, nil
}

// issue builds, signs, renders and stores the certificate begun as d, and records it.
func (s *Service) issue(ctx context.Context, d certDoc) (certDoc, error) {
	pub, err := s.courses.Version(ctx, d.Course, d.Version)
	if err != nil {
		return d, err
	}
	p, err := s.people.Person(ctx, d.User)
	if err != nil {
		return d, err
	}
	loc := p.Locale
	if !slices.Contains(course.Locales, loc) {
		loc = course.SourceLocale
	}
	subject, err := s.subject(ctx, d.User)
	if err != nil {
		return d, err
	}
	idx, err := s.store.allocateIndex(ctx, d.ID)
	if err != nil {
		return d, err
	}
	list := idx/listSize + 1
	is := credential.Issue{
		ID: d.ID, VerifyURL: s.VerifyURL(d.ID), Locale: loc,
		Learner:     credential.Learner{ID: subject, Name: p.Name, Email: p.Email},
		Course:      achievement(pub),
		CompletedAt: d.CompletedAt, IssuedAt: d.IssuedAt,
		Issuer: s.profile(),
		Status: &credential.StatusRef{ListURL: s.StatusListURL(list), Index: idx % listSize},
	}
	vc, err := credential.Build(is)
	if err != nil {
		return d, err
	}
	token, err := s.signer.Sign(vc)
	if err != nil {
		return d, err
	}
	pdf, err := credential.RenderPDF(is, s.issuer.Logo)
	if err != nil {
		return d, err
	}
	d.PDFKey = "certificates/" + d.ID + ".pdf"
	if err := s.objects.PutObject(ctx, d.PDFKey, pdf, "application/pdf"); err != nil {
		return d, err
	}
	d.Locale, d.Name, d.Title, d.JWT = loc, p.Name, pub.Course.Title, token
	d.StatusList, d.StatusIndex = list, idx%listSize
	return s.store.record(ctx, d)
}

// queueMail queues the completion e-mail of a certificate, once per certificate: its key gives
// it a stable Message-ID however often it is queued or sent.
func (s *Service) queueMail(ctx context.Context, c Certificate) error {
	p, err := s.people.Person(ctx, c.User)
	if err != nil {
		return err
	}
	if p.Email == "" {
		return nil
	}
	m := notify.Completion{Locale: p.Locale, Name: p.Name, CourseTitle: c.Title.Get(p.Locale), Link: s.MyCertificatesURL(), Verify: s.VerifyURL(c.ID)}.Email()
	m.To = p.Email
	return s.outbox.EnqueueEmail(ctx, "certificate-mail:"+c.ID, m)
}

// digcompURL is the page of the DigComp framework that alignments point to.
const digcompURL = "https://joint-research-centre.ec.europa.eu/scientific-activities-z/education-and-training/digital-transformation-education/digital-competence-framework-citizens-digcomp_en"

// defaultCriteria is said of a course that does not state its criteria.
var defaultCriteria = map[string]string{
	"fi": "Kaikki kurssin osiot suoritettu niiden suoritusehtojen mukaisesti.",
	"sv": "Alla kursens avsnitt avklarade enligt deras villkor.",
	"en": "Every module of the course completed according to its completion rules.",
}

// achievement is the credential's view of a published version.
func achievement(pub course.Published) credential.Course {
	co := pub.Course
	c := credential.Course{Slug: co.Slug, Version: pub.Version, Title: co.Title, Description: co.Summary, Criteria: defaultCriteria}
	if len(c.Description) == 0 {
		c.Description = co.Title
	}
	if a := co.Achievement; a != nil {
		if len(a.Description) > 0 {
			c.Description = a.Description
		}
		if len(a.Criteria) > 0 {
			c.Criteria = a.Criteria
		}
		c.WorkloadHours = a.WorkloadHours
		for _, code := range a.DigComp {
			comp, ok := course.CompetenceByID(code)
			if !ok {
				continue
			}
			c.Alignments = append(c.Alignments, credential.Alignment{Name: comp.Name.Get("en"), URL: digcompURL + "#" + code, Code: code, Framework: credential.FrameworkDigComp})
		}
	}
	for _, m := range co.Modules {
		cm := credential.Module{Title: m.Title}
		for _, o := range m.Outcomes {
			cm.Outcomes = append(cm.Outcomes, o)
		}
		c.Modules = append(c.Modules, cm)
	}
	return c
}

func (s *Service) profile() credential.Profile {
	return credential.Profile{ID: s.IssuerURL(), Name: s.issuer.Name, URL: s.links.Home()}
}

// IssuerProfile is the issuer's Open Badges Profile document.
func (s *Service) IssuerProfile() ([]byte, error) { return credential.IssuerProfile(s.profile()) }

// JWKS is every public key that has ever signed a credential.
func (s *Service) JWKS() []byte { return s.issuer.Keys.JWKS(s.JWKSURL()) }

// StatusList returns status list name ("1", "2", …) as a signed BitstringStatusListCredential
// (VC-JWT).
//
// Returns ErrNoStatusList.
func (s *Service) StatusList(ctx context.Context, name string) (string, error) {
	n, err := strconv.Atoi(name)
	if err != nil || n < 1 || n > 1<<20 || strconv.Itoa(n) != name {
		return "", ErrNoStatusList
	}
	l, err := s.list(ctx, n)
	if err != nil {
		return "", err
	}
	return s.signer.SignStatusList(credential.NewStatusListCredential(s.StatusListURL(n), s.IssuerURL(), s.now(), l))
}

func (s *Service) list(ctx context.Context, n int) (*credential.StatusList, error) {
	revoked, err := s.store.revokedIn(ctx, n)
	if err != nil {
		return nil, err
	}
	return credential.NewStatusList(listSize, revoked...)
}

// Mine lists the actor's certificates, newest first.
func (s *Service) Mine(ctx context.Context, actor auth.Principal) ([]Certificate, error) {
	docs, err := s.store.ofUser(ctx, actor.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]Certificate, len(docs))
	for i, d := range docs {
		out[i] = d.certificate()
	}
	return out, nil
}

// Get returns one of the actor's own certificates; anyone else's is not found.
//
// Returns ErrNotFound.
func (s *Service) Get(ctx context.Context, actor auth.Principal, id string) (Certificate, error) {
	d, err := s.issued(ctx, id)
	if err != nil {
		return Certificate{}, err
	}
	if d.User != actor.UserID || actor.UserID == "" {
		return Certificate{}, ErrNotFound
	}
	return d.certificate(), nil
}

// issued returns an issued certificate by id; a malformed id is not found.
func (s *Service) issued(ctx context.Context, id string) (certDoc, error) {
	if !idRE.MatchString(id) {
		return certDoc{}, ErrNotFound
	}
	return s.store.get(ctx, id)
}

// PDF returns the PDF of one of the actor's own certificates.
//
// Returns ErrNotFound.
func (s *Service) PDF(ctx context.Context, actor auth.Principal, id string) ([]byte, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	return s.objects.GetObject(ctx, "certificates/"+c.ID+".pdf", maxPDF)
}

// SetShowName records whether the actor shows her name on her certificate's verification page.
//
// Returns ErrNotFound.
func (s *Service) SetShowName(ctx context.Context, actor auth.Principal, id string, show bool) (Certificate, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return Certificate{}, err
	}
	if err := s.store.setShowName(ctx, id, show); err != nil {
		return Certificate{}, err
	}
	c.ShowName = show
	return c, nil
}

// Verification states.
const (
	StatusValid   = "valid"
	StatusRevoked = "revoked"
	StatusInvalid = "invalid" // the stored credential no longer verifies (its key was lost)
)

// Verification is what anyone may learn of a certificate by its id.
type Verification struct {
	ID          string
	Status      string
	RevokedAt   *time.Time
	Issuer      credential.Profile
	Course      string
	Version     int
	Title       course.Text
	CompletedAt time.Time
	IssuedAt    time.Time
	// LearnerName is her name when she chose to show it, else "".
	LearnerName string
}

// unknownID stands in for a malformed id, so that it is looked up like any unknown one.
const unknownID = "AAAAAAAAAAAAAAAAAAAAAA"

// Verify tells anyone whether a certificate id is a valid certificate: its credential is
// checked against the published keys and its status list. An unknown id and a malformed one
// take the same path (one lookup by id) and give the same answer.
//
// Returns ErrNotFound.
func (s *Service) Verify(ctx context.Context, id string) (Verification, error) {
	lookup := id
	if !idRE.MatchString(id) {
		lookup = unknownID
	}
	d, err := s.store.get(ctx, lookup)
	if err != nil || lookup != id {
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Verification{}, err
		}
		return Verification{}, ErrNotFound
	}
	v := Verification{ID: d.ID, Status: StatusValid, Issuer: s.profile(), Course: d.Course, Version: d.Version, Title: course.Text(d.Title),
		CompletedAt: d.CompletedAt, IssuedAt: d.IssuedAt}
	if d.ShowName {
		v.LearnerName = d.Name
	}
	_, verr := credential.Verify(d.JWT, s.JWKS(), func(url string) (*credential.StatusList, error) {
		n, ok := strings.CutPrefix(url, s.links.Base()+"/credentials/status/")
		list, err := strconv.Atoi(n)
		if !ok || err != nil {
			return nil, errors.New("not a status list of this issuer")
		}
		return s.list(ctx, list)
	})
	switch {
	case errors.Is(verr, credential.ErrRevoked) || d.RevokedAt != nil:
		v.Status, v.RevokedAt = StatusRevoked, d.RevokedAt
	case errors.Is(verr, credential.ErrStatusUnavailable):
		return Verification{}, fmt.Errorf("verify certificate %s: %w", d.ID, verr)
	case verr != nil:
		s.log.Error("a stored credential does not verify", "certificate", d.ID, "err", verr)
		v.Status = StatusInvalid
	}
	return v, nil
}

// maxReason bounds the reason of a revocation, in characters.
const maxReason = 500

// Revoke revokes a certificate, for admins, with a reason: its status list marks it from now on,
// and Verify says revoked. Revoking it again changes nothing.
//
// Returns ErrNotAdmin, ErrNotFound and validation errors (reason).
func (s *Service) Revoke(ctx context.Context, actor auth.Principal, id, reason string) (Certificate, error) {
	if !actor.IsAdmin() {
		return Certificate{}, ErrNotAdmin
	}
	reason = strings.TrimSpace(reason)
	var f apperr.Fields
	switch {
	case reason == "":
		f.Add("reason", "is required")
	case !utf8.ValidString(reason):
		f.Add("reason", "must be valid UTF-8 text")
	case utf8.RuneCountInString(reason) > maxReason:
		f.Add("reason", "must be at most {max} characters", apperr.Params{"max": strconv.Itoa(maxReason)})
	}
	if err := f.Err(); err != nil {
		return Certificate{}, err
	}
	d, err := s.issued(ctx, id)
	if err != nil {
		return Certificate{}, err
	}
	if err := s.store.revoke(ctx, d, s.now().UTC(), actor.UserID, reason); err != nil {
		return Certificate{}, err
	}
	d, err = s.store.get(ctx, id)
	return d.certificate(), err
}
