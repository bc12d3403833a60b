package kodmobi_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// sysMessages are the sys_message values kod.mobi's SDK knows, and otpd's two.
var sysMessages = map[string]bool{
	"ERROR_ACCESS_DENIED": true, "ERROR_BAD_REQUEST": true, "ERROR_PROJECT_HAS_NO_CHANNELS": true, "ERROR_PROJECT_HAS_NO_CHANNEL": true,
	"ERROR_USER_NOT_AUTHORIZE_ON_CHANNEL": true, "ERROR_SESSION_EXPIRED": true, "ERROR_MESSAGE_WRONG_CODE": true,
	"ERROR_CHANNEL_NOT_ALLOWED_COUNTRY": true, "ERROR_MESSAGE_ATTEMPT": true, "ERROR_PHONE_BLOCKED": true, "ERROR_BLOCKED": true,
	"ERROR_CHALLENGE": true, "ERROR_WRONG_BALANCE": true, "ERROR_VERIFY_TOKEN_INVALID": true,
}

// fuzzEndpoint is an endpoint the fuzz target calls, with the key it takes.
type fuzzEndpoint struct {
	method, path string
	secret       bool // the secret API key, else the public key
}

var fuzzEndpoints = []fuzzEndpoint{
	{"POST", "/v2/create", false}, {"POST", "/v2/send", false}, {"POST", "/v2/check", false}, {"POST", "/v2/verify", true},
	{"POST", "/manual/send", true}, {"GET", "/v2/channels", false}, {"GET", "/api/v1/message/create", false},
	{"GET", "/api/v1/message/send", false}, {"GET", "/api/v1/message/check", false}, {"GET", "/api/v1/channel/check", false},
}

// FuzzRequests throws arbitrary bodies (JSON or forms) and query strings
// at the session flow, the server-side verify, the manual send and the
// legacy query-string API on one otpd (SQLite, a test application):
// never a 5xx; every error kod.mobi's {"success":false,"sys_message",
// "message"} with a sys_message the SDK knows and a message; a create or
// manual send answered 200 only for a to otpd reads, a check only for a
// session the target opened and a code sent to its number.
func FuzzRequests(f *testing.F) {
	h := newHarness(f, "sqlite", nil)
	app := h.CreateApp("test", `{"channels":["sms","whatsapp","email"],"ttl":900,"sessionTtl":900}`)
	const phone = "+79991234567"
	// sessions are the sessions opened here: a check may succeed only for
	// one of them, with a code sent to phone. The clock moves a minute per
	// input, so one is opened (or its open one sent again) every few inputs.
	sessions := map[string]bool{}
	open := func() string {
		created := h.Serve(kodRequest(fuzzEndpoints[0], app, `{"to":"`+phone+`","type":"sms"}`, "", "application/json"))
		id, _ := created.Body["session_id"].(string)
		if created.Status == 200 {
			sessions[id] = true
		}
		return id
	}
	session := open()
	if !sessions[session] {
		f.Fatal("the first create failed")
	}
	code := h.Code(app, phone)

	for _, body := range []string{
		`{"session_id":"` + session + `","code":"` + code + `"}`, `{"to":"+79991234567","send":false}`, `{"to":"79991234567","type":"whatsapp"}`, `{"to":"user@example.com","type":"email"}`,
		`{"to":"+79991234567","type":"telegram"}`, `{"to":79991234567,"send":"1"}`, `{"to":"+79991234567","send":"yes"}`,
		`{"session_id":"` + session + `","type":"whatsapp"}`,
		`{"session_id":"` + session + `","code":"0000"}`, `{"session_id":"01JDR7Q3M4A9F8V6T5S2K1H0GX","code":"12345"}`,
		`{"verify_token":"vt_unknown"}`, `{"verify_token":42}`,
		`{"to":"+79991234567","channel":"sms","code":"1234","callback_url":"https://example.com/cb"}`,
		`{"to":"+79991234567","channel":"sms","provider_id":"x"}`, `{"to":"+79991234567","channel":"sms","code":"12"}`,
		"to=%2B79991234567&type=sms", `[]`, `null`, `{"to":`, "",
	} {
		for i := range uint8(5) {
			f.Add(i, body, "", "application/json")
		}
	}
	for _, q := range []string{
		"to=8+(999)+123-45-67&type=sms", "to=%2B79991234567&type=sms&send=0", "to=89991234567&lang=ru",
		"session_id=" + session + "&type=whatsapp", "session_id=" + session + "&code=" + code, "session_id=" + session + "&type=telegram",
		"session_id=x&code=1", "session_id=", "%zz", "",
	} {
		for i := range uint8(5) {
			f.Add(i+5, "", q, "")
		}
	}

	inputs := 0
	f.Fuzz(func(t *testing.T, which uint8, body, rawQuery, contentType string) {
		h.Clock.Advance(time.Minute) // past every channel timeout and rate limit
		if inputs++; inputs%4 == 0 {
			open()
		}
		ep := fuzzEndpoints[int(which)%len(fuzzEndpoints)]
		r := kodRequest(ep, app, body, rawQuery, contentType)
		res := h.Serve(r)
		if res.Status >= 500 || res.Status < 200 {
			t.Fatalf("%s %s %q (%q): status %d: %s", ep.method, r.URL, body, contentType, res.Status, res.Raw)
		}
		if res.Status >= 400 {
			msg, _ := res.Body["message"].(string)
			sys, _ := res.Body["sys_message"].(string)
			if res.Body["success"] != false || !sysMessages[sys] || strings.TrimSpace(msg) == "" {
				t.Fatalf("%s %s %q (%q): %d %s is not kod.mobi's error shape", ep.method, r.URL, body, contentType, res.Status, res.Raw)
			}
			return
		}
		if res.Status != 200 {
			t.Fatalf("%s %s %q: status %d: %s", ep.method, r.URL, body, res.Status, res.Raw)
		}
		params := kodParams(ep, body, rawQuery, contentType)
		if params == nil {
			return
		}
		switch ep.path {
		case "/v2/create", "/manual/send", "/api/v1/message/create":
			to := params["to"]
			if ep.path == "/api/v1/message/create" {
				to = legacyForm(to)
			}
			if !readable(to) {
				t.Fatalf("%s %s %q: 200 for to %q, which otpd does not read: %s", ep.method, r.URL, body, params["to"], res.Raw)
			}
		case "/v2/check", "/api/v1/message/check":
			if !sessions[params["session_id"]] || !sentCode(h, app, phone, params["code"]) {
				t.Fatalf("%s %s %q: 200 without the session's code: %s", ep.method, r.URL, body, res.Raw)
			}
		}
	})
}

