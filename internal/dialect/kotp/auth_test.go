package kotp_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// endpoints are a valid request to each endpoint, given an OTP id.
func endpoints(id string) []struct{ method, path, body string } {
	return []struct{ method, path, body string }{
		{"POST", "/v1/send", `{"to":"+14155552690","method":"sms","type":"verification"}`},
		{"POST", "/v1/verify", seedVerify(id, "123456")},
		{"GET", "/v1/status/" + id, ""},
		{"GET", "/v1/otps", ""},
	}
}

// Every endpoint needs the Bearer API key of an active application:
// missing or unknown is 401 INVALID_API_KEY, a disabled application's
// 403 FORBIDDEN.
func TestAuthentication(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		disabled := h.CreateApp("test", "")
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		h.Admin("PATCH", "/v1/applications/"+disabled.ID, `{"status":"disabled"}`, 200)
		for _, ep := range endpoints(id) {
			for _, tc := range []struct {
				name, header string
				status       int
				code         string
			}{
				{"no key", "", 401, "INVALID_API_KEY"},
				{"unknown key", "Bearer otpd_test_api_unknown", 401, "INVALID_API_KEY"},
				{"not Bearer", "Basic " + app.APIKey, 401, "INVALID_API_KEY"},
				{"disabled application", "Bearer " + disabled.APIKey, 403, "FORBIDDEN"},
			} {
				t.Run(ep.method+" "+ep.path+" "+tc.name, func(t *testing.T) {
					var extra []string
					if tc.header != "" {
						extra = []string{"Authorization", tc.header}
					}
					r := call(h, ep.method, ep.path, "", ep.body, extra...)
					wantError(t, r, tc.status, tc.code, "")
					if tc.status == 401 && r.Header.Get("X-RateLimit-Limit") != "" {
						t.Errorf("rate-limit headers on a 401: no key was counted")
					}
				})
			}
		}
		// The Bearer scheme's name is case-insensitive.
		want(t, call(h, "GET", "/v1/otps", "", "", "Authorization", "bearer "+app.APIKey), 200)
	})
}

// Every authenticated answer, success or error, carries the API key's
// rate limit: 1000 calls a minute, what is left, when the window resets.
func TestRateLimitHeaders(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string) // call 1
		for i, ep := range endpoints(id) {
			r := call(h, ep.method, ep.path, app.APIKey, ep.body)
			if r.Status >= 500 {
				t.Fatalf("%s %s: %d %s", ep.method, ep.path, r.Status, r.Raw)
			}
			if got := r.Header.Get("X-RateLimit-Limit"); got != "1000" {
				t.Errorf("%s %s: X-RateLimit-Limit %q, want 1000", ep.method, ep.path, got)
			}
			if got, want := r.Header.Get("X-RateLimit-Remaining"), strconv.Itoa(1000-2-i); got != want {
				t.Errorf("%s %s: X-RateLimit-Remaining %q, want %s", ep.method, ep.path, got, want)
			}
			reset, err := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
			now := h.Clock.Now().Unix()
			if err != nil || reset < now || reset > now+60 {
				t.Errorf("%s %s: X-RateLimit-Reset %q, want unix seconds within the next minute of %d", ep.method, ep.path, r.Header.Get("X-RateLimit-Reset"), now)
			}
		}
	})
}

// Past the API key's calls per minute every call is 429 RATE_LIMITED with
// Retry-After, until the window has passed.
func TestAPIKeyRateLimit(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, func(o *dialecttest.Options) {
			o.Limits = otp.Limits{APIKeyRequests: otp.Limit{Count: 3, Period: time.Minute}}
		})
		app := h.CreateApp("test", "")
		for range 3 {
			want(t, call(h, "GET", "/v1/otps", app.APIKey, ""), 200)
		}
		r := call(h, "GET", "/v1/otps", app.APIKey, "")
		e := wantError(t, r, 429, "RATE_LIMITED", "")
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Errorf("Retry-After %q, want 1 to 60 seconds", r.Header.Get("Retry-After"))
		}
		if e.Details["retry_after"] != float64(secs) {
			t.Errorf("details.retry_after %v, want Retry-After's %d", e.Details["retry_after"], secs)
		}
		if r.Header.Get("X-RateLimit-Remaining") != "0" || r.Header.Get("X-RateLimit-Limit") != "3" {
			t.Errorf("rate headers on the 429: limit %q remaining %q, want 3 and 0", r.Header.Get("X-RateLimit-Limit"), r.Header.Get("X-RateLimit-Remaining"))
		}
		wantError(t, call(h, "POST", "/v1/send", app.APIKey, `{"to":"+14155552671","method":"sms","type":"verification"}`), 429, "RATE_LIMITED", "")
		h.Clock.Advance(time.Duration(secs) * time.Second)
		want(t, call(h, "GET", "/v1/otps", app.APIKey, ""), 200)
	})
}

// Ten sends a minute to one phone or email; the eleventh is 429
// RATE_LIMITED with Retry-After, while other destinations still work.
func TestDestinationRateLimit(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		for i := range 10 {
			if r := call(h, "POST", "/v1/send", app.APIKey, `{"to":"+14155552671","method":"sms","type":"verification"}`); r.Status != 200 {
				t.Fatalf("send %d: %d %s", i+1, r.Status, r.Raw)
			}
		}
		r := call(h, "POST", "/v1/send", app.APIKey, `{"to":"+1 (415) 555-2671","method":"voice","type":"verification"}`)
		wantError(t, r, 429, "RATE_LIMITED", "")
		if secs, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 60 {
			t.Errorf("Retry-After %q, want 1 to 60 seconds", r.Header.Get("Retry-After"))
		}
		want(t, call(h, "POST", "/v1/send", app.APIKey, `{"to":"+14155552672","method":"sms","type":"verification"}`), 200)
		h.Clock.Advance(time.Minute)
		want(t, call(h, "POST", "/v1/send", app.APIKey, `{"to":"+14155552671","method":"sms","type":"verification"}`), 200)
	})
}

