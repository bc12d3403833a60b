package kookoo_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/otpd/otpd/internal/dialecttest"
	"github.com/otpd/otpd/internal/otp"
)

var smsMessage = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

// TestSMSOTP: the seed's smsotp request, and the same as a POST form,
// send a code by SMS to the number and answer "success" with SM and the
// verification's id, which the console shows with the sender id.
func TestSMSOTP(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")
		for _, tc := range []struct {
			name string
			send func() dialecttest.Response
		}{
			{"GET seed request", func() dialecttest.Response { return get(h, fromSeed(seedSMSOTP, app.APIKey, "")) }},
			{"POST form", func() dialecttest.Response {
				return post(h, pathSMS, values("phone_no", smsNumber, "api_key", app.APIKey, "sender_id", "OZONTL"))
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := tc.send()
				if r.Status != 200 || r.Body["status"] != "success" || !smsMessage.MatchString(r.Body["message"].(string)) || len(r.Body) != 2 {
					t.Fatalf("answer %d %s, want 200 {\"status\":\"success\",\"message\":\"SM<32 hex digits>\"}", r.Status, r.Raw)
				}
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type %q, want application/json", ct)
				}
				v := verificationOf(h, r)
				if v["to"] != smsNumber || v["channel"] != "sms" || v["callerId"] != "OZONTL" || v["status"] != "pending" {
					t.Errorf("verification to %v on %v from %v, %v; want to %s on sms from OZONTL, pending", v["to"], v["channel"], v["callerId"], v["status"], smsNumber)
				}
				msgs, err := h.Svc.TestMessages(t.Context(), mustApp(h, app), smsNumber)
				if err != nil || len(msgs) == 0 || msgs[0].Channel != otp.SMS || msgs[0].VerificationID != v["id"] {
					t.Fatalf("test inbox of %s: %+v, %v; want the SMS of %s first", smsNumber, msgs, err, v["id"])
				}
			})
		}
	})
}

// TestCallOTP: the seed's callotp request, and the same as a POST form,
// place a voice call that reads the code aloud and answer "queued" with
// the number called, in digits with its country code.
func TestCallOTP(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")
		for _, tc := range []struct {
			name string
			send func() dialecttest.Response
		}{
			{"GET seed request", func() dialecttest.Response { return get(h, fromSeed(seedCallOTP, app.APIKey, "")) }},
			{"POST form", func() dialecttest.Response {
				return post(h, pathCall, values("api_key", app.APIKey, "caller_id", callerID, "phone_no", "9612345678"))
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantAnswer(t, tc.send(), "queued", "919612345678")
				v := latestVerification(h, app)
				if v["to"] != callNumber || v["channel"] != "voice" || v["callerId"] != "+"+callerID {
					t.Errorf("verification to %v on %v from %v; want to %s on voice from +%s", v["to"], v["channel"], v["callerId"], callNumber, callerID)
				}
				msgs, err := h.Svc.TestMessages(t.Context(), mustApp(h, app), callNumber)
				if err != nil || len(msgs) == 0 {
					t.Fatalf("test inbox of %s: %+v, %v; want the call", callNumber, msgs, err)
				}
				m := msgs[0]
				if m.Channel != otp.Voice || m.VerificationID != v["id"] || !strings.Contains(m.Body, spelled(m.Code)) {
					t.Errorf("inbox message %+v; want a voice message of %s reading the code digit by digit", m, v["id"])
				}
			})
		}
	})
}

// spelled is the code as the English voice message reads it: "1, 2, 3".
func spelled(code string) string { return strings.Join(strings.Split(code, ""), ", ") }

// TestVerifyOTP: the seed's verifyotp request with the code sent answers
// "success" and the verification is verified, recorded like any other;
// the same code again, and a POST form after a call, behave the same way.
func TestVerifyOTP(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")

		sent := get(h, fromSeed(seedSMSOTP, app.APIKey, ""))
		id := verificationOf(h, sent)["id"].(string)
		code := h.Code(app, smsNumber)
		wantAnswer(t, get(h, fromSeed(seedVerifyOTP, app.APIKey, code)), "success", "Your Mobile Number OTP code is verified!")
		h.RequireRecorded(app, id, smsNumber)
		// Verified: nothing is pending any more.
		wantAnswer(t, get(h, fromSeed(seedVerifyOTP, app.APIKey, code)), "Error", "Your Mobile Number OTP code verification failed")

		// POST, after a call.
		wantAnswer(t, get(h, fromSeed(seedCallOTP, app.APIKey, "")), "queued", "919612345678")
		id = latestVerification(h, app)["id"].(string)
		code = h.Code(app, callNumber)
		wantAnswer(t, post(h, pathVerify, values("phone_no", "9612345678", "otp", code, "api_key", app.APIKey)), "success", "Your Mobile Number OTP code is verified!")
		h.RequireRecorded(app, id, callNumber)
	})
}

// TestVerifyOTPChecksTheLatestCode: a number's newest pending code is the
// one verifyotp checks, whichever channel sent it; the older one fails.
func TestVerifyOTPChecksTheLatestCode(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", "")
		get(h, pathSMS+query("phone_no", "9812345678", "api_key", app.APIKey))
		smsCode := h.Code(app, smsNumber)
		callCode := smsCode
		for range 3 { // until the codes differ: equal ones happen once in a million
			h.Clock.Advance(time.Second)
			wantAnswer(t, get(h, pathCall+query("phone_no", "9812345678", "api_key", app.APIKey)), "queued", "919812345678")
			if callCode = h.Code(app, smsNumber); callCode != smsCode {
				break
			}
		}
		verify := func(code string) dialecttest.Response {
			return get(h, pathVerify+query("phone_no", "9812345678", "otp", code, "api_key", app.APIKey))
		}
		wantAnswer(t, verify(smsCode), "Error", "Your Mobile Number OTP code verification failed")
		wantAnswer(t, verify(callCode), "success", "Your Mobile Number OTP code is verified!")
	})
}

// TestVerifyOTPFailures: an expired code and a code after the attempts
// are used up fail as a wrong code does.
func TestVerifyOTPFailures(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", `{"ttl":60,"maxAttempts":2}`)
		send := func() string {
			wantAnswer(t, get(h, pathCall+query("phone_no", "9812345678", "api_key", app.APIKey)), "queued", "919812345678")
			return h.Code(app, smsNumber)
		}
		verify := func(code string) dialecttest.Response {
			return get(h, pathVerify+query("phone_no", "9812345678", "otp", code, "api_key", app.APIKey))
		}
		const failed = "Your Mobile Number OTP code verification failed"

		code := send()
		h.Clock.Advance(61 * time.Second)
		wantAnswer(t, verify(code), "Error", failed)
		if v := latestVerification(h, app); v["status"] != "expired" {
			t.Errorf("after the TTL the verification is %v, want expired", v["status"])
		}

		code = send()
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		wantAnswer(t, verify(wrong), "Error", failed)
		wantAnswer(t, verify(wrong), "Error", failed)
		wantAnswer(t, verify(code), "Error", failed)
		if v := latestVerification(h, app); v["status"] != "max_attempts" {
			t.Errorf("after two wrong codes the verification is %v, want max_attempts", v["status"])
		}
	})
}

func mustApp(h *dialecttest.Harness, a dialecttest.App) *otp.Application {
	h.T.Helper()
	app, err := h.Svc.GetApplication(otp.WithPrincipal(h.T.Context(), otp.Principal{}), a.ID)
	if err != nil {
		h.T.Fatal(err)
	}
	return app
}
