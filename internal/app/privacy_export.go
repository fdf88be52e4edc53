package app

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/audit"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/notify"
)

// A person's data export (GDPR Articles 15 and 20): every capability gives what it holds about
// her (their ExportOf methods), and this file puts it in one ZIP of JSON files, with CSV tables
// where a table reads better and a README.txt in Finnish, Swedish and English. A person asks for
// her own, an admin for anyone's (to answer a request); the archive is prepared in the
// background (PrepareExports), kept in S3 for ExportValidity and announced by e-mail to whoever
// asked. Only the one who asked can download it.

// Export statuses.
const (
	ExportPending = "pending" // waiting to be prepared
	ExportReady   = "ready"   // downloadable until Expires
	ExportFailed  = "failed"  // could not be prepared; ask again
)

// ExportValidity is how long a prepared export can be downloaded.
const ExportValidity = 24 * time.Hour

// exportsAbandoned is how long an export that never became ready is kept.
const exportsAbandoned = 7 * 24 * time.Hour

// exportClaim is how long one replica may take to prepare an export before another may try.
const exportClaim = 5 * time.Minute

// exportAttempts is how many times preparing an export is tried before it is marked failed.
const exportAttempts = 3

// maxExportSize bounds an archive read back from S3 for a download.
const maxExportSize = 1 << 30

// Export is a request for a person's data export and where it stands.
type Export struct {
	ID          string
	User        string // whose data
	RequestedBy string // who may download it
	Status      string // ExportPending, ExportReady or ExportFailed
	Created     time.Time
	ReadyAt     *time.Time
	Expires     *time.Time // ReadyAt + ExportValidity
	Size        int64      // bytes of the archive
	Gone        bool       // expired when it was read (MyExports, MyExport)
}

// Expired reports whether a ready export can no longer be downloaded at now.
func (e Export) Expired(now time.Time) bool { return e.Expires != nil && !now.Before(*e.Expires) }

var (
	errExportNotFound = apperr.New(apperr.KindNotFound, "no such export")
	errExportNotReady = apperr.New(apperr.KindConflict, "the export is not ready yet")
	errExportsNeedS3  = apperr.New(apperr.KindUnavailable, "exports cannot be prepared without the file storage")
	errExportOthers   = apperr.New(apperr.KindForbidden, "only an admin can export another person's data")
)

// exportKey is where an export's archive is kept in S3.
func exportKey(id string) string { return "privacy-exports/" + id + ".zip" }

// newExportID is a random, URL-safe id of 32 characters.
func newExportID() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// RequestExport asks for the data of the person userID to be exported for actor: a person may ask
// for her own, an admin for anyone's. A request of hers still waiting is answered with that one.
// The archive is prepared by PrepareExports, and actor is e-mailed when it is ready.
//
// Returns auth.ErrUserNotFound, a forbidden error (someone else's data, not an admin) and an
// unavailable error when there is no file storage.
func (a *App) RequestExport(ctx context.Context, actor auth.Principal, userID string) (Export, error) {
	if userID != actor.UserID && !actor.IsAdmin() {
		return Export{}, errExportOthers
	}
	if a.storage == nil {
		return Export{}, errExportsNeedS3
	}
	if _, err := a.person(ctx, userID); err != nil {
		return Export{}, err
	}
	st := newExportStore(a.db)
	mine, err := st.where(ctx, "requested_by", actor.UserID)
	if err != nil {
		return Export{}, fmt.Errorf("request export: %w", err)
	}
	for _, d := range mine {
		if d.User == userID && d.Status == ExportPending {
			return d.export(), nil
		}
	}
	d := exportDoc{ID: newExportID(), User: userID, RequestedBy: actor.UserID, Status: ExportPending, Created: a.now().UTC()}
	if err := st.insert(ctx, d); err != nil {
		return Export{}, fmt.Errorf("request export: %w", err)
	}
	a.Audit.Record(ctx, audit.Entry{Actor: actor.UserID, Act: audit.ActExport, Subject: userID, Target: d.ID})
	return d.export(), nil
}

// person returns the account userID; auth.ErrUserNotFound when there is none.
func (a *App) person(ctx context.Context, userID string) (auth.User, error) {
	users, err := a.Auth.UsersByIDs(ctx, []string{userID})
	if err != nil {
		return auth.User{}, fmt.Errorf("load %s: %w", userID, err)
	}
	u, ok := users[userID]
	if !ok {
		return auth.User{}, auth.ErrUserNotFound
	}
	return u, nil
}

