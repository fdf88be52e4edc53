package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // DecodeConfig for GIF dimensions
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/links"
)

// Limits is what uploads may be.
type Limits struct {
	MaxVideo  int64 // bytes, for video/*
	MaxOther  int64 // bytes, for everything else
	Multipart int64 // uploads larger than this use S3 multipart
	PartSize  int64 // size of each multipart part (S3's minimum is 5 MiB)
	// Proxy: media are delivered and uploaded through Taito (TAITO_MEDIA_DELIVERY=proxy)
	// instead of on presigned S3 URLs, for an S3 that browsers cannot reach.
	Proxy bool
	// Idle is how long a media stream, or the check of a completed upload, may move no bytes
	// (S3 or the client sending nothing) before it is dropped; such work has no deadline as a
	// whole (0: DefaultIdle).
	Idle time.Duration
}

// DefaultIdle is Limits.Idle when it is not set.
const DefaultIdle = 30 * time.Second

// Idle is how long a media stream or an upload's check may move no bytes (Limits.Idle).
func (l *Library) Idle() time.Duration {
	if l.limits.Idle > 0 {
		return l.limits.Idle
	}
	return DefaultIdle
}

// DefaultLimits: 2 GiB for video, 50 MiB otherwise, multipart above 64 MiB in 16 MiB parts.
var DefaultLimits = Limits{MaxVideo: 2 << 30, MaxOther: 50 << 20, Multipart: 64 << 20, PartSize: 16 << 20}

// UploadTTL is how long an upload URL is valid.
const UploadTTL = 15 * time.Minute

// DownloadTTL is how long a delivery URL is valid.
const DownloadTTL = 10 * time.Minute

// Errors of uploads.
var (
	ErrUploadNotFound = apperr.New(apperr.KindNotFound, "upload not found")
	ErrUploadDone     = apperr.New(apperr.KindConflict, "this upload was completed already")
	ErrUploadExpired  = apperr.New(apperr.KindConflict, "this upload expired; start a new one")
	ErrNotReadable    = apperr.New(apperr.KindNotFound, "media not found")
	ErrTooLarge       = apperr.New(apperr.KindTooLarge, "the file is larger than the size declared when the upload was planned")
	ErrShort          = apperr.New(apperr.KindValidation, "the file is smaller than the size declared when the upload was planned")
	ErrNotProxied     = apperr.New(apperr.KindNotFound, "this upload goes to the URL of its plan, not through Taito")
)

var allowedTypes = []string{TypePNG, TypeJPEG, TypeGIF, TypeWebP, TypeSVG, TypePDF, TypeMP4, TypeWebM, TypeMP3, TypeM4A, TypeOGG, TypeVTT}

// accepts says which sniffed types a declared content type accepts (M4A files are MP4
// containers, and audio/x-m4a is a common alias).
func accepts(declared, sniffed string) bool {
	switch {
	case declared == sniffed:
		return true
	case declared == TypeM4A && sniffed == TypeMP4, declared == "audio/x-m4a" && (sniffed == TypeM4A || sniffed == TypeMP4):
		return true
	case declared == "audio/aac" && (sniffed == TypeM4A || sniffed == TypeMP4):
		return true
	}
	return false
}

// Upload is what a client needs to send its file straight to S3.
type Upload struct {
	ID        string
	Method    string            // POST (form) or PUT (multipart parts, or the body to Taito)
	URL       string            // the form's URL (POST); empty when the body goes to Taito
	Proxied   bool              // PUT the whole file to Taito's upload content route
	Fields    map[string]string // POST form fields, the file goes last as "file"
	Parts     []Part            // multipart: one presigned PUT per part
	PartSize  int64
	ExpiresAt time.Time
}

// Part is one part of a multipart upload.
type Part struct {
	Number int
	URL    string
}

var controlOrSep = regexp.MustCompile(`[/\\\x00-\x1f\x7f]`)

// CheckFilename refuses names with path separators or control characters.
func CheckFilename(name string) error {
	if strings.TrimSpace(name) == "" || len(name) > 200 || controlOrSep.MatchString(name) || name == "." || name == ".." ||
		strings.ContainsFunc(name, func(r rune) bool { return r == unicode.ReplacementChar }) {
		return apperr.Validation(apperr.FieldError{Field: "filename", Message: "must be a file name of at most 200 characters without path separators or control characters"})
	}
	return nil
}

