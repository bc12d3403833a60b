package cobinar_test

import (
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
)

// TestVerify: the right code with the seed's body answers the seed's
// shape, field by field: data {requestId, status "verified", phone,
// verifiedAt}; and the verification shows in the console, the logs,
// analytics and users like any other.
func TestVerify(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")
		id := send(t, h, app, "+999 482 918 102")
		h.Clock.Advance(30 * time.Second)
		r := post(h, "/v1/otp/verify", auth(app), verifyBody(id, h.Code(app, "+999482918102")))
		if r.Status != 200 {
			t.Fatalf("verify: %d %s", r.Status, r.Raw)
		}
		if got := keys(r.Body); got != "data" {
			t.Errorf("body has %s, want data only", got)
		}
		d := r.Data()
		if got, want := keys(d), "phone,requestId,status,verifiedAt"; got != want {
			t.Errorf("data has %s, want %s", got, want)
		}
		if d["requestId"] != id || d["status"] != "verified" || d["phone"] != "+999482918102" || d["verifiedAt"] != "2026-11-22T10:00:30.000Z" {
			t.Errorf("data = %v; want %s verified to +999482918102 at 2026-11-22T10:00:30.000Z", d, id)
		}
		if got, want := r.Header.Get("X-RateLimit-Limit"), "10"; got != want {
			t.Errorf("X-RateLimit-Limit = %q, want %q (Cobinar's verifies a minute)", got, want)
		}
		h.RequireRecorded(app, id, "+999482918102")
	})
}