// MyExports lists the exports actor asked for, newest first.
func (a *App) MyExports(ctx context.Context, actor auth.Principal) ([]Export, error) {
	docs, err := newExportStore(a.db).where(ctx, "requested_by", actor.UserID)
	if err != nil {
		return nil, fmt.Errorf("list exports: %w", err)
	}
	out := make([]Export, len(docs))
	for i, d := range docs {
		out[i] = d.export()
		out[i].Gone = out[i].Expired(a.now())
	}
	return out, nil
}

// MyExport returns one export actor asked for.
//
// Returns a not-found error, also for someone else's export.
func (a *App) MyExport(ctx context.Context, actor auth.Principal, id string) (Export, error) {
	d, err := newExportStore(a.db).get(ctx, id)
	if err != nil {
		return Export{}, err
	}
	if d.RequestedBy != actor.UserID {
		return Export{}, errExportNotFound
	}
	e := d.export()
	e.Gone = e.Expired(a.now())
	return e, nil
}

// FileName is the name an export's archive is downloaded under.
func (e Export) FileName() string {
	return "taito-data-" + e.Created.UTC().Format("2006-01-02") + ".zip"
}

// DownloadExport returns the archive of an export actor asked for and records the download.
//
// Returns a not-found error for an unknown id, someone else's export and an expired one alike,
// and a conflict while it is not ready.
func (a *App) DownloadExport(ctx context.Context, actor auth.Principal, id string) (Export, []byte, error) {
	e, err := a.MyExport(ctx, actor, id)
	if err != nil {
		return Export{}, nil, err
	}
	switch {
	case e.Expired(a.now()):
		return Export{}, nil, errExportNotFound
	case e.Status != ExportReady:
		return Export{}, nil, errExportNotReady
	case a.storage == nil:
		return Export{}, nil, errExportsNeedS3
	}
	data, err := a.storage.GetObject(ctx, exportKey(id), maxExportSize)
	if err != nil {
		return Export{}, nil, fmt.Errorf("read export %s: %w", id, err)
	}
	a.Audit.Record(ctx, audit.Entry{Actor: actor.UserID, Act: audit.ActExportDownload, Subject: e.User, Target: id})
	return e, data, nil
}

// PrepareExports prepares every pending export: it claims one at a time (a conditional update,
// so that replicas running it at once share the work), writes the archive to S3, marks it ready
// and e-mails whoever asked. An export that fails exportAttempts times is marked failed. It
// returns how many it made ready.
func (a *App) PrepareExports(ctx context.Context) (int, error) {
	if a.storage == nil {
		return 0, nil
	}
	st := newExportStore(a.db)
	n := 0
	for {
		now := a.now().UTC()
		until := now.Add(exportClaim)
		d, ok, err := st.claim(ctx, now, until)
		if err != nil || !ok {
			return n, err
		}
		if err := a.prepareExport(ctx, st, d, until); err != nil {
			a.log.ErrorContext(ctx, "export not prepared", "export", d.ID, "attempt", d.Attempts, "err", err)
			if d.Attempts < exportAttempts {
				if err := st.release(ctx, d.ID); err != nil {
					return n, err
				}
				continue
			}
			d.Status = ExportFailed
			if err := st.finish(ctx, d, until); err != nil {
				return n, err
			}
			continue
		}
		n++
	}
}

// prepareExport writes one claimed export's archive, records it ready and queues the e-mail.
func (a *App) prepareExport(ctx context.Context, st exportStore, d exportDoc, claimed time.Time) error {
	var buf bytes.Buffer
	if err := a.ExportData(ctx, d.User, &buf); err != nil {
		return err
	}
	if err := a.storage.PutObject(ctx, exportKey(d.ID), buf.Bytes(), "application/zip"); err != nil {
		return fmt.Errorf("store export %s: %w", d.ID, err)
	}
	ready := a.now().UTC()
	expires := ready.Add(ExportValidity)
	d.Status, d.ReadyAt, d.Expires, d.Size = ExportReady, &ready, &expires, int64(buf.Len())
	if err := st.finish(ctx, d, claimed); err != nil {
		return err
	}
	return a.mailExportReady(ctx, d, expires)
}

