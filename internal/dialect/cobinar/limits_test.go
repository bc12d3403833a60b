package cobinar_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestPerApplicationLimits: as documented, an application sends 5 codes
// and verifies 10 a minute (the 6th and the 11th are 429 RATE_LIMITED
// with Retry-After and the X-RateLimit headers of that limit); the
// project's policy sets other limits; one application's limit is not
// another's.
func TestPerApplicationLimits(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app, other := h.CreateApp("test", ""), h.CreateApp("test", "")
		phone := func(i int) string { return fmt.Sprintf("+999 482 918 %03d", i) }

		for i := range 5 {
			send(t, h, app, phone(i))
		}
		r := post(h, "/v1/otp/send", auth(app), `{ "phone": "`+phone(5)+`" }`)
		d := wantError(t, "6th send", r, 429, "RATE_LIMITED")
		retry, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || retry < 1 || retry > 60 || d["retryAfter"] != float64(retry) || d["limit"] != 5.0 {
			t.Errorf("6th send: Retry-After %q, details %v; want 1-60 s, the same in details.retryAfter, limit 5", r.Header.Get("Retry-After"), d)
		}
		if r.Header.Get("X-RateLimit-Limit") != "5" || r.Header.Get("X-RateLimit-Remaining") != "0" || r.Header.Get("X-RateLimit-Reset") == "" {
			t.Errorf("6th send: X-RateLimit %q/%q/%q, want 5/0/a time", r.Header.Get("X-RateLimit-Limit"),
				r.Header.Get("X-RateLimit-Remaining"), r.Header.Get("X-RateLimit-Reset"))
		}
		if m := message(r); m != "This application sent too many codes: at most 5 a minute" {
			t.Errorf("6th send message = %q", m)
		}
		send(t, h, other, phone(5)) // its own limit
		h.Clock.Advance(time.Duration(retry) * time.Second)
		send(t, h, app, phone(5)) // the wait it was told is enough

		for i := range 10 {
			r := post(h, "/v1/otp/verify", auth(app), verifyBody("ver_unknown", "847291"))
			wantError(t, fmt.Sprintf("verify %d", i+1), r, 404, "OTP_NOT_FOUND")
			if got, want := r.Header.Get("X-RateLimit-Remaining"), strconv.Itoa(9-i); got != want {
				t.Errorf("verify %d: X-RateLimit-Remaining %q, want %q", i+1, got, want)
			}
		}
		r = post(h, "/v1/otp/verify", with(auth(app), "Accept-Language", "ru"), verifyBody("ver_unknown", "847291"))
		wantError(t, "11th verify", r, 429, "RATE_LIMITED")
		if r.Header.Get("X-RateLimit-Limit") != "10" || r.Header.Get("Retry-After") == "" {
			t.Errorf("11th verify: X-RateLimit-Limit %q, Retry-After %q", r.Header.Get("X-RateLimit-Limit"), r.Header.Get("Retry-After"))
		}
		if m := message(r); m != "Приложение проверило слишком много кодов: не более 10 в минуту" {
			t.Errorf("11th verify in Russian: %q", m)
		}

		// The project's policy sets others.
		custom := h.CreateApp("test", `{"appSendsPerMinute":7,"appChecksPerMinute":2}`)
		for i := range 7 {
			send(t, h, custom, phone(i))
		}
		r = post(h, "/v1/otp/send", auth(custom), `{ "phone": "`+phone(7)+`" }`)
		if wantError(t, "8th send under the policy's 7", r, 429, "RATE_LIMITED"); r.Header.Get("X-RateLimit-Limit") != "7" {
			t.Errorf("X-RateLimit-Limit = %q, want the policy's 7", r.Header.Get("X-RateLimit-Limit"))
		}
		for i := range 2 {
			wantError(t, fmt.Sprintf("verify %d under the policy's 2", i+1), post(h, "/v1/otp/verify", auth(custom), verifyBody("ver_unknown", "1")), 404, "OTP_NOT_FOUND")
		}
		wantError(t, "3rd verify under the policy's 2", post(h, "/v1/otp/verify", auth(custom), verifyBody("ver_unknown", "1")), 429, "RATE_LIMITED")

		// A policy change takes effect at once: the sends made count at
		// the new rate, and the wait is the new rate's.
		h.Admin("PATCH", "/v1/projects/"+custom.ProjectID, `{"policy":{"appSendsPerMinute":20}}`, 200)
		r = post(h, "/v1/otp/send", auth(custom), `{ "phone": "`+phone(7)+`" }`)
		if r.Status != 200 {
			wantError(t, "send under the raised limit", r, 429, "RATE_LIMITED")
			if r.Header.Get("X-RateLimit-Limit") != "20" {
				t.Errorf("X-RateLimit-Limit = %q, want the new 20", r.Header.Get("X-RateLimit-Limit"))
			}
			wait, _ := strconv.Atoi(r.Header.Get("Retry-After"))
			h.Clock.Advance(time.Duration(wait) * time.Second)
			send(t, h, custom, phone(7))
		}
	})
}