// A project whose prepaid balance is used up refuses live sends with 402
// INSUFFICIENT_CREDITS; its sandbox still sends.
func TestInsufficientCredits(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, func(o *dialecttest.Options) {
			o.Config = func(c *otp.Config) { c.Prices = fixedPrices{otp.SMS: {Micros: 50000, Currency: "USD"}} }
		})
		app := h.CreateApp("live", "")
		h.Admin("POST", "/v1/projects/"+app.ProjectID+"/credits", `{"amount":"0.01","currency":"USD"}`, 200)
		sendSeed(t, h, app.APIKey, "+447400123456")
		deliverAll(t, h, fakeSender{})
		h.ConsumeEvents()
		h.Clock.Advance(3 * time.Second) // past the project cache
		r := call(h, "POST", "/v1/send", app.APIKey, `{"to":"+447400123457","method":"sms","type":"verification"}`)
		wantError(t, r, 402, "INSUFFICIENT_CREDITS", "")
		sandbox := h.Admin("POST", "/v1/applications", `{"name":"sandbox","projectId":"`+app.ProjectID+`","environment":"test"}`, 201).Data()
		want(t, call(h, "POST", "/v1/send", sandbox["apiKey"].(string), `{"to":"+447400123457","method":"sms","type":"verification"}`), 200)
	})
}

// Errors answer in Russian for Accept-Language: ru, in English otherwise.
func TestRussianMessages(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		for _, tc := range []struct {
			method, path, key, body, want string
		}{
			{"POST", "/v1/verify", app.APIKey, seedVerify(id, "x"), "Неверный код"},
			{"GET", "/v1/otps", "wrong", "", "Ключ API отсутствует или неверен"},
			{"GET", "/v1/status/otp_00", app.APIKey, "", "OTP с таким ID не найден"},
			{"POST", "/v1/send", app.APIKey, `{"to":"123456","method":"sms","type":"verification"}`, "Неверный формат номера телефона"},
			{"POST", "/v1/send", app.APIKey, `{"to":"+14155552671","type":"verification"}`, "Поле method обязательно"},
		} {
			ru := errorOf(t, call(h, tc.method, tc.path, tc.key, tc.body, "Accept-Language", "ru-RU,ru;q=0.9,en;q=0.8"))
			if ru.Message != tc.want {
				t.Errorf("%s %s in Russian: %q, want %q", tc.method, tc.path, ru.Message, tc.want)
			}
			if en := errorOf(t, call(h, tc.method, tc.path, tc.key, tc.body, "Accept-Language", "en-US")); en.Message == tc.want || en.Code != ru.Code {
				t.Errorf("%s %s in English: %+v, want the English message of %s", tc.method, tc.path, en, ru.Code)
			}
		}
	})
}

// A wrong method on a K-OTP path is 405 in K-OTP's shape, with Allow.
func TestMethodNotAllowed(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		for _, tc := range []struct{ method, path, allow string }{
			{"GET", "/v1/send", "POST"},
			{"PUT", "/v1/verify", "POST"},
			{"DELETE", "/v1/status/otp_00", "GET"},
			{"POST", "/v1/otps", "GET"},
			{"POST", "/openapi/kotp.json", "GET"},
		} {
			r := call(h, tc.method, tc.path, app.APIKey, "")
			wantError(t, r, 405, "METHOD_NOT_ALLOWED", "")
			if r.Header.Get("Allow") != tc.allow {
				t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, r.Header.Get("Allow"), tc.allow)
			}
		}
	})
}

// Key types as K-OTP documents them: a read key may check status and
// list, and anything else is 403; a key with an IP allow-list is an
// unknown key (401 INVALID_API_KEY) from elsewhere; a revoked key stops.
func TestKeyTypes(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		newKey := func(body string) (id, key string) {
			d := h.Admin("POST", "/v1/applications/"+app.ID+"/keys", body, 201).Data()
			return d["id"].(string), d["key"].(string)
		}
		_, read := newKey(`{"scope":"read"}`)
		want(t, call(h, "GET", "/v1/status/"+id, read, ""), 200)
		want(t, call(h, "GET", "/v1/otps", read, ""), 200)
		wantError(t, call(h, "POST", "/v1/send", read, `{"to":"+14155552690","method":"sms","type":"verification"}`), 403, "FORBIDDEN", "")
		wantError(t, call(h, "POST", "/v1/verify", read, seedVerify(id, "123456")), 403, "FORBIDDEN", "")

		_, here := newKey(`{"scope":"full","allowedIps":["127.0.0.0/8","::1"]}`)
		want(t, call(h, "GET", "/v1/status/"+id, here, ""), 200)
		_, elsewhere := newKey(`{"scope":"full","allowedIps":["203.0.113.0/24","2001:db8::/32"]}`)
		wantError(t, call(h, "GET", "/v1/status/"+id, elsewhere, ""), 401, "INVALID_API_KEY", "")

		fullID, full := newKey(`{"scope":"full"}`)
		want(t, call(h, "POST", "/v1/send", full, `{"to":"+14155552690","method":"sms","type":"verification"}`), 200)
		h.Admin("DELETE", "/v1/applications/"+app.ID+"/keys/"+fullID, "", 204)
		wantError(t, call(h, "GET", "/v1/otps", full, ""), 401, "INVALID_API_KEY", "")
	})
}