// mailExportReady tells whoever asked for an export that it can be downloaded, with a link to
// her profile page, where the download is.
func (a *App) mailExportReady(ctx context.Context, d exportDoc, expires time.Time) error {
	to, err := a.person(ctx, d.RequestedBy)
	if errors.Is(err, auth.ErrUserNotFound) {
		return nil // she is gone; the export expires unseen
	}
	if err != nil {
		return err
	}
	m := notify.ExportReady{Locale: to.Locale, Name: to.Name, Link: a.links.Base() + "/profile#omat-tiedot", Expires: expires, Other: d.User != d.RequestedBy}.Email()
	m.To = to.Email
	if err := a.Outbox.EnqueueEmail(ctx, "export-ready:"+d.ID, m); err != nil {
		return fmt.Errorf("queue the e-mail of export %s: %w", d.ID, err)
	}
	return nil
}

// ExpireExports deletes, at now, the exports past their expiry and those that never became
// ready within a week: the archive in S3 first, then the record. It returns how many went.
func (a *App) ExpireExports(ctx context.Context, now time.Time) (int, error) {
	st := newExportStore(a.db)
	docs, err := st.stale(ctx, now, now.Add(-exportsAbandoned))
	if err != nil {
		return 0, fmt.Errorf("expire exports: %w", err)
	}
	for i, d := range docs {
		if err := a.deleteExport(ctx, st, d.ID); err != nil {
			return i, err
		}
	}
	return len(docs), nil
}

// DeleteExportsOf deletes every export of userID's data and every export she asked for, archives
// and records (for her erasure).
func (a *App) DeleteExportsOf(ctx context.Context, userID string) error {
	st := newExportStore(a.db)
	docs, err := st.involving(ctx, userID)
	if err != nil {
		return fmt.Errorf("delete the exports of %s: %w", userID, err)
	}
	for _, d := range docs {
		if err := a.deleteExport(ctx, st, d.ID); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) deleteExport(ctx context.Context, st exportStore, id string) error {
	if a.storage != nil {
		if err := a.storage.RemoveObject(ctx, exportKey(id)); err != nil {
			return fmt.Errorf("delete export %s: %w", id, err)
		}
	}
	return st.remove(ctx, id)
}

// ExportData writes the data of the person userID as a ZIP archive to w: one JSON file per kind
// of record (an array of records, as stored, less secrets and other people's identities),
// progress.csv and statements.csv, and README.txt saying what each file is. It decides nothing
// about who may ask: RequestExport does, and the command line is run by the operator.
//
// Returns auth.ErrUserNotFound.
func (a *App) ExportData(ctx context.Context, userID string, w io.Writer) error {
	u, err := a.person(ctx, userID)
	if err != nil {
		return err
	}
	files, err := a.gatherExport(ctx, u)
	if err != nil {
		return err
	}
	return writeExportZip(w, files, a.now())
}

// gatherExport asks every capability for what it holds about u, by file name.
func (a *App) gatherExport(ctx context.Context, u auth.User) (map[string][]json.RawMessage, error) {
	files := map[string][]json.RawMessage{}
	add := func(part map[string][]json.RawMessage, err error) error {
		if err != nil {
			return err
		}
		for name, docs := range part {
			files[name] = append(files[name], docs...)
			if files[name] == nil {
				files[name] = []json.RawMessage{} // there, and empty
			}
		}
		return nil
	}
	parts := []func() (map[string][]json.RawMessage, error){
		func() (map[string][]json.RawMessage, error) { return a.Auth.ExportOf(ctx, u.ID) },
		func() (map[string][]json.RawMessage, error) { return a.Learning.ExportOf(ctx, u.ID) },
		func() (map[string][]json.RawMessage, error) { return a.Quizzes.ExportOf(ctx, u.ID) },
		func() (map[string][]json.RawMessage, error) { return a.Walls.ExportOf(ctx, u.ID) },
		func() (map[string][]json.RawMessage, error) { return a.Assessments.ExportOf(ctx, u.ID) },
		func() (map[string][]json.RawMessage, error) { return a.Safaris.ExportOf(ctx, u.ID) },
		func() (map[string][]json.RawMessage, error) { return a.Cohorts.ExportOf(ctx, u.ID) },
		func() (map[string][]json.RawMessage, error) { return a.Certificates.ExportOf(ctx, u.ID) },
		func() (map[string][]json.RawMessage, error) { return a.Feedback.ExportFrom(ctx, u.Email) },
		func() (map[string][]json.RawMessage, error) {
			mails, err := a.Outbox.ExportTo(ctx, u.Email)
			return map[string][]json.RawMessage{"emails": mails}, err
		},
		func() (map[string][]json.RawMessage, error) {
			docs, err := newExportStore(a.db).about(ctx, u.ID)
			return map[string][]json.RawMessage{"data_exports": docs}, err
		},
		func() (map[string][]json.RawMessage, error) { return a.auditAbout(ctx, u.ID) },
	}
	if a.Media != nil {
		parts = append(parts, func() (map[string][]json.RawMessage, error) { return a.Media.ExportOf(ctx, u.ID) })
	}
	for _, part := range parts {
		if err := add(part()); err != nil {
			return nil, fmt.Errorf("export the data of %s: %w", u.ID, err)
		}
	}
	return files, nil
}

// exportedAudit is an audit-log entry in a person's export: who acted is she herself or "another
// person", and another person's address is left out.
type exportedAudit struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Act     string    `json:"act"`
	Subject string    `json:"subject,omitempty"`
	Target  string    `json:"target,omitempty"`
	Detail  string    `json:"detail,omitempty"`
	IP      string    `json:"ip,omitempty"`
}

