package httpjson_test

import (
	"encoding/json"
	"testing"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// request is a body with a field of each JSON type a request uses.
type request struct {
	To     string         `json:"to"`
	TTL    int            `json:"ttl"`
	Length *int           `json:"length"`
	Count  uint8          `json:"count"`
	Amount float64        `json:"amount"`
	Send   bool           `json:"send"`
	Tags   []string       `json:"tags"`
	Limits map[string]int `json:"limits"`
	Policy struct {
		TTL int `json:"ttl"`
	} `json:"policy"`
	Metadata json.RawMessage `json:"metadata"`
}

// TestDecodeErrors: each way a body can be wrong is named, with the
// field at fault; a number that is no whole number for an integer field
// says the field must be an integer.
func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		body             string
		code, key, field string
		message          string
	}{
		{`{"ttl":300.5}`, otp.CodeInvalidParameter, "wrong_type", "ttl", "ttl must be of type integer"},
		{`{"length":4.0}`, otp.CodeInvalidParameter, "wrong_type", "length", "length must be of type integer"},
		{`{"ttl":1e2}`, otp.CodeInvalidParameter, "wrong_type", "ttl", "ttl must be of type integer"},
		{`{"ttl":"300"}`, otp.CodeInvalidParameter, "wrong_type", "ttl", "ttl must be of type integer"},
		{`{"policy":{"ttl":0.5}}`, otp.CodeInvalidParameter, "wrong_type", "policy.ttl", "policy.ttl must be of type integer"},
		{`{"ttl":99999999999999999999}`, otp.CodeInvalidParameter, "out_of_range", "ttl", "ttl is out of range"},
		{`{"count":-1}`, otp.CodeInvalidParameter, "out_of_range", "count", "count is out of range"},
		{`{"count":256}`, otp.CodeInvalidParameter, "out_of_range", "count", "count is out of range"},
		{`{"amount":1e400}`, otp.CodeInvalidParameter, "out_of_range", "amount", "amount is out of range"},
		{`{"amount":"1"}`, otp.CodeInvalidParameter, "wrong_type", "amount", "amount must be of type number"},
		{`{"to":14155552671}`, otp.CodeInvalidParameter, "wrong_type", "to", "to must be of type string"},
		{`{"send":"yes"}`, otp.CodeInvalidParameter, "wrong_type", "send", "send must be of type boolean"},
		{`{"tags":"a"}`, otp.CodeInvalidParameter, "wrong_type", "tags", "tags must be of type array"},
		{`{"policy":[]}`, otp.CodeInvalidParameter, "wrong_type", "policy", "policy must be of type object"},
		{`{"nope":1}`, otp.CodeInvalidParameter, "unknown_field", "nope", "Unknown field nope"},
		{`[]`, httpjson.CodeInvalidJSON, "malformed_json", "", "The request body must be a JSON object"},
		{`{"to":`, httpjson.CodeInvalidJSON, "malformed_json", "", "The request body is not valid JSON"},
		{`{} {}`, httpjson.CodeInvalidJSON, "malformed_json", "", "The request body is not valid JSON"},
		{` `, httpjson.CodeInvalidJSON, "malformed_json", "", "A JSON request body is required"},
	}
	for _, tt := range tests {
		var v request
		e := otp.ErrorOf(httpjson.Decode([]byte(tt.body), &v, false))
		if e == nil {
			t.Errorf("Decode(%s) = nil, want %s", tt.body, tt.key)
			continue
		}
		if e.Code != tt.code || e.Key != tt.key || e.Field != tt.field || e.Message != tt.message {
			t.Errorf("Decode(%s) = %s %s %q %q, want %s %s %q %q", tt.body, e.Code, e.Key, e.Field, e.Message, tt.code, tt.key, tt.field, tt.message)
		}
	}
}

// TestDecodeAccepts: whole numbers, including negative zero, fit integer
// fields.
func TestDecodeAccepts(t *testing.T) {
	for _, body := range []string{`{"ttl":300,"length":4,"count":255,"amount":1.5e3}`, `{"ttl":-0}`, ``} {
		var v request
		if err := httpjson.Decode([]byte(body), &v, true); err != nil {
			t.Errorf("Decode(%s) = %v, want nil", body, err)
		}
	}
}
