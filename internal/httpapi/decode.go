package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
)

// decodeJSON reads the request body into v strictly: JSON media type, UTF-8 text, one value,
// no unknown fields, the right types. Every problem is a client error with a clear message.
func decodeJSON(c *fiber.Ctx, v any) error {
	return decodeJSONBytes(c.Get(fiber.HeaderContentType), c.Body(), v)
}

func decodeJSONBytes(contentType string, body []byte, v any) error {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return fiber.ErrUnsupportedMediaType
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return apperr.New(apperr.KindInvalid, "the request body is empty; send a JSON object")
	}
	if err := checkText(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apperr.New(apperr.KindInvalid, "unexpected data after the JSON value")
	}
	return nil
}

// checkText refuses a body that is not UTF-8 or whose strings escape half of a UTF-16
// surrogate pair ("\ud800"): encoding/json would silently store U+FFFD in their place.
func checkText(body []byte) error {
	if !utf8.Valid(body) {
		at := 0
		for at < len(body) {
			r, size := utf8.DecodeRune(body[at:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			at += size
		}
		return apperr.New(apperr.KindInvalid, "the body is not valid UTF-8 (byte {at})", apperr.Params{"at": strconv.Itoa(at)})
	}
	// Outside strings JSON has no backslashes, so every backslash starts an escape.
	for i := 0; i+1 < len(body); i++ {
		if body[i] != '\\' {
			continue
		}
		i++ // the escaped character
		r, ok := hex4(body[i:])
		if !ok || !utf16.IsSurrogate(r) {
			continue // not a surrogate, or a syntax error the decoder reports
		}
		if next := body[i+5:]; len(next) > 0 && next[0] == '\\' {
			if low, ok := hex4(next[1:]); ok && utf16.DecodeRune(r, low) != unicode.ReplacementChar {
				i += 10 // a pair: one character
				continue
			}
		}
		return apperr.New(apperr.KindInvalid, "the body escapes half of a UTF-16 surrogate pair (byte {at}), which is not a character", apperr.Params{"at": strconv.Itoa(i - 1)})
	}
	return nil
}

// hex4 reads a \u escape's "uXXXX" at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 5 || b[0] != 'u' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[1:5]), 16, 32)
	return rune(n), err == nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return apperr.New(apperr.KindInvalid, "malformed JSON at byte {at}", apperr.Params{"at": strconv.FormatInt(syn.Offset, 10)})
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.New(apperr.KindInvalid, "malformed JSON: the body ends too early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.New(apperr.KindInvalid, "the body must be a JSON object")
		}
		return apperr.Validation(apperr.NewField(field, jsonTypeName(typ.Type.Kind().String())))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return apperr.Validation(apperr.FieldError{Field: name, Message: "is not a known field"})
	default:
		return apperr.New(apperr.KindInvalid, "malformed JSON")
	}
}

// jsonTypeName is the field message for a value of the wrong JSON type.
func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "must be a string"
	case "bool":
		return "must be true or false"
	case "slice", "array":
		return "must be an array"
	case "map", "struct":
		return "must be an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "must be an integer"
	case "float32", "float64":
		return "must be a number"
	default:
		return "must be of another type"
	}
}

// Pagination bounds.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// pageParams reads ?limit= and ?after=.
func pageParams(c *fiber.Ctx) (limit int, after string, err error) {
	limit = defaultLimit
	if v := c.Query("limit"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 1 || n > maxLimit {
			return 0, "", apperr.Validation(apperr.NewField("limit", "must be a whole number from 1 to {max}", apperr.Params{"max": strconv.Itoa(maxLimit)}))
		}
		limit = n
	}
	after = c.Query("after")
	if len(after) > 200 {
		return 0, "", apperr.Validation(apperr.FieldError{Field: "after", Message: "is not a cursor this API gave out"})
	}
	return limit, after, nil
}

// listResponse is the shape of every list.
type listResponse[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

func newList[T any](items []T, next string) listResponse[T] {
	if items == nil {
		items = []T{}
	}
	return listResponse[T]{Items: items, Next: next}
}