// auditAbout is the audit log's entries by or about userID ("audit_log").
func (a *App) auditAbout(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	entries, err := a.Audit.About(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("export the audit entries of %s: %w", userID, err)
	}
	out := make([]json.RawMessage, 0, len(entries))
	for _, e := range entries {
		x := exportedAudit{ID: e.ID, At: e.At.UTC(), Actor: e.Actor, Act: e.Act, Subject: e.Subject, Target: e.Target, Detail: e.Detail, IP: e.IP}
		switch {
		case e.Actor == "":
			x.Actor = "Taito"
		case e.Actor != userID:
			x.Actor, x.IP, x.Detail = anotherPerson, "", ""
		}
		if x.Subject != "" && x.Subject != userID {
			x.Subject = anotherPerson
		}
		j, err := json.Marshal(x)
		if err != nil {
			return nil, fmt.Errorf("export audit entry %s: %w", e.ID, err)
		}
		out = append(out, j)
	}
	return map[string][]json.RawMessage{"audit_log": out}, nil
}

// anotherPerson stands for someone else in a person's export.
const anotherPerson = "another person"

// exportFiles is the order of the JSON files in an export, each with whether it is one record
// (an object) rather than a list.
var exportFiles = []struct {
	name   string
	single bool
}{
	{"account", true}, {"sessions_api", false}, {"sessions_browser", false}, {"sessions_ended", false}, {"links_sent", false},
	{"statements", false}, {"progress", false}, {"quiz_attempts", false},
	{"wall_posts", false}, {"wall_comments_on_my_posts", false}, {"wall_reactions_given", false},
	{"assessments", false}, {"assessment_drafts", false}, {"safari_logs", false},
	{"enrolments", false}, {"cohort_memberships", false}, {"cohorts", false}, {"reminders_sent", false},
	{"certificates", false}, {"emails", false}, {"accessibility_feedback", false}, {"media_uploads", false},
	{"data_exports", false}, {"audit_log", false},
}

// writeExportZip writes the archive: README.txt, the JSON files, the CSV tables.
func writeExportZip(w io.Writer, files map[string][]json.RawMessage, now time.Time) error {
	zw := zip.NewWriter(w)
	put := func(name string, data []byte) error {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		if _, err := f.Write(data); err != nil {
			return fmt.Errorf("export %s: %w", name, err)
		}
		return nil
	}
	if err := put("README.txt", []byte(exportReadme)); err != nil {
		return err
	}
	known := map[string]bool{}
	for _, f := range exportFiles {
		known[f.name] = true
		docs, ok := files[f.name]
		if f.name == "media_uploads" && !ok {
			continue // without S3 there is no media library to ask
		}
		data, err := jsonFile(docs, f.single)
		if err != nil {
			return fmt.Errorf("export %s: %w", f.name, err)
		}
		if err := put(f.name+".json", data); err != nil {
			return err
		}
	}
	for name := range files {
		if !known[name] {
			return fmt.Errorf("export: no place for %q in the archive", name)
		}
	}
	progress, err := progressCSV(files["progress"])
	if err != nil {
		return err
	}
	statements, err := statementsCSV(files["statements"])
	if err != nil {
		return err
	}
	if err := put("progress.csv", progress); err != nil {
		return err
	}
	if err := put("statements.csv", statements); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// jsonFile writes docs as an indented JSON array, or the one document as an object.
func jsonFile(docs []json.RawMessage, single bool) ([]byte, error) {
	var raw []byte
	var err error
	switch {
	case single && len(docs) == 1:
		raw = docs[0]
	case single && len(docs) == 0:
		raw = []byte("null")
	default:
		if docs == nil {
			docs = []json.RawMessage{}
		}
		if raw, err = json.Marshal(docs); err != nil {
			return nil, err
		}
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}