// TestVerifyErrors: every verify that does not verify is the documented
// error, in the native shape: a wrong code INVALID_CODE with
// attempts_remaining, the fifth wrong one and any code afterwards
// MAX_ATTEMPTS, a code after the 5 minutes OTP_EXPIRED, an unknown or
// another application's requestId OTP_NOT_FOUND (and nothing counted on
// it), a verified or canceled request 409; messages in English or
// Russian.
func TestVerifyErrors(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)

		t.Run("wrong codes until the attempts run out", func(t *testing.T) {
			app := h.CreateApp("test", "")
			id := send(t, h, app, "+999 482 918 102")
			code := h.Code(app, "+999482918102")
			for left := 4; left >= 1; left-- {
				r := post(h, "/v1/otp/verify", auth(app), verifyBody(id, wrongCode(code)))
				d := wantError(t, "wrong code", r, 400, "INVALID_CODE")
				if d["attempts_remaining"] != float64(left) || d["field"] != "code" {
					t.Errorf("wrong code: details %v, want attempts_remaining %d on code", d, left)
				}
			}
			r := post(h, "/v1/otp/verify", with(auth(app), "Accept-Language", "ru"), verifyBody(id, wrongCode(code)))
			wantError(t, "fifth wrong code", r, 400, "MAX_ATTEMPTS")
			if m := message(r); !strings.Contains(m, "Слишком много неверных кодов") {
				t.Errorf("Russian MAX_ATTEMPTS message = %q", m)
			}
			r = post(h, "/v1/otp/verify", auth(app), verifyBody(id, code))
			wantError(t, "the right code afterwards", r, 400, "MAX_ATTEMPTS")
			if v := h.Admin("GET", "/v1/otp/"+id, "", 200).Data(); v["status"] != "max_attempts" || v["attempts"] != 5.0 {
				t.Errorf("console shows %v %v, want max_attempts after 5 attempts", v["status"], v["attempts"])
			}
		})

		t.Run("Russian wrong code", func(t *testing.T) {
			app := h.CreateApp("test", "")
			id := send(t, h, app, "+999 482 918 102")
			r := post(h, "/v1/otp/verify", with(auth(app), "Accept-Language", "ru-RU, en;q=0.5"), verifyBody(id, wrongCode(h.Code(app, "+999482918102"))))
			wantError(t, "wrong code in Russian", r, 400, "INVALID_CODE")
			if m := message(r); m != "Неверный код; осталось попыток: 4" {
				t.Errorf("Russian INVALID_CODE message = %q", m)
			}
			r = post(h, "/v1/otp/verify", auth(app), verifyBody(id, "000"))
			if m := message(r); m != "The code is incorrect" {
				t.Errorf("English INVALID_CODE message = %q", m)
			}
		})

		t.Run("expired", func(t *testing.T) {
			app := h.CreateApp("test", "")
			id := send(t, h, app, "+999 482 918 104")
			code := h.Code(app, "+999482918104")
			h.Clock.Advance(5 * time.Minute)
			wantError(t, "the right code at the expiry", post(h, "/v1/otp/verify", auth(app), verifyBody(id, code)), 400, "OTP_EXPIRED")
			wantError(t, "again", post(h, "/v1/otp/verify", auth(app), verifyBody(id, code)), 400, "OTP_EXPIRED")
			h.ConsumeEvents()
			logs := h.Admin("GET", "/v1/logs?verificationId="+id, "", 200).Body["data"].([]any)
			if logs[0].(map[string]any)["type"] != "otp.expired" {
				t.Errorf("newest event = %v, want otp.expired (Cobinar's lazy expiry)", logs[0])
			}
		})

		t.Run("unknown and another application's request", func(t *testing.T) {
			app, other := h.CreateApp("test", ""), h.CreateApp("test", "")
			theirs := send(t, h, other, "+999 482 918 105")
			for _, id := range []string{"ver_0000000000000000000000000000dead", "nope", theirs} {
				d := wantError(t, "requestId "+id, post(h, "/v1/otp/verify", auth(app), verifyBody(id, "847291")), 404, "OTP_NOT_FOUND")
				if d["field"] != "requestId" {
					t.Errorf("requestId %s: details %v, want field requestId", id, d)
				}
			}
			if v := h.Admin("GET", "/v1/otp/"+theirs, "", 200).Data(); v["attempts"] != 0.0 || v["status"] != "pending" {
				t.Errorf("another application's request after the tries: %v", v)
			}
			r := post(h, "/v1/otp/verify", auth(other), verifyBody(theirs, h.Code(other, "+999482918105")))
			if r.Status != 200 {
				t.Errorf("its own application's verify: %d %s", r.Status, r.Raw)
			}
		})

		t.Run("verified or canceled already", func(t *testing.T) {
			app := h.CreateApp("test", "")
			id := send(t, h, app, "+999 482 918 106")
			code := h.Code(app, "+999482918106")
			if r := post(h, "/v1/otp/verify", auth(app), verifyBody(id, code)); r.Status != 200 {
				t.Fatalf("verify: %d %s", r.Status, r.Raw)
			}
			wantError(t, "the right code again", post(h, "/v1/otp/verify", auth(app), verifyBody(id, code)), 409, "OTP_ALREADY_VERIFIED")
			wantError(t, "a wrong code after", post(h, "/v1/otp/verify", auth(app), verifyBody(id, wrongCode(code))), 409, "OTP_ALREADY_VERIFIED")

			cid := send(t, h, app, "+999 482 918 107")
			r := h.Do(dialecttest.Request{Method: "POST", Path: "/v1/verifications/" + cid + "/cancel",
				Header: map[string][]string{"Authorization": {"Bearer " + app.APIKey}}})
			if r.Status != 200 {
				t.Fatalf("cancel: %d %s", r.Status, r.Raw)
			}
			wantError(t, "a canceled request", post(h, "/v1/otp/verify", auth(app), verifyBody(cid, h.Code(app, "+999482918107"))), 409, "OTP_CANCELED")
		})

		t.Run("malformed requests", func(t *testing.T) {
			app := h.CreateApp("test", "")
			id := send(t, h, app, "+999 482 918 108")
			for _, tc := range []struct {
				name, body, code, field string
				status                  int
			}{
				{"no body", "", "INVALID_JSON", "", 400},
				{"no requestId", `{ "code": "847291" }`, "INVALID_PARAMETER", "requestId", 400},
				{"no code", `{ "requestId": "` + id + `" }`, "INVALID_PARAMETER", "code", 400},
				{"empty code", verifyBody(id, ""), "INVALID_PARAMETER", "code", 400},
				{"code too long", verifyBody(id, strings.Repeat("1", 65)), "INVALID_PARAMETER", "code", 400},
				{"code a number", `{ "requestId": "` + id + `", "code": 847291 }`, "INVALID_PARAMETER", "code", 400},
				{"unknown field", `{ "requestId": "` + id + `", "code": "847291", "phone": "+999482918108" }`, "INVALID_PARAMETER", "phone", 400},
				{"not JSON", `{ "requestId": `, "INVALID_JSON", "", 400},
			} {
				d := wantError(t, tc.name, post(h, "/v1/otp/verify", auth(app), tc.body), tc.status, tc.code)
				if got, _ := d["field"].(string); got != tc.field {
					t.Errorf("%s: details.field = %q, want %q", tc.name, got, tc.field)
				}
			}
			if v := h.Admin("GET", "/v1/otp/"+id, "", 200).Data(); v["attempts"] != 0.0 {
				t.Errorf("malformed verifies counted %v attempts, want 0", v["attempts"])
			}
		})
	})
}
