package kookoo_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

// Seed 003's error messages.
const (
	authError     = "Authentication Error"
	missing       = "API key or Phone Number Missing"
	verifyFailed  = "Your Mobile Number OTP code verification failed"
	invalidNumber = "Invalid Phone Number"
)

// TestDocumentedErrors: each endpoint, by GET and by POST, answers
// KooKoo's documented errors with HTTP 200 and exactly its body.
func TestDocumentedErrors(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")
		key := app.APIKey
		get(h, pathSMS+query("phone_no", "9812345678", "api_key", key)) // a pending code for the wrong-otp cases
		tests := []struct {
			name, path string
			params     []string
			want       string
		}{
			{"smsotp without api_key", pathSMS, []string{"phone_no", "+919812345678", "sender_id", "OZONTL"}, missing},
			{"smsotp with an empty api_key", pathSMS, []string{"phone_no", "+919812345678", "api_key", ""}, missing},
			{"smsotp without phone_no", pathSMS, []string{"api_key", key, "sender_id", "OZONTL"}, missing},
			{"smsotp with a blank phone_no", pathSMS, []string{"phone_no", "  ", "api_key", key}, missing},
			{"smsotp with a wrong api_key", pathSMS, []string{"phone_no", "+919812345678", "api_key", "KK0123456789ABCDE"}, authError},
			{"smsotp with another app's key format", pathSMS, []string{"phone_no", "+919812345678", "api_key", key + "0"}, authError},
			{"callotp without api_key", pathCall, []string{"caller_id", callerID, "phone_no", "9612345678"}, missing},
			{"callotp without phone_no", pathCall, []string{"api_key", key, "caller_id", callerID}, missing},
			{"callotp with a wrong api_key", pathCall, []string{"api_key", "KK0123456789ABCDE", "phone_no", "9612345678"}, authError},
			{"verifyotp without api_key", pathVerify, []string{"phone_no", "+919812345678", "otp", "240326"}, missing},
			{"verifyotp without phone_no", pathVerify, []string{"otp", "240326", "api_key", key}, missing},
			{"verifyotp with a wrong api_key", pathVerify, []string{"phone_no", "+919812345678", "otp", "240326", "api_key", "KK0123456789ABCDE"}, authError},
			{"verifyotp with a wrong otp", pathVerify, []string{"phone_no", "+919812345678", "otp", "not-the-code", "api_key", key}, verifyFailed},
			{"verifyotp without otp", pathVerify, []string{"phone_no", "+919812345678", "api_key", key}, verifyFailed},
			{"verifyotp with an overlong otp", pathVerify, []string{"phone_no", "+919812345678", "otp", strings.Repeat("1", 65), "api_key", key}, verifyFailed},
			{"verifyotp of a number without a code", pathVerify, []string{"phone_no", "+919612345678", "otp", "240326", "api_key", key}, verifyFailed},
		}
		for _, tt := range tests {
			t.Run(tt.name+" GET", func(t *testing.T) {
				wantAnswer(t, get(h, tt.path+query(tt.params...)), "Error", tt.want)
			})
			t.Run(tt.name+" POST", func(t *testing.T) {
				wantAnswer(t, post(h, tt.path, values(tt.params...)), "Error", tt.want)
			})
		}
		// The wrong codes above were counted, not the right one: the
		// pending code still verifies once its attempts allow.
		if v := latestVerification(h, app); v["status"] != "pending" {
			t.Errorf("after the failed checks the verification is %v, want pending", v["status"])
		}
	})
}