// StartUpload checks a planned upload and returns presigned instructions for sending the file
// straight to S3, into a quarantine prefix. Trainers only.
//
// Returns ErrForbidden (auth) and validation errors.
func (l *Library) StartUpload(ctx context.Context, actor auth.Principal, filename, contentType string, size int64) (Upload, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return Upload{}, err
	}
	var f apperr.Fields
	if err := CheckFilename(filename); err != nil {
		f.Add("filename", "must be a file name of at most 200 characters without path separators or control characters")
	}
	if !slices.Contains(allowedTypes, contentType) && contentType != "audio/x-m4a" && contentType != "audio/aac" {
		f.Add("content_type", "must be one of {values}", apperr.Params{"values": strings.Join(allowedTypes, ", ")})
	}
	max := l.limits.MaxOther
	if strings.HasPrefix(contentType, "video/") {
		max = l.limits.MaxVideo
	}
	if size < 1 || size > max {
		f.Add("size", "must be from 1 to {max} bytes for {type}", apperr.Params{"max": strconv.FormatInt(int64(max), 10), "type": contentType})
	}
	if err := f.Err(); err != nil {
		return Upload{}, err
	}
	now := l.now().UTC()
	id := uuid.NewString()
	d := uploadDoc{ID: id, User: actor.UserID, Filename: filename, ContentType: contentType, Size: size, Key: "quarantine/" + id,
		State: "pending", CreatedAt: now, ExpiresAt: now.Add(UploadTTL)}
	up := Upload{ID: id, ExpiresAt: d.ExpiresAt}
	switch {
	case l.limits.Proxy:
		// One stream through Taito (ReceiveUpload): the browser cannot reach S3.
		up.Method, up.Proxied = "PUT", true
	case size <= l.limits.Multipart:
		u, fields, err := l.storage.presignPost(ctx, d.Key, contentType, size, d.ExpiresAt)
		if err != nil {
			return Upload{}, err
		}
		up.Method, up.URL, up.Fields = "POST", u, fields
	default:
		mid, err := l.storage.startMultipart(ctx, d.Key, contentType)
		if err != nil {
			return Upload{}, err
		}
		d.Multipart = mid
		partSize := max64(l.limits.PartSize, (size+9999)/10000)
		up.Method, up.PartSize = "PUT", partSize
		for n := 1; int64(n-1)*partSize < size; n++ {
			u, err := l.storage.presignPart(ctx, d.Key, mid, n, UploadTTL)
			if err != nil {
				return Upload{}, err
			}
			up.Parts = append(up.Parts, Part{Number: n, URL: u})
		}
	}
	if err := l.store.addUpload(ctx, d); err != nil {
		return Upload{}, err
	}
	return up, nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// CompletedPart is a part the client uploaded, with the ETag S3 gave it.
type CompletedPart struct {
	Number int
	ETag   string
}

// Completed says what a completed upload became.
type Completed struct {
	Item    Item
	Created bool // false: the same bytes were stored already
	Width   int
	Height  int
}

// CompleteUpload checks an uploaded file by its bytes — real size, type by its first bytes
// against the declared one, and for SVG the whole file by CheckSVG — and stores it under its SHA-256. A refused file is
// deleted. The same bytes uploaded twice give the existing media item.
//
// Returns ErrUploadNotFound (also for another user's upload), ErrUploadDone, ErrUploadExpired
// and validation errors saying why the bytes were refused.
func (l *Library) CompleteUpload(ctx context.Context, actor auth.Principal, id string, parts []CompletedPart) (Completed, error) {
	g := l.guard(ctx)
	defer g.stop()
	d, err := l.pendingUpload(g.ctx, actor, id)
	if err != nil {
		return Completed{}, err
	}
	g.moved()
	if d.Multipart != "" {
		if len(parts) == 0 {
			return Completed{}, apperr.Validation(apperr.FieldError{Field: "parts", Message: "list every part with its ETag"})
		}
		// S3 joins the parts in one call, which takes longer the larger the file.
		mctx, cancel := g.slowStep(d.Size)
		err := l.storage.completeMultipart(mctx, d.Key, d.Multipart, parts)
		cancel()
		if err != nil {
			return Completed{}, err
		}
	}
	res, reason, err := l.check(g, &d)
	if err != nil {
		return Completed{}, err
	}
	if reason != nil {
		_ = l.storage.remove(ctx, d.Key)
		_ = l.store.rejectUpload(ctx, d.ID, reason.Message)
		return Completed{}, reason
	}
	return res, nil
}

