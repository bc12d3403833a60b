package cobinar_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestSend: POST /v1/otp/send with the seed's body answers the seed's
// shape, field by field: data {requestId, phone, status "pending",
// expiresAt}, 5 minutes and a 6-digit code by the default policy; the
// seed's +999 number works for a test application, whose code lands in
// its test inbox, and a real number for a live one.
func TestSend(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")
		r := post(h, "/v1/otp/send", auth(app), `{ "phone": "+999 482 918 102" }`)
		if r.Status != 200 {
			t.Fatalf("send: %d %s", r.Status, r.Raw)
		}
		if got := keys(r.Body); got != "data" {
			t.Errorf("body has %s, want data only", got)
		}
		d := r.Data()
		if got, want := keys(d), "expiresAt,phone,requestId,status"; got != want {
			t.Errorf("data has %s, want %s", got, want)
		}
		if d["phone"] != "+999482918102" || d["status"] != "pending" || d["expiresAt"] != "2026-11-22T10:05:00.000Z" {
			t.Errorf("data = %v; want phone +999482918102, status pending, expiresAt 2026-11-22T10:05:00.000Z", d)
		}
		id, _ := d["requestId"].(string)
		if !strings.HasPrefix(id, "ver_") {
			t.Errorf("requestId = %q, want otpd's verification id", id)
		}
		if code := h.Code(app, "+999482918102"); len(code) != 6 || strings.Trim(code, "0123456789") != "" {
			t.Errorf("code %q, want 6 digits", code)
		}
		if got, want := r.Header.Get("X-RateLimit-Limit"), "5"; got != want {
			t.Errorf("X-RateLimit-Limit = %q, want %q (Cobinar's sends a minute)", got, want)
		}
		if got, want := r.Header.Get("X-RateLimit-Remaining"), "4"; got != want {
			t.Errorf("X-RateLimit-Remaining = %q, want %q", got, want)
		}
		if r.Header.Get("X-RateLimit-Reset") == "" {
			t.Error("no X-RateLimit-Reset")
		}
		// The console shows it as any verification.
		v := h.Admin("GET", "/v1/otp/"+id, "", 200).Data()
		if v["appId"] != app.ID || v["to"] != "+999482918102" || v["channel"] != "sms" || v["status"] != "pending" {
			t.Errorf("console shows %v", v)
		}

		live := h.CreateApp("live", "")
		r = post(h, "/v1/otp/send", auth(live), `{ "phone": "+1 (415) 555-2671" }`)
		if r.Status != 200 || r.Data()["phone"] != "+14155552671" || r.Data()["status"] != "pending" {
			t.Errorf("live send: %d %s, want 200 to +14155552671", r.Status, r.Raw)
		}

		// The project's policy rules the code and its lifetime.
		long := h.CreateApp("test", `{"codeLength":8,"ttl":600}`)
		r = post(h, "/v1/otp/send", auth(long), `{ "phone": "+999 482 918 103" }`)
		if r.Status != 200 || r.Data()["expiresAt"] != "2026-11-22T10:10:00.000Z" {
			t.Errorf("send under a 10-minute policy: %d %s", r.Status, r.Raw)
		}
		if code := h.Code(long, "+999482918103"); len(code) != 8 {
			t.Errorf("code under an 8-digit policy = %q", code)
		}
	})
}

// TestSendRefusesBadRequests: every malformed send is a 4xx in the native
// error shape with a stable code, the field at fault and a message, and
// sends nothing.
func TestSendRefusesBadRequests(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", `{"appSendsPerMinute":100}`)
		live := h.CreateApp("live", `{"appSendsPerMinute":100}`)
		for _, tc := range []struct {
			name   string
			app    dialecttest.App
			header http.Header
			body   string
			status int
			code   string
			field  string
		}{
			{"no body", app, nil, "", 400, "INVALID_JSON", ""},
			{"not JSON", app, nil, `{"phone":`, 400, "INVALID_JSON", ""},
			{"not an object", app, nil, `["+999482918102"]`, 400, "INVALID_JSON", ""},
			{"no phone", app, nil, `{}`, 400, "INVALID_PARAMETER", "phone"},
			{"empty phone", app, nil, `{ "phone": " " }`, 400, "INVALID_PARAMETER", "phone"},
			{"phone a number", app, nil, `{ "phone": 999482918102 }`, 400, "INVALID_PARAMETER", "phone"},
			{"unknown field", app, nil, `{ "phone": "+999 482 918 102", "channel": "sms" }`, 400, "INVALID_PARAMETER", "channel"},
			{"not a phone number", app, nil, `{ "phone": "call me" }`, 400, "INVALID_PHONE", "phone"},
			{"too short", app, nil, `{ "phone": "+99948" }`, 400, "INVALID_PHONE", "phone"},
			{"an email address", app, nil, `{ "phone": "a@example.com" }`, 400, "INVALID_PHONE", "phone"},
			{"too long", app, nil, `{ "phone": "` + strings.Repeat("1", 300) + `" }`, 400, "INVALID_PARAMETER", "phone"},
			{"fictional number, live application", live, nil, `{ "phone": "+999 482 918 102" }`, 400, "INVALID_PHONE", "phone"},
			{"form body", app, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, `phone=%2B999482918102`, 415, "UNSUPPORTED_MEDIA_TYPE", ""},
			{"huge body", app, nil, `{ "phone": "` + strings.Repeat(" ", 20000) + `+999 482 918 102" }`, 413, "PAYLOAD_TOO_LARGE", ""},
		} {
			header := auth(tc.app)
			for k, v := range tc.header {
				header[k] = v
			}
			r := post(h, "/v1/otp/send", header, tc.body)
			d := wantError(t, tc.name, r, tc.status, tc.code)
			if got, _ := d["field"].(string); got != tc.field {
				t.Errorf("%s: details.field = %q, want %q", tc.name, got, tc.field)
			}
		}
		// Another method is the native API's answer: the path is known.
		r := h.Do(dialecttest.Request{Method: "PUT", Path: "/v1/otp/send", Header: auth(app), Body: `{ "phone": "+999 482 918 102" }`})
		wantError(t, "PUT", r, 405, "METHOD_NOT_ALLOWED")

		// In Russian on request.
		r = post(h, "/v1/otp/send", with(auth(app), "Accept-Language", "ru"), `{}`)
		if message(r) != "Поле phone обязательно" {
			t.Errorf("Russian error: %s", r.Raw)
		}
		r = post(h, "/v1/otp/send", with(auth(app), "Accept-Language", "ru"), `{ "phone": "123" }`)
		if message(r) != "Неверный формат номера телефона" {
			t.Errorf("Russian error: %s", r.Raw)
		}
		for _, a := range []dialecttest.App{app, live} {
			if l := h.Admin("GET", "/v1/otp?appId="+a.ID, "", 200).Body["data"].([]any); len(l) != 0 {
				t.Errorf("refused sends created %d verifications", len(l))
			}
		}
	})
}