// TestOtherErrors: what KooKoo does not document is answered in its shape
// (HTTP 200, status Error) with otpd's English message, whatever
// Accept-Language asks for.
func TestOtherErrors(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")
		key := app.APIKey
		tests := []struct {
			name, path string
			params     []string
			want       string
		}{
			{"smsotp to a number too short", pathSMS, []string{"phone_no", "981234567", "api_key", key}, invalidNumber},
			{"smsotp to letters", pathSMS, []string{"phone_no", "98123abcde", "api_key", key}, invalidNumber},
			{"smsotp to an email", pathSMS, []string{"phone_no", "user@example.com", "api_key", key}, invalidNumber},
			{"smsotp to a malformed email", pathSMS, []string{"phone_no", "user@", "api_key", key}, invalidNumber},
			{"callotp to a malformed email", pathCall, []string{"api_key", key, "phone_no", "98123@45678"}, invalidNumber},
			{"verifyotp of a malformed email", pathVerify, []string{"phone_no", "a@b@example.com", "otp", "240326", "api_key", key}, invalidNumber},
			{"smsotp to a number too long to read", pathSMS, []string{"phone_no", strings.Repeat("9", 400), "api_key", key}, invalidNumber},
			{"callotp to a number too long", pathCall, []string{"api_key", key, "phone_no", "98123456789"}, invalidNumber},
			{"verifyotp of an invalid number", pathVerify, []string{"phone_no", "0919812345678", "otp", "240326", "api_key", key}, invalidNumber},
			{"smsotp with a sender_id too long", pathSMS, []string{"phone_no", "9812345678", "api_key", key, "sender_id", "OZONETELSENDER"},
				"Invalid sender_id: use a phone number or a sender id of at most 11 letters and digits"},
			{"callotp with a caller_id of symbols", pathCall, []string{"api_key", key, "caller_id", "<caller>", "phone_no", "9612345678"},
				"Invalid caller_id: use a phone number or a sender id of at most 11 letters and digits"},
		}
		for _, tt := range tests {
			for _, lang := range []string{"", "ru"} {
				t.Run(tt.name+" "+lang, func(t *testing.T) {
					r := h.Do(dialecttest.Request{Method: "GET", Path: tt.path + query(tt.params...), Header: http.Header{"Accept-Language": {lang}}})
					wantAnswer(t, r, "Error", tt.want)
				})
			}
		}
		if list := h.Admin("GET", "/v1/otp?appId="+app.ID, "", 200).Body["data"].([]any); len(list) != 0 {
			t.Errorf("refused requests made %d verifications, want none", len(list))
		}
	})
}

// TestApplicationAndPolicyErrors: a disabled application, a channel the
// project does not enable, the destination's rate limit and a project
// that requires a CAPTCHA are each refused in KooKoo's shape.
func TestApplicationAndPolicyErrors(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)

		// A disabled application.
		app := h.CreateApp("test", "")
		h.Admin("PATCH", "/v1/applications/"+app.ID, `{"status":"disabled"}`, 200)
		for _, path := range []string{pathSMS, pathCall, pathVerify} {
			wantAnswer(t, get(h, path+query("phone_no", "9812345678", "otp", "240326", "api_key", app.APIKey)),
				"Error", "Authentication Error: The application is disabled")
		}

		// A channel the project does not enable.
		app = h.CreateApp("test", `{"channels":["sms"]}`)
		wantAnswer(t, get(h, pathCall+query("phone_no", "9812345678", "api_key", app.APIKey)),
			"Error", "Channel voice is not enabled for this project")

		// The destination's rate limit, whichever form the number is typed in.
		app = h.CreateApp("test", `{"sendsPerMinute":1}`)
		wantAnswer(t, get(h, pathCall+query("phone_no", "9812345678", "api_key", app.APIKey)), "queued", "919812345678")
		r := get(h, pathSMS+query("phone_no", "09812345678", "api_key", app.APIKey))
		wantAnswer(t, r, "Error", "Too many codes sent to this destination; try again later")
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("no Retry-After header on a rate-limited answer")
		}

		// A project that requires a CAPTCHA.
		p := h.Admin("POST", "/v1/projects", `{"name":"captcha","policy":{"challenge":{"enabled":true,"provider":"turnstile","siteKey":"0x4AAAAAAAsite","secretKey":"0x4AAAAAAAsecret"}}}`, 201).Data()
		a := h.Admin("POST", "/v1/applications", `{"name":"app","projectId":"`+p["id"].(string)+`","environment":"test"}`, 201).Data()
		wantAnswer(t, get(h, pathSMS+query("phone_no", "9812345678", "api_key", a["apiKey"].(string))), "Error",
			"CAPTCHA Required: this project requires a CAPTCHA token, which the KooKoo API cannot carry; send its codes through the native API or turn its challenge off")
	})
}

