// Package audit keeps the audit log: who signed in, changed whose role or status, opened whose
// assessment, downloaded which report, published which course, exported or erased whose data.
//
// The log is append-only: entries are recorded and read, never changed, except that erasure
// replaces the erased person's id by a pseudonym (Pseudonymise) and retention removes entries
// older than the configured time (DeleteBefore). Entry ids begin with the entry's time, so that
// the newest-first order, paging and the time ranges all ride on _id.
//
// Recording never fails the act it records: a failure is logged and counted. Only admins read
// the log (List); a person's own entries go to her data export (About).
package audit

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/metrics"
)

// Acts: what an entry records.
const (
	ActSignIn          = "signin"
	ActSignInFailed    = "signin.failed"
	ActSignOut         = "signout"
	ActRoleChange      = "account.role"
	ActStatusChange    = "account.status"
	ActInvitation      = "invitation"
	ActExport          = "privacy.export"
	ActExportDownload  = "privacy.export.download"
	ActErasure         = "privacy.erasure"
	ActViewAssessment  = "view.assessment"
	ActViewReflections = "view.reflections"
	ActViewSafari      = "view.safari"
	ActReportDownload  = "report.download"
	ActCoursePublish   = "course.publish"
	ActRetention       = "retention"
)

// Acts lists every act, in the order the admin's filter offers them.
var Acts = []string{
	ActSignIn, ActSignInFailed, ActSignOut, ActRoleChange, ActStatusChange, ActInvitation,
	ActViewAssessment, ActViewReflections, ActViewSafari, ActReportDownload, ActCoursePublish,
	ActExport, ActExportDownload, ActErasure, ActRetention,
}

// Entry is one recorded act.
type Entry struct {
	ID      string    `bson:"_id" json:"id"`
	At      time.Time `bson:"at" json:"at"`
	Actor   string    `bson:"actor,omitempty" json:"actor,omitempty"` // user id who acted; "" = system/anonymous
	Act     string    `bson:"act" json:"act"`
	Subject string    `bson:"subject,omitempty" json:"subject,omitempty"` // user id the act concerns
	Target  string    `bson:"target,omitempty" json:"target,omitempty"`   // course slug, cohort id, export id...
	Detail  string    `bson:"detail,omitempty" json:"detail,omitempty"`   // short, never an e-mail address or free text by a learner
	IP      string    `bson:"ip,omitempty" json:"ip,omitempty"`
}

// Filter narrows List. Empty fields match everything; From is inclusive and To exclusive;
// Before is the id of the last entry of the previous page ("": from the newest).
type Filter struct {
	Actor, Subject, Act string
	From, To            time.Time
	Limit               int
	Before              string // page cursor: entry id
}

// DefaultLimit and MaxLimit bound a page of List.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Log is the audit log.
type Log struct {
	store *store
	now   func() time.Time
	log   *slog.Logger
}

// New returns the audit log kept in db; now stamps the entries, log tells of entries that could
// not be recorded.
func New(db *mongo.Database, now func() time.Time, log *slog.Logger) *Log {
	if log == nil {
		log = slog.Default()
	}
	return &Log{store: newStore(db), now: now, log: log}
}

// EnsureIndexes creates the indexes the audit log needs.
func (l *Log) EnsureIndexes(ctx context.Context) error { return l.store.ensureIndexes(ctx) }

// Record stores e, stamped now with a new id. A failure is logged and counted but never
// returned: the act it records has happened, or is about to, whatever the log says.
func (l *Log) Record(ctx context.Context, e Entry) {
	l.RecordAll(ctx, []Entry{e})
}

// RecordAll stores entries as Record does, in one write: one act that concerned many people
// (a trainer reading her whole group's assessments).
func (l *Log) RecordAll(ctx context.Context, entries []Entry) {
	if l == nil || len(entries) == 0 {
		return
	}
	at := l.now().UTC()
	docs := make([]any, len(entries))
	for i, e := range entries {
		e.At, e.ID, e.Detail = at, newID(at), shortDetail(e.Detail)
		if e.IP == "" {
			e.IP = ClientIP(ctx)
		}
		docs[i] = e
	}
	rctx, cancel := recordContext(ctx)
	defer cancel()
	if err := l.store.insert(rctx, docs); err != nil {
		metrics.AuditFailure()
		e := entries[0]
		l.log.ErrorContext(ctx, "audit entry not recorded", "act", e.Act, "actor", e.Actor, "subject", e.Subject, "target", e.Target, "entries", len(entries), "err", err)
	}
}

