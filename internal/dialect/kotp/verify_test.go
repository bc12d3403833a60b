package kotp_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/otpd/otpd/internal/dialecttest"
)

// POST /verify with the seed's body and the right code: every field of
// the seed's answer; the verification shows in the console, logs,
// analytics and users like any other.
func TestVerify(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		h.Clock.Advance(2 * time.Minute)
		got := want(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, h.Code(app, "+14155552671"))), 200).Body
		wantKeys(t, "verify answer", got, "valid id verified_at attempts metadata")
		for field, want := range map[string]any{"valid": true, "id": id, "verified_at": wireTime(h.Clock.Now()), "attempts": 1.0} {
			if got[field] != want {
				t.Errorf("%s = %v, want %v", field, got[field], want)
			}
		}
		if diff := cmp.Diff(map[string]any{"user_id": "user_123", "action": "login"}, got["metadata"]); diff != "" {
			t.Errorf("metadata, want the seed's as sent (-want +got):\n%s", diff)
		}
		h.RequireRecorded(app, verID(id), "+14155552671")

		// Verified once, never again, even with the right code.
		wantError(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, h.Code(app, "+14155552671"))), 400, "OTP_ALREADY_VERIFIED", "")
	})
}

// Without metadata the answer's metadata is {}; otpd's own id form is
// accepted too; attempts counts the failed checks before.
func TestVerifyWithoutMetadata(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		id := want(t, call(h, "POST", "/v1/send", app.APIKey, `{"to":"a@example.com","method":"email","type":"password_reset"}`), 200).Body["id"].(string)
		wantError(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, "000000000")), 400, "INVALID_CODE", "code")
		got := want(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(verID(id), h.Code(app, "a@example.com"))), 200).Body
		if m, ok := got["metadata"].(map[string]any); !ok || len(m) != 0 || got["attempts"] != 2.0 || got["id"] != id {
			t.Errorf("answer %v, want metadata {}, attempts 2 and the otp_ id", got)
		}
	})
}

// Five wrong codes use up the attempts: each says how many remain, and
// after them even the right code is MAX_ATTEMPTS; the OTP reads failed.
func TestVerifyMaxAttempts(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		code := h.Code(app, "+14155552671")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 1; i <= 5; i++ {
			e := wantError(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, wrong)), 400, "INVALID_CODE", "code")
			if e.Details["attempts_remaining"] != float64(5-i) {
				t.Errorf("wrong code %d: attempts_remaining %v, want %d", i, e.Details["attempts_remaining"], 5-i)
			}
			if _, ok := e.Details["value"]; ok {
				t.Errorf("wrong code %d: the code typed is echoed in details.value", i)
			}
		}
		e := wantError(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, code)), 400, "MAX_ATTEMPTS", "")
		if e.Details["attempts_remaining"] != 0.0 {
			t.Errorf("MAX_ATTEMPTS details %v, want attempts_remaining 0", e.Details)
		}
		st := want(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 200).Body
		if st["status"] != "failed" || st["attempts"] != 5.0 || st["verified"] != false {
			t.Errorf("status after 5 wrong codes = %v, want failed, 5 attempts, not verified", st)
		}
	})
}

// An expired OTP is OTP_EXPIRED, even with the right code, and reads expired.
func TestVerifyExpired(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		h.Clock.Advance(299 * time.Second)
		if st := want(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 200).Body; st["status"] != "sent" {
			t.Errorf("status a second before expiry = %v, want sent", st["status"])
		}
		h.Clock.Advance(time.Second)
		if st := want(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 200).Body; st["status"] != "expired" {
			t.Errorf("status at expiry, before any check or sweep = %v, want expired", st["status"])
		}
		wantError(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, h.Code(app, "+14155552671"))), 400, "OTP_EXPIRED", "")
		wantError(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, h.Code(app, "+14155552671"))), 400, "OTP_EXPIRED", "")
		if st := want(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 200).Body; st["status"] != "expired" || st["attempts"] != 0.0 {
			t.Errorf("status after checks of an expired OTP = %v, want expired with 0 attempts", st)
		}
	})
}

// A verification canceled through otpd's native API is OTP_CANCELED and
// reads failed.
func TestVerifyCanceled(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		want(t, call(h, "POST", "/v1/verifications/"+verID(id)+"/cancel", app.APIKey, ""), 200)
		wantError(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, h.Code(app, "+14155552671"))), 400, "OTP_CANCELED", "")
		if st := want(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 200).Body; st["status"] != "failed" {
			t.Errorf("status of a canceled OTP = %v, want failed", st["status"])
		}
	})
}

// An unknown id, an id of no known form and another application's id are
// all OTP_NOT_FOUND, on /verify and /status alike; the other
// application's OTP is left untouched.
func TestNotFound(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		other := h.CreateApp("test", "")
		theirs := sendSeed(t, h, other.APIKey, "+14155552671")["id"].(string)
		for _, id := range []string{theirs, verID(theirs), "otp_1234567890abcdef", "ver_00", "otp_", "1234", "../otps"} {
			e := wantError(t, call(h, "POST", "/v1/verify", app.APIKey, seedVerify(id, "123456")), 404, "OTP_NOT_FOUND", "id")
			if e.Details["value"] != id {
				t.Errorf("verify %q: details.value %v, want the id", id, e.Details["value"])
			}
		}
		for _, id := range []string{theirs, verID(theirs), "otp_1234567890abcdef", "1234"} {
			wantError(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 404, "OTP_NOT_FOUND", "id")
		}
		st := want(t, call(h, "GET", "/v1/status/"+theirs, other.APIKey, ""), 200).Body
		if st["attempts"] != 0.0 || st["status"] != "sent" {
			t.Errorf("the other application's OTP after the attempts = %v, want untouched", st)
		}
	})
}

func TestVerifyErrors(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, nil)
		app := h.CreateApp("test", "")
		id := sendSeed(t, h, app.APIKey, "+14155552671")["id"].(string)
		for _, tc := range []struct {
			name, body  string
			status      int
			code, field string
		}{
			{"id missing", `{"code":"123456"}`, 400, "INVALID_PARAMETER", "id"},
			{"code missing", fmt.Sprintf(`{"id":%q}`, id), 400, "INVALID_PARAMETER", "code"},
			{"code a number", fmt.Sprintf(`{"id":%q,"code":123456}`, id), 400, "INVALID_PARAMETER", "code"},
			{"code too long", fmt.Sprintf(`{"id":%q,"code":"%065d"}`, id, 0), 400, "INVALID_PARAMETER", "code"},
			{"unknown field", fmt.Sprintf(`{"id":%q,"code":"123456","to":"+14155552671"}`, id), 400, "INVALID_PARAMETER", "to"},
			{"malformed", `{"id":`, 400, "INVALID_REQUEST", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := wantError(t, call(h, "POST", "/v1/verify", app.APIKey, tc.body), tc.status, tc.code, tc.field)
				if tc.field == "code" && e.Details["value"] != nil {
					t.Errorf("details.value = %v: a code typed is never echoed", e.Details["value"])
				}
			})
		}
		// None of them counted as an attempt.
		if st := want(t, call(h, "GET", "/v1/status/"+id, app.APIKey, ""), 200).Body; st["attempts"] != 0.0 {
			t.Errorf("attempts after malformed requests = %v, want 0", st["attempts"])
		}
	})
}