// TestAPIKeyRateLimit: the key's request limit applies to KooKoo calls,
// GET included, with the native API's headers.
func TestAPIKeyRateLimit(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarnessWith(t, dialecttest.Options{Engine: engine, Limits: otp.Limits{APIKeyRequests: otp.Limit{Count: 8, Period: time.Minute}}}, nil)
		app := h.CreateApp("test", "") // two console requests of the same limit's size, counted apart
		var r dialecttest.Response
		for i := range 9 {
			r = get(h, pathVerify+query("phone_no", "9812345678", "otp", "240326", "api_key", app.APIKey))
			if i < 8 {
				wantAnswer(t, r, "Error", verifyFailed)
			}
		}
		wantAnswer(t, r, "Error", "Too many requests for this API key")
		if r.Header.Get("Retry-After") == "" || r.Header.Get("X-RateLimit-Limit") != "8" || r.Header.Get("X-RateLimit-Remaining") != "0" {
			t.Errorf("headers %v, want Retry-After, X-RateLimit-Limit 8 and X-RateLimit-Remaining 0", r.Header)
		}
	})
}

// TestHTTPErrors: mistakes of HTTP keep their status, with KooKoo's body.
func TestHTTPErrors(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")
		wantError := func(t *testing.T, r dialecttest.Response, status int, message string) {
			t.Helper()
			if r.Status != status || r.Body["status"] != "Error" || r.Body["message"] != message || len(r.Body) != 2 {
				t.Errorf("answer %d %s, want %d {\"status\":\"Error\",\"message\":%q}", r.Status, r.Raw, status, message)
			}
		}
		for _, path := range []string{pathSMS, pathCall, pathVerify} {
			for _, method := range []string{"PUT", "DELETE", "PATCH", "OPTIONS"} {
				t.Run(method+" "+path, func(t *testing.T) {
					r := h.Do(dialecttest.Request{Method: method, Path: path + query("phone_no", "9812345678", "api_key", app.APIKey)})
					wantError(t, r, 405, "Method Not Allowed: use GET or POST")
					if r.Header.Get("Allow") != "GET, POST" {
						t.Errorf("Allow %q, want GET, POST", r.Header.Get("Allow"))
					}
				})
			}
			t.Run("HEAD "+path, func(t *testing.T) {
				r := h.Do(dialecttest.Request{Method: "HEAD", Path: path + query("phone_no", "9812345678", "api_key", app.APIKey)})
				if r.Status != 405 || r.Header.Get("Allow") != "GET, POST" {
					t.Errorf("HEAD: %d, Allow %q; want 405, GET, POST (a HEAD must not send a code)", r.Status, r.Header.Get("Allow"))
				}
			})
			t.Run("JSON body "+path, func(t *testing.T) {
				r := h.Do(dialecttest.Request{Method: "POST", Path: path, Body: `{"phone_no":"9812345678","api_key":"` + app.APIKey + `"}`})
				wantError(t, r, 415, "Unsupported Content-Type: send the parameters in the query string or as an application/x-www-form-urlencoded or multipart/form-data body")
			})
			t.Run("body too large "+path, func(t *testing.T) {
				r := post(h, path, values("phone_no", "9812345678", "api_key", app.APIKey, "pad", strings.Repeat("x", 17<<10)))
				wantError(t, r, 413, "Request Too Large: the form body must be at most 16384 bytes")
			})
			t.Run("malformed query "+path, func(t *testing.T) {
				wantError(t, get(h, path+"?phone_no=%zz&api_key="+app.APIKey), 400, "Malformed Request: the query string or form body could not be read")
			})
			t.Run("malformed form "+path, func(t *testing.T) {
				r := h.Do(dialecttest.Request{Method: "POST", Path: path, Body: "phone_no=%zz&api_key=" + app.APIKey,
					Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}})
				wantError(t, r, 400, "Malformed Request: the query string or form body could not be read")
			})
		}
		if list := h.Admin("GET", "/v1/otp?appId="+app.ID, "", 200).Body["data"].([]any); len(list) != 0 {
			t.Errorf("refused requests made %d verifications, want none", len(list))
		}
	})
}