// guard is the work on a completed upload, which has no deadline as a whole (a large file
// takes long to read) but must keep moving: a step of it that moves nothing for Idle, such as
// a store that is cut off or does not answer, is cancelled.
type guard struct {
	parent context.Context
	ctx    context.Context // the steps' context, cancelled on a stall
	cancel context.CancelFunc
	timer  *time.Timer
	idle   time.Duration
}

func (l *Library) guard(ctx context.Context) *guard {
	g := &guard{parent: ctx, idle: l.Idle()}
	g.ctx, g.cancel = context.WithCancel(ctx)
	g.timer = time.AfterFunc(g.idle, g.cancel)
	return g
}

// moved says the work has moved on: the next stall is counted from now.
func (g *guard) moved() { g.timer.Reset(g.idle) }

// slowStep is the context of one step that moves nothing the guard can see until it is done,
// such as S3 copying or joining size bytes: the step has Idle plus a second for every 10 MiB.
func (g *guard) slowStep(size int64) (context.Context, context.CancelFunc) {
	g.timer.Stop()
	ctx, cancel := context.WithTimeout(g.ctx, g.idle+time.Duration(size/(10<<20))*time.Second)
	return ctx, func() { cancel(); g.moved() }
}

func (g *guard) stop() {
	g.timer.Stop()
	g.cancel()
}

// readErr is an error reading an object under check: S3 that stalled (the guard cancelled its
// context) cannot be reached as far as the client is concerned.
func (g *guard) readErr(key string, err error) error {
	if g.ctx.Err() != nil && g.parent.Err() == nil {
		return apperr.Unavailable("the media storage", storageRetryAfter, fmt.Errorf("read %s: S3 sent nothing for %v: %w", key, g.idle, err))
	}
	return storageErr(g.parent, "read "+key, err)
}

// check reads the quarantined object once, streaming, and promotes it or says why not: a
// validation error whose message is a catalogue key.
func (l *Library) check(g *guard, d *uploadDoc) (Completed, *apperr.Error, error) {
	ctx := g.ctx
	obj, size, err := l.storage.open(ctx, d.Key)
	if errors.Is(err, errNoObject) {
		return Completed{}, apperr.New(apperr.KindValidation, "nothing was uploaded: send the file to the upload URL first"), nil
	}
	if err != nil {
		return Completed{}, nil, err
	}
	defer obj.Close()
	g.moved()
	if size != d.Size {
		return Completed{}, apperr.New(apperr.KindValidation, "the file is {size} bytes but {declared} were declared",
			apperr.Params{"size": strconv.FormatInt(size, 10), "declared": strconv.FormatInt(d.Size, 10)}), nil
	}
	hash := sha256.New()
	rest := io.TeeReader(progress{obj, g.moved}, hash) // every byte read from here on is hashed
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(rest, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return Completed{}, nil, g.readErr(d.Key, err)
	}
	head = head[:n]
	sniffed := Sniff(head[:min(len(head), SniffLen)])
	switch {
	case sniffed == "":
		return Completed{}, apperr.New(apperr.KindValidation, "the file's content is not an allowed media type (declared {type})",
			apperr.Params{"type": d.ContentType}), nil
	case !accepts(d.ContentType, sniffed):
		return Completed{}, apperr.New(apperr.KindValidation, "the file's content is {sniffed}, not the declared {type}",
			apperr.Params{"sniffed": sniffed, "type": d.ContentType}), nil
	case sniffed == TypeSVG:
		// The whole SVG is checked in the same single read that hashes it.
		if err := CheckSVG(io.MultiReader(bytes.NewReader(head), rest)); IsSVGRefusal(err) {
			return Completed{}, svgReason(err), nil
		} else if err != nil {
			return Completed{}, nil, g.readErr(d.Key, err)
		}
	}
	if _, err := io.Copy(io.Discard, rest); err != nil {
		return Completed{}, nil, g.readErr(d.Key, err)
	}
	g.moved()
	res := Completed{}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(head)); err == nil {
		res.Width, res.Height = cfg.Width, cfg.Height
	}
	id := hex.EncodeToString(hash.Sum(nil))
	existing, err := l.Get(ctx, id)
	if err == nil {
		res.Item = existing
		_ = l.storage.remove(ctx, d.Key)
	} else if errors.Is(err, ErrNotFound) {
		g.moved()
		cctx, cancel := g.slowStep(d.Size)
		err := l.storage.copy(cctx, d.Key, ObjectKey(id))
		cancel()
		if err != nil {
			return Completed{}, nil, err
		}
		res.Item = Item{ID: id, Key: ObjectKey(id), ContentType: sniffed, Size: d.Size, Filename: d.Filename, State: "ready", CreatedBy: d.User,
			CreatedAt: l.now().UTC(), Width: res.Width, Height: res.Height}
		if err := l.store.addItem(ctx, res.Item); err != nil {
			return Completed{}, nil, err
		}
		res.Created = true
		_ = l.storage.remove(ctx, d.Key)
	} else {
		return Completed{}, nil, err
	}
	if err := l.store.completeUpload(ctx, d.ID, res.Item.ID); err != nil {
		return Completed{}, nil, err
	}
	return res, nil, nil
}