// recordTimeout bounds the writing of one entry: a database that does not answer delays the
// act it records by no more than this.
const recordTimeout = 5 * time.Second

// recordContext is ctx without its cancellation, so that an act whose client has gone away is
// still recorded, but with a deadline: the request's own if sooner than recordTimeout.
func recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	timeout := recordTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = min(timeout, max(time.Until(d), 100*time.Millisecond))
	}
	return context.WithTimeout(context.WithoutCancel(ctx), timeout)
}

// List returns the entries matching f, newest first, for admins. When the page is full, the
// last entry's id is the cursor (Filter.Before) of the next page.
//
// Returns auth.ErrForbidden and validation errors (a limit out of range, To before From).
func (l *Log) List(ctx context.Context, p auth.Principal, f Filter) ([]Entry, error) {
	if err := auth.RequireAdmin(p); err != nil {
		return nil, err
	}
	switch {
	case f.Limit < 0 || f.Limit > MaxLimit:
		return nil, apperr.Validation(apperr.NewField("limit", "must be a whole number from 1 to {max}", apperr.Params{"max": strconv.Itoa(MaxLimit)}))
	case !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From):
		return nil, apperr.Validation(apperr.NewField("to", "must not be before from"))
	}
	if f.Limit == 0 {
		f.Limit = DefaultLimit
	}
	return l.store.find(ctx, f)
}

// About returns every entry by or about userID, oldest first, for her data export. The IP
// address is hers only in the entries of her own acts: it is left out of the others'.
func (l *Log) About(ctx context.Context, userID string) ([]Entry, error) {
	if userID == "" {
		return nil, nil
	}
	entries, err := l.store.about(ctx, userID)
	for i := range entries {
		if entries[i].Actor != userID {
			entries[i].IP = ""
		}
	}
	return entries, err
}

// Pseudonymise replaces userID by pseudonym as actor and subject, and clears the IP address
// and detail of those entries, for erasure. It returns how many entries it changed.
func (l *Log) Pseudonymise(ctx context.Context, userID, pseudonym string) (int, error) {
	if userID == "" || pseudonym == "" {
		return 0, errors.New("pseudonymise audit entries: a user id and a pseudonym are needed")
	}
	return l.store.pseudonymise(ctx, userID, pseudonym)
}

// DeleteBefore removes the entries recorded before t, for retention, and returns how many.
func (l *Log) DeleteBefore(ctx context.Context, t time.Time) (int, error) {
	return l.store.deleteBefore(ctx, t)
}

type ipKey struct{}

// WithClientIP returns ctx carrying the address of the client whose request it serves: the
// front doors set it, and Record takes an entry's IP from it when the entry has none.
func WithClientIP(ctx context.Context, ip string) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

// ClientIP is the client address ctx carries ("" when none).
func ClientIP(ctx context.Context) string {
	ip, _ := ctx.Value(ipKey{}).(string)
	return ip
}

// IsPseudonym tells whether id is an erased person's pseudonym rather than a user id.
func IsPseudonym(id string) bool { return strings.HasPrefix(id, "erased-") }

// idTimeLen is the width of an id's time prefix: milliseconds since 1970 in hexadecimal.
const idTimeLen = 12

// newID returns an id that sorts by at, then by the order of recording.
func newID(at time.Time) string {
	return timePrefix(at) + "-" + uuid.Must(uuid.NewV7()).String()
}

// timePrefix is the id prefix of the entries recorded at t; every entry recorded at or after
// t sorts at or after it.
func timePrefix(t time.Time) string {
	ms := max(t.UnixMilli(), 0)
	const digits = "0123456789abcdef"
	var b [idTimeLen]byte
	for i := idTimeLen - 1; i >= 0; i-- {
		b[i] = digits[ms&0xf]
		ms >>= 4
	}
	return string(b[:])
}

// maxDetail bounds an entry's detail: it names a change ("learner → trainer"), never holds text.
const maxDetail = 200

func shortDetail(s string) string {
	if len(s) <= maxDetail {
		return s
	}
	cut := maxDetail
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
