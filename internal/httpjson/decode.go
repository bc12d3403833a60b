package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/otpd/otpd/internal/otp"
)

// Codes the HTTP layer adds to the domain's.
const (
	CodeInvalidJSON      = "INVALID_JSON"
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	CodeUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE"
)

// ReadBody reads a request body of at most limit bytes. An empty body is
// allowed (nil). A JSON body is accepted whatever Content-Type it came
// with: curl's -d, the most common way to try an API, labels every body
// application/x-www-form-urlencoded. A body that is not JSON under
// another content type than JSON's (a form, a text) is refused with 415.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if held, ok := r.Body.(heldBody); ok {
		if body, ok := held.take(limit); ok {
			return checkBodyType(r, body)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, &otp.Error{Code: otp.CodePayloadTooLarge, Key: "body_too_large", Message: "The request body is too large",
			Params: map[string]any{"limit": tooBig.Limit}}
	}
	if err != nil {
		return nil, &otp.Error{Code: CodeInvalidJSON, Key: "malformed_json", Message: "The request body could not be read"}
	}
	return checkBodyType(r, body)
}

// checkBodyType refuses a body that is not JSON under a content type
// that is not JSON's.
func checkBodyType(r *http.Request, body []byte) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSONType(ct) && len(bytes.TrimSpace(body)) > 0 && !json.Valid(body) {
		return nil, &otp.Error{Code: CodeUnsupportedMedia, Key: "unsupported_media_type",
			Message: "The request body must be JSON, e.g. {\"to\":\"+14155552671\"}; a form-encoded or text body is not accepted here"}
	}
	return body, nil
}

// isJSONType reports whether a Content-Type header names JSON
// (application/json or a +json type).
func isJSONType(ct string) bool {
	if ct == "application/json" {
		return true // what nearly every client sends, without parsing it
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// Decode parses body strictly into v: unknown fields, wrong types,
// trailing data and malformed JSON are each a 400 naming what is wrong.
// An empty body decodes as {} when emptyOK.
func Decode(body []byte, v any, emptyOK bool) error {
	if len(bytes.TrimSpace(body)) == 0 {
		if emptyOK {
			return nil
		}
		return &otp.Error{Code: CodeInvalidJSON, Key: "malformed_json", Message: "A JSON request body is required"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	if err == nil {
		if _, tokErr := dec.Token(); tokErr != io.EOF {
			err = errors.New("trailing data")
		}
	}
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return &otp.Error{Code: CodeInvalidJSON, Key: "malformed_json", Message: "The request body must be a JSON object"}
		}
		return typeError(field, typeErr)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &otp.Error{Code: otp.CodeInvalidParameter, Key: "unknown_field", Field: field, Message: "Unknown field " + field}
	default:
		return &otp.Error{Code: CodeInvalidJSON, Key: "malformed_json", Message: "The request body is not valid JSON"}
	}
}

// typeError explains a JSON value that does not fit its field. A number
// is of the right JSON type for a numeric field but may still not fit:
// a fraction (300.5) for an integer is a wrong type, a whole number too
// large for the field is out of range.
func typeError(field string, e *json.UnmarshalTypeError) *otp.Error {
	kind := jsonKind(e.Type.Kind())
	if number, ok := strings.CutPrefix(e.Value, "number "); ok && (kind == "number" || kind == "integer" && isWholeNumber(number)) {
		return &otp.Error{Code: otp.CodeInvalidParameter, Key: "out_of_range", Field: field, Message: field + " is out of range"}
	}
	return &otp.Error{Code: otp.CodeInvalidParameter, Key: "wrong_type", Field: field, Message: field + " must be of type " + kind}
}

// isWholeNumber reports whether a JSON number is written as a whole
// number: digits, with an optional minus sign, no fraction or exponent.
func isWholeNumber(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// jsonKind names a Go kind as JSON Schema names the type of its values.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Bool:
		return "boolean"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return k.String()
}

// Write answers with v as JSON and a trailing newline.
func Write(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"INTERNAL","message":"encoding failed"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