// pendingUpload returns actor's upload id if it may still be sent or completed.
//
// Returns ErrForbidden (auth), ErrUploadNotFound (also for another user's upload),
// ErrUploadDone and ErrUploadExpired.
func (l *Library) pendingUpload(ctx context.Context, actor auth.Principal, id string) (uploadDoc, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return uploadDoc{}, err
	}
	d, err := l.store.upload(ctx, id)
	if err == nil && d.User != actor.UserID {
		err = ErrUploadNotFound
	}
	if err != nil {
		return uploadDoc{}, err
	}
	switch {
	case d.State != "pending":
		return uploadDoc{}, ErrUploadDone
	case l.now().After(d.ExpiresAt.Add(UploadTTL)):
		return uploadDoc{}, ErrUploadExpired
	}
	return d, nil
}

// ReceiveUpload streams the file of a planned upload from body into quarantine, in proxy mode,
// where browsers cannot reach S3. length is the body's declared length (-1: unknown). The file
// must be exactly the declared size; CompleteUpload then checks and promotes it.
//
// Returns ErrNotProxied in redirect mode, the errors of CompleteUpload's lookup, ErrTooLarge for
// a body longer than the planned size and ErrShort for a shorter one.
func (l *Library) ReceiveUpload(ctx context.Context, actor auth.Principal, id string, body io.Reader, length int64) error {
	if !l.limits.Proxy {
		return ErrNotProxied
	}
	d, err := l.pendingUpload(ctx, actor, id)
	if err != nil {
		return err
	}
	switch {
	case length > d.Size:
		return ErrTooLarge
	case length >= 0 && length < d.Size:
		return ErrShort
	}
	counted := &countingReader{r: body}
	if err := l.storage.putStream(ctx, d.Key, io.LimitReader(counted, d.Size), d.Size, d.ContentType); err != nil {
		_ = l.storage.remove(ctx, d.Key)
		if counted.n < d.Size && counted.err != nil {
			return ErrShort
		}
		return err
	}
	if n, _ := body.Read(make([]byte, 1)); n > 0 { // a body of unknown length that goes on
		_ = l.storage.remove(ctx, d.Key)
		return ErrTooLarge
	}
	return nil
}

// progress calls moved after every read that returns bytes.
type progress struct {
	r     io.Reader
	moved func()
}

func (p progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.moved()
	}
	return n, err
}

// countingReader counts what it reads and keeps the first error other than io.EOF's absence.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// Disposition is the Content-Disposition a media item is delivered with: inline, except SVG,
// which is always an attachment so that a browser never runs it as a page.
func Disposition(item Item) string {
	disp := "inline"
	if item.ContentType == TypeSVG {
		disp = "attachment"
	}
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || r == '"' || r == '\\' || r > 0x7e {
			return '_'
		}
		return r
	}, item.Filename)
	return fmt.Sprintf(`%s; filename="%s"`, disp, name)
}

// CacheControl is how long a browser may keep a delivered item (and a delivery URL).
const CacheControl = "private, max-age=600"

// Proxied reports whether media are delivered and uploaded through Taito rather than on
// presigned S3 URLs (TAITO_MEDIA_DELIVERY=proxy).
func (l *Library) Proxied() bool { return l.limits.Proxy }

