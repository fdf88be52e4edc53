package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/links"
	"github.com/taito-lms/taito/internal/media"
)

type startUploadRequest struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

type partURL struct {
	Number int    `json:"number"`
	URL    string `json:"url"`
}

type uploadResponse struct {
	UploadID  string            `json:"upload_id"`
	Method    string            `json:"method"`
	URL       string            `json:"url,omitempty"`
	Fields    map[string]string `json:"fields,omitempty"`
	Parts     []partURL         `json:"parts,omitempty"`
	PartSize  int64             `json:"part_size,omitempty"`
	ExpiresAt time.Time         `json:"expires_at"`
}

func (s *Server) startUpload(c *fiber.Ctx) error {
	var req startUploadRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	up, err := s.media.StartUpload(c.UserContext(), principal(c), req.Filename, req.ContentType, req.Size)
	if err != nil {
		return err
	}
	out := uploadResponse{UploadID: up.ID, Method: up.Method, URL: up.URL, Fields: up.Fields, PartSize: up.PartSize, ExpiresAt: up.ExpiresAt}
	if up.Proxied {
		out.URL = uploadContentPath(up.ID)
	}
	for _, p := range up.Parts {
		out.Parts = append(out.Parts, partURL{Number: p.Number, URL: p.URL})
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

// uploadContentPath is where a browser PUTs a file in proxy mode (uploadContent).
func uploadContentPath(id string) string {
	return "/api/v1/media/uploads/" + url.PathEscape(id) + "/content"
}

// uploadContent takes the file of a planned upload in proxy mode and streams it into quarantine
// under the media size limits, not the body limit (see bodyLimit); the complete call then checks
// and promotes it as in redirect mode. Like a media stream, it has a context of its own and an
// idle timeout instead of the request's deadline.
func (s *Server) uploadContent(c *fiber.Ctx) error {
	if s.media == nil {
		return media.ErrUploadNotFound
	}
	var body io.Reader = bytes.NewReader(c.Body())
	if c.Request().IsBodyStream() {
		body = c.Context().RequestBodyStream()
	}
	length := int64(c.Request().Header.ContentLength())
	if length < 0 {
		length = -1
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(c.UserContext()))
	in := newIdleStream(io.NopCloser(body), cancel, c.Context().Conn().SetReadDeadline, s.mediaIdle())
	defer in.Close()
	if err := s.media.ReceiveUpload(ctx, principal(c), c.Params("id"), in, length); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// bodyLimit keeps TAITO_BODY_LIMIT on every route but uploadContent and the web app's course
// package upload (PackageUploadPath), which read their bodies under limits of their own.
// Fiber's BodyLimit is global and refuses larger bodies before routing; the server streams
// bodies instead (StreamRequestBody), and this reads them here, at most the limit. A body left unread (refused,
// or an upload that failed) closes the connection, as the server does when it refuses a body
// itself: what follows on it is not a request.
func (s *Server) bodyLimit(c *fiber.Ctx) error {
	req := c.Request()
	if !req.IsBodyStream() {
		return c.Next()
	}
	if c.Method() == fiber.MethodPost && c.Path() == PackageUploadPath {
		// The page answers even a refusal with a page, not an error that comes back here: the
		// connection ends after it, however much of the body was read.
		c.Context().SetConnectionClose()
		return c.Next()
	}
	if c.Method() == fiber.MethodPut && isUploadContent(c.Path()) {
		err := c.Next()
		if err != nil {
			c.Context().SetConnectionClose()
		}
		return err
	}
	var b []byte
	var err error = fiber.ErrRequestEntityTooLarge
	if req.Header.ContentLength() <= s.opts.BodyLimit {
		if b, err = io.ReadAll(io.LimitReader(c.Context().RequestBodyStream(), int64(s.opts.BodyLimit)+1)); err != nil {
			err = fiber.ErrBadRequest
		} else if len(b) > s.opts.BodyLimit {
			err = fiber.ErrRequestEntityTooLarge
		}
	}
	if err != nil {
		c.Context().SetConnectionClose()
		if errors.Is(err, fiber.ErrRequestEntityTooLarge) && !links.IsServicePath(c.Path()) {
			// A page's form: the web app answers it with a page in words (BodyTooLarge).
			c.Locals(BodyTooLarge, s.opts.BodyLimit)
			return c.Next()
		}
		return err
	}
	req.SetBody(b)
	return c.Next()
}

// BodyTooLarge is the request value (the limit in bytes, an int) that bodyLimit leaves for the
// web app when a form posted to a page is over the body limit: the body is not read, the
// connection ends after the answer, and the page says what happened.
const BodyTooLarge = "httpapi.body-too-large"

func isUploadContent(path string) bool {
	id, ok := strings.CutPrefix(path, "/api/v1/media/uploads/")
	id, ok2 := strings.CutSuffix(id, "/content")
	return ok && ok2 && id != "" && !strings.Contains(id, "/")
}

type completeUploadRequest struct {
	Parts []struct {
		Number int    `json:"number"`
		ETag   string `json:"etag"`
	} `json:"parts"`
}

type mediaResponse struct {
	ID          string `json:"id"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Filename    string `json:"filename"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	Created     bool   `json:"created"`
}

func (s *Server) completeUpload(c *fiber.Ctx) error {
	var req completeUploadRequest
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	parts := make([]media.CompletedPart, len(req.Parts))
	for i, p := range req.Parts {
		parts[i] = media.CompletedPart{Number: p.Number, ETag: p.ETag}
	}
	// The check reads the whole file once (up to TAITO_MEDIA_MAX_VIDEO_BYTES), which may take
	// longer than the request timeout allows.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), mediaCheckTimeout)
	defer cancel()
	res, err := s.media.CompleteUpload(ctx, principal(c), c.Params("id"), parts)
	if err != nil {
		return err
	}
	status := fiber.StatusCreated
	if !res.Created {
		status = fiber.StatusOK
	}
	it := res.Item
	return c.Status(status).JSON(mediaResponse{ID: it.ID, ContentType: it.ContentType, Size: it.Size, Filename: it.Filename, Width: it.Width, Height: it.Height, Created: res.Created})
}

type captionsOut struct {
	URL        string `json:"url"`
	Transcript string `json:"transcript,omitempty"`
}

type deliveryResponse struct {
	URL         string                 `json:"url"`
	ExpiresAt   time.Time              `json:"expires_at"`
	ContentType string                 `json:"content_type"`
	Size        int64                  `json:"size"`
	Width       int                    `json:"width,omitempty"`
	Height      int                    `json:"height,omitempty"`
	Captions    map[string]captionsOut `json:"captions,omitempty"`
}

// getMedia redirects to a short-lived S3 URL, so that S3 serves the bytes and Range requests,
// or in proxy mode streams the item itself (streamMedia). Trainers may read every item, learners
// those of courses they may study. ?redirect=false answers the delivery as JSON instead.
func (s *Server) getMedia(c *fiber.Ctx) error {
	if c.Query("redirect") != "false" {
		return s.ServeMedia(c, principal(c), c.Params("id"))
	}
	item, d, err := s.app.MediaItem(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	out := deliveryResponse{URL: d.URL, ExpiresAt: d.ExpiresAt, ContentType: item.ContentType, Size: item.Size, Width: item.Width, Height: item.Height}
	for loc, cap := range item.Captions {
		if out.Captions == nil {
			out.Captions = map[string]captionsOut{}
		}
		out.Captions[loc] = captionsOut{URL: links.Media(cap.VTT), Transcript: cap.Transcript}
	}
	return c.JSON(out)
}

// ServeMedia sends media item id to actor as the media route does: a redirect to a short-lived
// S3 URL, or in proxy mode the stream with Range support (streamMedia). The application decides
// whether actor may read it (app.MediaItem). The web app serves its pages' media with it, for the
// principal of a browser session.
func (s *Server) ServeMedia(c *fiber.Ctx, actor auth.Principal, id string) error {
	item, d, err := s.app.MediaItem(c.UserContext(), actor, id)
	if err != nil {
		return err
	}
	if s.media.Proxied() {
		return s.streamMedia(c, item)
	}
	c.Set(fiber.HeaderCacheControl, "private, max-age=300")
	return c.Redirect(d.URL, fiber.StatusFound)
}

// mediaIdle is how long a media stream may make no progress (the client reads nothing, or S3
// sends nothing) before it is dropped (media.Limits.Idle). A stream as a whole has no deadline.
func (s *Server) mediaIdle() time.Duration {
	if s.media == nil {
		return media.DefaultIdle
	}
	return s.media.Idle()
}

// mediaCheckTimeout bounds the check of a completed upload, which reads the whole file from S3;
// a check in which nothing moves for media.Limits.Idle ends sooner (media.CompleteUpload).
const mediaCheckTimeout = 10 * time.Minute

// streamMedia sends item from S3 through Taito with one byte range (206), ETag (its SHA-256),
// Last-Modified and If-None-Match (304). Ranges that cannot be satisfied answer 416; several
// ranges at once are answered with the whole item.
func (s *Server) streamMedia(c *fiber.Ctx, item media.Item) error {
	etag := `"` + item.ID + `"`
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && (match == "*" || strings.Contains(match, etag)) {
		c.Set(fiber.HeaderETag, etag)
		c.Set(fiber.HeaderCacheControl, media.CacheControl)
		return c.SendStatus(fiber.StatusNotModified)
	}
	offset, length, status := int64(0), item.Size, fiber.StatusOK
	if c.Get(fiber.HeaderRange) != "" {
		r, err := c.Range(int(item.Size))
		switch {
		case errors.Is(err, fiber.ErrRangeUnsatisfiable) || err == nil && r.Type != "bytes":
			c.Set(fiber.HeaderContentRange, "bytes */"+strconv.FormatInt(item.Size, 10))
			return fiber.ErrRequestedRangeNotSatisfiable
		case err == nil && len(r.Ranges) == 1:
			offset, length, status = int64(r.Ranges[0].Start), int64(r.Ranges[0].End-r.Ranges[0].Start+1), fiber.StatusPartialContent
			c.Set(fiber.HeaderContentRange, "bytes "+strconv.FormatInt(offset, 10)+"-"+strconv.FormatInt(offset+length-1, 10)+"/"+strconv.FormatInt(item.Size, 10))
		} // malformed or several ranges: the whole item
	}
	// The stream outlives the handler and the request's deadline: its own context, cancelled
	// when it ends, when the client goes away or when it stalls.
	ctx, cancel := context.WithCancel(context.WithoutCancel(c.UserContext()))
	opening := time.AfterFunc(s.mediaIdle(), cancel) // S3 that does not answer at all
	body, err := s.media.Read(ctx, item, offset, length)
	opening.Stop()
	if err != nil {
		cancel()
		return err
	}
	c.Set(fiber.HeaderContentType, item.ContentType)
	c.Set(fiber.HeaderContentDisposition, media.Disposition(item))
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderLastModified, item.CreatedAt.UTC().Format(http.TimeFormat))
	c.Set(fiber.HeaderCacheControl, media.CacheControl)
	c.Set(fiber.HeaderAcceptRanges, "bytes")
	c.Status(status)
	// fasthttp closes the stream when it has been written or the write failed.
	c.Context().Response.SetBodyStream(newIdleStream(body, cancel, c.Context().Conn().SetWriteDeadline, s.mediaIdle()), int(length))
	return nil
}

// idleStream is media on its way between a client and S3. Each read pushes the connection's
// deadline (which otherwise bounds the whole request or response) and an idle watchdog forward,
// so a long video or a large upload goes on for as long as bytes keep moving; when none move
// for idle the watchdog cancels the stream's context, which stops S3.
type idleStream struct {
	r        io.ReadCloser
	cancel   context.CancelFunc
	deadline func(time.Time) error
	watchdog *time.Timer
	idle     time.Duration
}

func newIdleStream(r io.ReadCloser, cancel context.CancelFunc, deadline func(time.Time) error, idle time.Duration) *idleStream {
	return &idleStream{r: r, cancel: cancel, deadline: deadline, watchdog: time.AfterFunc(idle, cancel), idle: idle}
}

func (m *idleStream) Read(p []byte) (int, error) {
	m.watchdog.Reset(m.idle)
	_ = m.deadline(time.Now().Add(m.idle))
	return m.r.Read(p)
}

// Close stops the watchdog, cancels the context (closing S3's side) and closes the reader.
func (m *idleStream) Close() error {
	m.watchdog.Stop()
	m.cancel()
	return m.r.Close()
}

type captionsRequest struct {
	VTT        string `json:"vtt"`
	Transcript string `json:"transcript"`
}

func (s *Server) putCaptions(c *fiber.Ctx) error {
	var req captionsRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if !media.ValidID(c.Params("id")) {
		return media.ErrNotFound
	}
	item, err := s.media.SetCaptions(c.UserContext(), principal(c), c.Params("id"), c.Params("locale"), req.VTT, req.Transcript)
	if err != nil {
		return err
	}
	cap := item.Captions[c.Params("locale")]
	if cap.VTT == "" {
		return apperr.New(apperr.KindInternal, "captions not saved")
	}
	return c.JSON(captionsOut{URL: links.Media(cap.VTT), Transcript: cap.Transcript})
}
