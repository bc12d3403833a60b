package kookoo_test

import (
	"testing"

	"github.com/otpd/otpd/internal/dialecttest"
)

// numberForms are the ways Indian users type +91 98123 45678.
var numberForms = []string{"9812345678", "09812345678", "919812345678", "+919812345678"}

// TestNumberForms: on every endpoint, each of the four forms of one
// number means +91 98123 45678, and a code sent to one form verifies
// through another.
func TestNumberForms(t *testing.T) {
	dialecttest.Each(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine)
		app := h.CreateApp("test", `{"sendsPerMinute":100}`)
		for i, form := range numberForms {
			t.Run(form, func(t *testing.T) {
				r := get(h, pathSMS+query("phone_no", form, "api_key", app.APIKey))
				if v := verificationOf(h, r); v["to"] != smsNumber {
					t.Errorf("smsotp to %q: verification to %v, want %s", form, v["to"], smsNumber)
				}
				wantAnswer(t, get(h, pathCall+query("phone_no", form, "api_key", app.APIKey)), "queued", "919812345678")
				other := numberForms[(i+1)%len(numberForms)]
				wantAnswer(t, get(h, pathVerify+query("phone_no", other, "otp", h.Code(app, smsNumber), "api_key", app.APIKey)),
					"success", "Your Mobile Number OTP code is verified!")
			})
		}
	})
}