// Read opens length bytes of item from offset (length < 0: to the end) for streaming through
// Taito. Give it a context of the stream's own: reading stops when it is cancelled. The caller
// closes the reader.
//
// Returns ErrNotFound when the object is missing.
func (l *Library) Read(ctx context.Context, item Item, offset, length int64) (io.ReadCloser, error) {
	r, _, err := l.storage.openRange(ctx, item.Key, offset, length)
	if errors.Is(err, errNoObject) {
		return nil, ErrNotFound
	}
	return r, err
}

// Delivery is a short-lived URL where S3 serves a media file.
type Delivery struct {
	URL       string
	ExpiresAt time.Time
	Item      Item
}

// DeliveryURL presigns a GET of a media item with the right content type and disposition. SVG
// is always served as an attachment, so a browser never runs it as a page.
//
// In proxy mode the URL is Taito's own media route, which streams the item (Read).
func (l *Library) DeliveryURL(ctx context.Context, item Item) (Delivery, error) {
	if l.limits.Proxy {
		return Delivery{URL: links.Media(item.ID), ExpiresAt: l.now().Add(DownloadTTL), Item: item}, nil
	}
	q := url.Values{
		"response-content-type":        {item.ContentType},
		"response-content-disposition": {Disposition(item)},
		"response-cache-control":       {CacheControl},
	}
	u, err := l.storage.presignGet(ctx, item.Key, DownloadTTL, q)
	if err != nil {
		return Delivery{}, err
	}
	return Delivery{URL: u, ExpiresAt: l.now().Add(DownloadTTL), Item: item}, nil
}

// Captions are a video's or audio's WebVTT captions and transcript in one locale.
type Captions struct {
	VTT        string `bson:"vtt"` // media id of the WebVTT file
	Transcript string `bson:"transcript,omitempty"`
}

// SetCaptions stores WebVTT captions (and a transcript) for a video or audio item.
//
// Returns ErrForbidden, ErrNotFound and validation errors.
func (l *Library) SetCaptions(ctx context.Context, actor auth.Principal, id, locale, vtt, transcript string) (Item, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return Item{}, err
	}
	var f apperr.Fields
	if locale != "fi" && locale != "sv" && locale != "en" {
		f.Add("locale", "must be fi, sv or en")
	}
	if Sniff([]byte(vtt)) != TypeVTT {
		f.Add("vtt", "must be WebVTT text starting with WEBVTT")
	}
	if len(vtt) > 2<<20 {
		f.Add("vtt", "is larger than 2 MiB")
	}
	if len(transcript) > 1<<20 {
		f.Add("transcript", "is larger than 1 MiB")
	}
	if err := f.Err(); err != nil {
		return Item{}, err
	}
	item, err := l.Get(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if !strings.HasPrefix(item.ContentType, "video/") && !strings.HasPrefix(item.ContentType, "audio/") {
		return Item{}, apperr.Validation(apperr.FieldError{Field: "id", Message: "captions belong to video or audio"})
	}
	vttItem, _, err := l.PutAsset(ctx, item.Filename+"."+locale+".vtt", []byte(vtt), actor.UserID)
	if err != nil {
		return Item{}, err
	}
	return l.store.setCaptions(ctx, id, locale, Captions{VTT: vttItem.ID, Transcript: transcript})
}

// GC deletes quarantined objects older than a day (failed or abandoned uploads) and reports media
// no course version refers to. With dryRun it only reports. Safe on several replicas at once.
func (l *Library) GC(ctx context.Context, referenced func(id string) bool, dryRun bool) (stale []string, unreferenced []Item, err error) {
	cutoff := l.now().Add(-24 * time.Hour)
	err = l.storage.list(ctx, "quarantine/", func(key string, modified time.Time) error {
		if !modified.Before(cutoff) {
			return nil
		}
		stale = append(stale, key)
		if dryRun {
			return nil
		}
		return l.storage.remove(ctx, key)
	})
	if err != nil {
		return stale, nil, err
	}
	items, err := l.store.allItems(ctx)
	if err != nil {
		return stale, nil, err
	}
	for _, it := range items {
		if !referenced(it.ID) {
			unreferenced = append(unreferenced, it)
		}
	}
	return stale, unreferenced, nil
}
