package httpapi

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
)

// FuzzDecodeLogin feeds arbitrary bodies to the strict JSON decoder with the sign-in request: it
// must never panic, every failure must be a client error, never an internal one, and what it
// accepts is the text that was sent: never a U+FFFD put in place of bytes that are not UTF-8 or
// of an escaped half surrogate.
func FuzzDecodeLogin(f *testing.F) {
	for _, seed := range []string{
		`{"email":"a@b.fi","password":"x"}`, `{"email":`, `[]`, `{"email":"a","email":"b"}`, `{"x":1}`,
		`{"email":"\ud800","password":""}`, `{} {}`, "{\"email\":\"\xff\"}", `null`, `{"password":1e999}`,
		`{"email":"\udc00\ud800"}`, `{"email":"\ud83d\ude00"}`, `{"email":"\\ud800"}`, `{"email":"\ud800\u0041"}`,
		"{\"email\":\"\xed\xa0\x80\"}", "{\"email\":\"\xc3\"}", `{"email":"\ufffd"}`, "{\"email\":\"\xef\xbf\xbd\"}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var req loginRequest
		err := decodeJSONBytes("application/json", []byte(body), &req)
		if err == nil {
			for _, v := range []string{req.Email, req.Password} {
				if !utf8.ValidString(v) {
					t.Fatalf("body %q decoded to a string that is not UTF-8: %q", body, v)
				}
				// U+FFFD may come only from the body itself, raw or escaped.
				sent := strings.Count(body, "\ufffd") + strings.Count(strings.ToLower(body), `\ufffd`)
				if strings.Count(v, "\ufffd") > sent {
					t.Fatalf("body %q: U+FFFD in %q that the body did not send", body, v)
				}
			}
			return
		}
		var ae *apperr.Error
		var fe *fiber.Error
		switch {
		case errors.As(err, &ae):
			if ae.Kind != apperr.KindInvalid && ae.Kind != apperr.KindValidation {
				t.Fatalf("body %q: error kind %v, want a client error", body, ae.Kind)
			}
		case errors.As(err, &fe):
			t.Fatalf("body %q with a JSON content type: %v", body, err)
		default:
			t.Fatalf("body %q: unclassified error %v", body, err)
		}
	})
}

func TestDecodeContentTypes(t *testing.T) {
	for ct, ok := range map[string]bool{
		"application/json":                true,
		"application/json; charset=utf-8": true,
		"application/merge-patch+json":    true,
		"text/plain":                      false,
		"":                                false,
		"application/jsonx":               false,
	} {
		var req loginRequest
		err := decodeJSONBytes(ct, []byte(`{"email":"a@b.fi","password":"x"}`), &req)
		if (err == nil) != ok {
			t.Errorf("Content-Type %q: err = %v, want ok=%v", ct, err, ok)
		}
	}
}
