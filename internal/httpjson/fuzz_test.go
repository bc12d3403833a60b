package httpjson_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// placeholder is a {name} of a translation that was left unfilled.
var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// FuzzReadAndDecode reads arbitrary bodies under arbitrary content types
// as every JSON API does (ReadBody, then Decode): each failure is an
// *otp.Error of a 4xx status, with a message in both languages that names
// the field it is about; each success is a JSON object that
// encoding/json reads the same way.
func FuzzReadAndDecode(f *testing.F) {
	for _, body := range []string{
		// K-OTP's (seed 001), Cobinar's (seed 002) and kod.mobi's (seed 000) bodies.
		`{"to":"+1234567890","method":"sms","type":"verification","template":"default","ttl":300,"length":6,"metadata":{"user_id":"user_123","action":"login"}}`,
		`{"id":"otp_1234567890abcdef","code":"123456"}`, `{ "phone": "+999 482 918 102" }`, `{ "requestId": "x", "code": "482913" }`,
		`{"to":"79991234567","type":"sms","send":true}`,
		`{"ttl":300.5}`, `{"ttl":1e2}`, `{"ttl":99999999999999999999}`, `{"count":-1}`, `{"amount":1e400}`, `{"policy":{"ttl":0.5}}`,
		`{"to":1}`, `{"nope":1}`, `[]`, `null`, `{"to":`, `{} {}`, "", " ", "\x00", "to=%2B14155552671", `{"to":"\ud800"}`,
	} {
		for _, ct := range []string{"", "application/json", "application/x-www-form-urlencoded", "text/plain; charset=utf-8", "application/problem+json"} {
			f.Add(body, ct, "en")
		}
		f.Add(body, "application/json", "ru")
	}
	f.Fuzz(func(t *testing.T, body, contentType, lang string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("Accept-Language", lang)
		raw, err := httpjson.ReadBody(httptest.NewRecorder(), r, 1<<10)
		if err == nil {
			var v request
			if err = httpjson.Decode(raw, &v, true); err == nil {
				if len(bytes.TrimSpace(raw)) > 0 {
					var again request
					if err := json.Unmarshal(raw, &again); err != nil {
						t.Fatalf("Decode accepted %q, which encoding/json refuses: %v", raw, err)
					}
				}
				return
			}
		}
		e := otp.ErrorOf(err)
		if e == nil {
			t.Fatalf("body %q (%q): error %v is not an *otp.Error", body, contentType, err)
		}
		status, ok := httpjson.Status(e.Code)
		if !ok || status < 400 || status >= 500 {
			t.Fatalf("body %q (%q): error %s has status %d", body, contentType, e.Code, status)
		}
		if e.Field != "" && !strings.Contains(e.Message, e.Field) {
			t.Errorf("body %q: message %q does not name the field %q", body, e.Message, e.Field)
		}
		for _, l := range []string{"en", "ru", lang} {
			r.Header.Set("Accept-Language", l)
			msg := httpjson.Localize(r, e)
			if strings.TrimSpace(msg) == "" || placeholder.MatchString(strings.ReplaceAll(msg, e.Field, "")) {
				t.Errorf("body %q in %q: message %q", body, l, msg)
			}
		}
		if e.Key == "" {
			t.Errorf("body %q: error %s has no message key", body, e.Code)
		}
	})
}