// sentCode reports whether typed is a code otpd sent to to.
func sentCode(h *dialecttest.Harness, app dialecttest.App, to, typed string) bool {
	codes, _ := h.Codes(app, to)
	for _, c := range codes {
		if dialecttest.SameCode(typed, c) {
			return true
		}
	}
	return false
}

// kodRequest is a request of ep with the application's key for it.
func kodRequest(ep fuzzEndpoint, app dialecttest.App, body, rawQuery, contentType string) *http.Request {
	r := httptest.NewRequest(ep.method, ep.path, strings.NewReader(body))
	r.URL.RawQuery = rawQuery
	r.Header.Set("Content-Type", contentType)
	key := app.PublicKey
	if ep.secret {
		key = app.APIKey
	}
	r.Header.Set("X-Api-Key", key)
	return r
}

// kodParams are the string parameters the dialect reads of a request:
// the query string's for GET, else a JSON body's strings and numbers or
// a form's values; nil when the body is neither.
func kodParams(ep fuzzEndpoint, body, rawQuery, contentType string) map[string]string {
	out := map[string]string{}
	if ep.method == "GET" {
		q, _ := url.ParseQuery(rawQuery)
		for k := range q {
			out[k] = string([]rune(q.Get(k)))
		}
		return out
	}
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" {
		form, err := url.ParseQuery(body)
		if err != nil {
			return nil
		}
		for k := range form {
			out[k] = string([]rune(form.Get(k)))
		}
		return out
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal([]byte(body), &fields) != nil {
		return nil
	}
	for k, raw := range fields {
		var s string
		var n json.Number
		switch {
		case json.Unmarshal(raw, &s) == nil:
			out[k] = s
		case json.Unmarshal(raw, &n) == nil:
			out[k] = n.String()
		}
	}
	return out
}

// legacyForm is to as the legacy API reads it: 8 and ten digits are +7.
func legacyForm(to string) string {
	digits := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == ' ' || r == '-' || r == '(' || r == ')':
			return -1
		}
		return 'x'
	}, to)
	if len(digits) == 11 && digits[0] == '8' && !strings.Contains(digits, "x") {
		return "+7" + digits[1:]
	}
	return to
}

// readable reports whether otpd reads to as a destination of a test
// application: a number (its "+" may be left out), an email address, or a
// fictional number written with "+" or "00".
func readable(to string) bool {
	if _, err := otp.ParseDestination(to, "to"); err == nil {
		return true
	}
	if _, err := otp.ParseDestination("+"+strings.TrimSpace(to), "to"); err == nil {
		return true
	}
	s := strings.TrimSpace(to)
	return strings.HasPrefix(s, "+") || strings.HasPrefix(s, "00")
}
