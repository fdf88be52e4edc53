package media_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var trainer = auth.Principal{UserID: "trainer-1", Roles: []auth.Role{auth.RoleTrainer}}

func newLibrary(t *testing.T) (*media.Library, *media.Storage) {
	t.Helper()
	st := testenv.S3(t)
	lib := media.NewLibrary(testenv.Mongo(t), st, media.Limits{MaxVideo: 64 << 20, MaxOther: 20 << 20, Multipart: 6 << 20, PartSize: 5 << 20}, time.Now)
	return lib, st
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{R: uint8(x), A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// postForm sends a file to a presigned POST policy, as a browser would.
func postForm(t *testing.T, up media.Upload, body []byte) int {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range up.Fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", "upload")
	_, _ = fw.Write(body)
	_ = w.Close()
	resp, err := http.Post(up.URL, w.FormDataContentType(), &b)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func kindOf(err error) apperr.Kind { return apperr.KindOf(err) }

func TestDirectUploadCheckedAndDeduplicated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lib, st := newLibrary(t)
	img := pngBytes(t, 40, 30)

	up, err := lib.StartUpload(ctx, trainer, "kaavio.png", media.TypePNG, int64(len(img)))
	if err != nil {
		t.Fatal(err)
	}
	if up.Method != "POST" || !strings.HasPrefix(up.Fields["key"], "quarantine/") {
		t.Fatalf("upload plan: %+v", up)
	}
	// S3 itself refuses a body larger than declared.
	if code := postForm(t, up, append(img, 0, 0, 0)); code < 400 {
		t.Fatalf("a larger body than declared was accepted by S3 (%d)", code)
	}
	if code := postForm(t, up, img); code >= 300 {
		t.Fatalf("upload: %d", code)
	}
	res, err := lib.CompleteUpload(ctx, trainer, up.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Item.ContentType != media.TypePNG || res.Width != 40 || res.Height != 30 || len(res.Item.ID) != 64 {
		t.Fatalf("completed: %+v", res)
	}
	if _, err := lib.CompleteUpload(ctx, trainer, up.ID, nil); !errors.Is(err, media.ErrUploadDone) {
		t.Errorf("completing twice: %v", err)
	}
	// The quarantined object is gone; the content-addressed one is there.
	if _, err := st.Client().StatObject(ctx, st.Bucket(), up.Fields["key"], minio.StatObjectOptions{}); err == nil {
		t.Error("the quarantined object was left behind")
	}
	if _, err := st.Client().StatObject(ctx, st.Bucket(), media.ObjectKey(res.Item.ID), minio.StatObjectOptions{}); err != nil {
		t.Errorf("content-addressed object: %v", err)
	}
	// The same bytes again: the existing item, nothing stored twice.
	up2, _ := lib.StartUpload(ctx, trainer, "sama.png", media.TypePNG, int64(len(img)))
	postForm(t, up2, img)
	res2, err := lib.CompleteUpload(ctx, trainer, up2.ID, nil)
	if err != nil || res2.Created || res2.Item.ID != res.Item.ID {
		t.Fatalf("same bytes again: %+v %v", res2, err)
	}
	// Someone else's upload is not found.
	other := auth.Principal{UserID: "trainer-2", Roles: []auth.Role{auth.RoleTrainer}}
	up3, _ := lib.StartUpload(ctx, trainer, "x.png", media.TypePNG, int64(len(img)))
	postForm(t, up3, img)
	if _, err := lib.CompleteUpload(ctx, other, up3.ID, nil); !errors.Is(err, media.ErrUploadNotFound) {
		t.Errorf("completing another trainer's upload: %v", err)
	}
	if _, err := lib.CompleteUpload(ctx, trainer, "no-such-upload", nil); !errors.Is(err, media.ErrUploadNotFound) {
		t.Errorf("unknown upload: %v", err)
	}
}

func TestUploadRejections(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lib, st := newLibrary(t)
	elf := append([]byte("\x7fELF\x02\x01\x01"), bytes.Repeat([]byte{0}, 100)...)
	pdf := []byte("%PDF-1.7\n" + strings.Repeat("x", 100))
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	cases := []struct {
		name, ct string
		body     []byte
		declared int
		want     string
	}{
		{"executable declared as an image", media.TypePNG, elf, len(elf), "not an allowed media type"},
		{"PDF declared as an image", media.TypePNG, pdf, len(pdf), "is application/pdf, not the declared image/png"},
		{"SVG with script", media.TypeSVG, svg, len(svg), "script"},
		{"nothing uploaded", media.TypePNG, nil, 10, "nothing was uploaded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			up, err := lib.StartUpload(ctx, trainer, "f", tc.ct, int64(tc.declared))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != nil {
				if code := postForm(t, up, tc.body); code >= 300 {
					t.Fatalf("upload: %d", code)
				}
			}
			_, err = lib.CompleteUpload(ctx, trainer, up.ID, nil)
			if kindOf(err) != apperr.KindValidation || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a 422 saying %q", err, tc.want)
			}
			if _, err := st.Client().StatObject(ctx, st.Bucket(), "quarantine/"+up.ID, minio.StatObjectOptions{}); err == nil {
				t.Error("the refused object was not deleted")
			}
		})
	}
	for name, call := range map[string]func() error{
		"learner": func() error {
			_, err := lib.StartUpload(ctx, auth.Principal{UserID: "l", Roles: []auth.Role{auth.RoleLearner}}, "a.png", media.TypePNG, 10)
			return err
		},
		"path in the name": func() error {
			_, err := lib.StartUpload(ctx, trainer, "../../etc/passwd", media.TypePNG, 10)
			return err
		},
		"control chars": func() error { _, err := lib.StartUpload(ctx, trainer, "a\x00.png", media.TypePNG, 10); return err },
		"type not allowed": func() error {
			_, err := lib.StartUpload(ctx, trainer, "a.exe", "application/x-msdownload", 10)
			return err
		},
		"zero bytes": func() error { _, err := lib.StartUpload(ctx, trainer, "a.png", media.TypePNG, 0); return err },
		"too large":  func() error { _, err := lib.StartUpload(ctx, trainer, "a.png", media.TypePNG, 21<<20); return err },
	} {
		if err := call(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestMultipartUpload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lib, _ := newLibrary(t)
	data := append([]byte("\x00\x00\x00\x18ftypmp42"), bytes.Repeat([]byte("v"), 11<<20)...)
	up, err := lib.StartUpload(ctx, trainer, "luento.mp4", media.TypeMP4, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if up.Method != "PUT" || len(up.Parts) != 3 {
		t.Fatalf("multipart plan: %d parts, method %s", len(up.Parts), up.Method)
	}
	var done []media.CompletedPart
	for i, p := range up.Parts {
		chunk := data[int64(i)*up.PartSize : min(int64(i+1)*up.PartSize, int64(len(data)))]
		req, _ := http.NewRequest(http.MethodPut, p.URL, bytes.NewReader(chunk))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("part %d: %d", p.Number, resp.StatusCode)
		}
		done = append(done, media.CompletedPart{Number: p.Number, ETag: resp.Header.Get("ETag")})
	}
	res, err := lib.CompleteUpload(ctx, trainer, up.ID, done)
	if err != nil {
		t.Fatal(err)
	}
	if res.Item.Size != int64(len(data)) || res.Item.ContentType != media.TypeMP4 {
		t.Fatalf("multipart result: %+v", res.Item)
	}
}

func TestPresignedDelivery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lib, st := newLibrary(t)
	img := pngBytes(t, 20, 20)
	item, _, err := lib.PutAsset(ctx, "kuva.png", img, "t")
	if err != nil {
		t.Fatal(err)
	}
	d, err := lib.DeliveryURL(ctx, item)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, d.URL, nil)
	req.Header.Set("Range", "bytes=0-7")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	head, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(head, img[:8]) || resp.Header.Get("Content-Type") != media.TypePNG {
		t.Fatalf("ranged GET: %d %q %q", resp.StatusCode, head, resp.Header.Get("Content-Type"))
	}
	u, _ := url.Parse(d.URL)
	q := u.Query()
	q.Set("X-Amz-Signature", strings.Repeat("0", 64))
	u.RawQuery = q.Encode()
	if code := statusOf(t, u.String()); code != http.StatusForbidden {
		t.Errorf("tampered signature: %d, want 403", code)
	}
	// An expired URL: signed for three seconds, working at first, then polled until S3 refuses it.
	short, err := st.Client().PresignedGetObject(ctx, st.Bucket(), item.Key, 3*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	if code := statusOf(t, short.String()); code != http.StatusOK {
		t.Fatalf("fresh short-lived URL: %d, want 200", code)
	}
	deadline := time.Now().Add(10 * time.Second)
	code := 0
	for time.Now().Before(deadline) {
		if code = statusOf(t, short.String()); code == http.StatusForbidden {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if code != http.StatusForbidden {
		t.Errorf("expired URL: %d, want 403", code)
	}
	// SVG is delivered as an attachment: a browser never renders it as a page.
	svgItem, _, err := lib.PutAsset(ctx, "k.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "t")
	if err != nil {
		t.Fatal(err)
	}
	sd, _ := lib.DeliveryURL(ctx, svgItem)
	resp, err = http.Get(sd.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("SVG Content-Disposition %q, want attachment", cd)
	}
}

func statusOf(t *testing.T, u string) int {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestCaptionsAndGC(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lib, _ := newLibrary(t)
	video, _, err := lib.PutAsset(ctx, "v.mp4", append([]byte("\x00\x00\x00\x18ftypisom"), make([]byte, 64)...), "t")
	if err != nil {
		t.Fatal(err)
	}
	item, err := lib.SetCaptions(ctx, trainer, video.ID, "fi", "WEBVTT\n\n00:00.000 --> 00:02.000\nHei\n", "Hei.")
	if err != nil || item.Captions["fi"].VTT == "" || item.Captions["fi"].Transcript != "Hei." {
		t.Fatalf("captions: %+v %v", item.Captions, err)
	}
	if _, err := lib.SetCaptions(ctx, trainer, video.ID, "fi", "not vtt", ""); kindOf(err) != apperr.KindValidation {
		t.Errorf("non-WebVTT captions: %v", err)
	}
	stale, unused, err := lib.GC(ctx, func(id string) bool { return id == video.ID }, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) != 0 || len(unused) != 1 {
		t.Errorf("gc: stale %v, unused %d (want the captions file only)", stale, len(unused))
	}
	_ = fmt.Sprint
}

// TestProxyUploadAndRead: in proxy mode an upload is one stream through Taito of exactly the
// planned size, even above the multipart threshold, and items are read back by byte range.
func TestProxyUploadAndRead(t *testing.T) {
	t.Parallel()
	st := testenv.S3(t)
	lib := media.NewLibrary(testenv.Mongo(t), st, media.Limits{MaxVideo: 64 << 20, MaxOther: 20 << 20, Multipart: 6 << 20, PartSize: 5 << 20, Proxy: true}, time.Now)
	redirect, _ := newLibrary(t)
	ctx := context.Background()
	big := append(pngBytes(t, 40, 30), bytes.Repeat([]byte{0}, 7<<20)...) // over the multipart threshold

	up, err := lib.StartUpload(ctx, trainer, "kuva.png", media.TypePNG, int64(len(big)))
	if err != nil || !up.Proxied || up.Method != "PUT" || up.URL != "" || len(up.Parts) > 0 || len(up.Fields) > 0 {
		t.Fatalf("plan %+v, %v: want one PUT through Taito", up, err)
	}
	for name, c := range map[string]struct {
		lib    *media.Library
		body   io.Reader
		length int64
		want   apperr.Kind
	}{
		"longer than planned":             {lib, bytes.NewReader(big), int64(len(big)) + 1, apperr.KindTooLarge},
		"goes on past the plan":           {lib, io.MultiReader(bytes.NewReader(big), strings.NewReader("x")), -1, apperr.KindTooLarge},
		"shorter than planned":            {lib, bytes.NewReader(big[:100]), 100, apperr.KindValidation},
		"ends early without a length":     {lib, bytes.NewReader(big[:100]), -1, apperr.KindValidation},
		"not in redirect mode":            {redirect, bytes.NewReader(big), int64(len(big)), apperr.KindNotFound},
		"not someone else's (unknown id)": {lib, bytes.NewReader(big), int64(len(big)), apperr.KindNotFound},
	} {
		id := up.ID
		if name == "not someone else's (unknown id)" {
			id = "nope"
		}
		if err := c.lib.ReceiveUpload(ctx, trainer, id, c.body, c.length); kindOf(err) != c.want {
			t.Errorf("%s: %v, want kind %v", name, err, c.want)
		}
	}
	if err := lib.ReceiveUpload(ctx, trainer, up.ID, bytes.NewReader(big), -1); err != nil {
		t.Fatal(err)
	}
	done, err := lib.CompleteUpload(ctx, trainer, up.ID, nil)
	if err != nil || !done.Created || done.Width != 40 {
		t.Fatalf("complete: %+v, %v", done, err)
	}
	d, err := lib.DeliveryURL(ctx, done.Item)
	if err != nil || d.URL != "/api/v1/media/"+done.Item.ID {
		t.Errorf("delivery URL %q, %v: want Taito's own", d.URL, err)
	}
	for name, c := range map[string]struct{ offset, length int64 }{
		"whole":       {0, -1},
		"first byte":  {0, 1},
		"a slice":     {1000, 4096},
		"to the end":  {int64(len(big)) - 10, -1},
		"the last 10": {int64(len(big)) - 10, 10},
	} {
		r, err := lib.Read(ctx, done.Item, c.offset, c.length)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		end := int64(len(big))
		if c.length >= 0 {
			end = c.offset + c.length
		}
		if err != nil || !bytes.Equal(got, big[c.offset:end]) {
			t.Errorf("%s: %d bytes, %v", name, len(got), err)
		}
	}
	if _, err := lib.Read(ctx, media.Item{Key: media.ObjectKey(strings.Repeat("0", 64))}, 0, -1); !errors.Is(err, media.ErrNotFound) {
		t.Errorf("missing object: %v, want ErrNotFound", err)
	}
}
