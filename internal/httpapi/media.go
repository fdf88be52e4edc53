package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
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
	for _, p := range up.Parts {
		out.Parts = append(out.Parts, partURL{Number: p.Number, URL: p.URL})
	}
	return c.Status(fiber.StatusCreated).JSON(out)
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
	res, err := s.media.CompleteUpload(c.UserContext(), principal(c), c.Params("id"), parts)
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

// getMedia redirects to a short-lived S3 URL, so that S3 serves the bytes and Range requests.
// Trainers may read every item, learners those of courses they may study.
func (s *Server) getMedia(c *fiber.Ctx) error {
	item, d, err := s.app.MediaItem(c.UserContext(), principal(c), c.Params("id"))
	if err != nil {
		return err
	}
	if c.Query("redirect") == "false" {
		out := deliveryResponse{URL: d.URL, ExpiresAt: d.ExpiresAt, ContentType: item.ContentType, Size: item.Size, Width: item.Width, Height: item.Height}
		for loc, cap := range item.Captions {
			if out.Captions == nil {
				out.Captions = map[string]captionsOut{}
			}
			out.Captions[loc] = captionsOut{URL: links.Media(cap.VTT), Transcript: cap.Transcript}
		}
		return c.JSON(out)
	}
	c.Set(fiber.HeaderCacheControl, "private, max-age=300")
	return c.Redirect(d.URL, fiber.StatusFound)
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
