package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/taito-lms/taito/internal/apperr"
)

// decodeJSON reads the request body into v strictly: JSON media type, one value, no unknown
// fields, the right types. Every problem is a client error with a clear message.
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

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return apperr.New(apperr.KindInvalid, fmt.Sprintf("malformed JSON at byte %d", syn.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.New(apperr.KindInvalid, "malformed JSON: the body ends too early")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.New(apperr.KindInvalid, "the body must be a JSON object")
		}
		return apperr.Validation(apperr.FieldError{Field: field, Message: "must be " + jsonTypeName(typ.Type.Kind().String())})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return apperr.Validation(apperr.FieldError{Field: name, Message: "is not a known field"})
	default:
		return apperr.New(apperr.KindInvalid, "malformed JSON")
	}
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	default:
		return "of another type"
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
			return 0, "", apperr.Validation(apperr.FieldError{Field: "limit", Message: fmt.Sprintf("must be a whole number from 1 to %d", maxLimit)})
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
