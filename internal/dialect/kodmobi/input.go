package kodmobi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// input is a request's parameters by name, each a JSON value: the fields
// of a JSON body, or the values of a form or query string as JSON
// strings. kod.mobi validates fields the way Laravel does: unknown fields
// are ignored, and a boolean may be written true, false, 1, 0, "1" or "0".
type input map[string]json.RawMessage

// queryInput reads a query string or form.
func queryInput(q url.Values) input {
	in := input{}
	for k, vs := range q {
		if len(vs) > 0 {
			b, _ := json.Marshal(vs[0]) // a string always encodes
			in[k] = b
		}
	}
	return in
}

// bodyInput reads a JSON object body, or a form; an empty body has no fields.
func bodyInput(w http.ResponseWriter, r *http.Request) (input, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			return nil, &otp.Error{Code: httpjson.CodeInvalidJSON, Key: "malformed_json", Message: "The request body could not be read"}
		}
		return queryInput(r.PostForm), nil
	}
	body, err := httpjson.ReadBody(w, r, maxBody)
	if err != nil {
		return nil, err
	}
	in := input{}
	if len(bytes.TrimSpace(body)) == 0 {
		return in, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&in); err != nil || in == nil {
		return nil, &otp.Error{Code: httpjson.CodeInvalidJSON, Key: "malformed_json", Message: "The request body must be a JSON object"}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &otp.Error{Code: httpjson.CodeInvalidJSON, Key: "malformed_json", Message: "The request body is not valid JSON"}
	}
	return in, nil
}

// str returns a string field; a number is taken as written (a code or a
// phone number sent without quotes). Absent and null are "".
func (in input) str(name string) (string, error) {
	raw, ok := in[name]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", &otp.Error{Code: otp.CodeInvalidParameter, Key: "wrong_type", Field: name, Message: name + " must be of type string"}
}

// required is str for a field that must be there.
func (in input) required(name string) (string, error) {
	s, err := in.str(name)
	if err == nil && s == "" {
		err = &otp.Error{Code: otp.CodeInvalidParameter, Key: "required", Field: name, Message: name + " is required"}
	}
	return s, err
}

// boolean returns a boolean field, def when it is absent or null.
func (in input) boolean(name string, def bool) (bool, error) {
	raw, ok := in[name]
	if !ok || string(raw) == "null" {
		return def, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err == nil {
		switch v := v.(type) {
		case bool:
			return v, nil
		case float64:
			if v == 0 || v == 1 {
				return v == 1, nil
			}
		case string:
			switch strings.ToLower(v) {
			case "true", "1":
				return true, nil
			case "false", "0":
				return false, nil
			}
		}
	}
	return false, &otp.Error{Code: otp.CodeInvalidParameter, Key: "wrong_type", Field: name, Message: name + " must be of type boolean"}
}
