package cobinar_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialect/cobinar"
	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/httpjson"
	"github.com/otpd/otpd/internal/otp"
)

// FuzzRequests throws arbitrary bodies, languages and credential headers
// at POST /v1/otp/send and /v1/otp/verify on one otpd (SQLite, a test
// application): never a 5xx; every error in the native shape (only
// "error", with a code of its status and a message); a send answered 200
// only for a phone otpd reads as a number, and a verify only for the code
// of a request the target sent.
func FuzzRequests(f *testing.F) {
	h := newHarness(f, "sqlite")
	app := h.CreateApp("test", `{"ttl":900}`)
	const phone = "+999482918102"
	// issued are the OTP requests sent here by requestId, with their
	// codes: a verify may succeed only with one of them. The clock moves a
	// minute per input, so a new one is sent every few inputs, before the
	// last expires.
	issued := map[string]string{}
	issue := func() (requestID, code string) {
		sent := h.Serve(cobinarRequest("/v1/otp/send", auth(app), `{ "phone": "+999 482 918 102" }`))
		requestID, _ = sent.Data()["requestId"].(string)
		if codes, err := h.Codes(app, phone); err == nil && len(codes) > 0 && sent.Status == 200 {
			issued[requestID] = codes[0]
		}
		return requestID, issued[requestID]
	}
	requestID, code := issue()
	if code == "" {
		f.Fatal("the first send failed")
	}

	for _, body := range []string{
		verifyBody(requestID, code), verifyBody(requestID, "000000"), `{ "phone": "+999 482 918 102" }`, `{ "phone": "+14155552671" }`, `{ "phone": "14155552671" }`, `{ "phone": "user@example.com" }`,
		`{ "phone": "" }`, `{ "phone": 14155552671 }`, `{ "phone": "+1 (415) 555-2671", "extra": 1 }`,
		`{ "requestId": "...", "code": "847291" }`, verifyBody("", code),
		`{ "requestId": 1, "code": 847291 }`, `[]`, `null`, `{`, "", "phone=%2B14155552671",
	} {
		for which := range uint8(2) {
			f.Add(which, body, "", "en")
			f.Add(which|2, body, "wrong", "ru") // a wrong credential
		}
	}
	f.Add(uint8(4), `{ "phone": "+14155552671" }`, "", "en") // a missing credential

	// which: bit 0 verify (else send); bits 1-2 the credential header that
	// is replaced by credential (x-client-id, x-client-secret, x-api-key), if any.
	credentials := []string{"", "x-client-id", "x-client-secret", "x-api-key"}
	inputs := 0
	f.Fuzz(func(t *testing.T, which uint8, body, credential, lang string) {
		h.Clock.Advance(time.Minute) // a fresh minute of every rate limit
		if inputs++; inputs%4 == 0 {
			issue()
		}
		path := "/v1/otp/send"
		if which&1 != 0 {
			path = "/v1/otp/verify"
		}
		header := auth(app)
		replaced := credentials[which>>1&3]
		if replaced != "" {
			header.Set(replaced, credential)
		}
		header.Set("Accept-Language", lang)
		r := cobinarRequest(path, header, body)
		res := h.Serve(r)
		if res.Status >= 500 || res.Status < 200 {
			t.Fatalf("%s %q: status %d: %s", path, body, res.Status, res.Raw)
		}
		if res.Status >= 400 {
			e, _ := res.Body["error"].(map[string]any)
			code, _ := e["code"].(string)
			msg, _ := e["message"].(string)
			if len(res.Body) != 1 || code == "" || strings.TrimSpace(msg) == "" || statusOf(code) != res.Status {
				t.Fatalf("%s %q: %d %s is not the native error shape with a code of its status", path, body, res.Status, res.Raw)
			}
			return
		}
		if replaced != "" && strings.TrimSpace(credential) != auth(app).Get(replaced) || len(res.Body) != 1 {
			t.Fatalf("%s %q: %d %s", path, body, res.Status, res.Raw)
		}
		var req struct{ Phone, RequestID, Code string }
		if err := json.Unmarshal([]byte(body), &req); err != nil {
			t.Fatalf("%s %q: 200 for a body that is not JSON: %s", path, body, res.Raw)
		}
		if path == "/v1/otp/verify" {
			if want, ok := issued[req.RequestID]; !ok || !dialecttest.SameCode(req.Code, want) {
				t.Fatalf("verify %q: 200 without the right code: %s", body, res.Raw)
			}
			return
		}
		d, err := otp.ParseDestination(req.Phone, "phone")
		if err != nil && fictional(req.Phone) {
			// A test application may send to a number no country uses (docs/design-notes.md).
			d, err = otp.Destination{Value: "+" + digits(req.Phone), IsPhone: true}, nil
		}
		if err != nil || !d.IsPhone || res.Data()["phone"] != d.Value {
			t.Fatalf("send %q: 200 with phone %v; otpd reads it as %+v, %v", body, res.Data()["phone"], d, err)
		}
	})
}

// fictional reports whether phone is written as an international number
// (with "+" or "00"): only such a number can be a fictional one.
func fictional(phone string) bool {
	s := strings.TrimLeft(phone, " (")
	return strings.HasPrefix(s, "+") || strings.HasPrefix(s, "00")
}

// digits are the digits of an international number, without its "00".
func digits(phone string) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, phone)
	if !strings.Contains(phone, "+") {
		d = strings.TrimPrefix(d, "00")
	}
	return d
}

// cobinarRequest is a POST of body with header.
func cobinarRequest(path string, header http.Header, body string) *http.Request {
	r := httptest.NewRequest("POST", path, strings.NewReader(body))
	for k, vs := range header {
		r.Header[k] = vs
	}
	r.Header.Set("Content-Type", "application/json")
	return r
}

// statusOf is the HTTP status of an error code: Cobinar's own codes, then otpd's.
func statusOf(code string) int {
	switch code {
	case cobinar.CodeInvalidCode, cobinar.CodeExpired, cobinar.CodeMaxAttempts:
		return 400
	case cobinar.CodeNotFound:
		return 404
	case cobinar.CodeAlreadyVerified, cobinar.CodeCanceled:
		return 409
	}
	s, _ := httpjson.Status(code)
	return s
}
