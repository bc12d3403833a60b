package kookoo_test

import (
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

// FuzzRequests sends arbitrary query strings and bodies, under arbitrary
// content types, by GET and POST to KooKoo's three endpoints on one otpd
// (SQLite, a test application): never a 5xx; every answer exactly
// KooKoo's {"status","message"} with a message, HTTP 200 unless HTTP
// itself was wrong (then status Error); success only for a phone_no that
// is a number, and for verifyotp only with a code sent to that number.
func FuzzRequests(f *testing.F) {
	h := newHarnessWith(f, dialecttest.Options{}, nil)
	app := h.CreateApp("test", `{"ttl":900}`)
	// A code is sent to +91 98123 45678 at the start and every few inputs
	// after, as the clock moves a minute per input.
	issue := func() *http.Request {
		return httptest.NewRequest("GET", pathSMS+query("phone_no", "9812345678", "api_key", app.APIKey), nil)
	}
	if sent := h.Serve(issue()); sent.Body["status"] != "success" {
		f.Fatalf("smsotp: %d %s", sent.Status, sent.Raw)
	}
	code := h.Code(app, smsNumber)
	paths := []string{pathSMS, pathCall, pathVerify}

	// Each seed request of 003, its placeholders filled, and the tests' own forms.
	for _, seed := range []struct {
		endpoint uint8
		url      string
	}{{2, seedVerifyOTP}, {0, seedSMSOTP}, {1, seedCallOTP}} {
		i := seed.endpoint
		u, _ := url.Parse(fromSeed(seed.url, app.APIKey, code))
		f.Add(uint8(i), u.RawQuery, "", "")
		f.Add(uint8(i)|4, "", u.RawQuery, "application/x-www-form-urlencoded")
	}
	for _, q := range []string{
		"phone_no=9812345678", "phone_no=09812345678", "phone_no=919812345678", "phone_no=%2B919812345678", "phone_no=+919812345678",
		"phone_no=user@example.com", "phone_no=user@", "phone_no=98123abcde", "phone_no=9812345678&otp=" + code, "phone_no=9812345678&otp=",
		"caller_id=<caller>&phone_no=9612345678", "sender_id=OZONETELSENDER&phone_no=9812345678", "phone_no=9812345678&phone_no=9612345678",
		"%zz", "phone_no=%", "",
	} {
		for i := range uint8(3) {
			f.Add(i|8, q, "", "")
			f.Add(i|4|8, "", q, "application/x-www-form-urlencoded")
		}
	}
	f.Add(uint8(4|8), "", `{"phone_no":"9812345678"}`, "application/json")
	f.Add(uint8(4|8), "", "--b\r\nContent-Disposition: form-data; name=\"phone_no\"\r\n\r\n9812345678\r\n--b--\r\n", "multipart/form-data; boundary=b")
	f.Add(uint8(4), "", strings.Repeat("x=y&", 5000), "application/x-www-form-urlencoded")

	// which: bits 0-1 the endpoint, bit 2 POST, bit 3 the API key in the query.
	inputs := 0
	f.Fuzz(func(t *testing.T, which uint8, rawQuery, body, contentType string) {
		h.Clock.Advance(time.Minute) // a fresh minute of every rate limit
		if inputs++; inputs%4 == 0 {
			h.Serve(issue())
		}
		method := "GET"
		if which&4 != 0 {
			method = "POST"
		}
		if which&8 != 0 {
			rawQuery += "&api_key=" + url.QueryEscape(app.APIKey)
		}
		r := httptest.NewRequest(method, paths[int(which&3)%len(paths)], strings.NewReader(body))
		r.URL.RawQuery = rawQuery
		r.Header.Set("Content-Type", contentType)
		res := h.Serve(r)
		status, _ := res.Body["status"].(string)
		msg, _ := res.Body["message"].(string)
		if res.Status >= 500 || len(res.Body) != 2 || strings.TrimSpace(msg) == "" ||
			status != "success" && status != "queued" && status != "Error" || res.Status != 200 && status != "Error" {
			t.Fatalf("%s %s %q (%q): %d %s", method, r.URL, body, contentType, res.Status, res.Raw)
		}
		switch res.Status {
		case 200, 400, 413, 415:
		default:
			t.Fatalf("%s %s %q (%q): status %d: %s", method, r.URL, body, contentType, res.Status, res.Raw)
		}
		if status == "Error" {
			return
		}
		params := requestParams(method, rawQuery, body, contentType)
		if params == nil {
			return // a multipart body: its fields are not read here
		}
		d, err := otp.ParseDestinationIn(params.Get("phone_no"), "IN", "phone_no")
		if err != nil || !d.IsPhone {
			t.Fatalf("%s %s %q: %s for phone_no %q, which is no number", method, r.URL, body, status, params.Get("phone_no"))
		}
		if r.URL.Path == pathVerify && !sentCode(h, app, d.Value, strings.TrimSpace(params.Get("otp"))) {
			t.Fatalf("%s %s %q: verified with otp %q, which was never sent to %s", method, r.URL, body, params.Get("otp"), d.Value)
		}
	})
}

// sentCode reports whether typed is a code otpd sent to number.
func sentCode(h *dialecttest.Harness, app dialecttest.App, number, typed string) bool {
	codes, _ := h.Codes(app, number)
	for _, c := range codes {
		if dialecttest.SameCode(typed, c) {
			return true
		}
	}
	return false
}

// requestParams are the parameters KooKoo reads of a request: a
// URL-encoded body's first, then the query string's; nil for a multipart
// body.
func requestParams(method, rawQuery, body, contentType string) url.Values {
	q, _ := url.ParseQuery(rawQuery)
	if method != "POST" {
		return q
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "multipart/form-data":
		return nil
	case "application/x-www-form-urlencoded":
		all, _ := url.ParseQuery(body)
		for k, vs := range q {
			all[k] = append(all[k], vs...)
		}
		return all
	}
	return q
}
